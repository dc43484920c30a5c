"""Who is in a class: joining with a code, the roster, removal and deletion of a student."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from storage.classes import normalise_code, one_line
from storage.mappers import class_record
from storage.models import Classroom, Student
from storage.records import ClassRecord
from storage.repository import Repository
from storage.scope import owned_class, student_label
from storage.transactions import rowcount

MAX_STUDENT_NAME = 100
MAX_CLASS_SIZE = 200
"""Students a class can hold (issue 11 row 10: 400 "Alice"s flooded a roster). A join past it
is refused with `ClassFull`; a student already in the class may re-join (change their name).
Hazard: counted inside the join's transaction, exact on SQLite (BEGIN IMMEDIATE serialises
writers); on PostgreSQL two joins at the same instant can overshoot by one or two."""
MAX_REMOVE_IDS = 1000
"""Ids one `remove_students` call reads at most (a forged list cannot be unbounded)."""


class ClassFull(Exception):
    """The class already has `MAX_CLASS_SIZE` students."""

    def __init__(self, name: str, size: int) -> None:
        super().__init__(f"class {name!r} is full ({size} students)")
        self.name, self.size = name, size


class Roster(Repository):
    def join_class(
        self, *, student_id: int, name: str, code: str, max_size: int = MAX_CLASS_SIZE
    ) -> ClassRecord | None:
        """Attach the student (and so all their sessions) to the class with `code`; None if no such class.

        Raises `ClassFull` when the class already holds ``max_size`` students and this student
        is not one of them.
        """
        name = one_line(name, MAX_STUDENT_NAME)
        if not name:
            raise ValueError("a name is needed to join a class")
        code = normalise_code(code)

        def work(db: Session) -> ClassRecord | None:
            target = db.scalars(select(Classroom).where(Classroom.join_code == code)).one_or_none()
            if target is None:
                return None
            student = db.get(Student, student_id)
            if student is None:
                raise LookupError(f"no student with id {student_id}")
            if student.class_id != target.id:
                size = db.scalar(select(func.count(Student.id)).where(Student.class_id == target.id)) or 0
                if size >= max_size:
                    raise ClassFull(target.name, size)
            student.display_name, student.class_id = name, target.id
            return class_record(target)

        return self.transactions.write(work) if code else None

    def class_of_student(self, student_id: int) -> ClassRecord | None:
        def work(db: Session) -> ClassRecord | None:
            row = db.scalars(
                select(Classroom).join(Student, Student.class_id == Classroom.id).where(Student.id == student_id)
            ).one_or_none()
            return None if row is None else class_record(row)

        return self.transactions.read(work)

    def class_students(self, *, teacher_id: int, class_id: int) -> list[tuple[int, str]]:
        def work(db: Session) -> list[tuple[int, str]]:
            if owned_class(db, teacher_id, class_id) is None:
                return []
            rows = db.execute(
                select(Student.id, Student.display_name)
                .where(Student.class_id == class_id)
                .order_by(Student.display_name, Student.id)
            )
            return [(i, student_label(i, n)) for i, n in rows]

        return self.transactions.read(work)

    def remove_students(self, *, teacher_id: int, class_id: int, student_ids: Iterable[object]) -> int:
        """Take these students out of this teacher's class; returns how many were removed.

        Each keeps their own history (a removed student still sees their sessions) but loses
        the name they gave for the class and leaves its roster, flags and exports. Ids that
        are not integers, not in this class, or of a class that is not this teacher's are
        ignored (a forged id does nothing); at most `MAX_REMOVE_IDS` ids are read.
        """
        ids = sorted({i for i in list(student_ids)[:MAX_REMOVE_IDS] if isinstance(i, int) and not isinstance(i, bool)})

        def work(db: Session) -> int:
            if not ids or owned_class(db, teacher_id, class_id) is None:
                return 0
            result = db.execute(
                update(Student)
                .where(Student.class_id == class_id, Student.id.in_(ids))
                .values(class_id=None, display_name=None)
            )
            return rowcount(result)

        return self.transactions.write(work)

    def delete_student(self, *, teacher_id: int, student_id: int) -> int | None:
        """Privacy request: the student and every session, message, attempt and flag of theirs.

        Returns the id of the class they were in; None (nothing deleted) unless that class is
        this teacher's. On SQLite the freed pages are zeroed (secure_delete) and the WAL
        checkpointed, so the text does not linger in the database files.
        """

        def work(db: Session) -> int | None:
            owned = db.scalar(
                select(Student.class_id)
                .join(Classroom, Student.class_id == Classroom.id)
                .where(Student.id == student_id, Classroom.teacher_id == teacher_id)
            )
            if owned is None:
                return None
            self.transactions.secure_delete(db)
            db.execute(delete(Student).where(Student.id == student_id))
            return owned

        deleted = self.transactions.write(work)
        if deleted is not None:
            self.transactions.truncate_wal()
        return deleted
