"""Issue 11 row 10: anonymous records, join limits, code rotation and bulk removal.

Real SQLite files throughout; the HTTP tests serve the real app on loopback and drive it with
gradio_client (the student page) and gradio_client signed in (the teacher page); the CLI test
runs ``python -m storage.admin`` as an administrator would.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError
from playwright.sync_api import expect
from sqlalchemy import func, select

from storage.models import Student
from storage.school import ClassFull
from tests.conftest import LiveServer, new_store
from tests.pg import postgres_server, postgres_url  # noqa: F401 - fixtures
from tests.support import PASSWORD_A, PASSWORD_B, sign_in, two_teachers
from tutor.backends import GenerationSettings
from tutor.backends.scripted import ScriptedBackend
from tutor.generation.rate_limit import JoinLimits
from tutor.service import JOIN_LOCKED, TutorService
from ui.server import build_app

ROOT = Path(__file__).resolve().parent.parent


def fresh(i: int, prefix: str = "fresh") -> str:
    return f"{prefix}-{i:06d}-" + "x" * 12


def students(store) -> int:
    with store._engine.connect() as conn:
        return conn.scalar(select(func.count(Student.id)))


def make_service(store) -> TutorService:
    return TutorService(ScriptedBackend(["Add: ", "\\boxed{4}"]), store, GenerationSettings())


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# -- 1. a student row on first real use only ---------------------------------------------


def test_reads_create_no_student_and_write_nothing(store) -> None:
    svc = make_service(store)
    for i in range(300):
        token = fresh(i)
        assert svc.history(token) == []
        assert svc.session(token, 1) is None
        assert svc.current_class(token) is None
        assert svc.known_student(token) is None
    assert svc.history("not a token!") == [] and svc.current_class(None) is None  # bad input: nothing, no crash
    assert students(store) == 0

    views = list(svc.ask(fresh(1), "What is 2+2?"))
    assert views[-1].status == "complete"
    assert students(store) == 1
    assert [s.title for s in svc.history(fresh(1))] == ["What is 2+2?"]
    assert students(store) == 1


def test_reading_a_known_student_does_not_write_last_active(store) -> None:
    svc = make_service(store)
    list(svc.ask(fresh(1), "What is 2+2?"))
    with store._engine.begin() as conn:  # pretend the student was last active long ago
        conn.exec_driver_sql("UPDATE students SET last_active_at = '2020-01-01 00:00:00.000000'")
    svc.history(fresh(1))
    svc.current_class(fresh(1))
    svc.session(fresh(1), 1)
    with store._engine.connect() as conn:
        assert conn.scalar(select(Student.last_active_at)).year == 2020
    store.student_for_token(fresh(1))  # real use marks them active
    with store._engine.connect() as conn:
        assert conn.scalar(select(Student.last_active_at)).year > 2020


def test_loading_the_page_and_reading_history_over_http_create_no_student(tmp_path, browser) -> None:
    store = new_store(tmp_path / "tutor.db")
    with LiveServer(build_app(make_service(store), tmp_path)) as server:
        page = browser.new_page()
        page.goto(server.url)
        box = page.get_by_label("Question")
        expect(box).to_be_editable(timeout=20_000)  # the page load has run (it gives the identity)
        expect(page.get_by_text("Your sessions")).to_be_visible()
        client = Client(server.url + "/", verbose=False)
        for i in range(300):
            client.predict({"token": fresh(i)}, api_name="/history")
        assert students(store) == 0
        box.fill("What is 2+2?")
        box.press("Enter")
        page.locator("#conversation").get_by_text("Final answer").wait_for(timeout=20_000)
        assert students(store) == 1
        page.close()


# -- 2. join limits ---------------------------------------------------------------------


def test_join_limits_per_identity_and_address_lockout() -> None:
    clock = Clock()
    limits = JoinLimits(clock=clock)
    assert [limits.student.hit("t") for _ in range(5)] == [0.0] * 5
    assert limits.student.hit("t") == pytest.approx(60.0)
    for _ in range(19):
        limits.wrong_code("10.0.0.1")
    assert limits.locked_for("10.0.0.1") == 0.0
    limits.wrong_code("10.0.0.1")  # the 20th wrong code in 10 minutes
    assert limits.locked_for("10.0.0.1") == pytest.approx(600.0)
    assert limits.locked_for("10.0.0.2") == 0.0 and limits.locked_for(None) == 0.0
    clock.now += 601
    assert limits.locked_for("10.0.0.1") == 0.0
    for _ in range(19):  # spread over more than 10 minutes: no lockout
        limits.wrong_code("10.0.0.3")
        clock.now += 40
    limits.wrong_code("10.0.0.3")
    assert limits.locked_for("10.0.0.3") == 0.0


@pytest.fixture
def school_world(tmp_path):
    store = new_store(tmp_path / "tutor.db")
    svc = make_service(store)
    school = svc.school
    a, b = (
        school.add_teacher(username="ms_lee", password=PASSWORD_A),
        school.add_teacher(username="mr_k", password=PASSWORD_B),
    )
    return (
        svc,
        school,
        a,
        b,
        school.create_class(teacher_id=a.id, name="Lee 9A"),
        school.create_class(teacher_id=b.id, name="K 10B"),
    )


def test_wrong_codes_create_no_student_and_lock_the_address(school_world) -> None:
    svc, school, a, _, class_a, _ = school_world
    assert svc.join_class(fresh(0), "Ada", class_a.join_code, "10.0.0.1") == "You joined Lee 9A as Ada."
    assert students(svc.store) == 1
    for i in range(1, 21):  # a fresh identity per guess: the per-identity limit does not help
        assert svc.join_class(fresh(i), "Eve", f"ZZZ{i:03d}", "10.0.0.1").startswith("No class has that code")
    assert students(svc.store) == 1  # wrong codes made no rows
    locked = svc.join_class(fresh(99), "Bob", class_a.join_code, "10.0.0.1")
    assert locked == JOIN_LOCKED.format(minutes=10)
    assert [n for _, n in school.class_students(teacher_id=a.id, class_id=class_a.id)] == ["Ada"]
    # Ada, already in the class, may re-send its code (to change her name): no oracle, she holds it.
    assert svc.join_class(fresh(0), "Ada L", class_a.join_code.lower(), "10.0.0.1") == "You joined Lee 9A as Ada L."
    assert svc.join_class(fresh(0), "Ada L", "ZZZ999", "10.0.0.1") == JOIN_LOCKED.format(minutes=10)
    # another address is not locked
    assert svc.join_class(fresh(99), "Bob", class_a.join_code, "10.0.0.2") == "You joined Lee 9A as Bob."


def test_one_identity_joins_at_most_five_times_a_minute(school_world) -> None:
    svc, *_, class_a, _ = school_world
    said = [svc.join_class(fresh(0), f"Ada {i}", class_a.join_code, "10.0.0.1") for i in range(6)]
    assert all(s.startswith("You joined") for s in said[:5])
    assert said[5].startswith("You have tried to join a class too often. Please wait")
    assert svc.join_class("bad token", "Ada", class_a.join_code) == "This page has lost its identity. Please reload it."
    assert svc.join_class(fresh(1), None, 42) == "Type your name and the class code your teacher gave you."  # type: ignore[arg-type]


def test_a_full_class_refuses_new_students_but_keeps_its_own(school_world) -> None:
    svc, school, a, _, class_a, _ = school_world
    for i in range(3):
        school.join_class(
            student_id=svc.store.student_for_token(fresh(i)).id, name=f"S{i}", code=class_a.join_code, max_size=3
        )
    newcomer = svc.store.student_for_token(fresh(9)).id
    with pytest.raises(ClassFull):
        school.join_class(student_id=newcomer, name="Late", code=class_a.join_code, max_size=3)
    assert (
        school.join_class(
            student_id=svc.store.student_for_token(fresh(0)).id, name="S0 renamed", code=class_a.join_code, max_size=3
        )
        is not None
    )
    assert len(school.class_students(teacher_id=a.id, class_id=class_a.id)) == 3


def test_a_roster_cannot_be_flooded_past_200(school_world) -> None:
    svc, school, a, _, class_a, _ = school_world
    for i in range(200):  # many addresses, so only the class size stops them
        assert svc.join_class(fresh(i), "Alice", class_a.join_code, f"10.1.{i // 250}.{i % 250}").startswith(
            "You joined"
        )
    refused = svc.join_class(fresh(200), "Alice", class_a.join_code, "10.2.0.1")
    assert refused == "Lee 9A is full (200 students). Please ask your teacher."
    assert len(school.class_students(teacher_id=a.id, class_id=class_a.id)) == 200


def test_join_limits_over_http(tmp_path) -> None:
    store = new_store(tmp_path / "tutor.db")
    svc = make_service(store)
    teacher = svc.school.add_teacher(username="ms_lee", password=PASSWORD_A)
    code = svc.school.create_class(teacher_id=teacher.id, name="Lee 9A").join_code
    with LiveServer(build_app(svc, tmp_path)) as server:
        client = Client(server.url + "/", verbose=False)
        join = lambda token, code, name="Ada": client.predict(name, code, {"token": token}, api_name="/join_class")  # noqa: E731
        assert join(fresh(0), code) == "You joined Lee 9A as Ada."
        assert [join(fresh(0), code)[:10] for _ in range(4)] == ["You joined"] * 4
        assert join(fresh(0), code).startswith("You have tried to join a class too often")
        for i in range(1, 21):
            assert join(fresh(i), f"QQQ{i:03d}").startswith("No class has that code")
        assert join(fresh(50), code, "Bob") == JOIN_LOCKED.format(minutes=10)  # the loopback address is locked
        assert students(store) == 1
        assert [n for _, n in svc.school.class_students(teacher_id=teacher.id, class_id=1)] == ["Ada"]


# -- 3. code rotation -------------------------------------------------------------------


def test_rotating_a_code_revokes_it_and_keeps_the_class(school_world) -> None:
    svc, school, a, b, class_a, class_b = school_world
    assert svc.join_class(fresh(0), "Ada", class_a.join_code, "10.0.0.1").startswith("You joined")
    assert school.rotate_code(teacher_id=b.id, class_id=class_a.id) is None  # not B's class
    assert school.rotate_code(teacher_id=a.id, class_id=10_000) is None
    rotated = school.rotate_code(teacher_id=a.id, class_id=class_a.id)
    assert rotated.id == class_a.id and rotated.join_code != class_a.join_code and len(rotated.join_code) == 6
    assert school.class_for_code(class_a.join_code) is None
    assert svc.join_class(fresh(1), "Bob", class_a.join_code, "10.0.0.1").startswith("No class has that code")
    assert svc.join_class(fresh(1), "Bob", rotated.join_code, "10.0.0.1") == "You joined Lee 9A as Bob."
    assert [n for _, n in school.class_students(teacher_id=a.id, class_id=class_a.id)] == ["Ada", "Bob"]
    assert svc.current_class(fresh(0)) == "Lee 9A"
    assert school.rotate_code_by_code("nope") is None and school.rotate_code_by_code("") is None
    again = school.rotate_code_by_code(rotated.join_code.lower())
    assert again.id == class_a.id and again.join_code not in (rotated.join_code, class_a.join_code)
    assert school.class_for_code(class_b.join_code).id == class_b.id  # other classes untouched


def test_rotate_code_command(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/tutor.db"
    store = new_store(tmp_path / "tutor.db")
    school = make_service(store).school
    teacher = school.add_teacher(username="ms_lee", password=PASSWORD_A)
    old = school.create_class(teacher_id=teacher.id, name="Lee 9A").join_code
    school.join_class(student_id=store.student_for_token(fresh(0)).id, name="Ada", code=old)
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "storage.admin", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TUTOR_DATABASE_URL": url},
    )
    done = run("rotate-code", old.lower())
    assert done.returncode == 0, done.stderr
    new = done.stdout.strip().splitlines()[-1]
    assert len(new) == 6 and new.isalnum() and new.isupper() and new != old
    assert school.class_for_code(old) is None and school.class_for_code(new).name == "Lee 9A"
    assert [n for _, n in school.class_students(teacher_id=teacher.id, class_id=1)] == ["Ada"]
    missing = run("rotate-code", old)
    assert missing.returncode != 0 and "no class with the code" in missing.stderr


# -- 4. bulk removal --------------------------------------------------------------------


def test_remove_students_only_within_the_teachers_own_class(school_world) -> None:
    svc, school, a, b, class_a, class_b = school_world
    ids = [svc.store.student_for_token(fresh(i)).id for i in range(4)]
    for i in ids[:3]:
        school.join_class(student_id=i, name=f"Alice {i}", code=class_a.join_code)
    school.join_class(student_id=ids[3], name="Bob", code=class_b.join_code)
    list(svc.ask(fresh(0), "What is 2+2?"))
    assert school.remove_students(teacher_id=b.id, class_id=class_a.id, student_ids=ids) == 0  # not B's class
    assert (
        school.remove_students(teacher_id=a.id, class_id=class_a.id, student_ids=[ids[3], "1", None, True, 10_000]) == 0
    )  # forged ids: nothing
    assert school.remove_students(teacher_id=a.id, class_id=class_a.id, student_ids=[]) == 0
    assert school.remove_students(teacher_id=a.id, class_id=class_a.id, student_ids=[ids[0], ids[1], ids[3]]) == 2
    assert [i for i, _ in school.class_students(teacher_id=a.id, class_id=class_a.id)] == [ids[2]]
    assert [n for _, n in school.class_students(teacher_id=b.id, class_id=class_b.id)] == ["Bob"]
    assert svc.current_class(fresh(0)) is None
    assert [s.title for s in svc.history(fresh(0))] == ["What is 2+2?"]  # their own history stays
    assert svc.store.find_student(fresh(0)).display_name is None


@pytest.fixture
def served(tmp_path):
    store = new_store(tmp_path / "tutor.db")
    svc = make_service(store)
    school = svc.school
    a, b, class_a, class_b = two_teachers(school)
    for i, name in enumerate(("Ada", "Alice", "Alice")):
        svc.join_class(fresh(i), name, class_a.join_code)
    svc.join_class(fresh(9), "Bob", class_b.join_code)
    with LiveServer(build_app(svc, tmp_path)) as server:
        yield server.url, svc, school, a, b, class_a, class_b


def test_rotate_and_remove_from_the_teacher_page_over_http(served) -> None:
    url, svc, school, a, b, class_a, class_b = served
    lee = Client(url + "/teacher/", auth=("ms_lee", PASSWORD_A), verbose=False)
    lee.predict(api_name="/whoami")
    refreshed = lee.predict(class_a.id, 0, "", "", "", "", api_name="/refresh")
    assert [label.split(" · ")[0] for label, _ in refreshed[7]["choices"]] == ["Ada", "Alice", "Alice"]

    said, _ = lee.predict(class_a.id, api_name="/rotate_code")
    new_code = school.class_for_teacher(teacher_id=a.id, class_id=class_a.id).join_code
    assert new_code != class_a.join_code and new_code in said and "no longer works" in said
    assert svc.join_class(fresh(20), "Late", class_a.join_code, "10.0.0.5").startswith("No class has that code")
    assert svc.join_class(fresh(20), "Late", new_code, "10.0.0.5") == "You joined Lee 9A as Late."
    with pytest.raises(AppError):  # B's class is not among this teacher's choices, and not theirs
        lee.predict(class_b.id, api_name="/rotate_code")
    assert school.class_for_teacher(teacher_id=b.id, class_id=class_b.id).join_code == class_b.join_code

    lee.predict(class_a.id, 0, "", "", "", "", api_name="/refresh")  # the roster now offers Late too
    alices = [i for i, n in school.class_students(teacher_id=a.id, class_id=class_a.id) if n == "Alice"]
    with pytest.raises(AppError, match="Type REMOVE"):
        lee.predict(class_a.id, alices, "remove", api_name="/remove_students")
    assert len(school.class_students(teacher_id=a.id, class_id=class_a.id)) == 4
    said, confirm, _ = lee.predict(class_a.id, alices, "REMOVE", api_name="/remove_students")
    assert said == "2 students removed from the class." and confirm == ""
    assert [n for _, n in school.class_students(teacher_id=a.id, class_id=class_a.id)] == ["Ada", "Late"]

    bob = school.class_students(teacher_id=b.id, class_id=class_b.id)[0][0]
    with pytest.raises(AppError):  # a forged id from another class: refused, and nothing happens
        lee.predict(class_a.id, [bob], "REMOVE", api_name="/remove_students")
    assert [n for _, n in school.class_students(teacher_id=b.id, class_id=class_b.id)] == ["Bob"]


def test_teacher_rotates_the_code_and_removes_students_in_the_browser(served, browser) -> None:
    url, _svc, school, a, b, class_a, class_b = served
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    sign_in(page, url, "ms_lee", PASSWORD_A)
    expect(page.get_by_text(f"Join code: {class_a.join_code}")).to_be_visible(timeout=15_000)
    page.get_by_text("Join code and roster").click()
    page.get_by_role("button", name="New join code").click()
    expect(page.get_by_text("The old code no longer works.")).to_be_visible(timeout=10_000)
    new_code = school.class_for_teacher(teacher_id=a.id, class_id=class_a.id).join_code
    assert new_code != class_a.join_code
    expect(page.get_by_text(re.compile(f"^Join code: {new_code}"))).to_be_visible(timeout=10_000)
    assert school.class_for_code(class_a.join_code) is None

    alices = [i for i, n in school.class_students(teacher_id=a.id, class_id=class_a.id) if n == "Alice"]
    page.get_by_label("Students to remove").click()
    for i in alices:  # both Alices, told apart by their numbers
        page.get_by_role("option", name=f"Alice · #{i}").click()
    page.get_by_role("button", name="Remove from class").click()
    expect(page.get_by_text("Type REMOVE to confirm.").last).to_be_visible(timeout=10_000)
    assert len(school.class_students(teacher_id=a.id, class_id=class_a.id)) == 3
    page.get_by_label("Type REMOVE to confirm").fill("REMOVE")
    page.get_by_role("button", name="Remove from class").click()
    expect(page.get_by_text("2 students removed from the class.")).to_be_visible(timeout=10_000)
    assert [n for _, n in school.class_students(teacher_id=a.id, class_id=class_a.id)] == ["Ada"]
    expect(page.get_by_role("grid", name="Students")).not_to_contain_text("Alice", timeout=10_000)
    page.screenshot(path="/tmp/teacher-roster.png", full_page=True)
    assert [n for _, n in school.class_students(teacher_id=b.id, class_id=class_b.id)] == ["Bob"]
    context.close()


def _storage_checks(store) -> None:
    """Rotation, bulk removal, the class cap and read-only lookups against one database."""
    school = make_service(store).school
    a, b, class_a, class_b = two_teachers(school)
    assert store.find_student(fresh(0)) is None and students(store) == 0
    ids = [store.student_for_token(fresh(i)).id for i in range(4)]
    assert store.find_student(fresh(0)).id == ids[0]
    for i in ids[:3]:
        school.join_class(student_id=i, name="Alice", code=class_a.join_code, max_size=3)
    with pytest.raises(ClassFull):
        school.join_class(student_id=ids[3], name="Late", code=class_a.join_code, max_size=3)
    school.join_class(student_id=ids[3], name="Bob", code=class_b.join_code)
    rotated = school.rotate_code(teacher_id=a.id, class_id=class_a.id)
    assert (
        school.class_for_code(class_a.join_code) is None and school.class_for_code(rotated.join_code).id == class_a.id
    )
    assert school.rotate_code(teacher_id=b.id, class_id=class_a.id) is None
    assert school.remove_students(teacher_id=a.id, class_id=class_a.id, student_ids=[ids[0], ids[3]]) == 1
    assert school.remove_students(teacher_id=b.id, class_id=class_a.id, student_ids=ids) == 0
    assert [i for i, _ in school.class_students(teacher_id=a.id, class_id=class_a.id)] == ids[1:3]
    assert [n for _, n in school.class_students(teacher_id=b.id, class_id=class_b.id)] == ["Bob"]


def test_storage_checks_on_sqlite(store) -> None:
    _storage_checks(store)


def test_storage_checks_on_postgresql(postgres_url: str) -> None:  # noqa: F811
    from storage import Store, make_engine, upgrade

    engine = make_engine(postgres_url)
    try:
        upgrade(engine)
        _storage_checks(Store(engine))
    finally:
        engine.dispose()


def test_check_and_stop_with_fresh_tokens_create_no_rows(tmp_path) -> None:
    """Checking an answer or pressing Stop is not a first real use when nothing was asked."""
    from sqlalchemy import func, select

    from storage.models import Student
    from tests.conftest import new_store
    from tutor.backends import GenerationSettings
    from tutor.backends.scripted import ScriptedBackend
    from tutor.service import TutorService

    store = new_store(tmp_path / "fresh.db")
    svc = TutorService(ScriptedBackend(["x"]), store, GenerationSettings())
    for i in range(50):
        token = f"fresh-token-{i:04d}-aaaaaaaa"
        assert svc.check(token, 1, "4").verdict is None
        assert svc.stop(token) is False
    with store._engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Student)).scalar() == 0
