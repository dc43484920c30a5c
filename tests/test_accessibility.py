"""The student page audited by axe-core after a streamed reply, on a laptop and a phone; the
phone layout fits its screen; the page works from the keyboard alone.

axe-core is the npm package pinned in ``tests/axe/package.json``, installed by the README's
test command (``npm --prefix tests/axe install``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import LiveServer, new_store
from tutor.backends import GenerationSettings
from tutor.backends.scripted import ScriptedBackend
from tutor.service import TutorService
from ui.server import build_app

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SCRIPT = [
    "<think>",
    "Subtract 5 from both sides, ",
    "then divide by 3.",
    "</think>",
    "\n1. Subtract 5: $3x = 6$.\n",
    "2. Divide by 3: $$x = \\frac{6}{3}$$\n",
    "So \\(x = 2\\).\n\n",
    "\\boxed{2}",
]
LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("a11y")
    service = TutorService(ScriptedBackend(SCRIPT, delay=0.05), new_store(tmp / "t.db"), GenerationSettings())
    with LiveServer(build_app(service, tmp)) as live:
        yield live


def conversation_with_a_reply(browser, server, viewport, phone=False):
    context = browser.new_context(
        viewport=viewport, is_mobile=phone, has_touch=phone, bypass_csp=True
    )  # axe is injected inline
    page = context.new_page()
    page.goto(server.url)
    page.get_by_label("Question").fill("Solve 3x + 5 = 11")
    page.get_by_label("Question").press("Enter")
    chat = page.locator("#conversation")
    expect(chat.get_by_text("Verified by computer algebra")).to_be_visible(timeout=20_000)
    page.get_by_label("Your answer").fill("x = 2")
    page.get_by_label("Your answer").press("Enter")
    expect(chat.get_by_text(re.compile("^Correct"))).to_be_visible(timeout=10_000)
    return context, page


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_axe_finds_nothing_serious_after_a_streamed_reply(browser, server, viewport):
    assert AXE.exists(), "axe-core is missing: run `npm --prefix tests/axe install` (the README's test command does)"
    context, page = conversation_with_a_reply(browser, server, viewport, phone=viewport is PHONE)
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.html.slice(0, 120))}))"
    )
    assert [v for v in violations if v["impact"] in ("serious", "critical")] == []
    assert page.locator("#conversation .katex-mathml math").count() >= 3  # the maths, for screen readers
    context.close()


def test_the_phone_layout_fits_and_the_question_box_stays_reachable(browser, server):
    context, page = conversation_with_a_reply(browser, server, PHONE, phone=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing wider than the screen
    sidebar_box = page.locator("#sidebar").bounding_box()
    assert sidebar_box is None or sidebar_box["x"] + sidebar_box["width"] <= 40  # folded away on a phone
    page.set_viewport_size({"width": 390, "height": 460})  # the on-screen keyboard takes the lower half
    box = page.get_by_label("Question")
    box.focus()
    box.scroll_into_view_if_needed()
    for control in (box, page.get_by_role("button", name="Solve")):
        where = control.bounding_box()
        assert where is not None and where["y"] >= 0 and where["y"] + where["height"] <= 460, where
    box.fill("Now solve 2x = 8")
    box.press("Enter")
    expect(page.locator("#conversation .user-row")).to_have_count(3, timeout=10_000)
    context.close()


def test_the_page_works_from_the_keyboard(browser, server):
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.goto(server.url)
    expect(page.get_by_label("Question")).to_be_editable(timeout=15_000)
    seen = []
    for _ in range(40):  # Tab from the top reaches the Question box, past the conversation list
        page.keyboard.press("Tab")
        seen.append(
            page.evaluate(
                "document.activeElement.getAttribute('aria-label') || document.activeElement.innerText"
                " || document.activeElement.tagName"
            )
        )
        if page.get_by_label("Question").evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail(f"Tab never reached the Question box: {seen}")
    page.keyboard.type("Solve 3x + 5 = 11")
    page.keyboard.press("Enter")  # Enter sends
    expect(page.locator("#conversation").get_by_text("Verified by computer algebra")).to_be_visible(timeout=20_000)
    conversations = page.get_by_label("Your sessions")  # the list, named for screen readers
    expect(conversations).to_have_attribute("role", "radiogroup")
    expect(conversations.get_by_role("radio", name=re.compile("Solve 3x"))).to_be_checked()
    page.keyboard.press("Tab")  # Solve (Stop is gone), then the guided row is hidden: on to the mode and the answer box
    expect(page.locator("#sidebar")).to_have_class(re.compile(r"\bopen\b"))
    page.keyboard.press("Escape")  # Escape folds the conversation list
    expect(page.locator("#sidebar")).not_to_have_class(re.compile(r"\bopen\b"))
    context.close()
