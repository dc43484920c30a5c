"""Turns and replies as ``gr.Chatbot`` messages: the student's on the right, the tutor's on the left.

Every text goes through ``prepare_markdown`` (brackets for KaTeX in the browser): the model's
and the student's alike, so no link, image or raw HTML renders and a half-written formula
never flashes while streaming. A reply that has stopped (cut, stopped, failed) is rendered as a
finished one would be except that an unclosed formula at its end is dropped, not shown raw.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from tutor.teaching.conversation import Conversation, MessageStatus, ReplyView, Turn
from tutor.teaching.modes import NEXT_HINT, REVEAL
from ui.math_markdown import final_answer_markdown, prepare_markdown

ChatMessage = dict[str, Any]

ENDINGS: dict[str, str] = {
    MessageStatus.CUT: "_The reply was cut short: it reached the length limit before it finished. "
    "Ask again, perhaps about one part of the question at a time._",
    MessageStatus.STOPPED: "_Stopped — you pressed Stop, so the reply ends here._",
    MessageStatus.FAILED: "_The tutor could not finish this reply._",
    MessageStatus.INTERRUPTED: "_This reply was interrupted (the tutor restarted) and ends here._",
}
"""What a reply that did not end normally says, in plain words, under what it has."""
SHOWN_QUESTION = {NEXT_HINT: "_Next hint, please._", REVEAL: "_Show me the solution, please._"}
SEAL_CHARS = 600
"""A long solution is several chat messages: once the finished paragraphs of the last one reach
this many characters they are sealed into a message of their own that never changes again, so
the browser re-renders (Markdown, KaTeX, layout) only the message still being written instead
of the whole reply on every update (bench/bench_page.py). Gradio shows consecutive tutor
messages in one bubble, so the reply looks the same."""
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_OPENERS = (("\\[", "\\]"), ("\\(", "\\)"), ("\\begin{", "\\end{"))


def _open(text: str) -> bool:
    """Would a blank line after ``text`` be inside a formula or a code block?"""
    return (
        any(text.count(a) > text.count(b) for a, b in _OPENERS)
        or text.count("$$") % 2 == 1
        or text.count("```") % 2 == 1
    )


def solution_blocks(text: str) -> list[str]:
    """The solution as raw-text pieces, each a run of whole paragraphs of about ``SEAL_CHARS``
    or more, the last one the rest (still being written while streaming).

    A piece of the text depends only on the text before its end, so a piece once sealed
    stays the same as the text grows. Paragraphs are cut at blank lines that are outside
    formulas and code blocks, and never before an indented line (a list item's continuation)."""
    pieces, current, start = [], "", 0
    for gap in _BLANK_LINE.finditer(text):
        paragraph = text[start : gap.start()]
        following = text[gap.end() : gap.end() + 1]
        current = current + text[start : gap.end()]
        start = gap.end()
        if (
            len(current) >= SEAL_CHARS
            and following
            and following not in " \t"
            and not _open(current)
            and paragraph.strip()
        ):
            pieces.append(current.rstrip())
            current = ""
    return [*pieces, current + text[start:]]


def markdown(text: str, streaming: bool = False) -> str:
    return prepare_markdown(text, streaming=streaming, delimiters="brackets")


@lru_cache(maxsize=1024)
def _sealed_markdown(piece: str) -> str:
    """A sealed piece never changes, so it is prepared once, not on every update of its reply
    (``prepare_markdown`` costs ~6 ms per 10,000 characters; a long reply is updated 20 times
    a second). 1,024 pieces of ~600 characters: under 2 MB."""
    return markdown(piece)


def student_message(text: str) -> ChatMessage:
    return {"role": "user", "content": SHOWN_QUESTION.get(text) or markdown(text)}


def answer_message(answer: str) -> ChatMessage:
    return {"role": "user", "content": "**My answer:** " + markdown(answer)}


def tutor_text(text: str) -> ChatMessage:
    return {"role": "assistant", "content": text}


def reply_messages(view: ReplyView) -> list[ChatMessage]:
    """The tutor's messages for a reply: Thinking (collapsible), then the solution with the
    final answer, the computer-algebra badge and how the reply ended."""
    streaming = view.status == MessageStatus.GENERATING
    unfinished = view.status not in (MessageStatus.GENERATING, MessageStatus.COMPLETE)
    out: list[ChatMessage] = []
    if view.reasoning:
        pending = streaming and (view.thinking or not view.solution)
        out.append(
            {
                "role": "assistant",
                "content": markdown(view.reasoning, streaming or unfinished),
                "metadata": {"title": "Thinking", "status": "pending" if pending else "done"},
            }
        )
    parts = []
    if view.solution:
        *sealed, rest = solution_blocks(view.solution)
        out += [tutor_text(_sealed_markdown(piece)) for piece in sealed]
        if rest.strip():
            parts.append(markdown(rest, streaming or unfinished))
    if view.final_answer and not streaming:
        parts.append("**Final answer**\n\n" + final_answer_markdown(view.final_answer, delimiters="brackets"))
    if view.cas_note:
        parts.append("**" + markdown(view.cas_note) + "**")
    if view.status in ENDINGS:
        parts.append(ENDINGS[view.status])
    if view.notice:
        parts.append("_" + markdown(view.notice) + "_")
    if not parts and streaming and not view.reasoning:
        parts.append("_The tutor is starting…_")
    if parts:
        out.append(tutor_text("\n\n".join(parts)))
    return out


def turn_messages(turn: Turn) -> list[ChatMessage]:
    out = [student_message(turn.question), *reply_messages(turn.reply)]
    for attempt in turn.attempts:
        out += [answer_message(attempt.answer), tutor_text(markdown(attempt.verdict))]
    return out


def conversation_messages(conversation: Conversation | None) -> list[ChatMessage]:
    return [m for turn in conversation.turns for m in turn_messages(turn)] if conversation else []
