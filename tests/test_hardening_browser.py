"""Issue 11 rows 13 and 14 in headless Chromium, on both pages' real renderers (Gradio's
Markdown + KaTeX on the student page, the transcript's markdown-it + KaTeX on the teacher's):
a 1.4 KB formula of 200 nested ``\\sqrt{`` shows as text and the tab stays alive; Markdown
images and outside links in model or student text load nothing and show as text."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.conftest import LiveServer, new_store
from tutor.backends import GenerationSettings
from tutor.backends.scripted import ScriptedBackend
from tutor.service import TutorService
from ui.server import build_app

PASSWORD = "correct horse battery"
NEST = "\\sqrt{" * 200 + "x" + "}" * 200
TRACKER = "http://tracker.example/pixel.gif"
HOSTILE = (
    f"Simplify ${NEST}$ and also $x^2$.\n\n![pixel]({TRACKER})\n\n[homework help]({TRACKER}) "
    f'<{TRACKER}> www.tracker.example <img src="{TRACKER}">'
)


def _outside_requests(page) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if "tracker.example" in r.url else None)
    return seen


def _assert_inert(page, box) -> None:
    assert page.evaluate("1 + 1") == 2  # the renderer is alive
    expect(box.locator(".katex").first).to_be_visible(timeout=10_000)  # the small formula still renders
    assert box.locator("img").count() == 0
    assert box.locator("a[href*='tracker']").count() == 0
    assert box.locator("code", has_text="\\sqrt{\\sqrt{").count() >= 1  # the bomb, as text
    assert "tracker.example" in box.inner_text()  # the addresses are shown, as text


def test_student_page_shows_bombs_images_and_links_as_text(tmp_path, browser) -> None:
    service = TutorService(ScriptedBackend([HOSTILE]), new_store(tmp_path / "tutor.db"), GenerationSettings())
    with LiveServer(build_app(service, tmp_path)) as server:
        page = browser.new_page()
        outside = _outside_requests(page)
        page.goto(server.url)
        question = page.get_by_label("Question")
        question.fill(f"Simplify ${NEST}$")
        question.press("Enter")
        expect(page.get_by_role("button", name="Stop")).to_be_hidden(timeout=20_000)
        solution = page.locator("#conversation .bot-row").first
        expect(solution).to_contain_text("homework help", timeout=15_000)
        _assert_inert(page, solution)
        page.wait_for_timeout(300)
        assert outside == []
        page.close()


def test_teacher_transcript_shows_bombs_images_and_links_as_text(tmp_path, browser) -> None:
    store = new_store(tmp_path / "tutor.db")
    service = TutorService(ScriptedBackend([HOSTILE]), store, GenerationSettings())
    school = service.school
    teacher = school.add_teacher(username="ms_lee", password=PASSWORD)
    cls = school.create_class(teacher_id=teacher.id, name="Year 9")
    token = "b" * 32
    service.join_class(token, "Mallory", cls.join_code)
    list(service.ask(token, f"Simplify ${NEST}$ ![pixel]({TRACKER}) [see]({TRACKER})"))
    with LiveServer(build_app(service, tmp_path)) as server:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        outside = _outside_requests(page)
        crashed: list[bool] = []
        page.on("crash", lambda _page: crashed.append(True))
        page.goto(server.url + "/teacher")
        page.get_by_label("Username").fill("ms_lee")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_label("Password").press("Enter")
        expect(page.get_by_role("grid", name="Students")).to_contain_text("Mallory", timeout=20_000)
        page.get_by_role("tab", name="Transcript").click()
        page.get_by_role("combobox", name="Session").click()
        page.get_by_role("option").first.click()
        transcript = page.locator(".transcript")
        expect(transcript.locator(".question")).to_contain_text("see", timeout=15_000)
        _assert_inert(page, transcript)
        assert transcript.locator(".question code", has_text="\\sqrt{\\sqrt{").count() == 1
        page.wait_for_timeout(300)
        assert outside == [] and crashed == []
        page.close()
