""" "Check my working" against teacher-annotated first wrong steps (``pedagogy_dev.jsonl``).

Rows with ``task == "check_working"``: ``kind`` ``student_incorrect`` (a student's solution
with ``first_error_step``, the 0-based index of the first wrong step) or
``reference_correct`` (the reference solution: every step right). ``steps`` is a list
of lines (or its JSON / Python repr). Each solution is fed as ``"\\n".join(steps)``
(newlines inside a step become spaces, so line k of the report is step k).

Figures: verdicts given (a line marked "wrong"), first errors located (the line marked
"wrong" is the annotated one), correct lines marked wrong (any line of a reference
solution, or a line before the annotated first error), crashes (an exception), time-outs
(a pool request that ran out of time, or a check over its time limit) and messages that
speak of "line 0". Each correct line marked wrong is listed, then each first error located.
The last rows say how the annotated first-error lines read as computations: a line whose
stated arithmetic is all right (``7 - 4 = 3`` where 4 is the wrong number) is an error of
understanding that no computation check can see.
"""

from __future__ import annotations

import ast
import json
import time
from pathlib import Path

from external import Section, read_jsonl

TIME_LIMIT_S = 15.0
"""check_working's total time limit (its default)."""


def _steps(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(s) for s in value]
    if isinstance(value, str):
        for load in (json.loads, ast.literal_eval):  # our own data file, never student input
            try:
                out = load(value)
                if isinstance(out, list):
                    return [str(s) for s in out]
            except (ValueError, SyntaxError):
                pass
        return [value]
    return []


def _check(text: str):
    from tutor.steps import check_working  # the contract name: every checkout has it
    try:
        return check_working(text, preview=False)
    except TypeError:
        return check_working(text)


def _marks(report, steps: list[str]) -> list[str]:
    """Line marks by step index (a report line carries its input index when it can)."""
    marks = [""] * len(steps)
    for k, line in enumerate(report.lines):
        i = getattr(line, "index", k)
        if 0 <= i < len(marks):
            marks[i] = line.mark
    return marks


def _first_error_lines(students: list[dict]) -> tuple[int, int, int]:
    """How the annotated first wrong lines read as computations: what a computation checker can
    see at most (a line whose stated arithmetic is all right is an error of understanding)."""
    try:
        from tutor.checking.step_check.prose import computations
    except ImportError:  # a checkout from before the maths packages
        try:
            from tutor.steps_prose import computations  # type: ignore[no-redef]
        except ImportError:
            return 0, 0, 0
    holds = false = unread = 0
    for r in students:
        steps, first = _steps(r.get("steps")), r.get("first_error_step")
        if not isinstance(first, int) or not 0 <= first < len(steps):
            continue
        links = computations(steps[first])
        if not links:
            unread += 1
        elif all(link.ok for link in links):
            holds += 1
        else:
            false += 1
    return holds, false, unread


def measure(eval_dir: Path) -> Section:
    rows = [r for r in read_jsonl(eval_dir / "pedagogy_dev.jsonl") if r.get("task") == "check_working"]
    students = [r for r in rows if r.get("kind") == "student_incorrect"]
    refs = [r for r in rows if r.get("kind") == "reference_correct"]
    verdicts = located = crashes = timeouts = line0 = 0
    ref_wrong = before_wrong = 0
    slowest = 0.0
    listing: list[str] = []
    located_list: list[str] = []
    for r in rows:
        steps = [" ".join(s.split()) for s in _steps(r.get("steps"))]
        t0 = time.monotonic()
        try:
            report = _check("\n".join(steps))
        except Exception as exc:  # noqa: BLE001 - a crash is a figure here
            crashes += 1
            listing.append(f"CRASH item {r.get('item')} {r.get('kind')}: {type(exc).__name__}")
            continue
        took = time.monotonic() - t0
        slowest = max(slowest, took)
        message = report.message
        if "took too long" in message or "no time" in message or took > TIME_LIMIT_S:
            timeouts += 1
        if "line 0" in message.lower():
            line0 += 1
        marks = _marks(report, steps)
        wrong = next((i for i, m in enumerate(marks) if m == "wrong"), None)
        first = r.get("first_error_step")
        if r.get("kind") == "student_incorrect":
            if wrong is not None:
                verdicts += 1
                if wrong == first:
                    located += 1
                    located_list.append(
                        f"located item {r.get('item')} step {wrong}: {steps[wrong][:160]!r} — {message[:160]}"
                    )
                elif isinstance(first, int) and wrong < first:
                    before_wrong += 1
                    listing.append(
                        f"WRONGLY MARKED item {r.get('item')} student step {wrong} (annotated first error {first}): "
                        f"{steps[wrong][:200]!r} — {message[:200]}"
                    )
        elif wrong is not None:
            ref_wrong += 1
            listing.append(
                f"WRONGLY MARKED item {r.get('item')} reference step {wrong}: {steps[wrong][:200]!r} — {message[:200]}"
            )
    n = len(students)
    holds, false, unread = _first_error_lines(students)
    pct = f"{100 * located / n:.1f}%" if n else "n/a"
    section = Section("check my working")
    section.rows += [
        ("student solutions", str(n), ""),
        ("reference solutions", str(len(refs)), ""),
        ("verdicts given (a line marked wrong)", str(verdicts), ""),
        ("first errors located", f"{located} ({pct})", "≥ 45%"),
        ("correct lines marked wrong: reference solutions", str(ref_wrong), "0"),
        ("correct lines marked wrong: before the annotated error", str(before_wrong), "0"),
        ("crashes", str(crashes), "0"),
        ("time-outs", str(timeouts), "0"),
        ('messages with "line 0"', str(line0), "0"),
        ("slowest check (s)", f"{slowest:.1f}", f"≤ {TIME_LIMIT_S:.0f}"),
        ("annotated first-error lines: stated arithmetic all right", str(holds), ""),
        ("annotated first-error lines: some stated arithmetic false", str(false), ""),
        ("annotated first-error lines: no computation read", str(unread), ""),
    ]
    section.listing = listing + located_list
    return section
