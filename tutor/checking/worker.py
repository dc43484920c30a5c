"""Worker process: ``python -m tutor.checking.worker`` serves checks over pipes.

Protocol: one JSON object per line. The worker writes ``{"ready": pid}`` once
sympy is imported, then for each request ``{"fn": NAME, "args":
[...], "cpu": seconds}`` answers ``{"ok": result}`` or ``{"error": kind}``.
Limits: address space MEMORY_LIMIT for the whole process; CPU time per request
(RLIMIT_CPU raised to time-used-so-far + ``cpu``; SIGXCPU ends the process and
the parent starts a new one). The real stdout is kept for the protocol and
``sys.stdout`` is pointed at stderr so a stray print cannot corrupt it.
"""

from __future__ import annotations

import json
import os
import resource
import sys

MEMORY_LIMIT = 2 << 30
"""Bytes of address space (python + sympy + mpmath use ~250 MB)."""
TASKS = {
    "check": "checker",
    "preview": "checker",
    "cas": "cross_check.solve",
    "antiderivative_equal": "cross_check.solve",
    "in_form": "cross_check.solve",
    "positive_equal": "cross_check.solve",
    "leaks": "hint_screen.leak_check",
    "step": "step_check.step",
}
"""Task name -> module under ``tutor.checking`` that defines it (the parent's side: ``tasks.py``)."""


def _limit_cpu(seconds: float) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(usage.ru_utime + usage.ru_stime + seconds) + 1
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def main() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    sys.setrecursionlimit(4000)
    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout = sys.stderr
    import importlib

    modules = {m: importlib.import_module(f"tutor.checking.{m}") for m in set(TASKS.values())}

    protocol.write(json.dumps({"ready": os.getpid()}) + "\n")
    protocol.flush()
    for line in sys.stdin:
        try:
            req = json.loads(line)
            name = req["fn"]
            if name not in TASKS:
                raise ValueError("unknown function")
            _limit_cpu(float(req["cpu"]))
            reply = {"ok": getattr(modules[TASKS[name]], name)(*req["args"])}
        except MemoryError:
            reply = {"error": "memory"}
        except RecursionError:
            reply = {"error": "recursion"}
        except Exception as exc:  # noqa: BLE001 - a checker bug: report its type only, never its text
            reply = {"error": type(exc).__name__}
        protocol.write(json.dumps(reply) + "\n")
        protocol.flush()


if __name__ == "__main__":
    main()
