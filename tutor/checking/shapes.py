"""Readings of a parsed answer as a mathematical object of one shape.

Each ``as_*`` function returns the answer read as that shape, or None when the
text cannot mean that (``x < 2`` is not a list of values). The comparison picks
the shape from the reference and asks the student's answer for the same one.
Markers from the parser are resolved here: ``±`` expands to two values, ``%``
and ``°`` give alternative readings, ``_sfN`` records a typed decimal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy

from .lexer import ParseError
from .limits import check_cost, evaluated
from .nodes import DEG, PCT, PM, SIGFIG, Delim, Items, MatrixNode, Rel, SetOp

MAX_ITEMS = 30
_INEQ = {"<", ">", "<=", ">=", "!="}


@dataclass
class Num:
    """One scalar value with its alternative readings (first is the primary one)."""

    readings: tuple[sympy.Expr, ...]
    sigfigs: int | None = None
    shown: sympy.Expr | None = None

    @property
    def expr(self) -> sympy.Expr:
        return self.readings[0]


@dataclass
class Solutions:
    values: list[Num]
    var: sympy.Symbol | None = None


@dataclass
class Point:
    coords: list[Num]
    brackets: str = "()"
    names: tuple[sympy.Symbol, ...] | None = None


@dataclass
class Equation:
    lhs: sympy.Expr
    rhs: sympy.Expr


@dataclass
class RealSet:
    value: sympy.Set
    var: sympy.Symbol | None = field(default=None)


def to_num(raw: sympy.Expr) -> Num:
    """Evaluate a parsed scalar, resolving %/°/decimal markers (expand ± first)."""
    check_cost(raw)
    expr = evaluated(raw)
    sf = [m for m in expr.free_symbols if SIGFIG.fullmatch(m.name)]
    sigfigs = min(int(SIGFIG.fullmatch(m.name).group(1)) for m in sf) if sf else None
    expr = expr.xreplace({m: sympy.S.One for m in sf})
    if expr.free_symbols - {PCT, DEG}:
        sigfigs = None  # a decimal inside an expression is taken as exact
    shown = expr.xreplace({PCT: sympy.Symbol(r"\%"), DEG: sympy.Symbol(r"{}^{\circ}")})
    if sigfigs is not None:
        coeff, rest = shown.as_coeff_Mul()
        shown = sympy.Mul(sympy.Float(coeff, max(sigfigs, 1)), rest, evaluate=False)
    readings = [expr.xreplace({PCT: sympy.Rational(1, 100), DEG: sympy.S.One})]
    if PCT in expr.free_symbols:
        readings.append(expr.xreplace({PCT: sympy.S.One, DEG: sympy.S.One}))
    if DEG in expr.free_symbols:
        readings.append(expr.xreplace({PCT: sympy.Rational(1, 100), DEG: sympy.pi / 180}))
    return Num(tuple(readings), sigfigs, shown)


def expand_pm(raw: sympy.Expr) -> list[sympy.Expr]:
    """``a ± b`` → [a + b, a - b]; one ± sign shared by the whole expression."""
    if PM not in raw.free_symbols:
        return [raw]
    return [raw.xreplace({PM: sympy.S.One}), raw.xreplace({PM: sympy.S.NegativeOne})]


def nums(raw: sympy.Expr) -> list[Num]:
    return [to_num(r) for r in expand_pm(raw)]


def _assignment(node: object) -> tuple[sympy.Symbol, sympy.Expr] | None:
    """``x = value`` or ``value = x`` with x not in value."""
    if not (isinstance(node, Rel) and node.ops == ("=",)):
        return None
    lhs, rhs = node.terms
    for a, b in ((lhs, rhs), (rhs, lhs)):
        if isinstance(a, sympy.Symbol) and isinstance(b, sympy.Expr) and a not in b.free_symbols:
            return a, b
    return None


def _stem(var: sympy.Symbol) -> str:
    """``x_1`` and ``x_2`` name solutions of the same unknown x."""
    return var.name.partition("_")[0]


def _flat(node: object) -> list:
    if isinstance(node, Items):
        if len(node.items) > MAX_ITEMS:
            raise ParseError("the answer lists too many items")
        return list(node.items)
    return [node]


def as_solutions(node: object) -> Solutions | None:
    """Values from ``x = 1 or x = 4``, ``{1, 4}``, ``±5``, ``x = 1, 4``, ``4``, ∅."""
    if node is sympy.S.EmptySet:
        return Solutions([])
    if isinstance(node, Delim) and node.open == "{":
        items = list(node.items)
    else:
        items = _flat(node)
    values: list[Num] = []
    var = None
    for item in items:
        a = _assignment(item)
        if a is not None:
            if var is not None and _stem(a[0]) != _stem(var):
                return None
            var, item = a
        if isinstance(item, Delim) and item.open == "{" and len(items) == 1:
            return as_solutions(item)
        if not isinstance(item, sympy.Expr):
            return None
        values.extend(nums(item))
    return Solutions(values, var)


def as_point(node: object) -> Point | None:
    """Coordinates from ``(1, -2)``, ``x=1, y=-2`` or a bare ``1, -2``."""
    if isinstance(node, Delim) and node.open in "([" and all(isinstance(i, sympy.Expr) for i in node.items):
        if any(PM in i.free_symbols for i in node.items):
            return None
        return Point([to_num(i) for i in node.items], node.open + node.close)
    items = _flat(node)
    if len(items) < 2:
        return None
    pairs = [_assignment(i) for i in items]
    if all(p is not None for p in pairs):
        names = [p[0] for p in pairs]
        if len(set(names)) != len(names):
            return None
        pairs.sort(key=lambda p: p[0].name)
        return Point([to_num(p[1]) for p in pairs], "()", tuple(p[0] for p in pairs))
    if isinstance(node, Items) and set(node.seps) <= {",", ";"} and all(isinstance(i, sympy.Expr) for i in items):
        return Point([to_num(i) for i in items], "")
    return None


def as_equation(node: object) -> Equation | None:
    if isinstance(node, Rel) and node.ops == ("=",) and all(isinstance(t, sympy.Expr) for t in node.terms):
        lhs, rhs = node.terms
        if PM in lhs.free_symbols | rhs.free_symbols:
            return None
        return Equation(to_num(lhs).expr, to_num(rhs).expr)
    return None


def as_matrix(node: object) -> sympy.ImmutableMatrix | None:
    rows = None
    if isinstance(node, MatrixNode):
        rows = node.rows
    elif isinstance(node, Delim) and node.open + node.close == "[]" and all(
        isinstance(r, Delim) and r.open + r.close == "[]" for r in node.items
    ):
        rows = tuple(r.items for r in node.items)
    if rows is None or len({len(r) for r in rows}) != 1:
        return None
    if not all(isinstance(c, sympy.Expr) for r in rows for c in r):
        return None
    return sympy.ImmutableMatrix([[to_num(c).expr for c in r] for r in rows])


# -- sets of reals -------------------------------------------------------
_REL_FUNCS = {
    "<": sympy.StrictLessThan, ">": sympy.StrictGreaterThan, "<=": sympy.LessThan,
    ">=": sympy.GreaterThan, "=": sympy.Eq, "!=": sympy.Ne,
}


def _real(x: sympy.Expr) -> sympy.Expr:
    if x.free_symbols or not (x.is_extended_real or x in (sympy.oo, -sympy.oo)):
        raise ParseError("an interval endpoint is not a real number")
    return x


def _interval(node: Delim) -> sympy.Set:
    a, b = (to_num(t).expr for t in node.items)
    a, b = _real(a), _real(b)
    return sympy.Interval(a, b, left_open=node.open == "(" or a == -sympy.oo,
                          right_open=node.close == ")" or b == sympy.oo)


def _solve(node: Rel) -> RealSet:
    """A chain of relations in one variable as a subset of ℝ."""
    terms = [to_num(t).expr if isinstance(t, sympy.Expr) else None for t in node.terms]
    if node.ops == ("in",) and isinstance(node.terms[0], sympy.Symbol):
        inner = as_realset(node.terms[1])
        return RealSet(inner.value, node.terms[0]) if inner else None
    if None in terms or "in" in node.ops:
        return None
    free = set().union(*(t.free_symbols for t in terms))
    if len(free) != 1:
        return None
    (var,) = free
    result: sympy.Set = sympy.S.Reals
    for (a, b), op in zip(zip(terms, terms[1:]), node.ops):
        rel = _REL_FUNCS[op](a, b)
        if rel is sympy.true:
            part = sympy.S.Reals
        elif rel is sympy.false:
            part = sympy.S.EmptySet
        else:
            part = sympy.solveset(rel, var, sympy.S.Reals)
        if isinstance(part, sympy.ConditionSet):
            return None
        result = sympy.Intersection(result, part)
    return RealSet(result, var)


def as_realset(node: object) -> RealSet | None:
    """Intervals, inequalities, unions, ∅, ℝ, or finitely many values, as a set."""
    if node is sympy.S.EmptySet or node is sympy.S.Reals:
        return RealSet(node)
    if isinstance(node, Delim):
        if node.open == "{":
            sols = as_solutions(node)
            return RealSet(sympy.FiniteSet(*[v.expr for v in sols.values])) if sols else None
        if len(node.items) == 2 and all(isinstance(i, sympy.Expr) for i in node.items):
            return RealSet(_interval(node))
        return None
    if isinstance(node, SetOp):
        parts = [as_realset(p) for p in node.parts]
        if None in parts:
            return None
        op = sympy.Union if node.op == "union" else sympy.Intersection
        return RealSet(op(*[p.value for p in parts]))
    if isinstance(node, Rel):
        if node.ops == ("=",) and _assignment(node):
            var, value = _assignment(node)
            return RealSet(sympy.FiniteSet(*[n.expr for n in nums(value)]), var)
        return _solve(node)
    if isinstance(node, Items):
        parts = [as_realset(i) for i in _flat(node)]
        if None in parts:
            return None
        result = parts[0].value
        for sep, p in zip(node.seps, parts[1:]):
            if sep == "and" and _is_ineq_set(p) and not isinstance(result, sympy.FiniteSet):
                result = sympy.Intersection(result, p.value)
            else:
                result = sympy.Union(result, p.value)
        return RealSet(result)
    if isinstance(node, sympy.Expr):
        return RealSet(sympy.FiniteSet(*[n.expr for n in nums(node)]))
    return None


def _is_ineq_set(p: RealSet) -> bool:
    return not isinstance(p.value, sympy.FiniteSet)


def is_setlike(node: object) -> bool:
    """True when the text is written as a subset of ℝ (not a list of values)."""
    if node is sympy.S.EmptySet or node is sympy.S.Reals or isinstance(node, SetOp):
        return True
    if isinstance(node, Rel):
        return bool(set(node.ops) & _INEQ) or "in" in node.ops
    if isinstance(node, Delim) and len(node.items) == 2 and node.open in "([":
        a, b = node.items
        infinite = any(isinstance(t, sympy.Expr) and t.has(sympy.oo, -sympy.oo) for t in (a, b))  # -oo is its own atom
        return infinite or node.open + node.close in ("(]", "[)")
    if isinstance(node, Items):
        return all(is_setlike(i) for i in node.items)
    return False
