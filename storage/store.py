"""Students, their sessions, messages and attempts: the SQL behind the student page.

Each public method runs as one short transaction (`storage.transactions`) and returns
records from `storage.records`, so it is safe to call from any thread. `Store` also owns
the engine's `Transactions`, which the other stores (`SchoolStore`, `PracticeStore`) share.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db import StorageError, private_file
from storage.enums import REPLY_STATUSES, AttemptStatus, MessageStatus, SessionMode
from storage.mappers import attempt_record, message_record, session_record, student_record
from storage.models import Attempt, Base, Message, Student, TutoringSession, utcnow
from storage.records import (
    AttemptRecord,
    MessageRecord,
    SessionDetail,
    SessionRecord,
    StudentRecord,
)
from storage.transactions import Transactions, rowcount

M = TypeVar("M", bound=Base)

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def valid_token(token: object) -> bool:
    """Is ``token`` shaped like a browser identity (checked before any limit is charged)?"""
    return isinstance(token, str) and bool(TOKEN_PATTERN.fullmatch(token))


TITLE_MAX_CHARS = 80
ATTEMPT_STATUSES = frozenset(AttemptStatus)


def require_attempt_status(status: str) -> None:
    """ValueError unless ``status`` is one of the checker's verdicts (``AttemptStatus``)."""
    if status not in ATTEMPT_STATUSES:
        raise ValueError(f"attempt status must be in {sorted(ATTEMPT_STATUSES)}, not {status!r}")


ACTIVE_RESOLUTION = timedelta(minutes=5)
"""``last_active_at`` is accurate to this: real use writes it only when it is older.

Why at most once per 5 minutes rather than with every question or attempt: a student
asking or checking in a row then costs one read here, not an extra write transaction
(on SQLite every write takes the one write lock and an fsync), so activity adds at most
12 writes an hour per student; and the teacher's "Last active" column is read to the day
("who has not worked this week"), so 5 minutes loses nothing anyone looks at. Reads
(`find_student` and every history, session and class read) never write it."""


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.transactions = Transactions(engine)

    @property
    def _engine(self) -> Engine:
        """Old name of `engine`, kept for the tests that still reach for it."""
        return self.engine

    # -- students -----------------------------------------------------------

    def find_student(self, token: str) -> StudentRecord | None:
        """The student whose browser holds `token`, or None: a pure read, never a write.

        Every read path (page load, history, a session, the current class) uses this, so a
        visitor who only looks creates no row (issue 11 row 10: fresh tokens added 365 rows
        in 10 s) and a read never takes SQLite's write lock. A malformed token finds nobody.
        """
        if not valid_token(token):
            return None
        return self.transactions.read(
            lambda db: _optional(db.scalars(select(Student).where(Student.browser_token == token)).one_or_none())
        )

    def student_for_token(self, token: str) -> StudentRecord:
        """Get or create the student whose browser holds `token`; marks them active.

        Only for real use (asking, practising, joining a class): reads use `find_student`,
        which never writes. A known student seen within `ACTIVE_RESOLUTION` costs one read
        and no write; otherwise one write transaction creates the row or moves
        ``last_active_at`` to now.
        """
        if not valid_token(token):
            raise ValueError("browser token must be 16-64 characters of A-Z, a-z, 0-9, _ or -")

        def seen(db: Session) -> StudentRecord | None:
            student = db.scalars(select(Student).where(Student.browser_token == token)).one_or_none()
            if student is None or utcnow() - student.last_active_at >= ACTIVE_RESOLUTION:
                return None
            return student_record(student)

        known = self.transactions.read(seen)
        if known is not None:
            return known

        def work(db: Session) -> StudentRecord:
            query = select(Student).where(Student.browser_token == token)
            student = db.scalars(query).one_or_none()
            if student is None:
                now = utcnow()
                student = Student(browser_token=token, created_at=now, last_active_at=now)
                db.add(student)
            else:
                student.last_active_at = utcnow()
            db.flush()
            return student_record(student)

        try:
            return self.transactions.write(work)
        except IntegrityError:
            # Another process inserted the same token between our SELECT and
            # INSERT (possible on PostgreSQL; BEGIN IMMEDIATE rules it out on SQLite).
            return self.transactions.write(work)

    # -- sessions and messages ---------------------------------------------

    def start_session(self, *, student_id: int, title: str, mode: str = SessionMode.SOLUTION) -> SessionRecord:
        """New session; `title` (the first question) is squashed to one line of <= 80 chars."""

        def work(db: Session) -> SessionRecord:
            now = utcnow()
            row = TutoringSession(
                student_id=student_id,
                title=session_title(title),
                mode=mode,
                created_at=now,
                updated_at=now,
            )
            db.add(row)
            db.flush()
            return session_record(row)

        return self.transactions.write(work)

    def ask(
        self,
        *,
        student_id: int,
        session_id: int | None,
        question: str,
        model_id: str,
        settings: dict[str, Any],
        title: str = "",
        mode: str = SessionMode.SOLUTION,
    ) -> tuple[SessionRecord, MessageRecord]:
        """The question (status "generating") and, when ``session_id`` is None, its new session
        (``title``, ``mode``), in one write: the one write before the model sees a question."""

        def work(db: Session) -> tuple[SessionRecord, MessageRecord]:
            now = utcnow()
            if session_id is None:
                parent = TutoringSession(
                    student_id=student_id, title=session_title(title), mode=mode, created_at=now, updated_at=now
                )
                db.add(parent)
                db.flush()
            else:
                parent = _require(db, TutoringSession, session_id)
                if parent.student_id != student_id:
                    raise ValueError(f"session {session_id} is not student {student_id}'s")
                parent.updated_at = now
            row = Message(
                session_id=parent.id,
                question=question,
                status=MessageStatus.GENERATING,
                model_id=model_id,
                generation_settings=dict(settings),
            )
            db.add(row)
            db.flush()
            return session_record(parent), message_record(row)

        return self.transactions.write(work)

    def add_question(self, *, session_id: int, question: str, model_id: str, settings: dict[str, Any]) -> MessageRecord:
        """Store the question, status "generating", before generation starts."""

        def work(db: Session) -> MessageRecord:
            parent = _require(db, TutoringSession, session_id)
            row = Message(
                session_id=session_id,
                question=question,
                status=MessageStatus.GENERATING,
                model_id=model_id,
                generation_settings=dict(settings),
            )
            db.add(row)
            parent.updated_at = utcnow()
            db.flush()
            return message_record(row)

        return self.transactions.write(work)

    def finish_reply(
        self,
        *,
        message_id: int,
        reasoning: str,
        solution: str,
        final_answer: str | None,
        status: str,
        error: str | None = None,
        hidden_solution: str = "",
        reference_answer: str | None = None,
    ) -> MessageRecord:
        """Write the reply once, when generation ends; a "stopped" reply keeps the partial text.

        ``reasoning`` and ``final_answer`` are what the student may see; Hint / Coach me pass
        the privately worked solution and the answer hints are screened against as
        ``hidden_solution`` and ``reference_answer`` (see `storage.models.Message`).

        Raises ValueError for a status outside complete/cut/stopped/failed or when
        the message is no longer "generating" (a reply is written only once).
        """
        if status not in REPLY_STATUSES:
            raise ValueError(f"reply status must be in {sorted(REPLY_STATUSES)}, not {status!r}")

        def work(db: Session) -> MessageRecord:
            row = _require(db, Message, message_id)
            if row.status != MessageStatus.GENERATING:
                raise ValueError(f"message {message_id} is already {row.status!r}")
            now = utcnow()
            row.reasoning = reasoning
            row.solution = solution
            row.final_answer = final_answer
            row.hidden_solution = hidden_solution
            row.reference_answer = reference_answer
            row.status = status
            row.error = error
            row.finished_at = now
            _require(db, TutoringSession, row.session_id).updated_at = now
            db.flush()
            return message_record(row)

        return self.transactions.write(work)

    def save_progress(self, *, message_id: int, reasoning: str, solution: str, hidden_solution: str = "") -> bool:
        """Checkpoint a reply still generating, so a killed process loses at most one interval.

        The service calls this every few seconds, never per token. Returns False (and writes
        nothing) once the reply is finished, so a late checkpoint cannot overwrite it.
        """

        def work(db: Session) -> bool:
            result = db.execute(
                update(Message)
                .where(Message.id == message_id, Message.status == MessageStatus.GENERATING)
                .values(reasoning=reasoning, solution=solution, hidden_solution=hidden_solution)
            )
            return rowcount(result) == 1

        return self.transactions.write(work)

    def mark_interrupted(self) -> int:
        """At start-up, replies left "generating" by a dead process become "interrupted".

        Returns how many.
        """

        def work(db: Session) -> int:
            result = db.execute(
                update(Message)
                .where(Message.status == MessageStatus.GENERATING)
                .values(status=MessageStatus.INTERRUPTED)
            )
            return rowcount(result)

        return self.transactions.write(work)

    def add_attempt(self, *, message_id: int, answer: str, status: str, correct: bool, feedback: str) -> AttemptRecord:
        require_attempt_status(status)

        def work(db: Session) -> AttemptRecord:
            row = Attempt(
                message_id=message_id,
                answer=answer,
                status=status,
                correct=correct,
                feedback=feedback,
            )
            db.add(row)
            db.flush()
            return attempt_record(row)

        return self.transactions.write(work)

    # -- reads (each checks ownership) ---------------------------------------

    def sessions_for_student(self, student_id: int, *, limit: int = 50) -> list[SessionRecord]:
        """Most recently active first (updated_at, then id)."""

        def work(db: Session) -> list[SessionRecord]:
            rows = db.scalars(
                select(TutoringSession)
                .where(TutoringSession.student_id == student_id)
                .order_by(TutoringSession.updated_at.desc(), TutoringSession.id.desc())
                .limit(limit)
            )
            return [session_record(row) for row in rows]

        return self.transactions.read(work)

    def session_detail(self, *, session_id: int, student_id: int) -> SessionDetail | None:
        """The session, its messages in order, each with its attempts.

        None when the session is not this student's: the access check.
        """

        def work(db: Session) -> SessionDetail | None:
            parent = db.get(TutoringSession, session_id)
            if parent is None or parent.student_id != student_id:
                return None
            messages = db.scalars(select(Message).where(Message.session_id == session_id).order_by(Message.id)).all()
            attempts: dict[int, list[AttemptRecord]] = {m.id: [] for m in messages}
            for row in db.scalars(
                select(Attempt)
                .join(Message, Attempt.message_id == Message.id)
                .where(Message.session_id == session_id)
                .order_by(Attempt.id)
            ):
                attempts[row.message_id].append(attempt_record(row))
            return SessionDetail(
                session=session_record(parent),
                messages=[(message_record(m), attempts[m.id]) for m in messages],
            )

        return self.transactions.read(work)

    def message_for_student(self, *, message_id: int, student_id: int) -> MessageRecord | None:
        """The message, or None unless it belongs to one of this student's sessions."""

        def work(db: Session) -> MessageRecord | None:
            row = db.scalars(
                select(Message)
                .join(TutoringSession, Message.session_id == TutoringSession.id)
                .where(Message.id == message_id, TutoringSession.student_id == student_id)
            ).one_or_none()
            return None if row is None else message_record(row)

        return self.transactions.read(work)

    # -- maintenance ----------------------------------------------------------

    def backup(self, dest_path: str) -> None:
        """Consistent copy of a live SQLite database through the online backup API.

        Hazard: copying the file is not a backup in WAL mode; committed pages
        may still sit in the -wal file. The backup API reads one snapshot and
        does not block writers.
        """
        if self.engine.dialect.name != "sqlite":
            raise StorageError("backup() is SQLite-only; use the database's own backup tools")
        private_file(Path(dest_path))  # 0600 in a 0700 folder, before SQLite writes to it (issue 11 row 15)
        source = self.engine.raw_connection()
        try:
            dest = sqlite3.connect(dest_path)
            try:
                assert source.driver_connection is not None  # an open SQLite connection
                source.driver_connection.backup(dest)
            finally:
                dest.close()
        finally:
            source.close()


def _require(db: Session, model: type[M], key: int) -> M:
    row = db.get(model, key)
    if row is None:
        raise LookupError(f"no {model.__tablename__} row with id {key}")
    return row


def session_title(text: str) -> str:
    """``text`` squashed to one line of at most `TITLE_MAX_CHARS` (an ellipsis marks a cut)."""
    line = " ".join(text.split())
    return line if len(line) <= TITLE_MAX_CHARS else line[: TITLE_MAX_CHARS - 1] + "…"


def _optional(row: Student | None) -> StudentRecord | None:
    return None if row is None else student_record(row)
