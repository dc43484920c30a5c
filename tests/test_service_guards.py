"""Issue 11 rows 17 and 9: a class whose teacher forbids worked solutions cannot be bypassed by
asking in Show solution mode; invalid identities cost no budget. Real SQLite, real sympy; scripted model output."""

from __future__ import annotations

from tutor.backends import GenerationSettings
from tutor.backends.scripted import ScriptedBackend
from tutor.service import TutorService

TOKEN = "student-token-dddddddddddd"
REPLY = ["<think>2x = 4 so x = 2</think>", "Subtract 3 from both sides. ", "$\\boxed{x = 2}$"]


def _service(store, allowed: bool) -> TutorService:
    svc = TutorService(ScriptedBackend(REPLY), store, GenerationSettings(max_new_tokens=64))
    teacher = svc.school.add_teacher(username="ms_lee", password="correct horse battery")
    klass = svc.school.create_class(teacher_id=teacher.id, name="Lee 9A")
    svc.school.set_show_solution(code=klass.join_code, allowed=allowed)
    assert svc.join_class(TOKEN, "Ada", klass.join_code).startswith("You joined")
    return svc


def test_show_solution_becomes_a_hint_where_the_class_forbids_solutions(store):
    svc = _service(store, allowed=False)
    views = list(svc.ask(TOKEN, "Solve 2x + 3 = 7", mode="solution"))
    last = views[-1]
    assert last.mode == "hint" and "hints rather than worked solutions" in (last.notice or "")
    assert all(v.final_answer is None and not v.reasoning for v in views)
    assert svc.history(TOKEN)[0].mode == "hint"
    assert not any("reveal" in (v.notice or "").lower() for v in views)


def test_show_solution_stays_where_the_class_allows_it(store):
    svc = _service(store, allowed=True)
    last = list(svc.ask(TOKEN, "Solve 2x + 3 = 7", mode="solution"))[-1]
    assert last.mode == "solution" and last.final_answer == "x = 2" and last.notice is None


def test_a_solved_question_may_still_be_revealed(store):
    svc = _service(store, allowed=False)
    hint = list(svc.ask(TOKEN, "Solve 2x + 3 = 7", mode="hint"))[-1]
    assert svc.check(TOKEN, hint.message_id, "x = 2").verdict.correct
    revealed = list(svc.reveal(TOKEN, hint.session_id))[-1]
    assert revealed.mode == "solution" and revealed.final_answer == "x = 2"


def test_invalid_identities_are_refused_before_the_address_budget_is_charged(store):
    """Issue 11 row 9: 130 requests with invalid tokens from a school's address do not lock it out."""
    svc = TutorService(ScriptedBackend(REPLY), store, GenerationSettings(max_new_tokens=64))
    for i in range(130):
        views = list(svc.ask(f"bad token {i}!", "Solve 2x + 3 = 7", address="10.0.0.1"))
        assert views[-1].status == "refused" and "reload" in views[-1].notice
    assert list(svc.ask(TOKEN, "Solve 2x + 3 = 7", address="10.0.0.1"))[-1].status == "complete"
