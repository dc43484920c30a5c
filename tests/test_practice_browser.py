"""The Practice and "Check my working" tabs in headless Chromium, and the student text they show.

The tabs are hosted on a tiny page of their own (a ``gr.BrowserState`` identity and the two
builders, mounted on FastAPI), which also shows that the builders stand alone.
"""

from __future__ import annotations

import html
import re
import secrets

import gradio as gr
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from playwright.sync_api import expect

from tests.conftest import LiveServer, new_store
from tutor.teaching.mastery import update
from tutor.teaching.practice_service import PracticeService, WorkingChecker
from ui.practice import build_practice_tab, plain_markdown
from ui.working import build_working_tab, literal_code

P0 = 0.2


def build_page(practice: PracticeService) -> FastAPI:
    with gr.Blocks(title="Practice") as page:
        identity = gr.BrowserState({}, storage_key="practice-test-identity", secret="practice-test-secret")
        with gr.Tab("Practice"):
            build_practice_tab(practice, identity)
        with gr.Tab("Check my working"):
            build_working_tab(WorkingChecker(), identity)

        def on_load(state: dict | None):
            state = dict(state or {})
            state.setdefault("token", secrets.token_urlsafe(24))
            return state

        page.load(on_load, inputs=identity, outputs=identity, queue=False)
    return gr.mount_gradio_app(FastAPI(), page, path="/", footer_links=[])


def latest_problem(practice: PracticeService):
    """(reference answer, difficulty shown) of the newest practice problem: the only student is id 1."""
    [session, *_] = practice.store.sessions_for_student(1)
    detail = practice.store.session_detail(session_id=session.id, student_id=1)
    return detail.messages[-1][0]


def mastery_row(page, name: str):
    return page.locator("#practice-mastery tr").filter(has=page.locator("td", has_text=re.compile(f"^{name}$")))


def new_problem(page, topic: str) -> None:
    page.get_by_label("Topic").click()
    page.get_by_role("option", name=topic, exact=True).click()
    page.get_by_role("button", name="New problem").click()


def test_practice_checks_answers_and_updates_mastery(tmp_path, browser):
    practice = PracticeService(new_store(tmp_path / "tutor.db"))
    with LiveServer(build_page(practice)) as server:
        page = browser.new_page()
        page.goto(server.url)
        expect(mastery_row(page, "Linear equations")).to_contain_text(f"{P0:.0%}", timeout=15_000)

        new_problem(page, "Linear equations")
        expect(page.locator("#practice-problem")).to_contain_text("level 1 of 3", timeout=10_000)
        expect(page.locator("#practice-problem .katex").first).to_be_visible()
        message = latest_problem(practice)
        page.get_by_label("Practice answer").fill(message.reference_answer)
        page.get_by_role("button", name="Check practice answer").click()
        expect(page.locator("#practice-verdict")).to_contain_text("Correct", timeout=15_000)
        high = update(P0, True)
        expect(mastery_row(page, "Linear equations")).to_contain_text(f"{high:.0%}", timeout=10_000)

        new_problem(page, "Linear equations")  # mastery 60%: a harder problem
        expect(page.locator("#practice-problem")).to_contain_text("level 2 of 3", timeout=10_000)
        assert page.get_by_label("Practice answer").input_value() == ""
        page.get_by_label("Practice answer").fill("x = 123457")
        page.get_by_label("Practice answer").press("Enter")
        expect(page.locator("#practice-verdict")).to_contain_text("Not quite", timeout=15_000)
        expect(mastery_row(page, "Linear equations")).to_contain_text(f"{update(high, False):.0%}", timeout=10_000)
        expect(mastery_row(page, "Quadratic equations")).to_contain_text(f"{P0:.0%}")

        # an unreadable answer is quoted as typed (never as Markdown or HTML), marks nothing, moves no mastery
        page.get_by_label("Practice answer").fill("**x = 1**")
        page.get_by_role("button", name="Check practice answer").click()
        expect(page.locator("#practice-verdict")).to_contain_text(
            "could not read your answer near “**x = 1**”", timeout=15_000
        )
        assert page.locator("#practice-verdict strong").count() == 0
        page.get_by_label("Practice answer").fill('<img src=x onerror="window.pwned=1">')
        page.get_by_role("button", name="Check practice answer").click()
        expect(page.locator("#practice-verdict")).to_contain_text("onerror", timeout=15_000)
        assert page.locator("#practice-verdict img").count() == 0 and page.evaluate("window.pwned === undefined")
        expect(mastery_row(page, "Linear equations")).to_contain_text(f"{update(high, False):.0%}")

        # the tutor picks the least-mastered topic: every other one is still at the prior
        new_problem(page, "Let the tutor pick")
        expect(page.locator("#practice-problem")).not_to_contain_text("Linear equations", timeout=10_000)
        expect(page.locator("#practice-problem")).to_contain_text("level 1 of 3")

        # mastery survives a reload (the identity is kept in the browser)
        page.reload()
        expect(mastery_row(page, "Linear equations")).to_contain_text(f"{update(high, False):.0%}", timeout=15_000)
        page.close()


def test_working_tab_points_at_the_first_wrong_line(tmp_path, browser):
    practice = PracticeService(new_store(tmp_path / "tutor.db"))
    with LiveServer(build_page(practice)) as server:
        page = browser.new_page()
        page.goto(server.url)
        page.get_by_role("tab", name="Check my working").click()
        page.get_by_label("Your working").fill("2x + 3 = 7\n2x = 5\nx = 2.5")
        page.get_by_role("button", name="Check my working").click()
        report = page.locator("#working-report")
        expect(report).to_contain_text("Line 2 does not follow from line 1", timeout=15_000)
        items = report.locator("li")
        expect(items).to_have_count(3)
        expect(items.nth(0)).to_contain_text("✓")
        expect(items.nth(1)).to_contain_text("✗")
        expect(items.nth(1)).to_contain_text("first wrong step")
        expect(items.nth(2)).not_to_contain_text("✗")
        assert report.locator(".katex").count() >= 3  # each line as the checker read it, and the message's maths

        # the student's own text is shown as typed, never as HTML or maths
        page.get_by_label("Your working").fill(
            '2x = 4\n<img src=x onerror="window.pwned=1"> \\(\\href{javascript:alert(1)}{x}\\)'
        )
        page.get_by_role("button", name="Check my working").click()
        expect(report).to_contain_text("could not read line 2", timeout=15_000)
        expect(report.locator("li").nth(1)).to_contain_text("<img src=x")
        assert report.locator("img").count() == 0
        assert page.evaluate("window.pwned === undefined")
        page.close()


# -- the student's text as it reaches Markdown: shown as typed, never as markup --------------

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MARKDOWN = MarkdownIt("commonmark", {"html": True})
LINE = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=80).map(lambda t: " ".join(t.split()))


@FUZZ
@given(LINE.filter(bool))
def test_verdict_text_is_plain(text):
    assert MARKDOWN.render(plain_markdown(text)) == f"<p>{html.escape(text).replace('&#x27;', chr(39))}</p>\n"


@FUZZ
@given(LINE.filter(lambda t: t.strip() and len(t) < 120))
def test_unreadable_lines_are_code(text):
    rendered = MARKDOWN.render(literal_code(text))
    assert rendered == f"<p><code>{html.escape(text).replace('&#x27;', chr(39))}</code></p>\n"
