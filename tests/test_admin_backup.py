"""`python -m storage.admin backup` and `class-solutions`, as an administrator runs them."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from tests.conftest import new_store
from tutor.backends import GenerationSettings
from tutor.backends.scripted import ScriptedBackend
from tutor.service import TutorService

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "backup-token-aaaaaaaaaaa"


def admin(db: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "storage.admin", "--database-url", f"sqlite:///{db}", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_online_backup_of_a_database_being_written(tmp_path):
    db = tmp_path / "live.db"
    store = new_store(db)
    student = store.student_for_token(TOKEN)
    message = store.add_question(
        session_id=store.start_session(student_id=student.id, title="q").id, question="q", model_id="m", settings={}
    )
    stop = threading.Event()

    def keep_writing():
        while not stop.is_set():
            store.add_attempt(message_id=message.id, answer="x", status="incorrect", correct=False, feedback="no")

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        out = admin(db, "backup", str(tmp_path / "copy.db"))
    finally:
        stop.set()
        writer.join()
    assert out.returncode == 0, out.stderr
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert copy.execute("SELECT question FROM messages").fetchall() == [("q",)]
    assert copy.execute("SELECT COUNT(*) FROM attempts").fetchone()[0] >= 1


def test_a_class_can_forbid_revealing_solutions_in_guided_modes(tmp_path):
    db = tmp_path / "t.db"
    store = new_store(db)
    assert admin(db, "add-teacher", "ms_lee", "--password-stdin", stdin="a long enough password\n").returncode == 0
    code = admin(db, "create-class", "ms_lee", "Year 9").stdout.strip().splitlines()[-1]
    assert admin(db, "class-solutions", code, "off").returncode == 0
    svc = TutorService(
        ScriptedBackend(["Think about undoing the +5. "]), store, GenerationSettings(), worked_example=False
    )
    svc.join_class(TOKEN, "Ada", code)
    hint = list(svc.ask(TOKEN, "Solve 3x + 5 = 11", mode="hint"))[-1]
    refused = list(svc.reveal(TOKEN, hint.session_id))
    assert refused[-1].status == "refused" and "teacher" in refused[-1].notice
    svc.check(TOKEN, hint.message_id, "x = 2")  # solved it: now the solution may be shown
    assert list(svc.reveal(TOKEN, hint.session_id))[-1].status == "complete"
    assert admin(db, "class-solutions", "NOCODE", "on").returncode != 0


def test_a_teacher_switches_solutions_only_for_their_own_class(tmp_path):
    from storage import SchoolStore
    from tutor.teaching.review import TeacherReview

    school = SchoolStore(new_store(tmp_path / "t.db"))
    lee, kim = (
        school.add_teacher(username="ms_lee", password="a long enough password"),
        school.add_teacher(username="mr_kim", password="another long password"),
    )
    year9 = school.create_class(teacher_id=lee.id, name="Year 9")
    review = TeacherReview(school, tmp_path / "exports")
    assert not review.set_show_solution(kim.id, year9.id, False)
    assert school.class_for_teacher(teacher_id=lee.id, class_id=year9.id).allow_show_solution
    assert review.set_show_solution(lee.id, year9.id, False)
    assert not school.class_for_teacher(teacher_id=lee.id, class_id=year9.id).allow_show_solution
