"""The Practice tab: adapts ``PracticeService`` to Gradio components; no tutoring logic here.

``build_practice_tab(practice, identity)`` is called inside ``with gr.Tab("Practice"):`` of
the student page; ``identity`` is the page's ``gr.BrowserState`` holding ``{"token": ...}``.
"""

from __future__ import annotations

import re
from typing import Any

import gradio as gr

from tutor.teaching.mastery import MASTERED
from tutor.teaching.practice import TOPIC_NAMES, Problem
from tutor.teaching.practice_service import MasteryLevel, PracticeService, TooFast
from ui.math_markdown import KATEX_DELIMITERS, prepare_markdown

TUTOR_PICKS = "auto"
LOADING = "Your page is still loading; please try again."
BAR_CELLS = 10
MAX_VERDICT_CHARS = 500


def _token(state: dict | None) -> str | None:
    token = (state or {}).get("token") if isinstance(state, dict) else None
    return token if isinstance(token, str) else None


def _markdown(text: str) -> str:
    return prepare_markdown(text, streaming=False, delimiters="brackets")


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$&])")


def plain_markdown(text: str) -> str:
    """``text`` shown as typed: every Markdown/HTML character escaped, one line, bounded.

    The checker's feedback can quote a few characters of the student's answer.
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split())[:MAX_VERDICT_CHARS])


def topic_choices() -> list[tuple[str, str]]:
    return [("Let the tutor pick", TUTOR_PICKS), *((name, topic) for topic, name in PracticeService.topics())]


def problem_markdown(problem: Problem) -> str:
    return _markdown(
        f"**{TOPIC_NAMES[problem.topic]}** · level {problem.difficulty} of 3\n\n{problem.question_markdown}"
    )


def mastery_markdown(levels: list[MasteryLevel]) -> str:
    """A table: each topic with a bar of its mastery, the percentage and the answers behind it."""
    rows = ["**Your mastery**", "", "| Topic | Mastery | Answers |", "| --- | --- | --- |"]
    for level in levels:
        filled = round(level.p_known * BAR_CELLS)
        bar = "█" * filled + "░" * (BAR_CELLS - filled)
        done = " ✓ mastered" if level.p_known >= MASTERED else ""
        rows.append(f"| {level.name} | `{bar}` {level.p_known:.0%}{done} | {level.answers} |")
    return "\n".join(rows)


def build_practice_tab(practice: PracticeService, identity: gr.BrowserState) -> None:
    problem_id = gr.State(None)
    gr.Markdown(
        "Practise a topic, or let the tutor pick the one you most need. "
        "Only your first answer to each problem changes your mastery."
    )
    with gr.Row():
        topic = gr.Dropdown(label="Topic", choices=topic_choices(), value=TUTOR_PICKS, scale=4)
        new = gr.Button("New problem", variant="primary", scale=1)
    problem = gr.Markdown(
        latex_delimiters=KATEX_DELIMITERS, elem_id="practice-problem", elem_classes="card"
    )  # cards, as on the Tutor tab
    with gr.Row():
        answer = gr.Textbox(label="Practice answer", placeholder="e.g. x = 4", max_length=2000, scale=5)
        check = gr.Button("Check practice answer", scale=1)
    verdict = gr.Markdown(latex_delimiters=[], elem_id="practice-verdict", elem_classes="card")
    mastery = gr.Markdown(elem_id="practice-mastery", elem_classes="card")

    def on_mastery(state: dict | None):
        token = _token(state)
        return mastery_markdown(practice.levels(token)) if token else gr.update()

    def on_new(picked: str | None, state: dict | None):
        token = _token(state)
        if not token:
            return gr.update(), None, gr.update(), LOADING
        chosen = picked if picked in TOPIC_NAMES else None
        try:
            p = practice.new_problem(token, chosen)
        except TooFast as exc:
            return gr.update(), gr.update(), gr.update(), plain_markdown(str(exc))
        return problem_markdown(p), p.id, "", ""

    def on_check(text: str, current: str | None, state: dict | None):
        token = _token(state)
        if not token:
            return LOADING, gr.update()
        result = practice.check(token, current, text or "")
        return plain_markdown(result.message), mastery_markdown(practice.levels(token))

    gr.on(triggers=None, fn=on_mastery, inputs=identity, outputs=mastery, queue=False, api_visibility="undocumented")
    new.click(
        on_new, inputs=[topic, identity], outputs=[problem, problem_id, answer, verdict], api_visibility="undocumented"
    )
    check_args: dict[str, Any] = dict(
        fn=on_check,
        inputs=[answer, problem_id, identity],
        outputs=[verdict, mastery],
        concurrency_limit=None,
        api_visibility="undocumented",
    )
    check.click(**check_args)
    answer.submit(**check_args)
