"""Every function that takes user or model text, fuzzed: no exception escapes, no call overruns.

Bounded (60 examples each, a few seconds overall); the per-module suites hold the deeper
properties. Text strategies mix plain Unicode with the characters parsers care about.
"""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutor.checking import check_answer, parse_preview
from tutor.generation.boxed import last_boxed
from tutor.generation.reply_parser import parse_reply
from ui.math_markdown import final_answer_markdown, prepare_markdown, render_html

SPICY = st.sampled_from(
    [
        *"$\\{}()[]<>^_*=/|&#%!`~\n ",
        "\\boxed{",
        "<think>",
        "</think>",
        "\\(",
        "\\[",
        "$$",
        "\\frac",
        "**",
        "9^9^9",
        "<script>",
    ]
)
TEXT = st.lists(st.one_of(st.text(max_size=20), SPICY), max_size=40).map("".join)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def bounded(fn, *args, limit: float = 3.0, **kwargs):
    start = time.monotonic()
    result = fn(*args, **kwargs)
    assert time.monotonic() - start < limit, fn.__name__
    return result


@FUZZ
@given(TEXT)
def test_rendering_and_parsing_model_output(text):
    parsed = bounded(parse_reply, text, limit=1)
    bounded(last_boxed, text, limit=1)
    for streaming in (True, False):
        for delimiters in ("dollars", "brackets"):
            assert isinstance(bounded(prepare_markdown, text, streaming=streaming, delimiters=delimiters, limit=1), str)
    html = bounded(render_html, text, limit=1)
    assert "<script" not in html.lower()
    bounded(final_answer_markdown, parsed.final_answer or text, limit=1)


@FUZZ
@given(TEXT, TEXT)
def test_answer_checking_and_preview(answer, reference):
    verdict = bounded(check_answer, answer, reference, timeout=2.0, limit=2.5)
    assert verdict.status in ("correct", "incorrect", "unparseable", "timeout")
    assert verdict.correct == (verdict.status == "correct")
    bounded(parse_preview, answer, timeout=1.0, limit=1.5)


@FUZZ
@given(TEXT, TEXT)
def test_question_parsing_hint_screen_and_working(question, hint):
    from tutor.checking.cross_check import cas_answer, cross_check, parse_question
    from tutor.checking.hint_screen import screen_hint
    from tutor.checking.step_check.working import first_wrong_step
    from tutor.teaching.safety import screen_question

    bounded(parse_question, question, limit=1)
    bounded(cas_answer, question, timeout=2.0, limit=2.5)
    bounded(cross_check, question, hint, timeout=1.0, limit=3.5)
    screened = bounded(screen_hint, hint, question or "1", timeout=2.0, limit=2.5)
    assert hint.startswith(screened.text.rstrip()) or screened.leaked or screened.text == hint
    bounded(screen_question, question, limit=1)
    report = bounded(first_wrong_step, question + "\n" + hint, timeout=1.0, total_timeout=4.0, limit=5)
    assert report.wrong_index is None or report.wrong_index >= 1


@FUZZ
@given(st.text(max_size=200))
def test_join_codes_and_tokens(text):
    from storage.school import normalise_code

    code = normalise_code(text)
    assert code.isalnum() or code == ""
    assert len(code) <= 12
