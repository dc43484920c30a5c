"""`python -m storage.admin` as an administrator runs it, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from storage import SchoolStore, Store, make_engine
from tests.pg import database_url, postgres_server, postgres_url  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parent.parent


def admin(url: str, *args: str, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "storage.admin", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TUTOR_DATABASE_URL": url, **(env or {})},
    )


def test_admin_commands(database_url: str) -> None:  # noqa: F811
    added = admin(database_url, "add-teacher", "ms_lee", "--password-stdin", stdin="correct horse battery\n")
    assert added.returncode == 0, added.stderr
    assert admin(database_url, "add-teacher", "ms_lee", "--password-stdin", stdin="whatever long\n").returncode != 0
    short = admin(database_url, "add-teacher", "mr_k", "--password-stdin", stdin="short\n")
    assert short.returncode != 0 and "at least 8" in short.stderr

    created = admin(database_url, "create-class", "ms_lee", "Year 9 maths")
    assert created.returncode == 0, created.stderr
    code = created.stdout.strip().splitlines()[-1]
    assert len(code) == 6 and code.isalnum() and code.isupper()
    missing = admin(database_url, "create-class", "nobody", "X")
    assert missing.returncode != 0 and "no teacher" in missing.stderr

    listed = admin(database_url, "list-classes")
    assert listed.returncode == 0 and f"{code}\tms_lee\tYear 9 maths" in listed.stdout
    assert "ms_lee" in admin(database_url, "list-teachers").stdout

    engine = make_engine(database_url)
    try:
        school = SchoolStore(Store(engine))
        assert school.authenticate(username="ms_lee", password="correct horse battery") is not None
        reset = admin(database_url, "reset-password", "ms_lee", "--password-stdin", stdin="a brand new one\n")
        assert reset.returncode == 0, reset.stderr
        assert school.authenticate(username="ms_lee", password="correct horse battery") is None
        assert school.authenticate(username="ms_lee", password="a brand new one") is not None
        assert admin(database_url, "remove-teacher", "ms_lee").returncode == 0
        assert school.teacher("ms_lee") is None and school.all_classes() == []
        assert admin(database_url, "remove-teacher", "ms_lee").returncode != 0
    finally:
        engine.dispose()


def test_admin_uses_the_apps_data_dir_by_default(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TUTOR_DATABASE_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "storage.admin", "add-teacher", "ms_lee", "--password-stdin"],
        cwd=ROOT,
        input="correct horse battery\n",
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "TUTOR_DATA_DIR": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "tutor.db").is_file()


def test_removing_a_teacher_with_students_offers_to_reassign_or_delete(database_url: str) -> None:  # noqa: F811
    """Issue 11 row 17: a removal no longer strands students silently; the admin chooses."""
    for name in ("ms_lee", "mr_k", "ms_b"):
        assert (
            admin(database_url, "add-teacher", name, "--password-stdin", stdin="correct horse battery\n").returncode
            == 0
        )
    engine = make_engine(database_url)
    try:
        school = SchoolStore(Store(engine))
        lee_class = school.create_class(teacher_id=school.teacher("ms_lee").id, name="Lee 9A")
        k_class = school.create_class(teacher_id=school.teacher("mr_k").id, name="K 10B")
        ada = school.store.student_for_token("ada-token-aaaaaaaaaaaaaaaa")
        bob = school.store.student_for_token("bob-token-bbbbbbbbbbbbbbbb")
        school.join_class(student_id=ada.id, name="Ada", code=lee_class.join_code)
        school.join_class(student_id=bob.id, name="Bob", code=k_class.join_code)

        refused = admin(database_url, "remove-teacher", "ms_lee")
        assert refused.returncode != 0 and "--reassign-to" in refused.stderr and "--delete-students" in refused.stderr
        assert school.teacher("ms_lee") is not None  # nothing removed

        moved = admin(database_url, "remove-teacher", "ms_lee", "--reassign-to", "ms_b")
        assert moved.returncode == 0, moved.stderr
        assert school.teacher("ms_lee") is None
        assert school.class_of_student(ada.id).teacher_id == school.teacher("ms_b").id

        deleted = admin(database_url, "remove-teacher", "mr_k", "--delete-students")
        assert deleted.returncode == 0, deleted.stderr
        assert school.store.find_student("bob-token-bbbbbbbbbbbbbbbb") is None
        assert school.store.find_student("ada-token-aaaaaaaaaaaaaaaa") is not None
    finally:
        engine.dispose()
