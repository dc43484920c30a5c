"""The class review a teacher reads: per-student overview, sessions, a transcript, progress."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from storage.flags import safety_last
from storage.mappers import attempt_record, flag_record, message_record, session_record
from storage.models import Attempt, Classroom, Flag, Message, Student, TutoringSession
from storage.records import (
    AttemptPoint,
    AttemptRecord,
    FlagRecord,
    ReviewFilter,
    SessionSummary,
    StudentSummary,
    Transcript,
    TranscriptEntry,
)
from storage.repository import Repository
from storage.scope import owned_class, review_conditions, student_label


class ClassReview(Repository):
    def overview(self, *, teacher_id: int, class_id: int, f: ReviewFilter | None = None) -> list[StudentSummary]:
        """One row per student of the class; with a content filter, only students with a match."""
        f = f or ReviewFilter()

        def work(db: Session) -> list[StudentSummary]:
            if owned_class(db, teacher_id, class_id) is None:
                return []
            where = [Student.class_id == class_id, *review_conditions(f)]
            base = (
                select(Student.id)
                .join(TutoringSession, TutoringSession.student_id == Student.id)
                .join(Message, Message.session_id == TutoringSession.id)
                .where(*where)
            )
            asked = {
                sid: (sessions, questions)
                for sid, sessions, questions in db.execute(
                    base.add_columns(func.count(func.distinct(TutoringSession.id)), func.count(Message.id)).group_by(
                        Student.id
                    )
                )
            }
            checked = {
                sid: (n, right or 0)
                for sid, n, right in db.execute(
                    base.join(Attempt, Attempt.message_id == Message.id)
                    .add_columns(func.count(Attempt.id), func.sum(case((Attempt.correct, 1), else_=0)))
                    .group_by(Student.id)
                )
            }
            flagged: dict[int, int] = dict(
                db.execute(
                    base.join(Flag, Flag.message_id == Message.id)
                    .where(Flag.reviewed == False)  # noqa: E712
                    .add_columns(func.count(Flag.id))
                    .group_by(Student.id)
                ).all()
            )
            students = select(Student).where(Student.class_id == class_id).order_by(Student.display_name, Student.id)
            if f.student_id is not None:
                students = students.where(Student.id == f.student_id)
            narrowed = any((f.since, f.until, f.flag, f.search))
            out = []
            for s in db.scalars(students):
                if narrowed and s.id not in asked:
                    continue
                sessions, questions = asked.get(s.id, (0, 0))
                attempts, correct = checked.get(s.id, (0, 0))
                out.append(
                    StudentSummary(
                        s.id,
                        student_label(s.id, s.display_name),
                        sessions,
                        questions,
                        attempts,
                        int(correct),
                        flagged.get(s.id, 0),
                        s.last_active_at,
                    )
                )
            out.sort(key=lambda r: (-r.open_flags, r.name.lower(), r.student_id))
            return out

        return self.transactions.read(work)

    def sessions(
        self, *, teacher_id: int, class_id: int, f: ReviewFilter | None = None, limit: int = 200
    ) -> list[SessionSummary]:
        """Sessions with a matching message: open safety flags first, then by open flags, then most recent."""
        f = f or ReviewFilter()

        def work(db: Session) -> list[SessionSummary]:
            if owned_class(db, teacher_id, class_id) is None:
                return []
            open_flags = (
                select(
                    Message.session_id, func.count(Flag.id).label("n"), func.min(safety_last(Flag.kind)).label("safety")
                )
                .join(Flag, Flag.message_id == Message.id)
                .where(Flag.reviewed == False)  # noqa: E712
                .group_by(Message.session_id)
                .subquery()
            )
            flags_n = func.coalesce(func.max(open_flags.c.n), 0)
            safety = func.coalesce(func.min(open_flags.c.safety), 1)
            rows = db.execute(
                select(
                    TutoringSession.id,
                    Student.id,
                    Student.display_name,
                    TutoringSession.title,
                    TutoringSession.updated_at,
                    func.count(Message.id),
                    flags_n,
                )
                .join(Student, TutoringSession.student_id == Student.id)
                .join(Message, Message.session_id == TutoringSession.id)
                .outerjoin(open_flags, open_flags.c.session_id == TutoringSession.id)
                .where(Student.class_id == class_id, *review_conditions(f))
                .group_by(
                    TutoringSession.id,
                    Student.id,
                    Student.display_name,
                    TutoringSession.title,
                    TutoringSession.updated_at,
                )
                .order_by(safety, flags_n.desc(), TutoringSession.updated_at.desc(), TutoringSession.id.desc())
                .limit(limit)
            )
            return [
                SessionSummary(sess, sid, student_label(sid, name), title, updated, n, int(fl))
                for sess, sid, name, title, updated, n, fl in rows
            ]

        return self.transactions.read(work)

    def transcript(self, *, teacher_id: int, session_id: int) -> Transcript | None:
        """The whole session with attempts and flags; None unless it is in one of this teacher's classes."""

        def work(db: Session) -> Transcript | None:
            found = db.execute(
                select(TutoringSession, Student.display_name, Student.class_id)
                .join(Student, TutoringSession.student_id == Student.id)
                .join(Classroom, Student.class_id == Classroom.id)
                .where(TutoringSession.id == session_id, Classroom.teacher_id == teacher_id)
            ).one_or_none()
            if found is None:
                return None
            parent, name, class_id = found
            assert class_id is not None  # joined through the teacher's class
            messages = db.scalars(select(Message).where(Message.session_id == session_id).order_by(Message.id)).all()
            attempts: dict[int, list[AttemptRecord]] = {m.id: [] for m in messages}
            flags: dict[int, list[FlagRecord]] = {m.id: [] for m in messages}
            for a in db.scalars(
                select(Attempt).join(Message).where(Message.session_id == session_id).order_by(Attempt.id)
            ):
                attempts[a.message_id].append(attempt_record(a))
            for fl in db.scalars(select(Flag).join(Message).where(Message.session_id == session_id).order_by(Flag.id)):
                flags[fl.message_id].append(flag_record(fl))
            return Transcript(
                session_record(parent),
                student_label(parent.student_id, name),
                class_id,
                [TranscriptEntry(message_record(m), attempts[m.id], flags[m.id]) for m in messages],
            )

        return self.transactions.read(work)

    def attempt_points(self, *, teacher_id: int, class_id: int, f: ReviewFilter | None = None) -> list[AttemptPoint]:
        """Every checked answer in the class (oldest first), for progress plots."""
        f = f or ReviewFilter()

        def work(db: Session) -> list[AttemptPoint]:
            if owned_class(db, teacher_id, class_id) is None:
                return []
            rows = db.execute(
                select(
                    Student.id, Student.display_name, Message.id, Message.question, Attempt.correct, Attempt.created_at
                )
                .join(TutoringSession, TutoringSession.student_id == Student.id)
                .join(Message, Message.session_id == TutoringSession.id)
                .join(Attempt, Attempt.message_id == Message.id)
                .where(Student.class_id == class_id, *review_conditions(f))
                .order_by(Attempt.created_at, Attempt.id)
            )
            return [
                AttemptPoint(sid, student_label(sid, name), mid, q, bool(ok), at) for sid, name, mid, q, ok, at in rows
            ]

        return self.transactions.read(work)
