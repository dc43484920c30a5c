"""Session modes and message and attempt statuses: one definition each (storage/enums.py).

Their values are what the database and the JSON hold, so they must never change; the code
compares against the members, not against bare strings (read from the source, not a run).
"""

from __future__ import annotations

import ast
from pathlib import Path

from storage.enums import AttemptStatus, MessageStatus, SessionMode
from tutor.checking.verdict import STATUSES

ROOT = Path(__file__).resolve().parents[1]
SKIPPED = ("storage/enums.py", "storage/migrations/", "tutor/backends/", "tutor/checking/")
"""The definition itself; migrations (frozen in time, they may not import the app); the model
backends and the checker (a separate vocabulary, checked equal below)."""


def test_the_values_are_the_stored_strings() -> None:
    assert [m.value for m in SessionMode] == ["solution", "hint", "coach", "practice"]
    assert [m.value for m in MessageStatus] == ["generating", "complete", "cut", "stopped", "failed", "interrupted"]
    assert [m.value for m in AttemptStatus] == ["correct", "incorrect", "unparseable", "timeout"]
    assert MessageStatus.COMPLETE == "complete" and f"{SessionMode.HINT}" == "hint"  # str in, str out


def test_the_checker_gives_exactly_the_attempt_statuses() -> None:
    assert set(STATUSES) == set(AttemptStatus)


def _bare_literals(source: str) -> list[tuple[int, str]]:
    """String constants naming a mode or status in a comparison with something called *status* or *mode*."""
    names = {m.value for enum in (SessionMode, MessageStatus, AttemptStatus) for m in enum}
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        if not any(word in (ast.get_source_segment(source, o) or "") for o in operands for word in ("status", "mode")):
            continue
        for operand in operands:
            items = operand.elts if isinstance(operand, ast.Tuple | ast.List | ast.Set) else [operand]
            found += [
                (node.lineno, i.value)
                for i in items
                if isinstance(i, ast.Constant) and isinstance(i.value, str) and i.value in names
            ]
    return found


def test_no_bare_strings_for_modes_or_statuses() -> None:
    offenders = []
    for package in ("tutor", "ui", "storage"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative.startswith(SKIPPED):
                continue
            offenders += [f"{relative}:{line}: {value!r}" for line, value in _bare_literals(path.read_text("utf-8"))]
    assert offenders == []


def test_the_scan_finds_a_bare_string() -> None:
    assert _bare_literals('if message.status == "cut" or mode in ("hint", "x"):\n    pass\n') == [
        (1, "cut"),
        (1, "hint"),
    ]
