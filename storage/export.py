"""A class (or one student of it) as JSON-ready data: the teacher's export and a privacy request.

Hazard: the rows are chosen by subqueries, not lists of ids; a big class would pass
SQLite's bound-parameter limit (32766 since 3.32, 999 before).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.mappers import iso
from storage.models import Attempt, Flag, Message, Student, TutoringSession, utcnow
from storage.repository import Repository
from storage.scope import owned_class, student_label


class ClassExport(Repository):
    def export(self, *, teacher_id: int, class_id: int, student_id: int | None = None) -> dict[str, Any] | None:
        """The class (or one student of it) as plain JSON-ready data; None unless the teacher's."""

        def work(db: Session) -> dict[str, Any] | None:
            cls = owned_class(db, teacher_id, class_id)
            if cls is None:
                return None
            chosen = select(Student.id).where(Student.class_id == class_id)
            if student_id is not None:
                chosen = chosen.where(Student.id == student_id)
            # Subqueries, not lists of ids: a big class would pass SQLite's bound-parameter limit.
            in_scope = TutoringSession.student_id.in_(chosen.scalar_subquery())
            students = db.scalars(
                select(Student).where(Student.id.in_(chosen.scalar_subquery())).order_by(Student.id)
            ).all()
            sessions = db.scalars(select(TutoringSession).where(in_scope).order_by(TutoringSession.id)).all()
            messages = db.scalars(select(Message).join(TutoringSession).where(in_scope).order_by(Message.id)).all()
            attempts = db.scalars(
                select(Attempt).join(Message).join(TutoringSession).where(in_scope).order_by(Attempt.id)
            ).all()
            flags = db.scalars(select(Flag).join(Message).join(TutoringSession).where(in_scope).order_by(Flag.id)).all()
            by_msg_a: dict[int, list[dict]] = {}
            for a in attempts:
                by_msg_a.setdefault(a.message_id, []).append(
                    {
                        "id": a.id,
                        "answer": a.answer,
                        "status": a.status,
                        "correct": a.correct,
                        "feedback": a.feedback,
                        "created_at": iso(a.created_at),
                    }
                )
            by_msg_f: dict[int, list[dict]] = {}
            for fl in flags:
                by_msg_f.setdefault(fl.message_id, []).append(
                    {
                        "id": fl.id,
                        "kind": fl.kind,
                        "detail": fl.detail,
                        "created_at": iso(fl.created_at),
                        "reviewed": fl.reviewed,
                        "note": fl.note,
                    }
                )
            by_session: dict[int, list[dict]] = {}
            for m in messages:
                by_session.setdefault(m.session_id, []).append(
                    {
                        "id": m.id,
                        "question": m.question,
                        "reasoning": m.reasoning,
                        "solution": m.solution,
                        "final_answer": m.final_answer,
                        "hidden_solution": m.hidden_solution,
                        "reference_answer": m.reference_answer,
                        "problem_id": m.problem_id,
                        "topic": m.topic,
                        "difficulty": m.difficulty,
                        "status": m.status,
                        "error": m.error,
                        "model_id": m.model_id,
                        "created_at": iso(m.created_at),
                        "finished_at": iso(m.finished_at),
                        "attempts": by_msg_a.get(m.id, []),
                        "flags": by_msg_f.get(m.id, []),
                    }
                )
            by_student: dict[int, list[dict]] = {}
            for s in sessions:
                by_student.setdefault(s.student_id, []).append(
                    {
                        "id": s.id,
                        "title": s.title,
                        "mode": s.mode,
                        "created_at": iso(s.created_at),
                        "updated_at": iso(s.updated_at),
                        "messages": by_session.get(s.id, []),
                    }
                )
            return {
                "class": {
                    "id": cls.id,
                    "name": cls.name,
                    "join_code": cls.join_code,
                    "created_at": iso(cls.created_at),
                },
                "exported_at": iso(utcnow()),
                "students": [
                    {
                        "id": s.id,
                        "name": student_label(s.id, s.display_name),
                        "created_at": iso(s.created_at),
                        "last_active_at": iso(s.last_active_at),
                        "sessions": by_student.get(s.id, []),
                    }
                    for s in students
                ],
            }

        return self.transactions.read(work)
