"""Each tutoring mode in the browser with the real demo model: Show solution, Hint, Coach me."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import LiveServer, new_store
from tutor.backends import GenerationSettings
from tutor.service import TutorService
from ui.server import build_app

QUESTION = "Solve 3x + 5 = 11"
ANSWER_SHOWN = re.compile(r"x\s*=\s*2(?![\d.])|\\boxed")


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_backend):
    tmp = tmp_path_factory.mktemp("modes")
    service = TutorService(demo_backend, new_store(tmp / "t.db"), GenerationSettings(max_new_tokens=80, temperature=0))
    with LiveServer(build_app(service, tmp)) as live:
        yield live


def ask(page, mode: str, text: str) -> None:
    page.get_by_role("radio", name=mode).check()
    page.get_by_label("Question").fill(text)
    page.get_by_label("Question").press("Enter")
    expect(page.get_by_role("button", name="Stop")).to_be_visible(timeout=10_000)
    expect(page.get_by_role("button", name="Solve")).to_be_visible(timeout=90_000)


def test_show_solution_carries_the_computer_algebra_badge(server, browser):
    page = browser.new_page()
    page.goto(server.url)
    ask(page, "Show solution", QUESTION)
    expect(page.locator("#cas-note")).to_contain_text("computer algebra", timeout=10_000)
    expect(page.locator("#solution")).to_contain_text(re.compile(r"\w+ \w+"))
    page.close()


def test_hint_mode_hides_thinking_and_answer_and_gives_next_hints(server, browser):
    page = browser.new_page()
    page.goto(server.url)
    ask(page, "Hint", QUESTION)
    expect(page.get_by_role("button", name="Next hint")).to_be_visible()
    expect(page.get_by_role("button", name="Reveal the solution")).to_be_visible()
    expect(page.locator("#final-answer")).to_be_hidden()
    expect(page.get_by_text("Thinking")).to_be_hidden()
    first = page.locator("#solution").inner_text()
    assert not ANSWER_SHOWN.search(first)
    page.get_by_role("button", name="Next hint").click()
    expect(page.get_by_role("button", name="Stop")).to_be_visible(timeout=10_000)
    expect(page.get_by_role("button", name="Solve")).to_be_visible(timeout=90_000)
    assert not ANSWER_SHOWN.search(page.locator("#solution").inner_text())
    page.get_by_label("Your answer").fill("x = 2")
    page.get_by_role("button", name="Check answer").click()
    expect(page.locator("#verdict")).to_contain_text("Correct", timeout=10_000)  # checked against the hidden answer
    page.close()


def test_coach_me_continues_the_conversation_in_one_session(server, browser):
    page = browser.new_page()
    page.goto(server.url)
    ask(page, "Coach me", QUESTION)
    expect(page.locator("#final-answer")).to_be_hidden()
    assert not ANSWER_SHOWN.search(page.locator("#solution").inner_text())
    ask(page, "Coach me", "I would subtract 5 from both sides")
    page.get_by_label("Your sessions").click()
    expect(page.get_by_role("option", name=re.compile("Solve 3x"))).to_have_count(1)
    expect(page.get_by_role("option", name=re.compile("I would subtract"))).to_have_count(0)
    page.close()
