"""Flags on messages: raising them, listing a class's, and a teacher marking one reviewed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, case, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.mappers import attempt_record, flag_record
from storage.models import Attempt, Classroom, Flag, Message, Student, TutoringSession, utcnow
from storage.records import AttemptRecord, FlagListing, FlagRecord, ReviewFilter
from storage.repository import Repository
from storage.scope import owned_class, review_conditions, student_label

MAX_NOTE_CHARS = 2000
FLAG_DETAIL_CHARS = 500
SAFETY_KINDS = ("self_harm", "abuse", "personal_data", "harmful_request")
"""Flags about the student's wellbeing or privacy: listed before the others (see tutor/teaching/flags.py)."""


def safety_last(kind: Any) -> ColumnElement[int]:
    """0 for a safety flag kind, 1 for the rest: sorts safety flags first."""
    return case((kind.in_(SAFETY_KINDS), 0), else_=1)


class Flags(Repository):
    def raise_flags(self, *, message_id: int, hits: Iterable[tuple[str, str]]) -> list[FlagRecord]:
        """Add flags (kind, detail) to a message; a kind it already has is skipped. Returns the new ones."""
        hits = list(hits)
        if not hits:
            return []

        def work(db: Session) -> list[FlagRecord]:
            have = set(db.scalars(select(Flag.kind).where(Flag.message_id == message_id)))
            new = []
            for kind, detail in hits:
                if kind in have:
                    continue
                have.add(kind)
                row = Flag(
                    message_id=message_id,
                    kind=kind[:32],
                    detail=detail[:FLAG_DETAIL_CHARS],
                    created_at=utcnow(),
                    reviewed=False,
                )
                db.add(row)
                new.append(row)
            db.flush()
            return [flag_record(r) for r in new]

        try:
            return self.transactions.write(work)
        except IntegrityError:  # a concurrent writer raised the same kind
            return self.transactions.write(work)

    def attempts_for_message(self, message_id: int) -> list[AttemptRecord]:
        return self.transactions.read(
            lambda db: [
                attempt_record(a)
                for a in db.scalars(select(Attempt).where(Attempt.message_id == message_id).order_by(Attempt.id))
            ]
        )

    def flags_for_class(
        self,
        *,
        teacher_id: int,
        class_id: int,
        f: ReviewFilter | None = None,
        include_reviewed: bool = True,
        limit: int = 500,
    ) -> list[FlagListing]:
        """Open flags first, safety ones (self-harm, abuse, personal data) ahead, newest first; then reviewed ones."""
        f = f or ReviewFilter()

        def work(db: Session) -> list[FlagListing]:
            if owned_class(db, teacher_id, class_id) is None:
                return []
            query = (
                select(Flag, Student.id, Student.display_name, TutoringSession.id, Message.question)
                .join(Message, Flag.message_id == Message.id)
                .join(TutoringSession, Message.session_id == TutoringSession.id)
                .join(Student, TutoringSession.student_id == Student.id)
                .where(Student.class_id == class_id, *review_conditions(f))
                .order_by(Flag.reviewed, safety_last(Flag.kind), Flag.created_at.desc(), Flag.id.desc())
                .limit(limit)
            )
            if f.flag and f.flag != "any":
                query = query.where(Flag.kind == f.flag)
            if not include_reviewed:
                query = query.where(Flag.reviewed == False)  # noqa: E712 - SQL expression
            return [
                FlagListing(flag_record(fl), sid, student_label(sid, name), sess, q)
                for fl, sid, name, sess, q in db.execute(query)
            ]

        return self.transactions.read(work)

    def review_flag(
        self, *, teacher_id: int, flag_id: int, note: str | None = None, reviewed: bool = True
    ) -> FlagRecord | None:
        """Mark a flag of one of this teacher's classes reviewed (with an optional note)."""
        note = (note or "").strip()[:MAX_NOTE_CHARS] or None

        def work(db: Session) -> FlagRecord | None:
            row = db.scalars(
                select(Flag)
                .join(Message, Flag.message_id == Message.id)
                .join(TutoringSession, Message.session_id == TutoringSession.id)
                .join(Student, TutoringSession.student_id == Student.id)
                .join(Classroom, Student.class_id == Classroom.id)
                .where(Flag.id == flag_id, Classroom.teacher_id == teacher_id)
            ).one_or_none()
            if row is None:
                return None
            row.reviewed = reviewed
            row.reviewed_at = utcnow() if reviewed else None
            if note is not None:
                row.note = note
            db.flush()
            return flag_record(row)

        return self.transactions.write(work)
