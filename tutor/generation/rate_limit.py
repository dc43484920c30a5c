"""Sliding-window limits on how fast one student (or one address) may ask.

Defaults: 6 questions a minute per browser identity — a student reading the replies asks
far fewer — and 120 a minute per address, since a whole class often shares one address
behind the school's NAT (charged for anonymous visitors only: a class member's asks
are not, so a flood on a school's address cannot lock its class out). Memory is bounded:
at most ``max_keys`` keys are tracked, the least recently seen dropped first.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable


class RateLimiter:
    def __init__(
        self, limit: int, window_s: float, max_keys: int = 10_000, clock: Callable[[], float] = time.monotonic
    ):
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

    def refusal(self, student_key: str, address: str | None, member: bool = False) -> str | None:
        """A message for the student when they ask too fast, else None.

        ``member`` (a student in a class): the address's limit is not charged, so a flood of
        anonymous asks from a school's shared address cannot lock its class out (row 8)."""
        wait = self.student.hit(student_key)
        if not wait and address and not member:
            wait = self.address.hit(address)
        if wait:
            return (
                f"You are asking faster than the tutor can keep up with. Please wait {max(1, round(wait))} s and "
                f"try again."
            )
        return None


class JoinLimits:
    """Limits on joining a class (issue 11 row 10: codes were guessed at 18/s, rosters flooded).

    - ``per_student`` joins (right or wrong) per browser identity per ``window_s``: 5 a minute;
    - per address, ``wrong_per_address`` wrong codes within ``wrong_window_s`` (20 in 10 minutes)
      lock that address's joins for ``lock_s`` (10 minutes). Fresh identities do not reset it.
      Hazard: a school shares one address, so one pupil typing codes at random locks the whole
      school's joining; 20 (not 10) leaves room for a class's typos at the start of term. While
      locked, a student may still re-send the code of the class they are already in (to change
      their name): that confirms only a code they already hold, so it is no guessing oracle.
      At most 20 guesses per 20 minutes per address against 31^6 ≈ 887 million codes.
    Memory is bounded (``max_keys`` addresses, least recently seen dropped first); the counts
    live in this process only and start afresh on a restart.
    """

    def __init__(
        self,
        per_student: int = 5,
        window_s: float = 60.0,
        wrong_per_address: int = 20,
        wrong_window_s: float = 600.0,
        lock_s: float = 600.0,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.student = RateLimiter(per_student, window_s, max_keys, clock)
        self.wrong_per_address = wrong_per_address
        self.wrong_window_s = wrong_window_s
        self.lock_s = lock_s
        self.max_keys = max_keys
        self._clock = clock
        self._wrong: OrderedDict[str, deque[float]] = OrderedDict()
        self._locked: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def locked_for(self, address: str | None) -> float:
        """Seconds left of this address's lockout; 0 when it may join."""
        if not address:
            return 0.0
        now = self._clock()
        with self._lock:
            until = self._locked.get(address)
            if until is None:
                return 0.0
            if until <= now:
                del self._locked[address]
                return 0.0
            return until - now

    def wrong_code(self, address: str | None) -> None:
        """Count one wrong code from ``address``; the ``wrong_per_address``-th starts a lockout."""
        if not address:
            return
        now = self._clock()
        with self._lock:
            events = self._wrong.pop(address, None) or deque()
            while events and events[0] <= now - self.wrong_window_s:
                events.popleft()
            events.append(now)
            if len(events) >= self.wrong_per_address:
                events.clear()
                self._locked[address] = now + self.lock_s
                self._locked.move_to_end(address)
                if len(self._locked) > self.max_keys:
                    self._locked.popitem(last=False)
            self._wrong[address] = events
            if len(self._wrong) > self.max_keys:
                self._wrong.popitem(last=False)


PER_IDENTITY_ASKS = 2
"""Replies one browser identity may have running or waiting at once: the one it is reading and
the one that replaces it (asking again cancels the first, ``TutorService._start``)."""
PER_ADDRESS_ANONYMOUS_ASKS = 8
"""Replies running or waiting at once for anonymous visitors (no class) from one address: half
of the model's 16 seats, so one address cannot hold them all (issue 11 row 8: fresh identities
bypassed the per-identity rate). Class members are not counted here, only per identity: a
class behind one school address must not be starved by a visitor on that address."""


class ConcurrencyLimits:
    """How many replies one identity, and one address's anonymous visitors, have in progress.

    ``take`` reserves a place (None) or says why not (a message); the caller must ``give_back``
    exactly once for every place taken, whatever happens to the reply.
    """

    def __init__(self, per_identity: int = PER_IDENTITY_ASKS, per_address_anonymous: int = PER_ADDRESS_ANONYMOUS_ASKS):
        self.per_identity = per_identity
        self.per_address_anonymous = per_address_anonymous
        self._identity: dict[str, int] = {}
        self._address: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, identity: str, address: str | None, member: bool) -> str | None:
        with self._lock:
            if self._identity.get(identity, 0) >= self.per_identity:
                return (
                    "You already have a question being answered. Wait for it to finish (or press Stop) and ask again."
                )
            counted = address if not member else None  # the address an anonymous visitor is counted under
            if counted is not None and self._address.get(counted, 0) >= self.per_address_anonymous:
                return (
                    "Many questions from your network are being answered right now; please try again in a minute. "
                    "(Students who have joined their teacher's class are not limited this way.)"
                )
            self._identity[identity] = self._identity.get(identity, 0) + 1
            if counted is not None:
                self._address[counted] = self._address.get(counted, 0) + 1
            return None

    def give_back(self, identity: str, address: str | None, member: bool) -> None:
        with self._lock:
            _decrement(self._identity, identity)
            if address is not None and not member:
                _decrement(self._address, address)

    def in_progress(self, address: str) -> int:
        """Anonymous replies now in progress from ``address``."""
        with self._lock:
            return self._address.get(address, 0)


def _decrement(counts: dict[str, int], key: str) -> None:
    left = counts.get(key, 0) - 1
    if left > 0:
        counts[key] = left
    else:
        counts.pop(key, None)
