"""Full-size Phi-4-mini on one GPU: our batching engine against transformers' own, in one table.

    python bench/bench_gpu.py                      # on a CUDA host: full size, bf16, < 6 minutes
    python bench/bench_gpu.py --tiny --device cpu --levels 1,2 --new-tokens 8   # the CI smoke run

Builds ``Phi3ForCausalLM`` from Phi-4-mini-reasoning's published config (shipped here as
``bench/phi4_mini_reasoning_config.json``) with **random weights**, bf16 on CUDA: nothing is
downloaded, nothing is written to disk. With every length fixed, speed does not depend on the
weight values, so end-of-sequence is ignored and every reply is exactly ``--new-tokens`` long.
No tokenizer either: prompts are token ids of the app's lengths — the app's system prompt
(``tutor.prompts.load_prompt()``, measured with the demo tokenizer when one is on this machine,
else the constant below), one of the bench questions, and Phi-4's chat markers. The system
prompt is the same ids in every request (the app's shared prefix); each question is different.

Rows, measured in one run (all requests of a level submitted at once; tokens/s in aggregate
is all new tokens over the level's wall time; first token is from submission; per-stream is
the median over streams of new tokens / (finish - first token), what one student sees):

1. raw ``model.generate``, batch 1 — the ceiling per stream;
2. our engine (``tutor.backends.batching.BatchedBackend``) at each ``--levels``;
3. transformers' continuous batching (``init_continuous_batching`` /
   ``ContinuousBatchingManager``, paged attention) at the same levels, or a row saying why not;
4. a long-context row: one prompt that crosses ``original_max_position_embeddings`` (4,096)
   during its reply, where LongRoPE switches tables (our engine re-prefills it once).

Sampling is the app's for Phi-4-mini-reasoning (T 0.8, top-p 0.95; ``--greedy`` for argmax).
A time guard (``--time-budget``, default 330 s including the model build) skips a row
expected to overrun, and stops one that does, with a note in the table. Needs only torch and
transformers (and this repository). Versions, device and dtype are printed above the table.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import json
import os
import platform
import random
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import GenerationConfig, Phi3Config, Phi3ForCausalLM  # noqa: E402

from bench.questions import QUESTIONS  # noqa: E402 - the same prompts as bench_serving.py
from tutor.backends.base import GenerationSettings  # noqa: E402
from tutor.backends.batching import BatchedBackend  # noqa: E402
from tutor.backends.transformers_backend import TransformersBackend, attention_implementation  # noqa: E402
from tutor.prompts import load_prompt  # noqa: E402

CONFIG_FILE = Path(__file__).with_name("phi4_mini_reasoning_config.json")
DEMO_MODEL = "SmolLM2-135M-Instruct"

SYSTEM_TOKENS = 214
QUESTION_TOKENS = [16, 13, 12, 21, 16, 11, 19, 11]
"""Token counts of the app's system prompt and of QUESTIONS with the demo tokenizer
(SmolLM2-135M-Instruct), measured 2026-12; used where that tokenizer is not on this machine.
Phi-4's 200k vocabulary may need a few per cent fewer."""
TEMPLATE_TOKENS = 3, 2
"""``<|system|>`` … ``<|end|><|user|>`` before the question, ``<|end|><|assistant|>`` after."""
LONG_CROSS_AT = 192
"""The long-context row's prompt ends this many positions before the LongRoPE boundary."""


# --- the model ------------------------------------------------------------------------------
def published_config() -> Phi3Config:
    data = json.loads(CONFIG_FILE.read_text())
    data.pop("_comment", None)
    return Phi3Config(**data)


def tiny_config() -> Phi3Config:
    """Phi-4-mini's shape scaled down (as tests/test_phi4_path.py): GQA 4/2 heads, partial rotary,
    tied embeddings, LongRoPE with a short original length so the long-context row is cheap."""
    rotary_pairs = int(16 * 0.75) // 2
    return Phi3Config(
        vocab_size=512,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        partial_rotary_factor=0.75,
        max_position_embeddings=4096,
        original_max_position_embeddings=512,
        rope_scaling={
            "rope_type": "longrope",
            "short_factor": [1.0] * rotary_pairs,
            "long_factor": [1.0 + 0.5 * i for i in range(rotary_pairs)],
        },
        tie_word_embeddings=True,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=2,
    )


def build_model(tiny: bool, device: torch.device, dtype: torch.dtype):
    config = tiny_config() if tiny else published_config()
    torch.manual_seed(0)
    with torch.device(device):  # weights are initialised where they will run: no 7.7 GB host copy
        model = Phi3ForCausalLM._from_config(
            config, dtype=dtype, attn_implementation=attention_implementation(device.type == "cuda")
        )
    model.eval()
    pad = config.pad_token_id if config.pad_token_id is not None else 0
    # Ignore end-of-sequence everywhere: every reply is exactly the requested length.
    model.generation_config = GenerationConfig(eos_token_id=None, pad_token_id=pad, bos_token_id=config.bos_token_id)
    return model


class IdTokenizer:
    """The little of a tokenizer our engine uses: special-token lists, eos/pad ids, and ``decode``
    for its per-row streamer (a word per id, a line break now and then, as text has)."""

    WORDS = ("x ", "= ", "2 ", "step ", "the ", "so ", "+ ", "\\frac{1}{2} ", "\n")

    def __init__(self, pad_token_id: int):
        self.pad_token_id = pad_token_id
        self.eos_token_id = None
        self.all_special_tokens: list[str] = []

    def decode(self, ids, **_) -> str:
        if isinstance(ids, torch.Tensor):
            ids = ids.tolist()
        return "".join(self.WORDS[i % len(self.WORDS)] for i in ids)


# --- prompts ---------------------------------------------------------------------------------
def prompt_lengths() -> tuple[int, list[int], str]:
    """Token counts of the app's system prompt and the questions, and where they come from."""
    for root in (os.environ.get("TUTOR_DATA_DIR"), ROOT / "data"):
        folder = Path(root) / "models" / DEMO_MODEL if root else None
        if folder and (folder / "tokenizer.json").is_file():
            try:
                from transformers import AutoTokenizer

                tok = AutoTokenizer.from_pretrained(folder)

                def count(text: str, tok=tok) -> int:
                    return len(tok(text, add_special_tokens=False)["input_ids"])

                return (
                    count(load_prompt().system),
                    [count(q) for q in QUESTIONS],
                    f"measured with the demo tokenizer ({folder})",
                )
            except Exception as exc:  # noqa: BLE001 - fall back to the documented constants
                print(f"demo tokenizer not usable ({exc}); using constants", file=sys.stderr)
    return SYSTEM_TOKENS, list(QUESTION_TOKENS), "constants measured with the demo tokenizer (not on this machine)"


class Prompts:
    """Token-id prompts: [system marker, system prompt ids (shared), end, user marker, question ids, end, assistant]."""

    def __init__(self, vocab: int, system_len: int, question_lens: list[int], seed: int = 0):
        self.rng = random.Random(seed)
        self.top = min(vocab, 199_999)  # below Phi-4's special tokens
        self.system = self._ids(TEMPLATE_TOKENS[0] + system_len)
        self.question_lens = question_lens
        self.count = 0

    def _ids(self, n: int) -> list[int]:
        return [self.rng.randrange(3, self.top) for _ in range(n)]

    def next(self) -> tuple[list[int], int]:
        """A new first question: (prompt ids, length of the shared system part)."""
        n = self.question_lens[self.count % len(self.question_lens)]
        self.count += 1
        return self.system + self._ids(n + TEMPLATE_TOKENS[1]), len(self.system)

    def long(self, length: int) -> tuple[list[int], int]:
        """A conversation of ``length`` tokens: the system prompt, then earlier turns."""
        return self.system + self._ids(length - len(self.system)), len(self.system)


# --- measuring ---------------------------------------------------------------------------------
def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


@dataclass
class Row:
    path: str
    streams: int | str
    aggregate: float | None = None
    first: list[float] = field(default_factory=list)
    per_stream: list[float] = field(default_factory=list)
    tokens: int = 0
    wall: float = 0.0
    note: str = ""

    def cells(self) -> list[str]:
        if self.aggregate is None:
            return [self.path, str(self.streams), "-", "-", "-", "-", "-", self.note]
        first = f"{percentile(self.first, 0.5):.3f} / {percentile(self.first, 0.95):.3f}" if self.first else "-"
        per = f"{statistics.median(self.per_stream):.1f}" if self.per_stream else "-"
        return [
            self.path,
            str(self.streams),
            f"{self.aggregate:.1f}",
            first,
            per,
            str(self.tokens),
            f"{self.wall:.1f}",
            self.note,
        ]


def summarise(
    path: str,
    streams,
    starts: list[float],
    firsts: list[float | None],
    ends: list[float | None],
    counts: list[int],
    cut: bool,
) -> Row:
    done = [e for e in ends if e is not None]
    wall = (max(done) if done else time.perf_counter()) - min(starts)
    row = Row(path, streams, tokens=sum(counts), wall=wall)
    row.aggregate = row.tokens / wall if wall > 0 else 0.0
    row.first = [f - s for f, s in zip(firsts, starts) if f is not None]
    row.per_stream = [
        (n - 1) / (e - f)
        for f, e, n in zip(firsts, ends, counts)
        if f is not None and e is not None and e > f and n > 1
    ]
    if cut:
        row.note = "stopped at the time budget: partial"
    return row


class Guard:
    """The time budget: skip a row expected to overrun, stop one that does."""

    def __init__(self, budget: float, started: float):
        self.end = started + budget

    def share(self, fraction: float) -> Guard:
        """A guard for one part of the run: ``fraction`` of the time left now."""
        part = Guard(0, 0)
        part.end = time.perf_counter() + fraction * max(0.0, self.left())
        return part

    def left(self) -> float:
        return self.end - time.perf_counter()

    def skip(self, expected: float) -> str | None:
        if expected > self.left():
            return f"skipped: ~{expected:.0f} s expected, {max(0.0, self.left()):.0f} s left of --time-budget"
        return None


def raw_generate(model, prompt: list[int], new_tokens: int, sampling: dict, guard: Guard, path: str) -> Row:
    """One stream through ``generate``, no streamer; first token timed by a one-token run first."""
    device = model.device
    ids = torch.tensor([prompt], device=device)
    mask = torch.ones_like(ids)
    kwargs = dict(attention_mask=mask, pad_token_id=model.generation_config.pad_token_id, **sampling)
    with torch.inference_mode():
        sync(device)
        t0 = time.perf_counter()
        model.generate(ids, max_new_tokens=1, **kwargs)
        sync(device)
        first = time.perf_counter() - t0
        start = time.perf_counter()
        out = model.generate(
            ids, max_new_tokens=new_tokens, min_new_tokens=new_tokens, max_time=max(1.0, guard.left()), **kwargs
        )
        sync(device)
        end = time.perf_counter()
    n = out.shape[1] - ids.shape[1]
    row = summarise(path, 1, [start], [start + first], [end], [n], cut=n < new_tokens)
    row.per_stream = row.per_stream or [n / (end - start)]  # tiny runs: the 1-token timing can exceed the rest
    row.note = row.note or "first token: a separate 1-token generate"
    return row


def ours(
    backend: BatchedBackend,
    prompts: list[tuple[list[int], int]],
    new_tokens: int,
    settings: GenerationSettings,
    guard: Guard,
    path: str,
) -> Row:
    """All prompts submitted at once to our engine; stopped (Stop pressed) at the time budget."""
    settings = GenerationSettings(max_new_tokens=new_tokens, temperature=settings.temperature, top_p=settings.top_p)
    cancelled = [threading.Event() for _ in prompts]
    starts = [time.perf_counter()] * len(prompts)
    requests = [
        backend.submit(p, settings, lambda _: None, c, shared=shared) for (p, shared), c in zip(prompts, cancelled)
    ]
    base = time.monotonic() - time.perf_counter()  # _Request times are monotonic
    ends: list[float | None] = [None] * len(requests)
    cut = False
    while any(e is None for e in ends):
        for i, r in enumerate(requests):
            if ends[i] is None and r.finished.is_set():
                ends[i] = time.perf_counter()
        if not cut and guard.left() <= 0:
            cut = True
            for c in cancelled:
                c.set()
        time.sleep(0.002)
    errors = [r.error for r in requests if r.error is not None]
    if errors:
        raise RuntimeError(f"our engine failed: {errors[0]}")
    firsts = [r.first_token_at - base if r.first_token_at is not None else None for r in requests]
    return summarise(path, len(prompts), starts, firsts, ends, [r.generated for r in requests], cut)


class TransformersCB:
    """transformers' continuous batching: one ``ContinuousBatchingManager`` (paged attention),
    started once and fed like a server (streaming outputs, one consumer)."""

    def __init__(self, model, new_tokens: int, sampling: dict, requests: int, longest: int):
        if not hasattr(model, "init_continuous_batching"):
            raise RuntimeError(f"transformers {transformers.__version__} has no init_continuous_batching")
        from tutor.backends.batching import CPU_DECODE_ATTENTION

        if model.config._attn_implementation == CPU_DECODE_ATTENTION:
            # our engine (run first) routed this CPU model's attention through its own decode kernel,
            # which continuous batching refuses ("not supported"): give it back transformers' sdpa
            model.set_attn_implementation("sdpa")
        config = GenerationConfig(
            max_new_tokens=new_tokens,
            eos_token_id=None,
            pad_token_id=model.generation_config.pad_token_id,
            **{k: v for k, v in sampling.items() if v is not None},
        )
        accepts = inspect.signature(model.init_continuous_batching).parameters
        kwargs = {}
        if "workload_hints" in accepts:  # what generate_batch passes: the cache sized for this workload
            from transformers.generation.continuous_batching.utils import WorkloadHints

            kwargs["workload_hints"] = WorkloadHints(
                max_prompt_length=longest, max_generated_length=new_tokens, num_requests=requests
            )
        if model.device.type == "cpu":
            # On CPU the paged cache would otherwise take most of the machine's RAM (~20 s to allocate here).
            blocks = requests * (-(-(longest + new_tokens) // 256) + 1) + 8
            if "continuous_batching_config" in accepts:
                from transformers import ContinuousBatchingConfig

                kwargs["continuous_batching_config"] = ContinuousBatchingConfig(num_blocks=blocks)
            else:
                config.num_blocks = blocks  # older releases read it from the generation config
        self.manager = model.init_continuous_batching(generation_config=config, **kwargs)
        if hasattr(self.manager, "warmup") and not getattr(self.manager, "warmed_up", True):
            self.manager.warmup()
        self.manager.start()
        self.attention = model.config._attn_implementation
        self.count = 0

    def run(self, prompts: list[list[int]], new_tokens: int, guard: Guard, path: str) -> Row:
        ids, starts = [], []
        for p in prompts:
            self.count += 1
            starts.append(time.perf_counter())
            ids.append(
                self.manager.add_request(
                    input_ids=p, request_id=f"bench-{self.count}", max_new_tokens=new_tokens, streaming=True
                )
            )
        index = {rid: i for i, rid in enumerate(ids)}
        firsts: list[float | None] = [None] * len(ids)
        ends: list[float | None] = [None] * len(ids)
        counts = [0] * len(ids)
        cut = False
        while any(e is None for e in ends):
            if not cut and guard.left() <= 0:
                cut = True
                for rid in ids:
                    self.manager.cancel_request(rid)
            if cut and guard.left() < -10:
                break  # cancelled requests that never report back
            out = self.manager.get_result(timeout=0.5)
            if out is None:
                if not self.manager.is_running():
                    raise RuntimeError("the continuous-batching thread stopped")
                continue
            i = index.get(out.request_id)
            if i is None or ends[i] is not None:
                continue
            now = time.perf_counter()
            if out.error:
                raise RuntimeError(f"continuous batching failed: {out.error}")
            counts[i] = len(out.generated_tokens)
            if firsts[i] is None and counts[i]:
                firsts[i] = now
            if out.is_finished():
                ends[i] = now
        row = summarise(path, len(prompts), starts, firsts, ends, counts, cut)
        if not cut:
            row.note = f"attention: {self.attention}"
        return row

    def close(self) -> None:
        self.manager.stop(block=True, timeout=10)


# --- the run -----------------------------------------------------------------------------------
def run(args) -> list[Row]:
    started = time.perf_counter()
    guard = Guard(args.time_budget, started)
    device = torch.device(args.device)
    dtype = (
        torch.bfloat16
        if device.type == "cuda"
        else {"float32": torch.float32, "bfloat16": torch.bfloat16}[args.cpu_dtype]
    )
    model = build_model(args.tiny, device, dtype)
    config = model.config
    original = int(
        config.rope_parameters.get("original_max_position_embeddings") or config.original_max_position_embeddings
    )
    system_len, question_lens, source = prompt_lengths()
    prompts = Prompts(config.vocab_size, system_len, question_lens)
    sampling = (
        {"do_sample": False, "temperature": None, "top_p": None, "top_k": None}
        if args.greedy
        else {"do_sample": True, "temperature": 0.8, "top_p": 0.95, "top_k": None}
    )
    settings = GenerationSettings(args.new_tokens, 0.0 if args.greedy else 0.8, 1.0 if args.greedy else 0.95)
    new = args.new_tokens
    long_len = original - min(LONG_CROSS_AT, max(1, new // 2))

    name = (
        torch.cuda.get_device_name(device)
        if device.type == "cuda"
        else (
            f"{platform.processor() or platform.machine()} CPU, {os.cpu_count()} cores, torch "
            f"{torch.get_num_threads()} threads"
        )
    )
    params = sum(p.numel() for p in model.parameters())
    print(
        f"torch {torch.__version__} (CUDA {torch.version.cuda}), transformers {transformers.__version__}, Python "
        f"{platform.python_version()}"
    )
    print(f"device: {name}; dtype {dtype}; attention {config._attn_implementation}")
    print(
        f"model: Phi3ForCausalLM {'tiny (test shape)' if args.tiny else 'Phi-4-mini-reasoning config'}, random "
        f"weights, {params / 1e9:.2f} B parameters, "
        f"{config.num_hidden_layers} layers, hidden {config.hidden_size}, heads "
        f"{config.num_attention_heads}/{config.num_key_value_heads} KV, "
        f"vocab {config.vocab_size}, LongRoPE from {original}; built in {time.perf_counter() - started:.1f} s"
    )
    print(
        f"prompts: system {system_len} + question {min(question_lens)}-{max(question_lens)} + "
        f"{sum(TEMPLATE_TOKENS)} chat tokens ({source}); "
        f"{new} new tokens each, end-of-sequence ignored; "
        f"{'greedy' if args.greedy else 'sampled T 0.8, top-p 0.95 (the app for Phi-4-mini-reasoning)'}; "
        f"long-context row: {long_len}-token prompt, crosses {original} at new token {original - long_len + 1}"
    )
    print(
        f"our engine: BatchedBackend(max_batch={max(args.levels)}) (the app uses 32 on a GPU); time budget "
        f"{args.time_budget:.0f} s, half of what is left after the raw row for each engine"
    )
    rows: dict[str, Row] = {}

    def key(kind: str, level) -> str:
        return f"{kind}:{level}"

    def measure(path: str, streams, work) -> Row:
        """One row; a failure is a row saying so, and the rest of the run goes on."""
        try:
            return work()
        except Exception as exc:  # noqa: BLE001 - one table, whatever happens
            return Row(
                path,
                streams,
                note=f"failed: {type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}",
            )

    # 1. the ceiling, after a warm-up
    warm, _ = prompts.next()
    measure("warm-up", 1, lambda: raw_generate(model, warm, min(8, new), sampling, guard, "warm-up"))
    raw_path = "raw `model.generate`, batch 1 (ceiling per stream)"
    rows["raw"] = measure(raw_path, 1, lambda: raw_generate(model, prompts.next()[0], new, sampling, guard, raw_path))
    unit = rows["raw"].wall or 30.0  # seconds for one stream's reply, the yardstick of the guard

    def expect(previous: tuple[int, float], level: int) -> float:
        """A level's expected seconds from the previous one's (decode steps slow with more rows)."""
        rows_before, seconds = previous
        return seconds * max(1.3, (level / rows_before) ** 0.5)

    # 2. our engine (max_batch = the highest level, so every level runs as that many rows);
    # it gets half of the time left, transformers' continuous batching the rest
    levels = args.levels
    whole, guard = guard, guard.share(0.5)
    engine = TransformersBackend(
        model, IdTokenizer(model.generation_config.pad_token_id), "phi4-mini-random", stall_timeout=600
    )
    backend = BatchedBackend(engine, max_batch=max(levels))
    long_prefills = [0]
    prefill = backend._prefill

    def counted(group, rows_, *a, **k):  # counts re-prefills into the long-rotary group
        if group.long:
            long_prefills[0] += len(rows_)
        return prefill(group, rows_, *a, **k)

    backend._prefill = counted
    try:
        measure(
            "warm-up",
            2,
            lambda: ours(backend, [prompts.next() for _ in range(2)], min(8, new), settings, guard, "warm-up"),
        )  # also caches the system prompt's KV
        path = f"ours: long context ({long_len} + {new} tokens, crosses {original})"
        note = guard.skip(unit * 1.5)
        if note:
            rows["ours:long"] = Row(path, 1, note=note)
        else:
            long_prefills[0] = 0
            rows["ours:long"] = measure(
                path, 1, lambda: ours(backend, [prompts.long(long_len)], new, settings, guard, path)
            )
            if not rows["ours:long"].note:
                rows["ours:long"].note = f"re-prefilled {long_prefills[0]}x in the long-rotary group"
        previous = (1, unit)
        for level in levels:
            path = "ours: `BatchedBackend`"
            note = guard.skip(expect(previous, level))
            if note:
                rows[key("ours", level)] = Row(path, level, note=note)
                continue
            hits = backend.prefix_hits
            row = measure(
                path,
                level,
                lambda level=level, path=path: ours(
                    backend, [prompts.next() for _ in range(level)], new, settings, guard, path
                ),
            )
            rows[key("ours", level)] = row
            if row.aggregate is not None:
                row.note = "; ".join(
                    x
                    for x in (row.note, f"system prompt from the prefix cache: {backend.prefix_hits - hits}/{level}")
                    if x
                )
            previous = (level, row.wall) if row.wall else previous
    finally:
        backend.close()
        # drop the references (not `del`: the lambdas above name `backend`)
        backend = engine = None
        if device.type == "cuda":
            torch.cuda.empty_cache()

    # 3. transformers' continuous batching
    guard = whole
    cb_path = "transformers CB: `ContinuousBatchingManager`"
    cb = None
    reason = guard.skip(unit * 1.2)
    if reason is None:
        try:
            cb = TransformersCB(model, new, sampling, requests=max(levels), longest=long_len)
            cb.run([prompts.next()[0] for _ in range(2)], min(8, new), guard, "warm-up")
        except Exception as exc:  # noqa: BLE001 - reported in the table, the rest still runs
            reason = f"not available: {type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}"
            if cb is not None:
                with contextlib.suppress(Exception):
                    cb.close()
                cb = None
    try:
        path = f"transformers CB: long context ({long_len} + {new} tokens, crosses {original})"
        note = reason or guard.skip(unit * 1.5)
        if note:
            rows["cb:long"] = Row(path, 1, note=note)
        else:
            try:
                rows["cb:long"] = cb.run([prompts.long(long_len)[0]], new, guard, path)
            except Exception as exc:  # noqa: BLE001
                rows["cb:long"] = Row(path, 1, note=f"failed: {type(exc).__name__}: {str(exc)[:160]}")
        previous = (1, unit)
        for level in levels:
            note = reason or guard.skip(expect(previous, level))
            if note:
                rows[key("cb", level)] = Row(cb_path, level, note=note)
                continue
            try:
                row = cb.run([prompts.next()[0] for _ in range(level)], new, guard, cb_path)
            except Exception as exc:  # noqa: BLE001
                reason = f"failed: {type(exc).__name__}: {str(exc)[:160]}"
                rows[key("cb", level)] = Row(cb_path, level, note=reason)
                continue
            rows[key("cb", level)] = row
            previous = (level, row.wall) if row.wall else previous
    finally:
        if cb is not None:
            cb.close()

    order = ["raw", *(key("ours", n) for n in levels), "ours:long", *(key("cb", n) for n in levels), "cb:long"]
    table = [rows[k] for k in order]
    print(f"total {time.perf_counter() - started:.0f} s (budget {args.time_budget:.0f} s)\n")
    print_table(table)
    return table


def print_table(rows: list[Row]) -> None:
    head = [
        "path",
        "concurrent",
        "aggregate tokens/s",
        "first token p50 / p95 (s)",
        "per-stream tokens/s (median)",
        "new tokens",
        "wall (s)",
        "note",
    ]
    print("| " + " | ".join(head) + " |")
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: | --- |")
    for row in rows:
        print("| " + " | ".join(row.cells()) + " |")


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--tiny", action="store_true", help="a tiny Phi-3 of Phi-4-mini's shape (for the CPU test)")
    parser.add_argument("--levels", default="1,8,32,64", help="concurrent requests per level (default 1,8,32,64)")
    parser.add_argument("--new-tokens", type=int, default=1024)
    parser.add_argument(
        "--time-budget", type=float, default=330.0, help="seconds for the whole run, model build included (default 330)"
    )
    parser.add_argument("--greedy", action="store_true", help="argmax instead of the app's sampling")
    parser.add_argument(
        "--cpu-dtype", default="float32", choices=["float32", "bfloat16"], help="dtype on CPU (CUDA is always bf16)"
    )
    args = parser.parse_args(argv)
    args.levels = [int(x) for x in args.levels.split(",") if x.strip()]
    if args.device == "cpu" and not args.tiny:
        print(
            "warning: the full-size model on CPU is ~15 GB in float32 and very slow; --tiny is meant for CPU",
            file=sys.stderr,
        )
    return args


def main(argv=None) -> list[Row]:
    return run(parse(argv))


if __name__ == "__main__":
    main()
