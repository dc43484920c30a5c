"""The student page: adapts ``TutorService`` to Gradio components; no tutoring logic here."""

from __future__ import annotations

import html
import secrets

import gradio as gr

from tutor.math_markdown import final_answer_markdown, prepare_markdown
from tutor.modes import GUIDED, MODES, NEXT_HINT
from tutor.practice_service import PracticeService
from tutor.service import ReplyView, TutorService
from ui.practice import build_practice_tab
from ui.uploads import CACHE_LIFETIME
from ui.working import build_working_tab

LATEX = [
    {"left": "\\[", "right": "\\]", "display": True},
    {"left": "\\(", "right": "\\)", "display": False},
]
"""Bracket delimiters only: Gradio finds ``$`` math with a regex blind to ``\\$``, so prices
("costs $5 and $7") would turn into math. ``prepare_markdown`` writes all math this way."""
CSS = """
#final-answer { border: 2px solid #16a34a; border-radius: 8px; padding: 0.25rem 1rem; background: #f0fdf4; }
.notice { color: #b45309; }
#cas-note { font-weight: 600; }
"""


def _token(state: dict | None) -> str | None:
    return (state or {}).get("token")


def _history_choices(service: TutorService, token: str | None) -> list[tuple[str, int]]:
    if not token:
        return []
    return [(f"{s.updated_at:%d %b %H:%M} · {s.title}", s.id) for s in service.history(token)]


def _markdown(text: str, streaming: bool) -> str:
    return prepare_markdown(text, streaming=streaming, delimiters="brackets")


def _final_markdown(view: ReplyView) -> str:
    return "**Final answer**\n" + final_answer_markdown(view.final_answer, delimiters="brackets") if view.final_answer else ""


def _render(view: ReplyView, streaming: bool, thinking_box=None, final_box=None) -> tuple:
    """Component values for a reply; ``thinking_box`` and ``final_box`` override those updates."""
    if final_box is None:
        final = _final_markdown(view)
        final_box = gr.update(value=final, visible=bool(final))
    if thinking_box is None:
        thinking_box = gr.update(visible=bool(view.reasoning), open=view.thinking or not view.solution)
    return (
        thinking_box,
        _markdown(view.reasoning, streaming),
        _markdown(view.solution, streaming),
        final_box,
        view.notice or "",
        _markdown(view.cas_note or "", False),
    )


def _address(request: gr.Request | None) -> str | None:
    return request.client.host if request is not None and request.client else None


def build(service: TutorService, browser_secret: str) -> gr.Blocks:
    practice = PracticeService(service.store)
    with gr.Blocks(title="Math tutor", delete_cache=CACHE_LIFETIME) as page:  # issue 11 row 11
        identity = gr.BrowserState({}, storage_key="math-tutor-identity", secret=browser_secret)
        session_id = gr.State(None)
        message_id = gr.State(None)

        gr.Markdown("# Math tutor\nAsk a maths question and watch the solution being worked out step by step.")
        with gr.Tab("Tutor"):
            with gr.Row():
                # Disabled until the page load has given this browser its identity, so nothing is asked anonymously.
                question = gr.Textbox(label="Question", placeholder="e.g. Solve 3x^2 + 4x + 5 = 1", lines=1, max_lines=6, scale=5, interactive=False)
                with gr.Column(scale=1, min_width=120):
                    solve = gr.Button("Solve", variant="primary", interactive=False)
                    stop = gr.Button("Stop", variant="stop", visible=False)
            mode = gr.Radio(list(MODES), value="Show solution", label="How should the tutor help?", elem_id="mode")
            notice = gr.Markdown(elem_classes="notice")
            with gr.Accordion("Thinking", open=True, visible=False) as thinking_box:
                reasoning = gr.Markdown(latex_delimiters=LATEX, elem_id="reasoning")
            solution = gr.Markdown(latex_delimiters=LATEX, elem_id="solution")
            final = gr.Markdown(latex_delimiters=LATEX, elem_id="final-answer", visible=False)
            cas_note = gr.Markdown(latex_delimiters=LATEX, elem_id="cas-note")
            with gr.Column(visible=False) as guided_row:  # Hint / Coach me only
                next_hint = gr.Button("Next hint", scale=1)
                reveal = gr.Button("Reveal the solution", scale=1)
            with gr.Row():
                answer = gr.Textbox(label="Your answer", placeholder="e.g. x = 2", scale=5)
                check = gr.Button("Check answer", scale=1)
            entered = gr.Markdown(latex_delimiters=LATEX, elem_id="entered")
            verdict = gr.Markdown(latex_delimiters=LATEX, elem_id="verdict")
            with gr.Row():
                history = gr.Dropdown(label="Your sessions", choices=[], value=None, scale=5)
                new_session = gr.Button("New session", scale=1)
        with gr.Tab("Practice"):
            build_practice_tab(practice, identity)
        with gr.Tab("Check my working"):
            build_working_tab(identity)
        with gr.Row():  # joining a class (teacher review); earlier sessions in this browser come along
            your_name = gr.Textbox(label="Your name", max_length=100, scale=2)
            class_code = gr.Textbox(label="Class code", max_length=20, scale=1)
            join = gr.Button("Join class", scale=1)
        joined = gr.Markdown(elem_id="joined")

        reply_outputs = [thinking_box, reasoning, solution, final, notice, cas_note]

        def on_load(state: dict | None):
            state = dict(state or {})
            if not _token(state):
                state["token"] = secrets.token_urlsafe(24)
            ready = (gr.Textbox(interactive=True), gr.Button(interactive=True))
            return state, gr.Dropdown(choices=_history_choices(service, state["token"]), value=None), *ready

        def stream(views, current_session):
            """Component updates for a stream of reply views.

            Gradio builds a whole component for every property update it is sent (~160 us for
            a Button or Markdown, measured), so between the first and last update only values
            change: the buttons get their labels back, the final answer its (unchanged) text.
            Layout blocks (Thinking, the guided row) take updates only."""
            shown = None  # (visible, open) of the Thinking block: sent only when it changes,
            # so a student who opens it again after the solution starts is not overruled
            final_shown = None
            for view in views:
                if view.status == "refused":
                    yield *(gr.update(),) * 4, view.notice, *(gr.update(),) * 4, current_session, gr.update(), gr.update()
                    return
                done = view.status != "generating"
                state = (bool(view.reasoning), view.thinking or not view.solution)
                box = gr.update() if state == shown else gr.update(visible=state[0], open=state[1])
                shown = state
                final = _final_markdown(view)
                if final_shown is None or done:
                    buttons = (gr.update(visible=done), gr.update(visible=not done))
                else:
                    buttons = ("Solve", "Stop")
                final_update = final if final == final_shown else gr.update(value=final, visible=bool(final))
                final_shown = final
                guided = gr.update(visible=view.mode in GUIDED)
                yield *_render(view, not done, box, final_update), *buttons, guided, view.session_id, view.message_id, ""

        def on_solve(text: str, picked_mode: str, state: dict | None, current_session: int | None, request: gr.Request):
            token = _token(state)
            if not token:
                yield *(gr.update(),) * 4, "Your page is still loading; please try again.", *(gr.update(),) * 4, current_session, None, ""
                return
            yield from stream(service.ask(token, text, current_session, MODES.get(picked_mode, "solution"), _address(request)), current_session)

        def on_next_hint(state: dict | None, current_session: int | None, request: gr.Request):
            token = _token(state)
            if token:
                yield from stream(service.ask(token, NEXT_HINT, current_session, "hint", _address(request)), current_session)

        def on_reveal(state: dict | None, current_session: int | None, request: gr.Request):
            token = _token(state)
            if token:
                yield from stream(service.reveal(token, current_session, _address(request)), current_session)

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
            view = service.session_view(token, picked) if token and picked else None
            if view is None:
                return *(gr.update(),) * 6, gr.update(), None, None, ""
            return *_render(view, streaming=False), gr.update(visible=view.mode in GUIDED), view.session_id, view.message_id, ""

        def on_join(name: str, code: str, state: dict | None, request: gr.Request):
            token = _token(state)
            if not token:
                return "Your page is still loading; please try again."
            return html.escape(service.join_class(token, name, code, _address(request)))

        def on_class(state: dict | None):
            token = _token(state)
            name = service.current_class(token) if token else None
            return f"You are in the class {html.escape(name)}." if name else ""

        def on_new():
            cleared = (gr.update(visible=False), "", "", gr.update(value="", visible=False), "", "")
            return *cleared, gr.update(visible=False), None, None, "", gr.Dropdown(value=None)

        private = dict(api_visibility="private")
        page.load(on_load, inputs=identity, outputs=[identity, history, question, solve], queue=False, **private)
        stream_outputs = [*reply_outputs, solve, stop, guided_row, session_id, message_id, verdict]
        streaming = dict(outputs=stream_outputs, concurrency_limit=None, show_progress="hidden")
        refresh = dict(fn=lambda s: gr.Dropdown(choices=_history_choices(service, _token(s))), inputs=identity, outputs=history, queue=False)
        solve_inputs = [question, mode, identity, session_id]
        question.submit(on_solve, inputs=solve_inputs, **streaming, **private).then(**refresh, **private)
        solve.click(on_solve, inputs=solve_inputs, **streaming, api_name="solve").then(**refresh, **private)
        next_hint.click(on_next_hint, inputs=[identity, session_id], **streaming, api_name="next_hint").then(**refresh, **private)
        reveal.click(on_reveal, inputs=[identity, session_id], **streaming, api_name="reveal_solution").then(**refresh, **private)
        stop.click(on_stop, inputs=identity, outputs=None, queue=False, api_name="stop")
        check.click(on_check, inputs=[answer, identity, message_id], outputs=verdict, concurrency_limit=None, api_name="check")
        answer.submit(on_check, inputs=[answer, identity, message_id], outputs=verdict, concurrency_limit=None, **private)
        answer.change(on_preview, inputs=answer, outputs=entered, trigger_mode="always_last", show_progress="hidden", concurrency_limit=None, **private)
        history.input(on_pick, inputs=[history, identity], outputs=[*reply_outputs, guided_row, session_id, message_id, verdict], api_name="open_session")
        gr.Button("Refresh", visible=False).click(**refresh, api_name="history")
        new_session.click(on_new, outputs=[*reply_outputs, guided_row, session_id, message_id, verdict, history], queue=False, **private)
        join.click(on_join, inputs=[your_name, class_code, identity], outputs=joined, api_name="join_class")
        class_code.submit(on_join, inputs=[your_name, class_code, identity], outputs=joined, api_visibility="undocumented")
        page.load(on_class, inputs=identity, outputs=joined, queue=False, api_visibility="undocumented")
    return page
