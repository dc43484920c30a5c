"""Any OpenAI-compatible server (vLLM, SGLang, ``transformers serve``, llama.cpp) as the engine.

``POST {base}/chat/completions`` with ``stream: true``; each server-sent event's
``choices[0].delta`` carries ``content`` and, from servers that split reasoning out, a reasoning
field: ``reasoning_content`` from llama.cpp's ``llama-server`` (its default
``--reasoning-format auto``) and vLLM before 0.11, ``reasoning`` from later vLLM (both at once,
with the same text, from versions that kept the old name as an alias: taken once). Reasoning is
handed on wrapped in ``<think>…</think>`` so the rest of the app parses it the same way as
in-process output; ``<think>`` tags the server leaves in the text pass through unchanged.

A server whose chat template opens the think block in the prompt (DeepSeek-R1-style templates;
llama-server with ``--reasoning-format none``, vLLM without a reasoning parser) streams the
reasoning as plain content, then ``</think>``, then the answer. The reply parser already reads
everything before an unopened ``</think>`` as reasoning, but only once that tag arrives: until
then the reasoning would show as the solution. So the backend learns it: once a reply from
this server has had an unopened ``</think>``, later replies get the ``<think>`` it omits
(``opens_thinking=True`` says so from the start). Hazard: the first such reply still shows its
reasoning as solution until its ``</think>``.

Stop closes the HTTP stream; vLLM, SGLang, llama-server and ``transformers serve`` abort a
request whose client disconnected. Failures (server down, HTTP errors, an error event, silence
past the stall timeout) raise ``GenerationError`` with a message a student can read; the
service keeps the question and the partial reply. ``finish_reason: "length"`` is returned as
``CUT_SHORT``.
"""

from __future__ import annotations

import json
import logging
import threading
import time

import httpx

from tutor.backends.base import CUT_SHORT, Backend, Emit, GenerationError, GenerationSettings, ModelMessage
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
        opens_thinking: bool = False,
    ):
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.model_id = model
        self.stall_timeout = stall_timeout
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        # read timeout = the stall timeout: a server silent that long mid-reply is a failure
        timeout = httpx.Timeout(connect=connect_timeout, read=stall_timeout, write=30.0, pool=connect_timeout)
        self._client = httpx.Client(
            headers=headers, timeout=timeout, limits=httpx.Limits(max_connections=None, max_keepalive_connections=64)
        )
        self._ready_at = 0.0
        self._ready = False
        self.opens_thinking = opens_thinking
        """The server's replies start inside a think block it does not send (learned, see above)."""

    @classmethod
    def from_settings(cls, settings: Settings, model_id: str) -> OpenAIBackend:
        if not settings.openai_base_url:
            raise ValueError("TUTOR_BACKEND=openai needs TUTOR_OPENAI_BASE_URL (e.g. http://gpu-host:8000/v1).")
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        return cls(settings.openai_base_url, model_id, key, stall_timeout=settings.stall_timeout_s)

    # the Backend seam ---------------------------------------------------------
    def execute(
        self, messages: list[ModelMessage], settings: GenerationSettings, emit: Emit, cancelled: threading.Event
    ) -> str | None:
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
                    raise GenerationError(
                        f"The model server answered with an error ({response.status_code}{_detail(response)})."
                    )
                return self._relay(response, emit, cancelled)
        except GenerationError:
            raise
        except httpx.ConnectError:
            raise GenerationError(f"The model server ({where}) cannot be reached.") from None
        except httpx.TimeoutException:
            raise GenerationError(f"The model server did not respond for {self.stall_timeout:.0f} seconds.") from None
        except httpx.HTTPError as exc:
            raise GenerationError(f"The connection to the model server failed ({type(exc).__name__}).") from None

    def _relay(self, response: httpx.Response, emit: Emit, cancelled: threading.Event) -> str | None:
        think = _ThinkRelay(emit, self.opens_thinking)
        finish: str | None = None
        finished = False
        try:
            for line in response.iter_lines():
                if cancelled.is_set():
                    return None  # leaving the with-block closes the connection: the server aborts the request
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
                if not isinstance(event, dict):
                    raise GenerationError("The model server sent a malformed stream.")
                if "error" in event:
                    error = event["error"]
                    message = error.get("message", error) if isinstance(error, dict) else error
                    raise GenerationError(f"The model server reported an error: {str(message)[:200]}")
                for choice in event.get("choices") or []:
                    delta = choice.get("delta") or {}
                    # one of the two names: a server sending both (an alias) sends the same text
                    reasoning = delta.get("reasoning_content") or delta.get("reasoning")
                    if reasoning:
                        think.reasoning(reasoning)
                    content = delta.get("content")
                    if content:
                        think.content(content)
                    if choice.get("finish_reason"):
                        finish = choice["finish_reason"]
                        finished = True
        finally:
            think.close()
            if think.unopened_close:
                self.opens_thinking = True  # this server's template opens the block: say so from the next reply on
        if not finished and not cancelled.is_set():
            raise GenerationError("The model server closed the stream before the reply was finished.")
        return CUT_SHORT if finish == "length" else None

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


class _ThinkRelay:
    """Normalises one reply's reasoning into ``<think>…</think>`` in the emitted text.

    Reasoning fields are wrapped; content passes through. With ``opens_thinking`` the reply is
    taken to start inside a think block: ``<think>`` is emitted before the first content unless
    that content opens one itself (held back until its first 7 non-blank characters decide) or
    reasoning came in fields. ``unopened_close`` records a ``</think>`` in the content with no
    opening tag before it (found across chunk boundaries too)."""

    def __init__(self, emit: Emit, opens_thinking: bool):
        self.emit = emit
        self.opens_thinking = opens_thinking
        self.in_field_reasoning = False
        self.saw_reasoning_field = False
        self.saw_open = False
        self.unopened_close = False
        self._content = ""  # the content so far, to find tags cut across chunks
        self._held = ""  # opening content held back while deciding whether to add <think>
        self._started = False

    def reasoning(self, text: str) -> None:
        self._flush_held()
        if not self.in_field_reasoning:
            self.emit("<think>")
            self.in_field_reasoning = True
            self.saw_reasoning_field = True
        self.emit(text)

    def content(self, text: str) -> None:
        if self.in_field_reasoning:
            self.emit("</think>")
            self.in_field_reasoning = False
        seen = len(self._content)
        self._content += text
        self._scan(max(0, seen - len(_CLOSE)))
        if not self._started and self.opens_thinking and not self.saw_reasoning_field:
            self._held += text
            head = self._held.lstrip()
            if len(head) < len(_OPEN) and _OPEN.startswith(head):
                return  # could still be "<think>"
            self._started = True
            if not head.startswith(_OPEN):
                self.emit(_OPEN)
                self.saw_open = True
            self.emit(self._held)
            self._held = ""
            return
        self._started = True
        self.emit(text)

    def _scan(self, start: int) -> None:
        """Note the first tag in the content from ``start``: an opening, or an unopened close."""
        if self.saw_open or self.unopened_close:
            return
        opened = self._content.find(_OPEN, start)
        closed = self._content.find(_CLOSE, start)
        if opened != -1 and (closed == -1 or opened < closed):
            self.saw_open = True
        elif closed != -1 and not self.saw_reasoning_field:
            self.unopened_close = True

    def _flush_held(self) -> None:
        if self._held:
            self._started = True
            self.emit(self._held)
            self._held = ""

    def close(self) -> None:
        """End of stream (or error): release held text, close a think block left open by fields."""
        if self._held:
            if self.opens_thinking and not self._held.lstrip().startswith(_OPEN):
                self.emit(_OPEN)
            self._flush_held()
        if self.in_field_reasoning:
            self.emit("</think>")
            self.in_field_reasoning = False


_OPEN, _CLOSE = "<think>", "</think>"
