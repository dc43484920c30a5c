"""Hostile input at the edges: XSS in model output and questions, file routes, oversized input."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import LiveServer, new_store
from tutor.backends import GenerationSettings
from tutor.backends.scripted import ScriptedBackend
from tutor.service import TutorService
from ui.server import build_app

XSS = [
    "<img src=x onerror=alert(1)>\n\n",
    "[click me](javascript:alert(2))\n\n",
    "$$\\href{javascript:alert(3)}{x}$$\n\n",
    "\\(\\htmlData{foo=bar}{x}\\)\n\n",
    "<script>alert(4)</script>\n\n",
    "<svg onload=alert(5)></svg>\n\n",
    "\\boxed{<img src=x onerror=alert(6)>}",
]


def _hostile_server(folder):
    backend = ScriptedBackend(["<think><img src=x onerror=alert(7)></think>", *XSS], delay=0.02)
    service = TutorService(backend, new_store(folder / "t.db"), GenerationSettings())
    return LiveServer(build_app(service, folder))


@pytest.fixture
def hostile_server(tmp_path):
    with _hostile_server(tmp_path) as server:
        yield server


@pytest.fixture(scope="module")
def read_only_server(tmp_path_factory):
    """One hostile server for the probes that only read (building the app takes ~1 s)."""
    with _hostile_server(tmp_path_factory.mktemp("hostile")) as server:
        yield server


def test_xss_in_model_output_and_questions_renders_inert(hostile_server, browser):
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(hostile_server.url)
    question = page.get_by_label("Question")
    question.fill("<img src=x onerror=alert(8)> Solve x")
    question.press("Enter")
    expect(page.get_by_role("button", name="Solve")).to_be_visible(timeout=15_000)
    expect(page.get_by_role("button", name="Stop")).to_be_hidden(timeout=15_000)
    page.get_by_text("click me").click()
    page.get_by_label("Your answer").fill("<svg onload=alert(9)>")
    page.get_by_role("button", name="Check answer").click()
    page.reload()  # the conversation comes back by itself; then it is opened from the list too
    expect(page.locator("#conversation .user-row").first).to_be_visible(timeout=15_000)
    page.get_by_role("radio", name=re.compile("Solve x")).click()
    page.wait_for_timeout(1500)
    assert dialogs == []
    assert page.locator("script:text('alert')").count() == 0
    assert page.locator("[onerror], [onload]").count() == 0
    assert page.locator("a[href^='javascript:']").count() == 0
    page.close()


@pytest.mark.parametrize(
    "path",
    [
        "/gradio_api/file=/etc/passwd",
        "/gradio_api/file=t.db",
        "/gradio_api/file=browser_secret",
        "/gradio_api/file=../../etc/passwd",
        "/gradio_api/file=..%2f..%2fetc%2fpasswd",
        "/gradio_api/file=%2fetc%2fpasswd",
        "/gradio_api/file=.env",
        "/file=/etc/passwd",
        "/monitoring",
        "/docs",
        "/openapi.json",
    ],
)
def test_file_routes_serve_nothing_outside_the_app(read_only_server, path):
    response = httpx.get(read_only_server.url + path, timeout=10)
    assert response.status_code in (403, 404, 405), (path, response.status_code)
    assert "root:" not in response.text and "SQLite format" not in response.text


def test_oversized_question_is_refused_before_any_work(tmp_path):
    backend = ScriptedBackend(["never"])
    service = TutorService(backend, new_store(tmp_path / "t.db"), GenerationSettings())
    views = list(service.ask("hostile-token-aaaaaaaaaa", "x" * 1_000_000))
    assert views[-1].status == "refused" and "too long" in views[-1].notice
    result = service.check("hostile-token-aaaaaaaaaa", None, "9" * 100_000)
    assert result.verdict is None and "too long" in result.message
    assert backend.seen == []


def test_only_the_student_actions_are_public_api(read_only_server):
    from gradio_client import Client

    api = Client(read_only_server.url, verbose=False).view_api(print_info=False, return_format="dict")
    assert set(api["named_endpoints"]) == {
        "/solve",
        "/next_hint",
        "/reveal_solution",
        "/stop",
        "/check",
        "/open_session",
        "/history",
        "/join_class",
    }
    assert api["unnamed_endpoints"] == {}


def test_a_student_asking_too_fast_is_slowed_down_with_a_message(tmp_path):
    backend = ScriptedBackend(["\\boxed{1}"])
    service = TutorService(backend, new_store(tmp_path / "t.db"), GenerationSettings())
    token = "fast-token-aaaaaaaaaaaaa"
    statuses = [list(service.ask(token, f"What is {i} + 1?", address="127.0.0.9"))[-1] for i in range(7)]
    assert [v.status for v in statuses[:6]] == ["complete"] * 6
    assert statuses[6].status == "refused" and "wait" in statuses[6].notice
    assert len(backend.seen) == 6
    other = list(service.ask("other-token-aaaaaaaaaaaa", "What is 1 + 1?", address="127.0.0.9"))[-1]
    assert other.status == "complete"  # the address limit is far higher: a class shares one address
