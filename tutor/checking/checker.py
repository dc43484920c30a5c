"""The check itself: parse both sides, read the answer in the reference's shape,
compare, and say something useful. Runs inside a pool worker (see pool.py).

Returns plain dicts (never sympy objects) so results cross the process boundary
cheaply and nothing user-derived is ``str()``-ed on an error path.
"""

from __future__ import annotations

import itertools
import re

import sympy

from . import compare as cmp
from .display import expr_latex, to_latex
from .latex_parser import parse_latex
from .lexer import Ambiguous, ParseError
from .limits import check_cost
from .nodes import DEG, PCT, PM, Delim, Items, MatrixNode, Rel, SetOp
from .plain_parser import parse_text
from .shapes import (
    Num,
    Point,
    _assignment,
    _stem,
    _tuple_assignment,
    as_equation,
    as_matrix,
    as_point,
    as_points,
    as_realset,
    as_solutions,
    is_setlike,
    named_value,
    to_num,
)
from .text import extract


def parse_answer(text: str, keep: frozenset[str] = frozenset()) -> object:
    """Parse extracted answer text; the result has passed the cost bounds.

    ``keep``: letters that are variables of the reference (never read as units).
    """
    try:
        node = parse_text(text, keep)
    except ParseError as exc:
        if "\\" not in text or isinstance(exc, Ambiguous):
            raise
        node = parse_latex(text)
    _validate(node)
    return node


def _validate(node: object) -> None:
    if isinstance(node, sympy.Basic):
        check_cost(node)
    elif isinstance(node, (Items, Delim)):
        for i in node.items:
            _validate(i)
    elif isinstance(node, Rel):
        for t in node.terms:
            _validate(t)
    elif isinstance(node, SetOp):
        for p in node.parts:
            _validate(p)
    elif isinstance(node, MatrixNode):
        for r in node.rows:
            for c in r:
                _validate(c)


def _safe(text: str, limit: int = 40) -> str:
    """Text derived from student input, fit for feedback: no markup characters."""
    cleaned = "".join(ch for ch in text if ch not in '<>&"`$\\{}')
    return cleaned[:limit] + ("…" if len(cleaned) > limit else "")


def preview(answer: str) -> dict:
    """LaTeX of how ``answer`` is understood, or the reason it is not."""
    try:
        return {"answer_latex": to_latex(parse_answer(extract(answer))), "error": None}
    except ParseError as exc:
        return {"answer_latex": None, "error": str(exc)}


def check(answer: str, reference: str) -> dict:
    """Verdict fields for one answer/reference pair.

    Order: an answer identical to the reference (after layout normalisation) is
    correct; multiple-choice letters and answers in words compare as text; else both
    are parsed (the reference's letters are variables in the answer, never units) and
    compared in the reference's shape.
    """
    ref_text, text = extract(reference), extract(answer)
    if same_text(text, ref_text):
        return _verdict("correct", "Correct.", _shown(text))
    worded = text_verdict(text, ref_text)
    if worded is not None:
        return _verdict("correct" if worded else "incorrect", "Correct." if worded else "Not quite.", None)
    try:
        ref = parse_answer(ref_text)
    except ParseError:
        return _verdict("unparseable", "The reference answer could not be read, so this answer was not checked.")
    try:
        node = parse_answer(text, _letters_of(ref))
    except ParseError as exc:
        return _verdict("unparseable", _unreadable(text, exc))
    shown = to_latex(node)
    try:
        ok, feedback = judge(node, ref)
    except ParseError as exc:
        return _verdict(
            "unparseable", f"I read your answer as ${shown}$ but could not use it: {_safe(str(exc), 80)}.", shown
        )
    return _verdict("correct" if ok else "incorrect", feedback, shown)


_LAYOUT = re.compile(r"\\(?:left|right|displaystyle|textstyle)(?![A-Za-z])|\\[,;:! ]|[~$]")
_GAP = re.compile(r"\s+")


def _layout_free(text: str) -> str:
    """Spacing removed, except one space between two letters or digits: ``2 1/2`` (mixed)
    is not ``21/2``."""
    text = re.sub(r"\\[dt]frac", r"\\frac", text)
    text = _GAP.sub(" ", _LAYOUT.sub(" ", text)).strip().rstrip(".").strip()
    return re.sub(r"(?<![A-Za-z0-9]) | (?![A-Za-z0-9])", "", text)


def same_text(answer: str, reference: str) -> bool:
    """Identical after spacing, ``\\left``/``\\right``, ``\\dfrac`` and a final full stop."""
    a, r = _layout_free(answer), _layout_free(reference)
    return bool(r) and a == r


def _shown(text: str) -> str | None:
    try:
        return to_latex(parse_answer(text))
    except ParseError:
        return None


_TEXT_WRAP = re.compile(r"^\\(?:text|textbf|textit|textrm|mathrm|mathbf|mbox|textnormal)\s*\{(.*)\}$", re.S)
_CHOICE = re.compile(r"\(\s*([A-E])\s*\)|([A-E])")
_WORDS = re.compile(r"[A-Za-z][A-Za-z' -]*[A-Za-z]")


def _unwrap(text: str) -> tuple[str, bool]:
    """Text inside ``\\text{...}`` (nested wrappers too) and whether there was one."""
    text = text.strip().rstrip(".").strip()
    wrapped = False
    while (m := _TEXT_WRAP.match(text)) is not None and "}" not in m.group(1).replace("\\}", ""):
        text, wrapped = m.group(1).strip().rstrip(".").strip(), True
    return text, wrapped


_LEADING_CHOICE = re.compile(r"(?:\\text(?:bf)?\s*\{\s*)?\(\s*([A-E])\s*\)(?=[\s}\\]|$)")


def _choice(text: str) -> tuple[str, bool] | None:
    """A multiple-choice letter: ``(C)``, ``\\text{(C)}``, ``C``, or ``(C) 7`` (a marked choice
    followed by its content); and whether it is marked as one."""
    inner, wrapped = _unwrap(text)
    m = _CHOICE.fullmatch(inner)
    if m is None:
        lead = _LEADING_CHOICE.match(text.strip())
        return (lead.group(1), True) if lead else None
    return (m.group(1) or m.group(2)), bool(wrapped or m.group(1))


def _readable(text: str) -> bool:
    try:
        parse_answer(text)
        return True
    except ParseError:
        return False


def _worded(text: str) -> tuple[str, bool] | None:
    """An answer in words (``\\text{even}``, ``neither``): lower-case words, and whether it is
    clearly text (wrapped in ``\\text{}`` or not readable as maths)."""
    inner, wrapped = _unwrap(text)
    if not _WORDS.fullmatch(inner) or not re.search(r"[A-Za-z]{3}", inner):
        return None
    words = " ".join(inner.lower().replace("-", " ").split())
    return words, wrapped


def text_verdict(answer: str, reference: str) -> bool | None:
    """True/False when the reference is a multiple-choice letter or words, else None.

    ``\\text{(C)}`` and ``C`` are the same choice; ``\\text{even}`` and ``even`` the same
    word (case and spacing ignored). A bare letter or a word that reads as maths
    (``odd`` is o·d·d) is a choice or a word only when the other side marks it so.
    """
    rc, ac = _choice(reference), _choice(answer)
    if rc and ac and (rc[1] or ac[1]):
        return rc[0] == ac[0]
    if rc and rc[1] and not ac:
        return False
    rw = _worded(reference)
    if rw is None:
        return None
    ref_text = rw[1] or not _readable(reference)
    aw = _worded(answer)
    if aw is None:
        return False if ref_text else None
    if ref_text or aw[1] or not _readable(answer):
        return aw[0] == rw[0]
    return None


def _letters_of(ref: object) -> frozenset[str]:
    """Single-letter variables of the parsed reference: never units in the answer."""
    names: set[str] = set()
    stack = [ref]
    while stack:
        x = stack.pop()
        if isinstance(x, sympy.Basic):
            names.update(s.name for s in x.free_symbols if len(s.name) == 1)
        elif isinstance(x, (Items, Delim)):
            stack.extend(x.items)
        elif isinstance(x, Rel):
            stack.extend(x.terms)
        elif isinstance(x, SetOp):
            stack.extend(x.parts)
        elif isinstance(x, MatrixNode):
            stack.extend(c for r in x.rows for c in r)
    return frozenset(names)


def _verdict(status: str, feedback: str, answer_latex: str | None = None) -> dict:
    return {"status": status, "feedback": feedback, "answer_latex": answer_latex}


def _unreadable(text: str, exc: ParseError) -> str:
    if not text.strip():
        return "I could not find an answer to check. Type your final answer, for example 3/4 or x = 2."
    where = ""
    if 0 <= exc.pos < len(text):
        where = f" near “{_safe(text[exc.pos : exc.pos + 12])}”"
    return (
        f"I could not read your answer{where}: {_safe(str(exc), 80)}. Use plain maths such as 2x + 1, sqrt(3), "
        f"3/4 or x = 2."
    )


# -- judging ---------------------------------------------------------------------
def judge(node: object, ref: object) -> tuple[bool, str]:
    """(correct, feedback) for a parsed answer against a parsed reference."""
    node, ref = collapse_chain(node), collapse_chain(ref)
    if as_matrix(ref) is not None:
        return _judge_matrix(node, as_matrix(ref))
    if is_setlike(ref):
        return _judge_set(node, ref)
    ref_points = as_points(ref)
    if ref_points is not None:
        return _judge_points(node, ref, ref_points)
    if (isinstance(ref, Delim) and ref.open in "([") or _tuple_assignment(ref) is not None:
        return _judge_point(node, ref)
    rp = as_point(ref) if isinstance(ref, Items) else None
    if rp is not None and rp.names and len({_stem(n) if isinstance(n, sympy.Symbol) else n for n in rp.names}) > 1:
        return _judge_point(node, ref)
    labelled = named_value(ref)
    if labelled is not None and not isinstance(labelled[0], sympy.Symbol) and as_equation(node) is None:
        return _judge_values(node, labelled[1])
    return _judge_values(node, ref)


def collapse_chain(node: object) -> object:
    """``\\log_6 216 = 3`` is 3 and ``x = 5 + 6 = 11`` is x = 11 when every link is true;
    a chain with a false link (``x = 5 + 5 + 1 = 7 = 11``) is left as it is (and fails)."""
    if not (isinstance(node, Rel) and set(node.ops) == {"="} and all(isinstance(t, sympy.Expr) for t in node.terms)):
        return node
    terms = list(node.terms)
    head = [] if not terms[0].free_symbols else [terms.pop(0)]
    if len(terms) < 2 or any(t.free_symbols - {PCT, DEG} for t in terms) or any(PM in t.free_symbols for t in terms):
        return node
    values = [to_num(t) for t in terms]
    if not all(num_equal(v, values[-1]) or num_equal(values[-1], v) for v in values[:-1]):
        return node
    if head:
        return Rel((head[0], terms[-1]), ("=",))
    return terms[-1]


def num_equal(a: Num, b: Num) -> str | None:
    """'exact' or 'approx' when answer value a equals reference value b, else None."""
    for ra in a.readings:
        for rb in b.readings:
            if cmp.values_equal(ra, rb):
                return "exact"
    for ra in a.readings:
        for rb in b.readings:
            if a.sigfigs and cmp.rounds_to(rb, ra, a.sigfigs):
                return "approx"
            if b.sigfigs and not a.sigfigs and cmp.rounds_to(ra, rb, b.sigfigs):
                return "exact"
    return None


def _judge_values(node: object, ref: object) -> tuple[bool, str]:
    ref_eq, ans_eq = as_equation(ref), as_equation(node)
    ref_as, ans_as = _assignment(ref), _assignment(node)
    ref_sols = as_solutions(ref)
    if ref_eq and ans_eq and not (ref_as and ans_as and ref_as[0] == ans_as[0]):
        if cmp.proportional(ans_eq.lhs - ans_eq.rhs, ref_eq.lhs - ref_eq.rhs):
            return True, "Correct."
        return False, "This equation is not equivalent to the expected one."
    if ref_sols is None:
        return False, "The answer should be an equation."
    sols = as_solutions(node)
    if sols is None:
        if ans_eq is not None:
            return False, "Solve the equation: give the value(s) of the variable, for example x = 2."
        if is_setlike(node):
            return False, "The answer should be specific value(s), not an interval or inequality."
        return False, "The answer should be a single value or a list of values."
    return _match_values(sols.values, ref_sols.values)


def _match_values(answers: list[Num], refs: list[Num]) -> tuple[bool, str]:
    matched: dict[int, int] = {}
    kinds: list[str] = []
    extras: list[Num] = []
    for a in answers:
        hit = None
        for j, r in enumerate(refs):
            kind = num_equal(a, r)
            if kind:
                hit = (j, kind)
                if j not in matched:
                    break
        if hit is None:
            extras.append(a)
        elif hit[0] not in matched:
            matched[hit[0]] = 1
            kinds.append(hit[1])
    missing = len(refs) - len(matched)
    if not extras and not missing:
        if "approx" in kinds:
            exact = ", ".join(f"${expr_latex(r.expr)}$" for r in refs)
            return True, f"Correct — the exact form is {exact}."
        return True, "Correct."
    if len(refs) == 1 and len(answers) > 1 and not missing:
        return False, "Give a single answer: listing several values, of which only one is right, counts as wrong."
    if len(refs) == 1 and len(answers) == 1:
        return False, _scalar_hint(answers[0], refs[0])
    parts = []
    if extras:
        listed = ", ".join(f"${expr_latex(e.shown)}$" for e in extras[:4])
        parts.append(
            f"{listed} {'is' if len(extras) == 1 else 'are'} not {'a solution' if len(extras) == 1 else 'solutions'}."
        )
    if missing:
        parts.append(f"{missing} solution{'s are' if missing > 1 else ' is'} missing.")
    if not answers:
        parts = [
            f"There {'is' if len(refs) == 1 else 'are'} {len(refs)} solution{'s' if len(refs) > 1 else ''}; check "
            f"again."
        ]
    return False, " ".join(parts)


def _scalar_hint(a: Num, r: Num) -> str:
    """Feedback for one wrong value, without giving the right one away."""
    exact_number = not r.expr.free_symbols and not a.expr.free_symbols
    if a.sigfigs and exact_number and cmp.rounds_to(r.expr, a.expr, a.sigfigs, min_sigfigs=1):
        if a.sigfigs < cmp.MIN_SIGFIGS:
            return "Close, but not precise enough: give the exact value or at least 3 significant figures."
        return "Close, but give the exact value (this one has an exact decimal form)."
    if a.sigfigs and exact_number and cmp.rounds_to(r.expr, a.expr, a.sigfigs - 1, min_sigfigs=1):
        return "Close, but the rounding is off: check the last digit, or give the exact value."
    if exact_number:
        note = cmp.magnitude_note(a.expr, r.expr)
        return f"Not quite. {note}" if note else "Not quite; check your working."
    if a.expr.free_symbols != r.expr.free_symbols:
        return "Not quite: check which variables your answer uses."
    if cmp.values_equal(a.expr, -r.expr):
        return "Not quite. Check the sign."
    return "Not quite; check your working."


_INTERVAL_BRACKETS = {"()", "[]", "(]", "[)"}


def _points_equal(a: Point, r: Point) -> bool:
    if len(a.coords) != len(r.coords):
        return False
    if a.brackets != r.brackets and {a.brackets, r.brackets} <= _INTERVAL_BRACKETS and _increasing(r):
        return False  # (0, 1) and [0, 1] in a list could be intervals: not the same
    if a.names and r.names and set(a.names) == set(r.names):
        order = {n: k for k, n in enumerate(a.names)}
        return all(num_equal(a.coords[order[n]], c) for n, c in zip(r.names, r.coords))
    return all(num_equal(x, y) for x, y in zip(a.coords, r.coords))


def _judge_points(node: object, ref: object, refs: list[Point]) -> tuple[bool, str]:
    """A list of points is a set of solutions: order free, repeats harmless.

    ``(0, 1), (2, 3)`` could also be two intervals: an answer written as a set
    (``(0, 1) ∪ (2, 3)``) is compared as a set.
    """
    if is_setlike(node) and all(_increasing(p) for p in refs) and as_points(node) is None:
        return _judge_set(
            node, Items(ref.items, (",",) * (len(ref.items) - 1)) if isinstance(ref, (Items, Delim)) else ref
        )
    answers = as_points(node)
    if answers is None:
        single = as_point(node)
        answers = [single] if single is not None and len(single.coords) == len(refs[0].coords) else None
    if answers is None:
        return False, f"The answer should be a list of points, like (a, b), (c, d); {len(refs)} are expected."
    extra = sum(not any(_points_equal(a, r) for r in refs) for a in answers)
    missing = sum(not any(_points_equal(a, r) for a in answers) for r in refs)
    if not extra and not missing:
        return True, "Correct."
    parts = []
    if extra:
        parts.append(
            f"{extra} of your points {'is' if extra == 1 else 'are'} not {'a solution' if extra == 1 else 'solutions'}."
        )
    if missing:
        parts.append(f"{missing} solution{'s are' if missing > 1 else ' is'} missing.")
    return False, " ".join(parts)


def _judge_point(node: object, ref: object) -> tuple[bool, str]:
    rp = as_point(ref)
    assert rp is not None, "judged as a point, but the reference does not read as one"
    could_be_interval = isinstance(ref, Delim) and len(ref.items) == 2 and _increasing(rp)
    if (
        could_be_interval
        and isinstance(ref, Delim)  # (so too for the type checker)
        and (is_setlike(node) or (isinstance(node, Delim) and node.open + node.close != ref.open + ref.close))
    ):
        return _judge_set(node, ref)
    ap = as_point(node)
    if ap is None:
        return False, f"The answer should be a point or list of {len(rp.coords)} coordinates, like (a, b)."
    if len(ap.coords) != len(rp.coords):
        return False, f"Your answer has {len(ap.coords)} coordinates; it should have {len(rp.coords)}."
    if _points_equal(ap, rp):
        return True, "Correct."
    equal = [num_equal(a, r) for a, r in zip(ap.coords, rp.coords)]
    if len(ap.coords) > 1 and all(num_equal(a, r) for a, r in zip(ap.coords, reversed(rp.coords))):
        return False, "The coordinates are in the wrong order."
    wrong = [str(i + 1) for i, e in enumerate(equal) if not e]
    which = "coordinate " + wrong[0] if len(wrong) == 1 else "coordinates " + ", ".join(wrong)
    return False, f"Not quite: {which} {'is' if len(wrong) == 1 else 'are'} wrong."


def _increasing(p: Point | None) -> bool:
    if p is None or len(p.coords) != 2:
        return False
    a, b = (cmp.numeric(c.expr, 20) for c in p.coords)
    return a is not None and b is not None and a.imag == 0 and b.imag == 0 and a.real < b.real


_FLIP = {">": "<", ">=": "<="}


def _links(rel: object) -> list[tuple[str, sympy.Expr]] | None:
    """A chain of inequalities as links ``f > 0`` / ``f >= 0`` / ``f != 0`` (f = right - left)."""
    if not (isinstance(rel, Rel) and all(isinstance(t, sympy.Expr) for t in rel.terms)):
        return None
    if not set(rel.ops) <= {"<", "<=", ">", ">=", "!="}:
        return None
    terms = [to_num(t).expr for t in rel.terms]
    out = []
    for (a, b), op in zip(itertools.pairwise(terms), rel.ops):
        if op in _FLIP:
            a, b, op = b, a, _FLIP[op]
        out.append((op, sympy.Add(b, -a)))
    return out


def _relations_equal(a: list, r: list) -> bool:
    if len(a) != len(r):
        return False
    for order in (a, a[::-1]):
        if all(
            x[0] == y[0] and (cmp.proportional(x[1], y[1]) if x[0] == "!=" else cmp.positive_multiple(x[1], y[1]))
            for x, y in zip(order, r)
        ):
            return True
    return False


def _judge_relation(node: object, ref: object) -> tuple[bool, str]:
    """Inequalities in several letters (``a < b``) compared as relations: ``b > a`` is the same,
    ``2a < 2b`` too (a positive multiple), ``a <= b`` is not."""
    rl, al = _links(ref), _links(node)
    if rl is None:
        raise ParseError("the reference set could not be read")
    if al is None:
        return False, "The answer should be an inequality."
    if _relations_equal(al, rl):
        return True, "Correct."
    return False, "This inequality is not equivalent to the expected one."


def _judge_set(node: object, ref: object) -> tuple[bool, str]:
    rs = as_realset(ref)
    if rs is None:
        return _judge_relation(node, ref)
    ans = as_realset(node)
    if ans is None:
        return False, "The answer should be an interval, an inequality or a set of values."
    a, r = ans.value, rs.value
    if sets_equal(a, r):
        return True, "Correct."
    return False, _set_hint(a, r)


def sets_equal(a: sympy.Set, b: sympy.Set) -> bool:
    if a == b:
        return True
    try:
        with cmp.budget(cmp.SYMBOLIC_BUDGET * 2):
            return sympy.Complement(a, b) is sympy.S.EmptySet and sympy.Complement(b, a) is sympy.S.EmptySet
    except cmp.OutOfBudget:
        return False


def _set_hint(a: sympy.Set, r: sympy.Set) -> str:
    if r is sympy.S.EmptySet:
        return "Not quite: check whether there are any solutions at all."
    try:
        ends_a, ends_r = a.boundary, r.boundary
        if ends_a == ends_r and isinstance(ends_r, sympy.FiniteSet):
            for p in ends_r:
                if r.contains(p) is sympy.true and a.contains(p) is sympy.false:
                    return f"Almost: the endpoint ${expr_latex(p)}$ should be included."
                if r.contains(p) is sympy.false and a.contains(p) is sympy.true:
                    return f"Almost: the endpoint ${expr_latex(p)}$ should not be included."
            return "The endpoints are right but the set is not; check the direction of the inequality."
    except (TypeError, ValueError, NotImplementedError):
        pass
    return "Not quite: check the endpoints of the interval(s)."


def _judge_matrix(node: object, ref: sympy.ImmutableMatrix) -> tuple[bool, str]:
    m = as_matrix(node)
    if m is None:
        return False, "The answer should be a matrix, for example [[1, 2], [3, 4]]."
    if m.shape != ref.shape:
        return False, f"The matrix should be {ref.shape[0]}×{ref.shape[1]}."
    wrong = sum(not cmp.values_equal(x, y) for x, y in zip(m, ref))
    if not wrong:
        return True, "Correct."
    return False, f"Not quite: {wrong} entr{'y is' if wrong == 1 else 'ies are'} wrong."
