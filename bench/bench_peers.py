"""CPU peers side by side: our in-process engine against other servers, one streaming client.

    python bench/bench_peers.py [--rounds 2] [--levels 1,4,8,16] [--tokens 128] [--quick]
        [--peer llama.cpp=http://127.0.0.1:8102/v1] [--peer vllm=http://127.0.0.1:8101/v1]
        [--no-transformers-serve] [--data-dir /work/peers-data] [--ours-threads 1,2]

Engines, each a server process of its own on 127.0.0.1, all driven by the same client
(``stream: true`` chat completions over HTTP, httpx, one thread per concurrent request):

- ``ours``: the app's engine built the way the app builds it (``create_backend`` from
  ``Settings()``: ``BatchedBackend``, 16 rows on CPU, bf16 where the CPU has it), behind the
  minimal streaming endpoint in this file (``--serve-ours``, stdlib ``http.server``), so it
  pays for HTTP and SSE as the peers do;
- ``transformers serve --continuous-batching`` with the same model folder and dtype, started
  as ``tests/serve.py`` starts it (all cores: no ``OMP_NUM_THREADS=1`` here);
- every ``--peer NAME=URL`` (llama.cpp's ``llama-server``, vLLM), started by hand beforehand
  (see docs/serving.md, "CPU peers"). The model name sent is the model folder's path (what
  ``vllm serve FOLDER`` serves); llama-server ignores it.

Each request is the app's first-question prompt (``tutor.service.solution_messages``: the
system prompt and worked example) for one of ``bench/questions.py``'s questions, greedy,
``--tokens`` new tokens with the end of turn ignored where the server allows it (``ignore_eos``
for ours, vLLM and llama.cpp; ``transformers serve`` is sent a ``generation_config`` without
``eos_token_id``). Tokens counted are the server's own ``usage.completion_tokens`` where its
last chunk reports it, else streamed chunks (column "counted by").

At each level ``c`` in ``--levels``, ``c`` requests start together (a barrier); aggregate
tokens/s is all their tokens over the wall time from start to the last one done; first-token
p50 is over those requests. Rounds are interleaved (round 1: every engine at every level, then
round 2 ...), and the figure is the median over rounds; ratios are to ``ours`` at the same
level. Server RSS is the largest resident set seen during the run, summed over the server
process and its children (vLLM runs its engine in a child), via psutil. Every server stays up
for the whole run: an idle one is assumed to cost nothing (vLLM's and llama-server's idle
loops were seen at ~0% CPU in ``top`` here), and the client is the only other load.

Hazard: this machine is shared (2 cores); other work running during a round moves every
figure. Look at the per-round values before trusting a ratio. Not run in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from bench.questions import QUESTIONS
from tests.serve import ServeProcess, free_port

try:
    import psutil
except ImportError:  # pragma: no cover - psutil comes with the dev requirements
    psutil = None


def messages(question: str) -> list[dict[str, str]]:
    """What the app sends for a first question with the demo model (system prompt, worked example)."""
    from tutor.service import solution_messages

    return solution_messages(question, worked_example=True)


# --- our engine behind a minimal OpenAI-style streaming endpoint (runs in its own process) ---


def serve_ours(port: int, data_dir: Path, ignore_eos: bool, threads: int | None = None) -> None:
    """``POST /v1/chat/completions`` (streaming only) and ``GET /health`` over the app's engine.

    The engine is built by ``tutor.backends.factory.create_backend``, as the app builds it.
    ``--ignore-eos`` empties the engine's end-of-turn set for the whole process (the engine has
    no per-request switch), so every reply runs to ``max_tokens``. ``threads`` sets the engine
    thread's torch threads (``BatchedBackend.cpu_threads``); None leaves the app's default."""
    from tutor.backends import GenerationSettings
    from tutor.backends.factory import create_backend
    from tutor.config import Settings

    backend, _ = create_backend(Settings(backend="transformers", data_dir=data_dir))
    engine = backend.inner  # waits for the load: BatchedBackend
    if ignore_eos:
        engine.eos = set()
    if threads:
        engine.cpu_threads = threads
    tokenizer = engine.tokenizer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/health" else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            msgs = body["messages"]
            settings = GenerationSettings(
                max_new_tokens=int(body.get("max_tokens") or 128),
                temperature=float(body.get("temperature") or 0.0),
                top_p=1.0,
            )
            # Token lists, not tensors: torch ops on request threads slow the engine's thread (bench_serving.py).
            prompt = list(
                tokenizer.apply_chat_template(msgs, add_generation_prompt=True, tokenize=True, return_dict=True)[
                    "input_ids"
                ]
            )
            chunks: queue.Queue[str | None] = queue.Queue()
            cancelled = threading.Event()
            request = engine.submit(prompt, settings, chunks.put, cancelled, shared=engine._shared_length(msgs, prompt))
            threading.Thread(target=lambda: (request.finished.wait(), chunks.put(None)), daemon=True).start()
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                while (text := chunks.get()) is not None:
                    self._event({"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]})
                done = {
                    "choices": [{"index": 0, "delta": {}, "finish_reason": "length"}],
                    "usage": {"prompt_tokens": len(prompt), "completion_tokens": request.generated},
                }
                self._event(done)
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                cancelled.set()

        def _event(self, event: dict) -> None:
            self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
            self.wfile.flush()

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 128  # http.server's listen backlog of 5 reset connections when 16 streams connect at once
        daemon_threads = True

    server = Server(("127.0.0.1", port), Handler)
    print(f"serving on {port}", flush=True)
    server.serve_forever()


class OursProcess:
    """``bench_peers.py --serve-ours`` as a child process, in its own process group."""

    def __init__(self, data_dir: Path, log_path: Path, threads: int | None = None):
        self.port = free_port()
        self.root = f"http://127.0.0.1:{self.port}"
        self.base_url = f"{self.root}/v1"
        cmd = [
            sys.executable,
            __file__,
            "--serve-ours",
            "--port",
            str(self.port),
            "--data-dir",
            str(data_dir),
            "--ignore-eos",
            *(["--threads", str(threads)] if threads else []),
        ]
        self._log = open(log_path, "wb")  # noqa: SIM115 - open for the child's lifetime, closed in stop()
        self.log_path = log_path
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait(self, timeout: float = 300.0) -> OursProcess:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"our server exited: {self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.root}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError("our server did not start")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._log.close()


# --- the one streaming client ---------------------------------------------------------------


@dataclass
class Engine:
    name: str
    base_url: str
    model: str
    extra: dict = field(default_factory=dict)
    pid: int | None = None
    rss_max: float = 0.0
    counted_by: set[str] = field(default_factory=set)


@dataclass
class Result:
    first: float | None
    tokens: int
    seconds: float
    error: str | None = None


def one_request(
    client: httpx.Client, engine: Engine, question: str, tokens: int, start_gate: threading.Barrier
) -> Result:
    body = {
        "model": engine.model,
        "messages": messages(question),
        "stream": True,
        "max_tokens": tokens,
        "temperature": 0,
        **engine.extra,
    }
    start_gate.wait()
    start = time.perf_counter()
    first = None
    chunks = 0
    usage = None
    try:
        with client.stream("POST", f"{engine.base_url}/chat/completions", json=body) as response:
            if response.status_code >= 400:
                response.read()
                return Result(
                    None, 0, time.perf_counter() - start, f"HTTP {response.status_code}: {response.text[:200]}"
                )
            for line in response.iter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                event = json.loads(data)
                if event.get("usage"):
                    usage = event["usage"].get("completion_tokens")
                for choice in event.get("choices") or []:
                    delta = choice.get("delta") or {}
                    if delta.get("content") or delta.get("reasoning_content") or delta.get("reasoning"):
                        chunks += 1
                        if first is None:
                            first = time.perf_counter() - start
    except httpx.HTTPError as exc:
        return Result(first, chunks, time.perf_counter() - start, type(exc).__name__)
    engine.counted_by.add("usage" if usage is not None else "chunks")
    return Result(first, usage if usage is not None else chunks, time.perf_counter() - start)


def burst(engine: Engine, streams: int, tokens: int, offset: int) -> tuple[float, list[Result]]:
    """``streams`` requests at once; (wall seconds, results)."""
    results: list[Result | None] = [None] * streams
    gate = threading.Barrier(streams + 1)
    timeout = httpx.Timeout(connect=10, read=300, write=30, pool=10)
    with httpx.Client(timeout=timeout, limits=httpx.Limits(max_connections=64)) as client:

        def run(i: int) -> None:
            results[i] = one_request(client, engine, QUESTIONS[(offset + i) % len(QUESTIONS)], tokens, gate)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(streams)]
        for t in threads:
            t.start()
        sampler = RssSampler(engine)
        gate.wait()
        start = time.perf_counter()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start
        sampler.stop()
    return wall, [r for r in results if r is not None]


def rss_mib(pid: int | None) -> float:
    """Resident set of ``pid`` and all its descendants, MiB (psutil, else /proc VmRSS of pid alone)."""
    if pid is None:
        return 0.0
    if psutil is not None:
        try:
            proc = psutil.Process(pid)
            procs = [proc, *proc.children(recursive=True)]
            return sum(p.memory_info().rss for p in procs if p.is_running()) / 2**20
        except psutil.Error:
            return 0.0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class RssSampler:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.engine.rss_max = max(self.engine.rss_max, rss_mib(self.engine.pid))
            self._stop.wait(0.5)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def pid_listening_on(url: str) -> int | None:
    """The process listening on the URL's port (for a peer started by hand), or None."""
    if psutil is None:
        return None
    port = httpx.URL(url).port
    try:
        for conn in psutil.net_connections(kind="tcp"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
                return conn.pid
    except psutil.Error:
        return None
    return None


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


def warm(engine: Engine, tokens: int) -> None:
    _, results = burst(engine, 1, min(tokens, 16), 0)
    if results[0].error:
        raise RuntimeError(f"{engine.name} failed its warm-up request: {results[0].error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--levels", default="1,4,8,16")
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--quick", action="store_true", help="one round, levels 1 and 8, 32 tokens (~2 min)")
    parser.add_argument(
        "--peer",
        action="append",
        default=[],
        metavar="NAME=URL",
        help="an OpenAI-compatible server already running, e.g. vllm=http://127.0.0.1:8101/v1",
    )
    parser.add_argument("--no-transformers-serve", action="store_true")
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("TUTOR_DATA_DIR", "./data")))
    parser.add_argument("--serve-ours", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--ignore-eos", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument(
        "--ours-threads",
        default="",
        metavar="N,M",
        help="one server of ours per torch thread count for the engine's thread (A/B in one run); default: the app's",
    )
    args = parser.parse_args()
    if args.serve_ours:
        serve_ours(args.port, args.data_dir, args.ignore_eos, args.threads)
        return
    if args.quick:
        args.rounds, args.levels, args.tokens = 1, "1,8", 32
    levels = [int(x) for x in args.levels.split(",")]

    from tutor.backends.transformers_backend import cpu_dtype
    from tutor.model_source import ensure_demo_model

    model_dir = ensure_demo_model(args.data_dir)
    dtype = str(cpu_dtype("auto")).removeprefix("torch.")
    tmp = Path(tempfile.mkdtemp(prefix="bench-peers-"))
    stops = []
    engines: list[Engine] = []
    try:
        started = time.monotonic()
        variants = [int(t) for t in args.ours_threads.split(",") if t] or [None]
        ours_procs = [OursProcess(args.data_dir, tmp / f"ours-{t}.log", threads=t) for t in variants]
        stops.extend(o.stop for o in ours_procs)
        serve = None
        if not args.no_transformers_serve:
            serve = ServeProcess(model_dir, tmp / "serve.log", continuous_batching=True, dtype=dtype, threads=None)
            stops.append(serve.stop)
            serve.start(timeout=300)
        for t, ours in zip(variants, ours_procs):
            ours.wait()
            name = "ours (BatchedBackend)" + (f", {t} torch thread{'s' if t > 1 else ''}" if t else "")
            engines.append(Engine(name, ours.base_url, str(model_dir), {"ignore_eos": True}, ours.proc.pid))
        if serve is not None:
            # a generation_config without eos_token_id: replies run to max_tokens
            gen = json.dumps({"do_sample": False, "max_new_tokens": args.tokens})
            engines.append(
                Engine(
                    "transformers serve --continuous-batching",
                    serve.base_url,
                    serve.model,
                    {"generation_config": gen},
                    serve.proc.pid,
                )
            )
        for spec in args.peer:
            name, _, url = spec.partition("=")
            url = url.rstrip("/")
            engines.append(
                Engine(
                    name,
                    url,
                    str(model_dir),
                    {"ignore_eos": True, "stream_options": {"include_usage": True}},
                    pid_listening_on(url),
                )
            )
        for engine in engines:
            warm(engine, args.tokens)
        print(f"servers up and warm in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)

        agg: dict[tuple[str, int], list[float]] = {}
        firsts: dict[tuple[str, int], list[float]] = {}
        errors: dict[tuple[str, int], list[str]] = {}
        for r in range(args.rounds):
            for engine in engines:  # A B A B: every engine once per round
                for c in levels:
                    wall, results = burst(engine, c, args.tokens, offset=r * 16 + c)
                    key = (engine.name, c)
                    agg.setdefault(key, []).append(sum(x.tokens for x in results) / wall)
                    firsts.setdefault(key, []).extend(x.first for x in results if x.first is not None)
                    errors.setdefault(key, []).extend(x.error for x in results if x.error)
                print(f"round {r + 1}/{args.rounds}: {engine.name} done", file=sys.stderr, flush=True)
    finally:
        for stop in reversed(stops):
            stop()

    import torch

    print(
        f"\nModel {model_dir.name} (ours and transformers serve in {dtype}), {platform.machine()} CPU, "
        f"{os.cpu_count()} cores, torch {torch.__version__}"
    )
    print(
        f"greedy, {args.tokens} new tokens (end of turn ignored), c requests started together, "
        f"median of {args.rounds} round(s), rounds interleaved\n"
    )
    print(
        "| engine | streams | aggregate tokens/s | each round | first token p50 | server RSS (max) "
        "| ratio to ours | counted by |"
    )
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: | --- |")
    ours_name = engines[0].name
    for engine in engines:
        for c in levels:
            key = (engine.name, c)
            med = statistics.median(agg[key])
            base = statistics.median(agg[(ours_name, c)])
            first = f"{percentile(firsts[key], 0.5):.2f} s" if firsts[key] else "-"
            each = " / ".join(f"{v:.1f}" for v in agg[key])
            note = f" ({len(errors[key])} failed: {errors[key][0]})" if errors[key] else ""
            rss = f"{engine.rss_max:.0f} MiB" if engine.rss_max else "-"
            print(
                f"| {engine.name} | {c} | {med:.1f}{note} | {each} | {first} | {rss} | {med / base:.2f}x "
                f"| {'/'.join(sorted(engine.counted_by))} |"
            )


if __name__ == "__main__":
    main()
