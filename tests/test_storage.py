"""Storage against real SQLite files: migrations, pragmas, the Store API, concurrency, backup."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, delete, event, func, select

import storage.transactions
from storage import StorageError, Store, make_engine, upgrade
from storage.models import Attempt, Base, Message, Student, TutoringSession

TOKEN_A = "a" * 32
TOKEN_B = "b-_B" * 5


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path}/nested/dir/tutor.db")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> Store:
    return Store(engine)


def count(engine: Engine, model: type) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model))


def ask(store: Store, token: str = TOKEN_A, question: str = "What is 2+2?"):
    student = store.student_for_token(token)
    session = store.start_session(student_id=student.id, title=question)
    message = store.add_question(
        session_id=session.id, question=question, model_id="test-model", settings={"temperature": 0.6}
    )
    return student, session, message


def test_migration_matches_models(engine: Engine) -> None:
    upgrade(engine)  # a second upgrade is a no-op
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        heads = ScriptDirectory.from_config(_alembic_config()).get_heads()
        assert len(heads) == 1, f"migrations must form one line, not branches {heads}"
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == heads[0]


def _alembic_config():
    from alembic.config import Config

    from storage.db import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    return config


def test_pragmas_set_on_every_connection(engine: Engine) -> None:
    connections = [engine.connect() for _ in range(3)]
    try:
        for conn in connections:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
    finally:
        for conn in connections:
            conn.close()


def test_question_stored_before_reply(engine: Engine, store: Store) -> None:
    student, _session, message = ask(store)
    assert message.status == "generating"
    assert (message.reasoning, message.solution, message.final_answer) == ("", "", None)
    assert message.finished_at is None
    assert message.created_at.tzinfo == UTC
    stored = store.message_for_student(message_id=message.id, student_id=student.id)
    assert stored == message
    with engine.connect() as conn:
        assert conn.scalar(select(Message.generation_settings)) == {"temperature": 0.6}


def test_finish_reply(store: Store) -> None:
    student, _session, message = ask(store)
    done = store.finish_reply(
        message_id=message.id, reasoning="2 and 2", solution="2+2=4", final_answer="4", status="complete"
    )
    assert (done.status, done.solution, done.final_answer) == ("complete", "2+2=4", "4")
    assert done.error is None
    assert done.finished_at is not None and done.finished_at >= done.created_at
    assert store.sessions_for_student(student.id)[0].updated_at == done.finished_at
    empty = {"reasoning": "", "solution": "", "final_answer": None}
    with pytest.raises(ValueError, match="already"):  # a reply is written once
        store.finish_reply(message_id=message.id, **empty, status="failed")
    with pytest.raises(ValueError, match="status"):
        store.finish_reply(message_id=message.id, **empty, status="done")


def test_stopped_reply_keeps_partial_text(store: Store) -> None:
    student, session, message = ask(store)
    store.finish_reply(
        message_id=message.id, reasoning="Let me add", solution="2+2 =", final_answer=None, status="stopped"
    )
    detail = store.session_detail(session_id=session.id, student_id=student.id)
    stopped, attempts = detail.messages[0]
    assert stopped.status == "stopped"
    assert (stopped.reasoning, stopped.solution) == ("Let me add", "2+2 =")
    assert attempts == []


def test_mark_interrupted(store: Store) -> None:
    student, session, left = ask(store)
    finished = store.add_question(session_id=session.id, question="and 3+3?", model_id="test-model", settings={})
    store.finish_reply(message_id=finished.id, reasoning="", solution="6", final_answer="6", status="complete")
    assert store.mark_interrupted() == 1
    assert store.mark_interrupted() == 0
    assert store.message_for_student(message_id=left.id, student_id=student.id).status == "interrupted"
    assert store.message_for_student(message_id=finished.id, student_id=student.id).status == "complete"


def test_session_detail_orders_messages_and_attempts(store: Store) -> None:
    student, session, first = ask(store)
    second = store.add_question(session_id=session.id, question="and 3+3?", model_id="test-model", settings={})
    store.add_attempt(message_id=first.id, answer="5", status="incorrect", correct=False, feedback="Not quite.")
    store.add_attempt(message_id=second.id, answer="6", status="correct", correct=True, feedback="Yes.")
    store.add_attempt(message_id=first.id, answer="4", status="correct", correct=True, feedback="Right.")
    detail = store.session_detail(session_id=session.id, student_id=student.id)
    assert (detail.session.id, detail.session.title) == (session.id, "What is 2+2?")
    assert [m.id for m, _ in detail.messages] == [first.id, second.id]
    assert [a.answer for a in detail.messages[0][1]] == ["5", "4"]
    assert [a.answer for a in detail.messages[1][1]] == ["6"]
    with pytest.raises(ValueError):
        store.add_attempt(message_id=first.id, answer="4", status="maybe", correct=False, feedback="")


def test_sessions_listed_most_recent_first_and_title_truncated(store: Store) -> None:
    student = store.student_for_token(TOKEN_A)
    older = store.start_session(student_id=student.id, title="first")
    newer = store.start_session(student_id=student.id, title="x " * 100)
    assert len(newer.title) == 80 and newer.title.endswith("…")
    assert [s.id for s in store.sessions_for_student(student.id)] == [newer.id, older.id]
    store.add_question(session_id=older.id, question="more", model_id="test-model", settings={})
    assert [s.id for s in store.sessions_for_student(student.id, limit=1)] == [older.id]


def test_student_cannot_read_another_students_session(store: Store) -> None:
    alice, session, message = ask(store, TOKEN_A)
    bob = store.student_for_token(TOKEN_B)
    assert bob.id != alice.id
    assert store.session_detail(session_id=session.id, student_id=bob.id) is None
    assert store.message_for_student(message_id=message.id, student_id=bob.id) is None
    assert store.sessions_for_student(bob.id) == []
    assert store.session_detail(session_id=session.id, student_id=alice.id) is not None


def test_same_token_same_student(store: Store) -> None:
    first = store.student_for_token(TOKEN_A)
    assert store.student_for_token(TOKEN_A) == first


@pytest.mark.parametrize("token", ["", "short", "a" * 15, "a" * 65, "a" * 31 + "!", "a" * 31 + "\n", "ä" * 20, None])
def test_invalid_token_rejected(store: Store, token: object) -> None:
    with pytest.raises(ValueError):
        store.student_for_token(token)


def test_deleting_student_cascades(engine: Engine, store: Store) -> None:
    alice, _session, message = ask(store, TOKEN_A)
    store.add_attempt(message_id=message.id, answer="4", status="correct", correct=True, feedback="Right.")
    ask(store, TOKEN_B)
    with engine.begin() as conn:
        conn.execute(delete(Student).where(Student.id == alice.id))
    assert count(engine, Student) == 1
    assert count(engine, TutoringSession) == 1
    assert count(engine, Message) == 1
    assert count(engine, Attempt) == 0


def test_concurrent_attempts_all_land(engine: Engine, store: Store) -> None:
    _, _, message = ask(store)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(200):
                store.add_attempt(
                    message_id=message.id, answer=f"{n}-{i}", status="incorrect", correct=False, feedback=""
                )
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert count(engine, Attempt) == 1600


@pytest.fixture
def impatient_engine(engine: Engine) -> Engine:
    """busy_timeout=0, so a held lock reaches Store's retry loop at once instead of after 10 s."""
    engine.dispose()
    event.listen(engine, "connect", lambda dbapi, _: dbapi.execute("PRAGMA busy_timeout=0"))
    return engine


def hold_write_lock(engine: Engine) -> sqlite3.Connection:
    holder = sqlite3.connect(engine.url.database, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_write_retries_while_locked(impatient_engine: Engine) -> None:
    store = Store(impatient_engine)
    _, _, message = ask(store)
    holder = hold_write_lock(impatient_engine)
    threading.Timer(0.3, holder.rollback).start()
    started = time.monotonic()
    store.add_attempt(message_id=message.id, answer="4", status="correct", correct=True, feedback="")
    assert time.monotonic() - started >= 0.25
    holder.close()
    assert count(impatient_engine, Attempt) == 1


def test_write_gives_up_with_storage_error(impatient_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage.transactions, "LOCK_RETRY_SECONDS", 0.5)
    store = Store(impatient_engine)
    _, _, message = ask(store)
    holder = hold_write_lock(impatient_engine)
    try:
        with pytest.raises(StorageError, match="locked"):
            store.add_attempt(message_id=message.id, answer="4", status="correct", correct=True, feedback="")
    finally:
        holder.close()
    assert count(impatient_engine, Attempt) == 0


def test_backup_is_a_consistent_database(tmp_path: Path, store: Store) -> None:
    student, session, message = ask(store)
    store.add_attempt(message_id=message.id, answer="4", status="correct", correct=True, feedback="Right.")
    dest = tmp_path / "backups" / "copy.db"
    store.backup(str(dest))
    copy = sqlite3.connect(dest)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT question FROM messages").fetchall() == [("What is 2+2?",)]
        assert copy.execute("SELECT count(*) FROM attempts").fetchone() == (1,)
    finally:
        copy.close()
    restored = make_engine(f"sqlite:///{dest}")
    try:
        assert Store(restored).session_detail(session_id=session.id, student_id=student.id).messages[0][0] == message
    finally:
        restored.dispose()


def count_writes(engine: Engine) -> list[int]:
    """A one-item list counting the write transactions (``BEGIN IMMEDIATE``) opened on ``engine``."""
    writes = [0]

    def on_begin(connection) -> None:
        if connection.get_execution_options().get("tutor_begin_immediate"):
            writes[0] += 1

    event.listen(engine, "begin", on_begin)
    return writes


def test_reads_never_write_and_real_use_marks_active_at_most_every_five_minutes(engine: Engine, store: Store) -> None:
    student, session, message = ask(store)
    writes = count_writes(engine)
    assert store.find_student(TOKEN_A) == student
    store.sessions_for_student(student.id)
    store.session_detail(session_id=session.id, student_id=student.id)
    store.message_for_student(message_id=message.id, student_id=student.id)
    assert store.find_student(TOKEN_B) is None  # a stranger's read creates no row either
    assert store.student_for_token(TOKEN_A) == student  # real use, but seen just now
    assert writes == [0]
    assert count(engine, Student) == 1

    long_ago = "2020-01-01 00:00:00.000000"
    with engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE students SET last_active_at = '{long_ago}'")
    writes[0] = 0
    store.find_student(TOKEN_A)
    with engine.connect() as conn:
        assert conn.scalar(select(Student.last_active_at)).year == 2020
    store.student_for_token(TOKEN_A)
    assert writes == [1]
    with engine.connect() as conn:
        assert conn.scalar(select(Student.last_active_at)).year > 2020
    store.student_for_token(TOKEN_A)
    assert writes == [1]


def test_no_storage_module_borrows_another_modules_private_names() -> None:
    import ast

    folder = Path(storage.transactions.__file__).parent
    borrowed = []
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("storage"):
                borrowed += [f"{path.name}: {a.name}" for a in node.names if a.name.startswith("_")]
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                owner = node.value
                if not (isinstance(owner, ast.Name) and owner.id in {"self", "cls"}):
                    borrowed.append(f"{path.name}:{node.lineno}: .{node.attr}")
    assert borrowed == []
