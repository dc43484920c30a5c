"""A backend that replays scripted text: for unit tests of how the tutor handles a stream.

Never a substitute for the real engine in end-to-end tests.
"""

from __future__ import annotations

import threading
import time

from tutor.backends.base import CUT_SHORT, Backend, Emit, GenerationSettings, ModelMessage


class ScriptedBackend(Backend):
    """Emits ``chunks`` one by one, ``delay`` seconds apart; raises ``fail_after`` chunks in;
    with ``cut_short`` ends as a reply that hit the token limit."""

    def __init__(
        self,
        chunks: list[str],
        delay: float = 0.0,
        fail_after: int | None = None,
        model_id: str = "scripted",
        cut_short: bool = False,
    ):
        self.cut_short = cut_short
        self.chunks = chunks
        self.delay = delay
        self.fail_after = fail_after
        self.model_id = model_id
        self.seen: list[list[ModelMessage]] = []

    def execute(
        self, messages: list[ModelMessage], settings: GenerationSettings, emit: Emit, cancelled: threading.Event
    ) -> str | None:
        self.seen.append(messages)
        for i, chunk in enumerate(self.chunks):
            if cancelled.is_set():
                return None
            if self.fail_after is not None and i >= self.fail_after:
                raise RuntimeError("scripted failure")
            emit(chunk)
            time.sleep(self.delay)
        return CUT_SHORT if self.cut_short else None
