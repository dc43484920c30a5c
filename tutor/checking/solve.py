"""Computer-algebra answers to recognised questions (runs in a pool worker).

``tutor/cas.py`` reads the question's words and hands over the maths as text
plus a kind; this module parses that text with the checker's own grammar
(``parse_answer``: cost-bounded, no ``eval``), computes the answer with sympy
under a SIGALRM budget, and prints it as plain text the checker can read back.

Hazards, and what is done about them:

* sympy may return a correct but unusable form (``ConditionSet``, ``ImageSet``,
  an unevaluated ``Integral``, ``AccumBounds``): those are declined, never shown.
* A printed answer is only returned when it reads back (through the checker's
  parser) to the value computed, so a printing quirk cannot become a wrong
  reference. Answers longer than MAX_ANSWER_CHARS are declined.
* ``cmp.budget`` must not be nested (an inner one cancels the outer timer), so
  it wraps only the sympy call, never code that compares values.

Pool entry points: ``cas`` (the answer), and two comparisons ``check`` cannot
make: ``antiderivative_equal`` (answers differ by a constant; ``+ C`` optional)
and ``in_form`` (an answer to "expand"/"factor" must be written that way).
"""

from __future__ import annotations

import sympy
from sympy.printing.str import StrPrinter

from . import compare as cmp
from .checker import parse_answer
from .lexer import ParseError
from .nodes import DEG, PM, Items, Rel
from .shapes import as_realset, to_num

MAX_ANSWER_CHARS = 1500
MAX_SOLUTIONS = 8
MAX_UNKNOWNS = 3
_BAD = (sympy.ConditionSet, sympy.ImageSet, sympy.Integral, sympy.Limit, sympy.Derivative,
        sympy.AccumBounds, sympy.Piecewise, sympy.RootOf, sympy.Sum)


class Declined(Exception):
    """The question cannot be settled by computer algebra (no answer is given)."""


class _Plain(StrPrinter):
    """sympy's str form in the checker's spelling: ``e``, ``i``, ``abs``, ``oo``."""

    def _print_Exp1(self, expr):
        return "e"

    def _print_ImaginaryUnit(self, expr):
        return "i"

    def _print_Abs(self, expr):
        return f"abs({self._print(expr.args[0])})"


def plain(x: sympy.Expr) -> str:
    """x as plain text in the checker's grammar (``x**2*exp(x)``, ``e``, ``i``, ``abs``)."""
    return _Plain({"order": None}).doprint(x)


def _tex(x: sympy.Expr) -> str:
    return sympy.latex(x, ln_notation=True)


def _value(raw: object) -> sympy.Expr:
    """A parsed expression, evaluated; degrees and ± are declined (ambiguous here)."""
    if not isinstance(raw, sympy.Expr) or raw.free_symbols & {PM, DEG}:
        raise Declined()
    value = to_num(raw).expr
    if value.has(*_BAD) or value.has(sympy.zoo, sympy.nan):
        raise Declined()
    return value


def _expr(text: str) -> sympy.Expr:
    return _value(parse_answer(text))


def _computed(f, seconds: float):
    try:
        with cmp.budget(seconds):
            out = f()
    except cmp.OutOfBudget:
        raise Declined() from None
    except (NotImplementedError, ValueError, TypeError, ZeroDivisionError, AttributeError, IndexError, KeyError):
        raise Declined() from None
    if isinstance(out, sympy.Basic) and (out.has(*_BAD) or out.has(sympy.zoo, sympy.nan)):
        raise Declined()
    return out


def _readback(x: sympy.Expr) -> str:
    """Plain text for x that the checker reads back as x; Declined otherwise."""
    text = plain(x)
    if len(text) > MAX_ANSWER_CHARS:
        raise Declined()
    try:
        back = _value(parse_answer(text))
    except ParseError:
        raise Declined() from None
    if back.has(sympy.oo, -sympy.oo) or x.has(sympy.oo, -sympy.oo):
        ok = back == x
    else:
        ok = cmp.values_equal(back, x)
    if not ok:
        raise Declined()
    return text


def _pick_var(free: set, var: str | None) -> sympy.Symbol:
    if var:
        v = sympy.Symbol(var)
        if v not in free:
            raise Declined()
        return v
    if len(free) != 1:
        raise Declined()
    return next(iter(free))


def _result(kind: str, text: str, latex: str, alternatives: list[str] | None = None, var: sympy.Symbol | None = None) -> dict:
    if len(text) > MAX_ANSWER_CHARS or len(latex) > 2 * MAX_ANSWER_CHARS:
        raise Declined()
    return {"kind": kind, "answer_text": text, "answer_latex": latex, "alternatives": alternatives or [],
            "var": var.name if var is not None else None}


# -- equations, systems, inequalities -------------------------------------------
def _values_answer(var: sympy.Symbol, values: list) -> tuple[str, str]:
    values = sorted(values, key=lambda v: (0, float(v), "") if v.is_real and v.is_number else (1, 0.0, sympy.default_sort_key(v)))
    texts = [f"{var.name} = {_readback(v)}" for v in values]
    texs = [f"{_tex(var)} = {_tex(v)}" for v in values]
    return " or ".join(texts), r" \text{ or } ".join(texs)


def _equation(lhs: sympy.Expr, rhs: sympy.Expr, var: str | None, seconds: float) -> dict:
    free = (lhs - rhs).free_symbols
    if not free:
        raise Declined()
    v = _pick_var(free, var)
    f = lhs - rhs
    if len(free) > 1:  # a literal equation: solve for the named unknown
        sols = _computed(lambda: sympy.solve(sympy.Eq(lhs, rhs), v), seconds)
        if not sols or len(sols) > MAX_SOLUTIONS or any(not isinstance(s, sympy.Expr) or v in s.free_symbols for s in sols):
            raise Declined()
        text, tex = _values_answer(v, list(sols))
        return _result("equation", text, tex)
    real = _computed(lambda: sympy.solveset(f, v, sympy.S.Reals), seconds)
    if real is sympy.S.Reals:
        return _result("equation", "all real numbers", r"\text{all real numbers}")
    if real is sympy.S.EmptySet:
        cplx = _computed(lambda: sympy.solveset(f, v, sympy.S.Complexes), seconds)
        alternatives = []
        if isinstance(cplx, sympy.FiniteSet) and 0 < len(cplx) <= MAX_SOLUTIONS:
            alternatives = [_values_answer(v, list(cplx))[0]]
        return _result("equation", "no real solution", r"\text{no real solution}", alternatives)
    if not isinstance(real, sympy.FiniteSet) or len(real) > MAX_SOLUTIONS:
        raise Declined()
    text, tex = _values_answer(v, list(real))
    return _result("equation", text, tex)


def _system(rels: list[Rel], seconds: float) -> dict:
    eqs = []
    for r in rels:
        if r.ops != ("=",):
            raise Declined()
        eqs.append(_value(r.terms[0]) - _value(r.terms[1]))
    unknowns = sorted(set().union(*(e.free_symbols for e in eqs)), key=lambda s: s.name)
    if len(unknowns) != len(eqs) or len(unknowns) > MAX_UNKNOWNS:
        raise Declined()
    linear = _computed(lambda: all(e.is_polynomial(*unknowns) and sympy.Poly(e, *unknowns).total_degree() <= 1 for e in eqs), seconds)
    if linear:
        sols = _computed(lambda: sympy.linsolve(eqs, unknowns), seconds)
        if sols is sympy.S.EmptySet:
            return _result("system", "no solution", r"\text{no solution}")
        points = [dict(zip(unknowns, p)) for p in sols]
    else:
        points = _computed(lambda: sympy.solve(eqs, unknowns, dict=True), seconds)
        points = [p for p in points if all(p.get(u) is not None and p[u].is_real for u in unknowns)]
    if len(points) != 1 or any(points[0].get(u) is None or points[0][u].free_symbols for u in unknowns):
        raise Declined()
    p = points[0]
    text = ", ".join(f"{u.name} = {_readback(p[u])}" for u in unknowns)
    tex = r", \; ".join(f"{_tex(u)} = {_tex(p[u])}" for u in unknowns)
    return _result("system", text, tex)


_OPS_TEXT = {True: ("<", r"<"), False: ("<=", r"\le")}


def _interval_parts(s: sympy.Set, var: sympy.Symbol) -> tuple[str, str]:
    name, tv = var.name, _tex(var)
    if isinstance(s, sympy.FiniteSet):
        return _values_answer(var, list(s))
    if not isinstance(s, sympy.Interval):
        raise Declined()
    a, b = s.start, s.end
    lo, lo_tex = _OPS_TEXT[bool(s.left_open)]
    hi, hi_tex = _OPS_TEXT[bool(s.right_open)]
    if a == -sympy.oo and b == sympy.oo:
        return "all real numbers", r"\text{all real numbers}"
    if a == -sympy.oo:
        return f"{name} {hi} {_readback(b)}", f"{tv} {hi_tex} {_tex(b)}"
    if b == sympy.oo:
        g, g_tex = (">", ">") if s.left_open else (">=", r"\ge")
        return f"{name} {g} {_readback(a)}", f"{tv} {g_tex} {_tex(a)}"
    return f"{_readback(a)} {lo} {name} {hi} {_readback(b)}", f"{_tex(a)} {lo_tex} {tv} {hi_tex} {_tex(b)}"


def _set_answer(s: sympy.Set, var: sympy.Symbol) -> tuple[str, str]:
    if s is sympy.S.EmptySet:
        return "no solution", r"\text{no solution}"
    if s is sympy.S.Reals:
        return "all real numbers", r"\text{all real numbers}"
    parts = list(s.args) if isinstance(s, sympy.Union) else [s]
    if len(parts) > MAX_SOLUTIONS:
        raise Declined()
    pieces = [_interval_parts(p, var) for p in parts]
    return " or ".join(p[0] for p in pieces), r" \text{ or } ".join(p[1] for p in pieces)


def _inequality(node: Rel, var: str | None, seconds: float) -> dict:
    free = set().union(*(t.free_symbols for t in node.terms if isinstance(t, sympy.Expr)))
    v = _pick_var(free, var)
    found = _computed(lambda: as_realset(node), seconds)
    if found is None or found.value.has(*_BAD):
        raise Declined()
    text, tex = _set_answer(found.value, v)
    return _result("inequality", text, tex)


def _solve(math: str, var: str | None, seconds: float) -> dict:
    node = parse_answer(math)
    if isinstance(node, Rel):
        if node.ops == ("=",):
            return _equation(_value(node.terms[0]), _value(node.terms[1]), var, seconds)
        if "=" not in node.ops and "in" not in node.ops and "!=" not in node.ops:
            return _inequality(node, var, seconds)
        raise Declined()
    if isinstance(node, Items) and set(node.seps) <= {",", ";", "and"} and all(isinstance(i, Rel) for i in node.items):
        return _system(list(node.items), seconds)
    raise Declined()


# -- calculus and algebra ---------------------------------------------------
def _derivative(math: str, var: str | None, order: int, seconds: float) -> dict:
    f = _expr(math)
    v = _pick_var(f.free_symbols, var) if f.free_symbols else sympy.Symbol(var or "x")
    if order < 1 or order > 5:
        raise Declined()
    d = _computed(lambda: sympy.diff(f, v, order), seconds)
    return _result("derivative", _readback(d), _tex(d))


def _integral(math: str, var: str | None, lower: str | None, upper: str | None, seconds: float) -> dict:
    f = _expr(math)
    v = _pick_var(f.free_symbols, var) if f.free_symbols else sympy.Symbol(var or "x")
    if lower is None or upper is None:
        if f.free_symbols - {v}:
            raise Declined()  # antiderivatives are compared in one variable
        big_f = _computed(lambda: sympy.integrate(f, v), seconds)
        return _result("integral_indefinite", _readback(big_f) + " + C", _tex(big_f) + " + C", var=v)
    a, b = _expr(lower), _expr(upper)
    if a.free_symbols or b.free_symbols:
        raise Declined()
    value = _computed(lambda: sympy.integrate(f, (v, a, b)), seconds)
    if not isinstance(value, sympy.Expr) or value.free_symbols or not value.is_finite:
        raise Declined()
    return _result("integral", _readback(value), _tex(value))


def _limit(math: str, var: str | None, point: str, side: str, seconds: float) -> dict:
    f = _expr(math)
    v = _pick_var(f.free_symbols, var) if var or len(f.free_symbols) == 1 else None
    if v is None or f.free_symbols - {v}:
        raise Declined()
    p = _expr(point)
    if p.free_symbols:
        raise Declined()
    direction = side if side in ("+", "-") else ("+-" if p.is_finite else "+")
    if p == -sympy.oo:
        direction = "+"
    value = _computed(lambda: sympy.limit(f, v, p, direction), seconds)
    if not isinstance(value, sympy.Expr) or value.free_symbols or not (value.is_number and value.is_extended_real):
        raise Declined()
    text = {sympy.oo: "oo", -sympy.oo: "-oo"}.get(value) or _readback(value)
    return _result("limit", text, _tex(value))


_ALGEBRA = {"simplify": sympy.simplify, "expand": sympy.expand, "factor": sympy.factor}


def _algebra(kind: str, math: str, seconds: float) -> dict:
    f = _expr(math)
    if not f.free_symbols:
        if kind != "simplify":
            raise Declined()
        return {**_arithmetic(math, seconds), "kind": "simplify"}
    out = _computed(lambda: _ALGEBRA[kind](f), seconds)
    return _result(kind, _readback(out), _tex(out))


def _arithmetic(math: str, seconds: float) -> dict:
    node = parse_answer(math)
    if not isinstance(node, sympy.Expr):
        raise Declined()
    if any(isinstance(p, sympy.Pow) and p.base == 0 and p.exp == 0 for p in sympy.preorder_traversal(node)):
        raise Declined()  # 0^0: 1 by sympy's convention, undefined by many teachers'
    value = _value(node)
    if value.free_symbols or not value.is_finite:
        raise Declined()
    shown = value if value.is_Rational else _computed(lambda: sympy.simplify(value), seconds)
    if not cmp.values_equal(shown, value):
        shown = value
    if not shown.is_real:
        raise Declined()
    return _result("arithmetic", _readback(shown), _tex(shown))


def cas(task: dict, seconds: float) -> dict | None:
    """Answer for one recognised task (see tutor/cas.py), or None when declined.

    ``task``: kind and the maths as text (math, var, order, lower, upper, point,
    side). ``seconds`` bounds each sympy call; the pool's timeout bounds the whole.
    """
    kind, math, var = task.get("kind"), task.get("math") or "", task.get("var")
    try:
        if kind == "solve":
            return _solve(math, var, seconds)
        if kind == "derivative":
            return _derivative(math, var, int(task.get("order") or 1), seconds)
        if kind == "integral":
            return _integral(math, var, task.get("lower"), task.get("upper"), seconds)
        if kind == "limit":
            return _limit(math, var, task.get("point") or "", task.get("side") or "", seconds)
        if kind in _ALGEBRA:
            return _algebra(kind, math, seconds)
        if kind == "arithmetic":
            return _arithmetic(math, seconds)
    except (Declined, ParseError):
        return None
    return None


def antiderivative_equal(answer: str, reference: str, var: str) -> bool | None:
    """Do two antiderivatives differ by a constant? ``+ C`` (any letter C/c/K) ignored.

    None when the answer cannot be read.
    """
    from .text import extract

    v = sympy.Symbol(var)
    positive = sympy.Symbol(var, positive=True)  # d/dx ln|x| is 1/x only once x > 0 is known
    parts = []
    for text in (answer, reference):
        try:
            node = parse_answer(extract(text))
            expr = _value(node)
        except (ParseError, Declined):
            return None
        constants = {s for s in expr.free_symbols if s.name in ("C", "c", "K", "k", "C_1", "c_1")} - {v}
        parts.append(expr.xreplace({s: 0 for s in constants}).xreplace({v: positive}))
    if parts[0].free_symbols - {positive} or parts[1].free_symbols - {positive}:
        return False
    try:
        with cmp.budget(cmp.SYMBOLIC_BUDGET):
            da, dr = sympy.diff(parts[0], positive), sympy.diff(parts[1], positive)
    except cmp.OutOfBudget:
        return None
    return cmp.values_equal(da, dr)


def _factors(node: sympy.Expr) -> list[sympy.Expr]:
    """Non-constant factors of an unevaluated product (powers give their base)."""
    if isinstance(node, sympy.Mul):
        return [g for a in node.args for g in _factors(a)]
    if isinstance(node, sympy.Pow) and node.exp.is_Integer and node.exp > 0:
        return _factors(node.base)
    return [node] if node.free_symbols else []


def in_form(answer: str, kind: str) -> bool | None:
    """Is ``answer`` written expanded (``expand``) or fully factored (``factor``)?

    Equality of value is checked separately; this looks at the form as typed
    (``2(x + 3)`` is factored although sympy evaluates it to ``2x + 6``).
    None when the answer cannot be read.
    """
    from .text import extract

    try:
        node = parse_answer(extract(answer))
        value = _value(node)
    except (ParseError, Declined):
        return None
    try:
        if kind == "expand":
            return bool(_computed(lambda: sympy.expand(value) == value, cmp.SYMBOLIC_BUDGET))
        factors = _factors(node)
        if isinstance(node, sympy.Add) or not factors:
            return bool(_computed(lambda: not isinstance(sympy.factor(value), sympy.Mul), cmp.SYMBOLIC_BUDGET))
        return all(_computed(lambda g=g: _irreducible(_value(g)), cmp.SYMBOLIC_BUDGET) for g in factors)
    except Declined:
        return None


def _irreducible(g: sympy.Expr) -> bool:
    if not g.is_polynomial():
        return True
    _, parts = sympy.factor_list(g)
    return len(parts) == 1 and parts[0][1] == 1
