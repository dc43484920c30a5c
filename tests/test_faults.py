"""Faults injected for real: a locked database, a full disk, many writers, a killed worker."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import event

from storage import Store, make_engine, transactions, upgrade
from tutor.backends import GenerationSettings
from tutor.backends.scripted import ScriptedBackend
from tutor.service import TutorService

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "fault-token-aaaaaaaaaaaa"


def impatient_store(path: Path) -> Store:
    """A store whose SQLite gives up on a lock after 100 ms instead of 10 s."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    event.listen(engine, "connect", lambda con, _rec: con.execute("PRAGMA busy_timeout=100"))
    engine.dispose()
    return Store(engine)


def hold_write_lock(path: Path, seconds: float) -> threading.Thread:
    ready = threading.Event()

    def hold():
        con = sqlite3.connect(path, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        ready.set()
        time.sleep(seconds)
        con.execute("ROLLBACK")
        con.close()

    t = threading.Thread(target=hold)
    t.start()
    ready.wait()
    return t


def test_a_briefly_locked_database_is_waited_for(tmp_path):
    store = impatient_store(tmp_path / "t.db")
    svc = TutorService(ScriptedBackend(["\\boxed{2}"]), store, GenerationSettings())
    svc.student(TOKEN)
    locker = hold_write_lock(tmp_path / "t.db", 1.0)
    views = list(svc.ask(TOKEN, "1 + 1?"))
    locker.join()
    assert views[-1].status == "complete"


def test_a_database_locked_too_long_gives_a_clear_message_and_loses_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(transactions, "LOCK_RETRY_SECONDS", 1.0)  # gives up after 1 s instead of 5 s
    store = impatient_store(tmp_path / "t.db")
    svc = TutorService(ScriptedBackend(["\\boxed{2}"]), store, GenerationSettings())
    first = list(svc.ask(TOKEN, "Saved before the lock"))[-1]
    locker = hold_write_lock(tmp_path / "t.db", 2.5)
    views = list(svc.ask(TOKEN, "Asked during the lock"))
    locker.join()
    assert views[-1].status == "refused" and "could not save your question" in views[-1].notice
    detail = svc.session(TOKEN, first.session_id)
    assert detail.messages[0][0].solution == "\\boxed{2}"
    assert list(svc.ask(TOKEN, "Asked after the lock"))[-1].status == "complete"


def test_a_full_disk_fails_the_write_cleanly_and_keeps_what_was_stored(tmp_path):
    """RLIMIT_FSIZE makes the database file unable to grow, as on a full disk."""
    db = tmp_path / "full.db"
    seed = Store(make_engine(f"sqlite:///{db}"))
    upgrade(make_engine(f"sqlite:///{db}"))
    student = seed.student_for_token(TOKEN)
    session = seed.start_session(student_id=student.id, title="before")
    message = seed.add_question(session_id=session.id, question="kept question", model_id="m", settings={})
    seed.finish_reply(message_id=message.id, reasoning="", solution="kept reply", final_answer="1", status="complete")
    sqlite3.connect(db).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    script = textwrap.dedent(
        f"""
        import resource, signal, os
        from storage import Store, StorageError, make_engine
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        limit = os.path.getsize({str(db)!r}) + 64 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        store = Store(make_engine("sqlite:///{db}"))
        sid = store.sessions_for_student({student.id})[0].id
        try:
            for i in range(1000):
                store.add_question(session_id=sid, question="x" * 20000, model_id="m", settings={{}})
            print("no error")
        except StorageError as exc:
            print("StorageError:", exc)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.startswith("StorageError: the database could not be written"), out.stdout + out.stderr[-2000:]
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert con.execute("SELECT solution FROM messages WHERE id = ?", (message.id,)).fetchone() == ("kept reply",)
    con.close()


def test_eight_threads_times_five_hundred_writes_land_exactly(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    upgrade(engine)
    store = Store(engine)
    student = store.student_for_token(TOKEN)
    message = store.add_question(
        session_id=store.start_session(student_id=student.id, title="q").id, question="q", model_id="m", settings={}
    )
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(500):
                store.add_attempt(
                    message_id=message.id, answer=f"{n}-{i}", status="incorrect", correct=False, feedback="no"
                )
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    con = sqlite3.connect(tmp_path / "w.db")
    assert con.execute("SELECT COUNT(*), COUNT(DISTINCT answer) FROM attempts").fetchone() == (4000, 4000)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def _fake_engine(script):
    """An OpenAI-style server on loopback that misbehaves as ``script(handler)`` says."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            script(self)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _delta(handler, text: str) -> None:
    handler.wfile.write(f'data: {{"choices": [{{"index": 0, "delta": {{"content": "{text}"}}}}]}}\n\n'.encode())
    handler.wfile.flush()


def _stalls(handler):
    _delta(handler, "Subtract 5 from both sides. ")
    time.sleep(30)


def _garbage(handler):
    _delta(handler, "Subtract 5 from both sides. ")
    handler.wfile.write(b"data: {this is not json\n\ndata: \x00\xff\xfe garbage\n\n")
    handler.wfile.flush()


@pytest.mark.parametrize("script", [_stalls, _garbage], ids=["stalls mid-stream", "returns garbage"])
def test_a_misbehaving_remote_engine_gives_a_message_and_keeps_the_partial_reply(store, script):
    from tutor.backends.openai_backend import OpenAIBackend

    server = _fake_engine(script)
    try:
        backend = OpenAIBackend(f"http://127.0.0.1:{server.server_address[1]}/v1", "remote", stall_timeout=2.0)
        svc = TutorService(backend, store, GenerationSettings(max_new_tokens=32))
        start = time.monotonic()
        last = list(svc.ask(TOKEN, "Solve 3x + 5 = 11"))[-1]
        assert time.monotonic() - start < 10
        assert last.status == "failed" and "try again" in last.notice
        saved = store.message_for_student(message_id=last.message_id, student_id=svc.student(TOKEN).id)
        assert saved.status == "failed" and saved.solution.startswith("Subtract 5") and saved.error
    finally:
        server.shutdown()
    svc.backend = ScriptedBackend(["\\boxed{x = 2}"])  # the engine is back: the next question works
    assert list(svc.ask(TOKEN, "Solve 3x + 5 = 11"))[-1].status == "complete"
