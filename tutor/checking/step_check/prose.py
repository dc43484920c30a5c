r"""The arithmetic a student states inside a line of prose, and whether it is right.

``computations(line)`` finds the stated computations in a line as students write it
(``so his friend has 3 x 4 = 12 tires``, ``$15/hour x 84 = $1260``,
``10,000/2 = 5000``, ``20% of 80 = 16``) and checks each ``=`` link between two
sides made only of numbers, exactly (``fractions.Fraction``; no ``eval``, no sympy,
so it runs in-process in microseconds).

A link is called wrong only when no reasonable reading makes it right. Readings
tried (rules, not special cases):

* **Precedence**: the standard one, strictly left to right (``20 + 5 + 10 x 4 =
  140`` written for ``(20+5+10) x 4``) and right to left (``3 x 4 + 2 = 18``).
* **Run-on equals**: ``3 x 4 = 12 x 2 = 24`` means 3 x 4 = 12, then 12 x 2 = 24:
  a side that starts with the value of the side before it, then an operator, is
  accepted.
* **Percent**: ``%`` read as /100 or as a plain number, on each side separately; a side
  that adds a percent to a number (``40 + 25% = 50``: a quarter of 40 added on) is not judged.
* **Rounding** of a stated result written as a single number with k decimals (k = 0
  for a whole number): accepted when it is the exact value rounded (half up or half
  even), cut, or rounded up to k decimals (``rounds_to(..., up=True)``): ``10/3 = 3.33``,
  ``10/3 = 3.3``, ``$10/3 = $3.34`` each, ``7/2 = 3`` or ``45/10 = 5`` buses are all
  accepted; ``10/3 = 3.35`` and ``12 - 4 = 9`` are not.
* **Mixed numbers** ``2 1/2`` are 5/2.

A link is not judged at all (neither right nor wrong) when: neither side has an
operator (``2 hours = 120 minutes``); it opens with a lone number (``paid by 5 friends =
75 + 15``, ``3 hours and 15 minutes = 3 x 60 + 15``: a label, or part of more); a side
holds something other than numbers, operators, brackets and unit words (a variable,
``2x``, a time ``4:30``, two numbers side by side, ``≈``, ``!``); a word next to a number
changes its value (``dozen``, ``half``, ``hundred``, ``12 sets of 5`` …); two different
units of one kind appear in it (``hours`` and ``minutes``: a conversion the student does
not write down); whole numbers add up to a stated decimal (``7+9+1+2 = $19.50``: amounts
written short); or the word before it scales what follows (``twice 3 + 4``) or is a
function of it (``sin 30 + 1``, ``f(2) + 1``, ``\binom{6}{2}``). ``°`` and Markdown bold
are dropped; GSM8K's ``<<48/2=24>>`` is left to the caller. Bounds: a line over MAX_CHARS characters is
not read; numbers over MAX_DIGITS digits, exponents over MAX_POWER and sides of more
than MAX_TOKENS tokens make a side unreadable.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from fractions import Fraction

from ..vocabulary import PROSE_FUNCTIONS

MAX_CHARS = 2000
MAX_DIGITS = 30
MAX_POWER = 12
MAX_TOKENS = 120

_NUM = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+|\d+|\.\d+)"
_TOKEN = re.compile(
    r"(?P<mixed>(?<![\d.,/])\d{1,3} [1-9]\d?/[1-9]\d?(?![\d/.,]))"
    rf"|(?P<num>{_NUM})(?P<pct>\s?%)?"
    r"|(?P<op>[-+*/^()=])"
    r"|(?P<word>[A-Za-z][A-Za-z']*)"
    r"|(?P<space>\s+)"
    r"|(?P<other>.)",
    re.S,
)
_OP_WORDS = {"times": "*", "plus": "+", "minus": "-", "x": "*", "X": "*"}
_SCALING = {
    "dozen",
    "dozens",
    "hundred",
    "hundreds",
    "thousand",
    "thousands",
    "million",
    "millions",
    "billion",
    "billions",
    "half",
    "halves",
    "quarter",
    "quarters",
    "third",
    "thirds",
    "fourth",
    "fourths",
    "fifth",
    "fifths",
    "tenth",
    "tenths",
    "twice",
    "double",
    "doubled",
    "triple",
    "tripled",
    "thrice",
    "squared",
    "cubed",
    "percent",
    "k",
    "m",
    "bn",
    "pair",
    "pairs",
    "times",
    "of",
    "per",
    "each",
    "quadruple",
    "halved",
    "sqrt",
    "e",
    "pi",
    "i",
}
"""Words that, next to a number, change its value (a side holding one is not judged)."""
_BEFORE_SCALING = (_SCALING - {"of"}) | {"than", "over", "from", "between", "minus", "plus", "root", "square", "cube"}
_UNIT_STOP = {
    "and",
    "or",
    "more",
    "less",
    "fewer",
    "than",
    "by",
    "times",
    "plus",
    "minus",
    "is",
    "are",
    "was",
    "were",
    "so",
    "then",
    "to",
    "from",
    "equals",
    "gives",
    "makes",
    "for",
    "if",
    "but",
    "which",
    "that",
}
"""Words that end a run of unit words."""
MAX_UNIT_WORDS = 3
"""A word just before a computation that may make it part of a longer one (``twice 3 + 4``)."""
_UNITS = {
    "time": {
        "second",
        "seconds",
        "sec",
        "secs",
        "s",
        "minute",
        "minutes",
        "min",
        "mins",
        "hour",
        "hours",
        "hr",
        "hrs",
        "h",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
        "yr",
        "yrs",
        "decade",
        "decades",
    },
    "length": {
        "mm",
        "cm",
        "m",
        "km",
        "inch",
        "inches",
        "in",
        "foot",
        "feet",
        "ft",
        "yard",
        "yards",
        "yd",
        "mile",
        "miles",
        "meter",
        "meters",
        "metre",
        "metres",
        "centimeter",
        "centimeters",
        "kilometer",
        "kilometers",
    },
    "mass": {
        "g",
        "gram",
        "grams",
        "kg",
        "kilogram",
        "kilograms",
        "pound",
        "pounds",
        "lb",
        "lbs",
        "ounce",
        "ounces",
        "oz",
        "ton",
        "tons",
    },
    "volume": {
        "ml",
        "l",
        "liter",
        "liters",
        "litre",
        "litres",
        "gallon",
        "gallons",
        "quart",
        "quarts",
        "pint",
        "pints",
        "cup",
        "cups",
    },
    "money": {
        "dollar",
        "dollars",
        "cent",
        "cents",
        "$",
        "¢",
        "penny",
        "pennies",
        "nickel",
        "nickels",
        "dime",
        "dimes",
        "quarter",
    },
}
_SINGULAR = {
    "inches": "inch",
    "feet": "foot",
    "pennies": "penny",
    "ft": "foot",
    "in": "inch",
    "hrs": "hour",
    "hr": "hour",
    "h": "hour",
    "mins": "minute",
    "min": "minute",
    "secs": "second",
    "sec": "second",
    "s": "second",
    "lbs": "pound",
    "lb": "pound",
    "yrs": "year",
    "yr": "year",
    "$": "dollar",
}


def _unit_kind(word: str) -> tuple[str, str] | None:
    w = word.lower()
    for kind, names in _UNITS.items():
        if w in names:
            base = _SINGULAR.get(w, w[:-1] if w.endswith("s") and len(w) > 3 else w)
            return kind, base
    return None


@dataclass(frozen=True)
class Link:
    left: str
    right: str
    ok: bool
    """True: some reading makes it right. False: no reading does (a certain slip)."""
    exact: str
    """The left side's exact value, written as a number (for the message)."""


def _normalise(text: str) -> str:
    text = text.replace("**", " ").replace("__", " ")  # Markdown bold, not powers or products
    text = text.replace("\\$", "$").replace("\\!", "").replace("{,}", ",").replace("\\,", "")
    text = re.sub(r"\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}", r"((\1)/(\2))", text)
    text = re.sub(r"\\(?:times|cdot)", " * ", text)
    text = re.sub(r"\\div", " / ", text)
    text = re.sub(r"\\left|\\right|\\text\s*\{([^{}]*)\}", lambda m: f" {m.group(1) or ''} ", text)
    for a, b in (
        ("×", " * "),
        ("·", " * "),
        ("⋅", " * "),
        ("∗", " * "),
        ("÷", " / "),
        ("−", "-"),
        ("–", "-"),
        ("—", " - "),
        ("°", ""),
        ("\\%", "%"),
        ("≈", " ≈ "),
        ("{", "("),
        ("}", ")"),
        ("[", "("),
        ("]", ")"),
    ):
        text = text.replace(a, b)
    return text


@dataclass
class _Tok:
    kind: str  # num | op | word | other
    text: str
    value: Fraction | None = None
    pct: bool = False
    glued: bool = False
    """No space before this token."""

    @property
    def number(self) -> Fraction:
        """The value of a ``num`` token (which always has one)."""
        assert self.value is not None, self.text
        return self.value


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    glued = True
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        assert kind is not None  # every alternative of the pattern is a named group
        if kind == "space":
            glued = False
            continue
        if kind == "pct":
            kind = "num"
        s = m.group(0)
        if kind == "mixed":
            whole, frac = s.split(" ")
            a, b = frac.split("/")
            if int(a) < int(b):
                out.append(_Tok("num", s, int(whole) + Fraction(int(a), int(b)), False, glued))
            else:
                out.append(_Tok("other", s, glued=glued))
        elif (number := m.group("num")) is not None:
            digits = number.replace(",", "")
            if len(digits) > MAX_DIGITS:
                out.append(_Tok("other", s, glued=glued))
            else:
                out.append(_Tok("num", number, Fraction(digits), m.group("pct") is not None, glued))
        else:
            out.append(_Tok(kind, s, glued=glued))
        glued = True
    return out


class _Unread(Exception):
    pass


def _before(toks: list[_Tok], i: int) -> str:
    """What stands before a run: a word (lower case), "" (nothing that matters) or "#" (the run may
    be the tail of a longer computation: a number, an operator, a bracket, '14, 400')."""
    if i == 0:
        return ""
    prev = toks[i - 1]
    if prev.kind == "num" or prev.text == ")" or (prev.kind == "op" and prev.text in "+-*/^"):
        return "#"
    if prev.kind == "word":
        if toks[i].text == "-":
            return "#"  # 'x - 5 + 2': a binary minus
        if (
            (toks[i].glued and toks[i].text == "(")
            or prev.text.lower() in PROSE_FUNCTIONS
            or (i >= 2 and toks[i - 2].text == "\\")
        ):
            return "#"  # 'f(2) + 1', 'sin 30 + 1', '\binom{6}{2}': a function of what follows
        if prev.text.lower() == "of" and i >= 2:
            two = toks[i - 2]
            if two.kind == "num" or (two.kind == "word" and two.text.lower() in _SCALING) or two.text == "%":
                return "#"  # 'half of 10 + 2', '20% of 10 + 2'
            return ""  # 'a total of 4 + 5'
        if prev.text.lower() == "by":
            near = toks[max(0, i - 3) : i - 1]
            return "#" if any(t.kind == "num" or t.text == ")" for t in near) else ""  # 'multiply 5 by 3 + 2'
        return prev.text.lower()
    if prev.text in ",." and i >= 2 and toks[i - 2].kind == "num":
        return "#"
    return ""


def _segments(toks: list[_Tok]) -> list[tuple[list[list[_Tok]], str, list[set[tuple[str, str]]]]]:
    """Runs of maths: (sides split at '=', the word before the run, the unit words per side).

    Unit words after a number (``12 tires``, ``$10/day``, ``2 pounds per week``) are
    dropped but remembered; other words end the run.
    """
    runs = []
    i, n = 0, len(toks)
    while i < n:
        if not (toks[i].kind == "num" or (toks[i].text in "(-$" and toks[i].kind in ("op", "other"))):
            i += 1
            continue
        before = _before(toks, i)
        sides: list[list[_Tok]] = [[]]
        units: list[set[tuple[str, str]]] = [set()]
        last = None  # kind of the last maths token kept: "val" (number or ')') or "op"
        while i < n:
            t = toks[i]
            if t.kind == "num":
                if last == "val":
                    if sides[-1] and sides[-1][-1].text == ")" and t.glued:
                        sides[-1].append(_Tok("op", "*"))
                    else:
                        sides[-1].append(_Tok("other", "juxtaposed"))  # '2 1/2', '1. 5 + 3'
                sides[-1].append(t)
                last = "val"
            elif t.kind == "op":
                if t.text == "=":
                    sides.append([])
                    units.append(set())
                    last = None
                elif t.text == "(":
                    k = i + 1
                    while k < n and k - i <= 4 and toks[k].kind == "word":
                        k += 1
                    if last == "val" and k > i + 1 and k < n and toks[k].text == ")":
                        i = k + 1  # a comment in brackets after a number: '2 x $12 (adult tickets) = $24'
                        continue
                    if last == "val":
                        sides[-1].append(_Tok("op", "*"))
                    sides[-1].append(t)
                    last = "op"
                elif t.text == ")":
                    sides[-1].append(t)
                    last = "val"
                elif (
                    t.text == "/"
                    and last == "val"
                    and i + 1 < n
                    and toks[i + 1].kind == "word"
                    and toks[i + 1].text not in _OP_WORDS
                ):
                    # a rate: '$10/day', '60 miles/hour'
                    kind = _unit_kind(toks[i + 1].text)
                    if kind:
                        units[-1].add(kind)
                    if toks[i + 1].text.lower() in _SCALING:
                        sides[-1].append(_Tok("other", toks[i + 1].text))
                    i += 2
                    continue
                else:
                    sides[-1].append(t)
                    last = "op"
            elif t.kind == "other" and t.text == "$":
                units[-1].add(("money", "dollar"))
            elif t.kind == "word":
                w = t.text
                nxt = toks[i + 1] if i + 1 < n else None
                if (
                    w in _OP_WORDS
                    and last == "val"
                    and not t.glued
                    and nxt is not None
                    and (nxt.kind == "num" or nxt.text in "($")
                    and not nxt.glued
                ):
                    sides[-1].append(_Tok("op", _OP_WORDS[w]))
                    last = "op"
                elif (
                    w.lower() == "of"
                    and last == "val"
                    and sides[-1]
                    and sides[-1][-1].pct
                    and nxt is not None
                    and (nxt.kind == "num" or nxt.text in "($")
                ):
                    sides[-1].append(_Tok("op", "*"))
                    last = "op"
                elif last == "val" and not (t.glued and sides[-1] and sides[-1][-1].kind == "num" and len(w) == 1):
                    # unit words ('12 tires', '2 pounds per week'); a word that scales a number poisons the side
                    j, poison, count = i, False, 0
                    while j < n and toks[j].kind == "word" and toks[j].text not in _OP_WORDS and count < MAX_UNIT_WORDS:
                        word = toks[j].text.lower()
                        follows_num = j + 1 < n and (toks[j + 1].kind == "num" or toks[j + 1].text == "$")
                        if word in ("of", "per", "each", "a", "an", "by"):
                            if follows_num:
                                poison = True
                                break
                            if word in ("per", "a", "an") and j + 1 < n and toks[j + 1].kind == "word":
                                j += 1  # '$7 per child ticket', '3 times a day'
                                continue
                            break
                        if word in _SCALING:
                            poison = True
                            break
                        if word in _UNIT_STOP:
                            break
                        kind = _unit_kind(word)
                        if kind and (count == 0 or toks[j - 1].text.lower() == "per"):
                            units[-1].add(kind)  # the number's own unit, or its rate's
                        j += 1
                        count += 1
                    if j < n and toks[j].text == "(" and not poison:
                        # a comment in brackets after a number: '2 x $12 (adult tickets) = $24'
                        k = j + 1
                        while k < n and k - j <= 4 and toks[k].kind == "word":
                            k += 1
                        if k > j + 1 and k < n and toks[k].text == ")":
                            j = k + 1
                    if poison:
                        sides[-1].append(_Tok("other", toks[j].text))
                        break
                    if j == i:
                        break
                    i = j
                    if i < n and toks[i].kind == "op" and toks[i].text in "+-*/^=)":
                        continue
                    if i < n and toks[i].kind == "word" and toks[i].text in _OP_WORDS:
                        continue
                    break
                else:
                    sides[-1].append(_Tok("other", w))  # a variable or a glued letter: '2x'
                    break
            elif t.text in ("≈", "~", ":", "±", "<", ">", "≤", "≥", "√", "²", "³", "!", "^"):
                sides[-1].append(_Tok("other", t.text))
                if t.text in (":", "≈", "~", "<", ">", "≤", "≥"):
                    i += 1
                    break
            else:
                break  # punctuation ends the run
            i += 1
        runs.append((sides, before, units))
    return runs


def _trim(side: list[_Tok]) -> list[_Tok]:
    """Drops brackets that close or open outside the side: '(or 48 x 5 = 240)'."""
    side = list(side)
    while side and side[-1].text == ")" and sum(t.text == ")" for t in side) > sum(t.text == "(" for t in side):
        side.pop()
    while side and side[0].text == "(" and sum(t.text == "(" for t in side) > sum(t.text == ")" for t in side):
        side.pop(0)
    return side


def _parse(side: list[_Tok]) -> tuple:
    """A tree: ('num', value, pct) | ('neg', tree) | ('paren', tree) | ('flat', [tree, op, tree, ...])."""
    if not side or len(side) > MAX_TOKENS:
        raise _Unread()
    if any(t.kind == "other" for t in side):
        raise _Unread()
    pos = 0

    def atom():
        nonlocal pos
        if pos >= len(side):
            raise _Unread()
        t = side[pos]
        if t.kind == "num":
            pos += 1
            return ("num", t.value, t.pct)
        if t.text == "(":
            pos += 1
            e = flat()
            if pos >= len(side) or side[pos].text != ")":
                raise _Unread()
            pos += 1
            return ("paren", e)
        if t.text in "-+":
            pos += 1
            a = atom()
            return ("neg", a) if t.text == "-" else a
        raise _Unread()

    def flat():
        """Operands and operators in order; precedence is applied later, in several readings."""
        nonlocal pos
        items = [atom()]
        while pos < len(side) and side[pos].kind == "op" and side[pos].text in "+-*/^":
            items.append(side[pos].text)
            pos += 1
            items.append(atom())
        return ("flat", items)

    tree = flat()
    if pos != len(side):
        raise _Unread()
    return tree


_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 3}


def _apply(op: str, a: Fraction, b: Fraction) -> Fraction:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        if b == 0:
            raise _Unread()
        return a / b
    if b.denominator != 1 or abs(b) > MAX_POWER or abs(a) > 10**6 or (a == 0 and b < 0):
        raise _Unread()
    return a ** int(b)


def _values(tree, pct_as_fraction: bool, readings: tuple[str, ...] = ("standard", "ltr", "rtl")) -> set[Fraction]:
    """Every value of ``tree`` under the precedence readings (standard, left to right, right to left)."""
    kind = tree[0]
    if kind == "num":
        return {tree[1] / 100 if tree[2] and pct_as_fraction else tree[1]}
    if kind == "neg":
        return {-v for v in _values(tree[1], pct_as_fraction, readings)}
    if kind == "paren":
        return _values(tree[1], pct_as_fraction, readings)
    items = tree[1]
    operands = [_values(t, pct_as_fraction, readings) for t in items[::2]]
    ops = items[1::2]
    out: set[Fraction] = set()
    for combo in _product(operands):
        vals = list(combo)
        for reading in readings:
            with contextlib.suppress(_Unread, ZeroDivisionError, OverflowError):
                out.add(_evaluate(vals, ops, reading))
    if not out:
        raise _Unread()
    return out


def _product(sets: list[set[Fraction]]):
    total = 1
    for s in sets:
        total *= len(s)
    if total > 64:
        raise _Unread()
    combos: list[tuple[Fraction, ...]] = [()]
    for s in sets:
        combos = [(*c, v) for c in combos for v in s]
    return combos


def _evaluate(vals: list[Fraction], ops: list[str], reading: str) -> Fraction:
    if reading == "ltr":
        acc = vals[0]
        for op, v in zip(ops, vals[1:]):
            acc = _apply(op, acc, v)
        return acc
    if reading == "rtl":
        acc = vals[-1]
        for op, v in zip(reversed(ops), reversed(vals[:-1])):
            acc = _apply(op, v, acc)
        return acc
    # standard: shunting-yard with ^ right-associative
    out: list[Fraction] = []
    stack: list[str] = []

    def reduce_top():
        op = stack.pop()
        b, a = out.pop(), out.pop()
        out.append(_apply(op, a, b))

    out.append(vals[0])
    for op, v in zip(ops, vals[1:]):
        while stack and (_PREC[stack[-1]] > _PREC[op] or (_PREC[stack[-1]] == _PREC[op] and op != "^")):
            reduce_top()
        stack.append(op)
        out.append(v)
    while stack:
        reduce_top()
    return out[0]


def _single_number(side: list[_Tok]) -> _Tok | None:
    """The side when it is one number as written, perhaps with a minus (rounding applies to it)."""
    if len(side) == 1 and side[0].kind == "num":
        return side[0]
    t = side[1] if len(side) == 2 else None
    if t is not None and side[0].text == "-" and t.kind == "num" and t.value is not None:
        return _Tok("num", "-" + t.text, -t.value, t.pct, t.glued)
    return None


def _decimals(tok: _Tok) -> int:
    text = tok.text.replace(",", "")
    return len(text.split(".", 1)[1]) if "." in text else 0


def _has_operator(side: list[_Tok]) -> bool:
    return any(t.kind == "op" and t.text in "+-*/^" for t in side[1:]) or any(
        t.kind == "op" and t.text in "*/^" for t in side
    )


def _fmt(v: Fraction) -> str:
    if v.denominator == 1:
        return str(v.numerator)
    d = v.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    if d == 1:
        return f"{float(v):.10g}"
    return f"{v.numerator}/{v.denominator}"


def _side_values(side: list[_Tok]) -> set[Fraction]:
    tree = _parse(side)
    out: set[Fraction] = set()
    for pct in (True, False):
        out |= _values(tree, pct)
    return out


def rounds_to(value: Fraction, stated: Fraction, decimals: int, up: bool = False) -> bool:
    """``stated`` (written with ``decimals`` decimals) is ``value`` rounded (half up or half even) or cut
    to that many decimals; for a whole number (``decimals`` 0), or with ``up``, also rounded up
    (``45/10 = 5 buses``, ``$10/3 = $3.34`` each to cover the bill)."""
    if value == stated:
        return True
    scale = 10**decimals
    target = stated * scale
    if target.denominator != 1:
        return False
    v = value * scale
    floor, ceil = v.numerator // v.denominator, -((-v.numerator) // v.denominator)
    candidates = {int(v), round(v), (v + Fraction(1, 2)).__floor__()}
    if decimals == 0 or up:
        candidates |= {floor, ceil}
    return target.numerator in candidates


def _close(a: Fraction, stated: _Tok | None, b_values: set[Fraction]) -> bool:
    if stated is not None:
        cands = {stated.number, stated.number / 100} if stated.pct else {stated.number}
        return any(rounds_to(a, c, _decimals(stated) + (2 if c != stated.number else 0), up=True) for c in cands)
    return a in b_values


def _text(side: list[_Tok]) -> str:
    """The side as read: digits, operators and brackets only (no student words)."""
    return " ".join(t.text + ("%" if t.pct else "") for t in side)


def computations(line: str) -> list[Link]:
    """Every judged '=' link in ``line``, in order; never raises."""
    try:
        if not isinstance(line, str) or len(line) > MAX_CHARS:
            return []
        return _computations(_normalise(line))
    except (_Unread, ZeroDivisionError, OverflowError, ValueError, RecursionError, MemoryError):
        return []


def _computations(text: str) -> list[Link]:
    links: list[Link] = []
    for sides, before, units in _segments(_tokens(text)):
        if len(sides) < 2:
            continue
        sides = [_trim(side) for side in sides]
        values: list[set[Fraction] | None] = []
        for side in sides:
            try:
                values.append(_side_values(side))
            except _Unread:
                values.append(None)
        for k in range(len(sides) - 1):
            left, right = sides[k], sides[k + 1]
            lv, rv = values[k], values[k + 1]
            if lv is None or rv is None:
                continue
            if not (_has_operator(left) or _has_operator(right)):
                continue
            if k == 0 and before in _BEFORE_SCALING | {"#"}:
                continue
            if k == 0 and not _has_operator(left):
                # '3 hours and 15 minutes = 3 x 60 + 15', 'paid by 5 friends = 75 + 15': a label, or part of more
                continue
            kinds: dict[str, set[str]] = {}
            for kind, base in units[k] | units[k + 1]:
                kinds.setdefault(kind, set()).add(base)
            if any(len(b) > 1 for b in kinds.values()):
                continue
            ok = _link_holds(left, right, lv, rv)
            if ok is None:
                continue
            if not ok and (_mixed_percent(left) or _mixed_percent(right)):
                continue  # '40 + 25% = 50': 25% of 40 added on
            links.append(Link(_text(left), _text(right), ok, _exact(left, right)))
    return links


def _abbreviated(stated: _Tok | None, other: list[_Tok]) -> bool:
    """'7 + 9 + 1 + 2 = $19.50': a sum of whole numbers cannot give a fraction; the student wrote
    amounts shortened (1 for $1.50). Not judged."""
    if stated is None or (stated.number.denominator == 1 and "." not in stated.text):
        return False
    nums = [t for t in other if t.kind == "num"]
    return (
        bool(nums)
        and all(t.number.denominator == 1 and "." not in t.text for t in nums)
        and all(t.text in "+-()" for t in other if t.kind == "op")
    )


def _exact(left: list[_Tok], right: list[_Tok]) -> str:
    """The left side's value as usually read (standard precedence, % as /100), for the message."""
    try:
        (value,) = _values(_parse(left), True, ("standard",))
    except (_Unread, ValueError, ZeroDivisionError):
        return "?"
    stated = _single_number(right)
    return _fmt(value * 100) + "%" if stated is not None and stated.pct else _fmt(value)


def _mixed_percent(side: list[_Tok]) -> bool:
    nums = [t for t in side if t.kind == "num"]
    return (
        any(t.pct for t in nums)
        and not all(t.pct for t in nums)
        and any(t.text in "+-" for t in side if t.kind == "op")
    )


def _link_holds(left: list[_Tok], right: list[_Tok], lv: set[Fraction], rv: set[Fraction]) -> bool | None:
    """True: a reading makes it right; False: none does; None: not judged."""
    r_single, l_single = _single_number(right), _single_number(left)
    if _abbreviated(r_single, left) or _abbreviated(l_single, right):
        return None
    for a in lv:
        if r_single is not None:
            if _close(a, r_single, rv):
                return True
        elif l_single is not None:
            if any(_close(b, l_single, lv) for b in rv):
                return True
        elif a in rv:
            return True
    # run-on equals: the right side starts with the left side's value, then an operator
    return (
        len(right) >= 3
        and right[0].kind == "num"
        and right[1].kind == "op"
        and right[1].text in "+-*/^"
        and any(_close(a, right[0], set()) for a in lv)
    )


_EQ_TOKEN = re.compile(
    rf"(?P<num>{_NUM})|(?P<var>(?<![A-Za-z'])[A-Za-z](?![A-Za-z']))|(?P<op>[-+*/^()=])|(?P<space>\s+)|(?P<drop>\$)|(?P<other>.)",
    re.S,
)


def equations(line: str) -> list[str]:
    """Equations in one unknown written inside prose (``we get 2x = 24``, ``so 3*X = 948, and X = 316``),
    as maths text for the checker; never raises.

    A span is kept only when it holds '=', exactly one letter used as an unknown, on one side
    only (with the unknown on both sides it may be a simplification said in words, and if that
    is wrong, a later right line would be the one to disagree with it), and numbers, and nothing
    else; an 'x' spaced between two numbers (``25 x 2``) may be "times", so such a span is
    dropped. A run-on chain ``x = 10 + 2 = 12`` is kept as ``x = 12`` (the arithmetic in it is
    judged by ``computations``).
    """
    try:
        if not isinstance(line, str) or len(line) > MAX_CHARS:
            return []
        return _equations(_normalise(line))
    except (ValueError, RecursionError, MemoryError):
        return []


def _equations(text: str) -> list[str]:
    spans: list[list[tuple[str, str, bool, int, int]]] = [[]]
    spaced = False
    for m in _EQ_TOKEN.finditer(text):
        kind = m.lastgroup
        assert kind is not None  # every alternative of the pattern is a named group
        if kind == "space":
            spaced = True
            continue
        if kind == "drop":
            continue
        if kind == "other":
            if spans[-1]:
                spans.append([])
        else:
            spans[-1].append((kind, m.group(0), spaced, m.start(), m.end()))
        spaced = False
    found: list[tuple[str, int, int, str, bool]] = []  # (equation, start, end, letter, 'x = value')
    for span in spans:
        # trim to the part between the first and the last maths token that can start/end an expression
        while span and span[0][1] in "=*/^)+":
            span = span[1:]
        while span and span[-1][1] in "=*/^(+-":
            span = span[:-1]
        if sum(1 for k, t, *_ in span if t == "=") == 0 or len(span) > MAX_TOKENS:
            continue
        letters = {t for k, t, *_ in span if k == "var"}
        if len(letters) != 1 or not any(k == "num" for k, *_ in span):
            continue
        (letter,) = letters
        if letter in "xX" and any(
            k == "var"
            and sp
            and 0 < j < len(span) - 1
            and span[j - 1][0] in ("num",)
            and span[j + 1][0] == "num"
            and span[j + 1][2]
            for j, (k, _, sp, *_) in enumerate(span)
        ):
            continue  # '25 x 2': times, or x?
        if letter in "aAI" and any(
            k == "var" and j + 1 < len(span) and span[j + 1][2] and span[j + 1][0] != "op"
            for j, (k, *_) in enumerate(span)
        ):
            continue
        # two values next to each other with a space ('5 2x'): not one expression
        if any(
            span[j][0] in ("num", "var") and span[j + 1][0] in ("num", "var") and span[j + 1][2]
            for j in range(len(span) - 1)
        ):
            continue
        sides = "".join((" " if sp else "") + t for _, t, sp, *_ in span).split("=")
        if any(not s.strip() for s in sides):
            continue
        if len(sides) > 2:
            with_letter = [i for i, s in enumerate(sides) if re.search(r"[A-Za-z]", s)]
            if with_letter != [0]:
                continue
            sides = [sides[0], sides[-1]]
        if all(re.search(r"[A-Za-z]", side) for side in sides):
            continue  # the unknown on both sides: perhaps a simplification said in words ('1.5(2/3x) = 3x/2')
        simple = bool(re.fullmatch(r"[A-Za-z]", sides[0].strip())) and not re.search(r"[A-Za-z]", sides[1])
        found.append((" = ".join(s.strip() for s in sides), span[0][3], span[-1][4], letter, simple))
    # 'x = 2 or x = 3', 'x = 2, x = -2': alternatives, one statement
    out: list[str] = []
    for k, (eq, start, _end, letter, simple) in enumerate(found):
        if (
            k
            and simple
            and found[k - 1][4]
            and found[k - 1][3] == letter
            and _ALTERNATIVE.fullmatch(text[found[k - 1][2] : start])
        ):
            out[-1] += " or " + eq
        else:
            out.append(eq)
    return out


_ALTERNATIVE = re.compile(r"[\s,$]*(?:or|and|,)?[\s,$]*", re.I)
