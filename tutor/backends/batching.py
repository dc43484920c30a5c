"""Many students, one model: an in-process batching loop over ``model.forward``.

Every request in flight is a row of one batch with one shared KV cache. A single scheduler
thread runs the model: each step it (1) drops rows whose student pressed Stop (their slot is
free for the next step), (2) prefills newcomers (left-padded, a token budget per step so the
rows already streaming never wait long) and merges their cache into the batch, and (3) decodes
one token for every row. Each row streams through its own ``TextStreamer``, so every student
still sees their own reply, word by word.

Why not transformers' ``ContinuousBatchingManager``: measured on this 2-core CPU with the demo
model it gave ~40 tokens/s in aggregate for 8 streams, against ~85 for a padded batch of
``forward`` calls (see docs/serving.md). On a GPU it is worth re-measuring.

Shared prefixes: every question starts with the same system prompt and worked example (~310
tokens with the demo model's template, most of the prompt; Hint and Coach have prompts of
their own). Their KV caches are computed once and reused, so a newcomer's prefill covers only
its own question — the same idea as vLLM's prefix caching. Candidates are found, not
configured: the tokens of a request's conversation before its last message (the system
prompt and any earlier turns). One is cached the second time it is seen among the last
``RECENT`` requests — never a whole question, whose extra forward call would cost more than
it saves — and up to ``MAX_PREFIXES`` are kept, least recently used dropped first (each ~8 MB
with the demo model in bf16, ~40 MB for Phi-4-mini's 300-token prompt).

The CPU decode step (measured on the 2-core EPYC, demo model, bf16; docs/serving.md, "CPU
peers"): bf16 linears use weights packed once for oneDNN, q/k/v and gate/up as one call each
(``cpu_linear.py``; 8 rows 121 -> 137 tokens/s decode only), decode attention
is two grouped matmuls (``_cpu_decode_attention``), the batch's KV cache grows in place instead
of by ``torch.cat`` (``kv_cache.py``), and greedy rows share one argmax. On CUDA none of these
apply: the loop runs transformers' attention over a plain ``DynamicCache``.

LongRoPE (Phi-4-mini): the rotary table is picked from the longest position in a forward call
(short factors up to ``original_max_position_embeddings``, long beyond), and ``generate``
re-prefills a sequence when it crosses that boundary. Batching must not change a reply, so
rows are kept in two groups that never share a forward call: sequences still within the
original length, and sequences past it. A row that crosses is re-prefilled alone in the long
group — exactly what ``generate`` does for one sequence.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any, cast

import torch
from transformers import DynamicCache

from tutor.backends.base import CUT_SHORT, Backend, Emit, GenerationError, GenerationSettings, ModelMessage
from tutor.backends.cpu_linear import pack_cpu_linears
from tutor.backends.kv_cache import decode_mask, is_roomy, roomy
from tutor.backends.transformers_backend import EmitStreamer, TransformersBackend
from tutor.model_source import ModelLocation

log = logging.getLogger(__name__)

MIN_PREFIX = 32
"""Shorter common prefixes are not worth a cache entry."""
MAX_PREFIXES = 8
RECENT = 8
"""Prefix candidates remembered, to cache one seen twice."""


CPU_DECODE_ATTENTION = "tutor_cpu_decode"
"""Attention for one-token decode steps on CPU; everything else goes to transformers' sdpa."""


def _cpu_decode_attention(
    module: torch.nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    dropout: float = 0.0,
    scaling: float | None = None,
    **kwargs,
) -> tuple[torch.Tensor, None]:
    """One new token per row against the cache, as two grouped matmuls instead of sdpa.

    Measured on the 2-core EPYC (bf16, 16 rows x 460 cached positions, SmolLM2's 9 query / 3
    KV heads): torch's CPU sdpa took 125-900 ms per step over the 30 layers with the padding
    mask (plus ``repeat_kv`` copies of the cache, as transformers does not use sdpa's GQA with a
    mask), against ~12 ms for this: the query heads of each KV head are one matmul, so the cache
    is read once and never copied. Softmax in float32, as sdpa accumulates. Prompts (prefill),
    dropout, CUDA and anything unusual (soft-capping, sinks) go to sdpa unchanged."""
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    unusual = dropout or kwargs.get("softcap") or kwargs.get("s_aux") is not None
    if query.shape[2] != 1 or query.device.type != "cpu" or unusual:
        return sdpa_attention_forward(
            module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, **kwargs
        )
    rows, heads, _, dim = query.shape
    kv_heads = key.shape[1]
    scale = scaling if scaling is not None else dim**-0.5
    # query head j reads KV head j // (heads // kv_heads), as transformers' repeat_kv lays them out
    grouped = query.view(rows, kv_heads, heads // kv_heads, dim)
    scores = torch.matmul(grouped, key.transpose(-1, -2)).float().mul_(scale)  # [rows, kv, group, cached]
    if attention_mask is not None:  # in place on the float32 copy: one allocation fewer per layer
        mask = attention_mask[:, :, -1:, : key.shape[2]]  # [rows, 1, 1, cached]
        scores = scores.masked_fill_(~mask, float("-inf")) if mask.dtype == torch.bool else scores.add_(mask.float())
    out = torch.matmul(torch.softmax(scores, dim=-1).to(value.dtype), value)  # [rows, kv, group, dim]
    return out.view(rows, heads, 1, dim).transpose(1, 2).contiguous(), None


def use_cpu_decode_attention(model: torch.nn.Module) -> bool:
    """Route a CPU model's sdpa attention through ``_cpu_decode_attention``; False where not sdpa on CPU."""
    attention = getattr(model.config, "_attn_implementation", None)
    if model.device.type == "cpu" and attention == CPU_DECODE_ATTENTION:
        return True  # a second engine over the same model
    if model.device.type != "cpu" or attention != "sdpa":
        return False
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

    AttentionInterface.register(CPU_DECODE_ATTENTION, _cpu_decode_attention)
    AttentionMaskInterface.register(CPU_DECODE_ATTENTION, sdpa_mask)  # the same boolean masks as sdpa
    cast(Any, model).set_attn_implementation(CPU_DECODE_ATTENTION)  # a PreTrainedModel's
    return True


def _layers(cache: DynamicCache) -> list[Any]:
    """The cache's per-layer holders, each with ``.keys`` / ``.values`` tensors of shape
    [rows, kv heads, positions, dim]. Hazard: this is transformers 5's ``DynamicLayer``, an
    internal (typed there as a union of layer kinds, only some of which hold keys); the KV
    surgery below (dropping, padding and merging rows) relies on it, and tests/test_batching.py
    fails if it changes."""
    return list(cache.layers)


def _padding(mask: torch.Tensor) -> torch.Tensor | None:
    """The mask, or None where nothing is padded: the model then skips building a 4-D mask
    and attends causally (one student alone: ~2% faster per token on this CPU)."""
    return None if bool(mask.all()) else mask


@dataclass(eq=False)
class _Request:
    prompt: list[int]
    settings: GenerationSettings
    emit: Emit
    cancelled: threading.Event
    streamer: EmitStreamer
    tokens: list[int] = field(default_factory=list)
    generated: int = 0
    finished: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None
    submitted: float = field(default_factory=time.monotonic)
    first_token_at: float | None = None
    shared: int = 0
    """Leading prompt tokens other requests may share (the conversation before the last message)."""
    hit_limit: bool = False
    """Ended at ``settings.max_new_tokens`` rather than at an end-of-sequence token."""

    def __post_init__(self) -> None:
        self.tokens = list(self.prompt)


class _Group:
    """Rows sharing one left-padded KV cache (and so one rotary regime)."""

    def __init__(self, long: bool, grow_in_place: bool = False):
        self.long = long
        self.grow_in_place = grow_in_place
        """Decode into ``RoomyLayer`` buffers (CPU decode attention only; ``tutor/backends/kv_cache.py``)."""
        self.rows: list[_Request] = []
        self.cache: DynamicCache | None = None
        self.mask: torch.Tensor | None = None  # [rows, cached length], 1 = real token

    def keep(self, keep: list[int]) -> None:
        """Keep only rows at ``keep``; trim padding columns no row needs any more."""
        if len(keep) == len(self.rows):
            return
        self.rows = [self.rows[i] for i in keep]
        if not self.rows:
            self.cache, self.mask = None, None
            return
        assert self.cache is not None and self.mask is not None  # set whenever there are rows
        index = torch.tensor(keep, device=self.mask.device)
        self.mask = self.mask.index_select(0, index)
        used = self.mask.any(dim=0).nonzero()
        start = int(used[0]) if len(used) else 0
        self.mask = self.mask[:, start:]
        for layer in _layers(self.cache):
            layer.keys = layer.keys.index_select(0, index)[:, :, start:]
            layer.values = layer.values.index_select(0, index)[:, :, start:]

    def merge(self, rows: list[_Request], cache: DynamicCache, mask: torch.Tensor) -> None:
        """Append freshly prefilled rows, left-padding whichever side is shorter."""
        if not self.rows:
            self.rows, self.cache, self.mask = list(rows), roomy(cache) if self.grow_in_place else cache, mask
            return
        assert self.cache is not None and self.mask is not None  # set whenever there are rows
        length = max(self.mask.shape[1], mask.shape[1])

        def pad(t: torch.Tensor, dim: int) -> torch.Tensor:
            missing = length - t.shape[dim]
            if missing == 0:
                return t
            shape = list(t.shape)
            shape[dim] = missing
            return torch.cat([t.new_zeros(shape), t], dim=dim)

        for mine, theirs in zip(_layers(self.cache), _layers(cache)):
            mine.keys = torch.cat([pad(mine.keys, 2), pad(theirs.keys, 2)], dim=0)
            mine.values = torch.cat([pad(mine.values, 2), pad(theirs.values, 2)], dim=0)
        self.mask = torch.cat([pad(self.mask, 1), pad(mask, 1)], dim=0)
        self.rows += rows


class BatchedBackend(Backend):
    """The default in-process engine: concurrent students share the model by batching.

    ``max_batch`` rows decode together; more requests wait (in arrival order) for a slot.
    ``prefill_budget`` caps the prompt tokens prefilled per step so streaming rows keep flowing.
    """

    def __init__(self, engine: TransformersBackend, max_batch: int = 16, prefill_budget: int = 4096):
        self.engine = engine
        self.model = engine.model
        self.tokenizer = engine.tokenizer
        self.model_id = engine.model_id
        self.stall_timeout = engine.stall_timeout
        self.max_batch = max_batch
        self.max_concurrency = max_batch
        self.prefill_budget = prefill_budget
        self.cpu_decode_attention = use_cpu_decode_attention(self.model)
        """Decode steps on CPU use ``_cpu_decode_attention`` (8 rows: see docs/serving.md, CPU peers)."""
        self.cpu_threads: int | None = max(1, torch.get_num_threads() - 1) if self.model.device.type == "cpu" else None
        """torch threads on the engine's thread: on CPU one core fewer than torch's default (one per
        core), left to the web server, the streams and the tokenizer; None leaves torch's choice.
        On the 2-core EPYC through HTTP, 3 interleaved rounds: 1 thread 118 / 176 tokens/s at 8 / 16
        streams, 2 threads 31 / 132 (14-156 between rounds): an OpenMP team of 2 on 2 cores waits
        at every op for whichever thread the other work preempted."""
        self.packed_linears = pack_cpu_linears(self.model) if self.model.device.type == "cpu" else 0
        """bf16 linears on CPU with weights packed once for oneDNN (``tutor/backends/cpu_linear.py``)."""
        config = self.model.config.get_text_config()
        rope = getattr(config, "rope_parameters", None) or {}
        self.long_from: int | None = (
            int(rope.get("original_max_position_embeddings") or config.original_max_position_embeddings)
            if rope.get("rope_type") == "longrope"
            else None
        )
        eos = self.model.generation_config.eos_token_id
        eos = eos if isinstance(eos, list) else [eos] if eos is not None else []
        if self.tokenizer.eos_token_id is not None:
            eos.append(self.tokenizer.eos_token_id)
        self.eos = set(eos)
        self.pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else (eos[0] if eos else 0)
        self._pending: deque[_Request] = deque()
        self._prefixes: OrderedDict[tuple[int, ...], list[tuple[torch.Tensor, torch.Tensor]]] = OrderedDict()
        """Cached prefix tokens -> its KV per layer (batch of one), most recently used last."""
        self._seen: deque[tuple[int, ...]] = deque(maxlen=RECENT)
        self.prefix_hits = 0
        self.generated_tokens = 0
        """Tokens streamed to students since start (end-of-turn tokens not counted)."""
        self._groups = [_Group(long, grow_in_place=self.cpu_decode_attention) for long in (False, True)]
        self._wake = threading.Condition()
        self._closed = False
        self.steps = 0
        self._thread = threading.Thread(target=self._loop, name="tutor-batching", daemon=True)
        self._thread.start()

    @classmethod
    def load(
        cls,
        location: ModelLocation,
        cuda: bool | None = None,
        stall_timeout: float = 60.0,
        max_batch: int | None = None,
        cpu_dtype_choice: str = "auto",
    ) -> BatchedBackend:
        engine = TransformersBackend.load(
            location, cuda=cuda, stall_timeout=stall_timeout, cpu_dtype_choice=cpu_dtype_choice
        )
        if max_batch is None:
            max_batch = 32 if engine.model.device.type == "cuda" else 16
        return cls(engine, max_batch=max_batch)

    # the Backend seam ---------------------------------------------------------
    def execute(
        self, messages: list[ModelMessage], settings: GenerationSettings, emit: Emit, cancelled: threading.Event
    ) -> str | None:
        prompt = self.engine.prompt_ids(messages)["input_ids"][0].tolist()
        request = self.submit(prompt, settings, emit, cancelled, shared=self._shared_length(messages, prompt))
        request.finished.wait()
        if request.error is not None:
            raise request.error
        return CUT_SHORT if request.hit_limit else None

    def _shared_length(self, messages: list[ModelMessage], prompt: list[int]) -> int:
        """How many leading tokens of ``prompt`` are the conversation before its last message,
        or 0 where the chat template does not render that as a prefix."""
        if len(messages) < 2:
            return 0
        head = self.tokenizer.apply_chat_template(
            messages[:-1], add_generation_prompt=False, tokenize=True, return_dict=True
        )["input_ids"]
        return len(head) if 0 < len(head) < len(prompt) and prompt[: len(head)] == list(head) else 0

    def submit(
        self, prompt: list[int], settings: GenerationSettings, emit: Emit, cancelled: threading.Event, shared: int = 0
    ) -> _Request:
        streamer = EmitStreamer(self.tokenizer, emit, self.engine.strip_tokens)
        streamer.next_tokens_are_prompt = False
        request = _Request(prompt, settings, emit, cancelled, streamer, shared=shared)
        with self._wake:
            if self._closed:
                raise GenerationError("The tutor is shutting down.")
            self._pending.append(request)
            self._wake.notify()
        return request

    def active(self) -> int:
        return sum(len(g.rows) for g in self._groups)

    def waiting(self) -> int:
        return len(self._pending)

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify()
        self._thread.join(timeout=10)

    # the scheduler thread -----------------------------------------------------
    def _loop(self) -> None:
        while True:
            with self._wake:
                while not self._closed and not self._pending and not self.active():
                    self._wake.wait()
                if self._closed:
                    break
            try:
                with torch.inference_mode():
                    self._step()
            except Exception as exc:
                log.exception("batched generation step failed")
                for group in self._groups:
                    for row in group.rows:
                        self._finish(row, GenerationError(f"The model failed: {type(exc).__name__}."))
                    group.rows, group.cache, group.mask = [], None, None
        for request in [*self._pending, *(r for g in self._groups for r in g.rows)]:
            self._finish(request, GenerationError("The tutor is shutting down."))

    def _step(self) -> None:
        self.steps += 1
        if self.cpu_threads and torch.get_num_threads() != self.cpu_threads:
            torch.set_num_threads(self.cpu_threads)  # on this thread, the one that runs the model
        for group in self._groups:
            for row in group.rows:
                if row.cancelled.is_set():
                    self._finish(row)  # Stop: the slot is free from this step on
            group.keep([i for i, row in enumerate(group.rows) if not row.cancelled.is_set()])
        with self._wake:
            gone = [row for row in self._pending if row.cancelled.is_set()]
            for row in gone:
                self._pending.remove(row)
        for row in gone:
            self._finish(row)  # stopped while waiting for a slot
        self._cross_boundary()
        self._admit()
        for group in self._groups:
            if group.rows:
                self._decode(group)

    def _is_long(self, length: int) -> bool:
        return self.long_from is not None and length > self.long_from

    def _cross_boundary(self) -> None:
        """Rows whose next forward would pass the original length: re-prefill them alone."""
        short, long = self._groups
        crossing = [i for i, row in enumerate(short.rows) if self._is_long(len(row.tokens))]
        if not crossing:
            return
        rows = [short.rows[i] for i in crossing]
        short.keep([i for i in range(len(short.rows)) if i not in crossing])
        for row in rows:
            self._prefill(long, [row])

    def _admit(self) -> None:
        free = self.max_batch - self.active()
        newcomers: list[_Request] = []
        budget = self.prefill_budget
        while self._pending and len(newcomers) < free:
            with self._wake:
                row = self._pending[0]
                if newcomers and len(row.tokens) > budget:
                    break
                self._pending.popleft()
            newcomers.append(row)
            budget -= len(row.tokens)
        by_prefix: dict[tuple[int, ...], tuple[list, list[_Request]]] = {}
        alone: list[_Request] = []
        long_rows: list[_Request] = []
        for row in newcomers:
            prefix = self._learn_prefix(row.tokens, row.shared)
            if self._is_long(len(row.tokens)):
                long_rows.append(row)
            elif prefix:  # its KV is held here: a later newcomer's prefix may evict the entry
                by_prefix.setdefault(prefix, (self._prefixes[prefix], []))[1].append(row)
            else:
                alone.append(row)
        for prefix, (kv, rows) in by_prefix.items():
            self._prefill(self._groups[0], rows, prefix=prefix, prefix_kv=kv)
        if alone:
            self._prefill(self._groups[0], alone)
        if long_rows:
            self._prefill(self._groups[1], long_rows)

    def _cached_prefix(self, tokens: list[int]) -> tuple[int, ...]:
        """The longest cached prefix of ``tokens`` (leaving at least one token to run), or ()."""
        best: tuple[int, ...] = ()
        for prefix in self._prefixes:
            if len(best) < len(prefix) < len(tokens) and tokens[: len(prefix)] == list(prefix):
                best = prefix
        return best

    def _learn_prefix(self, prompt: list[int], shared: int) -> tuple[int, ...]:
        """The cached prefix this prompt will reuse, first caching its shared part when that is
        the second time it is seen recently and longer than what is cached."""
        best = self._cached_prefix(prompt)
        if shared >= max(MIN_PREFIX, len(best) + MIN_PREFIX) and not self._is_long(
            shared
        ):  # reused only in the short rotary regime
            candidate = tuple(prompt[:shared])
            if candidate in self._seen:
                best = self._cache_prefix(prompt[:shared], best)
            else:
                self._seen.append(candidate)
        if best:
            self._prefixes.move_to_end(best)
        return best

    def _cache_prefix(self, tokens: list[int], base: tuple[int, ...]) -> tuple[int, ...]:
        """Compute (from ``base``'s cache onward) and keep the KV of ``tokens``."""
        device = self.model.device
        skip = len(base)
        kv = self._prefixes[base] if base else None
        if base:
            self._prefixes.move_to_end(base)  # a base outlives the longer prefixes built on it
        cache = (
            DynamicCache(ddp_cache_data=kv, config=self.model.config) if kv else DynamicCache(config=self.model.config)
        )
        positions = torch.arange(skip, len(tokens), device=device)[None]
        self.model(
            input_ids=torch.tensor([tokens[skip:]], device=device),
            position_ids=positions,
            past_key_values=cache,
            use_cache=True,
            logits_to_keep=1,
        )
        key = tuple(tokens)
        self._prefixes[key] = [(layer.keys, layer.values) for layer in _layers(cache)]
        while len(self._prefixes) > MAX_PREFIXES:
            self._prefixes.popitem(last=False)
        return key

    def _prefill(
        self, group: _Group, rows: list[_Request], prefix: tuple[int, ...] = (), prefix_kv: list | None = None
    ) -> None:
        """Run whole sequences (prompts, or a row crossing the LongRoPE boundary) and merge them in.

        With a cached ``prefix``, every row starts with it: only the rest is run, left-padded
        after the prefix (``[prefix][pad…][question]``, pads masked out)."""
        device = self.model.device
        skip = len(prefix)
        length = max(len(r.tokens) for r in rows) - skip
        ids = torch.full((len(rows), length), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(rows), length), dtype=torch.long)
        for i, row in enumerate(rows):
            rest = row.tokens[skip:]
            ids[i, length - len(rest) :] = torch.tensor(rest)
            mask[i, length - len(rest) :] = 1
        ids, mask = ids.to(device), mask.to(device)
        positions = (skip + mask.cumsum(-1) - 1).clamp(min=skip)
        if prefix:
            assert prefix_kv is not None  # cached with its prefix
            self.prefix_hits += len(rows)
            kv = [(k.expand(len(rows), -1, -1, -1), v.expand(len(rows), -1, -1, -1)) for k, v in prefix_kv]
            cache = DynamicCache(ddp_cache_data=kv, config=self.model.config)
            mask = torch.cat([mask.new_ones((len(rows), skip)), mask], dim=1)
        else:
            cache = DynamicCache(config=self.model.config)
        out = self.model(
            input_ids=ids,
            attention_mask=_padding(mask),
            position_ids=positions,
            past_key_values=cache,
            use_cache=True,
            logits_to_keep=1,
        )
        keep = self._take_tokens(rows, out.logits[:, -1, :])
        if keep:
            if len(keep) < len(rows):
                index = torch.tensor(keep, device=device)
                for layer in _layers(cache):
                    layer.keys, layer.values = layer.keys.index_select(0, index), layer.values.index_select(0, index)
                mask = mask.index_select(0, index)
            group.merge([rows[i] for i in keep], cache, mask)

    def _decode(self, group: _Group) -> None:
        device = self.model.device
        ids = torch.tensor([[row.tokens[-1]] for row in group.rows], device=device)
        positions = torch.tensor([[len(row.tokens) - 1] for row in group.rows], device=device)
        assert group.mask is not None  # a group that decodes has rows
        group.mask = torch.cat([group.mask, group.mask.new_ones((len(group.rows), 1))], dim=1)
        assert group.cache is not None  # as for the mask
        out = self.model(
            input_ids=ids,
            attention_mask=decode_mask(group.cache, group.mask) if is_roomy(group.cache) else _padding(group.mask),
            position_ids=positions,
            past_key_values=group.cache,
            use_cache=True,
        )
        group.keep(self._take_tokens(group.rows, out.logits[:, -1, :]))

    def _take_tokens(self, rows: list[_Request], logits: torch.Tensor) -> list[int]:
        """Choose each row's next token, stream it, and return the indices of rows that go on."""
        keep = []
        logits = logits.float()  # bf16 argmax on CPU: 7.6 ms for 16 rows, against ~1 ms in float32
        # one argmax for all greedy rows, one host round-trip: the index of each row's maximum either way
        greedy = logits.argmax(dim=-1).tolist() if any(r.settings.temperature <= 0 for r in rows) else []
        for i, row in enumerate(rows):
            token = greedy[i] if row.settings.temperature <= 0 else self._choose(logits[i], row.settings)
            if row.first_token_at is None:
                row.first_token_at = time.monotonic()
            row.generated += 1
            if token in self.eos:
                self._finish(row)
                continue
            row.tokens.append(token)
            self.generated_tokens += 1
            row.streamer.put(torch.tensor([token]))
            if row.generated >= row.settings.max_new_tokens or row.cancelled.is_set():
                row.hit_limit = row.generated >= row.settings.max_new_tokens
                self._finish(row)
                continue
            keep.append(i)
        return keep

    @staticmethod
    def _choose(logits: torch.Tensor, settings: GenerationSettings) -> int:
        if settings.temperature <= 0:
            return int(torch.argmax(logits))
        probs = torch.softmax(logits / settings.temperature, dim=-1)
        if settings.top_p < 1.0:
            sorted_probs, order = torch.sort(probs, descending=True)
            outside = sorted_probs.cumsum(-1) - sorted_probs > settings.top_p
            sorted_probs[outside] = 0.0
            return int(order[torch.multinomial(sorted_probs, 1)])
        return int(torch.multinomial(probs, 1))

    def _finish(self, row: _Request, error: BaseException | None = None) -> None:
        if row.finished.is_set():
            return
        try:
            row.streamer.end()
        except Exception:
            log.exception("streamer flush failed")
        row.error = error
        row.finished.set()
