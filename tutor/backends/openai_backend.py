"""Any OpenAI-compatible server (vLLM, SGLang, ``transformers serve``, llama.cpp) as the engine.

``POST {base}/chat/completions`` with ``stream: true``; each server-sent event's
``choices[0].delta`` carries ``content`` and, from servers that split reasoning out (vLLM or
SGLang with a reasoning parser), ``reasoning_content`` (or ``reasoning``). Reasoning is handed
on wrapped in ``<think>…</think>`` so the rest of the app parses it the same way as in-process
output; servers that leave the tags in the text pass through unchanged.

Stop closes the HTTP stream; vLLM, SGLang and ``transformers serve`` abort a request whose
client disconnected. Failures (server down, HTTP errors, an error event, silence past the
stall timeout) raise ``GenerationError`` with a message a student can read; the service keeps
the question and the partial reply.
"""

from __future__ import annotations

import json
import logging
import threading
import time

import httpx

from tutor.backends.base import Backend, Emit, GenerationError, GenerationSettings, Message
from tutor.config import Settings

log = logging.getLogger(__name__)


class OpenAIBackend(Backend):
    max_concurrency = 32
    """Students streaming at once from this app instance (the server batches them)."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        stall_timeout: float = 60.0,
        connect_timeout: float = 5.0,
    ):
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.model_id = model
        self.stall_timeout = stall_timeout
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        # read timeout = the stall timeout: a server silent that long mid-reply is a failure
        timeout = httpx.Timeout(connect=connect_timeout, read=stall_timeout, write=30.0, pool=connect_timeout)
        self._client = httpx.Client(headers=headers, timeout=timeout, limits=httpx.Limits(max_connections=None, max_keepalive_connections=64))
        self._ready_at = 0.0
        self._ready = False

    @classmethod
    def from_settings(cls, settings: Settings, model_id: str) -> "OpenAIBackend":
        if not settings.openai_base_url:
            raise ValueError("TUTOR_BACKEND=openai needs TUTOR_OPENAI_BASE_URL (e.g. http://gpu-host:8000/v1).")
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        return cls(settings.openai_base_url, model_id, key, stall_timeout=settings.stall_timeout_s)

    # the Backend seam ---------------------------------------------------------
    def _work(self, messages: list[Message], settings: GenerationSettings, emit: Emit, cancelled: threading.Event) -> None:
        body = {
            "model": self.model,
            "messages": messages,
            "stream": True,
            "max_tokens": settings.max_new_tokens,
            "temperature": settings.temperature,
            "top_p": settings.top_p,
        }
        where = self.base_url
        try:
            with self._client.stream("POST", f"{self.base_url}/chat/completions", json=body) as response:
                if response.status_code >= 400:
                    response.read()
                    raise GenerationError(f"The model server answered with an error ({response.status_code}{_detail(response)}).")
                self._relay(response, emit, cancelled)
        except GenerationError:
            raise
        except httpx.ConnectError:
            raise GenerationError(f"The model server ({where}) cannot be reached.") from None
        except httpx.TimeoutException:
            raise GenerationError(f"The model server did not respond for {self.stall_timeout:.0f} seconds.") from None
        except httpx.HTTPError as exc:
            raise GenerationError(f"The connection to the model server failed ({type(exc).__name__}).") from None

    def _relay(self, response: httpx.Response, emit: Emit, cancelled: threading.Event) -> None:
        in_reasoning = False
        finished = False
        for line in response.iter_lines():
            if cancelled.is_set():
                return  # leaving the with-block closes the connection: the server aborts the request
            if not line.startswith("data:"):
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                finished = True
                break
            try:
                event = json.loads(data)
            except json.JSONDecodeError:
                raise GenerationError("The model server sent a malformed stream.") from None
            if "error" in event:
                error = event["error"]
                message = error.get("message", error) if isinstance(error, dict) else error
                raise GenerationError(f"The model server reported an error: {str(message)[:200]}")
            for choice in event.get("choices") or []:
                delta = choice.get("delta") or {}
                reasoning = delta.get("reasoning_content") or delta.get("reasoning")
                if reasoning:
                    if not in_reasoning:
                        emit("<think>")
                        in_reasoning = True
                    emit(reasoning)
                content = delta.get("content")
                if content:
                    if in_reasoning:
                        emit("</think>")
                        in_reasoning = False
                    emit(content)
                if choice.get("finish_reason"):
                    finished = True
        if in_reasoning:
            emit("</think>")
        if not finished and not cancelled.is_set():
            raise GenerationError("The model server closed the stream before the reply was finished.")

    def ready(self) -> bool:
        """Whether the server answers (``/health``, else ``/v1/models``); re-checked at most every 5 s."""
        now = time.monotonic()
        if now - self._ready_at < 5.0:
            return self._ready
        self._ready_at = now
        root = self.base_url.removesuffix("/v1")
        self._ready = False
        for url in (f"{root}/health", f"{self.base_url}/models"):
            try:  # one-off connections: a server may drop a kept-alive one after an error
                if httpx.get(url, headers=self._client.headers, timeout=2.0).status_code == 200:
                    self._ready = True
                    break
            except httpx.HTTPError:
                continue
        return self._ready

    def close(self) -> None:
        self._client.close()


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
        error = body.get("error") or body.get("detail")  # OpenAI style, or FastAPI's
        message = error.get("message") if isinstance(error, dict) else error
    except (ValueError, AttributeError):
        message = None
    return f": {str(message)[:200]}" if message else ""
