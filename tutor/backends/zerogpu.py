"""Hugging Face Spaces on ZeroGPU: generation runs inside ``spaces.GPU``.

On ZeroGPU a GPU is attached only while a function decorated with ``spaces.GPU`` runs, and
each call is checked against the visitor's remaining quota *before* it starts: a call that
asks for more seconds than the visitor has left is refused. A fixed large duration would
refuse visitors needlessly, so the duration is derived from the reply's ``max_new_tokens``
(``gpu_seconds``). The batching loop cannot run there (it needs the GPU between requests),
so each request generates on its own, streamed out of the decorated generator.

Not measured on a real ZeroGPU Space (see docs/serving.md, "GPU path").
"""

from __future__ import annotations

import contextvars
import importlib.util
import math
import os
import threading

from tutor.backends.base import Backend, Emit, Generation, GenerationSettings, ModelMessage
from tutor.model_source import ModelLocation

ZEROGPU_MAX_SECONDS = 120
"""Longest call ZeroGPU grants (a ``duration`` above it is refused outright)."""
SETUP_SECONDS = 10
"""Attaching the GPU slice and prefill."""
TOKENS_PER_SECOND = 45
"""Phi-4-mini-reasoning, bf16, one stream with ``generate`` on a ZeroGPU H200 slice (an estimate)."""


def on_zerogpu() -> bool:
    """True on a ZeroGPU Space: the ``spaces`` package is installed and the Space says so."""
    return (
        os.environ.get("SPACES_ZERO_GPU", "").lower() in {"1", "true"}
        and importlib.util.find_spec("spaces") is not None
    )


def gpu_seconds(max_new_tokens: int) -> int:
    """The ``spaces.GPU`` duration for a reply of at most ``max_new_tokens`` tokens."""
    return min(ZEROGPU_MAX_SECONDS, SETUP_SECONDS + math.ceil(max_new_tokens / TOKENS_PER_SECOND))


class ZeroGPUBackend(Backend):
    max_concurrency = 4

    def __init__(self, engine):
        import spaces

        self.engine = engine
        self.model_id = engine.model_id
        self.stall_timeout = engine.stall_timeout

        def duration(messages: list[ModelMessage], settings: dict) -> int:
            return gpu_seconds(settings["max_new_tokens"])

        @spaces.GPU(duration=duration)
        def generate(messages: list[ModelMessage], settings: dict):
            generation = self.engine.stream(messages, GenerationSettings(**settings))
            try:
                yield from generation
            finally:
                generation.close()

        self._generate = generate

    @classmethod
    def load(cls, location: ModelLocation, stall_timeout: float = 60.0) -> ZeroGPUBackend:
        from tutor.backends.transformers_backend import TransformersBackend

        # ZeroGPU wants the weights placed on "cuda" at start-up (outside any spaces.GPU call).
        return cls(TransformersBackend.load(location, cuda=True, stall_timeout=stall_timeout))

    def stream(self, messages: list[ModelMessage], settings: GenerationSettings) -> Generation:
        # spaces.GPU finds the visitor (whose quota is charged) in Gradio's request context, a
        # context variable; a plain worker thread would not see it, so the work runs in a copy.
        context = contextvars.copy_context()
        return Generation(
            lambda emit, cancelled: context.run(self.execute, messages, settings, emit, cancelled), self.stall_timeout
        )

    def execute(
        self, messages: list[ModelMessage], settings: GenerationSettings, emit: Emit, cancelled: threading.Event
    ) -> None:
        stream = self._generate(messages, settings.as_dict())
        try:
            for chunk in stream:
                if cancelled.is_set():
                    break
                emit(chunk)
        finally:
            stream.close()
