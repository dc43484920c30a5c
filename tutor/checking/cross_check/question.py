"""Computer-algebra cross-check of the model's final answer.

The model is small and can be wrong (the demo model says 3x + 5 = 11 gives
x = 4). For questions sympy can settle, this module reads the question's words
(here: regexes on text only, no sympy), sends the maths to a pool worker
(``solve.py`` beside this module: the checker's own parser, cost bounds, a budget
per sympy call, a killable process) and compares the model's answer with the
result using the checker's comparison.

Declining is always preferred to guessing: a question is only settled when
its whole wording matches a known phrasing, the maths part contains no words
(MAX_WORD letters or more that are not maths names), and the worker can read
its own printed answer back. Word problems, proofs and anything else get None.

Textbook questions (measured on college_math, ``bench/external/crosscheck.py``): the
common instructions ("Solve the equation analytically:", "Find the derivative of the
function:", "Find the product:", "Solve the following systems of equation:" with one
``$…$`` per equation) are rewritten to the reader's words by ``_instruction``. Rules
taken where a book and the checker's answer grammar disagree (``_prepare`` and
``solve._parse``): degrees are exact radians and only a numeric value is settled;
``4\frac{1}{2}`` is 9/2; ``\\mathrm{x}`` and a letter after a number are variables,
never units; a bare ``\\log`` (base 10 in most such books) is declined; radicals of
variables are simplified with the variables positive and odd roots real; "find x if
<system>" answers x alone.
``cross_check`` makes two or three pool calls (compute, compare, and for
expand/factor a check of the written form), each within ``timeout``; each sympy
call inside gets 40 % of it, so an equation's two solves fit in one call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from tutor.checking import check_answer, tasks
from tutor.checking.tasks import CasTask
from tutor.checking.text import MATH_DELIMITERS
from tutor.checking.vocabulary import QUESTION_WORDS

MAX_QUESTION_CHARS = 500
"""Longer questions are not ones a single computer-algebra call settles."""
MAX_WORD = 3
"""A run of this many letters in the maths (other than a maths name) means prose."""

_STOPWORDS = {
    "of",
    "is",
    "to",
    "at",
    "as",
    "if",
    "on",
    "by",
    "an",
    "be",
    "we",
    "it",
    "so",
    "do",
    "my",
    "me",
    "he",
    "us",
    "up",
    "no",
    "go",
    "am",
    "hi",
    "ok",
}
"""Two-letter English words (longer words are refused by length)."""


@dataclass(frozen=True)
class CasResult:
    kind: str
    """equation | system | inequality | derivative | integral | integral_indefinite |
    limit | simplify | expand | factor | arithmetic"""
    answer_latex: str
    answer_text: str
    """Plain text the checker reads (a reference for ``check_answer``)."""
    alternatives: tuple[str, ...] = ()
    """Other answers that also count (complex roots when there is no real one)."""
    var: str = "x"
    """The variable of an indefinite integral (antiderivatives are compared through it)."""
    positive: bool = False
    """The variables are taken positive (a textbook's radicals of variables): an answer equal
    to ``answer_text`` for all positive values counts (``16a²|b|√2`` for ``16a²b√2``)."""


@dataclass(frozen=True)
class CrossCheck:
    status: str
    """verified | differs | cas_only"""
    cas_answer_latex: str
    message: str
    """Student-facing; always contains the words "computer algebra"."""


# -- reading the question -----------------------------------------------------
_POLITE = re.compile(
    r"^(?:(?:please|can you|could you|would you|help me|i need to|i want to|how do i|how do you)\s*,?\s*)+", re.I
)
_TAIL = re.compile(
    r"(?:\s*(?:please|step by step|for me|algebraically|exactly|"
    r"by (?:factoring|factorising|factorizing|substitution|elimination|completing the square|hand)|"
    r"using (?:the )?(?:quadratic formula|substitution|elimination|l'h[oô]pital'?s? rule|the chain rule|"
    r"the product rule|the quotient rule)|over the reals|in the reals|if (?:a|the) limit does not exist,? explain "
    r"why)\s*[.,!?]*)+$",
    re.I,
)
_VAR = r"(?P<var>[a-zA-Z])"
_ARROW = r"(?:->|→|\\to|\\rightarrow|approaches|goes to|tends to|tends towards)"
_FUNC_LABEL = re.compile(r"^\s*(?:[fghy]\s*(?:\(\s*[a-z]\s*\))?|[fgh]\s*\(\s*[a-z]\s*\))\s*=\s*(?!=)")
_ORDERS = {"first": 1, "second": 2, "third": 3, "2nd": 2, "3rd": 3, "1st": 1}

_PATTERNS: list[tuple[str, re.Pattern]] = [
    (
        "limit",
        re.compile(
            r"(?:(?:find|evaluate|compute|calculate|determine|what is|what's)\s+)?(?:the\s+)?(?:limit|lim)\s+(?:of\s+)?"
            r"(?P<math>.+?),?\s+as\s+" + _VAR + r"\s*" + _ARROW + r"\s*(?P<point>.+)",
            re.I,
        ),
    ),
    (
        "limit",
        re.compile(
            r"(?:(?:find|evaluate|compute|calculate|what is)\s+)?\\?lim(?:it)?\s*_\s*\{\s*"
            + _VAR
            + r"\s*"
            + _ARROW
            + r"\s*(?P<point>[^{}]+?)\s*\}\s*(?P<math>.+)",
            re.I,
        ),
    ),
    (
        "limit",
        re.compile(
            r"(?:(?:find|evaluate|compute|calculate|what is)\s+)?\\?lim(?:it)?\s*_\s*"
            + _VAR
            + r"\s*"
            + _ARROW
            + r"\s*(?P<point>[^{}\s]+)\s+(?P<math>.+)",
            re.I,
        ),
    ),
    (
        "limit",
        re.compile(
            r"(?:(?:find|evaluate|compute|calculate|what is)\s+)?(?:lim|limit)\s*_?\s*\(?\s*"
            + _VAR
            + r"\s*"
            + _ARROW
            + r"\s*(?P<point>[-+]?\s*(?:\d+(?:\.\d+)?|oo|inf|infinity|∞|pi|π)(?:\s*\^?\s*[+-])?)\s*\)?\s+(?P<math>.+)",
            re.I,
        ),
    ),
    (
        "limit",
        re.compile(
            r"(?:(?:find|evaluate|compute|calculate|determine|what is|what's)\s+)?(?:the\s+)?(?:limit|lim)\s*,?\s+as\s+"
            + _VAR
            + r"\s*"
            + _ARROW
            + r"\s*(?P<point>[^\s,]+)\s*,?\s+of\s+(?P<math>.+)",
            re.I,
        ),
    ),
    (
        "integral",
        re.compile(
            r"(?:(?:find|evaluate|compute|calculate|determine|what "
            r"is|what's)\s+)?(?:the\s+)?(?:(?:definite|indefinite)\s+)?"
            r"(?:integral|antiderivative|anti-derivative|primitive)\s+of\s+(?P<math>.+)",
            re.I,
        ),
    ),
    ("integral", re.compile(r"(?:integrate|evaluate|compute|find|calculate)?\s*:?\s*(?P<math>(?:∫|\\int).+)", re.I)),
    ("integral", re.compile(r"integrate\s*:?\s*(?P<math>.+)", re.I)),
    (
        "derivative",
        re.compile(
            r"(?:(?:find|compute|calculate|determine|what "
            r"is|what's|evaluate)\s+)?(?:the\s+)?(?P<order>first|second|third|1st|2nd|3rd)?\s*"
            r"derivative\s+of\s+(?P<math>.+?)(?:\s*,?\s+with respect to\s+" + _VAR + r")?",
            re.I,
        ),
    ),
    ("derivative", re.compile(r"differentiate\s*:?\s*(?P<math>.+?)(?:\s*,?\s+with respect to\s+" + _VAR + r")?", re.I)),
    (
        "derivative",
        re.compile(
            r"(?:find|what\s+is|compute|calculate)\s+(?:dy\s*/\s*d"
            + _VAR
            + r"|y'|f'\s*\(\s*x\s*\))\s+(?:if|when|for|given|where)\s+"
            r"(?P<math>(?:y|f\s*\(\s*x\s*\))\s*=.+)",
            re.I,
        ),
    ),
    (
        "derivative",
        re.compile(
            r"(?:find\s+|what\s+is\s+|compute\s+|calculate\s+)?(?:d\s*/\s*d"
            + _VAR
            + r"|\\frac\s*\{\s*d\s*\}\s*\{\s*d"
            + _VAR.replace("var", "var2")
            + r"\s*\})\s*(?:of\s+)?(?P<math>.+)",
            re.I,
        ),
    ),
    (
        "substitute",
        re.compile(
            r"(?:evaluate|simplify|find\s+the\s+value\s+of|compute|calculate)(?:\s+the\s+expression)?(?:\s+using\s+the\s+given\s+values)?"
            r"\s*:?\s*(?P<math>[^;]+?)\s*(?:;|,?\s+(?:when|if|for|where|at))\s*(?P<values>[a-zA-Z]\s*=[-+\d\s.,/a-zA-Z=]+)",
            re.I,
        ),
    ),
    (
        "quadratic_from_roots",
        re.compile(
            r"(?:find|write|give)\s+a\s+quadratic\s+equation\s+(?:with|whose|that\s+has)\s+(?:the\s+)?(?:solutions|roots|zeros)"
            r"(?:\s+are)?\s*:?\s*(?P<math>.+)",
            re.I,
        ),
    ),
    ("turn", re.compile(r"solve on one turn:\s*(?P<math>.+)", re.I)),
    ("product", re.compile(r"product:\s*(?P<math>.+)", re.I)),
    ("divide", re.compile(r"divide:\s*(?P<math>.+)", re.I)),
    (
        "solve",
        re.compile(
            r"solve\s+(?:the\s+)?(?:equation|formula|literal\s+equation)\s+(?P<math>.+?)\s*,?\s+for\s+" + _VAR, re.I
        ),
    ),
    (
        "system",
        re.compile(
            r"solve\s+(?:the\s+)?(?:following\s+)?(?:linear\s+)?system(?:\s+of\s+(?:linear\s+)?equations)?\s*:?\s*(?P<math>.+)",
            re.I,
        ),
    ),
    ("system", re.compile(r"solve\s+simultaneously\s*:?\s*(?P<math>.+)", re.I)),
    (
        "system",
        re.compile(
            r"find\s+(?:the\s+)?(?:point\s+of\s+)?intersection(?:\s+point)?\s+of\s+(?:the\s+lines\s+)?(?P<math>.+\s+and\s+.+)",
            re.I,
        ),
    ),
    (
        "solve",
        re.compile(
            r"(?:what\s+is|find|determine)\s+(?:the\s+value\s+of\s+)?"
            + _VAR
            + r"\s+(?:in|if|when|given|such\s+that)\s*:?\s*(?P<math>.+)",
            re.I,
        ),
    ),
    (
        "solve",
        re.compile(r"if\s+(?P<math>.+?)\s*,\s*(?:then\s+)?(?:what\s+is|find)\s+(?:the\s+value\s+of\s+)?" + _VAR, re.I),
    ),
    ("solve", re.compile(r"(?P<math>.+?)\s*[,.;]?\s+(?:now\s+)?solve\s+(?:it\s+)?for\s+" + _VAR, re.I)),
    ("solve", re.compile(r"solve\s+for\s+" + _VAR + r"\s*(?::|,|in|\s)\s*(?P<math>.+)", re.I)),
    (
        "solve",
        re.compile(
            r"(?:solve|(?:find|determine|what\s+are)\s+(?:all\s+)?(?:the\s+)?(?:real\s+)?(?:solutions?|roots?|zeros?)\s+(?:of|to)"
            r"|find\s+all\s+(?:real\s+)?(?:values\s+of\s+)?x\s+(?:such\s+that|for\s+which|where|satisfying|with)"
            r"|for\s+what\s+values?\s+of\s+x\s+is)"
            r"\s*(?:the\s+(?:equation|inequality)\s*)?:?\s*(?P<math>.+?)(?:\s*,?\s+for\s+" + _VAR + r")?",
            re.I,
        ),
    ),
    (
        "factor",
        re.compile(
            r"(?:fully\s+|completely\s+)?(?:factorise|factorize|factor)(?:\s+(?:fully|completely))?\s*:?\s*(?P<math>.+)",
            re.I,
        ),
    ),
    ("expand", re.compile(r"(?:expand|multiply\s+out)(?:\s+and\s+simplify)?\s*:?\s*(?P<math>.+)", re.I)),
    ("simplify", re.compile(r"(?:simplify|reduce)\s*(?:fully|completely)?\s*:?\s*(?P<math>.+)", re.I)),
    (
        "percent",
        re.compile(
            r"(?:(?:what is|what's|find|calculate|compute|work "
            r"out)\s+)?(?P<pct>\d+(?:\.\d+)?)\s*(?:%|\\%|percent|per\s+cent)\s+of\s+(?P<math>\d+(?:\.\d+)?)",
            re.I,
        ),
    ),
    (
        "fraction_of",
        re.compile(
            r"(?:(?:what\s+is|what's|how\s+much\s+is|find|calculate|work\s+out)\s+)?(?P<frac>\d+\s*/\s*\d+)\s+of\s+(?P<math>\d+(?:\.\d+)?)",
            re.I,
        ),
    ),
    (
        "arithmetic",
        re.compile(r"convert\s+(?P<math>.+?)\s+(?:to|into)\s+(?:a\s+)?(?:decimal|fraction|percentage|percent)", re.I),
    ),
    (
        "arithmetic",
        re.compile(
            r"(?:what\s+is|what's|write|express)\s+(?P<math>.+?)\s+(?:as|in)\s+(?:a\s+)?(?:decimal|fraction|percentage|percent)(?:\s+form)?",
            re.I,
        ),
    ),
    (
        "arithmetic",
        re.compile(
            r"(?:what\s+is|what's|how\s+much\s+is|calculate|compute|evaluate|work\s+out|find\s+the\s+value\s+of|find)\s*:?\s*"
            r"(?P<math>.+?)(?:\s*=\s*\??)?",
            re.I,
        ),
    ),
    ("bare", re.compile(r"(?P<math>.+?)(?:\s*=\s*\??)?")),
]
_BOUNDS = re.compile(r"\s+(?:from|between)\s+(?P<lower>\S+?)\s+(?:to|and)\s+(?P<upper>\S+?)\s*$", re.I)
_DVAR = re.compile(r"(?:\\[,;!:]|\s|\\cdot|\*)*\\?(?:mathrm\{d\}|d)\s*(?P<dvar>[a-z])\s*$")
_INT_BOUNDS = re.compile(
    r"^(?:∫|\\int)(?:\\limits)?\s*(?:_\s*(?P<lower>\{[^{}]*\}|-?\w+)\s*\^\s*(?P<upper>\{[^{}]*\}|-?\w+))?\s*"
)
_WORDS = re.compile(r"\\[A-Za-z]+|[A-Za-z]+")
_POWER_WORDS_MAP = {
    "squared": "^2",
    "cubed": "^3",
    "factorial": "!",
    "square root of": "sqrt ",
    "cube root of": "cbrt ",
}
_POWER_WORDS = re.compile(
    r"(?:(?<=[\d)])\s*\b(squared|cubed|factorial)\b|(?:\bthe\s+)?\b(square root of|cube root of)\s*)", re.I
)


_REFUSE = re.compile(
    r"arcsec|arccsc|arccot|\\operatorname|\\mathbf|\\vec|\\overline|\\begin|\\binom|\\choose|\\sum|\\prod|\\pmod", re.I
)
"""Notations the checker's parser misreads or that a single sympy call cannot settle."""
_BARE_LOG = re.compile(r"\\log(?![A-Za-z]|\s*_)")
"""``\\log x`` with no base: natural to the checker (and to the practice generator's plain
``log(x)``, which keeps that meaning), but base 10 in most precalculus books: declined."""
_MATHRM = re.compile(r"\\(?:mathrm|mathit|text|textit)\s*\{\s*([A-Za-z]{1,3})\s*\}")
_JOIN = re.compile(r"\$\s*(,|;|\band\b)?\s*\$")
_MIXED = re.compile(r"(?<![\d.^_{}\\A-Za-z)])(\d+)\s*\\[dt]?frac\s*\{\s*(\d+)\s*\}\s*\{\s*(\d+)\s*\}")
_DEGREE_MARK = re.compile(r"\^\s*\{?\s*\\circ\s*\}?|°|\\degree|\\circ")
_DEGREES = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(?:\^\s*\{?\s*\\circ\s*\}?|°|\\degree)")


_ALIGNED = re.compile(
    r"(?:\\left\s*\\\{\s*)?\\begin\{(aligned|array|cases)\}(?:\{[lcr|]*\})?(?P<body>[^$]*?)\\end\{\1\}(?:\s*\\right\s*\.)?"
)
"""``\\left\\{\\begin{aligned} x+y &=3 \\\\ x-y &= 1\\end{aligned}\\right.``: a system, one row an equation."""


def _aligned(m: re.Match) -> str:
    if m.group(1) != "aligned":
        return m.group(0)  # array / cases may be a piecewise function: left for _REFUSE
    rows = [row.replace("&", " ").strip() for row in re.split(r"\\\\", m.group("body"))]
    return ", ".join(row for row in rows if row)


def _mixed(m: re.Match) -> str:
    whole, num, den = m.group(1), int(m.group(2)), int(m.group(3))
    if not 0 < num < den:
        return m.group(0)  # "2\\frac{3}{2}" is no mixed number: left to the parser (a product)
    return f"({whole}+{num}/{den})"


def _prepare(question: str) -> tuple[str, bool] | None:
    """Question-side notation the checker's answer parser does not read as a question means.

    * ``\\mathrm{x}`` (and ``\\text{y}``) is the letter x, not a unit to drop.
    * ``$A$ $B$`` / ``$A$, and $B$``: separate maths segments are one list (a system).
    * ``4\\frac{1}{2}`` is the mixed number 9/2 (only a proper fraction after an integer).
    * ``100^\\circ``, ``100°``: degrees become ``(100*pi/180)``, exactly; the second value
      says degrees were seen (only a numeric evaluation may then be settled, and only when
      no trig function is left unevaluated). A degree mark on anything but a number: None.
    """
    question = _ALIGNED.sub(_aligned, question)
    if _REFUSE.search(question) or _BARE_LOG.search(question):
        return None
    text = _MATHRM.sub(r" \1 ", question)
    text = _JOIN.sub(lambda m: {"and": " and ", ";": "; "}.get((m.group(1) or "").strip(), ", "), text)
    text = _MIXED.sub(_mixed, text)
    degrees = bool(_DEGREE_MARK.search(text))
    if degrees:
        text = _DEGREES.sub(r"(\1*pi/180)", text)
        if _DEGREE_MARK.search(text):
            return None
    return text, degrees


_VERB_SOLVE = re.compile(
    r"^solve\s+(?:each\s+|the\s+)?(?:following\s+)?(?:(?:rational|absolute\s+value|compound|polynomial|quadratic|radical|"
    r"exponential|logarithmic|linear|given)\s+)?(?:equation|inequality|proportion)s?(?:\s+or\s+inequality)?"
    r"(?:\s+(?:analytically|algebraically|by\s+(?:completing\s+the\s+square|factoring|factorising|factorizing)"
    r"|using\s+the\s+quadratic\s+formula))?(?:\s+for\s+(?P<v>[a-zA-Z]))?"
    r"(?:\s*[.,]?\s*(?:and\s+)?(?:express|give|write)\s+(?:the\s+|your\s+)?(?:exact\s+)?(?:answer|solution)?\s*(?:set\s+)?"
    r"(?:using|in)?\s*(?:the\s+)?interval\s+notation)?\s*[:.]\s*",
    re.I,
)
_VERB_SYSTEM = re.compile(
    r"^(?:solve|find\s+the\s+solution\s+(?:to|of))\s+(?:the\s+)?(?:following\s+)?(?:linear\s+)?systems?(?:\s+of\s+(?:linear\s+)?equations?)?"
    r"(?:\s+by\s+(?:elimination|substitution))?\s*[:,.]\s*",
    re.I,
)
_SIMPLIFY_WORDS = (
    r"(?:the|given|following|expressions?|rational|radicals?|fractions?|and|simplify|write|express|leave|your|answer|as|an|"
    r"improper|fraction|with|positive|exponents?|expontents?|in|lowest|terms|like|should|contain|only|completely|fully|"
    r"power|of|i|or|subtract|add|combine|reduce|if|possible|result|numbers?|simplest|form|scientific|notation)"
)
_VERB_SIMPLIFY = re.compile(
    r"^(?:simplify|divide|find\s+(?:the\s+)?quotient|reduce|combine|add\s+or\s+subtract)(?:[\s.,]+"
    + _SIMPLIFY_WORDS
    + r"\b)*\s*[:.]\s*",
    re.I,
)
_VERB_DIVIDE = re.compile(r"^(?:divide|find\s+(?:the\s+)?quotient)\s*:\s*", re.I)
_REWRITES: list[tuple[re.Pattern, str]] = [
    (
        re.compile(
            r"^convert\s+(?:the\s+)?(?:angle\s+)?(?:from\s+degrees?(?:\s+measure)?\s+)?(?:in)?to\s+radians?(?:\s+measure)?"
            r"(?:\s*,?\s*giving\s+the\s+exact\s+value(?:\s+in\s+terms\s+of\s+(?:π|\\pi|pi))?)?\s*:\s*",
            re.I,
        ),
        "evaluate ",
    ),
    (
        re.compile(
            r"^(?:find|compute|calculate|determine)\s+the\s+(?:first\s+)?derivative\s+of\s+the\s+(?:given\s+)?function\s*:?\s*",
            re.I,
        ),
        "derivative of ",
    ),
    (
        re.compile(
            r"^(?:find|compute|determine)\s+the\s+(?:general\s+)?(?:antiderivative|indefinite\s+integral)"
            r"(?:\s+of\s+the\s+(?:given\s+)?function)?\s*:\s*",
            re.I,
        ),
        "antiderivative of ",
    ),
    (
        re.compile(
            r"^(?:evaluate|compute|find|calculate)\s+the\s+(?:following\s+)?(?:definite\s+|indefinite\s+)?integrals?\s*:\s*",
            re.I,
        ),
        "integrate ",
    ),
    (
        re.compile(
            r"^(?:compute|evaluate|find|calculate)\s+the\s+(?:following\s+)?limit\s*(?::|of)\s*(?=\\?lim)", re.I
        ),
        "",
    ),
    (
        re.compile(
            r"^(?:find|determine)\s+(?:all\s+)?(?:the\s+)?real\s+(?:solutions|roots|zeros)\s+(?:of|to)\s+(?:the\s+)?"
            r"(?:polynomial\s+|given\s+)?(?:equation\s*)?:?\s*",
            re.I,
        ),
        "solve: ",
    ),
    (
        re.compile(
            r"^(?:evaluate|compute|calculate|find\s+the\s+value\s+of)\s+(?:the\s+)?(?:following\s+)?(?:numerical\s+)?"
            r"(?:expression)?\s*:\s*",
            re.I,
        ),
        "evaluate ",
    ),
    (re.compile(r"^(?:find\s+(?:the\s+)?product|multiply|find\s+the\s+square|square)\s*:\s*", re.I), "product: "),
]


_VERB_TURN = re.compile(
    r"^solve\s+(?:the\s+)?equation\s*,?\s*giving\s+(?:the\s+)?exact\s+solutions\s+(?:which|that)\s+lie\s+in\s*"
    r"\[\s*0\s*,\s*2\s*(?:\\pi|π|pi)\s*\)\s*:\s*",
    re.I,
)


def _instruction(text: str) -> str:
    """The common textbook instructions ("Solve the equation analytically:") in the reader's words."""
    m = _VERB_TURN.match(text)
    if m:
        return "solve on one turn: " + text[m.end() :]
    m = _VERB_SYSTEM.match(text)
    if m:
        return "solve the system: " + text[m.end() :]
    m = _VERB_SOLVE.match(text)
    if m:
        return (f"solve for {m.group('v')}: " if m.group("v") else "solve: ") + text[m.end() :]
    m = _VERB_DIVIDE.match(text)
    if m:
        return "divide: " + text[m.end() :]
    m = _VERB_SIMPLIFY.match(text)
    if m:
        return "simplify: " + text[m.end() :]
    for pattern, replacement in _REWRITES:
        m = pattern.match(text)
        if m:
            return replacement + text[m.end() :]
    return text


def _clean(question: str) -> str:
    text = MATH_DELIMITERS.sub(" ", question)
    text = re.sub(r"\s+", " ", text).strip()
    text = _POLITE.sub("", text)
    text = _instruction(text)
    text = _TAIL.sub("", _trim(text)).strip()
    return _trim(text).rstrip(",:;")


def _trim(text: str) -> str:
    """Drop closing punctuation; a ``!`` after a number or bracket is a factorial and stays."""
    text = text.rstrip(" ?.")
    while text.endswith("!") and not re.search(r"[\d)}]!$", text):
        text = text[:-1].rstrip(" ?.")
    return text


def _mathy(math: str) -> bool:
    """No prose in the maths: every letter run is a maths name, one letter or a short product."""
    if not math.strip() or len(math) > MAX_QUESTION_CHARS:
        return False
    for word in _WORDS.findall(math):
        if word.startswith("\\"):
            continue
        low = word.lower()
        if low in QUESTION_WORDS:
            continue
        if low in _STOPWORDS or len(word) >= MAX_WORD:
            return False
    return True


def _unbrace(text: str | None) -> str | None:
    if text is None:
        return None
    text = text.strip()
    return text[1:-1] if text.startswith("{") and text.endswith("}") else text


def _integral_task(math: str) -> CasTask | None:
    lower = upper = None
    m = _INT_BOUNDS.match(math)
    if m:
        lower, upper = _unbrace(m.group("lower")), _unbrace(m.group("upper"))
        math = math[m.end() :]
    b = _BOUNDS.search(math)
    if b and lower is None:
        lower, upper = b.group("lower"), b.group("upper")
        math = math[: b.start()]
    d = _DVAR.search(math)
    var = None
    if d and d.start() > 0:
        var, math = d.group("dvar"), math[: d.start()]
    b = _BOUNDS.search(math)
    if b and lower is None:
        lower, upper = b.group("lower"), b.group("upper")
        math = math[: b.start()]
    for part in (lower, upper):
        if part is not None and not _mathy(part):
            return None
    return CasTask("integral", math.strip(), var=var, lower=lower, upper=upper)


def _limit_task(m: re.Match) -> CasTask:
    point = m.group("point").strip().rstrip(")} ")
    side = ""
    one_sided = re.fullmatch(r"(.+?)\s*\^?\s*\{?\s*([+-])\s*\}?", point)
    if one_sided and one_sided.group(1).strip() not in ("", "-", "+"):
        point, side = one_sided.group(1), one_sided.group(2)
    point = re.sub(r"(?i)^(-)?\s*(?:infinity|inf|∞)$", r"\1oo", point.strip())
    math = re.sub(r"^\s*(?:of\s+)?", "", m.group("math"))
    return CasTask("limit", math, var=m.group("var"), point=point, side=side)


def parse_question(question: str) -> CasTask | None:
    """The task a question asks (kind and maths as text), or None when not recognised."""
    if not isinstance(question, str) or len(question) > MAX_QUESTION_CHARS:
        return None
    prepared = _prepare(question)
    if prepared is None:
        return None
    question, degrees = prepared
    text = _clean(question)
    task = _task(text)
    if task is None:
        return None
    if degrees:
        if task.kind not in ("arithmetic", "simplify", "product", "divide"):
            return None  # an angle in degrees to solve for, or a unit on the answer: not settled
        task = replace(task, degrees=True)
    if task.kind == "solve":
        task = replace(
            task,
            expr_ok=bool(re.match(r"solve\s*:", text, re.I)),  # textbooks' "Solve: <expression>" means simplify
            real_only=bool(re.search(r"\breal\b|\\mathbb\s*\{?\s*R|ℝ", question, re.I)),
        )
    return task


def _task(text: str) -> CasTask | None:
    for kind, pattern in _PATTERNS:
        m = pattern.fullmatch(text)
        if not m:
            continue
        groups = m.groupdict()
        task: CasTask | None
        if kind == "limit":
            task = _limit_task(m)
        elif kind == "integral":
            task = _integral_task(groups["math"].strip())
        elif kind == "derivative":
            task = CasTask(
                "derivative",
                _FUNC_LABEL.sub("", _FUNC_LABEL.sub("", groups["math"], count=1), count=1),
                var=groups.get("var") or groups.get("var2"),
                order=_ORDERS.get((groups.get("order") or "first").lower(), 1),
            )
        elif kind in ("solve", "system"):
            task = CasTask("solve", groups["math"], var=groups.get("var"))
        elif kind == "substitute":
            values = re.sub(r"\s+and\s+", ", ", groups["values"])
            task = CasTask("substitute", groups["math"], values=values)
            if not _mathy(values):
                return None
        elif kind == "turn":
            task = CasTask("solve", groups["math"], on_turn=True)
        elif kind == "fraction_of":
            task = CasTask("arithmetic", f"({groups['frac']}) * {groups['math']}")
        elif kind == "percent":
            task = CasTask("arithmetic", f"{groups['pct']}/100 * {groups['math']}")
        elif kind == "bare":
            math = groups["math"]
            task = CasTask("solve" if re.search(r"[=<>]", math) else "arithmetic", math)
        else:
            task = CasTask(kind, groups["math"])
        if task is not None and task.kind == "arithmetic":
            task = replace(
                task, math=_POWER_WORDS.sub(lambda w: _POWER_WORDS_MAP[(w.group(1) or w.group(2)).lower()], task.math)
            )
        if task is not None and "÷" in task.math:  # "5/6 ÷ 2/3" means (5/6) ÷ (2/3)
            task = replace(task, math=re.sub(r"(\d+)\s*/\s*(\d+)", r"(\1/\2)", task.math))
        if task is None or not _mathy(task.math):
            return None
        if task.kind != "arithmetic" and "!" in task.math:
            return None  # "Solve 2x = 4!": a factorial or an exclamation?
        if task.kind == "arithmetic" and any(
            w.lower() not in QUESTION_WORDS for w in _WORDS.findall(task.math) if w[0] != "\\"
        ):
            return None  # "evaluate 2x + 1" has no single value
        return task
    return None


# -- the public API -------------------------------------------------------------
def cas_answer(question: str, timeout: float = 2.0) -> CasResult | None:
    """The computer-algebra answer to ``question``, or None when it cannot settle it."""
    task = parse_question(question)
    if task is None:
        return None
    try:
        out = tasks.cas(task, max(0.2, timeout * 0.4), timeout)
    except Exception:  # noqa: BLE001 - timeout, a dead worker or a bug: no answer rather than a wrong one
        return None
    if out is None:
        return None
    return CasResult(out.kind, out.answer_latex, out.answer_text, out.alternatives, out.var or "x", out.positive)


def agrees(answer: str, result: CasResult, timeout: float = 2.0) -> bool | None:
    """Is ``answer`` the same as the computer-algebra result? None: it could not be compared."""
    if result.kind == "integral_indefinite":
        try:
            same = tasks.antiderivative_equal(answer, result.answer_text, result.var, timeout)
        except Exception:  # noqa: BLE001 - not compared rather than a wrong verdict
            return None
        return same
    if result.kind in ("expand", "factor"):
        try:
            form = tasks.in_form(answer, result.kind, timeout)
        except Exception:  # noqa: BLE001 - not compared rather than a wrong verdict
            return None
        if form is not True:
            return form
    statuses = []
    for reference in (result.answer_text, *result.alternatives):
        verdict = check_answer(answer, reference, timeout=timeout)
        if verdict.correct:
            return True
        statuses.append(verdict.status)
    if result.positive and "incorrect" in statuses:
        try:
            return tasks.positive_equal(answer, result.answer_text, timeout)
        except Exception:  # noqa: BLE001 - not compared rather than a wrong verdict
            return None
    return False if "incorrect" in statuses else None


def cross_check(question: str, model_final_answer: str | None, timeout: float = 2.0) -> CrossCheck | None:
    """Compare the model's final answer with computer algebra; None when it cannot settle."""
    result = cas_answer(question, timeout)
    if result is None:
        return None
    shown = f"${result.answer_latex}$"
    if model_final_answer is None or not model_final_answer.strip():
        return CrossCheck(
            "cas_only", result.answer_latex, f"The tutor gave no final answer; computer algebra gets {shown}."
        )
    same = agrees(model_final_answer, result, timeout)
    if same is True:
        return CrossCheck("verified", result.answer_latex, "Verified by computer algebra.")
    if same is False:
        return CrossCheck(
            "differs",
            result.answer_latex,
            f"Warning: computer algebra gets {shown}, which differs from the tutor's answer.",
        )
    return CrossCheck(
        "cas_only", result.answer_latex, f"The tutor's answer could not be compared; computer algebra gets {shown}."
    )
