"""Fallback for LaTeX our grammar does not cover (``\\sum``, ``\\int``, ``\\lfloor``…).

``latex2sympy2_extended`` (the parser math-verify uses) builds sympy objects from
an ANTLR parse tree, never through ``eval``; it is only reached when our own
grammar refused a text containing a backslash. Its result must be a plain
expression: structure (lists, sets, intervals) is always read by our grammar.
Floats it produces are turned back into the decimal rationals that were typed.
"""

from __future__ import annotations

import sympy

from .lexer import ParseError


def parse_latex(text: str) -> sympy.Expr:
    """Expression for a LaTeX fragment, or ParseError."""
    from latex2sympy2_extended import latex2sympy  # antlr import costs ~0.2 s: lazy

    try:
        result = latex2sympy(text)
    except Exception as exc:  # the ANTLR parser raises bare Exception
        raise ParseError("the LaTeX could not be read") from exc
    if not isinstance(result, sympy.Expr) or isinstance(result, sympy.MatrixExpr) or result.has(sympy.MatrixBase):
        raise ParseError("the LaTeX could not be read")  # a matrix expression: evalf recursed for ever
    if result.atoms(sympy.Symbol) & _forbidden(result):
        raise ParseError("the LaTeX could not be read")
    floats = result.atoms(sympy.Float)
    if floats:
        result = result.xreplace({f: sympy.nsimplify(f, rational=True) for f in floats})
    return result


def _forbidden(expr: sympy.Expr) -> set[sympy.Symbol]:
    """Symbols whose names show the parser swallowed markup (``bar{x}``, ``\\text``)."""
    return {s for s in expr.atoms(sympy.Symbol) if not s.name.replace("_", "").isalnum()}
