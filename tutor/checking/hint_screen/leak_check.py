"""Does a hint state the final answer? (runs in a pool worker; see screen.py)

Each candidate is ``[kind, text, weak, window]`` (a ``tasks.Candidate`` as JSON) found by the host
in one sentence of a hint:

* ``value``: text in a stating position ("the answer is …", "x is …", a
  ``\\boxed{}``): a value is compared with the answer as a whole, an equation
  or list as a fragment;
* ``fragment``: a maths span or a run of maths in prose: only what it *states*
  counts, so restating the question (``2x = 8`` for the answer x = 4) is not a
  leak but ``x = 4``, ``x = 8/2 = 4`` and ``2 + 2 = 4`` are.

A statement leaks when the checker's ``judge`` finds it equal to the answer, or,
when the answer has several solutions, equal to any one of them (one root of
two is still a leak). At most MAX_CANDIDATES are examined.

Two more fields, ``weak`` (true for a mere restatement: "is 4", ``40 - 20 = 20``)
and ``window`` (content words around it), let the dialogue excuse it: ``known``
lists ``[number, window]`` for each number the dialogue already wrote (digits,
``2/5``, ``30%``), and a weak candidate is skipped when the answer is a number (or
``x = number``) that the dialogue wrote with a word in common ("2,000 steps left"
then "had 2000 steps left"; ``30%`` counts as 30 and as 0.3). So "divide by 2 and
you get 2" for ``2x + 3 = 7`` is still a leak: the question's 2 counted x, not the
same thing. Only the first MAX_KNOWN are read; each number is parsed by
``fractions.Fraction`` (never by sympy).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from fractions import Fraction

import sympy

from ..checker import judge, parse_answer
from ..lexer import ParseError
from ..nodes import Items, Rel
from ..shapes import as_solutions
from ..text import extract

MAX_CANDIDATES = 80
MAX_CANDIDATE_CHARS = 300
MAX_KNOWN = 400
_KNOWN = re.compile(r"[-+]?\d{1,30}(?:\.\d{1,30})?(?:/\d{1,30})?%?")


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


def _number(ref: object) -> Fraction | None:
    """The answer as an exact number (``4``, ``x = 4``, ``0.5``), or None."""
    if isinstance(ref, Rel) and ref.ops == ("=",) and len(ref.terms) == 2 and isinstance(ref.terms[0], sympy.Symbol):
        ref = ref.terms[1]
    if not isinstance(ref, sympy.Expr) or ref.free_symbols:
        return None
    if isinstance(ref, sympy.Rational):
        return Fraction(int(ref.p), int(ref.q))
    if isinstance(ref, sympy.Float):
        return Fraction(str(ref)).limit_denominator(10**9)
    return None


def _known_values(ref: object, known: object) -> list[set[str]]:
    """The word windows of the dialogue's numbers that equal the answer."""
    value = _number(ref)
    if value is None or not isinstance(known, list):
        return []
    out = []
    for item in known[:MAX_KNOWN]:
        if not (isinstance(item, (list, tuple)) and len(item) == 2 and isinstance(item[0], str)):
            continue
        text, window = item
        if not _KNOWN.fullmatch(text) or not isinstance(window, list):
            continue
        percent = text.endswith("%")
        try:
            number = Fraction(text.rstrip("%"))
        except (ValueError, ZeroDivisionError):
            continue
        if number == value or (percent and number / 100 == value):
            out.append({w for w in window if isinstance(w, str)})
    return out


def _restated(windows: list[set[str]], candidate: Sequence) -> bool:
    """Does a weak candidate share a word with a place where the dialogue wrote the answer?"""
    if len(candidate) < 4 or candidate[2] is not True or not isinstance(candidate[3], list):
        return False
    words = {w for w in candidate[3] if isinstance(w, str)}
    return any(words & window for window in windows)


def leaks(candidates: list, final_answer: str, known: list | None = None) -> dict:
    """``{"readable": bool, "index": first leaking candidate or None}``."""
    try:
        refs = _references(final_answer)
    except ParseError:
        return {"readable": False, "index": None}
    windows = [_known_values(ref, known) for ref in refs]
    for index, candidate in enumerate(candidates[:MAX_CANDIDATES]):
        if not isinstance(candidate, (list, tuple)) or len(candidate) < 2:
            continue
        kind, text = candidate[0], candidate[1]
        if not isinstance(text, str) or len(text) > MAX_CANDIDATE_CHARS:
            continue
        try:
            node = parse_answer(extract(text))
        except ParseError:
            continue
        for statement in _statements(kind, node):
            for ref, known_windows in zip(refs, windows):
                if known_windows and _restated(known_windows, candidate):
                    continue
                try:
                    same, _ = judge(statement, ref)
                except (ParseError, TypeError, ValueError, AttributeError, NotImplementedError):
                    continue
                if same:
                    return {"readable": True, "index": index}
    return {"readable": True, "index": None}
