"""Practice problems: references that the checker accepts and that really answer the problem.

The problem's maths is read back with the checker's own parser (trusted text we
generated) and each reference is verified independently of how it was built:
solutions are substituted, inequalities compared on a grid of points,
derivatives by finite differences and integrals by numerical quadrature.
"""

from __future__ import annotations

import operator
from fractions import Fraction

import mpmath
import pytest
import sympy

from tutor.checking import check_answer
from tutor.checking.checker import parse_answer
from tutor.checking.shapes import as_point, as_solutions, to_num
from tutor.teaching.practice import DIFFICULTIES, TOPICS, Problem, from_id, generate

SEEDS = range(30)
X = sympy.Symbol("x")


def _expr(text: str) -> sympy.Expr:
    return to_num(parse_answer(text)).expr


def _equation(text: str) -> sympy.Expr:
    node = parse_answer(text)
    lhs, rhs = (to_num(t).expr for t in node.terms)
    return lhs - rhs


_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _chain(rel):
    """x -> does the chain of inequalities hold? Exact: integer coefficients applied to a Fraction."""
    terms = [sympy.lambdify(X, to_num(term).expr) for term in rel.terms]

    def holds(t: Fraction) -> bool:
        values = [f(t) for f in terms]
        return all(_OPS[op](a, b) for op, a, b in zip(rel.ops, values, values[1:]))

    return holds


def _verify(p: Problem) -> None:
    ref = parse_answer(p.reference_latex)
    if p.topic in ("fractions", "exponents"):
        assert sympy.simplify(_expr(p.math[0]) - to_num(ref).expr) == 0
    elif p.topic in ("linear", "quadratics"):
        f = _equation(p.math[0])
        values = [v.expr for v in as_solutions(ref).values]
        assert all(sympy.simplify(f.subs(X, v)) == 0 for v in values)
        poly = sympy.Poly(f, X)
        expected = 1 if poly.degree() == 1 or sympy.discriminant(poly) == 0 else 2
        assert len(set(values)) == expected
    elif p.topic == "systems":
        point = as_point(ref)
        names = dict(zip(point.names, (c.expr for c in point.coords)))
        fs = [_equation(m) for m in p.math]
        assert all(f.xreplace(names) == 0 for f in fs)
        (a1, b1), (a2, b2) = ([f.coeff(s) for s in sympy.symbols("x y")] for f in fs)
        assert a1 * b2 - a2 * b1 != 0  # the solution is the only one
    elif p.topic == "inequalities":
        question, answer = _chain(parse_answer(p.math[0])), _chain(ref)
        for k in range(-80, 81):  # boundaries are integers in [-9, 15]
            t = Fraction(k, 4)
            assert question(t) == answer(t), (p.id, t)
    elif p.topic == "derivatives":
        f = sympy.lambdify(X, _expr(p.math[0]), "mpmath")
        df = _expr(p.reference_latex)
        for t in (0.7, 1.3, 2.1):
            assert mpmath.diff(f, t) == pytest.approx(float(df.subs(X, t)), rel=1e-9, abs=1e-9)
    elif p.topic == "integrals":
        f = sympy.lambdify(X, _expr(p.math[0]), "mpmath")
        lo, hi = (float(_expr(b)) for b in p.math[1:])
        assert float(mpmath.quad(f, [lo, hi])) == pytest.approx(float(to_num(ref).expr), rel=1e-9, abs=1e-9)
    else:
        raise AssertionError(p.topic)


@pytest.mark.parametrize("topic", [t for t, _ in TOPICS])
def test_every_reference_is_checkable_and_right(topic):
    for difficulty in DIFFICULTIES:
        for seed in SEEDS:
            p = generate(topic, difficulty, seed)
            verdict = check_answer(p.reference_latex, p.reference_latex)
            assert verdict.correct, (p.id, p.reference_latex, verdict.feedback)
            _verify(p)
            assert "$" in p.question_markdown


def test_same_id_same_problem():
    for topic, _ in TOPICS:
        for difficulty in DIFFICULTIES:
            p = generate(topic, difficulty, 12345)
            assert from_id(p.id) == p == generate(topic, difficulty, 12345)
            assert p.id == f"{topic}:{difficulty}:12345"


def test_seeds_give_different_problems():
    for topic, _ in TOPICS:
        assert len({generate(topic, 2, s).question_markdown for s in SEEDS}) >= 10


def test_topics_have_display_names():
    assert len(TOPICS) >= 8 and all(name and name[0].isupper() for _, name in TOPICS)


@pytest.mark.parametrize(
    "bad",
    ["", "fractions", "nope:1:1", "fractions:4:1", "fractions:1:-1", "fractions:1:x", None, "linear:1:" + "9" * 30],
)
def test_malformed_ids_are_refused(bad):
    with pytest.raises(ValueError):
        from_id(bad)


def test_fraction_answers_are_fractions():
    for seed in SEEDS:
        p = generate("fractions", 1, seed)
        value = to_num(parse_answer(p.reference_latex)).expr
        assert Fraction(int(value.p), int(value.q)) == Fraction(str(value))
