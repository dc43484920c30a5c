"""What a teacher may see and how the view is narrowed: shared by every teacher read.

The access check lives in the query, not in the page: each teacher read starts from
`owned_class` (or joins `Classroom.teacher_id`) and returns nothing for a class, session,
flag or student outside that teacher's classes.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, func
from sqlalchemy.orm import Session, aliased

from storage.models import Classroom, Flag, Message, Student
from storage.records import ReviewFilter

MAX_SEARCH_CHARS = 200
"""A search longer than this is cut: the LIKE runs over every question of the class."""


def student_label(student_id: int, display_name: str | None) -> str:
    """The name a teacher sees: the one given on joining, else "Student <id>"."""
    return display_name or f"Student {student_id}"


def owned_class(db: Session, teacher_id: int, class_id: int) -> Classroom | None:
    """The class when it is this teacher's; None otherwise (and for a forged, non-int id)."""
    row = db.get(Classroom, class_id) if isinstance(class_id, int) else None
    return row if row is not None and row.teacher_id == teacher_id else None


def review_conditions(f: ReviewFilter) -> list[ColumnElement[bool]]:
    """Filter conditions on Student / TutoringSession / Message for a `ReviewFilter`."""
    out: list[ColumnElement[bool]] = []
    if f.student_id is not None:
        out.append(Student.id == f.student_id)
    if f.since is not None:
        out.append(Message.created_at >= f.since)
    if f.until is not None:
        out.append(Message.created_at < f.until)
    if f.search:
        out.append(func.lower(Message.question).contains(f.search[:MAX_SEARCH_CHARS].lower(), autoescape=True))
    if f.flag:
        other = aliased(Flag)  # the query may join Flag itself
        cond = and_(other.message_id == Message.id, other.reviewed == False)  # noqa: E712
        if f.flag != "any":
            cond = and_(other.message_id == Message.id, other.kind == f.flag)
        out.append(exists().where(cond))
    return out
