"""Does one line of a student's working follow from the line before? (pool worker side)

A line is read with the checker's grammar as one of:

* an expression (``x^2 + 2x + 1``; a leading ``=`` continues a chain);
* an identity chain (``(x+1)^2 = x^2 + 2x + 1``): every link must hold, and the
  chain then stands for its last expression;
* an equation or inequality, or a list of solutions (``x = 2 or x = -2``, ``x = ±2``).

Two lines are compared only when they are in the same unknowns. An identity chain
(every link holds) is right in itself and is not compared with the line before (unless
it starts with '='); an '=' chain of numbers is not judged here at all (its rounding
rules are in ``prose.py``). A decimal written with a point may be the
value before it rounded (``x = 63.33`` after ``3x = 190``).

Two expressions follow when they are equal (the checker's ``values_equal``).
Two equations follow when they are proportional (``2x = 4`` and ``x = 2``) or,
in one unknown, when their real solution sets are the same; a step that loses
or adds a solution does not follow. Anything else (equations in several
unknowns that are not proportional, a switch between kinds) is reported as
unchecked, never as wrong.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import sympy

from .. import compare as cmp
from ..checker import parse_answer, sets_equal
from ..display import expr_latex
from ..lexer import ParseError
from ..nodes import PM, Items, Rel
from ..shapes import as_realset, to_num
from .prose import rounds_to

_WITNESSES = (0, 1, 2, 3, -1, -2, 5)
"""Values tried to show a student where two expressions differ."""


@dataclass
class _Line:
    kind: str
    """expr | equation | set | numbers (an '=' chain between numbers: judged by prose.py)"""
    value: sympy.Expr | None = None
    node: object = None
    broken_link: int | None = None
    """Index of the first '=' of an identity chain that does not hold."""
    identity: bool = False
    """An '=' chain whose links all hold (``(x+1)^2 = x^2 + 2x + 1``): right in itself, not a step from
    the line before."""
    continues: bool = False
    """The line starts with '=' (it continues the line before)."""
    text: str = ""


def _value(x: object) -> sympy.Expr:
    if not isinstance(x, sympy.Expr) or PM in x.free_symbols:
        raise ParseError("not a single expression")
    return to_num(x).expr


def _read(text: str) -> _Line:
    text = text.strip()
    continues = text.startswith("=")
    if continues:
        text = text[1:]
    node = parse_answer(text)
    if isinstance(node, sympy.Expr):
        return _Line("expr", _value(node), continues=continues, text=text)
    if isinstance(node, Rel) and set(node.ops) == {"="} and all(isinstance(t, sympy.Expr) for t in node.terms):
        if PM in set().union(*(t.free_symbols for t in node.terms)):
            return _Line("set", node=node, text=text)
        values = [_value(t) for t in node.terms]
        if not any(v.free_symbols for v in values):
            return _Line("numbers", values[-1], node, text=text)  # '1 + 1 = 2 = 2': rounding rules apply
        links = [cmp.values_equal(a, b) for a, b in itertools.pairwise(values)]
        if all(links):
            return _Line("expr", values[-1], node, identity=not continues, continues=continues, text=text)
        if len(values) == 2:
            return _Line("equation", values[0] - values[1], node, text=text)
        if links[0]:
            return _Line("expr", values[0], node, broken_link=links.index(False), continues=continues, text=text)
        raise ParseError("a chain of equations that are not all equal")
    if isinstance(node, (Rel, Items)):
        return _Line("set", node=node, text=text)
    raise ParseError("not an expression or equation")


def _witness(a: sympy.Expr, b: sympy.Expr) -> str:
    free = sorted(a.free_symbols | b.free_symbols, key=lambda s: s.name)
    if len(free) != 1:
        return ""
    (v,) = free
    for k in _WITNESSES:
        va, vb = cmp.numeric(a, 15, {v: k}), cmp.numeric(b, 15, {v: k})
        if va is not None and vb is not None and not cmp.close(va, vb, 1e-9, 1e-12):
            ea, eb = a.subs(v, k), b.subs(v, k)
            if ea.is_Rational and eb.is_Rational:
                return (
                    f" (at ${expr_latex(v)} = {k}$ the line before gives ${expr_latex(ea)}$ but this one gives "
                    f"${expr_latex(eb)}$)"
                )
            return f" (they differ at ${expr_latex(v)} = {k}$)"
    return ""


def _symbols(node: object) -> set[sympy.Symbol]:
    """Unknowns in a line (±'s marker excluded)."""
    if isinstance(node, sympy.Expr):
        return node.free_symbols - {PM}
    parts = node.terms if isinstance(node, Rel) else node.items if isinstance(node, Items) else ()
    return set().union(set(), *(_symbols(p) for p in parts))


def _solution_sets(prev: _Line, cur: _Line) -> tuple[sympy.Set, sympy.Set, sympy.Symbol] | None:
    """Real solution sets of two lines in the same single unknown, or None."""
    unknowns = _symbols_of(prev) | _symbols_of(cur)
    if len(unknowns) != 1:
        return None
    a, b = as_realset(prev.node), as_realset(cur.node)
    if a is None or b is None or not (_real(a.value) and _real(b.value)):
        return None  # complex working (x = ±i) is not judged against real solution sets
    return a.value, b.value, unknowns.pop()


def _real(s: sympy.Set) -> bool:
    if s.free_symbols:
        return False
    return not isinstance(s, sympy.FiniteSet) or all(e.is_real for e in s)


def _member(s: sympy.Set) -> sympy.Expr | None:
    """One simple element of a nonempty set of reals (to show the student), or None."""
    if isinstance(s, sympy.FiniteSet) and len(s):
        return min(s, key=sympy.default_sort_key)
    if isinstance(s, sympy.Union):
        return _member(s.args[0])
    if isinstance(s, sympy.Interval):
        a, b = s.start, s.end
        if a.is_finite and b.is_finite:
            return (a + b) / 2
        if a.is_finite:
            return a + 1
        if b.is_finite:
            return b - 1
        return sympy.S.Zero
    return None


def _set_detail(before: sympy.Set, after: sympy.Set, var: sympy.Symbol) -> str:
    lost, gained = sympy.Complement(before, after), sympy.Complement(after, before)
    if isinstance(lost, sympy.FiniteSet) and 0 < len(lost) <= 4 and gained is sympy.S.EmptySet:
        vals = ", ".join(f"${expr_latex(var)} = {expr_latex(v)}$" for v in sorted(lost, key=sympy.default_sort_key))
        return f"it loses the solution{'s' if len(lost) > 1 else ''} {vals}"
    for diff, first, second in ((gained, "this line", "the line before"), (lost, "the line before", "this line")):
        point = _member(diff)
        if point is not None:
            return f"${expr_latex(var)} = {expr_latex(point)}$ solves {first} but not {second}"
    return "the two lines do not have the same solutions"


_DECIMAL = re.compile(r"^\s*(?:[A-Za-z]\s*=\s*)?(-?\d+\.(\d+))\s*$")


def _rounded(prev: sympy.Expr | sympy.Set, cur: _Line) -> bool:
    """``x = 63.33`` after ``3x = 190`` (or ``3.33`` after ``10/3``): the one value rounded or cut to the
    decimals shown (``prose.rounds_to``; ``x = 63.4`` is neither). Only a decimal written with a
    point counts as a rounding: ``x = 63`` is compared exactly."""
    m = _DECIMAL.match(cur.text)
    if not m:
        return False
    if isinstance(prev, sympy.FiniteSet):
        if len(prev) != 1:
            return False
        (prev,) = prev.args
    if not isinstance(prev, sympy.Expr) or prev.free_symbols:
        return False
    if prev.is_Rational:
        exact = Fraction(int(prev.p), int(prev.q))
    else:
        approx = cmp.numeric(prev, 30)
        if approx is None or approx.imag != 0:
            return False
        exact = Fraction(mpmath.nstr(approx.real, 30, min_fixed=-100, max_fixed=100))
    return rounds_to(exact, Fraction(m.group(1)), len(m.group(2)))


_APPROX = re.compile(r"\d*\.\d{2,}")
"""A decimal with two or more decimals (``0.33x``): perhaps a rounded value."""


def _follows(prev: _Line, cur: _Line, lenient: bool = False) -> dict:
    out = _follows_exactly(prev, cur, lenient)
    if (
        out["verdict"] in ("wrong", "wrong_inside")
        and (_APPROX.search(prev.text) or _APPROX.search(cur.text))
        and not (out["verdict"] == "wrong" and _DECIMAL.match(cur.text) and not _APPROX.search(prev.text))
    ):
        # '(x+1)/3 = 0.33x + 0.33': rounded coefficients are not judged; 'x = 63.4' after '3x = 190' is
        return {"verdict": "unchecked", "detail": "it has rounded decimals"}
    return out


def _follows_exactly(prev: _Line, cur: _Line, lenient: bool = False) -> dict:
    if cur.broken_link is not None:
        return {
            "verdict": "wrong_inside",
            "detail": f"the expression after “=” number {cur.broken_link + 1} is not equal to the one before it",
        }
    if prev.kind == "numbers" or cur.kind == "numbers":
        return {"verdict": "unchecked", "detail": "a line of numbers is checked in itself"}
    if cur.identity:
        return {"verdict": "holds", "detail": ""}  # right in itself; not a step from the line before
    if _symbols_of(prev) != _symbols_of(cur):
        return {"verdict": "unchecked", "detail": "the two lines are not in the same unknowns"}
    if prev.kind == "expr" and cur.kind == "expr":
        if cmp.values_equal(prev.value, cur.value) or _rounded(prev.value, cur):
            return {"verdict": "follows", "detail": ""}
        return {"verdict": "wrong", "detail": "the two expressions are not equal" + _witness(prev.value, cur.value)}
    if prev.kind == "expr" or cur.kind == "expr":
        return {"verdict": "unchecked", "detail": "one line is an expression and the other an equation"}
    if prev.kind == cur.kind == "equation" and cmp.proportional(prev.value, cur.value):
        return {"verdict": "follows", "detail": ""}
    sets = _solution_sets(prev, cur)
    if sets is None:
        return {"verdict": "unchecked", "detail": "I can only compare these equations when they have one unknown"}
    if sets_equal(sets[0], sets[1]) or _rounded(sets[0], cur):
        return {"verdict": "follows", "detail": ""}
    if lenient and sympy.Complement(sets[1], sets[0]) is sympy.S.EmptySet:
        # 'x^2 = 4, so x = 2' in prose: the question may rule out x = -2; only a new value is certain
        return {"verdict": "unchecked", "detail": "it keeps only some of the solutions"}
    return {"verdict": "wrong", "detail": _set_detail(*sets)}


def _symbols_of(line: _Line) -> set[sympy.Symbol]:
    """The unknowns, without the reader's markers (``_sf4`` records a decimal's significant figures)."""
    found = (
        _symbols(line.node)
        if line.node is not None
        else _symbols(line.value)
        if isinstance(line.value, sympy.Expr)
        else set()
    )
    return {v for v in found if not v.name.startswith("_")}


def _alone(cur: _Line) -> dict:
    """A line read without a line before it."""
    if cur.broken_link is not None:
        return _follows(cur, cur)
    if cur.identity:
        return {"verdict": "holds", "detail": ""}
    return {"verdict": "read", "detail": ""}


def step(prev: str, cur: str, lenient: bool = False) -> dict:
    """``{"verdict": ..., "detail": str}``; ``prev`` "" reads ``cur`` alone.

    ``lenient`` (equations found in prose, whose conditions are in words): a step that keeps only
    some of the solutions is not judged; one that brings in a value the line before excludes is.

    Verdicts: follows | wrong | wrong_inside (an '=' chain inside ``cur`` breaks) | holds (an
    identity, right in itself) | read (read alone, nothing to judge) | unchecked | unreadable_prev |
    unreadable.
    """
    before = None
    if prev:
        try:
            before = _read(prev)
        except (ParseError, ValueError, TypeError):
            return {"verdict": "unreadable_prev", "detail": ""}
    try:
        after = _read(cur)
    except (ParseError, ValueError, TypeError):
        return {"verdict": "unreadable", "detail": ""}
    try:
        return _alone(after) if before is None else _follows(before, after, bool(lenient))
    except (ParseError, ValueError, TypeError):
        return {"verdict": "unchecked", "detail": "I could not compare these two lines"}
