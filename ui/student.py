"""The student page: adapts ``TutorService`` to Gradio components; no tutoring logic here."""

from __future__ import annotations

import secrets

import gradio as gr

from tutor.math_markdown import final_answer_markdown, prepare_markdown
from tutor.service import ReplyView, TutorService

LATEX = [
    {"left": "\\[", "right": "\\]", "display": True},
    {"left": "\\(", "right": "\\)", "display": False},
]
"""Bracket delimiters only: Gradio finds ``$`` math with a regex blind to ``\\$``, so prices
("costs $5 and $7") would turn into math. ``prepare_markdown`` writes all math this way."""
CSS = """
#final-answer { border: 2px solid #16a34a; border-radius: 8px; padding: 0.25rem 1rem; background: #f0fdf4; }
.notice { color: #b45309; }
"""


def _token(state: dict | None) -> str | None:
    return (state or {}).get("token")


def _history_choices(service: TutorService, token: str | None) -> list[tuple[str, int]]:
    if not token:
        return []
    return [(f"{s.updated_at:%d %b %H:%M} · {s.title}", s.id) for s in service.history(token)]


def _markdown(text: str, streaming: bool) -> str:
    return prepare_markdown(text, streaming=streaming, delimiters="brackets")


def _render(view: ReplyView, streaming: bool, thinking_box=None) -> tuple:
    """Component values for a reply; ``thinking_box`` overrides the accordion update."""
    final = "**Final answer**\n" + final_answer_markdown(view.final_answer, delimiters="brackets") if view.final_answer else ""
    if thinking_box is None:
        thinking_box = gr.Accordion(visible=bool(view.reasoning), open=view.thinking or not view.solution)
    return (
        thinking_box,
        _markdown(view.reasoning, streaming),
        _markdown(view.solution, streaming),
        gr.Markdown(final, visible=bool(final)),
        view.notice or "",
    )


def build(service: TutorService, browser_secret: str) -> gr.Blocks:
    with gr.Blocks(title="Math tutor") as page:
        identity = gr.BrowserState({}, storage_key="math-tutor-identity", secret=browser_secret)
        session_id = gr.State(None)
        message_id = gr.State(None)

        gr.Markdown("# Math tutor\nAsk a maths question and watch the solution being worked out step by step.")
        with gr.Row():
            # Disabled until the page load has given this browser its identity, so nothing is asked anonymously.
            question = gr.Textbox(label="Question", placeholder="e.g. Solve 3x^2 + 4x + 5 = 1", lines=1, max_lines=6, scale=5, interactive=False)
            with gr.Column(scale=1, min_width=120):
                solve = gr.Button("Solve", variant="primary", interactive=False)
                stop = gr.Button("Stop", variant="stop", visible=False)
        notice = gr.Markdown(elem_classes="notice")
        with gr.Accordion("Thinking", open=True, visible=False) as thinking_box:
            reasoning = gr.Markdown(latex_delimiters=LATEX, elem_id="reasoning")
        solution = gr.Markdown(latex_delimiters=LATEX, elem_id="solution")
        final = gr.Markdown(latex_delimiters=LATEX, elem_id="final-answer", visible=False)
        with gr.Row():
            answer = gr.Textbox(label="Your answer", placeholder="e.g. x = 2", scale=5)
            check = gr.Button("Check answer", scale=1)
        entered = gr.Markdown(latex_delimiters=LATEX, elem_id="entered")
        verdict = gr.Markdown(latex_delimiters=LATEX, elem_id="verdict")
        with gr.Row():
            history = gr.Dropdown(label="Your sessions", choices=[], value=None, scale=5)
            new_session = gr.Button("New session", scale=1)

        reply_outputs = [thinking_box, reasoning, solution, final, notice]

        def on_load(state: dict | None):
            state = dict(state or {})
            if not _token(state):
                state["token"] = secrets.token_urlsafe(24)
            ready = (gr.Textbox(interactive=True), gr.Button(interactive=True))
            return state, gr.Dropdown(choices=_history_choices(service, state["token"]), value=None), *ready

        def on_solve(text: str, state: dict | None, current_session: int | None):
            token = _token(state)
            if not token:
                yield gr.update(), gr.update(), gr.update(), gr.update(), "Your page is still loading; please try again.", gr.update(), gr.update(), current_session, None, ""
                return
            busy = (gr.Button(visible=False), gr.Button(visible=True))
            shown = None  # (visible, open) of the Thinking block: sent only when it changes,
            # so a student who opens it again after the solution starts is not overruled
            for view in service.ask(token, text, current_session):
                if view.status == "refused":
                    yield *(gr.update(),) * 4, view.notice, gr.update(), gr.update(), current_session, gr.update(), gr.update()
                    return
                done = view.status != "generating"
                buttons = (gr.Button(visible=True), gr.Button(visible=False)) if done else busy
                state = (bool(view.reasoning), view.thinking or not view.solution)
                box = gr.update() if state == shown else gr.Accordion(visible=state[0], open=state[1])
                shown = state
                yield *_render(view, not done, box), *buttons, view.session_id, view.message_id, ""

        def on_stop(state: dict | None):
            if _token(state):
                service.stop(_token(state))

        def on_check(text: str, state: dict | None, current_message: int | None):
            token = _token(state)
            if not token:
                return "Your page is still loading; please try again."
            return service.check(token, current_message, text).message

        def on_preview(text: str):
            latex = service.preview(text)
            if latex is None:
                return "I can't read that yet." if text.strip() else ""
            return "You entered: " + _markdown(f"\\({latex}\\)", False)

        def on_pick(picked: int | None, state: dict | None):
            token = _token(state)
            detail = service.session(token, picked) if token and picked else None
            if detail is None:
                return *(gr.update(),) * 5, None, None, ""
            parts = []
            for msg, attempts in detail.messages:
                parts.append(f"**Question:** {msg.question}\n\n{msg.solution or '_(no reply saved)_'}")
                if msg.status != "complete":
                    parts.append(f"_Reply {msg.status}._")
                for a in attempts:
                    parts.append(f"Your answer `{a.answer}`: {'Correct' if a.correct else 'Not quite'}")
            last = detail.messages[-1][0] if detail.messages else None
            view = ReplyView(reasoning=last.reasoning if last else "", solution="\n\n---\n\n".join(parts), final_answer=last.final_answer if last else None, status="complete")
            return *_render(view, streaming=False), picked, last.id if last else None, ""

        def on_new():
            return *(gr.Accordion(visible=False), "", "", gr.Markdown("", visible=False), ""), None, None, "", gr.Dropdown(value=None)

        page.load(on_load, inputs=identity, outputs=[identity, history, question, solve], queue=False)
        solve_args = dict(
            fn=on_solve,
            inputs=[question, identity, session_id],
            outputs=[*reply_outputs, solve, stop, session_id, message_id, verdict],
            concurrency_limit=None,
            show_progress="hidden",
        )
        refresh = dict(fn=lambda s: gr.Dropdown(choices=_history_choices(service, _token(s))), inputs=identity, outputs=history, queue=False)
        question.submit(**solve_args).then(**refresh)
        solve.click(**solve_args).then(**refresh)
        stop.click(on_stop, inputs=identity, outputs=None, queue=False)
        check.click(on_check, inputs=[answer, identity, message_id], outputs=verdict, concurrency_limit=None)
        answer.submit(on_check, inputs=[answer, identity, message_id], outputs=verdict, concurrency_limit=None)
        answer.change(on_preview, inputs=answer, outputs=entered, trigger_mode="always_last", show_progress="hidden", concurrency_limit=None)
        history.input(on_pick, inputs=[history, identity], outputs=[*reply_outputs, session_id, message_id, verdict])
        new_session.click(on_new, outputs=[*reply_outputs, session_id, message_id, verdict, history], queue=False)
    return page
