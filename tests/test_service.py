"""The tutoring loop with a real SQLite file and real sympy; scripted model output."""

from __future__ import annotations

import threading

import pytest

from tutor.backends import GenerationSettings
from tutor.backends.scripted import ScriptedBackend
from tutor.service import TutorService

TOKEN = "student-token-aaaaaaaaaaaa"
OTHER = "student-token-bbbbbbbbbbbb"
REPLY = [
    "<think>",
    "Subtract 5, divide by 3.",
    "</think>",
    "\n1. Subtract 5: $3x = 6$.\n",
    "2. Divide by 3: ",
    "$\\boxed{x = 2}$",
]


def service(store, chunks=REPLY, **kw) -> tuple[TutorService, ScriptedBackend]:
    backend = ScriptedBackend(chunks, **kw)
    return TutorService(backend, store, GenerationSettings(max_new_tokens=64), max_question_chars=100), backend


def test_question_is_stored_before_generation_and_reply_once_at_the_end(store):
    svc, _ = service(store)
    views = svc.ask(TOKEN, "Solve 3x + 5 = 11")
    first = next(views)
    saved = store.message_for_student(message_id=first.message_id, student_id=svc.student(TOKEN).id)
    assert saved.question == "Solve 3x + 5 = 11" and saved.status == "generating" and saved.solution == ""
    last = list(views)[-1]
    assert last.status == "complete" and last.final_answer == "x = 2"
    saved = store.message_for_student(message_id=first.message_id, student_id=svc.student(TOKEN).id)
    assert saved.status == "complete"
    assert saved.reasoning == "Subtract 5, divide by 3."
    assert saved.solution.startswith("1. Subtract 5") and saved.final_answer == "x = 2"
    assert saved.model_id == "scripted"


def test_reasoning_streams_first_then_the_solution(store):
    svc, _ = service(store, delay=0.06)
    views = list(svc.ask(TOKEN, "Solve 3x + 5 = 11"))
    assert any(v.thinking and v.reasoning and not v.solution for v in views)
    assert views[-1].solution and not views[-1].thinking


def test_stop_keeps_the_partial_reply_marked_stopped(store):
    svc, backend = service(store, chunks=[f"step {i}. " for i in range(200)], delay=0.02)
    views = svc.ask(TOKEN, "Count slowly")
    first = next(views)
    next(views)
    assert svc.stop(TOKEN)
    last = list(views)[-1]
    assert last.status == "stopped"
    saved = store.message_for_student(message_id=first.message_id, student_id=svc.student(TOKEN).id)
    assert saved.status == "stopped" and saved.solution.startswith("step 0.")
    assert len(saved.solution) < len(" ".join(backend.chunks))
    assert not svc.stop(TOKEN)


def test_closing_the_stream_early_saves_it_as_stopped(store):
    svc, _ = service(store, chunks=[f"w{i} " for i in range(500)], delay=0.01)
    views = svc.ask(TOKEN, "Long one")
    first = next(views)
    next(views)
    views.close()  # the browser went away
    saved = store.message_for_student(message_id=first.message_id, student_id=svc.student(TOKEN).id)
    assert saved.status == "stopped"


def test_a_failing_model_gives_a_message_and_keeps_the_partial_reply(store):
    svc, _ = service(store, fail_after=3)
    views = list(svc.ask(TOKEN, "Solve 3x + 5 = 11"))
    assert views[-1].status == "failed"
    assert "try again" in views[-1].notice
    saved = store.message_for_student(message_id=views[0].message_id, student_id=svc.student(TOKEN).id)
    assert saved.status == "failed" and saved.error and "Subtract 5" in saved.reasoning
    assert list(svc.ask(TOKEN, "Next question"))[-1].status == "failed"  # the service still answers


@pytest.mark.parametrize(
    "question, fragment", [("", "type a question"), ("   \n ", "type a question"), ("x" * 101, "too long")]
)
def test_empty_and_oversized_questions_make_no_model_call(store, question, fragment):
    svc, backend = service(store)
    views = list(svc.ask(TOKEN, question))
    assert len(views) == 1 and views[0].status == "refused" and fragment in views[0].notice.lower()
    assert backend.seen == [] and svc.history(TOKEN) == []


def test_check_answer_against_the_final_answer_and_store_the_attempt(store):
    svc, _ = service(store)
    message_id = list(svc.ask(TOKEN, "Solve 3x + 5 = 11"))[-1].message_id
    assert svc.check(TOKEN, message_id, "2").message.startswith("Correct")
    wrong = svc.check(TOKEN, message_id, "x = 3")
    assert wrong.message.startswith("Not quite") and not wrong.verdict.correct
    hostile = svc.check(TOKEN, message_id, "__import__('os').system('id')")
    assert hostile.verdict is not None and not hostile.verdict.correct
    detail = svc.session(TOKEN, next(iter(svc.history(TOKEN))).id)
    assert [a.correct for a in detail.messages[0][1]] == [True, False, False]


def test_check_without_a_final_answer_says_so(store):
    svc, _ = service(store, chunks=["I am not sure."])
    message_id = list(svc.ask(TOKEN, "Hmm"))[-1].message_id
    result = svc.check(TOKEN, message_id, "4")
    assert result.verdict is None and "no final answer" in result.message


def test_another_student_cannot_check_or_read_my_session(store):
    svc, _ = service(store)
    last = list(svc.ask(TOKEN, "Solve 3x + 5 = 11"))[-1]
    assert svc.session(OTHER, last.session_id) is None
    assert svc.check(OTHER, last.message_id, "2").verdict is None
    assert svc.history(OTHER) == []


def test_follow_up_questions_carry_the_session_context(store):
    svc, backend = service(store)
    first = list(svc.ask(TOKEN, "Solve 3x + 5 = 11"))[-1]
    list(svc.ask(TOKEN, "Why divide?", first.session_id))
    sent = backend.seen[-1]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert sent[-3]["content"] == "Solve 3x + 5 = 11"
    assert len(svc.history(TOKEN)) == 1


def test_students_stop_only_their_own_reply(store):
    svc, _ = service(store, chunks=[f"w{i} " for i in range(300)], delay=0.01)
    mine, theirs = svc.ask(TOKEN, "Mine"), svc.ask(OTHER, "Theirs")
    next(mine), next(mine), next(theirs), next(theirs)
    results = {}
    t = threading.Thread(target=lambda: results.setdefault("theirs", list(theirs)[-1].status))
    t.start()
    svc.stop(TOKEN)
    assert list(mine)[-1].status == "stopped"
    t.join(10)
    assert results["theirs"] == "complete"
