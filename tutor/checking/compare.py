"""Is value A equal to value B? Exact where cheap, numeric where certain enough.

* Two rationals are compared exactly.
* Constants are evaluated to 50 digits; disagreement is final. Agreement is
  confirmed by ``simplify`` (within SYMBOLIC_BUDGET s) or else at 400 digits, with
  a *relative* tolerance so ``1/2004!`` and ``1/2006!`` (both ~1e-5750) differ.
* Expressions with variables are compared at RANDOM_POINTS positive points (30
  digits, fixed seed) and must also agree at negative points where both are
  real, so ``sqrt(x^2)`` is not ``x``.
* A typed decimal with at least MIN_SIGFIGS significant figures equals an exact
  value when it is that value correctly rounded (``0.333`` for 1/3, not ``0.3``),
  unless the value has a terminating decimal itself (5/8 must be 0.625).
"""

from __future__ import annotations

import math
import random
import signal
import threading
from contextlib import contextmanager

import mpmath
import sympy

SYMBOLIC_BUDGET = 0.3
RANDOM_POINTS = 5
MIN_SIGFIGS = 3


class OutOfBudget(Exception):
    """A symbolic step ran past its budget; fall back to numbers."""


@contextmanager
def budget(seconds: float):
    """Interrupt the block after ``seconds`` (worker main thread only; else no limit)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _raise(signum, frame):
        raise OutOfBudget()

    old = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def numeric(x: sympy.Expr, dps: int, subs: dict | None = None) -> mpmath.mpc | None:
    """x to ``dps`` digits as an mpmath complex, or None when not a finite number."""
    try:
        v = x.evalf(dps, subs=subs) if subs else x.evalf(dps)
        re, im = v.as_real_imag()
        if not (re.is_Number and im.is_Number) or not (re.is_finite and im.is_finite):
            return None
        with mpmath.workdps(dps + 10):
            return mpmath.mpc(
                mpmath.mpf(re._mpf_ if re.is_Float else sympy.Float(re, dps)._mpf_),
                mpmath.mpf(im._mpf_ if im.is_Float else sympy.Float(im, dps)._mpf_),
            )
    except (TypeError, ValueError, ZeroDivisionError, AttributeError, ArithmeticError):
        return None


def close(a: mpmath.mpc, b: mpmath.mpc, rel: float, floor: float = 0.0) -> bool:
    with mpmath.workdps(60):
        return abs(a - b) <= rel * max(abs(a), abs(b)) + floor


def values_equal(a: sympy.Expr, b: sympy.Expr) -> bool:
    """Mathematical equality of two evaluated expressions."""
    if a == b:
        return True
    if a.has(sympy.oo, -sympy.oo, sympy.zoo, sympy.nan) or b.has(sympy.oo, -sympy.oo, sympy.zoo, sympy.nan):
        return False
    free = a.free_symbols | b.free_symbols
    if not free:
        return _constants_equal(a, b)
    return _functions_equal(a, b, sorted(free, key=lambda s: s.name))


def _constants_equal(a: sympy.Expr, b: sympy.Expr) -> bool:
    if a.is_Rational and b.is_Rational:
        return a == b
    va, vb = numeric(a, 50), numeric(b, 50)
    if va is None or vb is None or not close(va, vb, 1e-40):
        return False
    try:
        with budget(SYMBOLIC_BUDGET):
            if sympy.simplify(a - b) == 0:
                return True
    except OutOfBudget:
        pass
    va, vb = numeric(a, 400), numeric(b, 400)
    return va is not None and vb is not None and close(va, vb, mpmath.mpf(10) ** -380)


def sample_points(free: list[sympy.Symbol], n: int, negative: bool = False, mixed: bool = False) -> list[dict]:
    """Deterministic random points: positive in (0.6, 2.9), or negative in (-2.9, -0.6);
    ``mixed``: signs alternate between the variables (and between points), so that
    ``|x|·|y|`` is not ``x·y`` and ``|x| = |y|`` is not ``x = y``."""
    rng = random.Random(20240 + len(free))
    sign = -1 if negative else 1
    out = []
    for k in range(n):
        point = {}
        for j, s in enumerate(free):
            sg = (-1) ** (j + k) if mixed else sign
            point[s] = sympy.Rational(sg * rng.randint(600, 2900), 1000) + sympy.Rational(
                sg * rng.randint(1, 997), 10**6
            )
        out.append(point)
    return out


def _functions_equal(a: sympy.Expr, b: sympy.Expr, free: list[sympy.Symbol]) -> bool:
    agree = 0
    for point in sample_points(free, RANDOM_POINTS):
        va, vb = numeric(a, 30, point), numeric(b, 30, point)
        if va is None or vb is None:
            if (va is None) != (vb is None):
                return False
            continue
        if not close(va, vb, 1e-20, 1e-25):
            return False
        agree += 1
    if agree < 3:
        return False
    extra = sample_points(free, 3, negative=True) + (sample_points(free, 2, mixed=True) if len(free) > 1 else [])
    for point in extra:
        va, vb = numeric(a, 30, point), numeric(b, 30, point)
        if va is not None and vb is not None and va.imag == 0 and vb.imag == 0 and not close(va, vb, 1e-20, 1e-25):
            return False
    return True


def rounds_to(exact: sympy.Expr, decimal: sympy.Expr, sigfigs: int, min_sigfigs: int = MIN_SIGFIGS) -> bool:
    """``decimal`` (typed with ``sigfigs`` figures) is ``exact`` correctly rounded."""
    if sigfigs < min_sigfigs or exact.free_symbols or not decimal.is_Rational or decimal == 0:
        return False
    if exact.is_Rational and not set(sympy.factorint(exact.q)) - {2, 5}:
        return False  # 5/8 has an exact decimal (0.625): rounding it is not allowed
    v = numeric(exact, 40)
    if v is None or v.imag != 0:
        return False
    with mpmath.workdps(50):
        d = mpmath.mpf(decimal.p) / decimal.q
        lead = int(mpmath.floor(mpmath.log10(abs(d))))
        ulp = mpmath.mpf(10) ** (lead - sigfigs + 1)
        return abs(v.real - d) <= ulp / 2 * (1 + mpmath.mpf(10) ** -9)


def proportional(fa: sympy.Expr, fb: sympy.Expr, positive: bool = False) -> bool:
    """fa = c·fb for a nonzero constant c (equivalent equations fa = 0, fb = 0); c > 0
    with ``positive`` (equivalent inequalities fa > 0, fb > 0).

    Checked at positive points, then at negative and mixed-sign points where both
    sides are real: ``|x| - |y|`` is not proportional to ``x - y``.
    """
    free = sorted(fa.free_symbols | fb.free_symbols, key=lambda s: s.name)
    if not free:
        return False
    try:
        with budget(SYMBOLIC_BUDGET):
            fa, fb = sympy.numer(sympy.together(fa)), sympy.numer(sympy.together(fb))
    except OutOfBudget:
        pass
    ratio = None
    used = 0
    extra = sample_points(free, 3, negative=True) + sample_points(free, 3, mixed=True)
    for k, point in enumerate(sample_points(free, RANDOM_POINTS + 2) + extra):
        va, vb = numeric(fa, 30, point), numeric(fb, 30, point)
        if va is None or vb is None or abs(vb) < 1e-20:
            continue
        if k >= RANDOM_POINTS + 2 and (va.imag != 0 or vb.imag != 0):
            continue
        r = va / vb
        if abs(r) < 1e-20:
            return False
        if ratio is None:
            ratio = r
        elif not close(r, ratio, 1e-15):
            return False
        used += 1
    if positive and ratio is not None and not (abs(ratio.imag) < 1e-20 and ratio.real > 0):
        return False
    return used >= 3


def positive_multiple(fa: sympy.Expr, fb: sympy.Expr) -> bool:
    """fa = c·fb with a constant c > 0: ``fa > 0`` and ``fb > 0`` are the same condition."""
    return proportional(fa, fb, positive=True)


def magnitude_note(a: sympy.Expr, b: sympy.Expr) -> str | None:
    """A hint on how a wrong constant relates to the right one (sign, reciprocal)."""
    va, vb = numeric(a, 30), numeric(b, 30)
    if va is None or vb is None or vb == 0 or va == 0:
        return None
    if close(va, -vb, 1e-20):
        return "Check the sign."
    if close(va * vb, mpmath.mpc(1), 1e-20):
        return "That is the reciprocal of the answer."
    ratio = va / vb
    if ratio.imag == 0 and ratio.real > 0:
        power = math.log10(float(ratio.real))
        if abs(power - round(power)) < 1e-9 and round(power) != 0:
            return "Check the place value (a power of 10 is off)."
    return None
