"""Plain, frozen values returned by `Store`.

Callers (Gradio handlers on worker threads) get these instead of ORM objects, so
nothing outside `storage/` can trigger lazy loading on a closed session.
Timestamps are timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class StudentRecord:
    id: int
    browser_token: str
    display_name: str | None
    class_id: int | None


@dataclass(frozen=True, slots=True)
class SessionRecord:
    id: int
    student_id: int
    title: str
    mode: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class MessageRecord:
    id: int
    session_id: int
    question: str
    reasoning: str
    solution: str
    final_answer: str | None
    status: str
    error: str | None
    model_id: str
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    id: int
    message_id: int
    answer: str
    status: str
    correct: bool
    feedback: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SessionDetail:
    session: SessionRecord
    messages: list[tuple[MessageRecord, list[AttemptRecord]]]
