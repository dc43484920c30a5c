"""First wrong step in a student's working."""

from __future__ import annotations

import time

import pytest

from tutor.checking.step_check.working import MAX_LINES, clean_lines, first_wrong_step


@pytest.mark.parametrize(
    "working",
    [
        "2x + 3 = 7\n2x = 4\nx = 2",
        ["2x + 3 = 7", "=> 2x = 4", "⇒ x = 2"],
        "1. 2(x + 3) = 10\n2. 2x + 6 = 10\n3. 2x = 4\n4. x = 2",
        "(x+1)^2\nx^2 + 2x + 1",
        "(x+1)^2 = x^2 + 2x + 1",
        "x^2 = 4\nx = ±2",
        "x^2 - 5x + 6 = 0\n(x - 2)(x - 3) = 0\nx = 2 or x = 3",
        "3/4 + 1/6\n9/12 + 2/12\n11/12",
        "2x + 1 > 5\n2x > 4\nx > 2",
        "-3x > 6\nx < -2",
        "2x + 3y = 6\n3y = 6 - 2x\ny = 2 - 2x/3",
        "$\\frac{x}{2} = 3$\n$x = 6$",
    ],
)
def test_correct_working(working):
    report = first_wrong_step(working)
    assert report.ok and report.wrong_index is None and report.unreadable_index is None, report.message


@pytest.mark.parametrize(
    "working, index, words",
    [
        ("2x + 3 = 7\n2x = 10\nx = 5", 1, ["Line 2 does not follow from line 1", "$x = 5$"]),
        ("2x + 3 = 7\n2x = 4\nx = 8", 2, ["Line 3 does not follow from line 2"]),
        ("(x+1)^2\nx^2 + 1", 1, ["not equal", "at $x = 1$", "gives $4$", "gives $2$"]),
        ("x^2 = 4\nx = 2", 1, ["loses the solution $x = -2$"]),
        ("-3x > 6\nx > -2", 1, ["Line 2 does not follow"]),
        ("2x + 1 > 5\nx > 3", 1, ["solves the line before but not this line"]),
        ("sqrt(x) = x - 2\nx = (x-2)^2", 1, ["$x = 1$ solves this line but not the line before"]),
        ("3/4 + 1/6\n4/10", 1, ["not equal"]),
        ("(x+1)^2 = x^2 + 2x + 1 = x^2 + 1", 0, ["Line 1 is not right"]),
    ],
)
def test_first_wrong_line(working, index, words):
    report = first_wrong_step(working)
    assert not report.ok and report.wrong_index == index
    for w in words:
        assert w in report.message


def test_a_prose_line_is_skipped_not_fatal():
    # "then I divided everything" has nothing to check: not judged, and the next line is checked
    # against the last maths line before it.
    report = first_wrong_step("3x + 5 = 11\n3x = 6\nthen I divided everything\nx = 2")
    assert report.ok and report.unreadable_index is None and report.wrong_index is None
    report = first_wrong_step("3x + 5 = 11\n3x = 6\nthen I divided everything\nx = 3")
    assert report.wrong_index == 3 and report.message.startswith("Line 4 does not follow from line 2")


def test_unreadable_maths_line():
    report = first_wrong_step("3x + 5 = 11\n3x = 6\n3x ++ = 6)\nx = 2")
    assert not report.ok and report.unreadable_index == 2 and report.wrong_index is None
    assert "could not read line 3" in report.message


def test_undecidable_steps_are_not_called_wrong():
    report = first_wrong_step("e^x = y\nx = ln y")
    assert report.ok and "could not check line 2" in report.message


def test_labels_are_removed():
    assert clean_lines("Step 1: 2x = 4\n\n=> x = 2\n⇒ x = 2\nso x = 2\n2) x = 2\n- x = 2\n-x = 2\n2.5x = 5") == [
        "2x = 4",
        "x = 2",
        "x = 2",
        "x = 2",
        "x = 2",
        "x = 2",
        "-x = 2",
        "2.5x = 5",
    ]


def test_empty_and_single_line():
    assert not first_wrong_step("").ok
    assert first_wrong_step("x = 2").ok


def test_line_limit_and_time_bound():
    lines = ["x = 1"] * (MAX_LINES + 20)
    t0 = time.monotonic()
    report = first_wrong_step(lines, timeout=1.0, total_timeout=5.0)
    assert time.monotonic() - t0 < 8.0
    assert report.ok and f"first {MAX_LINES} lines" in report.message


def test_hostile_lines_return_in_time():
    t0 = time.monotonic()
    report = first_wrong_step(
        ["x = 9^9^9^9", "x^(10^10) = " + "(x+1)*" * 100 + "1", "x = 2"], timeout=1.0, total_timeout=4.0
    )
    assert time.monotonic() - t0 < 6.0
    assert report.message


def test_systems_are_never_called_wrong():
    report = first_wrong_step("y = 2x, x = 1\ny = 2, x = 1")
    assert report.ok
    report = first_wrong_step("x + y = 5, x - y = 1\n2x = 6, x - y = 1")
    assert report.ok


def test_complex_working_is_not_called_wrong():
    assert first_wrong_step("x^2 = -1\nx = ±i").ok
