"""Access control through HTTP and gradio_client, not only through the page.

- nothing under /teacher (page config, API, queue, files, openapi) answers without a login;
- wrong passwords are rate-limited;
- a signed-in teacher cannot read, review, export or delete another teacher's class;
- a student's browser identity cannot read another student's sessions.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from gradio_client import Client
from gradio_client.exceptions import AppError, AuthenticationError
from starlette.routing import Mount

from tests.conftest import LiveServer, new_store
from tests.support import PASSWORD_A, two_teachers
from tutor.backends import GenerationSettings
from tutor.backends.scripted import ScriptedBackend
from tutor.service import TutorService
from tutor.sign_in import LoginThrottle
from tutor.teaching.review import TeacherReview
from ui import teacher
from ui.server import build_app

ADA, BOB = "ada-" + "a" * 28, "bob-" + "b" * 28
SECRET_QUESTION = "What is 6*7? My secret is pelican"


@pytest.fixture
def world(tmp_path):
    """Two teachers with one class each; Ada in A's class, Bob in B's, each with a flagged session."""
    store = new_store(tmp_path / "tutor.db")
    service = TutorService(ScriptedBackend(["Multiply: ", "\\boxed{42}"]), store, GenerationSettings())
    school = service.school
    a, b, class_a, class_b = two_teachers(school)
    service.join_class(ADA, "Ada", class_a.join_code)
    service.join_class(BOB, "Bob", class_b.join_code)
    ada_view = list(service.ask(ADA, SECRET_QUESTION))[-1]
    bob_view = list(service.ask(BOB, "Bob asks: what is 40+2?"))[-1]
    for wrong in ("1", "2", "3"):
        service.check(BOB, bob_view.message_id, wrong)  # raises a many_failed flag on Bob's message
    bob_flag = school.flags_for_class(teacher_id=b.id, class_id=class_b.id)[0].flag
    with LiveServer(build_app(service, tmp_path)) as server:
        yield {
            "url": server.url,
            "app": server.server.config.app,
            "school": school,
            "a": a,
            "b": b,
            "class_a": class_a,
            "class_b": class_b,
            "ada": ada_view,
            "bob": bob_view,
            "bob_flag": bob_flag,
        }


def _routes(routes, prefix=""):
    """(path, methods) of every route, through FastAPI's included routers and mounts."""
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI's include_router wrapper
        if included is not None:
            yield from _routes(included.routes, prefix + route.include_context.prefix)
        elif hasattr(route, "methods") or not hasattr(route, "routes"):
            yield prefix + route.path, getattr(route, "methods", None) or {"GET"}
        else:
            yield from _routes(route.routes, prefix + route.path)


PUBLIC = {
    "/teacher/",
    "/teacher/login",
    "/teacher/login/",
    "/teacher/logout",
    "/teacher/theme.css",
    "/teacher/favicon.ico",
    "/teacher/robots.txt",
}


def test_nothing_under_teacher_answers_without_a_login(world) -> None:
    url, app = world["url"], world["app"]
    mounted = next(r for r in app.routes if isinstance(r, Mount) and r.path == "/teacher")
    probes = [
        ("GET", "/teacher/gradio_api/info"),
        ("POST", "/teacher/gradio_api/call/refresh"),
        ("POST", "/teacher/gradio_api/run/refresh"),
        ("POST", "/teacher/gradio_api/queue/join"),
        ("GET", "/teacher/gradio_api/queue/data?session_hash=x"),
        ("POST", "/teacher/gradio_api/upload"),
        ("GET", f"/teacher/gradio_api/file={Path.cwd()}/README.md"),
        ("GET", "/teacher/gradio_api/call/refresh/some-event"),
        ("GET", "/teacher/openapi.json"),
        ("GET", "/teacher/config"),
    ]
    for path, methods in _routes(mounted.app.routes, "/teacher"):
        if path in PUBLIC or path.startswith(("/teacher/assets/", "/teacher/static/", "/teacher/svelte/")):
            continue
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        probes += [(m, concrete) for m in sorted(methods - {"HEAD"})]
    assert len(probes) > 30
    with httpx.Client(base_url=url, timeout=5) as client:
        for method, path in probes:
            response = client.request(
                method, path, json={"data": [world["class_a"].id, 0, "", "", "", ""], "fn_index": 0}
            )
            assert response.status_code == 401, (method, path, response.status_code, response.text[:200])
        shell = client.get("/teacher/")
        assert shell.status_code == 200
        for private in ("Lee 9A", "Ada", "pelican", world["class_a"].join_code):
            assert private not in shell.text
        forged = client.get(
            "/teacher/config", cookies={"access-token-unsecure-x": "forged", "access-token-x": "forged"}
        )
        assert forged.status_code == 401
    with pytest.raises(AuthenticationError):
        Client(url + "/teacher/", verbose=False)
    # gradio_client's login: AuthenticationError on a 401, ValueError on any other refusal
    with pytest.raises((AuthenticationError, ValueError)):
        Client(url + "/teacher/", auth=("ms_lee", "wrong password"), verbose=False)


def test_wrong_passwords_are_rate_limited(tmp_path) -> None:
    store = new_store(tmp_path / "tutor.db")
    review = TeacherReview(
        TutorService(ScriptedBackend(["x"]), store, GenerationSettings()).school, tmp_path / "exports"
    )
    review.school.add_teacher(username="ms_lee", password=PASSWORD_A)
    app = FastAPI()
    teacher.mount(app, review, LoginThrottle(max_failures=5, lock_s=1.5))
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as client:
        login = lambda pw: client.post("/teacher/login", data={"username": "ms_lee", "password": pw}).status_code  # noqa: E731
        assert [login(f"guess {i}") for i in range(5)] == [400] * 5
        started = time.monotonic()
        assert login(PASSWORD_A) == 400  # locked: even the right password is refused
        assert time.monotonic() - started < 0.05  # refused without running scrypt
        time.sleep(1.6)
        assert login(PASSWORD_A) == 200
        assert client.get("/teacher/config").status_code == 200


def test_a_teacher_cannot_read_another_teachers_classes(world) -> None:
    url, school = world["url"], world["school"]
    lee = Client(url + "/teacher/", auth=("ms_lee", PASSWORD_A), verbose=False)
    whoami, classes = lee.predict(api_name="/whoami")
    assert "ms_lee" in whoami
    assert [value for _, value in classes["choices"]] == [world["class_a"].id]

    mine = lee.predict(world["class_a"].id, 0, "", "", "", "", api_name="/refresh")
    assert "Join code" in mine[1] and mine[3]["data"][0][0] == "Ada"
    assert "pelican" in lee.predict(world["ada"].session_id, api_name="/transcript")

    # A forged class, session or student id is refused: by Gradio (the value is not among the
    # choices this teacher was shown) or by the query (tests/test_teacher_storage.py).
    bob_id = school.class_students(teacher_id=world["b"].id, class_id=world["class_b"].id)[0][0]
    forged = [
        ((world["class_b"].id, 0, "", "", "", ""), "/refresh"),
        ((world["class_a"].id, bob_id, "", "", "", ""), "/refresh"),
        ((world["bob"].session_id,), "/transcript"),
        ((world["class_b"].id, 0, "JSON", "Whole class"), "/export"),
        ((world["class_a"].id, bob_id, "JSON", "Selected student"), "/export"),
        ((bob_id, "DELETE"), "/delete_student"),
    ]
    for args, api_name in forged:
        try:
            result = lee.predict(*args, api_name=api_name)
        except AppError:
            continue
        text = str(result) if not isinstance(result, str) or not Path(result).is_file() else Path(result).read_text()
        assert "Bob" not in text and "40+2" not in text, api_name
    with pytest.raises(AppError, match="No such flag"):  # a free number field: refused by the query
        lee.predict(world["bob_flag"].id, "mine now", None, api_name="/review_flag")

    assert not school.flags_for_class(teacher_id=world["b"].id, class_id=world["class_b"].id)[0].flag.reviewed
    assert [n for _, n in school.class_students(teacher_id=world["b"].id, class_id=world["class_b"].id)] == ["Bob"]

    exported = lee.predict(world["class_a"].id, 0, "JSON", "Whole class", api_name="/export")
    with httpx.Client(base_url=url) as signed_in:
        assert signed_in.post("/teacher/login", data={"username": "ms_lee", "password": PASSWORD_A}).status_code == 200
        body = signed_in.get(_export_link(exported)).text
    assert "pelican" in body and "Bob asks" not in body


def _export_link(shown: str) -> str:
    """The export handler shows a link relative to /teacher/ (ui/exports.py)."""
    found = re.search(r'href="([^"]+)"', shown)
    assert found, shown
    return "/teacher/" + found.group(1)


def test_export_files_are_not_served_without_a_login(world) -> None:
    url = world["url"]
    lee = Client(url + "/teacher/", auth=("ms_lee", PASSWORD_A), verbose=False, download_files=False)
    lee.predict(api_name="/whoami")  # as the page does on load: offers this teacher's classes
    exported = lee.predict(world["class_a"].id, 0, "CSV", "Whole class", api_name="/export")
    file_url = url + _export_link(exported)
    assert httpx.get(file_url).status_code == 401
    with httpx.Client() as signed_in:
        assert (
            signed_in.post(f"{url}/teacher/login", data={"username": "ms_lee", "password": PASSWORD_A}).status_code
            == 200
        )
        assert "pelican" in signed_in.get(file_url).text


def test_a_students_identity_cannot_read_another_students_sessions(world) -> None:
    student = Client(world["url"] + "/", verbose=False)
    ada = world["ada"]
    assert [s["id"] for s in student.predict({"token": ADA}, api_name="/history")] == [ada.session_id]
    own = student.predict(ada.session_id, {"token": ADA}, api_name="/open_session")
    assert "42" in str(own)
    # Bob's identity with Ada's session id is refused by the service (the session is not his).
    stolen = student.predict(ada.session_id, {"token": BOB}, api_name="/open_session")
    assert stolen == []
    fresh = Client(world["url"] + "/", verbose=False)
    assert fresh.predict(ada.session_id, {"token": BOB}, api_name="/open_session") == []
    assert ada.session_id not in [s["id"] for s in fresh.predict({"token": BOB}, api_name="/history")]
    with httpx.Client(base_url=world["url"]) as client:
        for path in ("/teacher/config", "/teacher/gradio_api/info"):
            assert client.get(path).status_code == 401  # the student's page gives no way in
