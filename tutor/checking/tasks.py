"""The checker sandbox's one typed seam: each task the worker processes run, as a function.

Callers (``check_answer`` and the ``cross_check``, ``hint_screen`` and ``step_check`` packages) call these,
never ``pool.run`` with a name; the names below are the only place a task's name is written
for the parent side, and ``worker.TASKS`` (the child side) is checked against them in
``tests/test_checking_pool.py``. Requests go to the worker as JSON (a ``CasTask`` as an object,
a ``Candidate`` or ``Known`` as an array); each reply is read back here into its frozen
dataclass, every field's type checked. Every function raises what ``pool.run`` raises
(``pool.PoolBusy``, ``pool.CheckTimeout``, ``RuntimeError``), and ``BadReply`` (a
``RuntimeError``) for a reply not of its type, so a worker bug fails where the pool's own
failures are already handled rather than as a ``KeyError`` in a caller.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

from . import pool

_T = TypeVar("_T")


class BadReply(RuntimeError):
    """The worker's reply is not the shape its task promises (a worker bug). Its message names
    the task and field only, never the input."""


# -- requests ---------------------------------------------------------------------
@dataclass(frozen=True)
class CasTask:
    """What a question asks (``cross_check.question.parse_question``), as ``solve.cas`` reads it.

    A field left at its default means what the field's absence meant in the JSON before
    (``solve.cas`` reads each with ``.get`` and the same default)."""

    kind: str
    """solve | derivative | integral | limit | substitute | quadratic_from_roots | product | divide |
    factor | expand | simplify | arithmetic"""
    math: str
    """The maths as text (the question's words removed)."""
    var: str | None = None
    """The variable named by the question (solve for, with respect to, d/dx, as x ->), if any."""
    order: int = 1
    """derivative: first, second, third."""
    lower: str | None = None
    """integral: the bounds of a definite integral, as text."""
    upper: str | None = None
    point: str = ""
    """limit: the point approached (``oo`` for infinity)."""
    side: str = ""
    """limit: "+" or "-" for a one-sided limit, "" for two-sided."""
    values: str = ""
    """substitute: ``a = 2, b = 3``."""
    degrees: bool = False
    """Angles in degrees were read as radians: only a numeric value may be settled."""
    expr_ok: bool = False
    """solve: "Solve: <expression>" (no relation) means simplify."""
    real_only: bool = False
    """solve: the question asks for real solutions."""
    on_turn: bool = False
    """solve: the solutions in [0, 2π)."""


class Candidate(NamedTuple):
    """A statement found in one sentence of a hint (``hint_screen.screen``); see ``leak_check``."""

    kind: str
    """"value" (in a stating position) or "fragment" (a maths span or run)."""
    text: str
    weak: bool
    """A mere restatement ("is 4"): excused when the dialogue wrote that number about the same thing."""
    window: list[str]
    """Content words around a weak statement (``<word`` before, ``>word`` after); [] otherwise."""


class Known(NamedTuple):
    """A number the dialogue already wrote (``2000``, ``2/5``, ``30%``) and the content words around it."""

    number: str
    window: list[str]


# -- replies ----------------------------------------------------------------------
@dataclass(frozen=True)
class CheckOut:
    status: str
    feedback: str
    answer_latex: str | None


@dataclass(frozen=True)
class PreviewOut:
    answer_latex: str | None
    error: str | None
    """Why the answer cannot be read (the checker's own words); None when it can."""


@dataclass(frozen=True)
class CasOut:
    kind: str
    answer_latex: str
    answer_text: str
    alternatives: tuple[str, ...]
    var: str | None
    """An indefinite integral's variable; None for other kinds."""
    positive: bool
    """The variables were taken positive (see ``cross_check.question.CasResult``)."""


@dataclass(frozen=True)
class LeaksOut:
    readable: bool
    """False when the final answer itself cannot be read (``index`` is then None)."""
    index: int | None
    """The first candidate that states the answer."""


@dataclass(frozen=True)
class StepOut:
    verdict: str
    """follows | holds | read | wrong | wrong_inside | unchecked | unreadable | unreadable_prev"""
    detail: str


# -- the task names -----------------------------------------------------------------
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


# -- reading a reply -------------------------------------------------------------------
def _object(task: str, reply: object) -> dict[str, object]:
    if not isinstance(reply, dict):
        raise BadReply(f"the {task} task's reply is not an object")
    return reply


def _typed(task: str, key: str, value: object, kind: type[_T]) -> _T:
    # JSON true is not a number: an int field refuses a bool
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise BadReply(f"the {task} task's reply has no {kind.__name__} {key!r}")
    return value


def _field(task: str, reply: dict[str, object], key: str, kind: type[_T]) -> _T:
    return _typed(task, key, reply.get(key), kind)


def _optional(task: str, reply: dict[str, object], key: str, kind: type[_T]) -> _T | None:
    value = reply.get(key)
    return None if value is None else _typed(task, key, value, kind)


def _flag(task: str, reply: object) -> bool | None:
    return None if reply is None else _typed(task, "result", reply, bool)


# -- the tasks ----------------------------------------------------------------------
def check(answer: str, reference: str, timeout: float) -> CheckOut:
    """``checker.check``: the verdict fields for one answer/reference pair."""
    out = _object(CHECK, pool.run(CHECK, (answer, reference), timeout))
    return CheckOut(
        _field(CHECK, out, "status", str),
        _field(CHECK, out, "feedback", str),
        _optional(CHECK, out, "answer_latex", str),
    )


def preview(answer: str, timeout: float) -> PreviewOut:
    """``checker.preview``: LaTeX of how ``answer`` is read, or why it is not."""
    out = _object(PREVIEW, pool.run(PREVIEW, (answer,), timeout))
    return PreviewOut(_optional(PREVIEW, out, "answer_latex", str), _optional(PREVIEW, out, "error", str))


def cas(task: CasTask, seconds: float, timeout: float) -> CasOut | None:
    """``solve.cas``: the answer to a recognised question (``seconds`` of sympy), or None."""
    reply = pool.run(CAS, (dataclasses.asdict(task), seconds), timeout)
    if reply is None:
        return None
    out = _object(CAS, reply)
    alternatives = tuple(_typed(CAS, "alternatives", a, str) for a in _field(CAS, out, "alternatives", list))
    return CasOut(
        _field(CAS, out, "kind", str),
        _field(CAS, out, "answer_latex", str),
        _field(CAS, out, "answer_text", str),
        alternatives,
        _optional(CAS, out, "var", str),
        _typed(CAS, "positive", out.get("positive", False), bool),
    )


def antiderivative_equal(answer: str, reference: str, var: str, timeout: float) -> bool | None:
    """``solve.antiderivative_equal``: do the two differ by a constant? None: not compared."""
    return _flag(ANTIDERIVATIVE_EQUAL, pool.run(ANTIDERIVATIVE_EQUAL, (answer, reference, var), timeout))


def in_form(answer: str, kind: str, timeout: float) -> bool | None:
    """``solve.in_form``: is ``answer`` written expanded / fully factored (``kind``)? None: unreadable."""
    return _flag(IN_FORM, pool.run(IN_FORM, (answer, kind), timeout))


def positive_equal(answer: str, reference: str, timeout: float) -> bool | None:
    """``solve.positive_equal``: equal for positive values of the variables? None: not compared."""
    return _flag(POSITIVE_EQUAL, pool.run(POSITIVE_EQUAL, (answer, reference), timeout))


def leaks(candidates: list[Candidate], final_answer: str, known: list[Known], timeout: float) -> LeaksOut:
    """``leak_check.leaks``: the first candidate that states ``final_answer``."""
    args = ([list(c) for c in candidates], final_answer, [list(k) for k in known])
    out = _object(LEAKS, pool.run(LEAKS, args, timeout))
    return LeaksOut(_field(LEAKS, out, "readable", bool), _optional(LEAKS, out, "index", int))


def step(prev: str, cur: str, lenient: bool, timeout: float) -> StepOut:
    """``step_check.step``: does ``cur`` follow from ``prev``? Runs at low priority (pool.LOW_PRIORITY)."""
    out = _object(STEP, pool.run(STEP, (prev, cur, lenient), timeout))
    return StepOut(_field(STEP, out, "verdict", str), _field(STEP, out, "detail", str))
