"""What a student's answer is checked against: the tutor's final answer, or computer algebra's.

Rule (issue 15): when computer algebra settles the question and the tutor gave no final
answer, or gave one that computer algebra shows to be different, the student is checked
against computer algebra, and the feedback says so. Otherwise (no settlement, the two
agree, or the tutor's answer could not be compared) the tutor's final answer is the
reference, as before.

Every Show-solution turn is cross-checked: a follow-up that is a whole new question ("Solve
x^2 = 9") is settled like a first one, and one that leans on the dialogue ("why divide by 3?")
is not a question computer algebra reads, so it is declined. In Hint / Coach me the stored
reference answer already is computer algebra's wherever it settles the question. Recomputing here
costs one or two pool calls (milliseconds warm, bounded by ``timeout``), and keeps the
verdict the same as the badge the reply showed.
"""

from __future__ import annotations

from dataclasses import dataclass

from tutor.checking import Verdict, check_answer

from .question import CasResult, agrees, cas_answer

CAS_ONLY_NOTE = "The tutor gave no final answer, so this was checked against the computer-algebra answer."
CAS_DIFFERS_NOTE = "This was checked against the computer-algebra answer, which differs from the tutor's."


@dataclass(frozen=True)
class Reference:
    final_answer: str | None
    """The tutor's final answer (used when ``cas`` is None)."""
    cas: CasResult | None = None
    """Set when the student is checked against computer algebra instead."""
    note: str = ""
    """Said to the student after the verdict when ``cas`` is used."""


def reference_for(question: str, final_answer: str | None, *, cross_checked: bool, timeout: float = 2.0) -> Reference:
    """The reference for checking an answer to ``question`` (never raises)."""
    if not cross_checked:
        return Reference(final_answer)
    try:
        result = cas_answer(question, timeout)
    except Exception:  # noqa: BLE001 - computer algebra is optional here
        result = None
    if result is None:
        return Reference(final_answer)
    if not final_answer or not final_answer.strip():
        return Reference(None, result, CAS_ONLY_NOTE)
    try:
        same = agrees(final_answer, result, timeout)
    except Exception:  # noqa: BLE001
        same = None
    if same is False:
        return Reference(final_answer, result, CAS_DIFFERS_NOTE)
    return Reference(final_answer)


def check_against(answer: str, reference: Reference, timeout: float = 2.0) -> Verdict | None:
    """The verdict on ``answer``; None when there is nothing to check against."""
    if reference.cas is None:
        if not reference.final_answer:
            return None
        return check_answer(answer=answer, reference=reference.final_answer, timeout=timeout)
    result = reference.cas
    verdict = check_answer(answer=answer, reference=result.answer_text, timeout=timeout)
    same = agrees(answer, result, timeout)  # integrals up to a constant, forms, alternatives, positive variables
    if same is True:
        return verdict if verdict.correct else Verdict("correct", "Correct.", verdict.answer_latex)
    if same is False:
        return (
            verdict
            if verdict.status == "incorrect"
            else Verdict("incorrect", "Not quite; check your working.", verdict.answer_latex)
        )
    return (
        verdict
        if not verdict.correct
        else Verdict("unparseable", "This answer could not be compared with the computer-algebra answer.")
    )
