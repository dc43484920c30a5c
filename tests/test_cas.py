"""Computer-algebra cross-check: the hand-verified question set, verdicts and safety."""

from __future__ import annotations

import json
import time
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from tutor.checking.cross_check import agrees, cas_answer, cross_check, parse_question

QUESTIONS = [
    json.loads(line)
    for line in (Path(__file__).parent / "data" / "questions_cas.jsonl").read_text(encoding="utf-8").splitlines()
]
SHOULD_SETTLE = [q for q in QUESTIONS if q["kind"] != "decline"]
DECLINE = [q for q in QUESTIONS if q["kind"] == "decline"]


KINDS = ("arithmetic", "algebra", "equation", "inequality", "system", "derivative", "integral", "limit")
"""The kinds of question the cross-check settles; the hand-verified set has each of them."""


@cache
def settled_results() -> tuple:
    """(question, CAS result or None) for every question that should settle: computed once."""
    return tuple((q, cas_answer(q["question"])) for q in SHOULD_SETTLE)


def test_every_kind_of_question_is_settled_not_just_most_questions():
    """The overall 85 % below would still pass with all 17 limits or all 24 integrals
    unsettled; this fails when any one kind stops being settled (or answered right)."""
    asked, right = Counter(), Counter()
    for q, result in settled_results():
        asked[q["kind"]] += 1
        right[q["kind"]] += result is not None and agrees(q["answer"], result) is True
    assert set(asked) == set(KINDS), "the question set must cover each kind"
    weak = {k: f"{right[k]}/{asked[k]}" for k in KINDS if right[k] < 0.85 * asked[k]}
    assert not weak, f"kinds mostly not settled: {weak}"


def test_every_settled_answer_is_right_and_most_are_settled():
    settled, wrong = 0, []
    for q, result in settled_results():
        if result is None:
            continue
        settled += 1
        if agrees(q["answer"], result) is not True:
            wrong.append((q["question"], result.answer_text))
    assert not wrong
    assert settled >= 0.85 * len(SHOULD_SETTLE), f"settled {settled}/{len(SHOULD_SETTLE)}"


def test_decline_set_is_all_none():
    settled = [(q["question"], r.answer_text) for q in DECLINE if (r := cas_answer(q["question"])) is not None]
    assert not settled


def test_the_demo_models_mistake_is_flagged():
    check = cross_check("Solve 3x + 5 = 11", "x = 4")
    assert check.status == "differs"
    assert "computer algebra" in check.message and "$x = 2$" in check.message


@pytest.mark.parametrize(
    "question, answer",
    [
        ("Solve 3x + 5 = 11", "x = 2"),
        ("Solve 3x + 5 = 11", r"\boxed{2}"),
        ("solve x + y = 3, x - y = 1", "(2, 1)"),
        ("Solve 2x - 3 > 5", r"(4, \infty)"),
        ("Solve x^2 = 4", r"x = \pm 2"),
        ("Integrate 2x", "x^2 + 7"),
        ("Integrate 1/x dx", r"\ln|x| + C"),
        ("Solve 3x^2+4x+5=1", r"x = \frac{-2 \pm 2\sqrt{2} i}{3}"),
        ("Factor x^2-1", "(x+1)(x-1)"),
    ],
)
def test_verified(question, answer):
    check = cross_check(question, answer)
    assert check.status == "verified" and check.message == "Verified by computer algebra."


@pytest.mark.parametrize(
    "question, answer",
    [
        ("Solve x^2 = 4", "x = 2"),  # a missing root
        ("Solve 2x - 3 > 5", r"x \ge 4"),  # a wrong endpoint
        ("Integrate 2x", "x^3"),
        ("Factor x^2-1", "x^2 - 1"),  # equal, but not factored
        ("Expand (x+1)^2", "(x+1)^2"),
        ("What is 3/4 + 1/6?", "4/10"),
    ],
)
def test_differs(question, answer):
    check = cross_check(question, answer)
    assert check.status == "differs" and "computer algebra" in check.message


def test_no_final_answer_shows_the_cas_result_as_such():
    check = cross_check("What is 3/4 + 1/6?", None)
    assert check.status == "cas_only"
    assert check.message == r"The tutor gave no final answer; computer algebra gets $\frac{11}{12}$."


def test_unreadable_model_answer_is_not_called_wrong():
    check = cross_check("Solve 3x + 5 = 11", "the answer is a banana")
    assert check.status == "cas_only" and "computer algebra" in check.message


def test_unrecognised_questions_get_no_badge():
    assert cross_check("Tell me a joke about x = 4", "x = 4") is None
    assert parse_question("Solve 2x = 4!") is None  # a factorial or an exclamation: declined


@pytest.mark.parametrize(
    "question",
    [
        "What is 9^9^9^9?",
        "Integrate exp(x^x^x^x) sin(x^x)",
        "Simplify " + "(x+1)*" * 200 + "1",
        "Solve " + "x^99 + " * 40 + "1 = 0",
        "What is __import__('os').system('true')?",
        "Solve x = " + "(" * 300 + "1" + ")" * 300,
    ],
)
def test_hostile_questions_return_within_the_timeout(question):
    t0 = time.monotonic()
    result = cas_answer(question, timeout=1.0)
    assert time.monotonic() - t0 < 2.5
    assert result is None or len(result.answer_text) < 2000


def test_cas_agrees_with_the_practice_generator():
    """Two independent routes to the same answers: built-from-the-answer problems and sympy."""
    from tutor.teaching.practice import DIFFICULTIES, TOPICS, generate

    for topic, _ in TOPICS:
        for difficulty in DIFFICULTIES:
            for seed in range(2):
                p = generate(topic, difficulty, seed)
                result = cas_answer(p.question_text)
                assert result is not None, p.question_text
                assert agrees(p.reference_latex, result) is True, (p.id, result.answer_text)
