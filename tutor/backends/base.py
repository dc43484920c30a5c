"""The one seam between the tutor and a model engine: messages in, text chunks out, cancellable.

A backend only supplies ``execute(messages, settings, emit, cancelled)``, run on a worker
thread; ``Generation`` turns it into an iterator the caller can stop. ``execute`` returns
``CUT_SHORT`` when the reply ended at ``max_new_tokens`` (the page then says the reply was cut
short rather than showing a half-written formula as if it were the answer), else ``None``. Hazards it handles:
an exception in the worker is re-raised in the consumer (never a hung spinner), and a worker
silent for ``stall_timeout`` seconds is treated as failed.
"""

from __future__ import annotations

import itertools
import queue
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

ModelMessage = dict[str, str]
"""What a model is sent, one chat turn in OpenAI's shape: ``{"role": "system" | "user" |
"assistant", "content": str}``. (Not ``storage.models.Message``, the stored question-and-reply
row, nor ``ui.chat.ChatMessage``, what the page's chat component shows.)"""
Emit = Callable[[str], None]
CUT_SHORT = "length"
"""What ``execute`` returns when the reply hit ``max_new_tokens`` (OpenAI's ``finish_reason``)."""


@dataclass(frozen=True)
class GenerationSettings:
    max_new_tokens: int = 1024
    temperature: float = 0.8
    top_p: float = 0.95

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class GenerationError(RuntimeError):
    """The engine failed or stalled; the message is safe to show to a student."""


_END = object()
_ids = itertools.count(1)


class Generation(Iterator[str]):
    """One reply being generated on its own thread.

    ``cancel()`` asks the worker to stop; ``done`` is set once the worker has really
    returned (the thread is no longer computing).
    """

    def __init__(self, work: Callable[[Emit, threading.Event], str | None], stall_timeout: float = 60.0):
        self.finish_reason: str | None = None
        """``CUT_SHORT`` once the worker returned it; read after the iterator is exhausted."""
        self._queue: queue.Queue[Any] = queue.Queue()
        self._stall_timeout = stall_timeout
        self.cancelled = threading.Event()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(work,), name=f"tutor-generate-{next(_ids)}", daemon=True)
        self.thread.start()

    def _run(self, work: Callable[[Emit, threading.Event], str | None]) -> None:
        try:
            self.finish_reason = work(self._queue.put, self.cancelled)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer thread
            self._queue.put(exc)
        finally:
            self.done.set()
            self._queue.put(_END)

    def __next__(self) -> str:
        try:
            item = self._queue.get(timeout=self._stall_timeout)
        except queue.Empty:
            self.cancel()
            raise GenerationError(f"The model did not respond for {self._stall_timeout:.0f} seconds.") from None
        if item is _END:
            raise StopIteration
        if isinstance(item, GenerationError):
            raise item
        if isinstance(item, BaseException):
            raise GenerationError(f"The model failed: {type(item).__name__}.") from item
        return item

    def cancel(self) -> None:
        self.cancelled.set()

    @property
    def cut_short(self) -> bool:
        """Did the reply stop at the token limit (and not because Stop was pressed)?"""
        return self.finish_reason == CUT_SHORT and not self.cancelled.is_set()

    def close(self) -> None:
        """Cancel and wait briefly for the worker; safe to call twice."""
        self.cancel()
        self.done.wait(timeout=5)


class Backend(ABC):
    """A model engine. Subclasses implement ``execute``; everything else is shared."""

    model_id: str = "unknown"
    stall_timeout: float = 60.0
    max_concurrency: int = 16
    """Replies this engine runs at once (its batch rows, a server's fair share); the admission
    queue (tutor/generation/admission.py) gives exactly this many seats."""

    def stream(self, messages: list[ModelMessage], settings: GenerationSettings) -> Generation:
        return Generation(lambda emit, cancelled: self.execute(messages, settings, emit, cancelled), self.stall_timeout)

    @abstractmethod
    def execute(
        self, messages: list[ModelMessage], settings: GenerationSettings, emit: Emit, cancelled: threading.Event
    ) -> str | None:
        """Generate, calling ``emit(chunk)`` per text chunk; return soon after ``cancelled`` is set,
        and return ``CUT_SHORT`` if generation stopped at ``settings.max_new_tokens``."""

    def ready(self) -> bool:
        return True

    def close(self) -> None:  # noqa: B027 - optional for a backend: most hold nothing to release
        """Release the engine's resources."""
