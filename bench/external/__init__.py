"""Measurements on public, labelled data (``../shared/eval/`` or ``--eval DIR``).

One module per guarantee; each exposes ``measure(eval_dir: Path) -> Section``.
``bench/bench_external.py`` runs them all and prints one table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Section:
    title: str
    rows: list[tuple[str, str, str]] = field(default_factory=list)
    """(metric, value, target or "") — printed as one table row each."""
    listing: list[str] = field(default_factory=list)
    """Lines printed under the table (e.g. each settled answer that differs from the official one)."""


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
