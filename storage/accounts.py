"""Teacher accounts: creating, signing in, password resets and removal.

The password hashing itself is `storage.teachers`; this module stores the hashes. A hash
check (~50 ms of scrypt) never runs inside a transaction, so a sign-in holds no lock.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.mappers import teacher_record
from storage.models import Classroom, Student, Teacher, utcnow
from storage.records import TeacherRecord
from storage.repository import Repository
from storage.teachers import check_new_password, hash_password, needs_rehash, valid_username, verify_password
from storage.transactions import rowcount


class TeacherAccounts(Repository):
    def add_teacher(self, *, username: str, password: str) -> TeacherRecord:
        """New account; ValueError for a bad name or password, or a name already taken."""
        if not valid_username(username):
            raise ValueError("username: 1-64 characters of letters, digits, _ . @ -")
        digest = hash_password(password)

        def work(db: Session) -> TeacherRecord:
            if db.scalars(select(Teacher).where(Teacher.username == username)).one_or_none():
                raise ValueError(f"teacher {username!r} already exists")
            row = Teacher(username=username, password_hash=digest, created_at=utcnow())
            db.add(row)
            db.flush()
            return teacher_record(row)

        try:
            return self.transactions.write(work)
        except IntegrityError as exc:
            raise ValueError(f"teacher {username!r} already exists") from exc

    def set_password(self, *, username: str, password: str) -> bool:
        """Reset a password; False when there is no such teacher."""
        digest = hash_password(password)

        def work(db: Session) -> bool:
            row = db.scalars(select(Teacher).where(Teacher.username == username)).one_or_none()
            if row is None:
                return False
            row.password_hash = digest
            row.sessions_valid_after = utcnow()  # every earlier sign-in ends
            return True

        return self.transactions.write(work)

    def sign_in_valid(self, *, username: str, issued_at: datetime) -> bool:
        """Does a sign-in of ``username`` issued at ``issued_at`` still stand (account kept, no reset since)?"""

        def work(db: Session) -> bool:
            row = db.execute(select(Teacher.sessions_valid_after).where(Teacher.username == username)).one_or_none()
            if row is None:
                return False
            return row[0] is None or row[0] < issued_at

        return self.transactions.read(work)

    def ensure_teacher(self, *, username: str, password: str) -> TeacherRecord:
        """Create the account, or set its password: the start-up bootstrap."""
        check_new_password(password)
        if self.set_password(username=username, password=password):
            return self.teacher(username)  # type: ignore[return-value]
        try:
            return self.add_teacher(username=username, password=password)
        except ValueError:  # created by another process meanwhile
            self.set_password(username=username, password=password)
            return self.teacher(username)  # type: ignore[return-value]

    def teacher_student_count(self, username: str) -> int:
        """Students in this teacher's classes (what a removal would strand)."""

        def work(db: Session) -> int:
            return (
                db.scalar(
                    select(func.count(Student.id))
                    .join(Classroom, Student.class_id == Classroom.id)
                    .join(Teacher, Classroom.teacher_id == Teacher.id)
                    .where(Teacher.username == username)
                )
                or 0
            )

        return self.transactions.read(work)

    def reassign_classes(self, *, username: str, to_username: str) -> int | None:
        """Give every class of ``username`` (students and all) to ``to_username``; how many,
        or None when either teacher does not exist (or they are the same)."""

        def work(db: Session) -> int | None:
            source = db.scalars(select(Teacher).where(Teacher.username == username)).one_or_none()
            target = db.scalars(select(Teacher).where(Teacher.username == to_username)).one_or_none()
            if source is None or target is None or source.id == target.id:
                return None
            return rowcount(
                db.execute(update(Classroom).where(Classroom.teacher_id == source.id).values(teacher_id=target.id))
            )

        return self.transactions.write(work)

    def delete_teacher_students(self, username: str) -> int:
        """Delete every student of this teacher's classes with all their records (as ``delete_student``)."""

        def work(db: Session) -> int:
            ids = db.scalars(
                select(Student.id)
                .join(Classroom, Student.class_id == Classroom.id)
                .join(Teacher, Classroom.teacher_id == Teacher.id)
                .where(Teacher.username == username)
            ).all()
            if not ids:
                return 0
            self.transactions.secure_delete(db)
            return rowcount(db.execute(delete(Student).where(Student.id.in_(ids))))

        deleted = self.transactions.write(work)
        if deleted:
            self.transactions.truncate_wal()
        return deleted

    def remove_teacher(self, username: str) -> bool:
        """Delete the account and its classes; their students stay, unattached."""

        def work(db: Session) -> bool:
            return rowcount(db.execute(delete(Teacher).where(Teacher.username == username))) > 0

        return self.transactions.write(work)

    def teacher(self, username: str) -> TeacherRecord | None:
        def work(db: Session) -> TeacherRecord | None:
            row = db.scalars(select(Teacher).where(Teacher.username == username)).one_or_none()
            return None if row is None else teacher_record(row)

        return self.transactions.read(work) if valid_username(username) else None

    def teachers(self) -> list[TeacherRecord]:
        return self.transactions.read(
            lambda db: [teacher_record(t) for t in db.scalars(select(Teacher).order_by(Teacher.username))]
        )

    def authenticate(self, *, username: str, password: str) -> TeacherRecord | None:
        """The teacher when the password matches; the hash check runs outside any transaction."""
        stored = None
        if valid_username(username):
            stored = self.transactions.read(
                lambda db: db.scalar(select(Teacher.password_hash).where(Teacher.username == username))
            )
        if not verify_password(password, stored):
            return None
        if stored and needs_rehash(stored):
            self.set_password(username=username, password=password)
        return self.teacher(username)
