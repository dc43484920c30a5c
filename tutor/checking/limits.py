"""Cost bounds on parsed expressions, checked before sympy evaluates anything.

Parsed trees are built with ``evaluate=False``; ``evaluated()`` rebuilds them with
evaluation on, which computes exact integers (``9^9^9`` would need 3.7e8 digits).
``check_cost`` therefore estimates, without computing, the size of every exact
number sympy would form, and rejects the tree when one exceeds MAX_DIGITS.
"""

from __future__ import annotations

import math

import sympy

from .lexer import ParseError

MAX_NODES = 4000
MAX_DIGITS = 20000
"""Largest exact number (in decimal digits) a check may compute; 2006! has 5,700."""
MAX_FACTORIAL = 5000
MAX_EXPONENT = 10**6
"""Largest numeric exponent of a non-constant base (numeric checks stay cheap)."""


def _digits(x: sympy.Expr) -> float | None:
    """Upper bound on log10|x| for exact-evaluable x; None when x is not exact."""
    if isinstance(x, sympy.Integer):
        return abs(int(x)).bit_length() * 0.30103 + 1
    if isinstance(x, sympy.Rational):
        return max(abs(x.p).bit_length(), x.q.bit_length()) * 0.30103 + 1
    if isinstance(x, (sympy.Add, sympy.Mul)):
        maybe = [_digits(a) for a in x.args]
        parts = [p for p in maybe if p is not None]
        if len(parts) != len(maybe):
            return None
        return (max(parts) + math.log10(len(parts))) if isinstance(x, sympy.Add) else sum(parts)
    if isinstance(x, sympy.Pow):
        base, exp = _digits(x.base), _value_bound(x.exp)
        if base is None or exp is None:
            return None
        return base * exp
    if isinstance(x, (sympy.factorial, sympy.binomial)):
        n = _value_bound(x.args[0])
        if n is None:
            return None
        if n > MAX_FACTORIAL:
            raise ParseError("a factorial that large cannot be checked")
        return n * math.log10(n + 2) + 1
    return None


def _value_bound(x: sympy.Expr) -> float | None:
    """Upper bound on |x| for exact-evaluable x (inf when astronomically large)."""
    d = _digits(x)
    if d is None:
        return None
    if d > 300:
        return math.inf
    try:
        return abs(complex(x.evalf(15))) * (1 + 1e-9)
    except (TypeError, ValueError, OverflowError):
        return math.inf


def check_cost(obj: object) -> None:
    """Raise ParseError when evaluating ``obj`` (a sympy tree) could be too costly."""
    stack, seen = [obj], 0
    while stack:
        x = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            raise ParseError("the answer is too large to check")
        if not isinstance(x, sympy.Basic):
            continue
        if isinstance(x, sympy.Pow):
            d = _digits(x)
            if d is not None and d > MAX_DIGITS:
                raise ParseError("a number in the answer is too large to check")
            e = _value_bound(x.exp) if x.exp.is_number else None
            if e is not None and e > MAX_EXPONENT and x.base not in (0, 1, -1):
                raise ParseError("an exponent in the answer is too large to check")
        elif isinstance(x, (sympy.factorial, sympy.binomial)):
            d = _digits(x)
            if d is not None and d > MAX_DIGITS:
                raise ParseError("a factorial that large cannot be checked")
        elif isinstance(x, (sympy.Mul, sympy.Add)):
            d = _digits(x)
            if d is not None and d > MAX_DIGITS:
                raise ParseError("a number in the answer is too large to check")
        stack.extend(x.args)


def evaluated(x: sympy.Basic) -> sympy.Basic:
    """Rebuild an unevaluated tree with evaluation on (call check_cost first)."""
    if not x.args or isinstance(x, (sympy.Symbol, sympy.Number)):
        return x
    return x.func(*[evaluated(a) for a in x.args])
