"""ORM tables. Any change here needs a new migration in `storage/migrations/versions/`.

Constraint names follow `NAMING_CONVENTION` so that later SQLite batch
migrations can drop or alter them by name.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, Dialect, Float, ForeignKey, MetaData, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from storage.enums import SessionMode

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out.

    Hazard: SQLite has no timestamp type; it stores the text without an offset
    and returns naive datetimes. Values are converted to UTC before storing, so
    UTC is re-attached on load. Naive input is rejected rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime}


class Teacher(Base):
    __tablename__ = "teachers"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sessions_valid_after: Mapped[datetime | None] = mapped_column()
    """Sign-ins issued before this (a password reset) are refused; None: all are valid."""


class Classroom(Base):
    __tablename__ = "classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("teachers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    join_code: Mapped[str] = mapped_column(String(12), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    allow_show_solution: Mapped[bool] = mapped_column(default=True, server_default=true())


class Student(Base):
    """A browser, identified by the secret token it keeps in localStorage."""

    __tablename__ = "students"

    id: Mapped[int] = mapped_column(primary_key=True)
    browser_token: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    display_name: Mapped[str | None] = mapped_column(String(100))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("classes.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_active_at: Mapped[datetime] = mapped_column(default=utcnow)


class TutoringSession(Base):
    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(80))
    mode: Mapped[str] = mapped_column(String(32), default=SessionMode.SOLUTION)
    """A `SessionMode`: solution | hint | coach (a tutor conversation) | practice."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Message(Base):
    """One turn: a question and the tutor's reply (the ORM row; ``MessageRecord`` is its
    read-only copy, and a chat message sent to a model is a plain dict, ``tutor.backends.Message``).

    The row is inserted with status "generating" before generation starts, checkpointed while
    it streams and written once when it ends. Each column has one meaning in every mode
    (before migration 0005 ``reasoning``, ``final_answer`` and ``generation_settings`` also
    held the columns below that say "Hint / Coach me" or "practice"):

    * ``reasoning``: the model's thinking, as the student may see it (Show solution; "" in
      Hint / Coach me and practice).
    * ``final_answer``: the ``\\boxed{}`` answer shown to the student (Show solution, and a
      turn that revealed a guided session's solution); None where none is shown.
    * ``hidden_solution``: Hint / Coach me: the solution the tutor worked out privately (never
      shown to the student; "" where computer algebra settled the question, and "" elsewhere).
    * ``reference_answer``: the answer a student's answer is checked against when none is shown:
      in Hint / Coach me the one hints are screened against (computer algebra's where it settles
      the question, else the private solution's); in practice the problem's reference answer.
    * ``problem_id``, ``topic``, ``difficulty``: a practice problem's (`tutor.teaching.practice`:
      ``f"{topic}:{difficulty}:{seed}"``); None for every other message.
    * ``generation_settings``: the sampling settings the reply was generated with (``{}`` for a
      practice problem: no model runs).
    * ``question``: as typed; ``tutor.teaching.modes.NEXT_HINT`` / ``REVEAL`` for those buttons.
    * ``status``: a `MessageStatus`.
    """

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(Text)
    reasoning: Mapped[str] = mapped_column(Text, default="")
    solution: Mapped[str] = mapped_column(Text, default="")
    final_answer: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    model_id: Mapped[str] = mapped_column(String(200))
    generation_settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    hidden_solution: Mapped[str] = mapped_column(Text, default="", server_default="")
    reference_answer: Mapped[str | None] = mapped_column(Text)
    problem_id: Mapped[str | None] = mapped_column(String(64), index=True)
    topic: Mapped[str | None] = mapped_column(String(32))
    difficulty: Mapped[int | None] = mapped_column()


class Attempt(Base):
    """A student's answer checked against a message's ``final_answer`` (or, where none is shown,
    its ``reference_answer``); ``status`` is an `AttemptStatus`."""

    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    answer: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    correct: Mapped[bool] = mapped_column()
    feedback: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Flag(Base):
    """Something a teacher should look at, raised automatically on a message.

    One row per (message, kind): raising the same kind again updates nothing.
    """

    __tablename__ = "flags"
    __table_args__ = (UniqueConstraint("message_id", "kind", name="uq_flags_message_id_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed: Mapped[bool] = mapped_column(default=False, server_default=false())
    reviewed_at: Mapped[datetime | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text)


class Mastery(Base):
    """How likely a student knows one skill (a practice topic), by Bayesian Knowledge Tracing.

    One row per (student, skill), written when a checked practice answer counts for BKT
    (the first graded attempt on each practice problem); `attempts` counts those.
    """

    __tablename__ = "mastery"
    __table_args__ = (UniqueConstraint("student_id", "skill", name="uq_mastery_student_id_skill"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    skill: Mapped[str] = mapped_column(String(32))
    p_known: Mapped[float] = mapped_column(Float)
    attempts: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
