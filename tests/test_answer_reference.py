"""Check answer against computer algebra when the tutor gave no final answer or a different one
(issue 15). Real SQLite, real sympy pool; the scripted backend fixes the tutor's reply."""

from __future__ import annotations

from tutor.backends import GenerationSettings
from tutor.backends.scripted import ScriptedBackend
from tutor.service import TutorService

TOKEN = "student-token-cccccccccccc"
QUESTION = "Solve 2x + 3 = 7"


def ask(store, chunks: list[str], question: str = QUESTION) -> tuple[TutorService, int]:
    svc = TutorService(ScriptedBackend(chunks), store, GenerationSettings(max_new_tokens=64), max_question_chars=200)
    last = list(svc.ask(TOKEN, question))[-1]
    assert last.status == "complete"
    return svc, last.message_id


def test_no_final_answer_is_checked_against_computer_algebra_and_says_so(store):
    svc, message_id = ask(store, ["Subtract 3 and divide by 2."])
    right = svc.check(TOKEN, message_id, "x = 2")
    assert right.verdict.correct and right.message.startswith("Correct")
    assert "computer-algebra answer" in right.message and "no final answer" in right.message
    wrong = svc.check(TOKEN, message_id, "3")
    assert not wrong.verdict.correct and wrong.message.startswith("Not quite")
    attempts = svc.session(TOKEN, svc.history(TOKEN)[0].id).messages[0][1]
    assert [a.correct for a in attempts] == [True, False]


def test_a_tutor_answer_that_differs_loses_to_computer_algebra(store):
    svc, message_id = ask(store, ["So $\\boxed{x = 3}$."])
    assert svc.check(TOKEN, message_id, "2").verdict.correct
    wrong = svc.check(TOKEN, message_id, "x = 3")
    assert not wrong.verdict.correct and "differs from the tutor's" in wrong.message


def test_a_verified_tutor_answer_is_the_reference_with_no_note(store):
    svc, message_id = ask(store, ["So $\\boxed{x = 2}$."])
    result = svc.check(TOKEN, message_id, "x=2")
    assert result.message == "Correct."


def test_a_question_computer_algebra_cannot_settle_keeps_the_tutors_answer(store):
    svc, message_id = ask(store, ["$\\boxed{12}$"], "How many eggs are in a dozen?")
    assert svc.check(TOKEN, message_id, "12").message == "Correct."
    svc2, message_id2 = ask(store, ["Count them."], "How many eggs are in a dozen?")
    assert svc2.check(TOKEN, message_id2, "12").verdict is None


def test_a_follow_up_is_cross_checked_when_it_is_a_whole_question(store):
    svc, first = ask(store, ["So $\\boxed{x = 3}$."])
    assert svc.check(TOKEN, first, "2").verdict.correct  # the first turn: computer algebra wins
    session_id = svc.history(TOKEN)[0].id
    again = list(svc.ask(TOKEN, QUESTION, session_id))[-1]  # the same whole question, asked again
    assert svc.check(TOKEN, again.message_id, "2").verdict.correct  # computer algebra wins again
    assert not svc.check(TOKEN, again.message_id, "3").verdict.correct
    leaning = list(svc.ask(TOKEN, "Why is that?", session_id))[-1]  # not a question algebra reads
    result = svc.check(TOKEN, leaning.message_id, "3")
    assert result.message == "Correct."  # checked against the tutor's answer of that turn


def test_an_antiderivative_is_checked_up_to_a_constant_and_a_form_as_a_form(store):
    svc, message_id = ask(store, ["Use the power rule."], "Integrate 2x")
    assert svc.check(TOKEN, message_id, "x^2 + 5").verdict.correct
    assert not svc.check(TOKEN, message_id, "2x^2").verdict.correct
    svc2, expand_id = ask(store, ["Multiply it out."], "Expand (x+1)^2")
    assert svc2.check(TOKEN, expand_id, "x^2 + 2x + 1").verdict.correct
    assert not svc2.check(TOKEN, expand_id, "(x+1)^2").verdict.correct  # equal, but not expanded
