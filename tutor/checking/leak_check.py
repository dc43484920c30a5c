"""Does a hint state the final answer? (runs in a pool worker; see tutor/leak_screen.py)

Each candidate is ``[kind, text]`` found by the host in one sentence of a hint:

* ``value``: text in a stating position ("the answer is …", "x is …", a
  ``\\boxed{}``): a value is compared with the answer as a whole, an equation
  or list as a fragment;
* ``fragment``: a maths span or a run of maths in prose: only what it *states*
  counts, so restating the question (``2x = 8`` for the answer x = 4) is not a
  leak but ``x = 4``, ``x = 8/2 = 4`` and ``2 + 2 = 4`` are.

A statement leaks when the checker's ``judge`` finds it equal to the answer, or,
when the answer has several solutions, equal to any one of them (one root of
two is still a leak). At most MAX_CANDIDATES are examined.
"""

from __future__ import annotations

from collections.abc import Iterator

import sympy

from .checker import judge, parse_answer
from .lexer import ParseError
from .nodes import Items, Rel
from .shapes import as_solutions
from .text import extract

MAX_CANDIDATES = 80
MAX_CANDIDATE_CHARS = 300


def _statements(kind: str, node: object) -> Iterator[object]:
    """What a candidate states, as parse trees comparable with the answer."""
    if kind == "value" and not isinstance(node, (Rel, Items)):
        yield node
        return
    if isinstance(node, Items):
        if all(isinstance(i, Rel) for i in node.items):
            yield node  # "x = 2, y = 1" or "x = 1 or x = 4"
        for item in node.items:
            yield from _statements("fragment", item)
        return
    if not isinstance(node, Rel) or not all(isinstance(t, sympy.Expr) for t in node.terms):
        return
    symbols = [t for t in node.terms if isinstance(t, sympy.Symbol)]
    constants = [t for t in node.terms if not t.free_symbols]
    if set(node.ops) == {"="}:
        if symbols:
            s = symbols[0]
            for t in node.terms:
                if t is not s and s not in t.free_symbols:
                    yield Rel((s, t), ("=",))
        elif len(constants) == len(node.terms):
            yield from node.terms  # "2 + 2 = 4"
    elif len(symbols) == 1 and len(constants) == len(node.terms) - 1:
        yield node  # "x > 4", "1 < x <= 3"


def _references(final_answer: str) -> list[object]:
    ref = parse_answer(extract(final_answer))
    refs = [ref]
    sols = as_solutions(ref) if not isinstance(ref, sympy.Set) else None
    if sols is not None and len(sols.values) > 1:
        refs.extend(v.expr for v in sols.values)
    return refs


def leaks(candidates: list, final_answer: str) -> dict:
    """``{"readable": bool, "index": first leaking candidate or None}``."""
    try:
        refs = _references(final_answer)
    except ParseError:
        return {"readable": False, "index": None}
    for index, (kind, text) in enumerate(candidates[:MAX_CANDIDATES]):
        if not isinstance(text, str) or len(text) > MAX_CANDIDATE_CHARS:
            continue
        try:
            node = parse_answer(extract(text))
        except ParseError:
            continue
        for statement in _statements(kind, node):
            for ref in refs:
                try:
                    same, _ = judge(statement, ref)
                except (ParseError, TypeError, ValueError, AttributeError, NotImplementedError):
                    continue
                if same:
                    return {"readable": True, "index": index}
    return {"readable": True, "index": None}
