"""The student page in headless Chromium: ask, stream, KaTeX, stop, check, reload history.

The real demo model drives the end-to-end flow; a scripted backend drives the checks that
need exact model output (KaTeX, a known final answer).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import LiveServer, new_store
from tutor.backends import GenerationSettings
from tutor.backends.scripted import ScriptedBackend
from tutor.service import TutorService
from ui.server import build_app

SCRIPT = [
    "<think>", "Subtract 5 from both sides, ", "then divide by 3.", "</think>",
    "\n1. Subtract 5: $3x = 6$.\n", "2. Divide by 3: $$x = \\frac{6}{3}$$\n",
    "A pencil costs $5 and a pen $7.\n", "So \\(x = 2\\).\n\n", "\\boxed{2}",
]


def serve(tmp_path, backend, settings):
    store = new_store(tmp_path / "tutor.db")
    return LiveServer(build_app(TutorService(backend, store, settings), tmp_path))


def ask(page, question: str) -> None:
    box = page.get_by_label("Question")
    box.fill(question)
    box.press("Enter")


def test_scripted_reply_renders_latex_thinking_and_checks_answers(tmp_path, browser):
    with serve(tmp_path, ScriptedBackend(SCRIPT, delay=0.1), GenerationSettings()) as server:
        page = browser.new_page()
        page.goto(server.url)
        ask(page, "Solve 3x + 5 = 11")
        expect(page.get_by_text("Subtract 5 from both sides")).to_be_visible(timeout=15_000)
        expect(page.get_by_role("button", name="Stop")).to_be_visible()
        expect(page.get_by_role("button", name="Solve")).to_be_visible(timeout=15_000)
        expect(page.locator("#final-answer .katex")).to_have_count(1)
        assert page.locator(".katex").count() >= 4
        expect(page.get_by_text("A pencil costs $5 and a pen $7.")).to_be_visible()
        expect(page.get_by_text("Thinking")).to_be_visible()
        expect(page.get_by_text("Subtract 5 from both sides")).to_be_hidden()  # collapsed once solved

        page.get_by_label("Your answer").fill("x = 2")
        page.get_by_role("button", name="Check answer").click()
        expect(page.get_by_text(re.compile(r"^Correct"))).to_be_visible(timeout=10_000)
        page.get_by_label("Your answer").fill("3")
        page.get_by_role("button", name="Check answer").click()
        expect(page.get_by_text(re.compile(r"^Not quite"))).to_be_visible(timeout=10_000)
        page.close()


def test_question_too_long_or_empty_is_refused_in_the_page(tmp_path, browser):
    backend = ScriptedBackend(["never"])
    with serve(tmp_path, backend, GenerationSettings()) as server:
        page = browser.new_page()
        page.goto(server.url)
        page.get_by_role("button", name="Solve").click()
        expect(page.get_by_text("Please type a question first.")).to_be_visible(timeout=10_000)
        ask(page, "1+" * 3000)
        expect(page.get_by_text(re.compile("too long"))).to_be_visible(timeout=10_000)
        assert backend.seen == []
        page.close()


def test_real_model_streams_stops_and_history_survives_a_reload(tmp_path, browser, demo_backend):
    settings = GenerationSettings(max_new_tokens=400, temperature=0)
    with serve(tmp_path, demo_backend, settings) as server:
        context = browser.new_context()
        page = context.new_page()
        page.goto(server.url)
        ask(page, "Solve 3x^2+4x+5=1")
        stop = page.get_by_role("button", name="Stop")
        expect(stop).to_be_visible(timeout=10_000)
        expect(page.locator("#solution")).to_contain_text(re.compile(r"\w+ \w+ \w+"), timeout=20_000)  # streamed words
        stop.click()
        expect(page.get_by_role("button", name="Solve")).to_be_visible(timeout=5_000)

        page.get_by_label("Your answer").fill("__import__('os').system('id')")
        page.get_by_role("button", name="Check answer").click()
        expect(page.get_by_text(re.compile(r"no final answer|Not quite|could not read", re.I))).to_be_visible(timeout=10_000)

        page.reload()
        page.get_by_label("Your sessions").click()
        expect(page.get_by_role("option", name=re.compile("Solve 3x"))).to_be_visible(timeout=10_000)
        page.get_by_role("option", name=re.compile("Solve 3x")).click()
        expect(page.get_by_text("Reply stopped.")).to_be_visible(timeout=10_000)

        stranger = browser.new_context().new_page()
        stranger.goto(server.url)
        stranger.get_by_label("Your sessions").click()
        expect(stranger.get_by_role("option", name=re.compile("Solve 3x"))).to_have_count(0)
        context.close()
