"""Practice problems by topic and difficulty, each with a reference answer correct by construction.

The answer is chosen first (roots, solution point, boundary, antiderivative…)
and the problem is built from it, so no solving is involved. A problem is a
pure function of its id ``f"{topic}:{difficulty}:{seed}"`` (``random.Random`` seeded
with that string, which is stable across runs and platforms), so storing the id
is enough to show the same problem again.

Runs sympy in this process: the inputs are a topic from TOPICS, a difficulty
1–3 and an integer seed (checked by ``from_id``), never student text.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

import sympy

from tutor.checking.cross_check.solve import plain

TOPICS: list[tuple[str, str]] = [
    ("fractions", "Fraction arithmetic"),
    ("linear", "Linear equations"),
    ("systems", "Systems of two linear equations"),
    ("quadratics", "Quadratic equations"),
    ("inequalities", "Inequalities"),
    ("exponents", "Exponents and radicals"),
    ("derivatives", "Derivatives"),
    ("integrals", "Definite integrals"),
]
"""(topic id, display name), in teaching order."""
TOPIC_NAMES = dict(TOPICS)
DIFFICULTIES = (1, 2, 3)
MAX_SEED = 2**63

x, y = sympy.symbols("x y")
_ID = re.compile(r"([a-z]+):([123]):(\d{1,19})")


@dataclass(frozen=True)
class Problem:
    id: str
    topic: str
    difficulty: int
    question_markdown: str
    """What the student sees; maths in ``$…$``."""
    reference_latex: str
    """The answer, for ``check_answer(answer, reference_latex)``."""
    question_text: str
    """The same question in plain words and maths (for the model and computer algebra)."""
    math: tuple[str, ...]
    """The problem's maths in plain text: equation(s) or expression, then any bounds."""


def _tex(e: sympy.Basic) -> str:
    return sympy.latex(e, ln_notation=True)


def _txt(e: sympy.Basic) -> str:
    return plain(e).replace("**", "^")


def _nonzero(rng: random.Random, lo: int, hi: int) -> int:
    return rng.choice([k for k in range(lo, hi + 1) if k != 0])


def _eq(lhs: sympy.Expr, rhs: sympy.Expr) -> tuple[str, str]:
    return f"{_tex(lhs)} = {_tex(rhs)}", f"{_txt(lhs)} = {_txt(rhs)}"


def _values(var: sympy.Symbol, values: list) -> str:
    return r" \text{ or } ".join(f"{_tex(var)} = {_tex(v)}" for v in sorted(set(values)))


# -- topics: each returns (markdown, reference_latex, question_text, math) ---------
def _fractions(d: int, rng: random.Random):
    fr: list[sympy.Rational] = []
    while len(fr) < 3:
        q = rng.randint(2, 9 + 3 * d)
        p = rng.randint(1, 2 * q - 1)
        if sympy.gcd(p, q) == 1:
            fr.append(sympy.Rational(p, q))
    a, b, c = fr
    if d == 1:
        op = rng.choice(["+", "-"])
        value = a + b if op == "+" else a - b
        tex, txt = f"{_tex(a)} {op} {_tex(b)}", f"{a} {op} {b}"
    elif d == 2:
        op = rng.choice([r"\times", r"\div"])
        value = a * b if op == r"\times" else a / b
        tex, txt = f"{_tex(a)} {op} {_tex(b)}", f"{a} {'*' if op == chr(92) + 'times' else '/'} ({b})"
    else:
        value = (a - b) / c
        tex = rf"\left({_tex(a)} - {_tex(b)}\right) \div {_tex(c)}"
        txt = f"({a} - {b}) / ({c})"
    md = f"Calculate ${tex}$. Give your answer as a fraction in lowest terms."
    return md, _tex(value), f"What is {txt}?", (txt,)


def _linear(d: int, rng: random.Random):
    a, b = rng.randint(2, 9), _nonzero(rng, -9, 9)
    if d == 1:
        root = sympy.Integer(rng.randint(-9, 9))
        lhs, rhs = a * x + b, a * root + b
    elif d == 2:
        root = sympy.Integer(rng.randint(-9, 9))
        c = rng.choice([k for k in range(-9, 10) if k not in (0, a)])
        lhs, rhs = a * x + b, c * x + (a - c) * root + b
    else:
        q, k = rng.choice([2, 3]), _nonzero(rng, -3, 3)
        p = rng.choice([n for n in range(-9, 10) if n % q])
        root = sympy.Rational(p, q)
        c = rng.choice([n for n in range(-6, 7) if n not in (0, -q * k)])
        a = c + q * k
        lhs = sympy.Mul(a, x + b, evaluate=False)
        rhs = c * x + k * p + a * b
    tex, txt = _eq(lhs, rhs)
    return f"Solve ${tex}$.", f"x = {_tex(root)}", f"Solve {txt}", (txt,)


def _systems(d: int, rng: random.Random):
    span = {1: 5, 2: 6, 3: 9}[d]
    x0, y0 = rng.randint(-span, span), rng.randint(-span, span)
    while True:
        if d == 1:
            a1, b1, a2, b2 = 1, 1, 1, -1
        else:
            a1, b1, a2, b2 = (_nonzero(rng, -d - 3, d + 3) for _ in range(4))
        if a1 * b2 - a2 * b1:
            break
    eqs = [(a1 * x + b1 * y, a1 * x0 + b1 * y0), (a2 * x + b2 * y, a2 * x0 + b2 * y0)]
    pairs = [_eq(lhs, rhs) for lhs, rhs in eqs]
    md = f"Solve the system of equations ${pairs[0][0]}$ and ${pairs[1][0]}$."
    txt = f"{pairs[0][1]}, {pairs[1][1]}"
    return md, rf"x = {x0}, \; y = {y0}", f"Solve the system {txt}", (pairs[0][1], pairs[1][1])


def _quadratics(d: int, rng: random.Random):
    r1, r2 = rng.randint(-6, 6), rng.randint(-6, 6)
    k = 1 if d == 1 else rng.randint(2, 4) * rng.choice([1, -1])
    poly = sympy.expand(k * (x - r1) * (x - r2))
    if d == 3:
        c = poly.coeff(x, 0)
        lhs, rhs = poly - c, -c
    else:
        lhs, rhs = poly, sympy.Integer(0)
    tex, txt = _eq(lhs, rhs)
    return f"Solve ${tex}$.", _values(x, [r1, r2]), f"Solve {txt}", (txt,)


_REL = {"<": ("<", "<"), ">": (">", ">"), "<=": (r"\le", "<="), ">=": (r"\ge", ">=")}
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}


def _inequalities(d: int, rng: random.Random):
    k, b = rng.randint(-9, 9), _nonzero(rng, -9, 9)
    if d == 3:
        a = rng.randint(2, 6)
        k2 = k + rng.randint(1, 6)
        lo, hi = rng.choice([("<", "<="), ("<=", "<"), ("<", "<")])
        md_rel = f"{a * k + b} {_REL[lo][0]} {_tex(a * x + b)} {_REL[hi][0]} {a * k2 + b}"
        txt = f"{a * k + b} {lo} {_txt(a * x + b)} {hi} {a * k2 + b}"
        ref = f"{k} {_REL[lo][0]} x {_REL[hi][0]} {k2}"
        return f"Solve ${md_rel}$.", ref, f"Solve {txt}", (txt,)
    a = rng.randint(2, 6) * (1 if d == 1 else -1)
    op = rng.choice(list(_REL))
    sol = op if a > 0 else _FLIP[op]
    md_rel = f"{_tex(a * x + b)} {_REL[op][0]} {a * k + b}"
    txt = f"{_txt(a * x + b)} {op} {a * k + b}"
    return f"Solve ${md_rel}$.", f"x {_REL[sol][0]} {k}", f"Solve {txt}", (txt,)


def _exponents(d: int, rng: random.Random):
    if d == 1:
        base, m, n = rng.randint(2, 4), rng.randint(2, 3), rng.randint(2, 3)
        if rng.random() < 0.5:
            tex, txt, value = (
                f"{base}^{{{m}}} \\cdot {base}^{{{n}}}",
                f"{base}^{m} * {base}^{n}",
                sympy.Integer(base) ** (m + n),
            )
        else:
            tex, txt, value = (
                f"\\left({base}^{{{m}}}\\right)^{{{n}}}",
                f"({base}^{m})^{n}",
                sympy.Integer(base) ** (m * n),
            )
        return f"Evaluate ${tex}$.", _tex(value), f"What is {txt}?", (txt,)
    if d == 2:
        k, m = rng.randint(2, 7), rng.choice([2, 3, 5, 6, 7, 10, 11])
        value = k * sympy.sqrt(m)
        return (
            f"Simplify $\\sqrt{{{k * k * m}}}$.",
            _tex(value),
            f"Simplify sqrt({k * k * m})",
            (f"sqrt({k * k * m})",),
        )
    r, q = rng.randint(2, 5 if d == 3 else 4), rng.choice([2, 3])
    p = _nonzero(rng, -3, 3)
    value = sympy.Integer(r) ** p
    exp = sympy.Rational(p, q)
    base = r**q
    return (f"Evaluate ${base}^{{{_tex(exp)}}}$.", _tex(value), f"What is {base}^({exp})?", (f"{base}^({exp})",))


def _derivatives(d: int, rng: random.Random):
    if d == 1:
        f = sum(_nonzero(rng, -9, 9) * x**n for n in rng.sample(range(0, 6), 3))
    elif d == 2:
        c, n = _nonzero(rng, -5, 5), rng.randint(1, 4)
        f = rng.choice(
            [c * x**n * sympy.sin(x), c * x**n * sympy.exp(x), c * x**n * sympy.cos(x), c * x**n * sympy.log(x)]
        )
    else:
        a, b, n = rng.randint(2, 5), _nonzero(rng, -5, 5), rng.randint(2, 5)
        f = rng.choice(
            [(a * x + b) ** n, sympy.sin(a * x**2), sympy.exp(a * x) * sympy.cos(x), sympy.log(a * x**2 + abs(b))]
        )
    return (
        f"Find $\\dfrac{{d}}{{dx}}\\left({_tex(f)}\\right)$.",
        _tex(sympy.diff(f, x)),
        f"Find the derivative of {_txt(f)}",
        (_txt(f),),
    )


def _integrals(d: int, rng: random.Random):
    if d == 3:
        k = rng.randint(2, 5)
        big_f, lo, hi = rng.choice(
            [
                (k * sympy.sin(x), sympy.Integer(0), sympy.pi / 2),
                (-k * sympy.cos(x), sympy.Integer(0), sympy.pi),
                (sympy.exp(x), sympy.Integer(0), sympy.log(k)),
                (k * sympy.log(x), sympy.Integer(1), sympy.E),
            ]
        )
    else:
        degree = 2 if d == 1 else 3
        big_f = sum(sympy.Rational(_nonzero(rng, -6, 6), 1) * x**n for n in range(1, degree + 1))
        lo = sympy.Integer(0 if d == 1 else rng.randint(-3, 0))
        hi = lo + rng.randint(1, 3)
    f = sympy.expand(sympy.diff(big_f, x))
    value = sympy.simplify(big_f.subs(x, hi) - big_f.subs(x, lo))
    md = f"Evaluate $\\displaystyle\\int_{{{_tex(lo)}}}^{{{_tex(hi)}}} \\left({_tex(f)}\\right)\\,dx$."
    txt = f"Integrate {_txt(f)} from {_txt(lo)} to {_txt(hi)}"
    return md, _tex(value), txt, (_txt(f), _txt(lo), _txt(hi))


_GENERATORS = {
    "fractions": _fractions,
    "linear": _linear,
    "systems": _systems,
    "quadratics": _quadratics,
    "inequalities": _inequalities,
    "exponents": _exponents,
    "derivatives": _derivatives,
    "integrals": _integrals,
}


def generate(topic: str, difficulty: int, seed: int) -> Problem:
    """The problem with id ``f"{topic}:{difficulty}:{seed}"``; ValueError for an unknown topic/difficulty."""
    if topic not in _GENERATORS or difficulty not in DIFFICULTIES or not (0 <= seed < MAX_SEED):
        raise ValueError("unknown topic, difficulty or seed")
    pid = f"{topic}:{difficulty}:{seed}"
    md, ref, text, math = _GENERATORS[topic](difficulty, random.Random(pid))
    return Problem(pid, topic, difficulty, md, ref, text, math)


def from_id(problem_id: str) -> Problem:
    """Regenerate a problem from its id; ValueError when the id is malformed."""
    m = _ID.fullmatch(problem_id) if isinstance(problem_id, str) else None
    if m is None:
        raise ValueError("not a problem id")
    return generate(m.group(1), int(m.group(2)), int(m.group(3)))
