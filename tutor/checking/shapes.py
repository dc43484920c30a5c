"""Readings of a parsed answer as a mathematical object of one shape.

Each ``as_*`` function returns the answer read as that shape, or None when the
text cannot mean that (``x < 2`` is not a list of values). The comparison picks
the shape from the reference and asks the student's answer for the same one.
Markers from the parser are resolved here: ``±`` expands to two values, ``%``
and ``°`` give alternative readings, ``_sfN`` records a typed decimal.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TypeGuard

import sympy

from .lexer import ParseError
from .limits import check_cost, evaluated
from .nodes import DEG, PCT, PM, RATIO, SIGFIG, Delim, Items, MatrixNode, Rel, SetOp, sigfig_digits

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
    sigfigs = min(sigfig_digits(m.name) for m in sf) if sf else None
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
    if isinstance(node, Rel) and node.ops == ("in",) and isinstance(node.terms[0], sympy.Symbol):
        inner = node.terms[1]  # x ∈ {1, 2}
        if inner is sympy.S.EmptySet or (isinstance(inner, Delim) and inner.open == "{"):
            sols = as_solutions(inner)
            return Solutions(sols.values, node.terms[0]) if sols is not None else None
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


def is_label(x: object) -> bool:
    """A named quantity such as ``AB``, ``|AB|``, ``NO/BO``, ``V_1``: symbols in products,
    ratios and absolute values only (``x^2`` or ``x + y`` is not a name)."""
    if isinstance(x, sympy.Symbol):
        return not SIGFIG.fullmatch(x.name) and x not in (PM, PCT, DEG)
    if isinstance(x, sympy.Mul):
        return all(is_label(a) for a in x.args)
    if isinstance(x, sympy.Pow):
        return x.exp == -1 and is_label(x.base)
    if isinstance(x, (sympy.Abs, RATIO)):
        return all(is_label(a) for a in x.args)
    return False


def _is_name(x: sympy.Expr) -> bool:
    """A label for a quantity: capital letters (``AB``, ``NO/BO``, ``V_1``), or any label in
    ``|…|`` or a ratio. ``xy = 6`` is an equation, not a name."""
    if not is_label(x):
        return False
    if isinstance(x, (sympy.Abs, RATIO)):
        return True
    return all(s.name[:1].isupper() for s in x.free_symbols)


def named_value(node: object) -> tuple[sympy.Expr, sympy.Expr] | None:
    """``x = 4`` or ``AB = 4``: (name, value) with a constant value (for named lists)."""
    a = _assignment(node)
    if a is not None:
        return a
    if isinstance(node, Rel) and node.ops == ("=",):
        lhs, rhs = node.terms
        if isinstance(rhs, sympy.Expr) and _is_name(lhs) and not (rhs.free_symbols - {PM, PCT, DEG}):
            return lhs, rhs
    return None


def _tuple_assignment(node: object) -> Point | None:
    """``(p, q) = (3, 2)``: a point with named coordinates."""
    if not (isinstance(node, Rel) and node.ops == ("=",)):
        return None
    lhs, rhs = node.terms
    if not (isinstance(lhs, Delim) and isinstance(rhs, Delim) and len(lhs.items) == len(rhs.items)):
        return None
    if not all(isinstance(n, sympy.Symbol) for n in lhs.items) or len(set(lhs.items)) != len(lhs.items):
        return None
    if not all(isinstance(v, sympy.Expr) and PM not in v.free_symbols for v in rhs.items):
        return None
    return Point([to_num(v) for v in rhs.items], rhs.open + rhs.close, tuple(lhs.items))


def as_point(node: object) -> Point | None:
    """Coordinates from ``(1, -2)``, ``x=1, y=-2``, ``[x=1, y=2]``, ``(p,q)=(3,2)`` or ``1, -2``.

    Coordinates stay in written order; ``names`` (when given) let two named points be
    matched by name whatever their order.
    """
    tup = _tuple_assignment(node)
    if tup is not None:
        return tup
    if isinstance(node, Delim) and node.open in "([" and all(isinstance(i, sympy.Expr) for i in node.items):
        if any(PM in i.free_symbols for i in node.items):
            return None
        return Point([to_num(i) for i in node.items], node.open + node.close)
    if isinstance(node, Delim) and node.open in "([" and set(node.seps) <= {",", ";"}:
        items = list(node.items)
    else:
        items = _flat(node)
    if len(items) < 2:
        return None
    maybe = [named_value(i) for i in items]
    pairs = [p for p in maybe if p is not None]
    if len(pairs) == len(maybe):
        names = [p[0] for p in pairs]
        if len(set(names)) != len(names) or any(PM in p[1].free_symbols for p in pairs):
            return None
        return Point([to_num(p[1]) for p in pairs], "()", tuple(names))
    if isinstance(node, Items) and set(node.seps) <= {",", ";"} and all(isinstance(i, sympy.Expr) for i in items):
        return Point([to_num(i) for i in items], "")
    return None


def _point_item(node: object) -> Point | None:
    """One member of a list of points: a bracketed tuple of at least two coordinates."""
    if isinstance(node, Delim) and node.open in "([" and len(node.items) >= 2:
        return as_point(node)
    return _tuple_assignment(node)


def _named_groups(node: Items) -> list[Point] | None:
    """``p=5, q=2; p=7, q=2``: named points separated by ``;`` (or ``or``)."""
    groups: list[list] = [[node.items[0]]]
    for sep, item in zip(node.seps, node.items[1:]):
        if sep in (";", "or"):
            groups.append([item])
        else:
            groups[-1].append(item)
    if len(groups) < 2 or any(len(g) < 2 for g in groups):
        return None
    maybe = [as_point(Items(tuple(g), (",",) * (len(g) - 1))) for g in groups]
    points = [p for p in maybe if p is not None]
    if len(points) != len(maybe) or not all(p.names for p in points):
        return None
    return points


def as_points(node: object) -> list[Point] | None:
    """A list or set of points: ``(1, 2), (3, 4)``, ``\\{(1,2), (3,4)\\}``, ``(1,2) or (3,4)``,
    ``(x, y) = (5, 8) and (8, 5)`` (names from the first), ``p=5, q=2; p=7, q=2``.
    None for anything else."""
    if isinstance(node, Items) and set(node.seps) & {";", "or"} and "," in node.seps:
        named = _named_groups(node)
        if named is not None:
            return named
    if isinstance(node, Delim) and node.open == "{":
        items = list(node.items)
    elif isinstance(node, Items):
        items = _flat(node)
    else:
        return None
    maybe = [_point_item(i) for i in items]
    points = [p for p in maybe if p is not None]
    if not points or len(points) != len(maybe):
        return None
    names = points[0].names
    if names and all(p.names is None and len(p.coords) == len(names) for p in points[1:]):
        for p in points[1:]:
            p.names = names
    return points


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
    elif (
        isinstance(node, Delim)
        and node.open + node.close == "[]"
        and all(isinstance(r, Delim) and r.open + r.close == "[]" for r in node.items)
    ):
        rows = tuple(r.items for r in node.items)
    if rows is None or len({len(r) for r in rows}) != 1:
        return None
    if not all(isinstance(c, sympy.Expr) for r in rows for c in r):
        return None
    return sympy.ImmutableMatrix([[to_num(c).expr for c in r] for r in rows])


# -- sets of reals -------------------------------------------------------
_REL_FUNCS = {
    "<": sympy.StrictLessThan,
    ">": sympy.StrictGreaterThan,
    "<=": sympy.LessThan,
    ">=": sympy.GreaterThan,
    "=": sympy.Eq,
    "!=": sympy.Ne,
}


def _real(x: sympy.Expr) -> sympy.Expr:
    if x.free_symbols or not (x.is_extended_real or x in (sympy.oo, -sympy.oo)):
        raise ParseError("an interval endpoint is not a real number")
    return x


def _interval(node: Delim) -> sympy.Set:
    a, b = (to_num(t).expr for t in node.items)
    a, b = _real(a), _real(b)
    return sympy.Interval(
        a, b, left_open=node.open == "(" or a == -sympy.oo, right_open=node.close == ")" or b == sympy.oo
    )


def _solve(node: Rel) -> RealSet | None:
    """A chain of relations in one variable as a subset of ℝ."""
    maybe = [to_num(t).expr if isinstance(t, sympy.Expr) else None for t in node.terms]
    if node.ops == ("in",) and isinstance(node.terms[0], sympy.Symbol):
        inner = as_realset(node.terms[1])
        return RealSet(inner.value, node.terms[0]) if inner else None
    terms = [t for t in maybe if t is not None]
    if len(terms) != len(maybe) or "in" in node.ops:
        return None
    free = set().union(*(t.free_symbols for t in terms))
    named = [t for t in terms if t.free_symbols]
    if len(free) > 1 and len(named) == 1 and len(terms) > 2 and is_label(named[0]):
        var = sympy.Dummy("q")  # ``0 < f(x) < 1``: the range of a named quantity
        terms = [var if t is named[0] else t for t in terms]
        free = {var}
    if len(free) != 1:
        return None
    (var,) = free
    result: sympy.Set = sympy.S.Reals
    for (a, b), op in zip(itertools.pairwise(terms), node.ops):
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
        if _bracketed_conditions(node):
            return as_realset(Items(node.items, node.seps))
        return None
    if isinstance(node, SetOp):
        maybe = [as_realset(p) for p in node.parts]
        parts = [p for p in maybe if p is not None]
        if len(parts) != len(maybe):
            return None
        op = sympy.Union if node.op == "union" else sympy.Intersection
        return RealSet(op(*[p.value for p in parts]))
    if isinstance(node, Rel):
        assignment = _assignment(node) if node.ops == ("=",) else None
        if assignment:
            var, value = assignment
            return RealSet(sympy.FiniteSet(*[n.expr for n in nums(value)]), var)
        return _solve(node)
    if isinstance(node, Items):
        items = fill_relations(_flat(node))
        maybe_parts = [as_realset(i) for i in items]
        item_sets = [p for p in maybe_parts if p is not None]
        if len(item_sets) != len(maybe_parts):
            return None
        groups = [[item_sets[0].value]]
        for k, (sep, p) in enumerate(zip(node.seps, item_sets[1:])):
            prev = groups[-1][-1]
            both_ineq = _is_ineq_set(p) and not isinstance(prev, sympy.FiniteSet)
            both_ne = _is_ne(items[k]) and _is_ne(items[k + 1])
            if (sep == "and" and both_ineq) or (sep in (",", ";") and both_ne):
                groups[-1].append(p.value)
            else:
                groups.append([p.value])
        return RealSet(sympy.Union(*[sympy.Intersection(*g) for g in groups]))
    if isinstance(node, sympy.Expr):
        return RealSet(sympy.FiniteSet(*[n.expr for n in nums(node)]))
    return None


def _is_ineq_set(p: RealSet) -> bool:
    return not isinstance(p.value, sympy.FiniteSet)


def _is_ne(node: object) -> TypeGuard[Rel]:
    return isinstance(node, Rel) and node.ops == ("!=",)


def _bracketed_conditions(node: Delim) -> bool:
    """``(x < 0 or x >= 1)``: conditions grouped by brackets, not an interval or a point."""
    return (
        node.open + node.close == "()"
        and bool(node.seps)
        and all(isinstance(i, (Rel, Delim, SetOp)) and is_setlike(i) for i in node.items)
    )


def fill_relations(items: list) -> list:
    """``x != -1, 4`` means x ≠ -1 and x ≠ 4 (``x = 1, 4`` is handled as solutions):
    a bare value after ``var != a`` takes the same variable and relation.

    Precedence: ``and`` binds tighter than ``or`` (and ``,`` between ≠ conditions is
    ``and``); the caller folds groups that way.
    """
    out: list[object] = []
    for item in items:
        prev = out[-1] if out else None
        if isinstance(item, sympy.Expr) and _is_ne(prev) and isinstance(prev.terms[0], sympy.Symbol):
            item = Rel((prev.terms[0], item), ("!=",))
        out.append(item)
    return out


def is_setlike(node: object) -> bool:
    """True when the text is written as a subset of ℝ (not a list of values)."""
    if node is sympy.S.EmptySet or node is sympy.S.Reals or isinstance(node, SetOp):
        return True
    if isinstance(node, Rel):
        return bool(set(node.ops) & _INEQ) or "in" in node.ops
    if isinstance(node, Delim) and _bracketed_conditions(node):
        return True
    if isinstance(node, Delim) and len(node.items) == 2 and node.open in "([":
        a, b = node.items
        infinite = any(isinstance(t, sympy.Expr) and t.has(sympy.oo, -sympy.oo) for t in (a, b))  # -oo is its own atom
        return infinite or node.open + node.close in ("(]", "[)")
    if isinstance(node, Items):
        return all(is_setlike(i) for i in fill_relations(list(node.items)))
    return False
