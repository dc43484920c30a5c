"""Pratt parser from tokens to sympy objects built with ``evaluate=False``.

No text ever reaches ``sympify``/``parse_expr`` (both ``eval``). Names, functions
and operators come from the lexer's whitelist. Conventions (see POLICY.md):

* implicit multiplication binds like ``*``: ``1/2x`` is x/2, ``2x^2`` is 2·x²;
* a function without parentheses takes the juxtaposed product after it:
  ``sin 2x`` is sin(2x), ``ln 2 + ln 3`` is ln 2 + ln 3, ``sin x cos x`` is two factors;
* ``√``/``sqrt`` without parentheses takes one factor: ``2√3x`` is 2·√3·x;
* ``log`` is the natural logarithm, ``log_b`` / ``\\log_{b}`` has base b;
* ``sin^-1`` / ``\\sin^{-1}`` is arcsin.

Nesting is capped at MAX_DEPTH, so ``((((…))))`` 10,000 deep is an error, not a
RecursionError.
"""

from __future__ import annotations

from typing import TypeGuard

import sympy

from .lexer import Ambiguous, ParseError, Token, normalise_unicode, sigfigs, tokenize
from .limits import check_cost
from .nodes import DEG, PCT, PM, RATIO, Delim, Items, MatrixNode, Rel, SetOp, sigfig_marker

MAX_DEPTH = 40

_FUNCS = {
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "sec": sympy.sec,
    "csc": sympy.csc,
    "cot": sympy.cot,
    "arcsin": sympy.asin,
    "asin": sympy.asin,
    "arccos": sympy.acos,
    "acos": sympy.acos,
    "arctan": sympy.atan,
    "atan": sympy.atan,
    "sinh": sympy.sinh,
    "cosh": sympy.cosh,
    "tanh": sympy.tanh,
    "ln": sympy.log,
    "log": sympy.log,
    "exp": sympy.exp,
    "abs": sympy.Abs,
    "floor": sympy.floor,
    "ceil": sympy.ceiling,
    "factorial": sympy.factorial,
    "cosec": sympy.csc,
    "asinh": sympy.asinh,
    "arcsinh": sympy.asinh,
    "arsinh": sympy.asinh,
    "acosh": sympy.acosh,
    "arccosh": sympy.acosh,
    "arcosh": sympy.acosh,
    "atanh": sympy.atanh,
    "arctanh": sympy.atanh,
    "artanh": sympy.atanh,
    "sech": sympy.sech,
    "csch": sympy.csch,
    "coth": sympy.coth,
    "arccot": sympy.acot,
    "acot": sympy.acot,
    "arcsec": sympy.asec,
    "asec": sympy.asec,
    "arccsc": sympy.acsc,
    "acsc": sympy.acsc,
}
_INVERSE = {
    "sin": "asin",
    "cos": "acos",
    "tan": "atan",
    "sinh": "asinh",
    "cosh": "acosh",
    "tanh": "atanh",
    "sec": "asec",
    "csc": "acsc",
    "cosec": "acsc",
    "cot": "acot",
}
_ROOT_FUNCS = {"sqrt": 2, "cbrt": 3, "root2": 2, "root3": 3, "root4": 4}
_SEPARATORS = {",", ";", "or", "and"}


def parse_text(text: str, keep: frozenset[str] = frozenset()) -> object:
    """Parse normalised answer text into a node or an unevaluated sympy object.

    ``keep``: letters that are variables of the reference, never read as units.
    """
    return Parser(tokenize(normalise_unicode(text), keep)).parse()


def _is_expr(x: object) -> TypeGuard[sympy.Expr]:
    return isinstance(x, sympy.Expr)


def _neg(x: sympy.Expr) -> sympy.Expr:
    if isinstance(x, sympy.Number) and x > 0:
        return -x
    return sympy.Mul(sympy.S.NegativeOne, x, evaluate=False)


def _div(a: sympy.Expr, b: sympy.Expr) -> sympy.Expr:
    return sympy.Mul(a, sympy.Pow(b, -1, evaluate=False), evaluate=False)


def _root(arg: sympy.Expr, n: int) -> sympy.Expr:
    """n-th root; an odd root of a negative number is the real root (∛-8 = -2)."""
    if n % 2 and isinstance(arg, sympy.Number) and arg < 0:
        return _neg(sympy.Pow(-arg, sympy.Rational(1, n), evaluate=False))
    return sympy.Pow(arg, sympy.Rational(1, n), evaluate=False)


MAX_MATRIX_CELLS = 100


def _matrix_op(op: str, left: object, right: object, pos: int) -> MatrixNode:
    """``A + B``, ``A - B``, ``A B``, ``2A`` for matrices written out: the result, entry by entry
    (an unsimplified sum is an answer like any other). Entries are cost-checked first."""

    def value(x: object) -> sympy.ImmutableMatrix | sympy.Expr:
        if isinstance(x, MatrixNode):
            if len(x.rows) * len(x.rows[0]) > MAX_MATRIX_CELLS:
                raise ParseError("the matrix is too large", pos)
            for r in x.rows:
                for c in r:
                    check_cost(c)
            return sympy.ImmutableMatrix([list(r) for r in x.rows])
        if _is_expr(x) and op == "*":
            check_cost(x)
            return x
        raise ParseError(f"cannot apply {op!r} to a matrix here", pos)

    a, b = value(left), value(right)
    try:
        out = a + b if op == "+" else a - b if op == "-" else a * b
    except (sympy.ShapeError, TypeError, ValueError) as exc:
        raise ParseError("the matrices have sizes that do not fit", pos) from exc
    if not isinstance(out, sympy.MatrixBase):
        raise ParseError("cannot apply this to a matrix", pos)
    return MatrixNode(tuple(tuple(out.row(i)) for i in range(out.rows)))


class Parser:
    """One parse of one token list; not reusable."""

    def __init__(self, tokens: list[Token]) -> None:
        self.toks = tokens
        self.i = 0
        self.depth = 0
        self.abs_depth = 0

    # -- token helpers -------------------------------------------------
    def peek(self, k: int = 0) -> Token:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self) -> Token:
        tok = self.peek()
        self.i += 1
        return tok

    def at(self, kind: str, value: object = None) -> bool:
        tok = self.peek()
        return tok.kind == kind and (value is None or tok.value == value)

    def expect(self, kind: str, value: object = None) -> Token:
        if not self.at(kind, value):
            tok = self.peek()
            want = value if value is not None else kind
            got = tok.text or "end of input"
            raise ParseError(f"expected {want!r} but found {got!r}", tok.pos)
        return self.next()

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ParseError("the expression is nested too deeply", self.peek().pos)

    # -- structure -----------------------------------------------------
    def parse(self) -> object:
        if self.at("END"):
            raise ParseError("the answer is empty", 0)
        items, seps = self.items(("END",))
        self.expect("END")
        if len(items) == 1:
            return items[0]
        return Items(tuple(items), tuple(seps))

    def _at_sep(self) -> str | None:
        tok = self.peek()
        if tok.kind == "OP" and tok.value in (",", ";"):
            return tok.value
        if tok.kind == "KW" and tok.value in _SEPARATORS:
            return tok.value
        return None

    def items(self, closers: tuple) -> tuple[list, list[str]]:
        items, seps = [self.item()], []
        while (sep := self._at_sep()) is not None:
            self.next()
            while self._at_sep() is not None:  # "x = 1, or x = 4"; "1,, 2" (never loops)
                tok = self.next()
                sep = tok.value if tok.kind == "KW" else sep
            if self.peek().kind == "END" or (self.peek().kind == "OP" and self.peek().value in closers):
                break
            seps.append(sep)
            items.append(self.item())
        return items, seps

    def item(self) -> object:
        terms, ops = [self.expr(0)], []
        while self.at("REL") or self.at("KW", "in"):
            ops.append(self.next().value)
            terms.append(self.expr(0))
        if not ops:
            return terms[0]
        return Rel(tuple(terms), tuple(ops))

    # -- Pratt core ----------------------------------------------------
    def _starts_operand(self, tok: Token, allow_func: bool = True) -> bool:
        if tok.kind in ("NUM", "NAME", "FRAC", "SQRT", "BINOM", "MATBEGIN"):
            return True
        if tok.kind == "CONST":
            return tok.value not in ("empty", "reals")
        if tok.kind == "FUNC":
            return allow_func
        if tok.kind == "OP":
            return tok.value in ("(", "{") or (tok.value == "|" and self.abs_depth == 0)
        return False

    def lbp(self, tok: Token) -> int:
        if tok.kind == "OP":
            return {
                "+": 10,
                "-": 10,
                "±": 10,
                "∓": 10,
                "*": 20,
                "/": 20,
                "^": 30,
                "!": 40,
                "%": 40,
                "°": 40,
                ":": 8,
            }.get(tok.value, 20 if self._starts_operand(tok) else 0)
        if tok.kind == "KW" and tok.value in ("union", "inter"):
            return 5
        if tok.kind == "UNIT":
            return 40
        return 20 if self._starts_operand(tok) else 0

    def expr(self, rbp: int) -> object:
        self.enter()
        left = self.nud(self.next())
        while self.lbp(self.peek()) > rbp:
            left = self.led(left)
        self.depth -= 1
        return left

    def operand(self, rbp: int) -> sympy.Expr:
        start = self.peek()
        x = self.expr(rbp)
        if not _is_expr(x):
            raise ParseError("expected a number or expression", start.pos)
        return x

    def nud(self, tok: Token) -> object:
        kind, value = tok.kind, tok.value
        if kind == "NUM":
            if "." in tok.text or "e" in tok.text.lower():
                return sympy.Mul(value, sigfig_marker(sigfigs(tok.text)), evaluate=False)
            return value
        if kind == "NAME":
            return self.name(tok)
        if kind == "CONST":
            return {
                "pi": sympy.pi,
                "e": sympy.E,
                "i": sympy.I,
                "oo": sympy.oo,
                "empty": sympy.S.EmptySet,
                "reals": sympy.S.Reals,
            }[value]
        if kind == "OP":
            if value == "-":
                return _neg(self.operand(20))
            if value == "+":
                return self.operand(20)
            if value in ("±", "∓"):
                sign = PM if value == "±" else -PM
                return sympy.Mul(sign, self.operand(20), evaluate=False)
            if value in ("(", "["):
                return self.group(value)
            if value in ("{", "\\{"):
                return self.braces(value)
            if value == "|":
                return self.absolute()
        if kind == "FUNC":
            return self.function(tok)
        if kind == "FRAC":
            return _div(self.latex_arg(), self.latex_arg())
        if kind == "SQRT":
            n = 2
            if self.at("OP", "["):
                self.next()
                idx = self.expect("NUM").value
                self.expect("OP", "]")
                if not (isinstance(idx, sympy.Integer) and 2 <= idx <= 100):
                    raise ParseError("unsupported root index", tok.pos)
                n = int(idx)
            return _root(self.latex_arg(), n)
        if kind == "BINOM":
            return sympy.binomial(self.latex_arg(), self.latex_arg(), evaluate=False)
        if kind == "MATBEGIN":
            return self.matrix(tok)
        raise ParseError(f"unexpected {tok.text or 'end of input'!r}", tok.pos)

    def led(self, left: object) -> object:
        tok = self.peek()
        kind, value = tok.kind, tok.value
        if kind == "UNIT":
            self.next()
            if self.at("OP", "^"):  # \mathrm{~m}^2
                self.next()
                self.latex_arg()
            return left
        if kind == "KW":
            self.next()
            right = self.expr(5)
            return SetOp(value, (left, right))
        if kind == "OP" and value == ":":
            self.next()
            if not _is_expr(left):
                raise ParseError("cannot apply ':' here", tok.pos)
            right = self.operand(8)
            if left.has(RATIO) or right.has(RATIO):
                raise ParseError("a ratio of more than two parts", tok.pos)
            return RATIO(left, right)
        if isinstance(left, MatrixNode) and kind == "OP" and value in ("+", "-", "*"):
            self.next()
            return _matrix_op(value, left, self.expr(10 if value in "+-" else 20), tok.pos)
        if kind == "MATBEGIN" or isinstance(left, MatrixNode):
            if not self._starts_operand(tok):
                raise ParseError(f"unexpected {tok.text!r}", tok.pos)
            return _matrix_op("*", left, self.expr(20), tok.pos)
        if kind == "OP" and value in ("+", "-", "±", "∓", "*", "/", "^", "!", "%", "°"):
            self.next()
            if not _is_expr(left):
                raise ParseError(f"cannot apply {tok.text!r} here", tok.pos)
            if value == "^":
                return sympy.Pow(left, self.exponent(), evaluate=False)
            if value == "!":
                return sympy.factorial(left, evaluate=False)
            if value == "%":
                return sympy.Mul(left, PCT, evaluate=False)
            if value == "°":
                return sympy.Mul(left, DEG, evaluate=False)
            if value in ("*", "/"):
                right = self.operand(20)
                return sympy.Mul(left, right, evaluate=False) if value == "*" else _div(left, right)
            right = self.operand(10)
            if value == "+":
                return sympy.Add(left, right, evaluate=False)
            if value == "-":
                return sympy.Add(left, _neg(right), evaluate=False)
            sign = PM if value == "±" else -PM
            return sympy.Add(left, sympy.Mul(sign, right, evaluate=False), evaluate=False)
        # implicit multiplication
        if kind == "NUM" and self.toks[self.i - 1].kind == "NUM":
            raise ParseError("two numbers in a row", tok.pos)
        if not _is_expr(left):
            raise ParseError(f"unexpected {tok.text!r}", tok.pos)
        return sympy.Mul(left, self.operand(20), evaluate=False)

    # -- pieces --------------------------------------------------------
    def name(self, tok: Token) -> sympy.Symbol:
        name = str(tok.value)
        if self.at("OP", "_"):
            self.next()
            sub = self.next()
            if sub.kind == "OP" and sub.value == "{":
                parts: list[str] = []
                while not self.at("OP", "}"):
                    part = self.next()
                    if part.kind not in ("NUM", "NAME", "CONST") or len(parts) > 8:
                        raise ParseError("unsupported subscript", part.pos)
                    parts.append(part.text)
                self.next()
                name += "_" + "".join(parts)
            elif sub.kind in ("NUM", "NAME", "CONST"):
                name += "_" + sub.text
            else:
                raise ParseError("unsupported subscript", sub.pos)
        return sympy.Symbol(name)

    def exponent(self) -> sympy.Expr:
        if self.at("OP", "{"):
            return self.latex_arg()
        return self.operand(29)

    def latex_arg(self) -> sympy.Expr:
        """A TeX macro argument: ``{...}`` or one token (one digit of a number)."""
        tok = self.peek()
        if tok.kind == "OP" and tok.value == "{":
            self.next()
            self.enter()
            x = self.operand(0)
            self.expect("OP", "}")
            self.depth -= 1
            return x
        if tok.kind == "NUM" and tok.text.isdigit() and len(tok.text) > 1:
            rest = Token("NUM", sympy.Integer(int(tok.text[1:])), tok.text[1:], tok.pos + 1)
            self.toks[self.i] = rest
            return sympy.Integer(int(tok.text[0]))
        if tok.kind in ("NUM", "NAME", "CONST"):
            x = self.nud(self.next())
            if _is_expr(x):
                return x
        raise ParseError("expected a {...} argument", tok.pos)

    def group(self, opener: str) -> object:
        start = self.peek().pos
        self.enter()
        items, seps = self.items((")", "]"))
        tok = self.next()
        if not (tok.kind == "OP" and tok.value in (")", "]")):
            raise ParseError(f"expected a closing bracket for {opener!r}", start)
        self.depth -= 1
        if len(items) == 1 and opener + tok.value in ("()", "[]"):
            return items[0]
        return Delim(opener, tok.value, tuple(items), tuple(seps))

    def braces(self, opener: str) -> object:
        closer = "}" if opener == "{" else "\\}"
        self.enter()
        if self.at("OP", closer):
            self.next()
            self.depth -= 1
            return sympy.S.EmptySet
        items, _ = self.items((closer,))
        self.expect("OP", closer)
        self.depth -= 1
        if len(items) == 1 and opener == "{":
            return items[0]
        return Delim("{", "}", tuple(items))

    def absolute(self) -> sympy.Expr:
        self.abs_depth += 1
        x = self.operand(0)
        self.expect("OP", "|")
        self.abs_depth -= 1
        return sympy.Abs(x, evaluate=False)

    def function(self, tok: Token) -> sympy.Expr:
        name = str(tok.value)
        power = None
        if self.at("OP", "^") and name not in _ROOT_FUNCS:
            self.next()
            power = self.exponent()
            if power == -1 and name in _INVERSE:
                name, power = _INVERSE[name], None
        base = None
        if name == "log" and self.at("OP", "_"):
            self.next()
            base = self.latex_arg()
        if self.at("OP", "("):
            self.next()
            self.enter()
            args, _ = self.items((")",))
            self.expect("OP", ")")
            self.depth -= 1
            if name == "log" and len(args) == 2 and base is None:
                args, base = args[:1], args[1]
            if len(args) != 1 or not _is_expr(args[0]):
                raise ParseError(f"{name} takes one argument", tok.pos)
            arg = args[0]
        elif self.at("OP", "{"):
            arg = self.latex_arg()
        elif name in _ROOT_FUNCS:
            arg = self.operand(35)
        else:
            arg = self.juxtaposed()
        if name in _ROOT_FUNCS:
            out = _root(arg, _ROOT_FUNCS[name])
        elif base is not None:
            out = _div(sympy.log(arg, evaluate=False), sympy.log(base, evaluate=False))
        else:
            out = _FUNCS[name](arg, evaluate=False)
        return sympy.Pow(out, power, evaluate=False) if power is not None else out

    def juxtaposed(self) -> sympy.Expr:
        """Argument of ``sin 2x``: factors written side by side, stopping at a function.

        Hazard: ``\\sec^2 x(1+\\sin x)`` is read as sec²(x)·(1+sin x) by textbooks and as
        sec²(x(1+sin x)) by a greedy reader; a bracket after an unbracketed argument is
        refused as ambiguous rather than guessed (a wrong reading turns a right answer wrong).
        """
        x = self.operand(25)
        while self._starts_operand(self.peek(), allow_func=False):
            if self.at("OP", "("):
                raise Ambiguous(
                    "ambiguous function argument: write brackets, e.g. sin(x)(x+1) or sin(x(x+1))", self.peek().pos
                )
            x = sympy.Mul(x, self.operand(25), evaluate=False)
        return x

    def matrix(self, begin: Token) -> MatrixNode:
        rows: list[list] = [[]]
        self.enter()
        while not self.at("MATEND"):
            if self.at("END"):
                raise ParseError("unclosed matrix", begin.pos)
            rows[-1].append(self.operand(0))
            if self.at("OP", "&"):
                self.next()
            elif self.at("OP", "\\\\"):
                self.next()
                rows.append([])
        self.next()
        self.depth -= 1
        rows = [r for r in rows if r]
        if not rows or len({len(r) for r in rows}) != 1:
            raise ParseError("the matrix rows have different lengths", begin.pos)
        return MatrixNode(tuple(tuple(r) for r in rows))
