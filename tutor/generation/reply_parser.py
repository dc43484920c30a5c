"""Split a model's output into reasoning (``<think>…</think>``) and solution, chunk by chunk.

``ReplyParser.feed`` reads each streamed chunk once (the tags are found in the new text
only; was: the whole reply re-scanned every 50 ms, at every checkpoint and at the end), and
``parsed`` is the reply so far, right for every prefix: a tag cut across chunks (a text
ending in ``<thi``) is held back until it resolves, or it would flash in the visible
solution. Some chat templates put ``<think>`` in the prompt, so a ``</think>`` with no
opening tag means everything before it is reasoning; until that tag arrives the text can
only be shown as solution.
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


EMPTY = ParsedReply(reasoning="", solution="", thinking=False, final_answer=None)


def _partial_tag_len(text: str) -> int:
    """Length of a trailing proper prefix of a tag (``<``, ``</thin``), else 0."""
    for k in range(min(len(text), len(_CLOSE) - 1), 0, -1):
        tail = text[-k:]
        if (_OPEN.startswith(tail) and tail != _OPEN) or _CLOSE.startswith(tail):
            return k
    return 0


def _join(parts: list[str]) -> str:
    return "\n\n".join(p.strip() for p in parts if p.strip())


class ReplyParser:
    """The reply as it streams. Tags are case-sensitive; only ``<think>`` counts; a nested
    ``<think>`` is dropped and its block goes on; a stray ``</think>`` after the blocks is dropped.

    Not thread-safe: one parser per reply, fed by the thread that reads the stream."""

    def __init__(self) -> None:
        self._reasoning: list[str] = []
        self._solution: list[str] = []
        self._segment: list[str] = []
        """Text since the last tag; whose it is depends on the next tag (an unopened ``</think>``)."""
        self._held = ""
        """A possible tag cut by the chunk's end."""
        self._inside = self._seen_tag = False
        self._parsed: ParsedReply | None = EMPTY

    def feed(self, chunk: str) -> ReplyParser:
        if not chunk:
            return self
        text, pos = self._held + chunk, 0
        for m in _TAG.finditer(text):
            self._segment.append(text[pos : m.start()])
            segment, self._segment = "".join(self._segment), []
            pos = m.end()
            if m.group() == _OPEN:
                (self._reasoning if self._inside else self._solution).append(segment)
                self._inside = True
            elif self._inside or not self._seen_tag:  # unopened </think>: <think> was in the prompt
                self._reasoning.append(segment)
                self._inside = False
            else:
                self._solution.append(segment)
            self._seen_tag = True
        rest = text[pos:]
        cut = len(rest) - _partial_tag_len(rest)
        self._segment.append(rest[:cut])
        self._held = rest[cut:]
        self._parsed = None
        return self

    @property
    def parsed(self) -> ParsedReply:
        """The reply so far (joined on demand, then kept until the next chunk)."""
        if self._parsed is None:
            tail = "".join(self._segment)
            self._segment = [tail]
            reasoning = [*self._reasoning, tail] if self._inside else self._reasoning
            solution = self._solution if self._inside else [*self._solution, tail]
            visible = _join(solution)
            self._parsed = ParsedReply(
                reasoning=_join(reasoning),
                solution=visible,
                thinking=self._inside,
                final_answer=last_boxed(visible) if visible else None,
            )
        return self._parsed


def parse_reply(text: str) -> ParsedReply:
    """The whole of ``text`` at once (a stored reply, a test)."""
    return ReplyParser().feed(text).parsed
