"""Does one line of a student's working follow from the line before? (pool worker side)

A line is read with the checker's grammar as one of:

* an expression (``x^2 + 2x + 1``; a leading ``=`` continues a chain);
* an identity chain (``(x+1)^2 = x^2 + 2x + 1``): every link must hold, and the
  chain then stands for its last expression;
* an equation or inequality, or a list of solutions (``x = 2 or x = -2``, ``x = ±2``).

Two expressions follow when they are equal (the checker's ``values_equal``).
Two equations follow when they are proportional (``2x = 4`` and ``x = 2``) or,
in one unknown, when their real solution sets are the same; a step that loses
or adds a solution does not follow. Anything else (equations in several
unknowns that are not proportional, a switch between kinds) is reported as
unchecked, never as wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from . import compare as cmp
from .checker import _sets_equal, parse_answer
from .display import expr_latex
from .lexer import ParseError
from .nodes import PM, Items, Rel
from .shapes import as_realset, to_num

_WITNESSES = (0, 1, 2, 3, -1, -2, 5)
"""Values tried to show a student where two expressions differ."""


@dataclass
class _Line:
    kind: str
    """expr | equation | set"""
    value: sympy.Expr | None = None
    node: object = None
    broken_link: int | None = None
    """Index of the first '=' of an identity chain that does not hold."""


def _value(x: object) -> sympy.Expr:
    if not isinstance(x, sympy.Expr) or PM in x.free_symbols:
        raise ParseError("not a single expression")
    return to_num(x).expr


def _read(text: str) -> _Line:
    text = text.strip()
    if text.startswith("="):
        text = text[1:]
    node = parse_answer(text)
    if isinstance(node, sympy.Expr):
        return _Line("expr", _value(node))
    if isinstance(node, Rel) and set(node.ops) == {"="} and all(isinstance(t, sympy.Expr) for t in node.terms):
        if PM in set().union(*(t.free_symbols for t in node.terms)):
            return _Line("set", node=node)
        values = [_value(t) for t in node.terms]
        links = [cmp.values_equal(a, b) for a, b in zip(values, values[1:])]
        if all(links) and values[0].free_symbols:
            return _Line("expr", values[0], node)
        if len(values) == 2:
            return _Line("equation", values[0] - values[1], node)
        if links[0]:
            return _Line("expr", values[0], node, broken_link=links.index(False))
        raise ParseError("a chain of equations that are not all equal")
    if isinstance(node, (Rel, Items)):
        return _Line("set", node=node)
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
                return f" (at ${expr_latex(v)} = {k}$ the line before gives ${expr_latex(ea)}$ but this one gives ${expr_latex(eb)}$)"
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
    unknowns = _symbols(prev.node) | _symbols(cur.node)
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


def _follows(prev: _Line, cur: _Line) -> dict:
    if cur.broken_link is not None:
        return {"verdict": "wrong_inside", "detail": f"the expression after “=” number {cur.broken_link + 1} is not equal to the one before it"}
    if prev.kind == "expr" and cur.kind == "expr":
        if cmp.values_equal(prev.value, cur.value):
            return {"verdict": "follows", "detail": ""}
        return {"verdict": "wrong", "detail": "the two expressions are not equal" + _witness(prev.value, cur.value)}
    if prev.kind == "expr" or cur.kind == "expr":
        return {"verdict": "unchecked", "detail": "one line is an expression and the other an equation"}
    if prev.kind == cur.kind == "equation" and cmp.proportional(prev.value, cur.value):
        return {"verdict": "follows", "detail": ""}
    sets = _solution_sets(prev, cur)
    if sets is None:
        return {"verdict": "unchecked", "detail": "I can only compare these equations when they have one unknown"}
    if _sets_equal(sets[0], sets[1]):
        return {"verdict": "follows", "detail": ""}
    return {"verdict": "wrong", "detail": _set_detail(*sets)}


def step(prev: str, cur: str) -> dict:
    """``{"verdict": follows|wrong|wrong_inside|unchecked|unreadable_prev|unreadable, "detail": str}``."""
    try:
        before = _read(prev)
    except ParseError:
        return {"verdict": "unreadable_prev", "detail": ""}
    try:
        after = _read(cur)
    except ParseError:
        return {"verdict": "unreadable", "detail": ""}
    try:
        return _follows(before, after)
    except ParseError:
        return {"verdict": "unchecked", "detail": "I could not compare these two lines"}
