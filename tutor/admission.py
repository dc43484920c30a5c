"""A bounded queue in front of the model: ``slots`` replies run at once, ``waiting`` more wait
in arrival order, and anyone past that is told the tutor is busy and roughly how long the wait
is, instead of waiting silently.

The wait estimate comes from how long recent replies took (a moving average), so it follows
the real model and hardware: seats free up about once per ``average reply / slots`` seconds.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque

DEFAULT_SLOTS = 16
DEFAULT_WAITING = 16
"""Slots + waiting stay within the web server's worker threads (ui/server.py)."""
FIRST_GUESS_S = 30.0
"""Average reply time assumed until replies have been measured."""


class Ticket:
    """One student's place: waiting, then admitted, then released (exactly once)."""

    def __init__(self, admission: "Admission"):
        self._admission = admission
        self.admitted = False
        self.released = False
        self.admitted_at: float | None = None

    def wait(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds for a slot; True once admitted."""
        return self._admission._wait(self, timeout)

    def position(self) -> int:
        """How many students are ahead in the queue (0 when admitted or next)."""
        return self._admission._position(self)

    def release(self) -> None:
        self._admission._release(self)

    def __enter__(self) -> "Ticket":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


class Admission:
    def __init__(self, slots: int = DEFAULT_SLOTS, waiting: int = DEFAULT_WAITING, first_guess_s: float = FIRST_GUESS_S):
        if slots < 1 or waiting < 0:
            raise ValueError("slots must be >= 1 and waiting >= 0")
        self.slots = slots
        self.max_waiting = waiting
        self.average_reply_s = first_guess_s
        self._running = 0
        self._queue: deque[Ticket] = deque()
        self._cond = threading.Condition()

    @property
    def capacity(self) -> int:
        """Students served or queued at most; the next one is refused."""
        return self.slots + self.max_waiting

    def running(self) -> int:
        return self._running

    def waiting(self) -> int:
        return len(self._queue)

    def enter(self) -> Ticket | None:
        """A ticket (admitted at once, or queued), or None when the queue is full."""
        ticket = Ticket(self)
        with self._cond:
            if self._running < self.slots and not self._queue:
                self._admit(ticket)
            elif len(self._queue) < self.max_waiting:
                self._queue.append(ticket)
            else:
                return None
        return ticket

    def wait_estimate_s(self, ahead: int | None = None) -> int:
        """Seconds until a seat frees for someone with ``ahead`` students before them."""
        ahead = len(self._queue) if ahead is None else ahead
        return max(1, math.ceil((ahead + 1) * self.average_reply_s / self.slots))

    def busy_notice(self) -> str:
        return (
            f"The tutor is busy right now: {self._running} students are being answered and {len(self._queue)} are waiting. "
            f"Please try again in about {self.wait_estimate_s()} s."
        )

    def waiting_notice(self, ticket: Ticket) -> str:
        ahead = ticket.position()
        return f"Many students are asking at once; you are next in line after {ahead}. About {self.wait_estimate_s(ahead)} s to wait."

    # ticket internals ---------------------------------------------------------
    def _admit(self, ticket: Ticket) -> None:
        self._running += 1
        ticket.admitted = True
        ticket.admitted_at = time.monotonic()

    def _wait(self, ticket: Ticket, timeout: float | None) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: ticket.admitted or ticket.released, timeout) and ticket.admitted

    def _position(self, ticket: Ticket) -> int:
        with self._cond:
            try:
                return self._queue.index(ticket)
            except ValueError:
                return 0

    def _release(self, ticket: Ticket) -> None:
        with self._cond:
            if ticket.released:
                return
            ticket.released = True
            if ticket.admitted:
                self._running -= 1
                took = time.monotonic() - (ticket.admitted_at or time.monotonic())
                self.average_reply_s = 0.8 * self.average_reply_s + 0.2 * max(took, 0.1)
            else:
                self._queue.remove(ticket)
            while self._queue and self._running < self.slots:
                self._admit(self._queue.popleft())
            self._cond.notify_all()
