"""The checker sandbox's one typed seam: each task the worker processes run, as a function.

Callers (``check_answer`` and the ``cross_check``, ``hint_screen`` and ``step_check`` packages) call these,
never ``pool.run`` with a name; the names below are the only place a task's name is written
for the parent side, and ``worker.TASKS`` (the child side) is checked against them in
``tests/test_checking_pool.py``. Every function raises what ``pool.run`` raises
(``pool.PoolBusy``, ``pool.CheckTimeout``, ``RuntimeError``); results are the JSON the worker
sent, typed here so a caller's mistake is a type error rather than a ``KeyError`` at run time.
"""

from __future__ import annotations

from typing import Any, TypedDict, cast

from . import pool


class CheckOut(TypedDict):
    status: str
    feedback: str
    answer_latex: str | None


class PreviewOut(TypedDict):
    answer_latex: str | None
    error: str | None


class CasOut(TypedDict, total=False):
    kind: str
    answer_latex: str
    answer_text: str
    alternatives: list[str]
    var: str | None
    positive: bool


class LeaksOut(TypedDict):
    readable: bool
    index: int | None


class StepOut(TypedDict):
    verdict: str
    detail: str


CHECK, PREVIEW, CAS, ANTIDERIVATIVE_EQUAL, IN_FORM, POSITIVE_EQUAL, LEAKS, STEP = (
    "check",
    "preview",
    "cas",
    "antiderivative_equal",
    "in_form",
    "positive_equal",
    "leaks",
    "step",
)
NAMES = frozenset({CHECK, PREVIEW, CAS, ANTIDERIVATIVE_EQUAL, IN_FORM, POSITIVE_EQUAL, LEAKS, STEP})


def _run(name: str, args: tuple[Any, ...], timeout: float) -> Any:
    return pool.run(name, args, timeout)


def check(answer: str, reference: str, timeout: float) -> CheckOut:
    """``checker.check``: the verdict fields for one answer/reference pair."""
    return cast(CheckOut, _run(CHECK, (answer, reference), timeout))


def preview(answer: str, timeout: float) -> PreviewOut:
    """``checker.preview``: LaTeX of how ``answer`` is read, or why it is not."""
    return cast(PreviewOut, _run(PREVIEW, (answer,), timeout))


def cas(task: dict[str, Any], seconds: float, timeout: float) -> CasOut | None:
    """``solve.cas``: the answer to a recognised question (``seconds`` of sympy), or None."""
    return cast("CasOut | None", _run(CAS, (task, seconds), timeout))


def antiderivative_equal(answer: str, reference: str, var: str, timeout: float) -> bool | None:
    return cast("bool | None", _run(ANTIDERIVATIVE_EQUAL, (answer, reference, var), timeout))


def in_form(answer: str, kind: str, timeout: float) -> bool | None:
    return cast("bool | None", _run(IN_FORM, (answer, kind), timeout))


def positive_equal(answer: str, reference: str, timeout: float) -> bool | None:
    return cast("bool | None", _run(POSITIVE_EQUAL, (answer, reference), timeout))


def leaks(candidates: list[list[Any]], final_answer: str, known: list[list[Any]], timeout: float) -> LeaksOut:
    """``leak_check.leaks``: the first candidate sentence that states ``final_answer``."""
    return cast(LeaksOut, _run(LEAKS, (candidates, final_answer, known), timeout))


def step(prev: str, cur: str, lenient: bool, timeout: float) -> StepOut:
    """``step_check.step``: does ``cur`` follow from ``prev``? Runs at low priority (pool.LOW_PRIORITY)."""
    return cast(StepOut, _run(STEP, (prev, cur, lenient), timeout))
