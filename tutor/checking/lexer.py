"""Tokenizer for answers in plain text, Unicode and LaTeX, in any mix.

One token stream serves both notations so that ``x = \\frac12 or x = 4`` parses.
Everything not on a whitelist is an error: there is no path from input text to
``eval``. Hazards handled here rather than in the parser:

* ``1,200`` is a thousands separator only outside brackets (``(1,200)`` is a pair);
* ``2 1/2`` is a mixed number, ``2½`` too;
* ``1.2e3`` is scientific notation but ``2e`` is 2·e;
* ``\\frac12`` takes single digits as arguments, as TeX does (handled by the parser
  through ``Token.text``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sympy

from .vocabulary import CONSTANT_WORDS, FUNCTIONS

MAX_TOKENS = 1500
"""A 2,000-character input yields at most about this many tokens."""


class ParseError(ValueError):
    """The input is not a readable answer; ``pos`` points into the normalised text."""

    def __init__(self, message: str, pos: int = -1) -> None:
        super().__init__(message)
        self.pos = pos


class Ambiguous(ParseError):
    """The input has two readings; no other parser may pick one (``parse_answer`` declines)."""


@dataclass(frozen=True)
class Token:
    kind: str
    """NUM NAME CONST FUNC OP REL KW UNIT TEXTFUNC FRAC SQRT BINOM MATBEGIN MATEND END"""
    value: Any
    """By kind: a sympy number (NUM), a constant (CONST), the operator, word or name (OP, REL, KW,
    NAME, ...), None (END)."""
    text: str
    pos: int
    space_before: bool = False


GREEK = {
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "varepsilon",
    "zeta",
    "eta",
    "theta",
    "vartheta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "rho",
    "sigma",
    "tau",
    "upsilon",
    "phi",
    "varphi",
    "chi",
    "psi",
    "omega",
    "Gamma",
    "Delta",
    "Theta",
    "Lambda",
    "Xi",
    "Sigma",
    "Phi",
    "Psi",
    "Omega",
}
UNIT_WORDS = {
    "mm",
    "cm",
    "m",
    "km",
    "in",
    "inch",
    "inches",
    "ft",
    "feet",
    "foot",
    "yd",
    "yards",
    "mi",
    "mile",
    "miles",
    "meter",
    "meters",
    "metre",
    "metres",
    "g",
    "kg",
    "mg",
    "gram",
    "grams",
    "lb",
    "lbs",
    "pounds",
    "oz",
    "ounces",
    "s",
    "sec",
    "secs",
    "second",
    "seconds",
    "min",
    "mins",
    "minute",
    "minutes",
    "h",
    "hr",
    "hrs",
    "hour",
    "hours",
    "day",
    "days",
    "week",
    "weeks",
    "year",
    "years",
    "ml",
    "mL",
    "l",
    "L",
    "liter",
    "liters",
    "litre",
    "litres",
    "gal",
    "gallons",
    "units",
    "unit",
    "sq",
    "square",
    "cubic",
    "deg",
    "degree",
    "degrees",
    "rad",
    "rads",
    "radian",
    "radians",
    "dollars",
    "dollar",
    "cents",
    "cent",
    "mph",
    "kph",
    "km/h",
    "people",
    "students",
    "cm2",
    "m2",
    "cm3",
    "m3",
    "N",
    "J",
    "W",
    "V",
    "Hz",
    "kmh",
    "pts",
    "points",
}
SINGLE_LETTER_UNITS = {u for u in UNIT_WORDS if len(u) == 1}
"""``m``, ``g``, ``s``, ``h``…: read as a unit only after a number, with a space, ending
the item, and never when the reference uses that letter (``keep``); otherwise a variable."""
_PERCENT_WORD = re.compile(r"(?:percent(?:age)?|pct)(?![A-Za-z])")
KEYWORDS = {"or": "or", "and": "and", "U": "union", "in": "in"}

# LaTeX commands: name -> (kind, value)
_LATEX = {
    **{f: ("FUNC", f) for f in FUNCTIONS if f not in {"sqrt", "cbrt", "abs", "ceil", "factorial"}},
    "operatorname": ("TEXTFUNC", "operatorname"),
    "frac": ("FRAC", None),
    "dfrac": ("FRAC", None),
    "tfrac": ("FRAC", None),
    "cfrac": ("FRAC", None),
    "sqrt": ("SQRT", None),
    "binom": ("BINOM", None),
    "dbinom": ("BINOM", None),
    "tbinom": ("BINOM", None),
    "cdot": ("OP", "*"),
    "times": ("OP", "*"),
    "ast": ("OP", "*"),
    "div": ("OP", "/"),
    "pi": ("CONST", "pi"),
    "infty": ("CONST", "oo"),
    "infin": ("CONST", "oo"),
    "le": ("REL", "<="),
    "leq": ("REL", "<="),
    "leqslant": ("REL", "<="),
    "ge": ("REL", ">="),
    "geq": ("REL", ">="),
    "geqslant": ("REL", ">="),
    "lt": ("REL", "<"),
    "gt": ("REL", ">"),
    "ne": ("REL", "!="),
    "neq": ("REL", "!="),
    "approx": ("REL", "="),
    "equiv": ("REL", "="),
    "pm": ("OP", "±"),
    "mp": ("OP", "∓"),
    "cup": ("KW", "union"),
    "cap": ("KW", "inter"),
    "in": ("KW", "in"),
    "emptyset": ("CONST", "empty"),
    "varnothing": ("CONST", "empty"),
    "lbrace": ("OP", "\\{"),
    "rbrace": ("OP", "\\}"),
    "{": ("OP", "\\{"),
    "}": ("OP", "\\}"),
    "langle": ("OP", "("),
    "rangle": ("OP", ")"),
    "lvert": ("OP", "|"),
    "rvert": ("OP", "|"),
    "vert": ("OP", "|"),
    "mid": ("OP", "|"),
    "%": ("OP", "%"),
    "circ": ("OP", "°"),
    "degree": ("OP", "°"),
    "textdegree": ("OP", "°"),
    "&": ("OP", "&"),
    "\\": ("OP", "\\\\"),
    "text": ("TEXTFUNC", "text"),
    "textrm": ("TEXTFUNC", "text"),
    "textnormal": ("TEXTFUNC", "text"),
    "mbox": ("TEXTFUNC", "text"),
    "mathrm": ("TEXTFUNC", "mathrm"),
    "textbf": ("TEXTFUNC", "text"),
    "textit": ("TEXTFUNC", "text"),
    "mathbb": ("TEXTFUNC", "mathbb"),
    "land": ("KW", "and"),
    "lor": ("KW", "or"),
    "wedge": ("KW", "and"),
    "vee": ("KW", "or"),
    "quad": ("KW", ","),
    "qquad": ("KW", ","),
}
_LATEX.update({g: ("NAME", g) for g in GREEK})
_LATEX_SKIP = {
    "left",
    "right",
    "bigl",
    "bigr",
    "Bigl",
    "Bigr",
    "big",
    "Big",
    "bigg",
    "Bigg",
    "displaystyle",
    "textstyle",
    "limits",
    ",",
    ";",
    ":",
    "!",
    " ",
    "mathbf",
    "boldsymbol",
    "bm",
    "mathit",
    "mathsf",
    "$",
    "middle",
}
_MATRIX_ENVS = {"pmatrix", "bmatrix", "matrix", "Bmatrix", "smallmatrix", "array"}

# Unicode to ASCII / LaTeX (before tokenising). Superscripts become ^(...)
_UNICODE = {
    "−": "-",
    "–": "-",
    "‐": "-",
    "‑": "-",
    "—": "-",
    "×": "*",
    "·": "*",
    "⋅": "*",
    "∙": "*",
    "÷": "/",
    "≤": "<=",
    "≥": ">=",
    "⩽": "<=",
    "⩾": ">=",
    "≠": "!=",
    "≈": "=",
    "π": " pi ",
    "∞": " oo ",
    "ℝ": " \\mathbb{R} ",
    "∅": " \\emptyset ",
    "∪": " \\cup ",
    "∩": " \\cap ",
    "∈": " \\in ",
    "θ": " theta ",
    "α": " alpha ",
    "β": " beta ",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u2002": " ",
    "\u2003": " ",
    "（": "(",
    "）": ")",
    "，": ",",
    "；": ";",
    "：": ":",
    "＝": "=",
    "ⅈ": "i",
    "⟨": "(",
    "⟩": ")",
    "′": "'",
    "∣": "|",
    "º": "°",
    "˚": "°",
}
_SUPER = {
    "⁰": "0",
    "¹": "1",
    "²": "2",
    "³": "3",
    "⁴": "4",
    "⁵": "5",
    "⁶": "6",
    "⁷": "7",
    "⁸": "8",
    "⁹": "9",
    "⁻": "-",
    "⁺": "+",
    "ⁿ": "n",
    "ˣ": "x",
}
_VULGAR = {
    "½": (1, 2),
    "⅓": (1, 3),
    "⅔": (2, 3),
    "¼": (1, 4),
    "¾": (3, 4),
    "⅕": (1, 5),
    "⅖": (2, 5),
    "⅗": (3, 5),
    "⅘": (4, 5),
    "⅙": (1, 6),
    "⅚": (5, 6),
    "⅛": (1, 8),
    "⅜": (3, 8),
    "⅝": (5, 8),
    "⅞": (7, 8),
    "⅐": (1, 7),
    "⅑": (1, 9),
    "⅒": (1, 10),
}
_ROOTS = {"√": 2, "∛": 3, "∜": 4}

_GREEDY = sorted(FUNCTIONS | {"pi"}, key=len, reverse=True)
"""Names recognised inside a run of letters (``2sqrt3``, ``xsin``); longest first."""
_SUPER_RUN = re.compile("[" + "".join(_SUPER) + "]+")
_UNICODE_RE = re.compile("|".join(map(re.escape, _UNICODE)))
_NUMBER = re.compile(
    r"(?P<mixed>(?P<w>\d+)\s+(?P<n>\d+)/(?P<d>\d+)(?![\d.^/(]))"
    r"|(?P<thou>\d{1,3}(?:(?:,\d{3})+|(?: \d{3})+)(?:\.\d+)?(?![\d.,]|\s*/))"
    r"|(?P<dec>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+(?![\d.]))?)"
)
_WORD = re.compile(r"[A-Za-z]+")


def _always(m: re.Match[str] | None) -> re.Match[str]:
    """A match that cannot fail where it is used (the text at that position is what the pattern starts with)."""
    assert m is not None
    return m


_REL = re.compile(r"<=|>=|=<|=>|!=|<>|==|<|>|=")
_OPS = "+-*/^!%°±∓,;()[]{}|_&':"


def normalise_unicode(text: str) -> str:
    """Map Unicode maths to ASCII/LaTeX spellings; superscripts become ``^(...)``."""
    text = _UNICODE_RE.sub(lambda m: _UNICODE[m.group(0)], text)
    return _SUPER_RUN.sub(lambda m: "^(" + "".join(_SUPER[c] for c in m.group(0)) + ")", text)


def sigfigs(text: str) -> int:
    """Significant figures of a typed decimal: ``0.333`` → 3, ``12.0`` → 3, ``1.2e3`` → 2."""
    mant = text.lower().partition("e")[0].replace(".", "").lstrip("0")
    return max(len(mant), 1)


def _number_token(m: re.Match, pos: int, space: bool) -> Token:
    text = m.group(0)
    if m.group("mixed"):
        w, n, d = (int(m.group(k)) for k in ("w", "n", "d"))
        if d == 0:
            raise ParseError("division by zero in a mixed number", pos)
        return Token("NUM", sympy.Rational(w * d + n, d), text, pos, space)
    if m.group("thou"):
        digits = text.replace(",", "").replace(" ", "")
        whole, _, frac = digits.partition(".")
        value = sympy.Rational(int(whole + frac), 10 ** len(frac))
        return Token("NUM", value, digits, pos, space)
    mant, _, exp = text.lower().partition("e")
    whole, _, frac = mant.partition(".")
    value = sympy.Rational(int((whole + frac) or "0"), 10 ** len(frac))
    if exp:
        e = int(exp)
        if abs(e) > 400:
            raise ParseError("exponent too large", pos)
        value = value * sympy.Rational(10) ** e
    return Token("NUM", value, text, pos, space)


def _brace_arg(text: str, i: int) -> tuple[str, int]:
    """Raw content of ``{...}`` starting at ``text[i]`` (after spaces); TeX nesting."""
    while i < len(text) and text[i] == " ":
        i += 1
    if i >= len(text) or text[i] != "{":
        raise ParseError("expected '{'", i)
    depth = 0
    for j in range(i, len(text)):
        if text[j] == "{" and text[j - 1] != "\\":
            depth += 1
        elif text[j] == "}" and text[j - 1] != "\\":
            depth -= 1
            if depth == 0:
                return text[i + 1 : j], j + 1
    raise ParseError("unclosed '{'", i)


def _letters(word: str, pos: int, space: bool) -> list[Token]:
    """Split a run of letters into names: keywords whole, else greedy known names."""
    if word in KEYWORDS:
        return [Token("KW", KEYWORDS[word], word, pos, space)]
    if word in GREEK:
        return [Token("NAME", word, word, pos, space)]
    if word in CONSTANT_WORDS:
        return [Token("CONST", CONSTANT_WORDS[word], word, pos, space)]
    out: list[Token] = []
    i = 0
    while i < len(word):
        name = next((f for f in _GREEDY if word.startswith(f, i)), None)
        if name is not None:
            kind = "FUNC" if name in FUNCTIONS else "CONST"
            out.append(Token(kind, name, name, pos + i, space and i == 0))
            i += len(name)
            continue
        ch = word[i]
        if i + 4 <= len(word) and not any(word.startswith(f, j) for j in range(i, i + 4) for f in _GREEDY):
            raise ParseError(f"I don't know the word {word!r}", pos)
        kind, value = ("CONST", "e") if ch == "e" else ("CONST", "i") if ch in "iI" else ("NAME", ch)
        out.append(Token(kind, value, ch, pos + i, space and i == 0))
        i += 1
    return out


_UNIT_WORD = "(?:" + "|".join(sorted((re.escape(u) for u in UNIT_WORDS), key=len, reverse=True)) + r")(?![A-Za-z])"
_UNIT_POWER = r"(?:\s*(?:\^|\*\*)\s*(?:\(\d\)|\{\d\}|\d))?"
_UNIT_PHRASE = re.compile(_UNIT_WORD + _UNIT_POWER + r"(?:(?:\s*/\s*|\s+|\s*[*·]\s*)" + _UNIT_WORD + _UNIT_POWER + ")*")
"""``cm``, ``m^2``, ``sq units``, ``m/s``, ``km/h``: ignored after a value at the end of an item."""

_ENDERS = re.compile(r"\s*(?:$|[,;)\]}]|\\[})\]]|\\right|\\quad|\\text\{\s*(?:or|and)|or\b|and\b|\^|\\\\|&|\$)")
_LETTER_ENDERS = re.compile(r"\s*(?:$|[,;)\]}]|\\[})\]]|\\right|\\quad|\\text\{\s*(?:or|and)|or\b|and\b|\\\\|&|\$)")
"""As _ENDERS, but a single-letter unit is never followed by ``^`` (``64 m^{12} n^{12}``)."""
_FRAC_DIGITS = re.compile(r"\\[dt]?frac\s*(?:\{\s*(\d{1,6})\s*\}|(\d))\s*(?:\{\s*(\d{1,6})\s*\}|(\d))")
_MAXIMA_CONST = re.compile(r"%(pi|e|i)(?![A-Za-z])")
_BASE = re.compile(r"_\s*(?:\{\s*(\d{1,2})\s*\}|(\d{1,2}))")


def tokenize(text: str, keep: frozenset[str] = frozenset()) -> list[Token]:
    """Token list for ``text`` (already unicode-normalised), ending with an END token.

    ``keep``: letters that are variables here (they occur in the reference), so never
    a single-letter unit.
    """
    out: list[Token] = []
    depth = 0
    i, n = 0, len(text)
    while i < n:
        if len(out) > MAX_TOKENS:
            raise ParseError("answer too long", i)
        space = i > 0 and text[i - 1] in " \t\n~"
        ch = text[i]
        if ch in " \t\n\r~":
            i += 1
            continue
        after_value = bool(out) and (out[-1].kind in ("NUM", "NAME", "CONST") or out[-1].text in (")", "}", "]"))
        if ch.isdigit() or (ch == "." and i + 1 < n and text[i + 1].isdigit()):
            m = _always(_NUMBER.match(text, i))
            if m.group("thou") and depth > 0:
                m = _always(re.compile(r"(?P<mixed>x)?(?P<thou>x)?(?P<dec>\d+)").match(text, i))
            if m.group("mixed") and out and out[-1].text in ("^", "/", "*", "\\frac"):
                m = _always(re.compile(r"(?P<mixed>x)?(?P<thou>x)?(?P<dec>\d+)").match(text, i))
            tok = _number_token(m, i, space)
            i = m.end()
            if tok.text.isdigit() and i < n and text[i] == "_":
                tok, i = _base_number(tok, text, i)
            elif tok.text.isdigit() and text.startswith("\\", i) and not (out and out[-1].text in _NO_MIXED):
                tok, i = _mixed_frac(tok, text, i)
            out.append(tok)
            continue
        if ch in _VULGAR:
            p, q = _VULGAR[ch]
            frac = sympy.Rational(p, q)
            if out and out[-1].kind == "NUM" and out[-1].text.isdigit():  # 2½
                whole = out.pop()
                out.append(Token("NUM", whole.value + frac, whole.text + ch, whole.pos, whole.space_before))
            else:
                out.append(Token("NUM", frac, ch, i, space))
            i += 1
            continue
        if ch in _ROOTS:
            out.append(Token("FUNC", f"root{_ROOTS[ch]}", ch, i, space))
            i += 1
            continue
        if ch.isalpha() and ch.isascii():
            pct = _PERCENT_WORD.match(text, i) if after_value else None
            if pct:
                out.append(Token("OP", "%", pct.group(0), i, space))
                i = pct.end()
                continue
            unit = _UNIT_PHRASE.match(text, i)
            if unit and after_value and _is_unit(unit.group(0), text, unit.end(), out, space, keep):
                out.append(Token("UNIT", unit.group(0), unit.group(0), i, space))
                i = unit.end()
                continue
            m = _always(_WORD.match(text, i))
            if len(out) >= 2 and out[-1].text == "{" and out[-2].text == "_" and len(m.group(0)) <= 8:
                out.extend(Token("NAME", c, c, i + k) for k, c in enumerate(m.group(0)))  # S_{MBCN}
            else:
                out.extend(_letters(m.group(0), i, space))
            i = m.end()
            continue
        if ch == "\\":
            i = _latex_command(text, i, out, space, after_value)
            depth = _depth_after(out, depth)
            continue
        rel = _REL.match(text, i)
        if rel:
            op = {"=<": "<=", "=>": ">=", "<>": "!=", "==": "="}.get(rel.group(0), rel.group(0))
            out.append(Token("REL", op, rel.group(0), i, space))
            i = rel.end()
            continue
        maxima = _MAXIMA_CONST.match(text, i) if ch == "%" and not after_value else None
        if maxima:  # %pi, %e, %i (Maxima / STACK spelling)
            out.append(Token("CONST", maxima.group(1), maxima.group(0), i, space))
            i = maxima.end()
            continue
        if text.startswith("**", i):
            out.append(Token("OP", "^", "**", i, space))
            i += 2
            continue
        if ch in _OPS or ch == "$":
            if ch != "$":
                out.append(Token("OP", ch, ch, i, space))
                depth = _depth_after(out, depth)
            i += 1
            continue
        raise ParseError(f"unexpected character {ch!r}", i)
    out.append(Token("END", None, "", n))
    return out


_NO_MIXED = {"^", "_", "/", "*", "\\frac", "\\dfrac", "\\tfrac", "\\cdot", "\\times", "."}
"""Tokens after which ``2\\frac12`` is not a mixed number (an exponent, a factor)."""


def _is_unit(word: str, text: str, end: int, out: list[Token], space: bool, keep: frozenset[str]) -> bool:
    """A unit word after a value, ending the item; a single letter only when clearly so.

    Hazard: ``64 m^{12} n^{12}``, ``2 a h`` and ``x m`` are products of variables, not
    ``64 n^{12}``, ``2a`` and ``x``: a single letter is a unit only right after a number,
    with a space, at the end of the item (no ``^`` after it), and not a reference variable.
    """
    head = _always(re.match(r"[A-Za-z]+", word)).group(0)
    if len(head) > 1:
        return bool(_ENDERS.match(text, end)) and (space or len(word) > 1)
    if head in keep or not space or out[-1].kind != "NUM":
        return False
    return bool(_LETTER_ENDERS.match(text, end))


def _base_number(tok: Token, text: str, i: int) -> tuple[Token, int]:
    """``52_8`` is 52 in base 8 (= 42); digits must be valid in that base (2..36)."""
    m = _BASE.match(text, i)
    if not m:
        return tok, i
    base = int(m.group(1) or m.group(2))
    if not 2 <= base <= 36 or any(int(d) >= base for d in tok.text) or len(tok.text) > 60:
        raise ParseError(f"{tok.text} is not a number in base {base}", tok.pos)
    value = sympy.Integer(int(tok.text, base))
    return Token("NUM", value, f"{tok.text}_{base}", tok.pos, tok.space_before), m.end()


def _mixed_frac(tok: Token, text: str, i: int) -> tuple[Token, int]:
    """``4\\frac{1}{2}`` is the mixed number 4½ (a proper fraction of digits right after a whole)."""
    m = _FRAC_DIGITS.match(text, i)
    if not m:
        return tok, i
    num, den = int(m.group(1) or m.group(2)), int(m.group(3) or m.group(4))
    if not 0 < num < den:
        return tok, i
    value = tok.value + sympy.Rational(num, den)
    return Token("NUM", value, tok.text + "+" + f"{num}/{den}", tok.pos, tok.space_before), m.end()


def _depth_after(out: list[Token], depth: int) -> int:
    if out and out[-1].kind == "OP":
        if out[-1].value in ("(", "[", "{", "\\{"):
            return depth + 1
        if out[-1].value in (")", "]", "}", "\\}"):
            return max(0, depth - 1)
    return depth


def _latex_command(text: str, i: int, out: list[Token], space: bool, after_value: bool) -> int:
    """Append the token(s) for the LaTeX command at ``text[i] == '\\\\'``; return new index."""
    m = re.compile(r"\\([A-Za-z]+|.)").match(text, i)
    if not m:
        raise ParseError("stray backslash", i)
    name = m.group(1)
    j = m.end()
    if name in ("left", "right") and j < len(text) and text[j] == ".":
        return j + 1
    if name in _LATEX_SKIP:
        return j
    if name in ("begin", "end"):
        env, j = _brace_arg(text, j)
        if env.strip() not in _MATRIX_ENVS:
            raise ParseError(f"unsupported environment {env.strip()}", i)
        if name == "begin" and env.strip() == "array":
            _, j = _brace_arg(text, j)  # column spec
        out.append(Token("MATBEGIN" if name == "begin" else "MATEND", env.strip(), m.group(0), i, space))
        return j
    if name not in _LATEX:
        raise ParseError(f"unsupported command \\{name}", i)
    kind, value = _LATEX[name]
    if kind != "TEXTFUNC":
        out.append(Token(kind, value, "\\" + name, i, space))
        return j
    assert value is not None  # every TEXTFUNC entry names its command
    if value == "mathbb" and re.match(r"\s*[A-Z]", text[j:]):
        k = j + len(text[j:]) - len(text[j:].lstrip())
        content, j = text[k], k + 1
    else:
        content, j = _brace_arg(text, j)
    return _text_content(
        content.replace("~", " ").replace("\\ ", " ").strip(), value, text, i, j, out, space, after_value
    )


_PHRASE_EMPTY = re.compile(
    r"(there\s+(is|are)\s+)?(no|none)(\s+real)?(\s+(solutions?|roots?|values?|answer))?|none|dne|does not "
    r"exist|empty set|the empty set|\\emptyset|\\varnothing"
)
_PHRASE_REALS = re.compile(
    r"(x\s*(is|=|can be)\s*)?(all|any)\s+real(\s+numbers?|s)?|every real number|reals|infinitely many( real)? "
    r"solutions|\\mathbb\{?R\}?|R"
)


def _text_content(
    content: str, how: str, text: str, i: int, j: int, out: list[Token], space: bool, after_value: bool
) -> int:
    """Interpret ``\\text{...}``-like content: a connective, phrase, unit, name or maths."""
    low = content.lower()
    if how == "mathbb":
        if content == "R":
            out.append(Token("CONST", "reals", "\\mathbb{R}", i, space))
            return j
        raise ParseError(f"unsupported set \\mathbb{{{content}}}", i)
    if content == "":
        return j
    if low in ("or", "and", ",", "or,"):
        out.append(Token("KW", low.strip(","), content, i, space))
        return j
    if how == "operatorname" or (how == "mathrm" and content in FUNCTIONS):
        if content in FUNCTIONS:
            out.append(Token("FUNC", content, content, i, space))
            return j
        raise ParseError(f"unsupported function {content}", i)
    if _PHRASE_EMPTY.fullmatch(low):
        out.append(Token("CONST", "empty", content, i, space))
        return j
    if _PHRASE_REALS.fullmatch(low):
        out.append(Token("CONST", "reals", content, i, space))
        return j
    if content in ("e", "i") or (len(content) == 1 and content.isalpha() and not after_value):
        out.extend(_letters(content, i, space))
        return j
    if re.fullmatch(r"[A-Za-z/.² ]+", content) and after_value:
        out.append(Token("UNIT", content, content, i, space))
        return j
    if re.fullmatch(r"[\d\s.,+\-*/()^=<>]+", content):
        sub = tokenize(normalise_unicode(content))[:-1]
        out.extend(Token(t.kind, t.value, t.text, i, space) for t in sub)
        return j
    raise ParseError(f"unexpected words {content!r}", i)
