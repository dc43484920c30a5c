"""Classes and their join codes: creating, listing, finding by code, rotating a code.

A join code is 6 of 31 letters and digits (no 0/O, 1/I/L): about 887 million codes, so
guessing one at the join limit's pace is hopeless; a leaked code is revoked by rotating it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.mappers import class_record
from storage.models import Classroom, Student, Teacher, utcnow
from storage.records import ClassRecord
from storage.repository import Repository
from storage.scope import owned_class

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CODE_LENGTH = 6
MAX_CLASS_NAME = 100


def normalise_code(code: str) -> str:
    """A typed join code as stored: upper case, letters and digits only, at most 12."""
    return "".join(ch for ch in str(code).upper() if ch.isalnum())[:12]


def one_line(text: str, limit: int) -> str:
    """``text`` squashed to one line of at most ``limit`` characters (a name as stored)."""
    return " ".join(str(text).split())[:limit]


def new_join_code(db: Session) -> str:
    """A join code no class has: 6 of 31 letters and digits (≈ 887 million codes)."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not db.scalar(select(exists().where(Classroom.join_code == code))):
            return code


class Classes(Repository):
    def create_class(self, *, teacher_id: int, name: str) -> ClassRecord:
        name = one_line(name, MAX_CLASS_NAME)
        if not name:
            raise ValueError("a class needs a name")

        def work(db: Session) -> ClassRecord:
            if db.get(Teacher, teacher_id) is None:
                raise LookupError(f"no teacher with id {teacher_id}")
            row = Classroom(teacher_id=teacher_id, name=name, join_code=new_join_code(db), created_at=utcnow())
            db.add(row)
            db.flush()
            return class_record(row, 0)

        return self.transactions.write(work)

    def classes_for_teacher(self, teacher_id: int) -> list[ClassRecord]:
        def work(db: Session) -> list[ClassRecord]:
            counts = select(Student.class_id, func.count(Student.id).label("n")).group_by(Student.class_id).subquery()
            rows = db.execute(
                select(Classroom, func.coalesce(counts.c.n, 0))
                .outerjoin(counts, counts.c.class_id == Classroom.id)
                .where(Classroom.teacher_id == teacher_id)
                .order_by(Classroom.created_at, Classroom.id)
            )
            return [class_record(c, n) for c, n in rows]

        return self.transactions.read(work)

    def all_classes(self) -> list[tuple[str, ClassRecord]]:
        """(teacher username, class) for every class: the admin listing."""

        def work(db: Session) -> list[tuple[str, ClassRecord]]:
            rows = db.execute(
                select(Teacher.username, Classroom)
                .join(Classroom, Classroom.teacher_id == Teacher.id)
                .order_by(Teacher.username, Classroom.id)
            )
            return [(u, class_record(c)) for u, c in rows]

        return self.transactions.read(work)

    def class_for_teacher(self, *, teacher_id: int, class_id: int) -> ClassRecord | None:
        def work(db: Session) -> ClassRecord | None:
            row = owned_class(db, teacher_id, class_id)
            return None if row is None else class_record(row)

        return self.transactions.read(work)

    def class_for_code(self, code: str) -> ClassRecord | None:
        """The class students join with ``code`` (any case, spaces ignored), or None."""
        code = normalise_code(code)

        def work(db: Session) -> ClassRecord | None:
            row = db.scalars(select(Classroom).where(Classroom.join_code == code)).one_or_none()
            return None if row is None else class_record(row)

        return self.transactions.read(work) if code else None

    def rotate_code(self, *, teacher_id: int, class_id: int) -> ClassRecord | None:
        """A new join code for this teacher's class; the old one stops working at once.

        Students already in the class stay in it. None (nothing changed) unless the class is
        this teacher's. Revoking a leaked code is rotating it.
        """

        def work(db: Session) -> ClassRecord | None:
            row = owned_class(db, teacher_id, class_id)
            if row is None:
                return None
            row.join_code = new_join_code(db)
            db.flush()
            return class_record(row)

        return self._retry_unique(work)

    def rotate_code_by_code(self, code: str) -> ClassRecord | None:
        """`rotate_code` for the class with join ``code`` (the admin command); None if none has it."""
        code = normalise_code(code)

        def work(db: Session) -> ClassRecord | None:
            row = db.scalars(select(Classroom).where(Classroom.join_code == code)).one_or_none()
            if row is None:
                return None
            row.join_code = new_join_code(db)
            db.flush()
            return class_record(row)

        return self._retry_unique(work) if code else None

    def _retry_unique(self, work: Callable[[Session], ClassRecord | None]) -> ClassRecord | None:
        """Run a write once more when a concurrent writer took the same new code (PostgreSQL)."""
        try:
            return self.transactions.write(work)
        except IntegrityError:
            return self.transactions.write(work)

    def set_show_solution(self, *, code: str, allowed: bool) -> bool:
        """Allow or forbid worked solutions in Hint / Coach me for the class with join `code`."""
        code = normalise_code(code)

        def work(db: Session) -> bool:
            target = db.scalars(select(Classroom).where(Classroom.join_code == code)).one_or_none()
            if target is None:
                return False
            target.allow_show_solution = allowed
            return True

        return self.transactions.write(work) if code else False
