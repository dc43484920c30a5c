"""The check itself: parse both sides, read the answer in the reference's shape,
compare, and say something useful. Runs inside a pool worker (see pool.py).

Returns plain dicts (never sympy objects) so results cross the process boundary
cheaply and nothing user-derived is ``str()``-ed on an error path.
"""

from __future__ import annotations

import sympy

from . import compare as cmp
from .display import expr_latex, to_latex
from .latex_parser import parse_latex
from .lexer import ParseError
from .limits import check_cost
from .nodes import Delim, Items, MatrixNode, Rel, SetOp
from .plain_parser import parse_text
from .shapes import (
    Num, Point, _assignment, as_equation, as_matrix, as_point, as_realset, as_solutions, is_setlike,
)
from .text import extract


def parse_answer(text: str) -> object:
    """Parse extracted answer text; the result has passed the cost bounds."""
    try:
        node = parse_text(text)
    except ParseError:
        if "\\" not in text:
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
    cleaned = "".join(ch for ch in text if ch not in "<>&\"`$\\{}")
    return cleaned[:limit] + ("…" if len(cleaned) > limit else "")


def preview(answer: str) -> dict:
    """LaTeX of how ``answer`` is understood, or the reason it is not."""
    try:
        return {"answer_latex": to_latex(parse_answer(extract(answer))), "error": None}
    except ParseError as exc:
        return {"answer_latex": None, "error": str(exc)}


def check(answer: str, reference: str) -> dict:
    """Verdict fields for one answer/reference pair."""
    try:
        ref = parse_answer(extract(reference))
    except ParseError:
        return _verdict("unparseable", "The reference answer could not be read, so this answer was not checked.")
    text = extract(answer)
    try:
        node = parse_answer(text)
    except ParseError as exc:
        return _verdict("unparseable", _unreadable(text, exc))
    shown = to_latex(node)
    try:
        ok, feedback = judge(node, ref)
    except ParseError as exc:
        return _verdict("unparseable", f"I read your answer as ${shown}$ but could not use it: {_safe(str(exc), 80)}.", shown)
    return _verdict("correct" if ok else "incorrect", feedback, shown)


def _verdict(status: str, feedback: str, answer_latex: str | None = None) -> dict:
    return {"status": status, "feedback": feedback, "answer_latex": answer_latex}


def _unreadable(text: str, exc: ParseError) -> str:
    if not text.strip():
        return "I could not find an answer to check. Type your final answer, for example 3/4 or x = 2."
    where = ""
    if 0 <= exc.pos < len(text):
        where = f" near “{_safe(text[exc.pos:exc.pos + 12])}”"
    return f"I could not read your answer{where}: {_safe(str(exc), 80)}. Use plain maths such as 2x + 1, sqrt(3), 3/4 or x = 2."


# -- judging ---------------------------------------------------------------------
def judge(node: object, ref: object) -> tuple[bool, str]:
    """(correct, feedback) for a parsed answer against a parsed reference."""
    if as_matrix(ref) is not None:
        return _judge_matrix(node, as_matrix(ref))
    if is_setlike(ref):
        return _judge_set(node, ref)
    if isinstance(ref, Delim) and ref.open in "([":
        return _judge_point(node, ref)
    if isinstance(ref, Items) and as_point(ref) is not None and as_point(ref).names:
        return _judge_point(node, ref)
    return _judge_values(node, ref)


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
        parts.append(f"{listed} {'is' if len(extras) == 1 else 'are'} not {'a solution' if len(extras) == 1 else 'solutions'}.")
    if missing:
        parts.append(f"{missing} solution{'s are' if missing > 1 else ' is'} missing.")
    if not answers:
        parts = [f"There {'is' if len(refs) == 1 else 'are'} {len(refs)} solution{'s' if len(refs) > 1 else ''}; check again."]
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


def _judge_point(node: object, ref: object) -> tuple[bool, str]:
    rp = as_point(ref)
    could_be_interval = isinstance(ref, Delim) and len(ref.items) == 2 and _increasing(rp)
    if could_be_interval and (is_setlike(node) or (isinstance(node, Delim) and node.open + node.close != ref.open + ref.close)):
        return _judge_set(node, ref)
    ap = as_point(node)
    if ap is None:
        return False, f"The answer should be a point or list of {len(rp.coords)} coordinates, like (a, b)."
    if len(ap.coords) != len(rp.coords):
        return False, f"Your answer has {len(ap.coords)} coordinates; it should have {len(rp.coords)}."
    equal = [num_equal(a, r) for a, r in zip(ap.coords, rp.coords)]
    if all(equal):
        return True, "Correct."
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


def _judge_set(node: object, ref: object) -> tuple[bool, str]:
    rs = as_realset(ref)
    if rs is None:
        raise ParseError("the reference set could not be read")
    ans = as_realset(node)
    if ans is None:
        return False, "The answer should be an interval, an inequality or a set of values."
    a, r = ans.value, rs.value
    if _sets_equal(a, r):
        return True, "Correct."
    return False, _set_hint(a, r)


def _sets_equal(a: sympy.Set, b: sympy.Set) -> bool:
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



