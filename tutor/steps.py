"""Find the first line of a student's working that does not follow from the line before.

The student pastes one step per line (``2x + 3 = 7``, ``2x = 4``, ``x = 2``). Each
pair of lines is checked in a pool worker (``tutor/checking/steps_check.py``):
equations must keep the same solutions, expressions the same value. Labels
such as ``=>``, ``⇒``, ``so``, ``Step 2:`` or ``1.`` in front of a line are dropped.

Bounds: at most MAX_LINES lines (the rest are not checked, and the message says
so); each pair gets ``timeout`` seconds and the whole check ``total_timeout``.
A pair that cannot be decided (several unknowns that are not simply
rearranged, an expression next to an equation, a time-out) is never reported
as wrong; the message names it instead.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from tutor.checking import pool

MAX_LINES = 30
MAX_LINE_CHARS = 300

_LABEL = re.compile(
    r"^\s*(?:(?:step\s*\d+\s*[:.)]?|\(?\d{1,2}[.)](?=\s)|[-*•](?=\s)|=>|⇒|→|->|⟹|∴|\\implies|\\Rightarrow|"
    r"(?:so|then|therefore|hence|thus)\b)\s*,?\s*)+",
    re.I,
)


@dataclass(frozen=True)
class StepReport:
    ok: bool
    """True when no line was found wrong or unreadable."""
    wrong_index: int | None
    """0-based index (into the cleaned, non-empty lines) of the first line that does not follow."""
    message: str
    """One or two sentences a student can act on; lines are numbered from 1."""
    unreadable_index: int | None = None


def clean_lines(lines: list[str] | str) -> list[str]:
    """Non-empty lines with step labels and arrows removed."""
    raw = lines.splitlines() if isinstance(lines, str) else list(lines)
    out = []
    for line in raw:
        if not isinstance(line, str):
            continue
        text = _LABEL.sub("", line.strip().strip("$")).strip().rstrip(".,;")
        text = re.sub(r"^\\\(|\\\)$", "", text).strip()
        if text:
            out.append(text)
    return out


def _unreadable(i: int, extra: str = "") -> StepReport:
    return StepReport(False, None, f"I could not read line {i + 1}. Write it as maths, for example 2x + 3 = 7.{extra}", i)


def first_wrong_step(lines: list[str] | str, timeout: float = 2.0, total_timeout: float = 15.0) -> StepReport:
    """Check each line against the one before it; never raises."""
    steps = clean_lines(lines)
    if not steps:
        return StepReport(False, None, "There is no working to check. Write one step per line.")
    skipped = ""
    if len(steps) > MAX_LINES:
        skipped = f" Only the first {MAX_LINES} lines were checked."
        steps = steps[:MAX_LINES]
    for i, line in enumerate(steps):
        if len(line) > MAX_LINE_CHARS:
            return _unreadable(i, " That line is too long.")
    deadline = time.monotonic() + total_timeout
    unchecked: list[str] = []
    for i in range(len(steps)):  # i = 0 reads the first line and checks the links inside it
        remaining = deadline - time.monotonic()
        if remaining <= 0.1:
            return StepReport(True, None, f"Lines 1 to {i} follow; there was no time to check the rest.{skipped}")
        try:
            out = pool.run("step", (steps[max(i - 1, 0)], steps[i]), min(timeout, remaining))
        except Exception:  # a time-out or a dead worker: this pair is not judged
            out = {"verdict": "unchecked", "detail": "checking it took too long"}
        verdict, detail = out["verdict"], out["detail"]
        if verdict == "unreadable_prev":
            return _unreadable(i - 1)
        if verdict == "unreadable":
            return _unreadable(i)
        if verdict == "wrong":
            return StepReport(False, i, f"Line {i + 1} does not follow from line {i}: {detail}.{skipped}")
        if verdict == "wrong_inside":
            return StepReport(False, i, f"Line {i + 1} is not right: {detail}.{skipped}")
        if verdict == "unchecked" and i > 0:
            unchecked.append(f"line {i + 1} ({detail})")
    if len(steps) == 1:
        return StepReport(True, None, "There is only one line, so there is no step to check. Write one step per line.")
    if unchecked:
        return StepReport(True, None, f"No mistake found, but I could not check {'; '.join(unchecked)}.{skipped}")
    return StepReport(True, None, f"Every step follows from the one before.{skipped}")
