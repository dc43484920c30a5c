""" "Check my working": the first line of a student's working that is not right.

Working is read as students write it, one step per line, in maths or in prose:

* **Stated computations** inside any line (``so his friend has 3 x 4 = 12 tires``,
  ``$15/hour x 84 = $1260``) are checked exactly, in-process (``prose.py``:
  its docstring lists the readings tried, the rounding rule and what is never judged).
  A computation that no reading makes right (``12 - 4 = 9``) makes its line wrong.
* **Maths lines** (an expression, an equation, a chain, a list of solutions; no prose)
  are read by the checker's grammar in a pool worker (``step.py``)
  and checked against the last maths line or equation before them, only where both are
  in the same unknowns: equations must keep the same solutions, expressions the same
  value. A prose line that states no result is passed over (``Dividing both sides by 3,
  we get:``); one with an '=', or one that names an unknown afresh (``Let x be …``),
  starts afresh. An identity (``(x+1)^2 = x^2 + 2x + 1``) is right in itself and is
  not a step from the line before; an '=' chain of numbers is judged only as a computation.
  An ``x`` spaced between two numbers (``x = 25 x 2/2``) is read as "times".
* **Equations in prose** (``Solving for x, we get x = 2.``; ``prose.equations``: one
  unknown, on one side only) are checked the same way, one pool request each, except that
  a step keeping only some of the solutions (``x^2 = 4``, so ``x = 2``) is not judged: the
  words may rule the others out. One that brings in a value the line before excludes is.
* A prose line with nothing to check is not judged (mark ""); a line that looks like maths
  but cannot be read is marked "unreadable" and skipped: the next line starts afresh.

Marks: "ok" (something in the line was checked and holds, or it is the opening line and
was read), "wrong" (the first line found not right; lines after it are not judged), or "".
Labels such as ``=>``, ``⇒``, ``so``, ``Step 2:`` or ``1.`` in front of a line are dropped.

Bounds: MAX_LINES lines are checked (the rest are not, and the message says so);
MAX_LINE_CHARS per maths line, MAX_PROSE_CHARS per prose line; each equation found in
prose is one pool request, each maths line one; each pool request ``timeout`` s and the whole check
``total_timeout`` s. A pair that cannot be decided (several unknowns that are not
simply rearranged, an expression next to an equation, a time-out) is never reported
as wrong. Messages number lines from 1, as ``WorkingReport.lines`` (one per non-empty
input line) is numbered on the page.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from tutor.checking import parse_preview, tasks

from .prose import Link, computations, equations

MAX_LINES = 30
MAX_LINE_CHARS = 300
"""A maths line (sent to the checker) longer than this is not read."""
MAX_PROSE_CHARS = 2000
"""A prose line longer than this is not read (its computations are found in-process)."""
MAX_WORKING_CHARS = 10_000
PREVIEW_BUDGET_S = 3.0
"""Time allowed for showing every maths line of a working as the checker read it."""

_LABEL = re.compile(
    r"^\s*(?:(?:step\s*\d+\s*[:.)]?|\(?\d{1,2}[.)](?=\s)|[-*•](?=\s)|=>|⇒|→|->|⟹|∴|\\implies|\\Rightarrow|"
    r"(?:so|then|therefore|hence|thus)\b)\s*,?\s*)+",
    re.I,
)
_PROSE = re.compile(r"[A-Za-z]{2,}[,.;:!?]?\s+[A-Za-z]{2,}|[A-Za-z]{4,}\s+[A-Za-z]|[A-Za-z]\s+[A-Za-z]{4,}")
"""Two words in a row: the line is prose (its computations are found by ``prose.py``)."""
_MATHS_WORDS = re.compile(r"\b(?:or|and)\b", re.I)


@dataclass(frozen=True)
class WorkingLine:
    text: str
    """The line as checked (labels such as ``Step 2:`` or ``=>`` removed); student text."""
    mark: str
    """"ok", "wrong" (the first line that is not right), "unreadable", or "" (not judged)."""
    latex: str | None = None
    """How the checker read the line, as LaTeX it wrote itself (safe for KaTeX); None if unread."""
    index: int = 0
    """0-based index of this line in the input (counting every line, blank ones too)."""


@dataclass(frozen=True)
class WorkingReport:
    ok: bool
    """True when no line was found wrong or unreadable."""
    message: str
    """Generated text (maths in ``$…$``), never the student's; lines are numbered from 1 as in ``lines``."""
    lines: list[WorkingLine] = field(default_factory=list)
    """One per non-empty input line, in order."""
    wrong_index: int | None = None
    """Index into ``lines`` of the first wrong line."""


@dataclass(frozen=True)
class StepReport:
    """The older summary (``first_wrong_step``): indices into the cleaned, non-empty lines."""

    ok: bool
    wrong_index: int | None
    message: str
    unreadable_index: int | None = None


def _clean(line: str) -> str:
    text = _LABEL.sub("", line.strip().strip("$")).strip().rstrip(".,;")
    return re.sub(r"^\\\(|\\\)$", "", text).strip()


def clean_lines(lines: list[str] | str) -> list[str]:
    """Non-empty lines with step labels and arrows removed."""
    return [c for _, _, c in _entries(lines) if c]


def _entries(lines: list[str] | str) -> list[tuple[int, str, str]]:
    """(index in the input, the line stripped, the line cleaned) for each non-empty line."""
    raw = lines.splitlines() if isinstance(lines, str) else list(lines)
    out = []
    for i, line in enumerate(raw):
        if isinstance(line, str) and line.strip():
            out.append((i, line.strip(), _clean(line)))
    return out


_NOT_PROSE = re.compile(r"[<>{}\\|#@~]")
"""Markup or LaTeX: a line holding one is read as maths (and may be unreadable), never as prose."""


_INLINE_MATHS = re.compile(r"\$[^$]+\$|\\\((?:(?!\\\)).)*\\\)")


def _is_maths(line: str) -> bool:
    """Not prose (two words in a row, no markup) and not a lone word: read with the checker's grammar.

    Words outside inline maths (``So $2x = 4$ and $x = 3$.``) make a line prose; so does a
    word of prose next to it (``Thus $x = 2$``).
    """
    if not line or re.fullmatch(r"[A-Za-z]{3,}[.!?:]?", line):
        return False
    outside = _INLINE_MATHS.sub(" ", line)
    if (
        outside != line
        and re.search(r"[A-Za-z]{2,}", _MATHS_WORDS.sub(" ", outside))
        and not _NOT_PROSE.search(outside)
    ):
        return False
    return bool(_NOT_PROSE.search(line)) or not _PROSE.search(_MATHS_WORDS.sub(" ", line))


_NAMES_AN_UNKNOWN = re.compile(r"\b(?:let|suppose|assume|denote|define|represent|call)\b|\bbe the\b", re.I)
"""'Let x be …': a letter may stand for something new from here on."""
_CALCULATOR = re.compile(r"<<[^<>]{0,200}>>")
"""GSM8K's calculator notes: ``48/2 = <<48/2=24>>24``."""
_SPACED_X = re.compile(r"(?<=[\d)])\s+[xX]\s+(?=\$?[\d(.])")


def _times(line: str) -> str:
    """``25 x 2`` (an x spaced between two numbers) is "times", as students write it: ``x = 25 x 2/2``."""
    return _SPACED_X.sub(" * ", line)


def _numbers_only(line: str) -> bool:
    """No letters at all: an '=' chain of numbers is judged by ``prose.py`` alone."""
    return not re.search(r"[A-Za-z]", line)


def _tex_side(text: str) -> str:
    return text.replace("*", r"\times").replace(",", "{,}").replace("%", r"\%")


def _slip(link: Link) -> str:
    return f"${_tex_side(link.left)}$ is ${_tex_side(link.exact)}$, not ${_tex_side(link.right)}$"


def _pool_step(prev: str, cur: str, timeout: float, lenient: bool = False) -> tasks.StepOut:
    try:
        return tasks.step(prev, cur, lenient, timeout)
    except Exception:  # noqa: BLE001 - a time-out, a dead worker or a malformed reply: this line is not judged
        return tasks.StepOut("unchecked", "checking it took too long")


def check_working(
    text: str | list[str], timeout: float = 2.0, total_timeout: float = 15.0, preview: bool = True
) -> WorkingReport:
    """Check a student's working, one step per line; never raises (see the module docstring).

    ``preview``: also show each maths line as the checker read it (up to PREVIEW_BUDGET_S more).
    """
    try:
        return _check_working(text, timeout, total_timeout, preview)
    except Exception:  # noqa: BLE001 - a bug here must not reach the student as a crash
        return WorkingReport(False, "Sorry, I could not check this working.", [])


def _check_working(text: object, timeout: float, total_timeout: float, preview: bool) -> WorkingReport:
    if not isinstance(text, (str, list)) or not (
        text.strip() if isinstance(text, str) else any(isinstance(t, str) and t.strip() for t in text)
    ):
        return WorkingReport(False, "There is no working to check. Write one step per line.", [])
    if isinstance(text, str) and len(text) > MAX_WORKING_CHARS:
        return WorkingReport(False, f"That is too long to check; the limit is {MAX_WORKING_CHARS:,} characters.", [])
    entries = _entries(text)
    n = len(entries)
    marks = [""] * n
    deadline = time.monotonic() + total_timeout
    notes: list[str] = []
    unreadable: list[int] = []
    unchecked: list[str] = []
    wrong: int | None = None
    message = ""
    prev: tuple[int, str, bool] | None = None  # (line, maths, found in prose) of the last equation or maths line read
    checked = min(n, MAX_LINES)
    timed_out_at: int | None = None
    for i in range(checked):
        _, _, line = entries[i]
        if not line:
            prev = None
            continue
        if len(line) > (MAX_LINE_CHARS if _is_maths(line) else MAX_PROSE_CHARS):
            if _is_maths(line):
                marks[i] = "unreadable"
                unreadable.append(i)
            notes.append(f"line {i + 1} is too long to check")
            prev = None
            continue
        line = _CALCULATOR.sub("", line).strip() or line  # GSM8K's '48/2 = <<48/2=24>>24': the sum as shown
        links = computations(line)
        bad = next((link for link in links if not link.ok), None)
        if bad is not None:
            wrong, marks[i] = i, "wrong"
            message = f"Line {i + 1} is not right: {_slip(bad)}."
            break
        mark = "ok" if links else ""
        maths = _is_maths(line) and not (_numbers_only(line) and "=" in line)
        items = [_times(line)] if maths else equations(line)
        if not items:
            # a line that states no result ('Dividing both sides by 3, we get:') passes the last
            # equation on to the next line; one with an '=', or one that names an unknown afresh, does not
            if "=" in line or _NAMES_AN_UNKNOWN.search(line):
                prev = None
            marks[i] = mark
            continue
        if not maths and _NAMES_AN_UNKNOWN.search(line):
            prev = None
        for item in items:
            remaining = deadline - time.monotonic()
            if remaining <= 0.1:
                timed_out_at = i
                break
            lenient = not maths or (prev is not None and prev[2])
            out = _pool_step(prev[1] if prev else "", item, min(timeout, remaining), lenient)
            if out.verdict == "unreadable_prev":  # read before, not now (a time-out): read this one alone
                prev = None
                out = _pool_step("", item, min(timeout, max(0.1, deadline - time.monotonic())))
            verdict, detail = out.verdict, out.detail
            if verdict == "unreadable":
                if maths and not links:
                    mark = "unreadable"
                    unreadable.append(i)
                prev = None
                continue
            if verdict in ("wrong", "wrong_inside"):
                wrong, mark = i, "wrong"
                if verdict == "wrong" and prev and prev[0] != i:
                    message = f"Line {i + 1} does not follow from line {prev[0] + 1}: {detail}."
                else:
                    message = f"Line {i + 1} is not right: {detail}."
                break
            if verdict in ("follows", "holds") or (verdict == "read" and i == 0 and maths):
                mark = "ok"
            elif verdict == "unchecked" and prev and maths:
                unchecked.append(f"line {i + 1} ({detail})")
            prev = None if verdict == "holds" and not maths else (i, item, not maths)
        marks[i] = mark
        if wrong is not None or timed_out_at is not None:
            break
    lines = _lines(entries, marks, preview)
    if wrong is not None:
        return WorkingReport(False, message + _tail(n, checked), lines, wrong)
    parts = []
    if timed_out_at is not None:
        parts.append(f"There was no time to check line {timed_out_at + 1} onwards.")
    if unreadable:
        parts.append(
            f"I could not read line{'s' if len(unreadable) > 1 else ''} {_numbers(unreadable)}: write maths as, "
            f"for example, 2x + 3 = 7."
        )
    if unchecked:
        parts.append(f"I could not check {'; '.join(unchecked)}.")
    if notes:
        parts.append(f"Also, {'; '.join(notes)}.")
    if not any(m == "ok" for m in marks):
        lead = "There is only one line, so there is no step to check." if n == 1 else "I found nothing I could check."
        lead += " Write one step per line, with the sums you did (for example 3 x 4 = 12)."
    elif unreadable or unchecked or timed_out_at is not None:
        lead = "No mistake found in the lines I could check."
    else:
        lead = "No mistake found: every step I could check is right."
    return WorkingReport(not unreadable, " ".join([lead, *parts]) + _tail(n, checked), lines)


def _numbers(indices: list[int]) -> str:
    shown = [str(i + 1) for i in indices]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _tail(n: int, checked: int) -> str:
    return f" Only the first {MAX_LINES} lines were checked." if n > checked else ""


def _lines(entries: list[tuple[int, str, str]], marks: list[str], preview: bool) -> list[WorkingLine]:
    out = []
    deadline = time.monotonic() + PREVIEW_BUDGET_S
    for i, ((index, raw, line), mark) in enumerate(zip(entries, marks)):
        latex = None
        remaining = deadline - time.monotonic()
        if preview and line and i < MAX_LINES and remaining > 0.05 and _is_maths(line) and len(line) <= MAX_LINE_CHARS:
            latex = parse_preview(_times(line), timeout=min(1.0, remaining))
        out.append(WorkingLine(line or raw, mark, latex, index))
    return out


def first_wrong_step(lines: list[str] | str, timeout: float = 2.0, total_timeout: float = 15.0) -> StepReport:
    """``check_working`` summed up (indices into ``clean_lines(lines)``); never raises."""
    if not isinstance(lines, (str, list)):
        return StepReport(False, None, "There is no working to check. Write one step per line.")
    if isinstance(lines, list):
        lines = [line for line in lines if isinstance(line, str) and _clean(line)]
    elif isinstance(lines, str):
        lines = [line for line in lines.splitlines() if _clean(line)]
    if isinstance(lines, list) and sum(len(x) for x in lines) > MAX_WORKING_CHARS:
        lines = lines[: MAX_LINES + 1]
    rep = check_working(lines, timeout, total_timeout, preview=False)
    unread = next((i for i, line in enumerate(rep.lines) if line.mark == "unreadable"), None)
    return StepReport(
        rep.ok and rep.wrong_index is None, rep.wrong_index, rep.message, unread if rep.wrong_index is None else None
    )
