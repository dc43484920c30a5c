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
import json
import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

WORKERS = 2
STARTUP_WAIT = 60.0
_ROOT = str(Path(__file__).resolve().parents[2])


class CheckTimeout(Exception):
    """The task ran past its time or its worker died (resource limit)."""


class _Worker:
    """One worker process and the line-buffered end of its pipes."""

    def __init__(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = _ROOT + os.pathsep + env.get("PYTHONPATH", "")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tutor.checking.worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=env, cwd=_ROOT, close_fds=True,
        )
        self.buf = b""
        self.ready = False
        # One reader at a time: warm_up() on one thread and run() on another may wait on the
        # same worker; unserialised, one would read (and drop) the other's reply line.
        self.lock = threading.Lock()

    def _read_line(self, deadline: float) -> bytes | None:
        """One protocol line, or None on timeout or end of file (process died)."""
        fd = self.proc.stdout.fileno()
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
                self.proc.stdin.write(json.dumps(request).encode() + b"\n")
                self.proc.stdin.flush()
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
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass


class WorkerPool:
    """Fixed-size set of workers; ``run`` borrows one for one request."""

    def __init__(self, size: int = WORKERS) -> None:
        self.size = size
        self.idle: list[_Worker] = []
        self.cond = threading.Condition()
        self.started = False
        self.closed = False

    def _start(self) -> None:
        self.idle = [_Worker() for _ in range(self.size)]
        self.started = True

    def _acquire(self, deadline: float) -> _Worker:
        with self.cond:
            if not self.started:
                self._start()
            while not self.idle:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.closed:
                    raise CheckTimeout()
                self.cond.wait(remaining)
            ready = [w for w in self.idle if w.ready]
            worker = ready[0] if ready else self.idle[0]
            self.idle.remove(worker)
            return worker

    def _release(self, worker: _Worker) -> None:
        with self.cond:
            if self.closed:
                worker.kill()
                return
            self.idle.append(worker)
            self.cond.notify()

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
        worker = self._acquire(deadline)
        if not worker.wait_ready(deadline):
            self._release(worker)
            raise CheckTimeout()
        reply = worker.call({"fn": name, "args": list(args), "cpu": timeout + 1}, deadline)
        if reply is None:
            worker.kill()
            self._release(_Worker())
            raise CheckTimeout()
        self._release(worker)
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
