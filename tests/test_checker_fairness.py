"""Issue 11 row 7: one student's working checks cannot starve everyone's answer checks, and a
time-out caused by load is never saved as the student's attempt. Real pool, real sympy."""

from __future__ import annotations

import functools
import threading
import time

from tutor.backends import GenerationSettings
from tutor.backends.scripted import ScriptedBackend
from tutor.checking import check_answer, pool
from tutor.checking.step_check import check_working
from tutor.service import TutorService

TOKEN = "student-token-eeeeeeeeeeee"
SLOW_WORKING = "\n".join(["(x^2+3x+7)^9 = 5", "(x^3+x+1)^7 = 7"] * 15)
"""30 lines whose solution sets sympy cannot compare in 2 s: each pair holds a worker to its limit."""


def _hog(stop: threading.Event) -> None:
    while not stop.is_set():
        check_working(SLOW_WORKING, timeout=2.0, total_timeout=3.0, preview=False)


def test_answer_checks_are_served_while_working_checks_hog_the_pool() -> None:
    pool.warm_up()
    stop = threading.Event()
    hogs = [threading.Thread(target=_hog, args=(stop,), daemon=True) for _ in range(4)]
    for h in hogs:
        h.start()
    try:
        time.sleep(1.0)
        verdicts = [check_answer("x = 4", "4", timeout=2.0) for _ in range(11)]
    finally:
        stop.set()
        for h in hogs:
            h.join(30)
    assert [v.status for v in verdicts] == ["correct"] * 11


def test_a_busy_pool_is_not_recorded_as_the_students_attempt(store) -> None:
    svc = TutorService(ScriptedBackend(["$\\boxed{4}$"]), store, GenerationSettings(max_new_tokens=16))
    message_id = list(svc.ask(TOKEN, "What is 2 + 2?"))[-1].message_id
    workers = pool._current()
    workers.warm_up()
    with workers.cond:
        held, workers.idle = workers.idle, []  # every worker taken, as under load
    try:
        result = svc.check(TOKEN, message_id, "4")
    finally:
        with workers.cond:
            workers.idle += held
            workers.cond.notify_all()
    assert result.verdict is None and "busy" in result.message
    attempts = svc.session(TOKEN, svc.history(TOKEN)[0].id).messages[0][1]
    assert attempts == []
    assert svc.check(TOKEN, message_id, "4").verdict.correct


def test_one_working_check_at_a_time_per_student(monkeypatch) -> None:
    from tutor.teaching import practice_service
    from tutor.teaching.practice_service import WorkingChecker

    # The real check with a 3 s budget instead of 15 s: the slow working still holds a worker for seconds.
    monkeypatch.setattr(practice_service, "check_working", functools.partial(check_working, total_timeout=3.0))
    checker = WorkingChecker()
    results: dict[str, str] = {}
    first = threading.Thread(target=lambda: results.setdefault("first", checker.check(TOKEN, SLOW_WORKING).message))
    first.start()
    time.sleep(0.3)
    second = checker.check(TOKEN, "2x = 4\nx = 2")
    other = checker.check("student-token-ffffffffffff", "2x = 4\nx = 2")
    first.join(30)
    assert "still running" in second.message and not second.lines
    assert "still running" not in other.message and len(other.lines) == 2  # another student is not refused
    assert "still running" not in results["first"]
