"""The computer-algebra cross-check (``tutor.checking.cross_check.cas_answer``) on public textbook exercises.

Data: ``questions_college_math_dev.jsonl`` (college_math, from QwenLM/Qwen2.5-Math:
``question``, official ``answer``, ``subject``). Each question goes to ``cas_answer``;
a settled one is compared with the official answer by ``tutor.checking.cross_check.agrees`` (the
checker's comparison). Outcomes: declined; settled and agreeing; settled but
different (each listed, with a hand judgement); settled but not comparable (the
official answer could not be read, or is of another shape, such as a point set
for one variable).

Hand judgements: every disagreement was looked at by hand. ``OFFICIAL_WRONG``
records the ones where the official answer is wrong (the reason beside it); any
other disagreement counts against the target "0 settled answers that differ from
a correct official answer". Judgements are keyed by row id and are measurement
only: nothing in ``tutor/`` reads them.
"""

from __future__ import annotations

import re
import statistics
import time
from pathlib import Path

from external import Section, read_jsonl

FILE = "questions_college_math_dev.jsonl"
SETTLED_TARGET = 320

OFFICIAL_WRONG: dict[str, str] = {
    "college_math.Beginning_and_Intermediate_Algebra/exercise.9.6.11": (
        "z^3 = 27 gives (-3 ± 3i√3)/2, not (-3 ± i√3)/2 (whose cube is ±3√3·i, not 27)"
    ),
    "college_math.Beginning_and_Intermediate_Algebra/exercise.1.5.28": (
        "writes s for the question's S; with S it is (S - πr²)/(πr) = S/(πr) - r"
    ),
    "college_math.Beginning_and_Intermediate_Algebra/exercise.9.2.21": (
        "3x - 2 = ±32 gives x = 34/3 or -10; -34/3 gives (-104)^(4/5) ≠ 16"
    ),
    "college_math.Beginning_and_Intermediate_Algebra/exercise.1.5.36": (
        "writes v for the question's V; with V it is 3V/(πr²)"
    ),
    "college_math.Beginning_and_Intermediate_Algebra/exercise.0.2.33": "33 · 2 · 3/2 = 99 as the question is written",
    "college_math.PRECALCULUS/exercise.10.7.66": (
        "arccos x = π/3 (arccos ≥ 0) gives x = 1/2; arccos(-1) = π and arccos(0) = π/2 do not solve it"
    ),
    "college_math.PRECALCULUS/exercise.10.7.45": (
        "cos 2x cos x + sin 2x sin x = cos x = 1 gives x = 0 only; the listed π/48, … belong to another exercise"
    ),
    "college_math.PRECALCULUS/exercise.10.7.27": (
        "6sin²x + sin x - 1 = 0: sin x = 1/3 or -1/2, i.e. arcsin(1/3) (= atan(√2/4)), π - arcsin(1/3), 7π/6, "
        "11π/6; "
        "arctan 2 does not solve it"
    ),
    "college_math.PRECALCULUS/exercise.10.7.31": (
        "sec x = 2 csc x is tan x = 2: atan 2 and atan 2 + π; at π/2 sec is undefined, π/6 gives 2/√3 ≠ 4"
    ),
    "college_math.PRECALCULUS/exercise.10.7.35": (
        "cos 2x = -csc²x ≤ -1 forces x = π/2, 3π/2; csc is undefined at 0 and π"
    ),
    "college_math.PRECALCULUS/exercise.10.7.25": (
        "6cos²x + cos x - 1 = 0: cos x = 1/3 or -1/2, i.e. arccos(1/3) (= atan 2√2), 2π - arccos(1/3), 2π/3, 4π/3; "
        "the listed answer is the sin x version"
    ),
    "college_math.PRECALCULUS/exercise.10.7.28": (
        "2tan²x + tan x - 1 = 0: tan x = 1/2 or -1, i.e. atan(1/2), atan(1/2) + π, 3π/4, 7π/4; sec is undefined at π/2"
    ),
    "college_math.PRECALCULUS/exercise.8.2.8": (
        "x = 1, y = 2, z = 0 satisfies all three equations; (-3, 20, 19) gives x + y + z = 36, not 3"
    ),
    "college_math.PRECALCULUS/exercise.3.3.42": "x² = 3 or x² = -5 gives ±√3 only; x = -3/2 gives 81/16 + 9/2 ≠ 15",
    "college_math.Calculus/exercise.3.5.16": (
        "split over two $…$ as '(…) / $ $ 2√(…)': as written it is (…)/2·√(…); the meant (…)/(2√(…)) equals the result"
    ),
    "college_math.Calculus/exercise.8.1.1": (
        "garbled: the exponent reads 10/10 + C; -(1-t)^10/10 + C is meant, equal to the result up to a constant"
    ),
}
"""Row id -> why the official answer is wrong (judged by hand, with the working)."""


NOT_COMPARABLE_NOTES: dict[str, str] = {
    "college_math.PRECALCULUS/exercise.8.2.10": (
        "official says 'Inconsistent', but the determinant is -41 ≠ 0 and (2, -1, 1) solves all three (official wrong)"
    ),
    "college_math.Calculus/exercise.8.4.5": "official is a chain over two $…$; x/2 - sin(2x)/4 + C equals the result",
    "college_math.PRECALCULUS/exercise.6.3.37": (
        "the checker cannot read the official interval chain; (-∞, ln(2/5)/ln(4/5)] is the result"
    ),
}
"""Hand notes on settled answers whose official text the checker cannot read."""

CHECKER_MISREADS: dict[str, str] = {
    "college_math.Calculus/exercise.4.5.4": (
        "official right; the checker reads \\sec^{2} x(1+\\sin x) as sec²(x(1+sin x)) (answer parser, not the "
        "cross-check)"
    ),
}
"""Disagreements where both answers are right and the checker misreads the official text."""


def _official_forms(answer: str) -> list[str]:
    """The official answer, and the same answer out of the book's written-out forms.

    Measurement only (how the official text is read, not how a student's is):
    ``Solution is: $[x=1, y=2]$.`` is the point ``x=1, y=2``; a worked chain
    ``$\\log_2(32)=5$`` or ``$t=\\frac{\\ln 2}{0.1}=10 \\ln 2$`` ends in the answer.
    """
    forms = [answer]
    unwrapped = re.sub(r"\\mathrm\s*\{\s*([A-Za-z]{1,3})\s*\}", r" \1 ", answer)  # \mathrm{cb}: the letters c, b
    if unwrapped != answer:
        forms.append(unwrapped)
    maths = re.findall(r"\$([^$]*)\$", answer)
    if len(maths) > 1 and re.search(r"[/+\-*]\s*$", maths[0]):  # one expression split over two $…$
        forms.append("$" + " ".join(maths) + "$")
    m = re.fullmatch(r"\s*Solution is:\s*\$\s*\[(.*)\]\s*\$\s*\.?\s*", answer, re.S)
    if m:
        forms.append(f"${m.group(1)}$")
    if re.search(
        r":\s*\$?\s*(?:\[|\(|\\left|\\oslash|\\emptyset|\\varnothing|\\mathbb)", answer
    ):  # "No solution : $\\oslash$", "$-2 \\leq n \\leq 4:[-2,4]$": a reading, then its interval form
        plain = answer.replace("$", " ")
        forms += [f"${part.strip()}$" for part in plain.split(":") if part.strip()]
    if maths and "=" in maths[-1]:
        last = maths[-1].split("=")[-1].strip()
        if last:
            forms.append(f"${last}$")
    return forms


def measure(eval_dir: Path) -> Section:
    from tutor.checking import check_answer
    from tutor.checking.cross_check import agrees, cas_answer

    rows = read_jsonl(Path(eval_dir) / FILE)
    ms: list[float] = []
    settled = agree = 0
    differ: list[str] = []
    differ_correct_official = 0
    unreadable: list[str] = []
    unreadable_reference: list[str] = []
    settled_ms: list[float] = []
    for row in rows:
        t0 = time.perf_counter()
        result = cas_answer(row["question"])
        ms.append((time.perf_counter() - t0) * 1000)
        if result is None:
            continue
        settled += 1
        settled_ms.append(ms[-1])
        if not all(check_answer(ref, ref).correct for ref in (result.answer_text, *result.alternatives)):
            unreadable_reference.append(
                f"- {row['id']}: reference {result.answer_text!r} is not read back by check_answer"
            )
        forms = _official_forms(row["answer"])
        if result.kind not in ("equation", "system") and re.search(r"=.*=|\\right[)\]]\s*=", forms[0]):
            forms = forms[1:]  # a worked chain "A = B = C" is no answer to a value question; its end is
        verdicts = [agrees(form, result) for form in forms]
        same = True if True in verdicts else (False if False in verdicts else None)
        q = " ".join(row["question"].split())[:160]
        if same is True:
            agree += 1
        elif same is False:
            why = OFFICIAL_WRONG.get(row["id"])
            if why is None:
                differ_correct_official += 1
                mark = "DIFFERS (official judged right)"
                if row["id"] in CHECKER_MISREADS:
                    mark += ": " + CHECKER_MISREADS[row["id"]]
            else:
                mark = f"official judged WRONG: {why}"
            differ.append(f"- {row['id']}: {q!r} -> cas {result.answer_text!r}, official {row['answer']!r} [{mark}]")
        else:
            unreadable.append(
                f"- {row['id']}: {q!r} -> cas {result.answer_text!r}, official {row['answer']!r} [not comparable"
                + (f": {NOT_COMPARABLE_NOTES[row['id']]}" if row["id"] in NOT_COMPARABLE_NOTES else "")
                + "]"
            )
    section = Section("cross-check (college_math dev)")
    section.rows += [
        ("questions", str(len(rows)), ""),
        ("settled", str(settled), f">= {SETTLED_TARGET}"),
        ("declined", str(len(rows) - settled), ""),
        ("settled, agreeing with official", str(agree), ""),
        ("settled, different from official", str(len(differ)), "each listed"),
        ("  of which official judged correct", str(differ_correct_official), "0"),
        ("settled, official not comparable", str(len(unreadable)), ""),
        ("answer_text not read back by check_answer", str(len(unreadable_reference)), "0"),
        ("p50 latency ms (all questions)", f"{statistics.median(ms):.1f}" if ms else "-", ""),
        ("p50 latency ms (settled)", f"{statistics.median(settled_ms):.1f}" if settled_ms else "-", ""),
    ]
    section.listing = differ + unreadable + unreadable_reference
    return section
