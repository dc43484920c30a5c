"""Load the engine in the background so the page is up before the model is.

The first start fetches and dequantises the demo model (~20 s); Phi-4-mini takes longer.
Until then ``ready()`` is False (``/health`` says so) and a question waits for the load,
up to the stall timeout, instead of failing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from tutor.backends.base import Backend, Emit, GenerationError, GenerationSettings, ModelMessage

log = logging.getLogger(__name__)


class BackgroundLoadedBackend(Backend):
    def __init__(
        self, load: Callable[[], Backend], model_id: str, stall_timeout: float = 60.0, max_concurrency: int = 16
    ):
        """``max_concurrency``: the loaded engine's rows, known before it has loaded."""
        self.model_id = model_id
        self.max_concurrency = max_concurrency
        self.stall_timeout = stall_timeout
        self._loaded = threading.Event()
        self._backend: Backend | None = None
        self._error: str | None = None
        threading.Thread(target=self._load, args=(load,), name="tutor-model-load", daemon=True).start()

    def _load(self, load: Callable[[], Backend]) -> None:
        try:
            self._backend = load()
            self.model_id = self._backend.model_id
        except Exception as exc:
            log.exception("Model load failed")
            self._error = f"The model could not be loaded ({type(exc).__name__}: {exc})."
        finally:
            self._loaded.set()

    @property
    def inner(self) -> Backend:
        """The loaded engine; waits for the load."""
        if not self._loaded.wait(self.stall_timeout):
            raise GenerationError("The tutor is still loading its model; please try again in a minute.")
        if self._backend is None:
            raise GenerationError(self._error or "The model could not be loaded.")
        return self._backend

    def ready(self) -> bool:
        return self._backend is not None

    def status(self) -> str:
        if self._backend is not None:
            return "ready"
        return "failed" if self._loaded.is_set() else "loading"

    def execute(
        self, messages: list[ModelMessage], settings: GenerationSettings, emit: Emit, cancelled: threading.Event
    ) -> str | None:
        return self.inner.execute(messages, settings, emit, cancelled)

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()
