"""The teacher page in headless Chromium.

- As a new user would: the app starts with a teacher account, the teacher creates a class,
  a student joins it from a second browser, asks and checks an answer; the teacher signs in,
  reads the transcript (LaTeX rendered), sees a flag and a plot, marks the flag reviewed and
  exports the class.
- Hostile model and student text renders inert in the transcript.
"""

from __future__ import annotations

import csv
import io
import re
import time
from pathlib import Path

from playwright.sync_api import expect

from storage.admin import bootstrap_teacher
from tests.conftest import LiveServer, new_store
from tests.support import (
    PASSWORD,
    sign_in,
)
from tutor.backends import GenerationSettings
from tutor.backends.scripted import ScriptedBackend
from tutor.service import TutorService
from ui.server import build_app

SCRIPT = [
    "<think>",
    "Subtract 5, then divide by 3.",
    "</think>",
    "\n1. Subtract 5: $3x = 6$.\n",
    "2. Divide by 3: $$x = \\frac{6}{3}$$\n",
    "\\boxed{2}",
]


def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_teacher_reviews_a_class_a_student_joined(tmp_path, browser) -> None:
    store = new_store(tmp_path / "tutor.db")
    service = TutorService(ScriptedBackend(SCRIPT, delay=0.05), store, GenerationSettings())
    bootstrap_teacher(service.school, "ms_lee", PASSWORD)  # what app.py does with TUTOR_TEACHER_USER/PASSWORD
    with LiveServer(build_app(service, tmp_path)) as server:
        teacher_ctx = browser.new_context(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
        teacher = teacher_ctx.new_page()
        sign_in(teacher, server.url)
        teacher.get_by_text("New class").click()
        teacher.get_by_label("New class name").fill("Year 9 maths")
        teacher.get_by_role("button", name="Create class").click()
        code_line = teacher.get_by_text(re.compile(r"Join code: [A-Z0-9]{6}"))
        expect(code_line).to_be_visible(timeout=15_000)
        code = re.search(r"Join code: ([A-Z0-9]{6})", code_line.inner_text()).group(1)

        student_ctx = browser.new_context()
        student = student_ctx.new_page()
        student.goto(server.url)
        box = student.get_by_label("Question")
        box.fill("Solve 3x + 5 = 11")  # asked before joining: comes along into the class
        box.press("Enter")
        expect(student.locator("#conversation").get_by_text("Final answer")).to_be_visible(timeout=20_000)
        student.get_by_label("Your name").fill("Ada Lovelace")
        student.get_by_label("Class code").fill(code.lower())
        student.get_by_role("button", name="Join class").click()
        expect(student.get_by_text("You joined Year 9 maths as Ada Lovelace.")).to_be_visible(timeout=10_000)
        me = service.school.teacher("ms_lee").id
        [year9] = service.school.classes_for_teacher(me)
        for n, (answer, verdict) in enumerate(
            (("1", "Not quite"), ("4", "Not quite"), ("5", "Not quite"), ("x = 2", "Correct")), 1
        ):
            student.get_by_label("Your answer").fill(answer)
            student.get_by_role("button", name="Check answer").click()
            expect(student.locator("#conversation .bot-row").last).to_contain_text(verdict, timeout=10_000)
            wait_until(
                lambda n=n: len(service.school.attempt_points(teacher_id=me, class_id=year9.id)) == n
            )  # same verdict text twice in a row
            expect(student.locator("#conversation .user-row")).to_have_count(
                n + 1
            )  # every answer stays in the conversation
        student.screenshot(path="/tmp/teacher-e2e-student.png", full_page=True)

        teacher.get_by_role("button", name="Apply filters").click()
        students = teacher.get_by_role("grid", name="Students")
        expect(students).to_contain_text("Ada Lovelace", timeout=15_000)
        expect(students).to_contain_text("25%")  # 1 of 4 answers right
        teacher.screenshot(path="/tmp/teacher-e2e-overview.png", full_page=True)

        teacher.get_by_role("grid", name=re.compile("Sessions")).locator("span", has_text="Solve 3x + 5 = 11").click()
        transcript = teacher.locator(".transcript")
        expect(transcript.get_by_text("Answer attempts")).to_be_visible(timeout=15_000)
        expect(transcript.locator(".katex").first).to_be_visible(timeout=10_000)
        assert transcript.locator(".math-display .katex-display").count() >= 1
        expect(transcript.get_by_text("Thinking")).to_be_visible()
        expect(transcript.get_by_text("Subtract 5, then divide by 3.")).to_be_hidden()  # reasoning collapsed
        transcript.get_by_text("Thinking").click()
        expect(transcript.get_by_text("Subtract 5, then divide by 3.")).to_be_visible()
        expect(transcript.locator("td.verdict-correct")).to_have_count(1)
        expect(transcript.locator("td.verdict-wrong")).to_have_count(3)
        expect(transcript.get_by_text(re.compile("Many failed attempts"))).to_be_visible()
        teacher.screenshot(path="/tmp/teacher-e2e-transcript.png", full_page=True)

        teacher.get_by_role("tab", name="Flags").click()
        flags = teacher.get_by_role("grid", name=re.compile("Flags"))
        expect(flags).to_contain_text("Many failed attempts", timeout=10_000)
        flag_number = service.school.flags_for_class(teacher_id=me, class_id=year9.id)[0].flag.id
        teacher.get_by_label("Flag number").fill(str(flag_number))
        teacher.get_by_label("Note").fill("Went through it with Ada on Monday.")
        teacher.get_by_role("button", name="Mark reviewed").click()
        expect(teacher.get_by_text(f"Flag #{flag_number} marked reviewed.")).to_be_visible(timeout=10_000)
        expect(flags).to_contain_text("Went through it with Ada", timeout=10_000)

        teacher.get_by_role("tab", name="Progress").click()
        plot = teacher.locator("img[src^='data:image/png']")
        expect(plot.first).to_be_visible(timeout=20_000)
        assert plot.count() >= 3
        assert teacher.locator("img[src^='data:image/png']").first.evaluate("img => img.naturalWidth") > 300
        teacher.screenshot(path="/tmp/teacher-e2e-progress.png", full_page=True)

        teacher.get_by_role("tab", name="Export").click()
        teacher.get_by_role("button", name="Export").click()
        link = teacher.locator("a[href$='.csv']")
        expect(link).to_be_visible(timeout=15_000)
        with teacher.expect_download() as download_info:
            link.click()
        rows = list(csv.DictReader(io.StringIO(Path(download_info.value.path()).read_text())))
        assert [(r["student"], r["answer"], r["verdict"]) for r in rows] == [
            ("Ada Lovelace", "1", "incorrect"),
            ("Ada Lovelace", "4", "incorrect"),
            ("Ada Lovelace", "5", "incorrect"),
            ("Ada Lovelace", "x = 2", "correct"),
        ]
        teacher.screenshot(path="/tmp/teacher-e2e-export.png", full_page=True)
        student_ctx.close()
        teacher_ctx.close()


HOSTILE = {
    "name": "<img src=x onerror=\"window.__xss='name'\">Mallory",
    "question": (
        "<script>window.__xss='script'</script> <img src=x onerror=\"window.__xss='img'\"> "
        "[click me](javascript:window.__xss='link') $\\href{javascript:window.__xss='href'}{x}$ "
        "$\\htmlData{foo=bar}{y}$ ${window.__xss='template'} {{constructor.constructor('window.__xss=1')()}}"
    ),
    "solution": (
        "<iframe src=\"javascript:window.__xss='iframe'\"></iframe>\n\n![x](javascript:window.__xss='image')\n\n"
        "$$\\url{javascript:window.__xss='url'}$$\n\n<a href=\"javascript:window.__xss='a'\">a</a> and $x^2$"
    ),
    "final": "</span><img src=x onerror=\"window.__xss='final'\">",
    "answer": "<svg onload=\"window.__xss='svg'\"></svg>",
    "note": "<b onmouseover=\"window.__xss='note'\">note</b>",
}


def test_hostile_text_renders_inert_in_the_transcript(tmp_path, browser) -> None:
    store = new_store(tmp_path / "tutor.db")
    service = TutorService(ScriptedBackend(["x"]), store, GenerationSettings())
    school = service.school
    teacher = school.add_teacher(username="ms_lee", password=PASSWORD)
    cls = school.create_class(teacher_id=teacher.id, name="Year 9")
    student = store.student_for_token("m" * 32)
    school.join_class(student_id=student.id, name=HOSTILE["name"], code=cls.join_code)
    session = store.start_session(student_id=student.id, title=HOSTILE["question"])
    message = store.add_question(
        session_id=session.id, question=HOSTILE["question"], model_id="<b>model</b>", settings={}
    )
    store.finish_reply(
        message_id=message.id,
        reasoning=HOSTILE["solution"],
        solution=HOSTILE["solution"],
        final_answer=HOSTILE["final"],
        status="complete",
    )
    store.add_attempt(
        message_id=message.id, answer=HOSTILE["answer"], status="incorrect", correct=False, feedback=HOSTILE["answer"]
    )
    flag = school.raise_flags(message_id=message.id, hits=[("abuse", HOSTILE["note"])])[0]
    school.review_flag(teacher_id=teacher.id, flag_id=flag.id, note=HOSTILE["note"])
    with LiveServer(build_app(service, tmp_path)) as server:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        sign_in(page, server.url)
        expect(page.get_by_role("grid", name="Students")).to_contain_text("Mallory", timeout=15_000)
        page.get_by_role("tab", name="Transcript").click()
        page.get_by_role("combobox", name="Session").click()
        page.get_by_role("option").first.click()
        transcript = page.locator(".transcript")
        expect(transcript.get_by_text("Answer attempts")).to_be_visible(timeout=15_000)
        expect(transcript.locator(".katex").first).to_be_visible(timeout=10_000)
        transcript.get_by_text("Thinking").click()
        for link in transcript.locator("a").all():
            link.click(timeout=2_000, no_wait_after=True)
        page.mouse.move(10, 10)
        page.wait_for_timeout(500)
        assert page.evaluate("window.__xss") is None
        assert dialogs == []
        dangerous = transcript.locator(
            "script, iframe, img[onerror], svg, [onload], [onmouseover], [data-foo], a[href^='javascript'], "
            "img[src^='javascript']"
        )
        assert dangerous.count() == 0
        assert "<script>" in transcript.inner_text()  # shown as text, not run
        page.screenshot(path="/tmp/teacher-xss-transcript.png", full_page=True)
        page.close()
