"""Practice with mastery and "check my working", with the real checker, on a SQLite file and on
a real PostgreSQL server (skipped, with the reason, where PostgreSQL is not installed)."""

from __future__ import annotations

import random
import threading
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import delete, func, inspect, select, text

from storage import PracticeStore, Store, make_engine, upgrade
from storage.db import MIGRATIONS
from storage.models import Attempt, Mastery, Student
from tests.pg import database_url, postgres_server, postgres_url  # noqa: F401 - fixtures
from tutor.checking import warm_up
from tutor.checking.step_check import check_working
from tutor.teaching.mastery import BKTParams, update
from tutor.teaching.practice import TOPICS, from_id
from tutor.teaching.practice_service import (
    MODEL_ID,
    NO_PROBLEM,
    PracticeService,
    TooFast,
    WorkingChecker,
)

ME = "me-" + "a" * 20
YOU = "you-" + "b" * 20
P0 = BKTParams().p_init


@pytest.fixture
def practice(database_url: str):  # noqa: F811
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        yield PracticeService(Store(engine), rng=random.Random(7))
    finally:
        engine.dispose()


def wrong_answer(reference: str) -> str:
    """Wrong for the linear and quadratic problems (an equation) and for fractions (a number)."""
    return "x = 123457" if reference.startswith("x") else "123457"


def detail_of(practice: PracticeService, token: str):
    student = practice.store.student_for_token(token)
    sessions = practice.store.sessions_for_student(student.id)
    return [practice.store.session_detail(session_id=s.id, student_id=student.id) for s in sessions]


def test_new_problem_is_stored_as_a_practice_session(practice: PracticeService) -> None:
    problem = practice.new_problem(ME, "linear")
    assert problem.topic == "linear" and problem.difficulty == 1  # mastery at the prior
    assert from_id(problem.id) == problem
    [detail] = detail_of(practice, ME)
    assert detail.session.mode == "practice"
    [(message, attempts)] = detail.messages
    assert message.question == problem.question_markdown
    assert message.reference_answer == problem.reference_latex and message.final_answer is None
    assert (message.problem_id, message.topic, message.difficulty) == (problem.id, "linear", 1)
    assert (message.status, message.model_id, message.solution) == ("complete", MODEL_ID, "")
    assert attempts == []
    assert practice.problem(ME, problem.id) == problem
    assert practice.problem(YOU, problem.id) is None


def test_correct_answer_is_stored_and_raises_mastery(practice: PracticeService) -> None:
    problem = practice.new_problem(ME, "linear")
    result = practice.check(ME, problem.id, problem.reference_latex)
    assert result.verdict.correct and "Correct" in result.message
    assert result.counted and result.p_known == pytest.approx(update(P0, True))
    assert practice.mastery(ME)["linear"] == pytest.approx(0.6)
    assert practice.mastery(ME)["quadratics"] == P0
    [detail] = detail_of(practice, ME)
    [(_, [attempt])] = detail.messages
    assert (attempt.answer, attempt.status, attempt.correct) == (problem.reference_latex, "correct", True)
    # a higher mastery asks for harder problems
    assert practice.new_problem(ME, "linear").difficulty == 2


def test_wrong_answer_is_stored_and_lowers_mastery(practice: PracticeService) -> None:
    problem = practice.new_problem(ME, "fractions")
    result = practice.check(ME, problem.id, wrong_answer(problem.reference_latex))
    assert result.verdict.status == "incorrect" and "Not quite" in result.message
    assert practice.mastery(ME)["fractions"] == pytest.approx(0.175758, abs=1e-6)
    level = next(lv for lv in practice.levels(ME) if lv.topic == "fractions")
    assert level.answers == 1


def test_retries_on_one_problem_do_not_inflate_mastery(practice: PracticeService) -> None:
    problem = practice.new_problem(ME, "quadratics")
    # an unreadable answer is stored but neither counts nor uses up the problem's counted answer
    unreadable = practice.check(ME, problem.id, "((((")
    assert unreadable.verdict.status == "unparseable" and not unreadable.counted
    assert practice.mastery(ME)["quadratics"] == P0
    first = practice.check(ME, problem.id, wrong_answer(problem.reference_latex))
    assert first.counted
    after_first = practice.mastery(ME)["quadratics"]
    for _ in range(3):
        again = practice.check(ME, problem.id, problem.reference_latex)
        assert again.verdict.correct and not again.counted
        assert "Correct" in again.message and "first answer" in again.message
    assert practice.mastery(ME)["quadratics"] == after_first < P0
    [detail] = detail_of(practice, ME)
    [(_, attempts)] = detail.messages
    assert [a.status for a in attempts] == ["unparseable", "incorrect", "correct", "correct", "correct"]
    assert next(lv.answers for lv in practice.levels(ME) if lv.topic == "quadratics") == 1


def test_two_first_answers_at_once_count_once(practice: PracticeService) -> None:
    problem = practice.new_problem(ME, "exponents")
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(practice.check(ME, problem.id, problem.reference_latex)))
        for _ in range(4)
    ]
    warm_up()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # on a loaded machine a check may time out waiting for a checker worker: that one is stored, not counted
    assert any(r.verdict.correct for r in results)
    assert sum(r.counted for r in results) == 1
    assert practice.mastery(ME)["exponents"] == pytest.approx(update(P0, True))


def test_first_answers_to_different_problems_at_once_all_count(practice: PracticeService) -> None:
    problems = [practice.new_problem(ME, "inequalities") for _ in range(4)]
    results = []
    threads = [
        threading.Thread(target=lambda p=p: results.append(practice.check(ME, p.id, p.reference_latex)))
        for p in problems
    ]
    warm_up()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and all(r.counted == r.verdict.correct for r in results)
    counted = sum(r.counted for r in results)  # 4 unless a check timed out on a loaded machine
    assert counted >= 1
    level = next(lv for lv in practice.levels(ME) if lv.topic == "inequalities")
    expected = P0
    for _ in range(counted):
        expected = update(expected, True)
    assert level.answers == counted and level.p_known == pytest.approx(expected)


def test_the_tutor_picks_the_least_mastered_topic(practice: PracticeService) -> None:
    weak = practice.new_problem(ME, "derivatives")
    practice.check(ME, weak.id, "123457")  # wrong: derivatives drops below the prior
    for _ in range(5):
        picked = practice.new_problem(ME, None)
        assert (picked.topic, picked.difficulty) == ("derivatives", 1)
    # once every other topic is ahead, the one left behind is chosen
    other = PracticeService(practice.store, rng=random.Random(1))
    for topic, _ in TOPICS[:-1]:
        p = other.new_problem(YOU, topic)
        assert other.check(YOU, p.id, p.reference_latex).counted
    assert other.new_problem(YOU, None).topic == TOPICS[-1][0]


def test_another_student_cannot_check_my_problem(practice: PracticeService) -> None:
    mine = practice.new_problem(ME, "linear")
    theirs = practice.check(YOU, mine.id, mine.reference_latex)
    assert theirs.verdict is None and theirs.message == NO_PROBLEM
    [detail] = detail_of(practice, ME)
    assert detail.messages[0][1] == []
    assert practice.mastery(YOU)["linear"] == P0 and practice.mastery(ME)["linear"] == P0
    assert detail_of(practice, YOU) == []


@pytest.mark.parametrize("problem_id", [None, "", "linear:1:5", "nonsense", "x" * 500, "linear:1:5' OR 1=1 --"])
def test_checking_a_problem_never_given_is_refused(practice: PracticeService, problem_id) -> None:
    practice.new_problem(ME, "linear")
    result = practice.check(ME, problem_id, "x = 1")
    assert result.verdict is None and result.message == NO_PROBLEM


def test_empty_or_huge_answers_and_unknown_topics_are_refused(practice: PracticeService) -> None:
    problem = practice.new_problem(ME, "linear")
    assert practice.check(ME, problem.id, "   ").message == "Type your answer first."
    assert "too long" in practice.check(ME, problem.id, "1+" * 2000).message
    with pytest.raises(ValueError):
        practice.new_problem(ME, "astrology")
    assert detail_of(practice, ME)[0].messages[0][1] == []


def test_mastery_is_per_student_and_deleted_with_the_student(practice: PracticeService) -> None:
    for token in (ME, YOU):
        p = practice.new_problem(token, "systems")
        practice.check(token, p.id, p.reference_latex)
    engine = practice.store._engine
    me = practice.store.student_for_token(ME)
    assert len(PracticeStore(practice.store).mastery_for_student(me.id)) == 1
    with engine.begin() as conn:
        conn.execute(delete(Student).where(Student.id == me.id))
        assert conn.scalar(select(func.count()).select_from(Mastery)) == 1
        assert conn.scalar(select(func.count()).select_from(Attempt)) == 1


def test_upgrading_a_database_with_data_adds_mastery_and_keeps_everything(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/old.db")
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
    with engine.begin() as conn:
        tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "mastery" not in tables
        conn.execute(
            text(
                "INSERT INTO students (browser_token, created_at, last_active_at) VALUES (:t, '2026-01-01 "
                "00:00:00.000000', '2026-01-01 00:00:00.000000')"
            ),
            {"t": ME},
        )
    upgrade(engine)
    practice = PracticeService(Store(engine))
    p = practice.new_problem(ME, "linear")
    assert practice.check(ME, p.id, p.reference_latex).counted
    assert practice.store.student_for_token(ME).id == 1


# -- check my working ----------------------------------------------------------------


def test_working_marks_the_first_wrong_line() -> None:
    report = check_working("2x + 3 = 7\n2x = 5\nx = 2.5")
    assert not report.ok
    assert [line.mark for line in report.lines] == ["ok", "wrong", ""]
    assert [line.text for line in report.lines] == ["2x + 3 = 7", "2x = 5", "x = 2.5"]
    assert report.message.startswith("Line 2 does not follow from line 1")
    assert report.lines[0].latex == "2 x + 3 = 7"


def test_working_that_follows_is_all_ticked() -> None:
    report = check_working("Step 1: 2x + 3 = 7\n=> 2x = 4\nso x = 2")
    assert report.ok and [line.mark for line in report.lines] == ["ok", "ok", "ok"]
    assert [line.text for line in report.lines] == ["2x + 3 = 7", "2x = 4", "x = 2"]


def test_unreadable_and_empty_working() -> None:
    report = check_working("2x + 3 = 7\n<script>alert(1)</script>\nx = 2")
    assert [line.mark for line in report.lines] == ["ok", "unreadable", ""]
    assert report.lines[1].latex is None and "could not read line 2" in report.message
    assert check_working("  \n ").lines == [] and "no working" in check_working("").message
    assert "too long" in check_working("x = 1\n" * 5000).message


def test_migration_0003_downgrades_and_upgrades_again(practice: PracticeService) -> None:
    p = practice.new_problem(ME, "linear")
    practice.check(ME, p.id, p.reference_latex)
    engine = practice.store._engine
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    for target, has_mastery in (("0002", False), ("head", True)):
        with engine.connect() as conn:
            config.attributes["connection"] = conn
            (command.downgrade if target == "0002" else command.upgrade)(config, target)
        with engine.connect() as conn:
            assert ("mastery" in inspect(conn).get_table_names()) is has_mastery
    [detail] = detail_of(practice, ME)
    assert len(detail.messages[0][1]) == 1  # the attempt survived; the mastery rows went with the table
    assert practice.mastery(ME)["linear"] == P0


def test_teachers_see_practice_with_everything_else(practice: PracticeService) -> None:
    school = practice.school
    teacher = school.add_teacher(username="ms_lee", password="correct horse battery")
    klass = school.create_class(teacher_id=teacher.id, name="Year 9 maths")
    me = practice.store.student_for_token(ME)
    school.join_class(student_id=me.id, name="Ada", code=klass.join_code)
    problem = practice.new_problem(ME, "linear")
    for _ in range(3):
        practice.check(ME, problem.id, "x = 123457")
    practice.check(ME, problem.id, problem.reference_latex)
    [summary] = school.overview(teacher_id=teacher.id, class_id=klass.id)
    assert (summary.attempts, summary.correct) == (4, 1)
    [session] = school.sessions(teacher_id=teacher.id, class_id=klass.id)
    transcript = school.transcript(teacher_id=teacher.id, session_id=session.session_id)
    assert transcript.session.mode == "practice"
    [entry] = transcript.entries
    assert (
        entry.message.question == problem.question_markdown
        and entry.message.reference_answer == problem.reference_latex
    )
    assert [a.correct for a in entry.attempts] == [False, False, False, True]
    assert "many_failed" in {f.flag.kind for f in school.flags_for_class(teacher_id=teacher.id, class_id=klass.id)}
    # a teacher deleting the student (privacy request) takes their mastery with them
    assert school.delete_student(teacher_id=teacher.id, student_id=me.id) == klass.id
    with practice.store._engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Mastery)) == 0


def test_asking_too_fast_is_refused_per_student(store: Store) -> None:
    practice = PracticeService(store, per_minute=3)
    for _ in range(3):
        practice.new_problem(ME, "linear")
    with pytest.raises(TooFast, match=r"wait \d+ s"):
        practice.new_problem(ME, "linear")
    practice.new_problem(YOU, "linear")  # someone else is not held up
    assert len(detail_of(practice, ME)) == 3
    checker = WorkingChecker(per_minute=1)
    assert checker.check(ME, "2x = 4\nx = 2").ok
    refused = checker.check(ME, "2x = 4\nx = 2")
    assert not refused.ok and "wait" in refused.message and refused.lines == []
    assert checker.check(YOU, "2x = 4\nx = 2").ok
