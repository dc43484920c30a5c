"""The student page's public API (``gradio_client``): the same actions as the page, by name.

Kept apart from the page's own events, whose inputs and outputs are components (the
conversation is a ``gr.Chatbot``), so a client's calls stay simple and stable:
``/solve(text, mode, state, session_id)`` streams ``(reasoning, solution, final answer,
notice, computer-algebra note)``; ``/check(answer, state, message_id)`` checks against the given
reply, or the latest reply of the latest conversation when ``message_id`` is None.
``state`` is what the page keeps in the browser: ``{"token": ...}``.
"""

from __future__ import annotations

from collections.abc import Iterator

import gradio as gr

from tutor.service import TutorService
from tutor.teaching.conversation import MessageStatus, ReplyView
from tutor.teaching.modes import MODES, NEXT_HINT, SessionMode
from ui.chat import markdown
from ui.math_markdown import final_answer_markdown

LOADING = "Your page is still loading; please try again."
Outputs = tuple[str, str, str, str, str]


def token_of(state: object) -> str | None:
    token = state.get("token") if isinstance(state, dict) else None
    return token if isinstance(token, str) else None


def address_of(request: gr.Request | None) -> str | None:
    return request.client.host if request is not None and request.client else None


def _outputs(view: ReplyView) -> Outputs:
    streaming = view.status == MessageStatus.GENERATING
    final = (
        "**Final answer**\n" + final_answer_markdown(view.final_answer, delimiters="brackets")
        if view.final_answer
        else ""
    )
    return (
        markdown(view.reasoning, streaming),
        markdown(view.solution, streaming),
        final,
        view.notice or "",
        markdown(view.cas_note or ""),
    )


def register(service: TutorService) -> None:
    """Add the named endpoints to the Blocks being built (call inside ``with gr.Blocks()``)."""
    streaming = dict(concurrency_limit=None)

    def solve(
        text: str,
        mode: str = "Show solution",
        state: dict | None = None,
        session_id: int | None = None,
        request: gr.Request | None = None,
    ) -> Iterator[Outputs]:
        token = token_of(state)
        if not token:
            yield "", "", "", LOADING, ""
            return
        for view in service.ask(
            token,
            text if isinstance(text, str) else "",
            session_id,
            MODES.get(mode, SessionMode.SOLUTION),
            address_of(request),
        ):
            yield _outputs(view)

    def next_hint(
        state: dict | None = None, session_id: int | None = None, request: gr.Request | None = None
    ) -> Iterator[Outputs]:
        token = token_of(state)
        if token:
            for view in service.ask(token, NEXT_HINT, session_id, SessionMode.HINT, address_of(request)):
                yield _outputs(view)

    def reveal_solution(
        state: dict | None = None, session_id: int | None = None, request: gr.Request | None = None
    ) -> Iterator[Outputs]:
        token = token_of(state)
        if token:
            for view in service.reveal(token, session_id, address_of(request)):
                yield _outputs(view)

    def stop(state: dict | None = None) -> bool:
        token = token_of(state)
        return service.stop(token) if token else False

    def check(answer: str, state: dict | None = None, message_id: int | None = None) -> str:
        token = token_of(state)
        if not token:
            return LOADING
        if message_id is None:
            latest = service.conversation(token)
            message_id = latest.message_id if latest else None
        return service.check(token, message_id, answer if isinstance(answer, str) else "").message

    def open_session(session_id: int, state: dict | None = None) -> list[dict]:
        """The conversation as ``[{"question", "reasoning", "solution", "final_answer", "status", "attempts"}]``."""
        token = token_of(state)
        found = service.conversation(token, session_id) if token and isinstance(session_id, int) else None
        return [
            {
                "question": t.question,
                "reasoning": t.reply.reasoning,
                "solution": t.reply.solution,
                "final_answer": t.reply.final_answer,
                "status": t.reply.status,
                "attempts": [{"answer": a.answer, "verdict": a.verdict} for a in t.attempts],
            }
            for t in (found.turns if found else ())
        ]

    def history(state: dict | None = None) -> list[dict]:
        """The student's conversations, latest first: ``[{"id", "title", "mode", "updated_at"}]``."""
        token = token_of(state)
        return (
            [
                {"id": s.id, "title": s.title, "mode": s.mode, "updated_at": s.updated_at.isoformat()}
                for s in service.history(token)
            ]
            if token
            else []
        )

    def join_class(name: str, code: str, state: dict | None = None, request: gr.Request | None = None) -> str:
        token = token_of(state)
        return service.join_class(token, name, code, address_of(request)) if token else LOADING

    gr.api(solve, api_name="solve", **streaming)
    gr.api(next_hint, api_name="next_hint", **streaming)
    gr.api(reveal_solution, api_name="reveal_solution", **streaming)
    gr.api(stop, api_name="stop", queue=False)
    gr.api(check, api_name="check", concurrency_limit=None)
    gr.api(open_session, api_name="open_session")
    gr.api(history, api_name="history", queue=False)
    gr.api(join_class, api_name="join_class")
