"""The student page: a tutoring conversation (``gr.Chatbot``) with a list of the student's
conversations beside it; adapts ``TutorService`` to Gradio components, no tutoring logic here.

Layout, laptop and phone alike: the conversation, the mode, the Question box with Solve/Stop,
the guided buttons, then Your answer with Check answer; the sidebar (``Your sessions``, New
conversation) is open on a laptop and folded on a phone (Gradio's ``gr.Sidebar``). Escape
closes it (``HEAD``'s script).
"""

from __future__ import annotations

import html
import secrets
from typing import Any

import gradio as gr

from tutor.parts import Parts
from tutor.service import TutorService
from tutor.teaching.conversation import REFUSED, Conversation, MessageStatus
from tutor.teaching.modes import GUIDED, MODES, NEXT_HINT, REVEAL, SessionMode
from ui import student_api
from ui.chat import (
    ChatMessage,
    answer_message,
    conversation_messages,
    markdown,
    reply_messages,
    student_message,
    tutor_text,
)
from ui.math_markdown import KATEX_DELIMITERS
from ui.practice import build_practice_tab
from ui.student_api import LOADING, address_of, token_of
from ui.uploads import CACHE_LIFETIME
from ui.working import build_working_tab

CSS = """
.gradio-container {
  /* Gradio's orange primary (#f97316) under white text is 2.8:1; WCAG AA asks 4.5:1 */
  --button-primary-background-fill: #c2410c;
  --button-primary-background-fill-hover: #9a3412;
  --button-primary-border-color: #c2410c;
  --color-accent: #c2410c;  /* the selected tab's text, the same 2.8:1 */
}
[role="button"].title button.icon-button[disabled] { pointer-events: none; opacity: 1; }
.notice { color: #92400e; }
#conversation { min-height: 320px; }
/* results on every tab look like the tutor's chat bubbles */
.card { background: #f9fafb; border-radius: 12px; padding: 0.5rem 1rem !important; }
@media (max-width: 640px) {
  #conversation { height: 55vh !important; }
  .gradio-container { padding-left: 4px !important; padding-right: 4px !important; }
}
"""
HEAD = """<script>
(() => {
  // Gradio's chatbot sets `dir` on every message's element on every update; Chromium takes
  // each assignment, even of the same value, as a :dir() change of the whole subtree, so every
  // streamed update restyled the whole conversation (bench/bench_page.py: 100-220 ms of style
  // a second, long tasks over 200 ms at 6,000 tokens). Assigning the value it has is a no-op.
  const dir = Object.getOwnPropertyDescriptor(HTMLElement.prototype, "dir");
  Object.defineProperty(HTMLElement.prototype, "dir", {
    configurable: true, enumerable: dir.enumerable, get: dir.get,
    set(value) { if (dir.get.call(this) !== String(value)) dir.set.call(this, value); },
  });
})();
(() => {
  const narrow = () => window.matchMedia("(max-width: 768px)").matches;
  const fold = () => {
    const toggle = document.querySelector(".sidebar.open > button.toggle-button");
    if (toggle) toggle.click();
    return Boolean(toggle);
  };
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && fold()) document.querySelector(".sidebar > button.toggle-button")?.focus();
  });
  document.addEventListener("change", (event) => {
    if (narrow() && event.target.closest && event.target.closest("#history")) fold();
  });
  let folded = !narrow();
  const started = Date.now();
  new MutationObserver(() => {
    if (!folded && document.querySelector(".sidebar.open > button.toggle-button")) {
      folded = true;
      setTimeout(fold, 0);
    } else if (!folded && Date.now() - started > 20000) {
      folded = true;
    }
    // Gradio's Thinking title is a div role=button holding an unnamed icon button: screen
    // readers meet two nested controls (axe: nested-interactive, button-name). The title
    // itself toggles the block, so the inner one is disabled (no longer focusable) and lets
    // clicks through to the title (CSS: pointer-events).
    // The conversation list is a fieldset whose caption is a plain span: name it, so that it
    // is found by its label ("Your sessions") as the radio group it is.
    const list = document.querySelector("#history:not([aria-label])");
    if (list) { list.setAttribute("role", "radiogroup"); list.setAttribute("aria-label", "Your sessions"); }
    for (const inner of document.querySelectorAll('[role="button"].title button.icon-button:not([disabled])')) {
      inner.disabled = true;
      inner.setAttribute("aria-hidden", "true");
    }
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
</script>"""
"""Escape folds the conversation list; on a phone it starts folded and folds again once a
conversation is picked (Gradio's sidebar does neither; its own toggle button is clicked).
Also mends an accessibility fault of Gradio's Thinking block (see the comment)."""
PLACEHOLDER = (
    "Ask a maths question below — for example *Solve 3x² + 4x + 5 = 1* — and watch the solution being worked out."
)


def _history_choices(service: TutorService, token: str | None) -> list[tuple[str, int]]:
    if not token:
        return []
    return [(f"{s.title} · {s.updated_at:%d %b %H:%M}", s.id) for s in service.history(token)]


def _opened(conversation: Conversation | None) -> tuple:
    """Component values for an opened (or no) conversation: chat, guided row, session, message."""
    guided = gr.update(visible=bool(conversation and conversation.guided_open))
    if conversation is None:
        return [], guided, None, None
    return conversation_messages(conversation), guided, conversation.session_id, conversation.message_id


def build(parts: Parts, browser_secret: str) -> gr.Blocks:
    service = parts.tutor
    with gr.Blocks(title="Math tutor", delete_cache=CACHE_LIFETIME) as page:  # issue 11 row 11
        identity = gr.BrowserState({}, storage_key="math-tutor-identity", secret=browser_secret)
        session_id = gr.State(None)
        message_id = gr.State(None)

        with gr.Sidebar(label="Conversations", open=True, elem_id="sidebar"):
            new_session = gr.Button("New conversation", variant="secondary")
            history = gr.Radio(label="Your sessions", choices=[], value=None, elem_id="history")
        gr.Markdown("# Math tutor\nAsk a maths question and watch the solution being worked out step by step.")
        with gr.Tab("Tutor"):
            chat = gr.Chatbot(
                label="Conversation",
                elem_id="conversation",
                height=560,
                latex_delimiters=KATEX_DELIMITERS,
                sanitize_html=True,
                feedback_options=None,
                buttons=["copy"],
                placeholder=PLACEHOLDER,
                autoscroll=True,
            )
            mode = gr.Radio(list(MODES), value="Show solution", label="How should the tutor help?", elem_id="mode")
            notice = gr.Markdown(elem_classes="notice", elem_id="notice")
            with gr.Row(equal_height=True):
                # Disabled until the page load has given this browser its identity, so nothing is asked anonymously.
                question = gr.Textbox(
                    label="Question",
                    placeholder="e.g. Solve 3x^2 + 4x + 5 = 1",
                    lines=1,
                    max_lines=6,
                    scale=5,
                    interactive=False,
                )
                with gr.Column(scale=1, min_width=100):
                    solve = gr.Button("Solve", variant="primary", interactive=False)
                    stop = gr.Button("Stop", variant="stop", visible=False)
            with gr.Row(visible=False) as guided_row:  # Hint / Coach me only
                next_hint = gr.Button("Next hint")
                reveal = gr.Button("Reveal the solution")
            with gr.Row(equal_height=True):
                answer = gr.Textbox(label="Your answer", placeholder="e.g. x = 2", scale=5)
                check = gr.Button("Check answer", scale=1, min_width=100)
            entered = gr.Markdown(latex_delimiters=KATEX_DELIMITERS, elem_id="entered")
        with gr.Tab("Practice"):
            build_practice_tab(parts.practice, identity)
        with gr.Tab("Check my working"):
            build_working_tab(parts.working, identity)
        with gr.Row():  # joining a class (teacher review); earlier sessions in this browser come along
            your_name = gr.Textbox(label="Your name", max_length=100, scale=2)
            class_code = gr.Textbox(label="Class code", max_length=20, scale=1)
            join = gr.Button("Join class", scale=1)
        joined = gr.Markdown(elem_id="joined")
        student_api.register(service)

        def on_load(state: dict | None):
            state = dict(state or {})
            if not token_of(state):
                state["token"] = secrets.token_urlsafe(24)
            token = state["token"]
            latest = service.conversation(token)
            listed = gr.Radio(choices=_history_choices(service, token), value=latest.session_id if latest else None)
            return state, listed, *_opened(latest), gr.Textbox(interactive=True), gr.Button(interactive=True)

        def stream(views, chat_so_far: list[ChatMessage], asked: ChatMessage, current_session: int | None):
            """Chat updates for a stream of reply views.

            The question joins the conversation (and leaves the box) once the tutor has taken it;
            a refusal (empty, too long, too fast, busy) is a notice and the question stays in the
            box. A reply in another session (a new mode starts one) starts the chat afresh.
            Gradio builds a whole component for every property update it is sent (~160 us for a
            Button, measured), so between the first and last update only values change. A view
            that would show the same as the last one (a formula being written is held back until
            it closes: about a third of a solution's views) is not sent: every update costs the
            browser a pass over the whole conversation (bench/bench_page.py). Every 20th is sent
            all the same (about once a second), so a page that went away is still noticed soon."""
            first, shown, skipped = True, None, 0
            for view in views:
                if view.status == REFUSED:
                    yield gr.update(), view.notice, gr.update(), *(gr.update(),) * 3, current_session, gr.update()
                    return
                done = view.status != MessageStatus.GENERATING
                earlier = chat_so_far if view.session_id is None or view.session_id == current_session else []
                chat = [*earlier, asked, *reply_messages(view)]
                if not first and not done and (chat, view.session_id, view.message_id) == shown and skipped < 19:
                    skipped += 1
                    continue
                shown, skipped = (chat, view.session_id, view.message_id), 0
                buttons = (
                    (gr.update(visible=done), gr.update(visible=not done))
                    if first or done
                    else (gr.update(), gr.update())
                )
                guided = gr.update(visible=view.mode in GUIDED) if first or done else gr.update()
                yield (
                    chat,
                    "" if first else gr.update(),  # a notice said meanwhile (e.g. by Check answer) stays
                    "" if first else gr.update(),
                    *buttons,
                    guided,
                    view.session_id or current_session,
                    view.message_id,
                )
                first = False

        def on_solve(
            text: str,
            picked_mode: str,
            state: dict | None,
            current_session: int | None,
            chat_so_far,
            request: gr.Request,
        ):
            token = token_of(state)
            if not token:
                yield gr.update(), LOADING, *(gr.update(),) * 4, current_session, gr.update()
                return
            views = service.ask(
                token, text, current_session, MODES.get(picked_mode, SessionMode.SOLUTION), address_of(request)
            )
            yield from stream(views, chat_so_far or [], student_message(text.strip()), current_session)

        def on_next_hint(state: dict | None, current_session: int | None, chat_so_far, request: gr.Request):
            token = token_of(state)
            if token:
                yield from stream(
                    service.ask(token, NEXT_HINT, current_session, SessionMode.HINT, address_of(request)),
                    chat_so_far or [],
                    student_message(NEXT_HINT),
                    current_session,
                )

        def on_reveal(state: dict | None, current_session: int | None, chat_so_far, request: gr.Request):
            token = token_of(state)
            if token:
                yield from stream(
                    service.reveal(token, current_session, address_of(request)),
                    chat_so_far or [],
                    student_message(REVEAL),
                    current_session,
                )

        def on_stop(state: dict | None):
            token = token_of(state)
            if token:
                service.stop(token)

        def on_check(
            text: str, state: dict | None, current_message: int | None, current_session: int | None, chat_so_far
        ):
            """A verdict joins the conversation (and the box clears); anything else is a notice."""
            token = token_of(state)
            if not token:
                return gr.update(), LOADING, gr.update()
            result = service.check(token, current_message, text)
            if result.verdict is None:
                return gr.update(), result.message, gr.update()
            # The stored conversation, not the browser's copy of it, is what the page shows next.
            found = service.conversation(token, current_session) if current_session else None
            if found is None or found.message_id != current_message:
                return [*(chat_so_far or []), answer_message(text), tutor_text(markdown(result.message))], "", ""
            chat = conversation_messages(found)
            chat[-1] = tutor_text(markdown(result.message))  # as just said, with its note (the stored line has none)
            return chat, "", ""

        def on_preview(text: str):
            latex = service.preview(text)
            if latex is None:
                return "I can't read that yet." if text.strip() else ""
            return "You entered: " + markdown(f"\\({latex}\\)")

        def on_pick(picked: int | None, state: dict | None):
            token = token_of(state)
            found = service.conversation(token, picked) if token and isinstance(picked, int) else None
            if found is None:
                return *(gr.update(),) * 4, ""
            return *_opened(found), ""

        def on_join(name: str, code: str, state: dict | None, request: gr.Request):
            token = token_of(state)
            if not token:
                return LOADING
            return html.escape(service.join_class(token, name, code, address_of(request)))

        def on_class(state: dict | None):
            token = token_of(state)
            name = service.current_class(token) if token else None
            return f"You are in the class {html.escape(name)}." if name else ""

        def on_new():
            return [], gr.update(visible=False), None, None, "", gr.Radio(value=None)

        def on_refresh(state: dict | None, current_session: int | None):
            return gr.Radio(choices=_history_choices(service, token_of(state)), value=current_session)

        private: dict[str, Any] = dict(api_visibility="private")
        page.load(
            on_load,
            inputs=identity,
            outputs=[identity, history, chat, guided_row, session_id, message_id, question, solve],
            queue=False,
            **private,
        )
        stream_outputs = [chat, notice, question, solve, stop, guided_row, session_id, message_id]
        streaming: dict[str, Any] = dict(
            outputs=stream_outputs, concurrency_limit=None, show_progress="hidden", **private
        )
        refresh: dict[str, Any] = dict(
            fn=on_refresh,
            inputs=[identity, session_id],
            outputs=history,
            queue=False,
            show_progress="hidden",
            **private,
        )
        solve_inputs = [question, mode, identity, session_id, chat]
        question.submit(on_solve, inputs=solve_inputs, **streaming).then(**refresh)
        solve.click(on_solve, inputs=solve_inputs, **streaming).then(**refresh)
        next_hint.click(on_next_hint, inputs=[identity, session_id, chat], **streaming).then(**refresh)
        reveal.click(on_reveal, inputs=[identity, session_id, chat], **streaming).then(**refresh)
        stop.click(on_stop, inputs=identity, outputs=None, queue=False, **private)
        check_args: dict[str, Any] = dict(
            fn=on_check,
            inputs=[answer, identity, message_id, session_id, chat],
            outputs=[chat, notice, answer],
            concurrency_limit=None,
            **private,
        )
        check.click(**check_args)
        answer.submit(**check_args)
        answer.change(
            on_preview,
            inputs=answer,
            outputs=entered,
            trigger_mode="always_last",
            show_progress="hidden",
            concurrency_limit=None,
            **private,
        )
        history.input(
            on_pick, inputs=[history, identity], outputs=[chat, guided_row, session_id, message_id, notice], **private
        )
        new_session.click(
            on_new, outputs=[chat, guided_row, session_id, message_id, notice, history], queue=False, **private
        )
        chat.clear(
            on_new, outputs=[chat, guided_row, session_id, message_id, notice, history], queue=False, **private
        )  # the bin starts afresh too; nothing is deleted
        join.click(on_join, inputs=[your_name, class_code, identity], outputs=joined, **private)
        class_code.submit(on_join, inputs=[your_name, class_code, identity], outputs=joined, **private)
        page.load(on_class, inputs=identity, outputs=joined, queue=False, **private)
    return page
