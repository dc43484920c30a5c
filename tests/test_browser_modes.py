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


def tutor_text(page) -> str:
    return "\n".join(page.locator("#conversation .bot-row").all_inner_texts())


def test_show_solution_carries_the_computer_algebra_badge(server, browser):
    page = browser.new_page()
    page.goto(server.url)
    ask(page, "Show solution", QUESTION)
    chat = page.locator("#conversation")
    expect(chat).to_contain_text("computer algebra", timeout=10_000)
    expect(chat.locator(".bot-row").first).to_contain_text(re.compile(r"\w+ \w+"))
    page.close()


def test_hint_mode_hides_thinking_and_answer_and_gives_next_hints(server, browser):
    page = browser.new_page()
    page.goto(server.url)
    ask(page, "Hint", QUESTION)
    expect(page.get_by_role("button", name="Next hint")).to_be_visible()
    expect(page.get_by_role("button", name="Reveal the solution")).to_be_visible()
    chat = page.locator("#conversation")
    expect(chat.get_by_text("Final answer")).to_have_count(0)
    expect(chat.get_by_text("Thinking")).to_have_count(0)
    assert not ANSWER_SHOWN.search(tutor_text(page))
    page.get_by_role("button", name="Next hint").click()
    expect(page.get_by_role("button", name="Stop")).to_be_visible(timeout=10_000)
    expect(page.get_by_role("button", name="Solve")).to_be_visible(timeout=90_000)
    expect(chat.locator(".user-row")).to_have_count(2)  # the question and "Next hint, please."
    assert not ANSWER_SHOWN.search(tutor_text(page))
    page.get_by_label("Your answer").fill("x = 2")
    page.get_by_role("button", name="Check answer").click()
    expect(chat.get_by_text(re.compile("^Correct"))).to_be_visible(timeout=10_000)  # checked against the hidden answer
    page.close()


def test_coach_me_is_a_dialogue_that_stays_on_screen(server, browser):
    page = browser.new_page()
    page.goto(server.url)
    ask(page, "Coach me", QUESTION)
    chat = page.locator("#conversation")
    expect(chat.get_by_text("Final answer")).to_have_count(0)
    assert not ANSWER_SHOWN.search(tutor_text(page))
    ask(page, "Coach me", "I would subtract 5 from both sides")
    students = [" ".join(t.split()) for t in chat.locator(".user-row").all_inner_texts()]
    assert students == [QUESTION, "I would subtract 5 from both sides"], students
    expect(chat.locator(".bot-row")).to_have_count(2)  # the coach's question and its reply to the student
    expect(page.get_by_role("radio", name=re.compile("Solve 3x"))).to_have_count(1)  # one conversation
    expect(page.get_by_role("radio", name=re.compile("I would subtract"))).to_have_count(0)
    page.close()
