"""Teacher sign-in: the failed-login throttle (in memory; the password hashes are storage's).

Kept out of ``storage/`` (records only): it stores nothing and forgets on restart.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Failures:
    locked_until: float = 0.0
    times: list[float] = field(default_factory=list)


class LoginThrottle:
    """Failed sign-ins per (username, address), per username and per address.

    ``begin`` is the only gate: under one lock it refuses a locked key, or counts the attempt
    as a failure on every key *before* the password is hashed, so a burst of parallel guesses
    cannot all pass the check (at most ``max_failures`` of them are evaluated);
    ``succeeded`` takes that provisional failure back. Limits within ``window_s``:
    ``max_failures`` per (username, address), ``per_account_failures`` per username from any
    address, ``per_address_failures`` per address over all usernames. Each locks its key for
    ``lock_s``. The address-wide lock spares a username that has already signed in from that
    address (a school shares one address: a student spraying names there must not lock out
    its teachers). In memory: a restart forgets, which is acceptable for a throttle (the
    scrypt cost still bounds guessing).
    """

    def __init__(
        self,
        max_failures: int = 5,
        lock_s: float = 60.0,
        window_s: float = 300.0,
        per_address_failures: int = 20,
        per_account_failures: int = 10,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures, self.lock_s, self.window_s = max_failures, lock_s, window_s
        self.per_address_failures, self.per_account_failures = per_address_failures, per_account_failures
        self._clock = clock
        self._lock = threading.Lock()
        self._state: dict[tuple[str, str], _Failures] = {}
        self._known: set[tuple[str, str]] = set()

    def _keys(self, username: str, address: str) -> list[tuple[tuple[str, str], int]]:
        name = username.lower()
        keys = [((name, address), self.max_failures), ((name, "*"), self.per_account_failures)]
        if (name, address) not in self._known:
            keys.append((("", address), self.per_address_failures))
        return keys

    def locked_for(self, username: str, address: str) -> float:
        """Seconds left on a lock for this username from this address; 0 when free."""
        now = self._clock()
        with self._lock:
            left = [s.locked_until - now for k, _ in self._keys(username, address) if (s := self._state.get(k))]
        return max([0.0, *left])

    def begin(self, username: str, address: str) -> float | None:
        """None when locked (do not check the password); else a ticket for ``succeeded``."""
        now = self._clock()
        with self._lock:
            keys = self._keys(username, address)
            if any((s := self._state.get(k)) and s.locked_until > now for k, _ in keys):
                return None
            self._record(keys, now)
            return now

    def failed(self, username: str, address: str) -> None:
        """Count a failure (``begin`` already counts one per attempt; this is for other callers)."""
        now = self._clock()
        with self._lock:
            self._record(self._keys(username, address), now)

    def _record(self, keys: list[tuple[tuple[str, str], int]], now: float) -> None:
        if len(self._state) > 100_000:  # bound memory under a spray of names
            self._state = {k: s for k, s in self._state.items() if s.locked_until > now}
        for key, limit in keys:
            state = self._state.setdefault(key, _Failures())
            state.times = [t for t in state.times if now - t < self.window_s] + [now]
            if len(state.times) >= limit:
                state.locked_until = now + self.lock_s
                state.times = []

    def succeeded(self, username: str, address: str, ticket: float | None = None) -> None:
        """A right password: clear this (username, address); take back ``begin``'s failure."""
        name = username.lower()
        with self._lock:
            self._state.pop((name, address), None)
            for key in ((name, "*"), ("", address)):
                state = self._state.get(key)
                if state is not None and ticket in state.times:
                    state.times.remove(ticket)
            if len(self._known) > 10_000:
                self._known.clear()
            self._known.add((name, address))
