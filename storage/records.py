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
    """A `storage.enums.SessionMode` value."""
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
    hidden_solution: str = ""
    """Hint / Coach me: the solution worked out privately (never shown to the student)."""
    reference_answer: str | None = None
    """Checked against where no answer is shown: Hint / Coach me's screened answer, practice's reference."""
    problem_id: str | None = None
    """A practice problem's id (``f"{topic}:{difficulty}:{seed}"``); None for other messages."""
    topic: str | None = None
    difficulty: int | None = None

    @property
    def checked_against(self) -> str | None:
        """The answer a student's answer to this message is checked against: the shown final answer,
        else the hidden reference (Hint / Coach me turns, practice problems)."""
        return self.final_answer if self.final_answer else self.reference_answer


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


# -- teachers, classes and review (storage/school.py) ------------------------------------


@dataclass(frozen=True, slots=True)
class TeacherRecord:
    id: int
    username: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ClassRecord:
    id: int
    teacher_id: int
    name: str
    join_code: str
    created_at: datetime
    students: int = 0
    allow_show_solution: bool = True
    """False: students in Hint / Coach me cannot ask for the worked solution."""


@dataclass(frozen=True, slots=True)
class FlagRecord:
    id: int
    message_id: int
    kind: str
    detail: str
    created_at: datetime
    reviewed: bool
    reviewed_at: datetime | None
    note: str | None


@dataclass(frozen=True, slots=True)
class ReviewFilter:
    """What a teacher narrowed the class view to; every field optional."""

    student_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    flag: str | None = None
    """None: any message; "any": messages with an open flag; otherwise that flag kind."""
    search: str | None = None
    """Case-insensitive substring of the question text."""


@dataclass(frozen=True, slots=True)
class StudentSummary:
    student_id: int
    name: str
    sessions: int
    questions: int
    attempts: int
    correct: int
    open_flags: int
    last_active_at: datetime


@dataclass(frozen=True, slots=True)
class SessionSummary:
    session_id: int
    student_id: int
    student_name: str
    title: str
    updated_at: datetime
    questions: int
    open_flags: int


@dataclass(frozen=True, slots=True)
class FlagListing:
    flag: FlagRecord
    student_id: int
    student_name: str
    session_id: int
    question: str


@dataclass(frozen=True, slots=True)
class TranscriptEntry:
    message: MessageRecord
    attempts: list[AttemptRecord]
    flags: list[FlagRecord]


@dataclass(frozen=True, slots=True)
class Transcript:
    session: SessionRecord
    student_name: str
    class_id: int
    entries: list[TranscriptEntry]


@dataclass(frozen=True, slots=True)
class AttemptPoint:
    """One checked answer, with its question, for progress plots."""

    student_id: int
    student_name: str
    message_id: int
    question: str
    correct: bool
    created_at: datetime


# -- practice mastery (storage/mastery.py) ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class MasteryRecord:
    """P(known) of one skill for one student, and how many answers went into it."""

    student_id: int
    skill: str
    p_known: float
    attempts: int
    updated_at: datetime
