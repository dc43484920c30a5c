"""The habits in pyproject.toml, checked: ``ruff check`` and ``mypy`` report nothing.

Both run as the project's own tools (pinned in requirements-dev.txt) over the whole checkout,
with the settings in pyproject.toml: ruff's rule set, line length and exclusions, and mypy's
``files`` (tutor, ui, storage, app.py). A finding fails the test with the tool's own report.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(tool: str, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    if importlib.util.find_spec(tool) is None:
        pytest.fail(f"{tool} is not installed: pip install -r requirements-dev.txt")
    return subprocess.run(
        [sys.executable, "-m", tool, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_ruff_finds_nothing() -> None:
    proc = _run("ruff", "check", "--no-cache", "--output-format", "concise", ".", timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_finds_nothing() -> None:
    # the files to check come from [tool.mypy] in pyproject.toml
    proc = _run("mypy", timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
