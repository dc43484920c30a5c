"""Split a model's accumulated output into reasoning (``<think>…</think>``) and solution.

Called on the whole text after every streamed chunk, so it must be right for every
prefix: a tag cut across chunks (a text ending in ``<thi``) is held back until it
resolves, or it would flash in the visible solution. Some chat templates put
``<think>`` in the prompt, so a ``</think>`` with no opening tag means everything before
it is reasoning; until that tag arrives the text can only be shown as solution.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tutor.generation.boxed import last_boxed

_OPEN, _CLOSE = "<think>", "</think>"
_TAG = re.compile(r"</?think>")


@dataclass(frozen=True)
class ParsedReply:
    reasoning: str
    solution: str
    thinking: bool
    """True while inside a think block that has not closed yet."""
    final_answer: str | None
    """The last complete ``\\boxed{}`` of the solution; the reasoning's never counts."""


def _partial_tag_len(text: str) -> int:
    """Length of a trailing proper prefix of a tag (``<``, ``</thin``), else 0."""
    for k in range(min(len(text), len(_CLOSE) - 1), 0, -1):
        tail = text[-k:]
        if (_OPEN.startswith(tail) and tail != _OPEN) or _CLOSE.startswith(tail):
            return k
    return 0


def _join(parts: list[str]) -> str:
    return "\n\n".join(p.strip() for p in parts if p.strip())


def parse_reply(text: str) -> ParsedReply:
    """Parse the text streamed so far; tags are case-sensitive, only ``<think>`` counts."""
    text = text[: len(text) - _partial_tag_len(text)]
    reasoning: list[str] = []
    solution: list[str] = []
    inside = seen_tag = False
    pos = 0
    for m in _TAG.finditer(text):
        segment = text[pos : m.start()]
        pos = m.end()
        if m.group() == _OPEN:  # a nested <think> is dropped, its block goes on
            (reasoning if inside else solution).append(segment)
            inside = True
        elif inside or not seen_tag:  # unopened </think>: <think> was in the prompt
            reasoning.append(segment)
            inside = False
        else:  # a stray </think> after the blocks: drop the tag
            solution.append(segment)
        seen_tag = True
    (reasoning if inside else solution).append(text[pos:])
    visible = _join(solution)
    return ParsedReply(
        reasoning=_join(reasoning),
        solution=visible,
        thinking=inside,
        final_answer=last_boxed(visible) if visible else None,
    )
