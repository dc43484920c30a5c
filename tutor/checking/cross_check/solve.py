"""Computer-algebra answers to recognised questions (runs in a pool worker).

``question.py`` reads the question's words and hands over the maths as text
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

* Question maths is read as a question, not an answer (``_parse``): a letter after a
  number is a variable (``9 m^{2}``), and a reading that loses a letter is declined.
* Textbook conventions: radicals of variables are simplified with the variables
  positive and odd roots real (the result is marked ``positive``; answers are then
  compared at positive values); odd roots of negative numbers are real; an inequality
  with an odd root of a variable is declined (the set solver's roots are principal).
* Trig equations on [0, 2π): sympy's set solver can miss solutions, so its answer is
  returned only when a numeric census (TURN_GRID points, bisection) finds the same
  roots. The census uses ``lambdify`` on the parsed expression (generated code from
  sympy's printer; the expression's names come from the checker's parser, never text).
* Log equations with one base use the book's complete method (``_log_equation``).

Pool entry points: ``cas`` (the answer), and three comparisons ``check`` cannot
make: ``antiderivative_equal`` (answers differ by a constant; ``+ C`` optional),
``in_form`` (an answer to "expand"/"factor" must be written that way) and
``positive_equal`` (equal for positive values of the variables).
"""

from __future__ import annotations

import math
import re

import sympy
from sympy.printing.str import StrPrinter

from .. import compare as cmp
from ..checker import parse_answer
from ..lexer import ParseError
from ..nodes import DEG, PM, Items, Rel
from ..shapes import as_realset, to_num
from ..vocabulary import QUESTION_NAMES

MAX_ANSWER_CHARS = 1500
MAX_SOLUTIONS = 8
MAX_UNKNOWNS = 4
_BAD = (
    sympy.ConditionSet,
    sympy.ImageSet,
    sympy.Integral,
    sympy.Limit,
    sympy.Derivative,
    sympy.AccumBounds,
    sympy.Piecewise,
    sympy.RootOf,
    sympy.Sum,
)


class Declined(Exception):
    """The question cannot be settled by computer algebra (no answer is given)."""


class _Plain(StrPrinter):
    """sympy's str form in the checker's spelling: ``e``, ``i``, ``abs``, ``oo``."""

    def _print_Exp1(self, expr):  # noqa: N802 - sympy's printer hook name
        return "e"

    def _print_ImaginaryUnit(self, expr):  # noqa: N802 - sympy's printer hook name
        return "i"

    def _print_Abs(self, expr):  # noqa: N802 - sympy's printer hook name
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


_COMMANDS = re.compile(r"\\[A-Za-z]+")
_NAMES = re.compile("|".join(sorted(QUESTION_NAMES, key=len, reverse=True)), re.I)
"""The maths names of a question, longest first (``sinh`` before ``sin``); ``e`` and ``i`` are
left out: an upper-case ``E`` or ``I`` is a variable."""


_UNIT_GAP = re.compile(r"(\d)\s+(?=[A-Za-z](?![A-Za-z]))")
"""``9 m^{2}``: a number, a space, one letter. In a question that letter is a variable, never
a unit; written without the space the answer grammar reads it so (``9m^{2}`` is 9m²)."""


def _free(node: object) -> set:
    if isinstance(node, sympy.Basic):
        return node.free_symbols
    if isinstance(node, Rel):
        return set().union(*(_free(t) for t in node.terms))
    if isinstance(node, Items):
        return set().union(*(_free(t) for t in node.items))
    return set()


def _parse(text: str) -> object:
    """The checker's reading of question maths, declined when it lost a letter.

    The answer grammar drops a unit after a number (``5 m``); in a question every
    letter is a variable, so a letter of the text missing from the reading (``3\\mathrm{x}``
    read as 3) means the reading is not the question's. ``e`` and ``i`` are constants.
    Hazard: the guard sees letters, not occurrences; _UNIT_GAP keeps each occurrence.
    """
    text = _UNIT_GAP.sub(r"\1", text)
    node = parse_answer(text)
    letters = set(_NAMES.sub(" ", _COMMANDS.sub(" ", text)))
    letters = {c for c in letters if c.isascii() and c.isalpha()} - {"e", "i"}
    if letters - {str(sym) for sym in _free(node)}:
        raise Declined()
    return node


def _expr(text: str) -> sympy.Expr:
    return _value(_parse(text))


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


def _result(
    kind: str, text: str, latex: str, alternatives: list[str] | None = None, var: sympy.Symbol | None = None
) -> dict:
    if len(text) > MAX_ANSWER_CHARS or len(latex) > 2 * MAX_ANSWER_CHARS:
        raise Declined()
    return {
        "kind": kind,
        "answer_text": text,
        "answer_latex": latex,
        "alternatives": alternatives or [],
        "var": var.name if var is not None else None,
    }


# -- equations, systems, inequalities -------------------------------------------
def _values_answer(var: sympy.Symbol, values: list) -> tuple[str, str]:
    values = sorted(
        values, key=lambda v: (0, float(v), "") if v.is_real and v.is_number else (1, 0.0, sympy.default_sort_key(v))
    )
    texts = [f"{var.name} = {_readback(v)}" for v in values]
    texs = [f"{_tex(var)} = {_tex(v)}" for v in values]
    return " or ".join(texts), r" \text{ or } ".join(texs)


def _equation(
    lhs: sympy.Expr,
    rhs: sympy.Expr,
    var: str | None,
    seconds: float,
    real_only: bool = False,
    named: frozenset = frozenset(),
    on_turn: bool = False,
) -> dict:
    """``named``: the variables written in the question (``-3n - 27 = -27 - 3n`` loses n)."""
    free = (lhs - rhs).free_symbols
    if not free:
        if len(named) != 1 or (var and sympy.Symbol(var) not in named):
            raise Declined()
        diff = _computed(lambda: sympy.simplify(lhs - rhs), seconds)
        if diff == 0:
            return _result("equation", "all real numbers", r"\text{all real numbers}")
        if diff.is_number and diff.is_finite and diff.is_nonzero:
            return _result("equation", "no solution", r"\text{no solution}")
        raise Declined()
    v = _pick_var(free, var)
    f = lhs - rhs
    if on_turn:
        if len(free) != 1:
            raise Declined()
        return _equation_on_turn(f, v, seconds)
    if len(free) > 1:  # a literal equation: solve for the named unknown
        sols = _computed(lambda: sympy.solve(sympy.Eq(lhs, rhs), v), seconds)
        if (
            not sols
            or len(sols) > MAX_SOLUTIONS
            or any(not isinstance(s, sympy.Expr) or v in s.free_symbols for s in sols)
        ):
            raise Declined()
        text, tex = _values_answer(v, list(sols))
        return _result("equation", text, tex)
    real = None
    if f.has(sympy.log):
        try:
            real = _log_equation(f, v, seconds)  # complete where it applies; the set solver is slow on logs
        except Declined:
            real = None
    if real is None:
        real = _computed(lambda: sympy.solveset(f, v, sympy.S.Reals), seconds)
    if real is sympy.S.Reals:
        return _result("equation", "all real numbers", r"\text{all real numbers}")
    if real is sympy.S.EmptySet:
        cplx = _computed(lambda: sympy.solveset(f, v, sympy.S.Complexes), seconds)
        alternatives = []
        if not real_only and isinstance(cplx, sympy.FiniteSet) and 0 < len(cplx) <= MAX_SOLUTIONS:
            alternatives = [_values_answer(v, list(cplx))[0]]
        return _result("equation", "no real solution", r"\text{no real solution}", alternatives)
    if not isinstance(real, sympy.FiniteSet) or len(real) > MAX_SOLUTIONS:
        raise Declined()
    if not real:
        return _result("equation", "no real solution", r"\text{no real solution}")
    text, tex = _values_answer(v, list(real))
    alternatives = []
    if not real_only and _computed(lambda: f.is_polynomial(v) or f.is_rational_function(v), seconds):
        # "Solve x^4 = 1" in a chapter on complex numbers means all four roots: both answers count
        cplx = _computed(lambda: sympy.solveset(f, v, sympy.S.Complexes), seconds)
        if isinstance(cplx, sympy.FiniteSet) and len(real) < len(cplx) <= MAX_SOLUTIONS:
            alternatives = [_values_answer(v, list(cplx))[0]]
    return _result("equation", text, tex, alternatives)


TURN_GRID = 6000
"""Sample points on [0, 2π) for the numeric census of an equation's roots (spacing ~1e-3)."""


def _float_fn(f: sympy.Expr, v: sympy.Symbol):
    g = sympy.lambdify(v, f, "math")

    def value(t: float) -> float | None:
        try:
            y = g(t)
        except (ValueError, ZeroDivisionError, OverflowError, TypeError):
            return None
        if isinstance(y, complex):
            return None if abs(y.imag) > 1e-12 else y.real
        return float(y)

    return value


def _numeric_roots(f: sympy.Expr, v: sympy.Symbol, lo: float, hi: float) -> list[float] | None:
    """Roots of f on [lo, hi) found by numbers alone: sign changes refined by bisection
    (a pole's sign change is dropped: |f| stays large there) and touching zeros (local
    minima of |f|). None when f cannot be evaluated on most of the interval."""
    fn = _float_fn(f, v)
    step = (hi - lo) / TURN_GRID
    xs = [lo + k * step for k in range(TURN_GRID + 1)]
    ys = [fn(x) for x in xs]
    if sum(y is None for y in ys) > TURN_GRID // 10:
        return None
    roots: list[float] = []

    def refine_sign(a: float, b: float, fa: float) -> float | None:
        for _ in range(60):
            m = (a + b) / 2
            fm = fn(m)
            if fm is None:
                return None
            if (fm < 0) == (fa < 0):
                a, fa = m, fm
            else:
                b = m
        r = (a + b) / 2
        fr = fn(r)
        return r if fr is not None and abs(fr) < 1e-7 else None

    def refine_min(a: float, b: float) -> float | None:
        g = (5**0.5 - 1) / 2
        for _ in range(80):
            c, d = b - g * (b - a), a + g * (b - a)
            fc, fd = fn(c), fn(d)
            if fc is None or fd is None:
                return None
            if abs(fc) < abs(fd):
                b = d
            else:
                a = c
        r = (a + b) / 2
        fr = fn(r)
        return r if fr is not None and abs(fr) < 1e-9 else None

    for k in range(TURN_GRID):
        y0, y1 = ys[k], ys[k + 1]
        if y0 is None or y1 is None:
            continue
        if y0 == 0:
            roots.append(xs[k])
        elif (y0 < 0) != (y1 < 0) and y1 != 0:
            r = refine_sign(xs[k], xs[k + 1], y0)
            if r is not None:
                roots.append(r)
        if k > 0 and ys[k - 1] is not None and abs(y0) <= abs(ys[k - 1]) and abs(y0) <= abs(y1) and abs(y0) < 1e-2:
            r = refine_min(xs[k - 1], xs[k + 1])
            if r is not None:
                roots.append(r)
    roots.sort()
    merged: list[float] = []
    for r in roots:
        if not merged or r - merged[-1] > 1e-6:
            merged.append(r)
    if len(merged) > 1 and merged[-1] > hi - 1e-6 and merged[0] < lo + 1e-6:
        merged.pop()  # 2π is 0 again
    return merged


def _pi_multiple(s: sympy.Expr) -> sympy.Expr:
    """s as a rational multiple of π (denominator ≤ 48) when it equals one, else s."""
    ratio = float(s / sympy.pi)
    for den in range(1, 49):
        num = round(ratio * den)
        if abs(ratio * den - num) < 1e-9:
            candidate = sympy.Rational(num, den) * sympy.pi
            if cmp.values_equal(candidate, s):
                return candidate
            break
    return s


def _equation_on_turn(f: sympy.Expr, v: sympy.Symbol, seconds: float) -> dict:
    """Solutions in [0, 2π) ("giving the exact solutions which lie in [0, 2π)").

    Hazard: sympy's set solver misses solutions of trig equations (it gives π/8, 9π/8 for
    2 tan x = 1 - tan²x, which also has 5π/8 and 13π/8). So its answer is only returned
    when a numeric census of the roots (_numeric_roots) finds the same roots, one to one.
    """
    found = _computed(lambda: sympy.solveset(f, v, sympy.Interval.Ropen(0, 2 * sympy.pi)), seconds)
    if not isinstance(found, sympy.FiniteSet) or len(found) > 2 * MAX_SOLUTIONS:
        raise Declined()
    values = []
    for s in found:
        if not (isinstance(s, sympy.Expr) and s.is_number and s.is_real) or s.has(sympy.I, sympy.CRootOf):
            raise Declined()
        values.append(s)
    numeric = _computed(lambda: _numeric_roots(f, v, 0.0, 2 * 3.141592653589793), seconds)
    if numeric is None or len(numeric) != len(values):
        raise Declined()
    floats = sorted(float(s) for s in values)
    if any(abs(a - b) > 1e-6 for a, b in zip(floats, numeric)):
        raise Declined()
    shown = [_computed(lambda s=s: _pi_multiple(s), seconds) for s in values]
    if not shown:
        return _result("equation", "no solution", r"\text{no solution}")
    text, tex = _values_answer(v, shown)
    return _result("equation", text, tex)


def _log_equation(f: sympy.Expr, v: sympy.Symbol, seconds: float) -> sympy.FiniteSet:
    """Σ qᵢ·c·log uᵢ + k = 0 with rational qᵢ (one base, c = 1/ln b): the book's method,
    which is complete. Where every uᵢ > 0, it is Π uᵢ^(D·qᵢ) = e^(-D·k/c): a polynomial
    equation; its real roots with every uᵢ > 0 are the solutions. Anything else: Declined
    (the set solver's ConditionSet stands)."""
    logs = sorted((a for a in f.atoms(sympy.log) if v in a.free_symbols), key=sympy.default_sort_key)
    if not logs or len(logs) > 6:
        raise Declined()
    dummies = [sympy.Dummy() for _ in logs]
    g = _computed(lambda: sympy.expand(f.xreplace(dict(zip(logs, dummies)))), seconds)
    if v in g.free_symbols or not g.is_polynomial(*dummies) or sympy.Poly(g, *dummies).total_degree() != 1:
        raise Declined()
    poly = sympy.Poly(g, *dummies)
    coeffs = [poly.coeff_monomial(d) for d in dummies]
    const = poly.coeff_monomial(1)
    if any(c == 0 for c in coeffs):
        raise Declined()
    qs = [_computed(lambda c=c: sympy.nsimplify(sympy.simplify(c / coeffs[0])), seconds) for c in coeffs]
    if not all(q.is_Rational and cmp.values_equal(q, c / coeffs[0]) for q, c in zip(qs, coeffs)):
        raise Declined()
    den = math.lcm(*[int(q.q) for q in qs])
    k = _computed(lambda: sympy.simplify(sympy.exp(-den * const / coeffs[0])), seconds)
    if k.free_symbols or not k.is_positive:
        raise Declined()
    args = [a.args[0] for a in logs]
    left = sympy.Mul(*[u ** (den * q) for u, q in zip(args, qs) if q > 0])
    right = sympy.Mul(*[u ** (-den * q) for u, q in zip(args, qs) if q < 0])
    eq = _computed(lambda: sympy.expand(left - k * right), seconds)
    if not eq.is_polynomial(v) or sympy.degree(eq, v) > 12:
        raise Declined()
    cands = _computed(lambda: sympy.solveset(eq, v, sympy.S.Reals), seconds)
    if not isinstance(cands, sympy.FiniteSet):
        raise Declined()
    good = []
    for r in cands:
        signs = [_computed(lambda u=u, r=r: sympy.simplify(u.xreplace({v: r})).is_positive, seconds) for u in args]
        if None in signs:
            raise Declined()
        if all(signs):
            good.append(r)
    return sympy.FiniteSet(*good)


def _system(rels: list[Rel], seconds: float, var: str | None = None) -> dict:
    """One point (or "no solution"); with ``var`` ("find x if ...") only that unknown's value."""
    eqs = []
    for r in rels:
        if r.ops != ("=",):
            raise Declined()
        eqs.append(_value(r.terms[0]) - _value(r.terms[1]))
    unknowns = sorted(set().union(*(e.free_symbols for e in eqs)), key=lambda s: s.name)
    if len(unknowns) > len(eqs) or len(unknowns) > MAX_UNKNOWNS or len(eqs) > MAX_UNKNOWNS + 2:
        raise Declined()
    if len(unknowns) > 3 and not _computed(lambda: all(e.is_polynomial(*unknowns) for e in eqs), seconds):
        raise Declined()
    linear = _computed(
        lambda: all(e.is_polynomial(*unknowns) and sympy.Poly(e, *unknowns).total_degree() <= 1 for e in eqs), seconds
    )
    if linear:
        sols = _computed(lambda: sympy.linsolve(eqs, unknowns), seconds)
        if sols is sympy.S.EmptySet:
            return _result("system", "no solution", r"\text{no solution}")
        points = [dict(zip(unknowns, p)) for p in sols]
    else:
        if len(unknowns) != len(eqs):
            raise Declined()
        points = _computed(lambda: sympy.solve(eqs, unknowns, dict=True), seconds)
        points = [p for p in points if all(p.get(u) is not None and p[u].is_real for u in unknowns)]
    asked = sympy.Symbol(var) if var else None
    if asked is not None and asked in unknowns and points:
        values = {p.get(asked) for p in points}
        value = next(iter(values))
        if len(values) != 1 or value is None or value.free_symbols:
            raise Declined()
        return _result("system", f"{asked.name} = {_readback(value)}", f"{_tex(asked)} = {_tex(value)}")
    if asked is not None and asked not in unknowns:
        raise Declined()
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
    if any(
        _is_radical(p) and _exponent(p).q % 2 == 1
        for t in node.terms
        if isinstance(t, sympy.Expr)
        for p in sympy.preorder_traversal(t)
    ):
        raise Declined()  # odd roots are real to a teacher, principal to the set solver: x < 2 is lost
    found = _computed(lambda: as_realset(node), seconds)
    if found is None or found.value.has(*_BAD):
        raise Declined()
    text, tex = _set_answer(found.value, v)
    return _result("inequality", text, tex)


def _compound(rels: list[Rel], sep: str, var: str | None, seconds: float) -> dict:
    """ "9 + n < 2 or 5n > 40": the union (``or``) or intersection (``and``) of the solution sets."""
    free = set().union(*(_free(r) for r in rels))
    v = _pick_var(free, var)
    if free - {v}:
        raise Declined()
    sets = []
    for r in rels:
        if any(_is_radical(p) for t in r.terms if isinstance(t, sympy.Expr) for p in sympy.preorder_traversal(t)):
            raise Declined()
        found = _computed(lambda r=r: as_realset(r), seconds)
        if found is None or found.value.has(*_BAD):
            raise Declined()
        sets.append(found.value)
    combined = _computed(lambda: sympy.Union(*sets) if sep == "or" else sympy.Intersection(*sets), seconds)
    text, tex = _set_answer(combined, v)
    return _result("inequality", text, tex)


def _solve(
    math: str, var: str | None, seconds: float, real_only: bool = False, expr_ok: bool = False, on_turn: bool = False
) -> dict:
    """An equation, inequality or system; ``expr_ok``: a bare expression ("Solve: 3 + 8 ÷ |4|")
    is simplified, unless it is a polynomial (whose roots may be meant)."""
    node = _parse(math)
    if isinstance(node, Rel):
        if node.ops == ("=",):
            return _equation(
                _value(node.terms[0]), _value(node.terms[1]), var, seconds, real_only, frozenset(_free(node)), on_turn
            )
        if on_turn:
            raise Declined()
        if "=" not in node.ops and "in" not in node.ops and "!=" not in node.ops:
            return _inequality(node, var, seconds)
        raise Declined()
    if (
        isinstance(node, Items)
        and len(set(node.seps)) == 1
        and node.seps[0] in ("or", "and")
        and all(isinstance(i, Rel) and "=" not in i.ops and "in" not in i.ops and "!=" not in i.ops for i in node.items)
    ):
        return _compound(list(node.items), node.seps[0], var, seconds)
    if isinstance(node, Items) and set(node.seps) <= {",", ";", "and"} and all(isinstance(i, Rel) for i in node.items):
        return _system(list(node.items), seconds, var)
    if expr_ok and isinstance(node, sympy.Expr) and var is None:
        f = _value(node)
        if not f.free_symbols:
            return {**_arithmetic(math, seconds), "kind": "simplify"}
        if _computed(lambda: f.is_polynomial(), seconds):
            raise Declined()
        return _algebra("simplify", math, seconds)
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


def _exponent(p: sympy.Pow) -> sympy.Expr:
    """The exponent, evaluated (the parser leaves ``3/5`` as an unevaluated product)."""
    return p.exp if p.exp.is_Rational or not p.exp.is_number else p.exp.doit()


def _is_radical(p: sympy.Basic) -> bool:
    return (
        isinstance(p, sympy.Pow)
        and bool(p.base.free_symbols)
        and _exponent(p).is_Rational
        and not _exponent(p).is_Integer
    )


def _real_odd_roots(e: sympy.Expr, pos: dict) -> sympy.Expr:
    """Odd roots of a negative base taken real (``∛(-750xy) = -∛(750xy)``), signs judged
    with the variables positive; an odd root of a base of unknown sign is Declined."""
    if not e.args:
        return e
    args = [_real_odd_roots(a, pos) if isinstance(a, sympy.Expr) else a for a in e.args]
    if args != list(e.args):
        e = e.func(*args)
    if _is_radical(e) and _exponent(e).q % 2 == 1:
        base = e.base.xreplace(pos)
        if base.is_negative:
            return sympy.Integer(-1) ** _exponent(e).p * (-e.base) ** _exponent(e)
        if not base.is_nonnegative:
            raise Declined()
    return e


def _simplify_radicals(f: sympy.Expr, seconds: float) -> dict:
    """Radicals of variables, as textbooks mean them: the variables are nonnegative and odd
    roots are real (``√(512a⁴b²) = 16a²b√2``). The result says ``positive``: an answer is
    then compared at positive values only (``positive_equal``), so ``16a²|b|√2`` and
    ``-4yz√(2xz)`` for ``-4√2·√x·y·z^(3/2)`` count, as they do in the book."""
    pos = {x: sympy.Symbol(x.name, positive=True) for x in f.free_symbols}
    back = {v: k for k, v in pos.items()}
    real = _computed(lambda: _real_odd_roots(f, pos), seconds)
    out = _computed(lambda: sympy.simplify(real.xreplace(pos)), seconds).xreplace(back)
    if out.has(sympy.I) or any(
        _is_radical(p) and _exponent(p).q % 2 == 1 and not p.base.xreplace(pos).is_nonnegative
        for p in sympy.preorder_traversal(out)
    ):
        raise Declined()
    return {**_result("simplify", _readback(out), _tex(out)), "positive": True}


def _divide(f: sympy.Expr, seconds: float) -> dict:
    """ "Divide: (x³ - 26x - 41)/(x + 4)": quotient plus remainder over divisor, as books write
    it (one variable, polynomials); anything else is simplified."""
    out = _computed(lambda: sympy.simplify(f), seconds)
    if len(f.free_symbols) == 1:
        v = next(iter(f.free_symbols))
        num, den = _computed(lambda: sympy.fraction(sympy.cancel(f)), seconds)
        if num.is_polynomial(v) and den.is_polynomial(v) and sympy.degree(den, v) >= 1:
            q, r = _computed(lambda: sympy.div(num, den, v), seconds)
            out = q + r / den if r != 0 else q
    return _result("simplify", _readback(out), _tex(out))


def _algebra(kind: str, math: str, seconds: float, degrees: bool = False) -> dict:
    f = _expr(math)
    if not f.free_symbols:
        if kind == "product":
            return _arithmetic(math, seconds, degrees)
        if kind not in ("simplify", "divide"):
            raise Declined()
        return {**_arithmetic(math, seconds, degrees), "kind": "simplify"}
    if degrees:
        raise Declined()
    if kind == "product":
        kind = "expand"  # "Find the product: (x+2)(x-3)": the answer is written multiplied out
    if kind == "simplify" and any(_is_radical(p) for p in sympy.preorder_traversal(f)):
        return _simplify_radicals(f, seconds)
    if kind == "divide":
        return _divide(f, seconds)
    out = _computed(lambda: _ALGEBRA[kind](f), seconds)
    return _result(kind, _readback(out), _tex(out))


def _real_numeric_roots(node: sympy.Expr) -> sympy.Expr:
    """``(-8)^{2/3}`` is 4, as ``∛(-8)`` is -2 (POLICY: an odd root of a negative number is
    real), not sympy's principal complex value."""

    def real(p: sympy.Pow) -> sympy.Expr:
        e = _exponent(p)
        if p.base.is_number and p.base.is_negative and e.is_Rational and not e.is_Integer and e.q % 2 == 1:
            return sympy.Integer(-1) ** e.p * sympy.Pow(-p.base, e)
        return p

    return node.replace(lambda p: isinstance(p, sympy.Pow), real)


def _arithmetic(math: str, seconds: float, degrees: bool = False) -> dict:
    """A number. Complex only when the question writes ``i``; with degrees (converted to
    radians by question.py) only when no trig function is left unevaluated."""
    node = _parse(math)
    if not isinstance(node, sympy.Expr):
        raise Declined()
    if any(isinstance(p, sympy.Pow) and p.base == 0 and p.exp == 0 for p in sympy.preorder_traversal(node)):
        raise Declined()  # 0^0: 1 by sympy's convention, undefined by many teachers'
    node = _real_numeric_roots(node)
    value = _value(node)
    if value.free_symbols or not value.is_finite:
        raise Declined()
    shown = value if value.is_Rational else _computed(lambda: sympy.simplify(value), seconds)
    if not cmp.values_equal(shown, value):
        shown = value
    if not shown.is_real:
        if not node.has(sympy.I) or not shown.is_number:
            raise Declined()
        shown = _computed(lambda: sympy.expand(shown), seconds)
        if not cmp.values_equal(shown, value):
            raise Declined()
    if degrees and shown.has(sympy.sin, sympy.cos, sympy.tan, sympy.sec, sympy.csc, sympy.cot):
        raise Declined()  # tan(5π/9) + 4 sin(5π/9) is -√3, but sympy does not say so: not settled
    return _result("arithmetic", _readback(shown), _tex(shown))


def _substitute(math: str, values: str, seconds: float) -> dict:
    """ "Evaluate 5j + kh/2; h = 5, j = 4, k = 2": every variable given a number, then arithmetic."""
    node = _parse(values)
    rels = list(node.items) if isinstance(node, Items) and set(node.seps) <= {",", ";", "and"} else [node]
    given = {}
    for r in rels:
        if not (isinstance(r, Rel) and r.ops == ("=",) and isinstance(r.terms[0], sympy.Symbol)):
            raise Declined()
        value = _value(r.terms[1])
        if value.free_symbols or not value.is_real or r.terms[0] in given:
            raise Declined()
        given[r.terms[0]] = value
    f = _expr(math)
    if f.free_symbols - set(given) or not f.free_symbols:
        raise Declined()
    value = _computed(lambda: f.xreplace(given), seconds)
    if (
        not isinstance(value, sympy.Expr)
        or value.free_symbols
        or value.has(sympy.zoo, sympy.nan)
        or not value.is_finite
    ):
        raise Declined()  # "undefined" at a pole: not settled
    shown = value if value.is_Rational else _computed(lambda: sympy.simplify(value), seconds)
    if not shown.is_real:
        raise Declined()
    return _result("arithmetic", _readback(shown), _tex(shown))


def _quadratic_from_roots(text: str, seconds: float) -> dict:
    """ "Find a quadratic equation with the solutions 2 ± √6" (or "r and s"): (x - r)(x - s) = 0,
    expanded with integer coefficients. Any nonzero multiple is as right; the checker
    compares equations up to a factor. Non-real coefficients: Declined."""
    node = _parse(text)
    if isinstance(node, Items) and node.seps == ("and",) and len(node.items) == 2:
        roots = [_value(r) for r in node.items]
    elif isinstance(node, sympy.Expr) and PM in node.free_symbols and not (node.free_symbols - {PM}):
        roots = [to_num(node.xreplace({PM: sign})).expr for sign in (1, -1)]
    else:
        raise Declined()
    if any(r.free_symbols or not r.is_finite for r in roots):
        raise Declined()
    x = sympy.Symbol("x")
    poly = _computed(lambda: sympy.Poly(sympy.expand((x - roots[0]) * (x - roots[1])), x), seconds)
    coeffs = [_computed(lambda c=c: sympy.nsimplify(sympy.simplify(c)), seconds) for c in poly.all_coeffs()]
    if not all(c.is_Rational for c in coeffs) or not all(
        cmp.values_equal(c, d) for c, d in zip(coeffs, poly.all_coeffs())
    ):
        raise Declined()
    scale = math.lcm(*[int(c.q) for c in coeffs])
    lhs = sum(c * scale * x**k for c, k in zip(coeffs, (2, 1, 0)))
    return _result("equation", f"{_readback(lhs)} = 0", f"{_tex(lhs)} = 0")


def cas(task: dict, seconds: float) -> dict | None:
    """Answer for one recognised task (see question.py), or None when declined.

    ``task``: the JSON of a ``tasks.CasTask`` (kind and the maths as text; a missing field
    reads as that field's default). ``seconds`` bounds each sympy call; the pool's timeout
    bounds the whole.
    """
    kind, math, var = task.get("kind"), task.get("math") or "", task.get("var")
    try:
        if kind == "solve":
            return _solve(
                math, var, seconds, bool(task.get("real_only")), bool(task.get("expr_ok")), bool(task.get("on_turn"))
            )
        if kind == "derivative":
            return _derivative(math, var, int(task.get("order") or 1), seconds)
        if kind == "integral":
            return _integral(math, var, task.get("lower"), task.get("upper"), seconds)
        if kind == "limit":
            return _limit(math, var, task.get("point") or "", task.get("side") or "", seconds)
        if kind in _ALGEBRA or kind in ("product", "divide"):
            return _algebra(kind, math, seconds, bool(task.get("degrees")))
        if kind == "arithmetic":
            return _arithmetic(math, seconds, bool(task.get("degrees")))
        if kind == "quadratic_from_roots":
            return _quadratic_from_roots(math, seconds)
        if kind == "substitute":
            return _substitute(math, str(task.get("values") or ""), seconds)
    except (Declined, ParseError):
        return None
    return None


def antiderivative_equal(answer: str, reference: str, var: str) -> bool | None:
    """Do two antiderivatives differ by a constant? ``+ C`` (any letter C/c/K) ignored.

    None when the answer cannot be read.
    """
    from ..text import extract

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
        expr = expr.xreplace({s: 0 for s in constants}).xreplace({v: positive})
        # d/dx ln|u| = u'/u = d/dx ln u wherever u is real: compared without the bars, as the
        # sample points may make u complex (ln|x + √(x²-1)| at x < 1)
        expr = expr.replace(
            lambda e: isinstance(e, sympy.log) and isinstance(e.args[0], sympy.Abs),
            lambda e: sympy.log(e.args[0].args[0]),
        )
        parts.append(expr)
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
    from ..text import extract

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


def positive_equal(answer: str, reference: str) -> bool | None:
    """Equal when every variable is positive (the textbook reading of radicals of variables).

    Compared at cmp.RANDOM_POINTS positive points; None when either cannot be read or is
    not a plain expression (an equation, a list).
    """
    from ..text import extract

    values = []
    for text in (answer, reference):
        try:
            values.append(_value(parse_answer(extract(text))))
        except (ParseError, Declined):
            return None
    free = sorted(values[0].free_symbols | values[1].free_symbols, key=lambda s: s.name)
    if not free or len(free) > 6:
        return None
    agree = 0
    for point in cmp.sample_points(free, cmp.RANDOM_POINTS):
        va, vb = cmp.numeric(values[0], 30, point), cmp.numeric(values[1], 30, point)
        if va is None or vb is None:
            return None
        if not cmp.close(va, vb, 1e-20, 1e-25):
            return False
        agree += 1
    return agree >= 3
