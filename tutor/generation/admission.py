"""A bounded queue in front of the model: ``slots`` replies run at once, ``waiting`` more wait
in arrival order, and anyone past that is told the tutor is busy and roughly how long the wait
is, instead of waiting silently.

The wait estimate comes from how long recent replies took (a moving average), so it follows
the real model and hardware: seats free up about once per ``average reply / slots`` seconds.

Seats kept for classes (issue 11 row 8): a ticket is a class member's or an anonymous
visitor's. Anonymous visitors, from all addresses together, may run at most
``slots - reserved_slots`` replies and hold at most ``waiting - reserved_waiting`` places in
line (defaults: a quarter of each kept, 4 of 16 and 4 of 16), so a flood of fresh anonymous
identities can never take the last seats from students already in a class. Members may use
every seat. The line stays first come, first served, except that an anonymous ticket whose
share is used up is passed over for the member behind it.
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

    def __init__(self, admission: Admission, member: bool = True):
        self._admission = admission
        self.member = member
        """A class member's ticket (may use the reserved seats)."""
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

    def __enter__(self) -> Ticket:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


class Admission:
    def __init__(
        self,
        slots: int = DEFAULT_SLOTS,
        waiting: int = DEFAULT_WAITING,
        first_guess_s: float = FIRST_GUESS_S,
        reserved_slots: int | None = None,
        reserved_waiting: int | None = None,
    ):
        """``reserved_slots`` / ``reserved_waiting``: kept for class members (default a quarter, rounded down)."""
        if slots < 1 or waiting < 0:
            raise ValueError("slots must be >= 1 and waiting >= 0")
        self.slots = slots
        self.max_waiting = waiting
        self.reserved_slots = min(slots - 1, slots // 4 if reserved_slots is None else reserved_slots)
        self.reserved_waiting = min(waiting, waiting // 4 if reserved_waiting is None else reserved_waiting)
        self.average_reply_s = first_guess_s
        self._running = 0
        self._anonymous_running = 0
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

    def enter(self, member: bool = True) -> Ticket | None:
        """A ticket (admitted at once, or queued), or None when the queue is full.

        ``member=False`` (an anonymous visitor): also None when the anonymous share of the
        line is used up, so the reserved places stay free for class members."""
        ticket = Ticket(self, member)
        with self._cond:
            if self._may_run(ticket) and not any(self._may_run(t) for t in self._queue):
                self._admit(ticket)
                return ticket
            queued = len(self._queue)
            if not member:
                anonymous_waiting = sum(1 for t in self._queue if not t.member)
                if anonymous_waiting >= self.max_waiting - self.reserved_waiting:
                    return None
            if queued >= self.max_waiting:
                return None
            self._queue.append(ticket)
        return ticket

    def wait_estimate_s(self, ahead: int | None = None) -> int:
        """Seconds until a seat frees for someone with ``ahead`` students before them."""
        ahead = len(self._queue) if ahead is None else ahead
        return max(1, math.ceil((ahead + 1) * self.average_reply_s / self.slots))

    def busy_notice(self) -> str:
        return (
            f"The tutor is busy right now: {self._running} students are being answered and {len(self._queue)} are "
            f"waiting. "
            f"Please try again in about {self.wait_estimate_s()} s."
        )

    def waiting_notice(self, ticket: Ticket) -> str:
        ahead = ticket.position()
        return (
            f"Many students are asking at once; you are next in line after {ahead}. About "
            f"{self.wait_estimate_s(ahead)} s to wait."
        )

    # ticket internals ---------------------------------------------------------
    def _may_run(self, ticket: Ticket) -> bool:
        if self._running >= self.slots:
            return False
        return ticket.member or self._anonymous_running < self.slots - self.reserved_slots

    def _admit(self, ticket: Ticket) -> None:
        self._running += 1
        if not ticket.member:
            self._anonymous_running += 1
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
                if not ticket.member:
                    self._anonymous_running -= 1
                took = time.monotonic() - (ticket.admitted_at or time.monotonic())
                self.average_reply_s = 0.8 * self.average_reply_s + 0.2 * max(took, 0.1)
            else:
                self._queue.remove(ticket)
            for queued in list(self._queue):  # in order; an anonymous ticket over its share waits
                if self._running >= self.slots:
                    break
                if self._may_run(queued):
                    self._queue.remove(queued)
                    self._admit(queued)
            self._cond.notify_all()
