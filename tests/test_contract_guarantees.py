"""The names in ../shared/CONTRACT.md, "Computer-algebra guarantees", as a user calls them
(copied here: a clone has no ../shared). Real sympy, real pool."""

from __future__ import annotations

import json
import subprocess
import sys

from tutor.cas import cas_answer
from tutor.checking import check_answer
from tutor.leak_screen import screen_hint
from tutor.steps import check_working


def test_check_answer() -> None:
    v = check_answer(answer="x = 1 or x = 4", reference=r"\{1, 4\}")
    assert v.status == "correct" and v.correct is True and v.feedback
    out = subprocess.run(
        [sys.executable, "-m", "tutor.checking", "x = 1 or x = 4", r"\{1, 4\}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0 and {"status", "correct", "feedback"} <= set(
        json.loads(out.stdout.strip().splitlines()[-1])
    )


def test_cas_answer() -> None:
    r = cas_answer("Solve 2x + 3 = 7")
    assert r is not None and check_answer("x = 2", r.answer_text).correct
    assert isinstance(r.alternatives, tuple)
    assert cas_answer("Tell me a story about a dragon") is None


def test_screen_hint() -> None:
    s = screen_hint("Subtract 3 from both sides. So x = 2.", "x = 2", context="Student: Solve 2x + 3 = 7")
    assert s.leaked is True and s.text == "Subtract 3 from both sides."
    kept = screen_hint("Subtract 3 from both sides.", "x = 2", context="")
    assert kept.leaked is False and kept.text == "Subtract 3 from both sides."


def test_check_working() -> None:
    rep = check_working("2x + 3 = 7\n2x = 4\nx = 2")
    assert [line.mark for line in rep.lines] == ["ok", "ok", "ok"]
    wrong = check_working("2x + 3 = 7\n2x = 5\nx = 2.5")
    assert [line.mark for line in wrong.lines] == ["ok", "wrong", ""]
    assert all(
        line.mark in ("ok", "wrong", "unreadable", "") for line in check_working("hello\n\\frac{\n1 + 1 = 2 = 2").lines
    )


def test_contract_names_are_the_packages_public_api() -> None:
    """The contract's module names re-export the maths packages: one implementation each."""
    from tutor.checking import cross_check, hint_screen, step_check

    assert cas_answer is cross_check.cas_answer
    assert screen_hint is hint_screen.screen_hint
    assert check_working is step_check.check_working
