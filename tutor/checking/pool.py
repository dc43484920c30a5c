"""A small warm pool of checker processes that can really be killed.

Why processes: sympy work on hostile input can run for hours; ``signal.alarm``
only works on the main thread (Gradio calls from worker threads) and a
``concurrent.futures`` timeout leaves the worker busy. A worker that overruns
is SIGKILLed and replaced at once.

Why not multiprocessing/pebble: the spawn and forkserver start methods re-run
the parent's ``__main__`` in every worker (an unguarded app script would start
again), and fork copies a parent that may hold a multi-GB model, which also
breaks an address-space limit. Workers here are fresh interpreters started with
fork+exec (``python -m tutor.checking.worker``), which is safe from any thread.

Numbers: WORKERS = 2 (a 2-core host); a worker takes ~1 s to import sympy, so
the first call waits up to STARTUP_WAIT for the pool (not counted against its
timeout; call ``warm_up()`` at app start to avoid that). A killed worker's
replacement is started immediately, while the other one keeps serving.
The pool is forgotten in a forked child (which starts its own) and killed at
interpreter exit.
"""

from __future__ import annotations

import atexit
import contextlib
import heapq
import itertools
import json
import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

WORKERS = 2
STARTUP_WAIT = 60.0
_ROOT = str(Path(__file__).resolve().parents[2])


class CheckTimeout(Exception):
    """The task ran past its time or its worker died (resource limit)."""


class PoolBusy(CheckTimeout):
    """No worker became free in time: the load's fault, not the input's (never recorded as an attempt)."""


LOW_PRIORITY = frozenset({"step"})  # tasks.STEP
"""Working checks ("Check my working", up to 15 s a request): they wait behind every other
request and hold at most ``size - 1`` workers, so one student's working can never take the
worker an answer check needs (issue 11 row 7: 4 parallel 30-line workings once starved
every other student's answer check)."""


class _Worker:
    """One worker process and the line-buffered end of its pipes."""

    def __init__(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = _ROOT + os.pathsep + env.get("PYTHONPATH", "")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tutor.checking.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=_ROOT,
            close_fds=True,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None  # both are PIPE
        self.stdin: IO[bytes] = self.proc.stdin
        self.stdout: IO[bytes] = self.proc.stdout
        self.buf = b""
        self.ready = False
        # One reader at a time: warm_up() on one thread and run() on another may wait on the
        # same worker; unserialised, one would read (and drop) the other's reply line.
        self.lock = threading.Lock()

    def _read_line(self, deadline: float) -> bytes | None:
        """One protocol line, or None on timeout or end of file (process died)."""
        fd = self.stdout.fileno()
        while b"\n" not in self.buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                return None
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line

    def wait_ready(self, deadline: float) -> bool:
        with self.lock:
            if not self.ready:
                self.ready = self._read_line(deadline) is not None
            return self.ready

    def call(self, request: dict, deadline: float) -> dict | None:
        with self.lock:
            try:
                self.stdin.write(json.dumps(request).encode() + b"\n")
                self.stdin.flush()
            except (BrokenPipeError, OSError):
                return None
            line = self._read_line(deadline)
        return json.loads(line) if line is not None else None

    def kill(self) -> None:
        try:
            self.proc.kill()
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        for f in (self.stdin, self.stdout):
            with contextlib.suppress(OSError):
                f.close()


class WorkerPool:
    """Fixed-size set of workers; ``run`` borrows one for one request."""

    def __init__(self, size: int = WORKERS) -> None:
        self.size = size
        self.idle: list[_Worker] = []
        self.cond = threading.Condition()
        self.started = False
        self.closed = False
        self._waiting: list[tuple[int, int]] = []
        """Heap of (priority, arrival) of requests waiting for a worker; the head goes first."""
        self._arrivals = itertools.count()
        self._low_running = 0

    def _start(self) -> None:
        self.idle = [_Worker() for _ in range(self.size)]
        self.started = True

    def _acquire(self, deadline: float, low: bool = False) -> _Worker:
        with self.cond:
            if not self.started:
                self._start()
            me = (1 if low else 0, next(self._arrivals))
            heapq.heappush(self._waiting, me)
            try:
                while not (
                    self.idle and self._waiting[0] == me and (not low or self._low_running < max(1, self.size - 1))
                ):
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or self.closed:
                        raise PoolBusy()
                    self.cond.wait(remaining)
                ready = [w for w in self.idle if w.ready]
                worker = ready[0] if ready else self.idle[0]
                self.idle.remove(worker)
                self._low_running += low
                return worker
            finally:
                self._waiting.remove(me)
                heapq.heapify(self._waiting)
                self.cond.notify_all()  # the next in line may now be the head

    def _release(self, worker: _Worker, low: bool = False) -> None:
        with self.cond:
            self._low_running -= low
            if self.closed:
                worker.kill()
                return
            self.idle.append(worker)
            self.cond.notify_all()

    def warm_up(self, wait: float = STARTUP_WAIT) -> None:
        deadline = time.monotonic() + wait
        with self.cond:
            if not self.started:
                self._start()
            workers = list(self.idle)
        for w in workers:
            w.wait_ready(deadline)

    def run(self, name: str, args: tuple, timeout: float) -> object:
        """Result of ``checker.<name>(*args)``; CheckTimeout after ``timeout`` s."""
        if not self.started:
            self.warm_up()
        deadline = time.monotonic() + timeout - 0.02
        low = name in LOW_PRIORITY
        worker = self._acquire(deadline, low)
        if not worker.wait_ready(deadline):
            self._release(worker, low)
            raise PoolBusy()  # still starting (or restarting after a kill): not the input's fault
        reply = worker.call({"fn": name, "args": list(args), "cpu": timeout + 1}, deadline)
        if reply is None:
            worker.kill()
            self._release(_Worker(), low)
            raise CheckTimeout()
        self._release(worker, low)
        if "ok" in reply:
            return reply["ok"]
        if reply.get("error") in ("memory", "recursion"):
            raise CheckTimeout()
        raise RuntimeError("the checker failed")

    def close(self) -> None:
        with self.cond:
            self.closed = True
            workers, self.idle = self.idle, []
        for w in workers:
            w.kill()


_pool = WorkerPool()
_owner = os.getpid()


def _current() -> WorkerPool:
    if _owner != os.getpid():
        _forget_after_fork()
    return _pool


def _forget_after_fork() -> None:
    """A forked child must not share the parent's workers; it starts its own."""
    global _pool, _owner
    _pool, _owner = WorkerPool(), os.getpid()


def run(name: str, args: tuple, timeout: float) -> object:
    return _current().run(name, args, timeout)


def warm_up() -> None:
    """Start the workers now (e.g. at app start) instead of on the first check."""
    _current().warm_up()


def shutdown() -> None:
    if _owner == os.getpid():
        _pool.close()


os.register_at_fork(after_in_child=_forget_after_fork)
atexit.register(shutdown)
