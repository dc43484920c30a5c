"""The student page in headless Chromium: a conversation that streams, stops, checks, reloads.

The real demo model drives the end-to-end flow (streaming, Stop, a reply cut by the token
limit); a scripted backend drives the checks that need exact model output (KaTeX, a known
final answer).
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.conftest import LiveServer, new_store
from tutor.backends import GenerationSettings
from tutor.backends.scripted import ScriptedBackend
from tutor.service import TutorService
from ui.server import build_app

SCRIPT = [
    "<think>",
    "Subtract 5 from both sides, ",
    "then divide by 3.",
    "</think>",
    "\n1. Subtract 5: $3x = 6$.\n",
    "2. Divide by 3: $$x = \\frac{6}{3}$$\n",
    "A pencil costs $5 and a pen $7.\n",
    "So \\(x = 2\\).\n\n",
    "\\boxed{2}",
]


def serve(tmp_path, backend, settings):
    store = new_store(tmp_path / "tutor.db")
    return LiveServer(build_app(TutorService(backend, store, settings), tmp_path))


def ask(page, question: str) -> None:
    box = page.get_by_label("Question")
    box.fill(question)
    box.press("Enter")


def student_bubbles(page):
    """The student's messages in the conversation, in order."""
    return page.locator("#conversation .user-row")


def test_a_conversation_renders_latex_keeps_every_turn_and_comes_back_on_reload(tmp_path, browser):
    with serve(tmp_path, ScriptedBackend(SCRIPT, delay=0.1), GenerationSettings()) as server:
        context = browser.new_context()
        page = context.new_page()
        page.goto(server.url)
        ask(page, "Solve 3x + 5 = 11")
        expect(page.get_by_label("Question")).to_have_value("")  # the box clears once sent
        chat = page.locator("#conversation")
        expect(chat.get_by_text("Subtract 5 from both sides")).to_be_visible(timeout=15_000)
        expect(page.get_by_role("button", name="Stop")).to_be_visible()
        expect(page.get_by_role("button", name="Solve")).to_be_visible(timeout=15_000)
        expect(chat.get_by_text("Final answer")).to_be_visible()
        assert chat.locator(".katex").count() >= 4
        assert chat.locator(".katex .katex-mathml math").count() >= 4  # screen readers read MathML
        expect(chat.get_by_text("A pencil costs $5 and a pen $7.")).to_be_visible()
        expect(chat.get_by_text("Thinking")).to_be_visible()
        expect(chat.get_by_text("Subtract 5 from both sides")).to_be_hidden()  # collapsed once solved
        expect(chat.get_by_text("Verified by computer algebra")).to_be_visible()

        page.get_by_label("Your answer").fill("x = 2")
        page.get_by_role("button", name="Check answer").click()
        expect(chat.get_by_text(re.compile(r"^Correct"))).to_be_visible(timeout=10_000)
        expect(page.get_by_label("Your answer")).to_have_value("")
        page.get_by_label("Your answer").fill("3")
        page.get_by_label("Your answer").press("Enter")
        expect(chat.get_by_text(re.compile(r"^Not quite"))).to_be_visible(timeout=10_000)

        ask(page, "Now solve 2x = 8")
        expect(chat.get_by_text("Now solve 2x = 8")).to_be_visible(timeout=10_000)
        expect(page.get_by_role("button", name="Solve")).to_be_visible(timeout=15_000)
        texts = [" ".join(t.split()) for t in student_bubbles(page).all_inner_texts()]
        assert texts == ["Solve 3x + 5 = 11", "My answer: x = 2", "My answer: 3", "Now solve 2x = 8"], (
            texts
        )  # in order, all kept
        assert page.locator("#conversation .bot-row").count() == 4  # a reply and a verdict each

        page.reload()  # no click: the latest conversation is back as it was
        chat = page.locator("#conversation")
        expect(chat.get_by_text("Solve 3x + 5 = 11")).to_have_count(1, timeout=15_000)
        expect(chat.get_by_text("Now solve 2x = 8")).to_have_count(1)
        expect(chat.get_by_text(re.compile(r"^Not quite"))).to_have_count(1)
        expect(chat.get_by_text("Verified by computer algebra")).to_have_count(1)
        expect(page.get_by_role("radio", name=re.compile("Solve 3x \\+ 5 = 11"))).to_be_checked()
        page.get_by_label("Your answer").fill("x = 2")  # checked against the latest reply after a reload
        page.get_by_role("button", name="Check answer").click()
        expect(chat.get_by_text(re.compile(r"^Correct"))).to_have_count(2, timeout=10_000)

        page.get_by_role("button", name="New conversation").click()
        expect(chat.get_by_text("Solve 3x + 5 = 11")).to_have_count(0)
        context.close()


def test_question_too_long_or_empty_is_refused_in_the_page(tmp_path, browser):
    backend = ScriptedBackend(["never"])
    with serve(tmp_path, backend, GenerationSettings()) as server:
        page = browser.new_page()
        page.goto(server.url)
        expect(page.get_by_role("button", name="Solve")).to_be_enabled(timeout=10_000)
        page.get_by_role("button", name="Solve").click()
        expect(page.get_by_text("Please type a question first.")).to_be_visible(timeout=10_000)
        ask(page, "1+" * 3000)
        expect(page.get_by_text(re.compile("too long"))).to_be_visible(timeout=10_000)
        expect(page.get_by_label("Question")).not_to_have_value("")  # kept, to be shortened
        expect(page.locator("#conversation .user-row")).to_have_count(0)
        assert backend.seen == []
        page.close()


def test_a_reply_cut_short_says_so_and_shows_no_raw_latex(tmp_path, browser):
    cut = ["<think>", "Square both sides.", "</think>", "We get $x^2 = 9$, so ", "$\\boxed{x = 3"]
    with serve(tmp_path, ScriptedBackend(cut, cut_short=True), GenerationSettings()) as server:
        page = browser.new_page()
        page.goto(server.url)
        ask(page, "Solve sqrt(x) = 3")
        chat = page.locator("#conversation")
        expect(chat.get_by_text(re.compile("cut short"))).to_be_visible(timeout=15_000)
        text = chat.inner_text()
        assert "\\boxed" not in text and "$" not in text, text
        assert chat.locator(".katex").count() >= 1  # what it has is rendered
        page.get_by_label("Your answer").fill("x = 9")
        page.get_by_role("button", name="Check answer").click()  # computer algebra still has a reference
        expect(chat.get_by_text(re.compile(r"^Correct"))).to_be_visible(timeout=10_000)
        page.close()


def test_real_model_streams_stops_is_cut_short_and_the_conversation_survives_a_reload(tmp_path, browser, demo_backend):
    settings = GenerationSettings(max_new_tokens=400, temperature=0)
    with serve(tmp_path, demo_backend, settings) as server:
        context = browser.new_context()
        page = context.new_page()
        page.goto(server.url)
        ask(page, "Solve 3x^2+4x+5=1")
        stop = page.get_by_role("button", name="Stop")
        expect(stop).to_be_visible(timeout=10_000)
        chat = page.locator("#conversation")
        expect(chat).to_contain_text(re.compile(r"\w+ \w+ \w+ \w+ \w+"), timeout=20_000)  # streamed words
        stop.click()
        expect(page.get_by_role("button", name="Solve")).to_be_visible(timeout=5_000)
        expect(chat.get_by_text(re.compile("you pressed Stop"))).to_be_visible(timeout=5_000)

        page.get_by_label("Your answer").fill("__import__('os').system('id')")
        page.get_by_role("button", name="Check answer").click()
        expect(page.get_by_text(re.compile(r"no final answer|Not quite|could not read", re.I))).to_be_visible(
            timeout=10_000
        )

        page.reload()
        chat = page.locator("#conversation")
        expect(chat.get_by_text("Solve 3x^2+4x+5=1")).to_be_visible(timeout=15_000)
        expect(chat.get_by_text(re.compile("you pressed Stop"))).to_be_visible()

        stranger = browser.new_context().new_page()
        stranger.goto(server.url)
        expect(stranger.get_by_role("button", name="Solve")).to_be_enabled(timeout=10_000)
        expect(stranger.get_by_role("radio", name=re.compile("Solve 3x"))).to_have_count(0)
        expect(stranger.locator("#conversation .user-row")).to_have_count(0)
        context.close()


def test_the_real_model_cut_by_the_token_limit_says_so(tmp_path, browser, demo_backend):
    with serve(tmp_path, demo_backend, GenerationSettings(max_new_tokens=12, temperature=0)) as server:
        page = browser.new_page()
        page.goto(server.url)
        ask(page, "Explain step by step how to solve 3x + 5 = 11")
        chat = page.locator("#conversation")
        expect(chat.get_by_text(re.compile("cut short"))).to_be_visible(timeout=60_000)
        assert "\\boxed{" not in chat.inner_text()
        page.close()
