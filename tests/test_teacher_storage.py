"""Teachers, classes, flags, review queries, export and deletion — on SQLite and PostgreSQL.

Every test takes `school` and so runs twice: once on a SQLite file, once on a fresh database
on a real PostgreSQL server (tests/pg.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, func, inspect, select

from storage import ReviewFilter, SchoolStore, Store, make_engine, upgrade
from storage.models import Attempt, Base, Flag, Message, Student, TutoringSession
from storage.teachers import hash_password, verify_password
from tests.pg import database_url, postgres_server, postgres_url  # noqa: F401 - fixtures
from tests.support import head_revision
from tutor.sign_in import LoginThrottle

TOKENS = ["a" * 32, "b" * 32, "c" * 32]


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:  # noqa: F811
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def school(engine: Engine) -> SchoolStore:
    return SchoolStore(Store(engine))


def ask(school: SchoolStore, student_id: int, question: str, answer: str | None = "4", status: str = "complete"):
    store = school.store
    session = store.start_session(student_id=student_id, title=question)
    message = store.add_question(session_id=session.id, question=question, model_id="test-model", settings={})
    store.finish_reply(
        message_id=message.id, reasoning="think", solution=f"so $x={answer}$", final_answer=answer, status=status
    )
    return session, message


def setup_class(school: SchoolStore, teacher: str = "ms_lee"):
    t = school.add_teacher(username=teacher, password="correct horse battery")
    c = school.create_class(teacher_id=t.id, name="Year 9 maths")
    return t, c


def test_every_migration_applies_to_an_empty_database_and_matches_the_models(engine: Engine) -> None:
    upgrade(engine)  # idempotent
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head_revision()
        assert {"teachers", "classes", "students", "sessions", "messages", "attempts", "flags"} <= set(
            inspect(conn).get_table_names()
        )


def test_passwords_are_salted_slow_hashes() -> None:
    first, second = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert first != second and first.startswith("scrypt$16384$8$1$")
    assert "correct horse" not in first
    assert verify_password("correct horse battery", first)
    assert not verify_password("correct horse batterY", first)
    assert not verify_password("x", "not-a-hash") and not verify_password("x", None)
    with pytest.raises(ValueError):
        hash_password("short")


def test_teacher_accounts(school: SchoolStore) -> None:
    t = school.add_teacher(username="ms_lee", password="correct horse battery")
    with pytest.raises(ValueError, match="already exists"):
        school.add_teacher(username="ms_lee", password="another password")
    with pytest.raises(ValueError):
        school.add_teacher(username="bad name!", password="correct horse battery")
    assert school.authenticate(username="ms_lee", password="correct horse battery") == t
    assert school.authenticate(username="ms_lee", password="wrong password") is None
    assert school.authenticate(username="nobody", password="correct horse battery") is None
    assert school.set_password(username="ms_lee", password="a new password")
    assert school.authenticate(username="ms_lee", password="correct horse battery") is None
    assert school.authenticate(username="ms_lee", password="a new password") == t
    assert not school.set_password(username="nobody", password="a new password")
    assert school.ensure_teacher(username="ms_lee", password="bootstrapped pw") == t
    assert school.authenticate(username="ms_lee", password="bootstrapped pw") == t
    assert school.ensure_teacher(username="mr_k", password="bootstrapped pw").username == "mr_k"
    assert [x.username for x in school.teachers()] == ["mr_k", "ms_lee"]
    assert school.remove_teacher("mr_k") and not school.remove_teacher("mr_k")


def test_login_throttle_locks_after_five_failures() -> None:
    now = [1000.0]
    throttle = LoginThrottle(max_failures=5, lock_s=60, clock=lambda: now[0])
    for _ in range(4):
        throttle.failed("ms_lee", "10.0.0.1")
    assert throttle.locked_for("ms_lee", "10.0.0.1") == 0
    throttle.failed("MS_LEE", "10.0.0.1")
    assert throttle.locked_for("ms_lee", "10.0.0.1") == 60
    assert throttle.locked_for("ms_lee", "10.0.0.2") == 0  # another address is not locked out
    now[0] += 61
    assert throttle.locked_for("ms_lee", "10.0.0.1") == 0


def test_classes_codes_and_joining(school: SchoolStore) -> None:
    t, c = setup_class(school)
    other_t, other_c = setup_class(school, "mr_k")
    assert len(c.join_code) == 6 and c.join_code != other_c.join_code
    student = school.store.student_for_token(TOKENS[0])
    earlier, _ = ask(school, student.id, "What is 2+2?")  # asked before joining
    joined = school.join_class(
        student_id=student.id, name="  Ada   Lovelace ", code=c.join_code.lower()[:3] + "-" + c.join_code[3:]
    )
    assert joined is not None and joined.id == c.id
    assert school.join_class(student_id=student.id, name="Ada", code="NOPE99") is None
    assert school.class_of_student(student.id).id == c.id
    assert [x.id for x in school.classes_for_teacher(t.id)] == [c.id]
    assert school.classes_for_teacher(t.id)[0].students == 1
    assert school.class_students(teacher_id=t.id, class_id=c.id) == [(student.id, "Ada Lovelace")]
    assert school.class_students(teacher_id=other_t.id, class_id=c.id) == []
    assert (
        school.transcript(teacher_id=t.id, session_id=earlier.id).student_name == "Ada Lovelace"
    )  # earlier sessions come along
    assert ("ms_lee", c) in [(u, x) for u, x in school.all_classes()]


def test_flags_are_raised_once_per_kind_and_reviewed_by_their_teacher(school: SchoolStore) -> None:
    t, c = setup_class(school)
    other, _ = setup_class(school, "mr_k")
    student = school.store.student_for_token(TOKENS[0])
    school.join_class(student_id=student.id, name="Ada", code=c.join_code)
    _, message = ask(school, student.id, "I want to die, also 2+2")
    new = school.raise_flags(
        message_id=message.id, hits=[("self_harm", "question mentions self-harm"), ("unfinished", "stopped")]
    )
    assert {f.kind for f in new} == {"self_harm", "unfinished"}
    assert school.raise_flags(message_id=message.id, hits=[("self_harm", "again")]) == []
    listing = school.flags_for_class(teacher_id=t.id, class_id=c.id)
    assert {x.flag.kind for x in listing} == {"self_harm", "unfinished"}
    assert school.flags_for_class(teacher_id=other.id, class_id=c.id) == []
    flag_id = listing[0].flag.id
    assert school.review_flag(teacher_id=other.id, flag_id=flag_id, note="not mine") is None
    reviewed = school.review_flag(teacher_id=t.id, flag_id=flag_id, note="Talked to Ada and her parents.")
    assert reviewed.reviewed and reviewed.note == "Talked to Ada and her parents." and reviewed.reviewed_at
    assert [x.flag.reviewed for x in school.flags_for_class(teacher_id=t.id, class_id=c.id)] == [
        False,
        True,
    ]  # open first
    assert len(school.flags_for_class(teacher_id=t.id, class_id=c.id, include_reviewed=False)) == 1


def test_overview_sessions_and_filters(school: SchoolStore) -> None:
    t, c = setup_class(school)
    ada = school.store.student_for_token(TOKENS[0])
    bob = school.store.student_for_token(TOKENS[1])
    outsider = school.store.student_for_token(TOKENS[2])
    school.join_class(student_id=ada.id, name="Ada", code=c.join_code)
    school.join_class(student_id=bob.id, name="Bob", code=c.join_code)
    s1, m1 = ask(school, ada.id, "Solve x + 1 = 5")
    s2, _m2 = ask(school, ada.id, "Area of a circle of radius 2")
    s3, m3 = ask(school, bob.id, "Solve 2x = 8")
    ask(school, outsider.id, "Solve x = 1")
    for answer, ok in [("3", False), ("4", True)]:
        school.store.add_attempt(
            message_id=m1.id, answer=answer, status="correct" if ok else "incorrect", correct=ok, feedback=""
        )
    school.store.add_attempt(message_id=m3.id, answer="5", status="incorrect", correct=False, feedback="")
    school.raise_flags(message_id=m3.id, hits=[("many_failed", "3 wrong")])

    rows = school.overview(teacher_id=t.id, class_id=c.id)
    assert [r.name for r in rows] == ["Bob", "Ada"]  # open flags first
    bob_row, ada_row = rows
    assert (ada_row.sessions, ada_row.questions, ada_row.attempts, ada_row.correct, ada_row.open_flags) == (
        2,
        2,
        2,
        1,
        0,
    )
    assert (bob_row.sessions, bob_row.questions, bob_row.attempts, bob_row.correct, bob_row.open_flags) == (
        1,
        1,
        1,
        0,
        1,
    )
    assert [r.name for r in school.overview(teacher_id=t.id, class_id=c.id, f=ReviewFilter(search="SOLVE"))] == [
        "Bob",
        "Ada",
    ]
    assert [r.questions for r in school.overview(teacher_id=t.id, class_id=c.id, f=ReviewFilter(search="circle"))] == [
        1
    ]
    assert [r.name for r in school.overview(teacher_id=t.id, class_id=c.id, f=ReviewFilter(flag="any"))] == ["Bob"]
    assert [r.name for r in school.overview(teacher_id=t.id, class_id=c.id, f=ReviewFilter(student_id=ada.id))] == [
        "Ada"
    ]
    future = m3.created_at + timedelta(days=1)
    assert school.overview(teacher_id=t.id, class_id=c.id, f=ReviewFilter(since=future)) == []
    assert len(school.overview(teacher_id=t.id, class_id=c.id, f=ReviewFilter(until=future))) == 2
    assert (
        school.overview(teacher_id=t.id, class_id=c.id, f=ReviewFilter(search="100%_")) == []
    )  # LIKE wildcards are literal

    sessions = school.sessions(teacher_id=t.id, class_id=c.id)
    assert sessions[0].session_id == s3.id and sessions[0].open_flags == 1
    assert {s.session_id for s in sessions} == {s1.id, s2.id, s3.id}
    assert [s.session_id for s in school.sessions(teacher_id=t.id, class_id=c.id, f=ReviewFilter(search="circle"))] == [
        s2.id
    ]

    other, other_c = setup_class(school, "mr_k")
    assert (
        school.overview(teacher_id=other.id, class_id=c.id) == []
        and school.sessions(teacher_id=other.id, class_id=c.id) == []
    )
    assert school.overview(teacher_id=other.id, class_id=other_c.id) == []


def test_transcript_only_for_the_teachers_own_class(school: SchoolStore) -> None:
    t, c = setup_class(school)
    other, _ = setup_class(school, "mr_k")
    ada = school.store.student_for_token(TOKENS[0])
    school.join_class(student_id=ada.id, name="Ada", code=c.join_code)
    session, message = ask(school, ada.id, "Solve x + 1 = 5")
    school.store.add_attempt(message_id=message.id, answer="4", status="correct", correct=True, feedback="Right.")
    school.raise_flags(message_id=message.id, hits=[("unconfirmed", "no final answer")])
    tr = school.transcript(teacher_id=t.id, session_id=session.id)
    assert tr.student_name == "Ada" and tr.class_id == c.id
    [entry] = tr.entries
    assert entry.message.question == "Solve x + 1 = 5" and entry.message.reasoning == "think"
    assert [a.answer for a in entry.attempts] == ["4"] and [f.kind for f in entry.flags] == ["unconfirmed"]
    assert school.transcript(teacher_id=other.id, session_id=session.id) is None
    loner = school.store.student_for_token(TOKENS[1])
    lone_session, _ = ask(school, loner.id, "not in a class")
    assert school.transcript(teacher_id=t.id, session_id=lone_session.id) is None


def test_export_and_deleting_a_student_removes_everything(engine: Engine, school: SchoolStore) -> None:
    t, c = setup_class(school)
    other, _ = setup_class(school, "mr_k")
    ada = school.store.student_for_token(TOKENS[0])
    bob = school.store.student_for_token(TOKENS[1])
    school.join_class(student_id=ada.id, name="Ada", code=c.join_code)
    school.join_class(student_id=bob.id, name="Bob", code=c.join_code)
    _, m = ask(school, ada.id, "Solve x + 1 = 5")
    school.store.add_attempt(message_id=m.id, answer="4", status="correct", correct=True, feedback="Right.")
    school.raise_flags(message_id=m.id, hits=[("personal_data", "email")])
    ask(school, bob.id, "Solve 2x = 8")

    data = school.export(teacher_id=t.id, class_id=c.id)
    assert [s["name"] for s in data["students"]] == ["Ada", "Bob"]
    msg = data["students"][0]["sessions"][0]["messages"][0]
    assert msg["attempts"][0]["correct"] is True and msg["flags"][0]["kind"] == "personal_data"
    assert [s["name"] for s in school.export(teacher_id=t.id, class_id=c.id, student_id=ada.id)["students"]] == ["Ada"]
    assert school.export(teacher_id=other.id, class_id=c.id) is None

    assert school.delete_student(teacher_id=other.id, student_id=ada.id) is None  # not their student
    assert school.delete_student(teacher_id=t.id, student_id=ada.id) == c.id
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Student).where(Student.id == ada.id)) == 0
        for model in (TutoringSession, Message, Attempt, Flag):
            n = conn.scalar(select(func.count()).select_from(model))
            assert n == (1 if model in (TutoringSession, Message) else 0), model
    if engine.dialect.name == "sqlite":
        raw = Path(engine.url.database).read_bytes()
        assert b"Solve x + 1 = 5" not in raw  # secure_delete zeroed the pages


def test_migrations_go_down_to_0001_and_up_again(engine: Engine, school: SchoolStore) -> None:
    from alembic import command
    from alembic.config import Config

    from storage.db import MIGRATIONS

    t, c = setup_class(school)
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    for target, has_flags in (("0001", False), ("head", True)):
        with engine.connect() as conn:
            config.attributes["connection"] = conn
            (command.downgrade if target == "0001" else command.upgrade)(config, target)
        with engine.connect() as conn:
            assert ("flags" in inspect(conn).get_table_names()) is has_flags
    assert school.classes_for_teacher(t.id) == [c]  # the rest of the data is untouched


def test_safety_flags_are_listed_first(school: SchoolStore) -> None:
    t, c = setup_class(school)
    ada = school.store.student_for_token(TOKENS[0])
    school.join_class(student_id=ada.id, name="Ada", code=c.join_code)
    worried, m1 = ask(school, ada.id, "I want to die")
    school.raise_flags(message_id=m1.id, hits=[("self_harm", "question mentions self-harm")])
    later = []
    for n in range(3):  # newer, but only about the tutor's replies
        session, message = ask(school, ada.id, f"What is {n}+1?", status="stopped")
        school.raise_flags(message_id=message.id, hits=[("unfinished", "stopped")])
        later.append(session.id)
    assert school.flags_for_class(teacher_id=t.id, class_id=c.id)[0].flag.kind == "self_harm"
    assert [s.session_id for s in school.sessions(teacher_id=t.id, class_id=c.id)][:1] == [worried.id]


def test_school_store_is_its_parts_with_no_name_defined_twice() -> None:
    from storage import school

    parts = SchoolStore.__bases__
    seen: dict[str, str] = {}
    for part in parts:
        for name in vars(part):
            if not name.startswith("__"):
                assert name not in seen, f"{name} is in both {seen[name]} and {part.__name__}"
                seen[name] = part.__name__
    public = {name for name in dir(SchoolStore) if not name.startswith("_")}
    assert len(public) == 34 and {"authenticate", "join_class", "review_flag", "transcript", "export"} <= public
    assert school.normalise_code(" ab-c2 ") == "ABC2" and school.SAFETY_KINDS[0] == "self_harm"
