"""The sandbox seam (tutor/checking/tasks.py) reads each worker reply into its type, and a reply of
the wrong shape fails as the pool's own failures do (a RuntimeError), which every caller handles.
No worker runs here: ``pool.run`` is replaced by the reply under test."""

from __future__ import annotations

import json

import pytest

from tutor.checking import check_answer, parse_preview, pool, tasks
from tutor.checking.cross_check import agrees, cas_answer
from tutor.checking.cross_check.question import CasResult
from tutor.checking.hint_screen import Screened, screen_hint
from tutor.checking.step_check import check_working


def replying(monkeypatch: pytest.MonkeyPatch, reply: object) -> list[tuple[str, tuple]]:
    calls: list[tuple[str, tuple]] = []

    def run(name: str, args: tuple, timeout: float) -> object:
        json.dumps(args)  # what the worker is sent must be JSON
        calls.append((name, args))
        return reply

    monkeypatch.setattr(pool, "run", run)
    return calls


def test_replies_are_read_into_their_dataclasses(monkeypatch: pytest.MonkeyPatch) -> None:
    replying(monkeypatch, {"status": "correct", "feedback": "Right.", "answer_latex": None})
    assert tasks.check("2", "2", 1.0) == tasks.CheckOut("correct", "Right.", None)
    cas = {"kind": "equation", "answer_latex": "x = 2", "answer_text": "x = 2", "alternatives": ["x=3"], "var": None}
    replying(monkeypatch, cas)
    assert tasks.cas(tasks.CasTask("solve", "x = 2"), 1.0, 1.0) == tasks.CasOut(
        "equation", "x = 2", "x = 2", ("x=3",), None, False
    )
    replying(monkeypatch, None)
    assert tasks.cas(tasks.CasTask("solve", "x = 2"), 1.0, 1.0) is None
    assert tasks.in_form("x", "expand", 1.0) is None
    replying(monkeypatch, {"readable": True, "index": 0})
    assert tasks.leaks([tasks.Candidate("value", "4", False, [])], "4", [tasks.Known("4", [">apples"])], 1.0) == (
        tasks.LeaksOut(True, 0)
    )


def test_requests_reach_the_worker_as_the_json_it_read_before(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = replying(monkeypatch, {"readable": True, "index": None})
    tasks.leaks([tasks.Candidate("fragment", "x = 4", True, ["<so"])], "4", [tasks.Known("4", [">left"])], 1.0)
    assert calls[-1] == ("leaks", ([["fragment", "x = 4", True, ["<so"]]], "4", [["4", [">left"]]]))
    calls = replying(monkeypatch, None)
    tasks.cas(tasks.CasTask("limit", "1/x", var="x", point="oo"), 0.5, 1.0)
    sent = calls[-1][1][0]
    assert sent["kind"] == "limit" and sent["point"] == "oo" and sent["side"] == "" and sent["order"] == 1


@pytest.mark.parametrize(
    "reply",
    [
        None,
        [],
        "correct",
        {},
        {"status": "correct", "feedback": 3, "answer_latex": None},
        {"status": "correct", "feedback": "Right.", "answer_latex": 7},
    ],
)
def test_a_malformed_check_reply_is_a_runtime_error_and_check_answer_still_never_raises(
    monkeypatch: pytest.MonkeyPatch, reply: object
) -> None:
    replying(monkeypatch, reply)
    with pytest.raises(RuntimeError):
        tasks.check("2", "2", 1.0)
    assert check_answer("2", "2").status == "unparseable"
    assert parse_preview("2") is None


def test_every_caller_treats_a_malformed_reply_as_a_failed_task(monkeypatch: pytest.MonkeyPatch) -> None:
    replying(monkeypatch, {"kind": "equation", "answer_latex": "x = 2", "answer_text": "x = 2", "alternatives": [1]})
    assert cas_answer("Solve 2x = 4") is None
    replying(monkeypatch, "yes")
    result = CasResult("integral_indefinite", "x^2", "x^2")
    assert agrees("x^2 + C", result) is None
    replying(monkeypatch, {"readable": True, "index": True})  # a bool is not an index
    assert screen_hint("So x = 4.", "4") == Screened("", True)  # fails closed
    replying(monkeypatch, {"verdict": "follows"})
    report = check_working("2x = 4\nx = 2", preview=False)
    assert "wrong" not in [line.mark for line in report.lines]  # not judged, never wrong
