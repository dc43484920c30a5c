"""Issue 11 row 3: teacher sign-ins expire, and end on a password reset and on removal
(also when done by ``storage.admin`` in another process). Real HTTP on loopback, real SQLite."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
from fastapi import FastAPI

from tests.conftest import LiveServer, new_store
from tutor.backends import GenerationSettings
from tutor.backends.scripted import ScriptedBackend
from tutor.service import TutorService
from tutor.sign_in import LoginThrottle
from tutor.teaching.review import TeacherReview
from ui import teacher

PASSWORD, NEW_PASSWORD = "correct horse battery", "another long passphrase"


def _world(tmp_path, lifetime_s: float = 3600.0):
    store = new_store(tmp_path / "tutor.db")
    review = TeacherReview(
        TutorService(ScriptedBackend(["x"]), store, GenerationSettings()).school, tmp_path / "exports"
    )
    review.school.add_teacher(username="ms_lee", password=PASSWORD)
    app = FastAPI()
    teacher.mount(app, review, LoginThrottle(), session_lifetime_s=lifetime_s)
    return app, review.school


def _sign_in(client: httpx.Client, password: str = PASSWORD) -> None:
    assert client.post("/teacher/login", data={"username": "ms_lee", "password": password}).status_code == 200
    assert client.get("/teacher/config").status_code == 200


def test_a_sign_in_expires(tmp_path) -> None:
    app, _ = _world(tmp_path, lifetime_s=1.0)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        _sign_in(client)
        time.sleep(1.3)
        assert client.get("/teacher/config").status_code == 401
        _sign_in(client)  # signing in again works


def test_a_password_reset_ends_every_sign_in(tmp_path) -> None:
    app, school = _world(tmp_path)
    with (
        LiveServer(app) as server,
        httpx.Client(base_url=server.url, timeout=10) as a,
        httpx.Client(base_url=server.url, timeout=10) as b,
    ):
        _sign_in(a)
        _sign_in(b)
        time.sleep(0.01)
        assert school.set_password(username="ms_lee", password=NEW_PASSWORD)
        assert a.get("/teacher/config").status_code == 401 and b.get("/teacher/config").status_code == 401
        _sign_in(a, NEW_PASSWORD)


def test_removing_a_teacher_with_the_admin_command_ends_their_sign_in(tmp_path) -> None:
    app, _ = _world(tmp_path)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        _sign_in(client)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "storage.admin",
                "--database-url",
                f"sqlite:///{tmp_path / 'tutor.db'}",
                "remove-teacher",
                "ms_lee",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        assert client.get("/teacher/config").status_code == 401
