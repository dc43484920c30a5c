"""Per-client limits on Gradio's queue, and abandoned requests cancelled (issue 11 rows 6 and 8).

Gradio has one global queue (``max_size`` 256 here): any client could fill it with
fire-and-forget ``queue/join`` calls that never open ``queue/data`` to read their results
(291 in 16 s turned every student's Solve, Check answer and Join class into "Queue is full").
``QueueGuard`` wraps the queue's ``push`` so that an event is refused (HTTP 503, with a
sentence for the student) when its client already has, queued or running,

* ``per_session`` events from the same page (Gradio session hash; a tab needs ~3), or
* ``per_identity`` events carrying the same browser identity (the ``BrowserState`` input), or
* ``per_address`` events from its address — unless the event's identity is a student in a
  class: a whole class often shares one school address behind NAT, so members are bounded
  per identity only, and a visitor on the school's address cannot crowd them out. Class
  membership is read (one indexed SELECT, cached ``MEMBER_CACHE_S``) only for an event from
  an address already at its limit, so normal traffic costs no database read.

A flood from one address therefore holds at most ``per_address`` (32) of the 256 places.

**Abandoned requests.** ``StreamTracker`` (ASGI) counts the open ``queue/data`` (and
``/call/…``) streams per session. Every ``REAP_INTERVAL_S`` the guard cancels each event
whose session has had no open stream for ``grace_s`` (10 s; the browser and gradio_client
open it within milliseconds of joining): a queued event is dropped, a running reply stops at
its next update (Gradio closes the generator; ``TutorService`` saves it as ``stopped`` and
frees its seat). A client that disconnects mid-reply is handled by Gradio itself (its
stream's disconnect cleans the session's events, with the same effect).

Hazard: this relies on Gradio 6.31 internals (``Queue.push``, ``event_ids_to_events``,
``clean_events``, ``Event.enqueue_time``); ``tests/test_flood.py`` fails if they change.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import anyio
import gradio as gr
from starlette.types import ASGIApp, Receive, Scope, Send

from tutor.service import valid_token  # the identity token's format (storage.valid_token)

log = logging.getLogger(__name__)

PER_SESSION = 8
PER_IDENTITY = 8
PER_ADDRESS = 32
GRACE_S = 10.0
REAP_INTERVAL_S = 1.0
MEMBER_CACHE_S = 30.0
MEMBER_CACHE_KEYS = 10_000
BUSY_PAGE = "This page has too many requests waiting; please wait for them to finish."
BUSY_NETWORK = (
    "Too many requests from your network are waiting; please try again in a moment. "
    "(Students who have joined their teacher's class are not limited this way.)"
)
_CALL_STREAM = re.compile(r"/gradio_api/call(?:/v2)?/[^/]+/([^/]+)/?$")


@dataclass(frozen=True)
class _Owner:
    address: str | None
    identity: str | None
    session: str | None
    member: bool


class QueueGuard:
    """Install with ``install()`` after ``blocks.queue(...)``; add ``StreamTracker`` to the app."""

    def __init__(
        self,
        blocks: gr.Blocks,
        member: Callable[[str], bool],
        *,
        per_session: int = PER_SESSION,
        per_identity: int = PER_IDENTITY,
        per_address: int = PER_ADDRESS,
        grace_s: float = GRACE_S,
    ) -> None:
        """``member(token)``: is this identity a student in a class (a blocking read)?"""
        self.blocks = blocks
        self.member = member
        self.per_session = per_session
        self.per_identity = per_identity
        self.per_address = per_address
        self.grace_s = grace_s
        self.refused = 0
        self.reaped = 0
        self._owners: dict[str, _Owner] = {}
        self._open: dict[str, int] = {}
        self._closed_at: dict[str, float] = {}
        self._members: OrderedDict[str, tuple[float, bool]] = OrderedDict()
        self._lock: asyncio.Lock | None = None
        self._reaper: asyncio.Task | None = None
        self._push: Callable[..., Awaitable[tuple[bool, Any, str]]] | None = None  # Gradio's own, once installed

    def install(self) -> None:
        queue = self.blocks._queue
        self._push = queue.push
        # an instance attribute shadows Queue.push; routes.py calls it by name (a deliberate patch of
        # Gradio's method, with a looser signature than its PredictBodyInternal/Request one)
        queue.push = self.push  # type: ignore[method-assign, assignment]

    # joining ---------------------------------------------------------------------------------
    async def push(self, body: Any, request: Any, username: str | None) -> tuple[bool, Any, str]:
        self._start_reaper()
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:  # count and record together, so parallel joins cannot overshoot
            self._prune()
            address = request.client.host if getattr(request, "client", None) else None
            identity = self._identity(body)
            refusal, member = await self._refusal(address, identity, body.session_hash)
            if refusal:
                self.refused += 1
                return False, refusal, "queue_full"
            if self._push is None:
                raise RuntimeError("QueueGuard.push before install()")
            ok, event_id, state = await self._push(body=body, request=request, username=username)
            if ok and isinstance(event_id, str):
                self._owners[event_id] = _Owner(address, identity, body.session_hash, member)
            return ok, event_id, state

    async def _refusal(self, address: str | None, identity: str | None, session: str | None) -> tuple[str | None, bool]:
        owners = list(self._owners.values())
        if session and sum(o.session == session for o in owners) >= self.per_session:
            return BUSY_PAGE, False
        if identity and sum(o.identity == identity for o in owners) >= self.per_identity:
            return BUSY_PAGE, False
        if address and sum(o.address == address and not o.member for o in owners) >= self.per_address:
            if identity and await self._is_member(identity):
                return None, True
            return BUSY_NETWORK, False
        return None, False

    def _identity(self, body: Any) -> str | None:
        """The browser identity among the event's inputs, if well formed: the page's events carry
        it as their ``BrowserState`` value, the API's (``ui/student_api.py``) as ``state``; both
        are ``{"token": ...}``. Read from the first such dict (no component lookup needed)."""
        data = body.data if isinstance(getattr(body, "data", None), list) else []
        for value in data:
            token = value.get("token") if isinstance(value, dict) else None
            if valid_token(token):
                return token
        return None

    async def _is_member(self, token: str) -> bool:
        now = time.monotonic()
        cached = self._members.get(token)
        if cached is not None and now - cached[0] < MEMBER_CACHE_S:
            return cached[1]
        try:
            member = bool(await anyio.to_thread.run_sync(self.member, token))
        except Exception:  # unknown counts as anonymous (logged)
            log.exception("class membership lookup failed")
            member = False
        self._members[token] = (now, member)
        self._members.move_to_end(token)
        while len(self._members) > MEMBER_CACHE_KEYS:
            self._members.popitem(last=False)
        return member

    def _prune(self) -> None:
        live = self.blocks._queue.event_ids_to_events
        for event_id in [e for e in self._owners if e not in live]:
            del self._owners[event_id]

    def pending(self, address: str, counted_only: bool = False) -> int:
        """Events from ``address`` now queued or running; ``counted_only``: those counted
        against ``per_address`` (not a class member's taken past that limit)."""
        self._prune()
        return sum(o.address == address and not (counted_only and o.member) for o in list(self._owners.values()))

    # streams and abandoned events -----------------------------------------------------------
    def stream_opened(self, session: str) -> None:
        self._open[session] = self._open.get(session, 0) + 1

    def stream_closed(self, session: str) -> None:
        left = self._open.get(session, 0) - 1
        if left > 0:
            self._open[session] = left
        else:
            self._open.pop(session, None)
            self._closed_at[session] = time.monotonic()

    def session_of_event(self, event_id: str) -> str:
        event = self.blocks._queue.event_ids_to_events.get(event_id)
        return event.session_hash if event is not None else event_id

    def _start_reaper(self) -> None:
        if self._reaper is None or self._reaper.done():
            self._reaper = asyncio.get_running_loop().create_task(self._reap_forever())

    async def _reap_forever(self) -> None:
        while not self.blocks._queue.stopped:
            await asyncio.sleep(REAP_INTERVAL_S)
            try:
                await self.reap()
            except Exception:  # the reaper must outlive any one failure (logged)
                log.exception("reaping abandoned events failed")

    async def reap(self) -> int:
        """Cancel events whose page has not listened for ``grace_s``; returns how many."""
        queue = self.blocks._queue
        now = time.monotonic()
        abandoned = []
        for event_id, event in list(queue.event_ids_to_events.items()):
            session = event.session_hash
            if not event.alive or self._open.get(session, 0) > 0:
                continue
            since = max(event.enqueue_time, self._closed_at.get(session, float("-inf")))
            if now - since > self.grace_s:
                abandoned.append(event_id)
        for event_id in abandoned:
            await queue.clean_events(event_id=event_id)
        self.reaped += len(abandoned)
        cutoff = now - 10 * self.grace_s  # forget sessions long closed (bounded memory)
        for session in [s for s, t in self._closed_at.items() if t < cutoff]:
            del self._closed_at[session]
        return len(abandoned)


class StreamTracker:
    """Pure ASGI: tells the guard when a page opens and closes its result stream."""

    def __init__(self, app: ASGIApp, guard: QueueGuard) -> None:
        self.app = app
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        session = self._session(scope) if scope["type"] == "http" and scope.get("method") == "GET" else None
        if session is None:
            await self.app(scope, receive, send)
            return
        self.guard.stream_opened(session)
        try:
            await self.app(scope, receive, send)
        finally:
            self.guard.stream_closed(session)

    def _session(self, scope: Scope) -> str | None:
        path = scope["path"]
        if path.endswith("/gradio_api/queue/data"):
            values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("session_hash")
            return values[0] if values else None
        match = _CALL_STREAM.search(path)
        return self.guard.session_of_event(match.group(1)) if match else None
