"""Hostile input: every check returns a verdict within its timeout (+0.5 s), the
caller stays responsive, threads are safe, and the CLI prints one JSON object."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.checking import check_answer, parse_preview, warm_up

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 2.0
SLACK = 0.5


@pytest.fixture(scope="module", autouse=True)
def pool():
    warm_up()


def timed(answer: str, reference: str = "3", timeout: float = TIMEOUT):
    start = time.monotonic()
    verdict = check_answer(answer, reference, timeout=timeout)
    elapsed = time.monotonic() - start
    assert elapsed < timeout + SLACK, (answer[:60], elapsed)
    return verdict


HOSTILE = [
    "9^9^9^9",
    "10**10**10",
    "factorial(10^9)",
    "(10^9)!",
    "(" * 10_000 + "1" + ")" * 10_000,
    "(" * 30 + "x" + ")" * 30 + "^" + "9^" * 20 + "9",
    "1" * 100_000,
    "x.__class__.__mod__",
    "__import__('os').system('echo hacked')",
    "().__class__.__bases__[0].__subclasses__()",
    "lambda: 1",
    "(x+1)^(10^6)",
    "2^(2^(2^(2^(2^2))))",
    r"\sum_{i=1}^{10^{12}} i^{i}",
    r"\int_0^{10^9} \sin(x^{x}) dx",
    "sin(" * 500 + "x" + ")" * 500,
    "x" + "^x" * 300,
    "9" * 1999,
    r"\frac{" * 300 + "1" + "}{2}" * 300,
    "\x00\x01\x02",
    "𝟙𝟚𝟛",
]


@pytest.mark.parametrize("answer", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_answers_are_bounded(answer):
    verdict = timed(answer)
    assert verdict.status in ("incorrect", "unparseable", "timeout")
    assert not verdict.correct


@pytest.mark.parametrize("reference", ["9^9^9^9", "(" * 5000 + ")" * 5000, "1" * 5000])
def test_hostile_references_are_bounded(reference):
    assert timed("3", reference).status in ("unparseable", "timeout", "incorrect")


def test_a_slow_check_is_killed_and_the_pool_recovers():
    verdict = timed(r"\sum_{i=1}^{10^{7}} \sin(i)^{i}", timeout=0.5)
    assert verdict.status in ("timeout", "incorrect")
    for _ in range(3):  # both workers still usable afterwards
        assert timed("6/8", r"\frac34").correct


def test_preview_is_bounded():
    start = time.monotonic()
    assert parse_preview("9^9^9^9") is None
    assert parse_preview("(" * 10_000) is None
    assert time.monotonic() - start < 2 * (TIMEOUT + SLACK)


def test_non_string_input_is_refused():
    assert check_answer(None, "1").status == "unparseable"  # type: ignore[arg-type]
    assert check_answer("1", 5).status == "unparseable"  # type: ignore[arg-type]


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=80), st.sampled_from(["3", r"\frac{1}{2}", r"\{1, 4\}", r"(-\infty, 2]", "(1, -2)", "x^2+1"]))
def test_arbitrary_text_never_raises_or_overruns(answer, reference):
    verdict = timed(answer, reference)
    assert verdict.status in ("correct", "incorrect", "unparseable", "timeout")
    assert isinstance(verdict.feedback, str) and verdict.feedback


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="0123456789+-*/^()!.,=<>xe√π² ", max_size=40))
def test_arbitrary_maths_never_raises_or_overruns(answer):
    timed(answer, "x^2 - 1")


def test_sixteen_threads_at_once_get_their_own_verdicts():
    cases = [
        ("x = 1 or x = 4", r"\{1, 4\}", True),
        ("x = 1", r"\{1, 4\}", False),
        ("0.75", r"\frac34", True),
        ("4/3", r"\frac34", False),
        ("(x-3)(x+3)", "x^2-9", True),
        ("(x-3)^2", "x^2-9", False),
        ("x <= 2", r"(-\infty, 2]", True),
        ("x < 2", r"(-\infty, 2]", False),
    ] * 2
    results: dict[int, bool] = {}
    barrier = threading.Barrier(len(cases))

    def work(i: int, answer: str, reference: str) -> None:
        barrier.wait()
        results[i] = check_answer(answer, reference, timeout=10).correct

    threads = [threading.Thread(target=work, args=(i, a, r)) for i, (a, r, _) in enumerate(cases)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == {i: expected for i, (_, _, expected) in enumerate(cases)}


def test_cli_prints_one_json_verdict():
    out = subprocess.run(
        [sys.executable, "-m", "tutor.checking", "x = 1 or x = 4", r"\{1, 4\}"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    verdict = json.loads(out.stdout)
    assert verdict["status"] == "correct" and verdict["correct"] is True
    assert verdict["answer_latex"] and verdict["feedback"]
    bad = subprocess.run(
        [sys.executable, "-m", "tutor.checking", "9^9^9^9", "3"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert bad.returncode == 0 and json.loads(bad.stdout)["status"] == "unparseable"


def test_import_is_cheap():
    code = "import sys, tutor.checking; print('sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.stdout.strip() == "False"


def test_a_forked_child_starts_its_own_pool():
    import os

    assert check_answer("1/2", "0.5").correct  # the parent's pool is running
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: must not talk to the parent's workers
        try:
            ok = check_answer("x = 1 or x = 4", r"\{1, 4\}", timeout=30).correct
            os.write(write_end, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(write_end)
    _, code = os.waitpid(pid, 0)
    assert os.read(read_end, 1) == b"1" and code == 0
    assert check_answer("1/2", "0.5").correct  # and the parent's pool still works
