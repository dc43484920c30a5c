"""Practice problems and mastery: the SQL behind the Practice tab.

A practice problem is stored like any question — a session with mode "practice" and one
complete message whose ``reference_answer`` is the reference and whose ``problem_id``,
``topic`` and ``difficulty`` name the problem — so the teacher's review shows practice
attempts with everything else.
`PracticeStore` adds what the ordinary store lacks: finding a student's practice message by
problem id (the access check lives in the query) and recording a checked answer together
with its mastery update in one transaction, so a retry on the same problem, or two checks
racing, can never count twice.

The BKT arithmetic is the caller's (``tutor/teaching/mastery.py``); this module only stores numbers.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.enums import GRADED_STATUSES, MessageStatus, SessionMode
from storage.mappers import attempt_record, mastery_record, message_record
from storage.models import Attempt, Mastery, Message, TutoringSession, utcnow
from storage.records import AttemptRecord, MasteryRecord, MessageRecord
from storage.repository import Repository
from storage.store import require_attempt_status, session_title

PRACTICE_MODE = SessionMode.PRACTICE
MAX_SKILL_CHARS = 32


def _practice_messages(student_id: int) -> Select[Message]:
    """This student's practice messages (a message of anyone else, or of a tutoring session, is not one)."""
    return (
        select(Message)
        .join(TutoringSession, Message.session_id == TutoringSession.id)
        .where(TutoringSession.student_id == student_id, TutoringSession.mode == PRACTICE_MODE)
    )


class PracticeStore(Repository):
    """Built on the app's `Store` (``PracticeStore(store)``), sharing its transactions."""

    def mastery_for_student(self, student_id: int) -> list[MasteryRecord]:
        """Every skill this student has a counted answer in, by skill name."""

        def work(db: Session) -> list[MasteryRecord]:
            rows = db.scalars(select(Mastery).where(Mastery.student_id == student_id).order_by(Mastery.skill))
            return [mastery_record(row) for row in rows]

        return self.transactions.read(work)

    def add_problem(
        self,
        *,
        student_id: int,
        question: str,
        title: str,
        model_id: str,
        reference_answer: str,
        problem_id: str,
        topic: str,
        difficulty: int,
    ) -> MessageRecord:
        """A new practice session holding the problem as one complete message, in one write
        (no model runs: ``generation_settings`` stays ``{}``)."""

        def work(db: Session) -> MessageRecord:
            now = utcnow()
            parent = TutoringSession(
                student_id=student_id, title=session_title(title), mode=PRACTICE_MODE, created_at=now, updated_at=now
            )
            db.add(parent)
            db.flush()
            row = Message(
                session_id=parent.id,
                question=question,
                reasoning="",
                solution="",
                status=MessageStatus.COMPLETE,
                model_id=model_id,
                generation_settings={},
                reference_answer=reference_answer,
                problem_id=problem_id,
                topic=topic,
                difficulty=difficulty,
                created_at=now,
                finished_at=now,
            )
            db.add(row)
            db.flush()
            return message_record(row)

        return self.transactions.write(work)

    def practice_message(self, *, student_id: int, problem_id: str) -> MessageRecord | None:
        """The newest practice message of this student for ``problem_id``; None for anyone else's."""
        if not isinstance(problem_id, str) or not problem_id or len(problem_id) > 64:
            return None

        def work(db: Session) -> MessageRecord | None:
            row = db.scalars(
                _practice_messages(student_id)
                .where(Message.problem_id == problem_id)
                .order_by(Message.id.desc())
                .limit(1)
            ).one_or_none()
            return None if row is None else message_record(row)

        return self.transactions.read(work)

    def record_practice_attempt(
        self,
        *,
        student_id: int,
        message_id: int,
        skill: str,
        answer: str,
        status: str,
        correct: bool,
        feedback: str,
        bkt_update: Callable[[float, bool], float],
        p_init: float,
    ) -> tuple[AttemptRecord, MasteryRecord | None]:
        """Store the attempt; when it is the problem's first graded attempt, update mastery too.

        Returns the attempt and the new mastery row (None when this attempt did not count).
        LookupError when the message is not one of this student's practice messages.
        """
        require_attempt_status(status)
        if not skill or len(skill) > MAX_SKILL_CHARS:
            raise ValueError("skill must be 1-32 characters")

        def work(db: Session) -> tuple[AttemptRecord, MasteryRecord | None]:
            # FOR UPDATE (PostgreSQL) serialises checks of one problem; SQLite's BEGIN IMMEDIATE already does.
            message = db.scalars(
                _practice_messages(student_id).where(Message.id == message_id).with_for_update(of=Message)
            ).one_or_none()
            if message is None:
                raise LookupError(f"message {message_id} is not a practice problem of student {student_id}")
            graded_before = db.scalar(
                select(func.count())
                .select_from(Attempt)
                .where(Attempt.message_id == message_id, Attempt.status.in_(GRADED_STATUSES))
            )
            attempt = Attempt(message_id=message_id, answer=answer, status=status, correct=correct, feedback=feedback)
            db.add(attempt)
            record: MasteryRecord | None = None
            if status in GRADED_STATUSES and graded_before == 0:
                row = db.scalars(
                    select(Mastery).where(Mastery.student_id == student_id, Mastery.skill == skill).with_for_update()
                ).one_or_none()
                if row is None:
                    row = Mastery(student_id=student_id, skill=skill, p_known=p_init, attempts=0)
                    db.add(row)
                row.p_known = float(bkt_update(row.p_known, correct))
                row.attempts += 1
                row.updated_at = utcnow()
            else:
                row = None
            session = db.get(TutoringSession, message.session_id)
            if session is not None:
                session.updated_at = utcnow()
            db.flush()
            if row is not None:
                record = mastery_record(row)
            return attempt_record(attempt), record

        try:
            return self.transactions.write(work)
        except IntegrityError:
            # Two first answers in the same new skill raced to insert its row (PostgreSQL);
            # the row exists now, so the second try updates it.
            return self.transactions.write(work)
