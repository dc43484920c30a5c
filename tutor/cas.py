"""Computer-algebra cross-check of the model's final answer.

The model is small and can be wrong (the demo model says 3x + 5 = 11 gives
x = 4). For questions sympy can settle, this module reads the question's words
(here: regexes on text only, no sympy), sends the maths to a pool worker
(``tutor/checking/solve.py``: the checker's own parser, cost bounds, a budget
per sympy call, a killable process) and compares the model's answer with the
result using the checker's comparison.

Declining is always preferred to guessing: a question is only settled when
its whole wording matches a known phrasing, the maths part contains no words
(MAX_WORD letters or more that are not maths names), and the worker can read
its own printed answer back. Word problems, proofs and anything else get None.
``cross_check`` makes two or three pool calls (compute, compare, and for
expand/factor a check of the written form), each within ``timeout``; each sympy
call inside gets 40 % of it, so an equation's two solves fit in one call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tutor.checking import check_answer, pool

MAX_QUESTION_CHARS = 500
"""Longer questions are not ones a single computer-algebra call settles."""
MAX_WORD = 3
"""A run of this many letters in the maths (other than a maths name) means prose."""

_MATH_WORDS = {
    "sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "asin", "acos",
    "atan", "sinh", "cosh", "tanh", "ln", "log", "exp", "sqrt", "cbrt", "abs", "pi", "oo",
    "inf", "infty", "infinity", "or", "and", "e",
}
_STOPWORDS = {
    "of", "is", "to", "at", "as", "if", "on", "by", "an", "be", "we", "it", "so", "do", "my",
    "me", "he", "us", "up", "no", "go", "am", "hi", "ok",
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


@dataclass(frozen=True)
class CrossCheck:
    status: str
    """verified | differs | cas_only"""
    cas_answer_latex: str
    message: str
    """Student-facing; always contains the words "computer algebra"."""


# -- reading the question -----------------------------------------------------
_DELIMS = re.compile(r"\$\$|\$|\\\(|\\\)|\\\[|\\\]")
_POLITE = re.compile(
    r"^(?:(?:please|can you|could you|would you|help me|i need to|i want to|how do i|how do you)\s*,?\s*)+", re.I
)
_TAIL = re.compile(
    r"(?:\s*(?:please|step by step|for me|algebraically|exactly|"
    r"by (?:factoring|factorising|factorizing|substitution|elimination|completing the square|hand)|"
    r"using (?:the )?(?:quadratic formula|substitution|elimination|l'h[oô]pital'?s? rule|the chain rule|"
    r"the product rule|the quotient rule)|over the reals|in the reals)\s*[.,!?]*)+$",
    re.I,
)
_VAR = r"(?P<var>[a-zA-Z])"
_ARROW = r"(?:->|→|\\to|\\rightarrow|approaches|goes to|tends to|tends towards)"
_FUNC_LABEL = re.compile(r"^\s*(?:[fghy]\s*(?:\(\s*[a-z]\s*\))?|[fgh]\s*\(\s*[a-z]\s*\))\s*=\s*(?!=)")
_ORDERS = {"first": 1, "second": 2, "third": 3, "2nd": 2, "3rd": 3, "1st": 1}

_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("limit", re.compile(
        r"(?:(?:find|evaluate|compute|calculate|determine|what is|what's)\s+)?(?:the\s+)?(?:limit|lim)\s+(?:of\s+)?"
        r"(?P<math>.+?),?\s+as\s+" + _VAR + r"\s*" + _ARROW + r"\s*(?P<point>.+)", re.I)),
    ("limit", re.compile(
        r"(?:(?:find|evaluate|compute|calculate|what is)\s+)?\\?lim(?:it)?_\{?\s*" + _VAR + r"\s*" + _ARROW
        + r"\s*(?P<point>[^{}]+?)\s*\}?\s+(?P<math>.+)", re.I)),
    ("limit", re.compile(
        r"(?:(?:find|evaluate|compute|calculate|what is)\s+)?(?:lim|limit)\s*_?\s*\(?\s*" + _VAR + r"\s*" + _ARROW
        + r"\s*(?P<point>[-+]?\s*(?:\d+(?:\.\d+)?|oo|inf|infinity|∞|pi|π)(?:\s*\^?\s*[+-])?)\s*\)?\s+(?P<math>.+)", re.I)),
    ("limit", re.compile(
        r"(?:(?:find|evaluate|compute|calculate|determine|what is|what's)\s+)?(?:the\s+)?(?:limit|lim)\s*,?\s+as\s+" + _VAR + r"\s*"
        + _ARROW + r"\s*(?P<point>[^\s,]+)\s*,?\s+of\s+(?P<math>.+)", re.I)),
    ("integral", re.compile(
        r"(?:(?:find|evaluate|compute|calculate|determine|what is|what's)\s+)?(?:the\s+)?(?:(?:definite|indefinite)\s+)?"
        r"(?:integral|antiderivative|anti-derivative|primitive)\s+of\s+(?P<math>.+)", re.I)),
    ("integral", re.compile(r"(?:integrate|evaluate|compute|find|calculate)?\s*:?\s*(?P<math>(?:∫|\\int).+)", re.I)),
    ("integral", re.compile(r"integrate\s*:?\s*(?P<math>.+)", re.I)),
    ("derivative", re.compile(
        r"(?:(?:find|compute|calculate|determine|what is|what's|evaluate)\s+)?(?:the\s+)?(?P<order>first|second|third|1st|2nd|3rd)?\s*"
        r"derivative\s+of\s+(?P<math>.+?)(?:\s*,?\s+with respect to\s+" + _VAR + r")?", re.I)),
    ("derivative", re.compile(r"differentiate\s*:?\s*(?P<math>.+?)(?:\s*,?\s+with respect to\s+" + _VAR + r")?", re.I)),
    ("derivative", re.compile(
        r"(?:find|what\s+is|compute|calculate)\s+(?:dy\s*/\s*d" + _VAR + r"|y'|f'\s*\(\s*x\s*\))\s+(?:if|when|for|given|where)\s+"
        r"(?P<math>(?:y|f\s*\(\s*x\s*\))\s*=.+)", re.I)),
    ("derivative", re.compile(r"(?:find\s+|what\s+is\s+|compute\s+|calculate\s+)?(?:d\s*/\s*d" + _VAR + r"|\\frac\s*\{\s*d\s*\}\s*\{\s*d" + _VAR.replace("var", "var2")
                              + r"\s*\})\s*(?:of\s+)?(?P<math>.+)", re.I)),
    ("system", re.compile(r"solve\s+(?:the\s+)?(?:following\s+)?(?:linear\s+)?system(?:\s+of\s+(?:linear\s+)?equations)?\s*:?\s*(?P<math>.+)", re.I)),
    ("system", re.compile(r"solve\s+simultaneously\s*:?\s*(?P<math>.+)", re.I)),
    ("system", re.compile(
        r"find\s+(?:the\s+)?(?:point\s+of\s+)?intersection(?:\s+point)?\s+of\s+(?:the\s+lines\s+)?(?P<math>.+\s+and\s+.+)", re.I)),
    ("solve", re.compile(
        r"(?:what\s+is|find|determine)\s+(?:the\s+value\s+of\s+)?" + _VAR + r"\s+(?:in|if|when|given|such\s+that)\s*:?\s*(?P<math>.+)", re.I)),
    ("solve", re.compile(r"if\s+(?P<math>.+?)\s*,\s*(?:then\s+)?(?:what\s+is|find)\s+(?:the\s+value\s+of\s+)?" + _VAR, re.I)),
    ("solve", re.compile(r"(?P<math>.+?)\s*[,.;]?\s+(?:now\s+)?solve\s+(?:it\s+)?for\s+" + _VAR, re.I)),
    ("solve", re.compile(r"solve\s+for\s+" + _VAR + r"\s*(?::|,|in|\s)\s*(?P<math>.+)", re.I)),
    ("solve", re.compile(
        r"(?:solve|(?:find|determine|what\s+are)\s+(?:all\s+)?(?:the\s+)?(?:real\s+)?(?:solutions?|roots?|zeros?)\s+(?:of|to)"
        r"|find\s+all\s+(?:real\s+)?(?:values\s+of\s+)?x\s+(?:such\s+that|for\s+which|where|satisfying|with)"
        r"|for\s+what\s+values?\s+of\s+x\s+is)"
        r"\s*(?:the\s+(?:equation|inequality)\s*)?:?\s*(?P<math>.+?)(?:\s*,?\s+for\s+" + _VAR + r")?", re.I)),
    ("factor", re.compile(r"(?:fully\s+|completely\s+)?(?:factorise|factorize|factor)(?:\s+(?:fully|completely))?\s*:?\s*(?P<math>.+)", re.I)),
    ("expand", re.compile(r"(?:expand|multiply\s+out)(?:\s+and\s+simplify)?\s*:?\s*(?P<math>.+)", re.I)),
    ("simplify", re.compile(r"(?:simplify|reduce)\s*(?:fully|completely)?\s*:?\s*(?P<math>.+)", re.I)),
    ("percent", re.compile(
        r"(?:(?:what is|what's|find|calculate|compute|work out)\s+)?(?P<pct>\d+(?:\.\d+)?)\s*(?:%|\\%|percent|per\s+cent)\s+of\s+(?P<math>\d+(?:\.\d+)?)", re.I)),
    ("fraction_of", re.compile(
        r"(?:(?:what\s+is|what's|how\s+much\s+is|find|calculate|work\s+out)\s+)?(?P<frac>\d+\s*/\s*\d+)\s+of\s+(?P<math>\d+(?:\.\d+)?)", re.I)),
    ("arithmetic", re.compile(r"convert\s+(?P<math>.+?)\s+(?:to|into)\s+(?:a\s+)?(?:decimal|fraction|percentage|percent)", re.I)),
    ("arithmetic", re.compile(
        r"(?:what\s+is|what's|write|express)\s+(?P<math>.+?)\s+(?:as|in)\s+(?:a\s+)?(?:decimal|fraction|percentage|percent)(?:\s+form)?", re.I)),
    ("arithmetic", re.compile(
        r"(?:what\s+is|what's|how\s+much\s+is|calculate|compute|evaluate|work\s+out|find\s+the\s+value\s+of|find)\s*:?\s*"
        r"(?P<math>.+?)(?:\s*=\s*\??)?", re.I)),
    ("bare", re.compile(r"(?P<math>.+?)(?:\s*=\s*\??)?")),
]
_BOUNDS = re.compile(r"\s+(?:from|between)\s+(?P<lower>\S+?)\s+(?:to|and)\s+(?P<upper>\S+?)\s*$", re.I)
_DVAR = re.compile(r"(?:\\[,;!:]|\s|\\cdot|\*)*\\?(?:mathrm\{d\}|d)\s*(?P<dvar>[a-z])\s*$")
_INT_BOUNDS = re.compile(
    r"^(?:∫|\\int)(?:\\limits)?\s*(?:_\s*(?P<lower>\{[^{}]*\}|-?\w+)\s*\^\s*(?P<upper>\{[^{}]*\}|-?\w+))?\s*"
)
_WORDS = re.compile(r"\\[A-Za-z]+|[A-Za-z]+")
_POWER_WORDS_MAP = {"squared": "^2", "cubed": "^3", "factorial": "!", "square root of": "sqrt ", "cube root of": "cbrt "}
_POWER_WORDS = re.compile(r"(?:(?<=[\d)])\s*\b(squared|cubed|factorial)\b|(?:\bthe\s+)?\b(square root of|cube root of)\s*)", re.I)


def _clean(question: str) -> str:
    text = _DELIMS.sub(" ", question)
    text = re.sub(r"\s+", " ", text).strip()
    text = _POLITE.sub("", text)
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
        if low in _MATH_WORDS:
            continue
        if low in _STOPWORDS or len(word) >= MAX_WORD:
            return False
    return True


def _unbrace(text: str | None) -> str | None:
    if text is None:
        return None
    text = text.strip()
    return text[1:-1] if text.startswith("{") and text.endswith("}") else text


def _integral_task(math: str) -> dict | None:
    lower = upper = None
    m = _INT_BOUNDS.match(math)
    if m:
        lower, upper = _unbrace(m.group("lower")), _unbrace(m.group("upper"))
        math = math[m.end():]
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
    return {"kind": "integral", "math": math.strip(), "var": var, "lower": lower, "upper": upper}


def _limit_task(m: re.Match) -> dict:
    point = m.group("point").strip().rstrip(")} ")
    side = ""
    one_sided = re.fullmatch(r"(.+?)\s*\^?\s*\{?\s*([+-])\s*\}?", point)
    if one_sided and one_sided.group(1).strip() not in ("", "-", "+"):
        point, side = one_sided.group(1), one_sided.group(2)
    point = re.sub(r"(?i)^(-)?\s*(?:infinity|inf|∞)$", r"\1oo", point.strip())
    math = re.sub(r"^\s*(?:of\s+)?", "", m.group("math"))
    return {"kind": "limit", "math": math, "var": m.group("var"), "point": point, "side": side}


def parse_question(question: str) -> dict | None:
    """The task a question asks (kind and maths as text), or None when not recognised."""
    if not isinstance(question, str) or len(question) > MAX_QUESTION_CHARS:
        return None
    text = _clean(question)
    for kind, pattern in _PATTERNS:
        m = pattern.fullmatch(text)
        if not m:
            continue
        groups = m.groupdict()
        if kind == "limit":
            task = _limit_task(m)
        elif kind == "integral":
            task = _integral_task(groups["math"].strip())
        elif kind == "derivative":
            task = {
                "kind": "derivative", "math": _FUNC_LABEL.sub("", groups["math"]),
                "var": groups.get("var") or groups.get("var2"), "order": _ORDERS.get((groups.get("order") or "first").lower(), 1),
            }
        elif kind in ("solve", "system"):
            task = {"kind": "solve", "math": groups["math"], "var": groups.get("var")}
        elif kind == "fraction_of":
            task = {"kind": "arithmetic", "math": f"({groups['frac']}) * {groups['math']}"}
        elif kind == "percent":
            task = {"kind": "arithmetic", "math": f"{groups['pct']}/100 * {groups['math']}"}
        elif kind == "bare":
            math = groups["math"]
            task = {"kind": "solve" if re.search(r"[=<>]", math) else "arithmetic", "math": math}
        else:
            task = {"kind": kind, "math": groups["math"]}
        if task is not None and task["kind"] == "arithmetic":
            task["math"] = _POWER_WORDS.sub(lambda w: _POWER_WORDS_MAP[(w.group(1) or w.group(2)).lower()], task["math"])
        if task is not None and "÷" in task["math"]:  # "5/6 ÷ 2/3" means (5/6) ÷ (2/3)
            task["math"] = re.sub(r"(\d+)\s*/\s*(\d+)", r"(\1/\2)", task["math"])
        if task is None or not _mathy(task["math"]):
            return None
        if task["kind"] != "arithmetic" and "!" in task["math"]:
            return None  # "Solve 2x = 4!": a factorial or an exclamation?
        if task["kind"] == "arithmetic" and any(w.lower() not in _MATH_WORDS for w in _WORDS.findall(task["math"]) if w[0] != "\\"):
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
        out = pool.run("cas", (task, max(0.2, timeout * 0.4)), timeout)
    except Exception:  # timeout, a dead worker or a bug: no answer rather than a wrong one
        return None
    if not out:
        return None
    return CasResult(out["kind"], out["answer_latex"], out["answer_text"], tuple(out["alternatives"]), out["var"] or "x")


def agrees(answer: str, result: CasResult, timeout: float = 2.0) -> bool | None:
    """Is ``answer`` the same as the computer-algebra result? None: it could not be compared."""
    if result.kind == "integral_indefinite":
        try:
            same = pool.run("antiderivative_equal", (answer, result.answer_text, result.var), timeout)
        except Exception:
            return None
        return same
    if result.kind in ("expand", "factor"):
        try:
            form = pool.run("in_form", (answer, result.kind), timeout)
        except Exception:
            return None
        if form is not True:
            return form
    statuses = []
    for reference in (result.answer_text, *result.alternatives):
        verdict = check_answer(answer, reference, timeout=timeout)
        if verdict.correct:
            return True
        statuses.append(verdict.status)
    return False if "incorrect" in statuses else None


def cross_check(question: str, model_final_answer: str | None, timeout: float = 2.0) -> CrossCheck | None:
    """Compare the model's final answer with computer algebra; None when it cannot settle."""
    result = cas_answer(question, timeout)
    if result is None:
        return None
    shown = f"${result.answer_latex}$"
    if model_final_answer is None or not model_final_answer.strip():
        return CrossCheck("cas_only", result.answer_latex, f"The tutor gave no final answer; computer algebra gets {shown}.")
    same = agrees(model_final_answer, result, timeout)
    if same is True:
        return CrossCheck("verified", result.answer_latex, "Verified by computer algebra.")
    if same is False:
        return CrossCheck(
            "differs", result.answer_latex, f"Warning: computer algebra gets {shown}, which differs from the tutor's answer."
        )
    return CrossCheck(
        "cas_only", result.answer_latex, f"The tutor's answer could not be compared; computer algebra gets {shown}."
    )
