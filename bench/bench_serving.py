"""Serving a class: one stream's ceiling, the app's overhead, and aggregate throughput under load.

    python bench/bench_serving.py [--tokens 128] [--rounds 2] [--levels 1,4,8,16] [--model PATH_OR_ID]

One command, one model in one process (the model, the batching loop and the Gradio app on
uvicorn), side by side; the students' ``gradio_client`` runs in a helper process, as browsers
are not inside the server. Figures are the median over ``--rounds`` interleaved rounds
and the targets are ratios within the run (this machine is shared and noisy):

1. ``raw generate``: ``model.generate`` for one stream, greedy, no streamer — the ceiling.
   Every row runs the prompt the app sends for a first question (system prompt, the worked
   example for small models, the question); the app's backend reuses the cached KV of the
   shared part, ``generate`` prefills it every time (~0.3 s of a ~6 s reply here);
2. the same prompt through the app's in-process backend (``BatchedBackend``) and through the
   running Gradio app (``gradio_client`` against uvicorn on loopback) — target >= 0.9x raw;
3. 1, 4, 8, 16 concurrent students through the Gradio app, each asking question after
   question (8 different ones, cycled) for ``--seconds``: aggregate tokens/s over that window,
   first-token latency p50/p95 of every question asked, and how many got their first token —
   target: aggregate at 8 >= 4x the single-stream figure (1 student), no request starves.

Tokens are those the engine streamed (``BatchedBackend.generated_tokens``; raw: new tokens
of ``generate``), end-of-turn tokens not counted; every reply through the app is checked to
have completed. CPU: the demo model (fetched like a first start). CUDA: Phi-4-mini-reasoning
unless ``--model`` says otherwise. Not run in CI.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch
from gradio_client import Client

from bench.questions import QUESTIONS  # the same prompts in both benches
from tests.conftest import LiveServer, new_store
from tutor.backends import GenerationSettings
from tutor.backends.batching import BatchedBackend
from tutor.backends.factory import is_reasoning_model, max_batch
from tutor.backends.transformers_backend import TransformersBackend
from tutor.generation.rate_limit import AskLimits
from tutor.model_source import default_model, locate
from tutor.service import TutorService, solution_messages
from ui.server import build_app

MODEL_ID = ["demo"]
"""The model benchmarked (set in ``main``): reasoning models get no worked example, as in the app."""


def messages(question: str) -> list[dict[str, str]]:
    """Exactly what the app sends the model for a first question (system prompt, the worked
    example for small models, the question), so all rows run the same prompt."""
    return solution_messages(question, worked_example=not is_reasoning_model(MODEL_ID[0]))


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


class Bench:
    def __init__(self, engine: TransformersBackend, tokens: int):
        self.engine = engine
        self.settings = GenerationSettings(max_new_tokens=tokens, temperature=0)
        self.batched = BatchedBackend(engine, max_batch=max_batch(engine.model.device.type == "cuda"))
        self.tokens_for: dict[str, int] = {}

    def raw(self, question: str) -> tuple[float, int]:
        """``generate`` on a thread of its own that then ends. Measured here: once a second
        long-lived thread (this one) has run torch ops, the engine's thread decodes ~20% slower
        for the rest of the run (8 rows: 127 -> 104 tokens/s), as that thread keeps an OpenMP
        team; the app runs all model work on its one engine thread."""
        out: list[tuple[float, int]] = []
        worker = threading.Thread(target=lambda: out.append(self._raw(question)))
        worker.start()
        worker.join()
        return out[0]

    def _raw(self, question: str) -> tuple[float, int]:
        inputs = self.engine.prompt_ids(messages(question))
        sync()
        start = time.perf_counter()
        with torch.inference_mode():
            out = self.engine.model.generate(
                **inputs,
                max_new_tokens=self.settings.max_new_tokens,
                do_sample=False,
                temperature=None,
                top_p=None,
                top_k=None,
                pad_token_id=self.engine.tokenizer.pad_token_id or self.engine.tokenizer.eos_token_id,
            )
        sync()
        elapsed = time.perf_counter() - start
        new = out.shape[1] - inputs["input_ids"].shape[1]
        eos = self.engine.model.generation_config.eos_token_id
        if new and out[0, -1].item() in (eos if isinstance(eos, list) else [eos]):
            new -= 1  # the end-of-turn token is not text a student sees; the backends do not count it
        return elapsed, new

    def backend(self, question: str) -> float:
        """Tokens/s of one stream through the app's engine."""
        before = self.batched.generated_tokens
        start = time.perf_counter()
        for _ in self.batched.stream(messages(question), self.settings):
            pass
        return (self.batched.generated_tokens - before) / (time.perf_counter() - start)

    def app(self, students: Students, questions: list[str]) -> tuple[float, list[float | None], list[bool]]:
        """Aggregate tokens/s of students asking at once through the Gradio app, counted as the
        tokens the engine streamed (the page adds its own instructions to the prompt)."""
        before = self.batched.generated_tokens
        wall, first, done = students.ask(questions)
        return (self.batched.generated_tokens - before) / wall, first, done


_client: Client | None = None
_endpoint = "/solve"


REFUSALS = ("tutor is busy", "Your question is saved", "asking faster")


def _refused(last: tuple | None) -> bool:
    """No reply, or one of the service's notices (busy, failed, rate-limited) instead of one."""
    return last is None or any(isinstance(x, str) and any(r in x for r in REFUSALS) for x in last)


def students_ask(url: str, questions: list[str], first_student: int) -> tuple[float, list[float | None], list[bool]]:
    """All students press Enter at once; (wall seconds, first-token latencies, completed each).

    Runs in the helper process that plays the browsers. The page's Solve endpoint takes the
    question (``text``) and the browser's identity (``state``); its first two outputs are the
    reasoning and the solution."""
    global _client, _endpoint
    if _client is None:
        _client = Client(url, verbose=False)
        names = _client.view_api(return_format="dict", print_info=False)["named_endpoints"]
        _endpoint = "/solve" if "/solve" in names else "/on_solve"
    client = _client
    first: list[float | None] = [None] * len(questions)
    completed = [False] * len(questions)
    barrier = threading.Barrier(len(questions) + 1)

    def student(i: int) -> None:
        state = {"token": f"bench-student-{first_student + i:012d}"}
        barrier.wait()
        start = time.perf_counter()
        job = client.submit(text=questions[i], state=state, api_name=_endpoint)
        last = None
        for out in job:
            if first[i] is None and (out[0] or out[1]):
                first[i] = time.perf_counter() - start
            last = out
        failed = _refused(last)
        completed[i] = bool(not failed and last[1])

    threads = [threading.Thread(target=student, args=(i,)) for i in range(len(questions))]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - start, first, completed


def students_keep_asking(
    url: str, students: int, seconds: float, first_student: int
) -> list[tuple[float | None, bool]]:
    """``students`` students each ask question after question (cycling through QUESTIONS) for
    ``seconds``; (first-token latency, completed) for every question asked."""
    students_ask(url, [], first_student)  # connect once
    results: list[tuple[float | None, bool]] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def student(i: int) -> None:
        k = i
        while time.perf_counter() < deadline:
            _, first, done = _one(QUESTIONS[k % len(QUESTIONS)], f"bench-loop-{first_student + i:012d}")
            with lock:
                results.append((first, done))
            k += students

    threads = [threading.Thread(target=student, args=(i,)) for i in range(students)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _one(question: str, token: str) -> tuple[float, float | None, bool]:
    start = time.perf_counter()
    first, last = None, None
    for out in _client.submit(text=question, state={"token": token}, api_name=_endpoint):
        if first is None and (out[0] or out[1]):
            first = time.perf_counter() - start
        last = out
    failed = _refused(last)
    return time.perf_counter() - start, first, bool(not failed and last[1])


class Students:
    """The students' browsers: gradio_client in a helper process, as browsers are not in the
    server's process (in-process, the client's own work would compete with the server for the
    GIL). The model and the Gradio app run in the bench process."""

    def __init__(self, url: str):
        self.url = url
        self.pool = multiprocessing.get_context("spawn").Pool(1)
        self.count = 0

    def ask(self, questions: list[str]) -> tuple[float, list[float | None], list[bool]]:
        self.count += len(questions)
        return self.pool.apply(students_ask, (self.url, questions, self.count))

    def keep_asking(
        self, bench: Bench, students: int, seconds: float
    ) -> tuple[float, float, list[tuple[float | None, bool]]]:
        """Steady load: ``students`` ask back to back; the engine's tokens/s over the window, the
        mean number of rows decoding (sampled every 0.1 s), and each question's outcome."""
        self.count += students
        before = bench.batched.generated_tokens
        window: list[int] = []
        busy: list[int] = []
        timer = threading.Timer(seconds, lambda: window.append(bench.batched.generated_tokens))
        pending = self.pool.apply_async(students_keep_asking, (self.url, students, seconds, self.count))
        timer.start()
        while timer.is_alive():
            busy.append(bench.batched.active())
            time.sleep(0.1)
        results = pending.get()
        timer.join()
        return (window[0] - before) / seconds, statistics.mean(busy or [0]), results

    def close(self) -> None:
        self.pool.terminate()


def sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=None, help="max new tokens per reply (128 on CPU, 512 on CUDA)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--levels", default="1,4,8,16")
    parser.add_argument(
        "--seconds", type=float, default=None, help="steady-load window per level (30 s on CPU, 60 s on CUDA)"
    )
    parser.add_argument("--model", default=None, help="model id or folder (default: by hardware, as the app)")
    parser.add_argument("--data-dir", default=os.environ.get("TUTOR_DATA_DIR", "./data"))
    args = parser.parse_args()
    cuda = torch.cuda.is_available()
    tokens = args.tokens or (512 if cuda else 128)
    levels = [int(x) for x in args.levels.split(",")]
    args.seconds = args.seconds or (60.0 if cuda else 30.0)

    location = locate(args.model or default_model(cuda), Path(args.data_dir))
    engine = TransformersBackend.load(location, cuda=cuda)
    MODEL_ID[0] = engine.model_id
    bench = Bench(engine, tokens)
    for question in QUESTIONS:  # warm-up, and each question's reply length in tokens
        bench.tokens_for[question] = bench.raw(question)[1]
    bench.backend(QUESTIONS[0])

    tmp = Path(tempfile.mkdtemp(prefix="bench-serving-"))
    service = TutorService(
        bench.batched,
        new_store(tmp / "tutor.db"),
        bench.settings,
        worked_example=not is_reasoning_model(engine.model_id),
    )
    # Bench students ask back to back, far faster than the per-student limit a real class needs.
    service.limits = AskLimits(per_student=1_000_000, per_address=1_000_000)
    rows: dict[str, list[float]] = {}
    latencies: dict[int, list[float]] = {c: [] for c in levels}
    starved: dict[int, int] = {c: 0 for c in levels}
    incomplete: dict[int, int] = {c: 0 for c in levels}
    asked: dict[int, int] = {c: 0 for c in levels}
    occupancy: dict[int, list[float]] = {}
    q0 = QUESTIONS[0]
    with LiveServer(build_app(service, tmp)) as server:
        students = Students(server.url + "/")
        students.ask([q0])  # warm the page's code paths
        for r in range(args.rounds):
            elapsed, n = bench.raw(q0)
            rows.setdefault("raw generate, 1 stream", []).append(n / elapsed)
            rows.setdefault("app backend (BatchedBackend), 1 stream", []).append(bench.backend(q0))
            rate, _, done = bench.app(students, [q0])
            rows.setdefault("Gradio app via gradio_client, 1 stream", []).append(rate if all(done) else 0.0)
            for c in levels:
                rate, rows_busy, results = students.keep_asking(bench, c, args.seconds)
                rows.setdefault(f"app, {c} students: aggregate", []).append(rate)
                occupancy.setdefault(c, []).append(rows_busy)
                latencies[c] += [f for f, _ in results if f is not None]
                starved[c] += sum(f is None for f, _ in results)
                incomplete[c] += sum(not ok for _, ok in results)
                asked[c] += len(results)
            print(f"round {r + 1}/{args.rounds} done", file=sys.stderr, flush=True)
        students.close()

    med = {k: statistics.median(v) for k, v in rows.items()}
    raw = med["raw generate, 1 stream"]
    single = med.get("app, 1 students: aggregate", med["Gradio app via gradio_client, 1 stream"])
    device = (
        torch.cuda.get_device_name(0)
        if cuda
        else (
            f"{platform.processor() or platform.machine()} CPU, {os.cpu_count()} cores, torch "
            f"{torch.get_num_threads()} threads"
        )
    )
    print(f"\nModel {engine.model_id} ({engine.model.dtype}, {engine.model.config._attn_implementation}) on {device}")
    print(
        f"greedy, {tokens} max new tokens, {args.seconds:.0f} s of steady load per level, median of {args.rounds} "
        f"rounds; reply lengths {min(bench.tokens_for.values())}-{max(bench.tokens_for.values())} tokens\n"
    )

    def each(name: str) -> str:
        return " / ".join(f"{v:.1f}" for v in rows[name])

    print("| path | tokens/s | each round | ratio | first token p50 / p95 | first tokens | rows decoding | target |")
    print("| --- | ---: | --- | ---: | --- | --- | ---: | --- |")
    print(
        f"| raw `model.generate`, 1 stream (ceiling) | {raw:.1f} | {each('raw generate, 1 stream')} | 1.00x raw | "
        f"| | | |"
    )
    for name in ("app backend (BatchedBackend), 1 stream", "Gradio app via gradio_client, 1 stream"):
        ratio = med[name] / raw
        print(
            f"| {name} | {med[name]:.1f} | {each(name)} | {ratio:.2f}x raw | | | | >= 0.9x raw: "
            f"{'met' if ratio >= 0.9 else 'NOT met'} |"
        )
    for c in levels:
        agg = med[f"app, {c} students: aggregate"]
        lat = latencies[c]
        lat_text = f"{percentile(lat, 0.5):.2f} s / {percentile(lat, 0.95):.2f} s" if lat else "-"
        got = f"{asked[c] - starved[c]}/{asked[c]}" + (f" ({incomplete[c]} incomplete)" if incomplete[c] else "")
        target = ""
        if c == 8:
            target = f">= 4x single: {'met' if agg >= 4 * single else 'NOT met'}"
        name = f"app, {c} students: aggregate"
        print(
            f"| Gradio app, {c} concurrent students: aggregate | {agg:.1f} | {each(name)} | {agg / single:.2f}x "
            f"single | {lat_text} | {got} | {statistics.mean(occupancy[c]):.1f} | {target} |"
        )
    bench.batched.close()


if __name__ == "__main__":
    main()
