"""Issue 11 row 4: the login throttle is atomic, per account and per address, and believes
``X-Forwarded-For`` only from a configured proxy. Real threads, real scrypt, real HTTP."""

from __future__ import annotations

import threading
import time

import httpx
import uvicorn
from fastapi import FastAPI

from app import server_options
from tests.conftest import free_port, new_store
from tutor.backends import GenerationSettings
from tutor.backends.scripted import ScriptedBackend
from tutor.config import Settings
from tutor.service import TutorService
from tutor.sign_in import LoginThrottle
from tutor.teaching.review import TeacherReview
from ui import teacher

PASSWORD = "correct horse battery"


def test_a_burst_of_parallel_attempts_gets_at_most_the_limit_evaluated() -> None:
    throttle = LoginThrottle(max_failures=5)
    barrier = threading.Barrier(50)
    admitted: list[bool] = []

    def attempt() -> None:
        barrier.wait()
        admitted.append(throttle.begin("ms_lee", "10.0.0.1") is not None)

    threads = [threading.Thread(target=attempt) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert admitted.count(True) == 5


def test_a_success_takes_its_provisional_failure_back() -> None:
    throttle = LoginThrottle(max_failures=5, per_account_failures=10)
    for _ in range(20):
        ticket = throttle.begin("ms_lee", "10.0.0.1")
        assert ticket is not None
        throttle.succeeded("ms_lee", "10.0.0.1", ticket)
    assert throttle.locked_for("ms_lee", "10.0.0.1") == 0


def test_an_account_is_locked_across_addresses() -> None:
    throttle = LoginThrottle(max_failures=5, per_account_failures=10)
    for i in range(10):
        assert throttle.begin("ms_lee", f"10.0.0.{i}") is not None
    assert throttle.begin("ms_lee", "10.0.9.9") is None  # an eleventh address: locked
    assert throttle.begin("mr_k", "10.0.9.9") is not None  # another account is not


def test_a_name_spray_on_a_shared_address_spares_a_teacher_who_signed_in_there() -> None:
    throttle = LoginThrottle(max_failures=5, per_address_failures=20)
    ticket = throttle.begin("ms_lee", "10.0.0.1")
    throttle.succeeded("ms_lee", "10.0.0.1", ticket)
    for i in range(25):
        throttle.begin(f"guess{i}", "10.0.0.1")
    assert throttle.begin("someone_new", "10.0.0.1") is None  # the address is locked for new names
    assert throttle.begin("ms_lee", "10.0.0.1") is not None  # not for a teacher known there


def _serve(app: FastAPI, settings: Settings):
    options = {**server_options(settings), "host": "127.0.0.1", "port": free_port()}
    server = uvicorn.Server(uvicorn.Config(app, **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{options['port']}"


def _app(tmp_path) -> FastAPI:
    store = new_store(tmp_path / "tutor.db")
    review = TeacherReview(
        TutorService(ScriptedBackend(["x"]), store, GenerationSettings()).school, tmp_path / "exports"
    )
    review.school.add_teacher(username="ms_lee", password=PASSWORD)
    app = FastAPI()
    teacher.mount(app, review, LoginThrottle(max_failures=3, lock_s=60))
    return app


def _login(client: httpx.Client, password: str, forwarded: str) -> int:
    return client.post(
        "/teacher/login", data={"username": "ms_lee", "password": password}, headers={"X-Forwarded-For": forwarded}
    ).status_code


def test_forwarded_for_is_ignored_without_a_configured_proxy(tmp_path) -> None:
    server, thread, url = _serve(_app(tmp_path), Settings())
    try:
        with httpx.Client(base_url=url, timeout=10) as client:
            assert [_login(client, f"guess {i}", f"203.0.113.{i}") for i in range(3)] == [400] * 3
            # a fresh X-Forwarded-For does not make a fresh address: still locked
            assert _login(client, PASSWORD, "198.51.100.7") == 400
    finally:
        server.should_exit = True
        thread.join(10)


def test_forwarded_for_is_believed_from_the_configured_proxy(tmp_path) -> None:
    server, thread, url = _serve(_app(tmp_path), Settings(trusted_proxies="127.0.0.1"))
    try:
        with httpx.Client(base_url=url, timeout=10) as client:
            assert [_login(client, f"guess {i}", "203.0.113.5") for i in range(3)] == [400] * 3
            assert _login(client, PASSWORD, "198.51.100.7") == 200  # another client behind the proxy
    finally:
        server.should_exit = True
        thread.join(10)
