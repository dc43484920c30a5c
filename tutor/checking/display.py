"""LaTeX of a parsed answer as the student typed it ("You entered: …").

Shows the unevaluated tree (``6/8`` stays 6/8), typed decimals as decimals and
the ±/%/° markers as symbols. Only call on trees that passed ``check_cost``:
printing is cheap but must not meet an astronomically large number.
"""

from __future__ import annotations

import sympy

from .nodes import DEG, PCT, PM, RATIO, SIGFIG, Delim, Items, MatrixNode, Rel, SetOp, sigfig_digits

MAX_LATEX = 600

_REL = {"=": "=", "<": "<", ">": ">", "<=": r"\le", ">=": r"\ge", "!=": r"\neq", "in": r"\in"}
_SEP = {",": ", ", ";": "; ", "or": r"\text{ or }", "and": r"\text{ and }"}


_FUNC_TEX = {
    "sin": r"\sin",
    "cos": r"\cos",
    "tan": r"\tan",
    "sec": r"\sec",
    "csc": r"\csc",
    "cot": r"\cot",
    "asin": r"\arcsin",
    "acos": r"\arccos",
    "atan": r"\arctan",
    "sinh": r"\sinh",
    "cosh": r"\cosh",
    "tanh": r"\tanh",
    "log": r"\ln",
}
_ADD, _MUL, _POW = 1, 2, 3


def expr_latex(x: sympy.Expr) -> str:
    """LaTeX of an (unevaluated) expression, close to how it was typed."""
    return _tex(x, 0)


def _wrap(body: str, inner: int, outer: int) -> str:
    return rf"\left({body}\right)" if inner <= outer else body


def _level(x: sympy.Basic) -> int:
    if isinstance(x, sympy.Add):
        return _ADD
    if isinstance(x, sympy.Mul) or (isinstance(x, sympy.Rational) and not x.is_Integer):
        return _MUL
    if isinstance(x, sympy.Number) and x < 0:
        return _ADD
    if isinstance(x, sympy.Pow):
        return _POW
    return 9


def _decimal(x: sympy.Mul) -> sympy.Float | None:
    marks = [a for a in x.args if isinstance(a, sympy.Symbol) and SIGFIG.fullmatch(a.name)]
    rest = [a for a in x.args if a not in marks]
    if marks and len(rest) == 1 and rest[0].is_Number:
        return sympy.Float(rest[0], sigfig_digits(marks[0].name))
    return None


def _tex(x: sympy.Basic, outer: int) -> str:
    if isinstance(x, sympy.Rational) and not x.is_Integer:
        body = rf"\frac{{{abs(x.p)}}}{{{x.q}}}"
        return _wrap("-" + body, _ADD, outer) if x < 0 else body
    if x.is_Atom:
        if x == PCT:
            return r"\%"
        if x == DEG:
            return r"^{\circ}"
        return _wrap(sympy.latex(x), _level(x), outer)
    if isinstance(x, RATIO):
        return _wrap(f"{_tex(x.args[0], _ADD)} : {_tex(x.args[1], _ADD)}", _ADD, outer)
    if isinstance(x, sympy.Add):
        out = _tex(x.args[0], 0)
        for t in x.args[1:]:
            sign, body = _signed(t)
            out += f" {sign} {body}"
        return _wrap(out, _ADD, outer)
    if isinstance(x, sympy.Mul):
        return _mul(x, outer)
    if isinstance(x, sympy.Pow):
        base, exp = x.args
        if exp == -1:
            return rf"\frac{{1}}{{{_tex(base, 0)}}}"
        if exp == sympy.S.Half:
            return rf"\sqrt{{{_tex(base, 0)}}}"
        if isinstance(exp, sympy.Rational) and exp.p == 1 and exp.q > 2:
            return rf"\sqrt[{exp.q}]{{{_tex(base, 0)}}}"
        if base == sympy.E:
            return rf"e^{{{_tex(exp, 0)}}}"
        return _wrap(f"{_tex(base, _POW)}^{{{_tex(exp, 0)}}}", _POW, outer)
    name = type(x).__name__
    if name in _FUNC_TEX:
        return rf"{_FUNC_TEX[name]}\left({_tex(x.args[0], 0)}\right)"
    if isinstance(x, sympy.exp):
        return rf"e^{{{_tex(x.args[0], 0)}}}"
    if isinstance(x, sympy.Abs):
        return rf"\left|{_tex(x.args[0], 0)}\right|"
    if isinstance(x, sympy.factorial):
        return f"{_tex(x.args[0], _POW)}!"
    return sympy.latex(x)


def _signed(t: sympy.Basic) -> tuple[str, str]:
    """('+'|'-'|'\\pm'|'\\mp', body) for a term after the first one."""
    if isinstance(t, sympy.Mul):
        args = list(t.args)
        sign = "+"
        if PM in args:
            args.remove(PM)
            sign = r"\pm"
        if args and args[0] == -1:
            args = args[1:]
            sign = {"+": "-", r"\pm": r"\mp"}[sign]
        if sign != "+":
            rest = args[0] if len(args) == 1 else sympy.Mul(*args, evaluate=False)
            return sign, _tex(rest, _ADD)
    if isinstance(t, sympy.Number) and t < 0:
        return "-", _tex(-t, _ADD)
    return "+", _tex(t, _ADD)


def _mul(x: sympy.Mul, outer: int) -> str:
    dec = _decimal(x)
    if dec is not None:
        return _wrap(sympy.latex(dec), _level(dec), outer)
    args = _factors(x)
    prefix = ""
    if PM in args:
        args.remove(PM)
        prefix = r"\pm "
    if args and args[0] == -1 and len(args) > 1:
        args = args[1:]
        prefix = "-" if not prefix else r"\mp "
    suffix = ""
    for marker in (PCT, DEG):
        if marker in args:
            args.remove(marker)
            suffix += _tex(marker, 0)
    num = [a for a in args if not (isinstance(a, sympy.Pow) and a.exp == -1)]
    den = [a.base for a in args if isinstance(a, sympy.Pow) and a.exp == -1]
    if den:
        body = rf"\frac{{{_product(num, 0)}}}{{{_product(den, 0)}}}"
    else:
        body = _product(num, _MUL if prefix else outer)
    out = prefix + body + suffix
    return _wrap(out, _ADD if prefix.startswith("-") or suffix else _MUL, outer)


def _factors(x: sympy.Mul) -> list:
    """Factors of nested products, flattened (display only; a typed decimal stays whole)."""
    out = []
    for a in x.args:
        if isinstance(a, sympy.Mul) and _decimal(a) is None and a.args[0] != -1 and PM not in a.args:
            out.extend(_factors(a))
        else:
            out.append(a)
    return out


def _product(factors: list, outer: int) -> str:
    if len(factors) <= 1:
        return _tex(factors[0], outer) if factors else "1"
    first = factors[0]
    if isinstance(first, sympy.Number) and first < 0:
        out = "-" + _tex(-first, _MUL)
    else:
        out = _tex(first, _MUL)
    for f in factors[1:]:
        part = _tex(f, _MUL)
        out += (r" \cdot " if part[:1].isdigit() or part[:1] == "-" else " ") + part
    return out


def to_latex(node: object) -> str:
    """LaTeX for any parse result; truncated to MAX_LATEX characters."""
    out = _latex(node)
    return out if len(out) <= MAX_LATEX else out[: MAX_LATEX - 6] + r"\ldots"


def _latex(node: object) -> str:
    if node is sympy.S.EmptySet:
        return r"\varnothing"
    if node is sympy.S.Reals:
        return r"\mathbb{R}"
    if isinstance(node, sympy.Expr):
        return expr_latex(node)
    if isinstance(node, Rel):
        parts = [_latex(node.terms[0])]
        for op, t in zip(node.ops, node.terms[1:]):
            parts += [_REL[op], _latex(t)]
        return " ".join(parts)
    if isinstance(node, Items):
        out = _latex(node.items[0])
        for sep, item in zip(node.seps, node.items[1:]):
            out += _SEP[sep] + _latex(item)
        return out
    if isinstance(node, Delim):
        inner = ", ".join(_latex(i) for i in node.items)
        if node.open == "{":
            return r"\{" + inner + r"\}"
        return rf"\left{node.open}{inner}\right{node.close}"
    if isinstance(node, SetOp):
        op = r" \cup " if node.op == "union" else r" \cap "
        return op.join(_latex(p) for p in node.parts)
    if isinstance(node, MatrixNode):
        rows = r" \\ ".join(" & ".join(_latex(c) for c in r) for r in node.rows)
        return r"\begin{pmatrix}" + rows + r"\end{pmatrix}"
    return ""
