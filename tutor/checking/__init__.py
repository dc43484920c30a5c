"""Answer checking: is a student's (or model's) final answer equal to the reference?

>>> check_answer(answer="x = 1 or x = 4", reference=r"\\{1, 4\\}").status
'correct'

Importing this package is cheap (no sympy, no processes); the sympy work runs
in a warm pool of worker processes started on first use (see pool.py), so a
check costs milliseconds and hostile input cannot hang or crash the caller.
Policy: POLICY.md.
"""

from __future__ import annotations

from . import pool, tasks
from .verdict import Verdict, verdict_line

MAX_CHARS = 2000
"""Longer input is refused before it reaches a worker."""

_TIMEOUT_FEEDBACK = "Checking this answer took too long. Simplify it (for example, evaluate powers) and try again."
_BUSY_FEEDBACK = "The checker is busy with other students' work right now; please press Check answer again in a moment."
_FAILED_FEEDBACK = "Something went wrong while checking this answer; it was not marked."


def _too_long(text: object, what: str) -> Verdict | None:
    if not isinstance(text, str):
        return Verdict("unparseable", f"The {what} is not text.")
    if len(text) > MAX_CHARS:
        return Verdict("unparseable", f"The {what} is too long to check (over {MAX_CHARS:,} characters).")
    return None


def check_answer(answer: str, reference: str, *, timeout: float = 2.0) -> Verdict:
    """Compare ``answer`` with ``reference``; never raises, returns within ``timeout`` s.

    Thread-safe. The first call in a process also waits for the pool to start.
    """
    refused = _too_long(answer, "answer") or _too_long(reference, "reference answer")
    if refused:
        return refused
    try:
        out = tasks.check(answer, reference, timeout)
    except pool.PoolBusy:
        return Verdict("timeout", _BUSY_FEEDBACK, busy=True)
    except pool.CheckTimeout:
        return Verdict("timeout", _TIMEOUT_FEEDBACK)
    except Exception:  # noqa: BLE001 - a bug in a worker must not reach the caller
        return Verdict("unparseable", _FAILED_FEEDBACK)
    return Verdict(out.status, out.feedback, out.answer_latex)


def parse_preview(answer: str, *, timeout: float = 2.0) -> str | None:
    """LaTeX of how ``answer`` will be read, or None if it cannot be (or not in time)."""
    if _too_long(answer, "answer"):
        return None
    try:
        return tasks.preview(answer, timeout).answer_latex
    except Exception:  # noqa: BLE001 - no preview rather than an error
        return None


warm_up = pool.warm_up

__all__ = ["MAX_CHARS", "Verdict", "check_answer", "parse_preview", "verdict_line", "warm_up"]
