"""Sliding-window limits on how fast one student (or one address) may ask.

Defaults: 6 questions a minute per browser identity — a student reading the replies asks
far fewer — and 120 a minute per address, since a whole class often shares one address
behind the school's NAT. Memory is bounded: at most ``max_keys`` keys are tracked, the
least recently seen dropped first.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable


class RateLimiter:
    def __init__(self, limit: int, window_s: float, max_keys: int = 10_000, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window_s = window_s
        self.max_keys = max_keys
        self._clock = clock
        self._events: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, key: str) -> float:
        """Record one event for ``key``; 0 if allowed, else the seconds until it would be."""
        now = self._clock()
        with self._lock:
            events = self._events.pop(key, None) or deque()
            while events and events[0] <= now - self.window_s:
                events.popleft()
            self._events[key] = events
            if len(self._events) > self.max_keys:
                self._events.popitem(last=False)
            if len(events) >= self.limit:
                return events[0] + self.window_s - now
            events.append(now)
            return 0.0


class AskLimits:
    """Both limits together: per identity and per address."""

    def __init__(self, per_student: int = 6, per_address: int = 120, window_s: float = 60.0):
        self.student = RateLimiter(per_student, window_s)
        self.address = RateLimiter(per_address, window_s)

    def refusal(self, student_key: str, address: str | None) -> str | None:
        """A message for the student when they ask too fast, else None."""
        wait = self.student.hit(student_key)
        if not wait and address:
            wait = self.address.hit(address)
        if wait:
            return f"You are asking faster than the tutor can keep up with. Please wait {max(1, round(wait))} s and try again."
        return None
