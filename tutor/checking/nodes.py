"""Parse-tree nodes for answer structure; the maths inside them is sympy.

The parser decides only what the text says (a list, a chain of relations, a
bracketed group); what it *means* (a solution set, a point, an interval) is
decided later against the reference, because ``(1, 2)`` is a point or an open
interval depending on the question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy

PM = sympy.Symbol("_pm")
"""Stands for ±1 in ``a ± b``; the lexer cannot produce names with '_'."""
PCT = sympy.Symbol("_pct")
"""Marks ``%``: read as 1/100, or as 1 when the reference is itself a percentage."""
DEG = sympy.Symbol("_deg")
"""Marks ``°``: read as 1 (30° equals 30), or as π/180 against a radian reference."""


RATIO = sympy.Function("_ratio")
"""``a:b`` (a ratio, or a clock time ``12:00``): equal only part by part after evaluation,
so ``7:32`` is ``\\frac{14}{2}:32`` but not ``14:64`` nor ``7/32``, and ``12:00`` is not ``1:00``."""


SIGFIG = re.compile(r"_sf(\d+)")
"""Names of significant-figure markers."""


def sigfig_digits(name: str) -> int:
    """The significant figures a ``_sf<n>`` marker's name records (the caller has matched ``SIGFIG``)."""
    m = SIGFIG.fullmatch(name)
    assert m is not None, name
    return int(m.group(1))


def sigfig_marker(n: int) -> sympy.Symbol:
    """Factor 1 attached to a typed decimal with n significant figures (``_sf3``)."""
    return sympy.Symbol(f"_sf{n}")


@dataclass(frozen=True)
class Items:
    """A top-level list: ``x = 1 or x = 4``, ``1, 4``, ``4 and 1``."""

    items: tuple
    seps: tuple[str, ...]


@dataclass(frozen=True)
class Rel:
    """A chain of relations: ``0 <= x < 3`` has terms (0, x, 3), ops ('<=', '<')."""

    terms: tuple
    ops: tuple[str, ...]


@dataclass(frozen=True)
class Delim:
    """A bracketed list with at least two items, or mismatched brackets: ``[0, 3)``."""

    open: str
    close: str
    items: tuple
    seps: tuple[str, ...] = ()
    """Separators between the items (``(x < 0 or x >= 1)`` keeps its ``or``)."""


@dataclass(frozen=True)
class SetOp:
    """``A ∪ B`` or ``A ∩ B`` over intervals/sets."""

    op: str
    parts: tuple


@dataclass(frozen=True)
class MatrixNode:
    rows: tuple[tuple, ...]
