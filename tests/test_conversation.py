"""Conversations without a browser: what a reload shows, Reveal without a second model call,
a reply cut by the token limit. Scripted model output, real sympy, real SQLite; the cut-short
signal also from the real demo model."""

from __future__ import annotations

from tutor.backends import GenerationSettings
from tutor.backends.scripted import ScriptedBackend
from tutor.service import TutorService
from tutor.teaching.modes import NEXT_HINT, REVEAL

TOKEN = "conversation-token-aaaaaa"
WORKED = ["<think>private</think>", "Subtract 5, then divide by 3.\n", "So x = 2.\n\n", "\\boxed{x = 2}"]
"""A solution the guided mode works out privately (the question is one algebra cannot read)."""
WORDS = "A farmer has 3 more sheep than cows and 11 animals with 5 cows missing. How many cows?"


def test_reveal_shows_the_privately_worked_solution_without_a_model_call(store):
    backend = ScriptedBackend(WORKED)
    svc = TutorService(backend, store, GenerationSettings(), worked_example=False)
    hint = list(svc.ask(TOKEN, WORDS, mode="hint"))[-1]
    calls = len(backend.seen)
    assert calls == 2  # the private solution, then the hint
    revealed = list(svc.reveal(TOKEN, hint.session_id))
    assert len(backend.seen) == calls  # no model call
    assert revealed[-1].status == "complete" and "Subtract 5" in revealed[-1].solution
    assert revealed[-1].final_answer == "x = 2" and revealed[-1].session_id == hint.session_id
    list(svc.reveal(TOKEN, hint.session_id))  # again: still no call
    assert len(backend.seen) == calls

    shown = svc.conversation(TOKEN)  # what a reload shows
    assert [t.question for t in shown.turns] == [WORDS, REVEAL, REVEAL]
    assert shown.turns[0].reply.final_answer is None and shown.turns[0].reply.reasoning == ""  # the hint hides it
    assert shown.turns[1].reply.final_answer == "x = 2" and "Subtract 5" in shown.turns[1].reply.solution
    assert not shown.guided_open  # Next hint / Reveal no longer offered


def test_reveal_where_algebra_settled_the_question_generates_once_then_reuses_it(store):
    backend = ScriptedBackend(["Subtract 5, divide by 3.\n", "\\boxed{x = 2}"])
    svc = TutorService(backend, store, GenerationSettings(), worked_example=False)
    hint = list(svc.ask(TOKEN, "Solve 3x + 5 = 11", mode="hint"))[-1]
    assert len(backend.seen) == 1  # algebra settled it: nothing worked out privately
    first = list(svc.reveal(TOKEN, hint.session_id))[-1]
    assert (
        len(backend.seen) == 2 and first.final_answer == "x = 2" and first.cas_note == "Verified by computer algebra."
    )
    again = list(svc.reveal(TOKEN, hint.session_id))[-1]
    assert len(backend.seen) == 2 and again.solution == first.solution
    assert [t.question for t in svc.conversation(TOKEN).turns] == ["Solve 3x + 5 = 11", REVEAL, REVEAL]


def test_a_reload_shows_every_turn_and_check_of_the_latest_conversation(store):
    svc = TutorService(
        ScriptedBackend(["<think>think</think>", "Divide.\n", "\\boxed{x = 2}"]), store, GenerationSettings()
    )
    first = list(svc.ask(TOKEN, "Solve 3x + 5 = 11"))[-1]
    svc.check(TOKEN, first.message_id, "x = 3")
    svc.check(TOKEN, first.message_id, "x = 2")
    list(svc.ask(TOKEN, "Why divide?", first.session_id))
    list(svc.ask(TOKEN, "Solve 2x = 4", mode="hint"))  # a newer conversation
    store.start_session(
        student_id=store.find_student(TOKEN).id, title="Practice: linear equations", mode="practice"
    )  # the Practice tab's
    assert [s.mode for s in svc.history(TOKEN)] == ["hint", "solution"]  # practice is not listed among conversations

    older = svc.conversation(TOKEN, first.session_id)
    assert [t.question for t in older.turns] == ["Solve 3x + 5 = 11", "Why divide?"]
    assert [a.verdict.split()[0].rstrip(".!") for a in older.turns[0].attempts] == ["Not", "Correct"]
    assert older.turns[0].reply.reasoning == "think" and older.turns[0].reply.final_answer == "x = 2"
    assert older.turns[0].reply.cas_note == "Verified by computer algebra."  # worked out again on opening
    assert svc.conversation(TOKEN).mode == "hint"  # the latest
    assert svc.conversation("someone-else-aaaaaaaaaaa", first.session_id) is None


def test_a_reply_cut_by_the_token_limit_is_stored_and_shown_as_cut(store):
    svc = TutorService(ScriptedBackend(["We get ", "$\\boxed{x = 3"], cut_short=True), store, GenerationSettings())
    last = list(svc.ask(TOKEN, "Solve x + 1 = 4"))[-1]
    assert last.status == "cut"
    assert svc.conversation(TOKEN).turns[0].reply.status == "cut"
    said = svc.check(TOKEN, last.message_id, "x = 3")
    assert said.verdict is not None and said.verdict.correct  # computer algebra's answer is the reference


def test_next_hint_turns_are_kept_as_the_dialogue(store):
    svc = TutorService(ScriptedBackend(["Think about what undoes adding 5."]), store, GenerationSettings())
    first = list(svc.ask(TOKEN, "Solve 3x + 5 = 11", mode="coach"))[-1]
    list(svc.ask(TOKEN, "I subtract 5", first.session_id, "coach"))
    list(svc.ask(TOKEN, NEXT_HINT, first.session_id, "hint"))  # another mode: a new conversation
    turns = svc.conversation(TOKEN, first.session_id).turns
    assert [t.question for t in turns] == ["Solve 3x + 5 = 11", "I subtract 5"]
    assert all(t.reply.final_answer is None for t in turns)


def test_the_real_model_reports_a_reply_cut_by_the_token_limit(demo_backend):
    short = demo_backend.stream(
        [{"role": "user", "content": "Count from one to fifty in words."}],
        GenerationSettings(max_new_tokens=8, temperature=0),
    )
    assert "".join(short) and short.cut_short
    full = demo_backend.stream(
        [{"role": "user", "content": "Say yes."}], GenerationSettings(max_new_tokens=200, temperature=0)
    )
    assert "".join(full) and not full.cut_short


def test_one_write_before_the_model_sees_a_question_and_none_to_read_it_back(store):
    """README/service docstring: the question and its new session in one write; a reload's
    reads (the list, the conversation) write nothing."""
    from sqlalchemy import event

    writes = []
    event.listen(
        store.engine,
        "begin",
        lambda c: writes.append(1) if c.get_execution_options().get("tutor_begin_immediate") else None,
    )

    class Counting(ScriptedBackend):
        def execute(self, messages, settings, emit, cancelled):
            self.writes_before = len(writes)
            return super().execute(messages, settings, emit, cancelled)

    backend = Counting(["\\boxed{x = 2}"])
    svc = TutorService(backend, store, GenerationSettings())
    svc.student(TOKEN)  # the student row exists already (first use writes it)
    start = len(writes)
    list(svc.ask(TOKEN, "Solve 3x + 5 = 11"))
    assert backend.writes_before - start == 1
    after = len(writes)
    svc.history(TOKEN), svc.conversation(TOKEN)
    assert len(writes) == after


def test_a_hint_keeps_its_private_work_apart_and_the_teacher_sees_it(store):
    """Hint / Coach me store the privately worked solution and its answer in their own columns
    (``hidden_solution``, ``reference_answer``), never where a reload would show them; the
    teacher's transcript shows both, marked as not shown to the student."""
    from ui import teacher_view

    svc = TutorService(ScriptedBackend(WORKED), store, GenerationSettings(), worked_example=False)
    hint = list(svc.ask(TOKEN, WORDS, mode="hint"))[-1]
    student = svc.student(TOKEN)
    saved = store.message_for_student(message_id=hint.message_id, student_id=student.id)
    assert (saved.reasoning, saved.final_answer) == ("", None)
    assert "Subtract 5" in saved.hidden_solution and saved.reference_answer == "x = 2"
    assert saved.checked_against == "x = 2" and svc.check(TOKEN, hint.message_id, "2").message.startswith("Correct")

    school = svc.school
    teacher = school.add_teacher(username="ms_lee", password="correct horse battery")
    klass = school.create_class(teacher_id=teacher.id, name="Year 9")
    school.join_class(student_id=student.id, name="Ada", code=klass.join_code)
    html = teacher_view.transcript_html(school.transcript(teacher_id=teacher.id, session_id=hint.session_id))
    assert "Worked out privately" in html and "Subtract 5" in html and "x = 2" in html


def test_a_follow_up_that_is_a_new_question_is_cross_checked_and_one_that_leans_on_the_dialogue_is_not(store):
    """Every Show-solution turn gets the badge computer algebra can give: live, on reopening, and
    as Check answer's reference (the scripted tutor is wrong about the follow-up: x^2 = 9 has two roots)."""
    backend = ScriptedBackend(["Divide.\n", "\\boxed{x = 2}"])
    svc = TutorService(backend, store, GenerationSettings(), worked_example=False)
    first = list(svc.ask(TOKEN, "Solve 3x + 5 = 11"))[-1]
    backend.chunks = ["Take the root.\n", "\\boxed{x = 3}"]
    follow = list(svc.ask(TOKEN, "Solve x^2 = 9", first.session_id))[-1]
    backend.chunks = ["Because 3x = 6.\n"]
    why = list(svc.ask(TOKEN, "Why divide by 3?", first.session_id))[-1]
    assert first.cas_note == "Verified by computer algebra."
    assert follow.cas_note and "differs" in follow.cas_note and "-3" in follow.cas_note
    assert why.cas_note is None  # not a question computer algebra reads
    reopened = svc.conversation(TOKEN, first.session_id)
    assert [t.reply.cas_note for t in reopened.turns] == [first.cas_note, follow.cas_note, None]
    checked = svc.check(TOKEN, follow.message_id, "x = 3 or x = -3")
    assert checked.verdict is not None and checked.verdict.correct and "computer-algebra" in checked.message
