"""Teachers, classes, joining, flags and the class review: the SQL behind `/teacher`.

`SchoolStore` wraps a `Store` and uses its transactions (retry on SQLite lock, one short
transaction per call). Every read a teacher makes takes the teacher's id and returns
nothing for a class, session, flag or student outside that teacher's classes: the
access check lives in the query, not in the page.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from storage.models import Attempt, Classroom, Flag, Message, Student, Teacher, TutoringSession, utcnow
from storage.records import (
    AttemptPoint,
    AttemptRecord,
    ClassRecord,
    FlagListing,
    FlagRecord,
    ReviewFilter,
    SessionSummary,
    StudentSummary,
    TeacherRecord,
    Transcript,
    TranscriptEntry,
)
from storage.store import Store, _attempt, _message, _session
from storage.teachers import check_new_password, hash_password, needs_rehash, valid_username, verify_password

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CODE_LENGTH = 6
MAX_CLASS_NAME = 100
MAX_STUDENT_NAME = 100
MAX_NOTE_CHARS = 2000
MAX_SEARCH_CHARS = 200
FLAG_DETAIL_CHARS = 500
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


def normalise_code(code: str) -> str:
    return "".join(ch for ch in str(code).upper() if ch.isalnum())[:12]


def student_label(student_id: int, display_name: str | None) -> str:
    return display_name or f"Student {student_id}"


def _one_line(text: str, limit: int) -> str:
    return " ".join(str(text).split())[:limit]


class SchoolStore:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._read = store._read
        self._write = store._write

    @property
    def dialect(self) -> str:
        return self.store._engine.dialect.name

    # -- teacher accounts ------------------------------------------------------------

    def add_teacher(self, username: str, password: str) -> TeacherRecord:
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
            return _teacher(row)

        try:
            return self._write(work)
        except IntegrityError as exc:
            raise ValueError(f"teacher {username!r} already exists") from exc

    def set_password(self, username: str, password: str) -> bool:
        """Reset a password; False when there is no such teacher."""
        digest = hash_password(password)

        def work(db: Session) -> bool:
            row = db.scalars(select(Teacher).where(Teacher.username == username)).one_or_none()
            if row is None:
                return False
            row.password_hash = digest
            row.sessions_valid_after = utcnow()  # every earlier sign-in ends
            return True

        return self._write(work)

    def sign_in_valid(self, username: str, issued_at: datetime) -> bool:
        """Does a sign-in of ``username`` issued at ``issued_at`` still stand (account kept, no reset since)?"""

        def work(db: Session) -> bool:
            row = db.execute(select(Teacher.sessions_valid_after).where(Teacher.username == username)).one_or_none()
            if row is None:
                return False
            return row[0] is None or row[0] < issued_at

        return self._read(work)

    def ensure_teacher(self, username: str, password: str) -> TeacherRecord:
        """Create the account, or set its password: the start-up bootstrap."""
        check_new_password(password)
        if self.set_password(username, password):
            return self.teacher(username)  # type: ignore[return-value]
        try:
            return self.add_teacher(username, password)
        except ValueError:  # created by another process meanwhile
            self.set_password(username, password)
            return self.teacher(username)  # type: ignore[return-value]

    def teacher_student_count(self, username: str) -> int:
        """Students in this teacher's classes (what a removal would strand)."""

        def work(db: Session) -> int:
            return db.scalar(
                select(func.count(Student.id)).join(Classroom, Student.class_id == Classroom.id)
                .join(Teacher, Classroom.teacher_id == Teacher.id).where(Teacher.username == username)
            ) or 0

        return self._read(work)

    def reassign_classes(self, username: str, to_username: str) -> int | None:
        """Give every class of ``username`` (students and all) to ``to_username``; how many,
        or None when either teacher does not exist (or they are the same)."""

        def work(db: Session) -> int | None:
            source = db.scalars(select(Teacher).where(Teacher.username == username)).one_or_none()
            target = db.scalars(select(Teacher).where(Teacher.username == to_username)).one_or_none()
            if source is None or target is None or source.id == target.id:
                return None
            return db.execute(update(Classroom).where(Classroom.teacher_id == source.id).values(teacher_id=target.id)).rowcount

        return self._write(work)

    def delete_teacher_students(self, username: str) -> int:
        """Delete every student of this teacher's classes with all their records (as ``delete_student``)."""

        def work(db: Session) -> int:
            ids = db.scalars(
                select(Student.id).join(Classroom, Student.class_id == Classroom.id)
                .join(Teacher, Classroom.teacher_id == Teacher.id).where(Teacher.username == username)
            ).all()
            if not ids:
                return 0
            if self.dialect == "sqlite":
                db.connection().exec_driver_sql("PRAGMA secure_delete=ON")
            return db.execute(delete(Student).where(Student.id.in_(ids))).rowcount

        deleted = self._write(work)
        if deleted and self.dialect == "sqlite":
            with self.store._engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                conn.rollback()
        return deleted

    def remove_teacher(self, username: str) -> bool:
        """Delete the account and its classes; their students stay, unattached."""

        def work(db: Session) -> bool:
            return db.execute(delete(Teacher).where(Teacher.username == username)).rowcount > 0

        return self._write(work)

    def teacher(self, username: str) -> TeacherRecord | None:
        def work(db: Session) -> TeacherRecord | None:
            row = db.scalars(select(Teacher).where(Teacher.username == username)).one_or_none()
            return None if row is None else _teacher(row)

        return self._read(work) if valid_username(username) else None

    def teachers(self) -> list[TeacherRecord]:
        return self._read(lambda db: [_teacher(t) for t in db.scalars(select(Teacher).order_by(Teacher.username))])

    def authenticate(self, username: str, password: str) -> TeacherRecord | None:
        """The teacher when the password matches; the hash check runs outside any transaction."""
        stored = None
        if valid_username(username):
            stored = self._read(
                lambda db: db.scalar(select(Teacher.password_hash).where(Teacher.username == username))
            )
        if not verify_password(password, stored):
            return None
        if stored and needs_rehash(stored):
            self.set_password(username, password)
        return self.teacher(username)

    # -- classes -------------------------------------------------------------------------

    def create_class(self, teacher_id: int, name: str) -> ClassRecord:
        name = _one_line(name, MAX_CLASS_NAME)
        if not name:
            raise ValueError("a class needs a name")

        def work(db: Session) -> ClassRecord:
            if db.get(Teacher, teacher_id) is None:
                raise LookupError(f"no teacher with id {teacher_id}")
            row = Classroom(teacher_id=teacher_id, name=name, join_code=_new_code(db), created_at=utcnow())
            db.add(row)
            db.flush()
            return _class(row, 0)

        return self._write(work)

    def classes_for_teacher(self, teacher_id: int) -> list[ClassRecord]:
        def work(db: Session) -> list[ClassRecord]:
            counts = (
                select(Student.class_id, func.count(Student.id).label("n"))
                .group_by(Student.class_id)
                .subquery()
            )
            rows = db.execute(
                select(Classroom, func.coalesce(counts.c.n, 0))
                .outerjoin(counts, counts.c.class_id == Classroom.id)
                .where(Classroom.teacher_id == teacher_id)
                .order_by(Classroom.created_at, Classroom.id)
            )
            return [_class(c, n) for c, n in rows]

        return self._read(work)

    def all_classes(self) -> list[tuple[str, ClassRecord]]:
        """(teacher username, class) for every class: the admin listing."""

        def work(db: Session) -> list[tuple[str, ClassRecord]]:
            rows = db.execute(
                select(Teacher.username, Classroom)
                .join(Classroom, Classroom.teacher_id == Teacher.id)
                .order_by(Teacher.username, Classroom.id)
            )
            return [(u, _class(c)) for u, c in rows]

        return self._read(work)

    def class_for_teacher(self, teacher_id: int, class_id: int) -> ClassRecord | None:
        def work(db: Session) -> ClassRecord | None:
            row = _owned_class(db, teacher_id, class_id)
            return None if row is None else _class(row)

        return self._read(work)

    def class_for_code(self, code: str) -> ClassRecord | None:
        """The class students join with ``code`` (any case, spaces ignored), or None."""
        code = normalise_code(code)

        def work(db: Session) -> ClassRecord | None:
            row = db.scalars(select(Classroom).where(Classroom.join_code == code)).one_or_none()
            return None if row is None else _class(row)

        return self._read(work) if code else None

    def rotate_code(self, teacher_id: int, class_id: int) -> ClassRecord | None:
        """A new join code for this teacher's class; the old one stops working at once.

        Students already in the class stay in it. None (nothing changed) unless the class is
        this teacher's. Revoking a leaked code is rotating it.
        """

        def work(db: Session) -> ClassRecord | None:
            row = _owned_class(db, teacher_id, class_id)
            if row is None:
                return None
            row.join_code = _new_code(db)
            db.flush()
            return _class(row)

        return self._retry_unique(work)

    def rotate_code_by_code(self, code: str) -> ClassRecord | None:
        """`rotate_code` for the class with join ``code`` (the admin command); None if none has it."""
        code = normalise_code(code)

        def work(db: Session) -> ClassRecord | None:
            row = db.scalars(select(Classroom).where(Classroom.join_code == code)).one_or_none()
            if row is None:
                return None
            row.join_code = _new_code(db)
            db.flush()
            return _class(row)

        return self._retry_unique(work) if code else None

    def _retry_unique(self, work: Callable[[Session], ClassRecord | None]) -> ClassRecord | None:
        """Run a write once more when a concurrent writer took the same new code (PostgreSQL)."""
        try:
            return self._write(work)
        except IntegrityError:
            return self._write(work)

    def set_show_solution(self, code: str, allowed: bool) -> bool:
        """Allow or forbid worked solutions in Hint / Coach me for the class with join `code`."""
        code = normalise_code(code)

        def work(db: Session) -> bool:
            target = db.scalars(select(Classroom).where(Classroom.join_code == code)).one_or_none()
            if target is None:
                return False
            target.allow_show_solution = allowed
            return True

        return self._write(work) if code else False

    # -- students --------------------------------------------------------------------------

    def join_class(self, student_id: int, name: str, code: str, max_size: int = MAX_CLASS_SIZE) -> ClassRecord | None:
        """Attach the student (and so all their sessions) to the class with `code`; None if no such class.

        Raises `ClassFull` when the class already holds ``max_size`` students and this student
        is not one of them.
        """
        name = _one_line(name, MAX_STUDENT_NAME)
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
            return _class(target)

        return self._write(work) if code else None

    def class_of_student(self, student_id: int) -> ClassRecord | None:
        def work(db: Session) -> ClassRecord | None:
            row = db.scalars(
                select(Classroom).join(Student, Student.class_id == Classroom.id).where(Student.id == student_id)
            ).one_or_none()
            return None if row is None else _class(row)

        return self._read(work)

    def class_students(self, teacher_id: int, class_id: int) -> list[tuple[int, str]]:
        def work(db: Session) -> list[tuple[int, str]]:
            if _owned_class(db, teacher_id, class_id) is None:
                return []
            rows = db.execute(
                select(Student.id, Student.display_name).where(Student.class_id == class_id).order_by(Student.display_name, Student.id)
            )
            return [(i, student_label(i, n)) for i, n in rows]

        return self._read(work)

    def remove_students(self, teacher_id: int, class_id: int, student_ids: Iterable[object]) -> int:
        """Take these students out of this teacher's class; returns how many were removed.

        Each keeps their own history (a removed student still sees their sessions) but loses
        the name they gave for the class and leaves its roster, flags and exports. Ids that
        are not integers, not in this class, or of a class that is not this teacher's are
        ignored (a forged id does nothing); at most `MAX_REMOVE_IDS` ids are read.
        """
        ids = sorted({i for i in list(student_ids)[:MAX_REMOVE_IDS] if isinstance(i, int) and not isinstance(i, bool)})

        def work(db: Session) -> int:
            if not ids or _owned_class(db, teacher_id, class_id) is None:
                return 0
            result = db.execute(
                update(Student)
                .where(Student.class_id == class_id, Student.id.in_(ids))
                .values(class_id=None, display_name=None)
            )
            return result.rowcount

        return self._write(work)

    def delete_student(self, teacher_id: int, student_id: int) -> int | None:
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
            if self.dialect == "sqlite":
                db.connection().exec_driver_sql("PRAGMA secure_delete=ON")
            db.execute(delete(Student).where(Student.id == student_id))
            return owned

        deleted = self._write(work)
        if deleted is not None and self.dialect == "sqlite":
            with self.store._engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                conn.rollback()
        return deleted

    # -- flags ----------------------------------------------------------------------------------

    def raise_flags(self, message_id: int, hits: Iterable[tuple[str, str]]) -> list[FlagRecord]:
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
                row = Flag(message_id=message_id, kind=kind[:32], detail=detail[:FLAG_DETAIL_CHARS], created_at=utcnow(), reviewed=False)
                db.add(row)
                new.append(row)
            db.flush()
            return [_flag(r) for r in new]

        try:
            return self._write(work)
        except IntegrityError:  # a concurrent writer raised the same kind
            return self._write(work)

    def attempts_for_message(self, message_id: int) -> list[AttemptRecord]:
        return self._read(
            lambda db: [_attempt(a) for a in db.scalars(select(Attempt).where(Attempt.message_id == message_id).order_by(Attempt.id))]
        )

    def flags_for_class(self, teacher_id: int, class_id: int, f: ReviewFilter | None = None, include_reviewed: bool = True, limit: int = 500) -> list[FlagListing]:
        """Open flags first, safety ones (self-harm, abuse, personal data) ahead, newest first; then reviewed ones."""
        f = f or ReviewFilter()

        def work(db: Session) -> list[FlagListing]:
            if _owned_class(db, teacher_id, class_id) is None:
                return []
            query = (
                select(Flag, Student.id, Student.display_name, TutoringSession.id, Message.question)
                .join(Message, Flag.message_id == Message.id)
                .join(TutoringSession, Message.session_id == TutoringSession.id)
                .join(Student, TutoringSession.student_id == Student.id)
                .where(Student.class_id == class_id, *_conditions(f))
                .order_by(Flag.reviewed, _safety_last(Flag.kind), Flag.created_at.desc(), Flag.id.desc())
                .limit(limit)
            )
            if f.flag and f.flag != "any":
                query = query.where(Flag.kind == f.flag)
            if not include_reviewed:
                query = query.where(Flag.reviewed == False)  # noqa: E712 - SQL expression
            return [
                FlagListing(_flag(fl), sid, student_label(sid, name), sess, q)
                for fl, sid, name, sess, q in db.execute(query)
            ]

        return self._read(work)

    def review_flag(self, teacher_id: int, flag_id: int, note: str | None = None, reviewed: bool = True) -> FlagRecord | None:
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
            return _flag(row)

        return self._write(work)

    # -- review ---------------------------------------------------------------------------------

    def overview(self, teacher_id: int, class_id: int, f: ReviewFilter | None = None) -> list[StudentSummary]:
        """One row per student of the class; with a content filter, only students with a match."""
        f = f or ReviewFilter()

        def work(db: Session) -> list[StudentSummary]:
            if _owned_class(db, teacher_id, class_id) is None:
                return []
            where = [Student.class_id == class_id, *_conditions(f)]
            base = (
                select(Student.id)
                .join(TutoringSession, TutoringSession.student_id == Student.id)
                .join(Message, Message.session_id == TutoringSession.id)
                .where(*where)
            )
            asked = {
                sid: (sessions, questions)
                for sid, sessions, questions in db.execute(
                    base.add_columns(func.count(func.distinct(TutoringSession.id)), func.count(Message.id)).group_by(Student.id)
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
            flagged = dict(
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
                    StudentSummary(s.id, student_label(s.id, s.display_name), sessions, questions, attempts, int(correct), flagged.get(s.id, 0), s.last_active_at)
                )
            out.sort(key=lambda r: (-r.open_flags, r.name.lower(), r.student_id))
            return out

        return self._read(work)

    def sessions(self, teacher_id: int, class_id: int, f: ReviewFilter | None = None, limit: int = 200) -> list[SessionSummary]:
        """Sessions with a matching message: open safety flags first, then by open flags, then most recent."""
        f = f or ReviewFilter()

        def work(db: Session) -> list[SessionSummary]:
            if _owned_class(db, teacher_id, class_id) is None:
                return []
            open_flags = (
                select(Message.session_id, func.count(Flag.id).label("n"), func.min(_safety_last(Flag.kind)).label("safety"))
                .join(Flag, Flag.message_id == Message.id)
                .where(Flag.reviewed == False)  # noqa: E712
                .group_by(Message.session_id)
                .subquery()
            )
            flags_n = func.coalesce(func.max(open_flags.c.n), 0)
            safety = func.coalesce(func.min(open_flags.c.safety), 1)
            rows = db.execute(
                select(
                    TutoringSession.id, Student.id, Student.display_name, TutoringSession.title,
                    TutoringSession.updated_at, func.count(Message.id), flags_n,
                )
                .join(Student, TutoringSession.student_id == Student.id)
                .join(Message, Message.session_id == TutoringSession.id)
                .outerjoin(open_flags, open_flags.c.session_id == TutoringSession.id)
                .where(Student.class_id == class_id, *_conditions(f))
                .group_by(TutoringSession.id, Student.id, Student.display_name, TutoringSession.title, TutoringSession.updated_at)
                .order_by(safety, flags_n.desc(), TutoringSession.updated_at.desc(), TutoringSession.id.desc())
                .limit(limit)
            )
            return [SessionSummary(sess, sid, student_label(sid, name), title, updated, n, int(fl)) for sess, sid, name, title, updated, n, fl in rows]

        return self._read(work)

    def transcript(self, teacher_id: int, session_id: int) -> Transcript | None:
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
            messages = db.scalars(select(Message).where(Message.session_id == session_id).order_by(Message.id)).all()
            attempts: dict[int, list[AttemptRecord]] = {m.id: [] for m in messages}
            flags: dict[int, list[FlagRecord]] = {m.id: [] for m in messages}
            for a in db.scalars(select(Attempt).join(Message).where(Message.session_id == session_id).order_by(Attempt.id)):
                attempts[a.message_id].append(_attempt(a))
            for fl in db.scalars(select(Flag).join(Message).where(Message.session_id == session_id).order_by(Flag.id)):
                flags[fl.message_id].append(_flag(fl))
            return Transcript(
                _session(parent), student_label(parent.student_id, name), class_id,
                [TranscriptEntry(_message(m), attempts[m.id], flags[m.id]) for m in messages],
            )

        return self._read(work)

    def attempt_points(self, teacher_id: int, class_id: int, f: ReviewFilter | None = None) -> list[AttemptPoint]:
        """Every checked answer in the class (oldest first), for progress plots."""
        f = f or ReviewFilter()

        def work(db: Session) -> list[AttemptPoint]:
            if _owned_class(db, teacher_id, class_id) is None:
                return []
            rows = db.execute(
                select(Student.id, Student.display_name, Message.id, Message.question, Attempt.correct, Attempt.created_at)
                .join(TutoringSession, TutoringSession.student_id == Student.id)
                .join(Message, Message.session_id == TutoringSession.id)
                .join(Attempt, Attempt.message_id == Message.id)
                .where(Student.class_id == class_id, *_conditions(f))
                .order_by(Attempt.created_at, Attempt.id)
            )
            return [AttemptPoint(sid, student_label(sid, name), mid, q, bool(ok), at) for sid, name, mid, q, ok, at in rows]

        return self._read(work)

    def export(self, teacher_id: int, class_id: int, student_id: int | None = None) -> dict[str, Any] | None:
        """The class (or one student of it) as plain JSON-ready data; None unless the teacher's."""

        def work(db: Session) -> dict[str, Any] | None:
            cls = _owned_class(db, teacher_id, class_id)
            if cls is None:
                return None
            chosen = select(Student.id).where(Student.class_id == class_id)
            if student_id is not None:
                chosen = chosen.where(Student.id == student_id)
            # Subqueries, not lists of ids: a big class would pass SQLite's bound-parameter limit.
            in_scope = TutoringSession.student_id.in_(chosen.scalar_subquery())
            students = db.scalars(select(Student).where(Student.id.in_(chosen.scalar_subquery())).order_by(Student.id)).all()
            sessions = db.scalars(select(TutoringSession).where(in_scope).order_by(TutoringSession.id)).all()
            messages = db.scalars(select(Message).join(TutoringSession).where(in_scope).order_by(Message.id)).all()
            attempts = db.scalars(select(Attempt).join(Message).join(TutoringSession).where(in_scope).order_by(Attempt.id)).all()
            flags = db.scalars(select(Flag).join(Message).join(TutoringSession).where(in_scope).order_by(Flag.id)).all()
            by_msg_a: dict[int, list[dict]] = {}
            for a in attempts:
                by_msg_a.setdefault(a.message_id, []).append(
                    {"id": a.id, "answer": a.answer, "status": a.status, "correct": a.correct, "feedback": a.feedback, "created_at": _iso(a.created_at)}
                )
            by_msg_f: dict[int, list[dict]] = {}
            for fl in flags:
                by_msg_f.setdefault(fl.message_id, []).append(
                    {"id": fl.id, "kind": fl.kind, "detail": fl.detail, "created_at": _iso(fl.created_at), "reviewed": fl.reviewed, "note": fl.note}
                )
            by_session: dict[int, list[dict]] = {}
            for m in messages:
                by_session.setdefault(m.session_id, []).append({
                    "id": m.id, "question": m.question, "reasoning": m.reasoning, "solution": m.solution,
                    "final_answer": m.final_answer, "status": m.status, "error": m.error, "model_id": m.model_id,
                    "created_at": _iso(m.created_at), "finished_at": _iso(m.finished_at),
                    "attempts": by_msg_a.get(m.id, []), "flags": by_msg_f.get(m.id, []),
                })
            by_student: dict[int, list[dict]] = {}
            for s in sessions:
                by_student.setdefault(s.student_id, []).append({
                    "id": s.id, "title": s.title, "mode": s.mode, "created_at": _iso(s.created_at),
                    "updated_at": _iso(s.updated_at), "messages": by_session.get(s.id, []),
                })
            return {
                "class": {"id": cls.id, "name": cls.name, "join_code": cls.join_code, "created_at": _iso(cls.created_at)},
                "exported_at": _iso(utcnow()),
                "students": [
                    {"id": s.id, "name": student_label(s.id, s.display_name), "created_at": _iso(s.created_at),
                     "last_active_at": _iso(s.last_active_at), "sessions": by_student.get(s.id, [])}
                    for s in students
                ],
            }

        return self._read(work)


SAFETY_KINDS = ("self_harm", "abuse", "personal_data", "harmful_request")
"""Flags about the student's wellbeing or privacy: listed before the others (see tutor/flags.py)."""


def _safety_last(kind) -> ColumnElement[int]:
    """0 for a safety flag kind, 1 for the rest: sorts safety flags first."""
    return case((kind.in_(SAFETY_KINDS), 0), else_=1)


def _new_code(db: Session) -> str:
    """A join code no class has: 6 of 31 letters and digits (≈ 887 million codes)."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not db.scalar(select(exists().where(Classroom.join_code == code))):
            return code


def _owned_class(db: Session, teacher_id: int, class_id: int) -> Classroom | None:
    row = db.get(Classroom, class_id) if isinstance(class_id, int) else None
    return row if row is not None and row.teacher_id == teacher_id else None


def _conditions(f: ReviewFilter) -> list[ColumnElement[bool]]:
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


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _teacher(row: Teacher) -> TeacherRecord:
    return TeacherRecord(id=row.id, username=row.username, created_at=row.created_at)


def _class(row: Classroom, students: int = 0) -> ClassRecord:
    return ClassRecord(row.id, row.teacher_id, row.name, row.join_code, row.created_at, int(students), bool(row.allow_show_solution))


def _flag(row: Flag) -> FlagRecord:
    return FlagRecord(row.id, row.message_id, row.kind, row.detail, row.created_at, bool(row.reviewed), row.reviewed_at, row.note)
