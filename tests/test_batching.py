"""Concurrent students share the real demo model through batching; the admission queue in
front of it refuses politely past its size. (Speed is measured in bench/bench_serving.py.)"""

from __future__ import annotations

import threading
import time

import pytest
import torch

from tutor.backends import GenerationSettings
from tutor.backends.batching import BatchedBackend
from tutor.backends.factory import create_backend
from tutor.backends.loading import BackgroundLoadedBackend
from tutor.backends.scripted import ScriptedBackend
from tutor.backends.transformers_backend import TransformersBackend
from tutor.config import Settings
from tutor.generation.admission import Admission
from tutor.service import SYSTEM_PROMPT, TutorService

QUESTIONS = [
    "What is 2 + 3?",
    "Solve 3x + 5 = 11.",
    "Factor x^2 - 5x + 6 completely, showing each step.",
    "What is the derivative of x^2?",
]
GREEDY = GenerationSettings(max_new_tokens=40, temperature=0)


def messages(question: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": question}]


@pytest.fixture(scope="module")
def exact_backend(data_dir):
    """The demo model in float32: bf16 (the app's choice on CPUs with native bf16) rounds
    differently with the batch's shape, so exact equality is a test of the logic in float32."""
    from tutor.model_source import locate

    return TransformersBackend.load(locate(None, data_dir), cuda=False, cpu_dtype_choice="float32")


@pytest.fixture(scope="module")
def batched(exact_backend):
    backend = BatchedBackend(exact_backend, max_batch=3)
    yield backend
    backend.close()


def collect(generations) -> list[str]:
    out = [""] * len(generations)

    def read(i):
        out[i] = "".join(generations[i])

    threads = [threading.Thread(target=read, args=(i,)) for i in range(len(generations))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    return out


def settled(backend: BatchedBackend) -> int:
    """Rows still in the batch, once the scheduler has caught up: a reply's stream closes a moment
    before the scheduler drops its row."""
    deadline = time.monotonic() + 2
    while backend.active() and time.monotonic() < deadline:
        time.sleep(0.005)
    return backend.active()


def test_each_student_gets_their_own_reply_identical_to_running_alone(exact_backend, batched):
    alone = ["".join(exact_backend.stream(messages(q), GREEDY)) for q in QUESTIONS]
    steps, hits = batched.steps, batched.prefix_hits
    together = collect([batched.stream(messages(q), GREEDY) for q in QUESTIONS])  # 4 students, 3 slots
    assert together == alone
    assert batched.prefix_hits - hits >= 3, "the shared system prompt was prefilled again for every student"
    assert len(set(together)) == len(QUESTIONS)
    assert batched.steps - steps < 2 * GREEDY.max_new_tokens + 5, "the replies were not batched"
    assert settled(batched) == 0 and batched.waiting() == 0


def test_prompts_of_different_modes_each_reuse_their_own_cached_prefix(exact_backend, batched):
    """Solution and hint prompts start differently; each kind is prefilled from its own cached
    prefix (system prompt + worked example is longer than the system prompt alone), and
    replies stay those of running alone."""
    hint = "You are a patient maths tutor. Give one hint at a time and never the final answer. " * 3
    prompts = [messages(q) for q in QUESTIONS[:2]] + [
        [{"role": "system", "content": hint}, {"role": "user", "content": q}] for q in QUESTIONS[:2]
    ]
    alone = ["".join(exact_backend.stream(m, GREEDY)) for m in prompts]
    for m in prompts:  # one at a time: each learns from the ones before it
        "".join(batched.stream(m, GREEDY))
    hits = batched.prefix_hits
    together = collect([batched.stream(m, GREEDY) for m in [*prompts, *prompts][:3]])
    assert together == alone[:3]
    assert batched.prefix_hits - hits == 3, "a prompt was prefilled whole although its prefix was cached"
    system_ids = exact_backend.prompt_ids(messages(QUESTIONS[0]))["input_ids"][0].tolist()
    hint_ids = exact_backend.prompt_ids(prompts[2])["input_ids"][0].tolist()
    cached = list(batched._prefixes)
    assert any(system_ids[: len(p)] == list(p) and len(p) > 200 for p in cached)
    assert any(hint_ids[: len(p)] == list(p) and len(p) >= 32 for p in cached)


def test_stop_cancels_only_that_student_and_frees_the_slot_at_once(exact_backend, batched):
    long = GenerationSettings(max_new_tokens=300, temperature=0)
    expected = "".join(exact_backend.stream(messages(QUESTIONS[1]), GREEDY))
    victim = batched.stream(messages("Write a long story about numbers."), long)
    others = [batched.stream(messages(QUESTIONS[1]), GREEDY) for _ in range(2)]
    queued = batched.stream(messages(QUESTIONS[1]), GREEDY)  # 4th: waits for a slot
    # Asserted before any token is read: later, the two others may already have written their
    # 40 tokens and freed a slot (seen once in CI on a loaded machine).
    deadline = time.monotonic() + 10
    while batched.waiting() != 1 and time.monotonic() < deadline:  # submitted from worker threads
        time.sleep(0.005)
    assert batched.waiting() == 1
    next(victim)
    next(victim)
    victim.cancel()
    stopped = time.monotonic()
    assert victim.done.wait(2.0), "the stopped request kept its slot"
    assert time.monotonic() - stopped < 2.0
    assert collect([*others, queued]) == [expected] * 3  # the queued one got the freed slot
    assert settled(batched) == 0


def test_more_students_than_slots_all_get_their_first_token(batched):
    settings = GenerationSettings(max_new_tokens=12, temperature=0)
    generations = [batched.stream(messages(QUESTIONS[i % 4]), settings) for i in range(7)]
    first: list[float | None] = [None] * len(generations)

    def read(i):
        for _ in generations[i]:
            first[i] = first[i] or time.monotonic()

    threads = [threading.Thread(target=read, args=(i,)) for i in range(len(generations))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert all(first), "a request starved"


def test_the_factory_builds_the_batched_engine_by_default(data_dir):
    backend, _ = create_backend(Settings(data_dir=data_dir))
    try:
        assert isinstance(backend, BackgroundLoadedBackend) and backend.max_concurrency == 16
        assert isinstance(backend.inner, BatchedBackend)
        model = backend.inner.model
        bf16 = [m for m in model.modules() if isinstance(m, torch.nn.Linear) and m.weight.dtype == torch.bfloat16]
        assert backend.inner.packed_linears == len(bf16), "bf16 linears on CPU are packed once, the others left alone"
        question, short = messages("What is 2 + 3?"), GenerationSettings(max_new_tokens=12, temperature=0)
        text = "".join(backend.stream(question, short))
        assert text.strip()
        if bf16:  # q/k/v and gate/up run as one oneDNN call each, and greedy replies are those of separate calls
            from tutor.backends import cpu_linear

            layers = len(model.model.layers)
            assert sum(hasattr(m, "_tutor_siblings") for m in model.modules()) == 5 * layers
            cpu_linear.unpack_cpu_linears(model)
            saved, cpu_linear.SIBLINGS = cpu_linear.SIBLINGS, ()
            try:
                assert cpu_linear.pack_cpu_linears(model) == len(bf16)
                assert not any(hasattr(m, "_tutor_siblings") for m in model.modules())
                assert "".join(backend.stream(question, short)) == text
            finally:
                cpu_linear.SIBLINGS = saved
    finally:
        backend.close()


# the admission queue in front of the model ----------------------------------------------------


def test_past_the_queue_a_student_is_told_the_tutor_is_busy_and_how_long(store):
    backend = ScriptedBackend([f"step {i}. " for i in range(100)], delay=0.02)
    svc = TutorService(backend, store, GenerationSettings(), admission=Admission(slots=1, waiting=1, first_guess_s=40))
    first = svc.ask("student-token-aaaaaaaaaaaa", "Question one")
    assert next(first).status == "generating"
    second = svc.ask("student-token-bbbbbbbbbbbb", "Question two")
    waiting = next(second)
    assert waiting.status == "generating" and "next in line" in waiting.notice and waiting.message_id is None
    refused = list(svc.ask("student-token-cccccccccccc", "Question three"))
    assert len(refused) == 1 and refused[0].status == "refused"
    assert "busy" in refused[0].notice and "about 80 s" in refused[0].notice  # 1 waiting, 40 s a reply, 1 slot
    assert list(first)[-1].status == "complete"
    rest = list(second)  # admitted once the first finished
    assert rest[-1].status == "complete" and rest[-1].solution.startswith("step 0.")
    assert svc.admission.running() == 0 and svc.admission.waiting() == 0
    assert svc.admission.average_reply_s < 40  # learnt from the replies just measured


def test_stop_while_waiting_leaves_the_queue(store):
    backend = ScriptedBackend([f"w{i} " for i in range(200)], delay=0.02)
    svc = TutorService(backend, store, GenerationSettings(), admission=Admission(slots=1, waiting=2))
    first = svc.ask("student-token-aaaaaaaaaaaa", "Question one")
    next(first)
    second = svc.ask("student-token-bbbbbbbbbbbb", "Question two")
    assert "next in line" in next(second).notice
    assert svc.stop("student-token-bbbbbbbbbbbb")
    assert list(second)[-1].status == "stopped"
    assert svc.admission.waiting() == 0
    next(first)
    first.close()
    assert svc.admission.running() == 0
    assert [m[-1]["content"] for m in backend.seen] == ["Question one"]  # the stopped one never reached the model


def test_gradio_queue_matches_the_admission_queue(store, tmp_path):
    from ui.server import build_app

    svc = TutorService(ScriptedBackend(["x"]), store, GenerationSettings(), admission=Admission(slots=30, waiting=30))
    app = build_app(svc, tmp_path)
    blocks = next(
        r.app.get_blocks() for r in app.routes if getattr(r, "path", None) == "" and hasattr(r.app, "get_blocks")
    )
    assert blocks.max_threads >= svc.admission.capacity + 1
    assert blocks._queue.max_size >= svc.admission.capacity
    ask = [fn for fn in blocks.fns.values() if fn.concurrency_limit is None]
    assert ask, "the ask event would be serialised"


def test_the_cpu_decode_attention_matches_sdpa():
    """One query per row, GQA (9 query heads on 3 KV heads), left padding masked: the grouped
    matmuls give sdpa's output (transformers' own sdpa path, with its repeat_kv)."""
    from types import SimpleNamespace

    import torch
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    from tutor.backends.batching import _cpu_decode_attention

    torch.manual_seed(0)
    module = SimpleNamespace(num_key_value_groups=3, is_causal=True, training=False)
    query, key, value = torch.randn(4, 9, 1, 64), torch.randn(4, 3, 50, 64), torch.randn(4, 3, 50, 64)
    mask = torch.ones(4, 1, 1, 50, dtype=torch.bool)
    mask[1, ..., :7] = False
    mask[3, ..., :20] = False
    for m in (mask, None):
        want, _ = sdpa_attention_forward(module, query, key, value, m, scaling=0.125)
        got, _ = _cpu_decode_attention(module, query, key, value, m, scaling=0.125)
        assert got.shape == want.shape == (4, 1, 9, 64)
        torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-4)


# the in-place KV cache and packed linears of the CPU decode path --------------------------------


def test_a_roomy_layer_holds_what_concatenation_holds_and_hands_out_its_whole_zero_tailed_buffer():
    """Decode steps, rows leaving (keys/values reassigned, as ``_Group.keep`` does) and the room
    running out: the filled part always equals ``DynamicLayer``'s concatenation, the tail is zeros,
    and the returned buffer is contiguous and reused (no copy) until the room runs out."""
    from transformers.cache_utils import DynamicLayer

    from tutor.backends.kv_cache import ROOM, RoomyLayer

    torch.manual_seed(0)
    prompt_k, prompt_v = torch.randn(4, 3, 10, 8), torch.randn(4, 3, 10, 8)
    plain, roomy = DynamicLayer(), RoomyLayer(prompt_k.clone(), prompt_v.clone())
    plain.update(prompt_k, prompt_v)
    buffers: list[torch.Tensor] = []  # each buffer handed out, held so none is freed and its memory reused
    for step in range(ROOM + 15):
        if step == 7:  # rows 1 and 3 leave
            for layer in (plain, roomy):
                assert layer.keys is not None and layer.values is not None
                layer.keys, layer.values = layer.keys[[0, 2]], layer.values[[0, 2]]
        rows = plain.keys.shape[0]
        k, v = torch.randn(rows, 3, 1, 8), torch.randn(rows, 3, 1, 8)
        want_k, want_v = plain.update(k, v)
        got_k, got_v = roomy.update(k, v)
        length = want_k.shape[2]
        assert got_k.is_contiguous() and got_k.shape[2] >= length and roomy.get_seq_length() == length
        torch.testing.assert_close(got_k[:, :, :length], want_k, rtol=0, atol=0)
        torch.testing.assert_close(got_v[:, :, :length], want_v, rtol=0, atol=0)
        assert not got_k[:, :, length:].any() and not got_v[:, :, length:].any()
        torch.testing.assert_close(roomy.keys, want_k, rtol=0, atol=0)
        if not buffers or got_k is not buffers[-1]:
            buffers.append(got_k)
    # one buffer after the prompt, one after rows left, one when the room ran out
    assert len(buffers) == 3


def test_decode_masks_cover_the_buffer_and_mark_its_tail_as_padding():
    from transformers import DynamicCache

    from tutor.backends.kv_cache import ROOM, RoomyLayer, decode_mask, is_roomy, roomy

    cache = DynamicCache(ddp_cache_data=[(torch.ones(2, 1, 5, 4), torch.ones(2, 1, 5, 4))] * 3)
    roomy(cache)
    assert all(isinstance(layer, RoomyLayer) for layer in cache.layers)
    padding = torch.tensor([[0, 0, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1]])  # 5 cached + the new token
    mask = decode_mask(cache, padding)
    assert mask.shape == (2, 1, 1, 6 + ROOM) and mask.dtype == torch.bool
    assert mask[0, 0, 0, :6].tolist() == [False, False, True, True, True, True]
    assert mask[1, 0, 0, :6].all() and not mask[:, :, :, 6:].any()
    assert is_roomy(cache)
    # a cache with a sliding-window layer is left to the plain path
    from transformers.cache_utils import DynamicLayer, DynamicSlidingWindowLayer

    mixed = DynamicCache()
    mixed.layers = [DynamicLayer(), DynamicSlidingWindowLayer(sliding_window=4)]
    assert not is_roomy(roomy(mixed)) and type(mixed.layers[0]) is DynamicLayer


def test_replies_stay_identical_with_rows_joining_and_leaving_while_the_cache_grows_in_place(
    exact_backend, monkeypatch
):
    """A room of 3 positions, so buffers are reallocated every few steps while rows of
    different lengths join (4 students, 2 slots) and leave; every reply is that of ``generate``
    alone, and the batch really decoded into ``RoomyLayer`` buffers."""
    from tutor.backends import kv_cache
    from tutor.backends.kv_cache import RoomyLayer

    monkeypatch.setattr(kv_cache, "ROOM", 3)
    settings = [GenerationSettings(max_new_tokens=n, temperature=0) for n in (12, 30, 20, 25)]
    alone = ["".join(exact_backend.stream(messages(q), s)) for q, s in zip(QUESTIONS, settings)]
    backend = BatchedBackend(exact_backend, max_batch=2)
    seen: list[bool] = []
    threads: set[int] = set()
    decode = backend._decode

    def watched(group):
        decode(group)
        threads.add(torch.get_num_threads())  # on the engine's thread
        if group.cache is not None:
            seen.append(all(isinstance(layer, RoomyLayer) for layer in group.cache.layers))

    backend._decode = watched  # type: ignore[method-assign]
    try:
        together = collect([backend.stream(messages(q), s) for q, s in zip(QUESTIONS, settings)])
    finally:
        backend.close()
    assert backend.cpu_decode_attention and seen and all(seen)
    assert together == alone
    # one core is left to the web server and the streams (torch's default is one thread per core)
    assert backend.cpu_threads == max(1, torch.get_num_threads() - 1) and threads == {backend.cpu_threads}


def test_packed_bf16_linears_give_the_numbers_of_plain_linear():
    """oneDNN's prepacked weights (what the engine uses for bf16 on CPU) against ``F.linear``,
    bit for bit, for one row, a batch and a prompt; float32 models are left alone."""

    from tutor.backends.cpu_linear import pack_cpu_linears, unpack_cpu_linears

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 96), torch.nn.Linear(96, 32, bias=False)).bfloat16()
    inputs = [torch.randn(1, 64), torch.randn(16, 1, 64), torch.randn(3, 33, 64)]
    with torch.inference_mode():
        plain = [model(x.bfloat16()) for x in inputs]
        assert pack_cpu_linears(model) == 2
        assert all(hasattr(m, "_tutor_packed_weight") for m in model)
        for x, want in zip(inputs, plain):
            torch.testing.assert_close(model(x.bfloat16()), want, rtol=0, atol=0)
        unpack_cpu_linears(model)
        assert not any(hasattr(m, "_tutor_packed_weight") for m in model)
    assert pack_cpu_linears(torch.nn.Sequential(torch.nn.Linear(8, 8))) == 0


class _Block(torch.nn.Module):
    """Llama's sibling linears: q/k/v read one input, as do gate and up."""

    def __init__(self, bias: bool):
        super().__init__()
        self.q_proj, self.k_proj, self.v_proj = (torch.nn.Linear(64, n, bias=bias) for n in (64, 16, 16))
        self.gate_proj, self.up_proj = (torch.nn.Linear(64, 96, bias=bias) for _ in range(2))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return [self.q_proj(x), self.k_proj(x), self.v_proj(x), self.gate_proj(x) * self.up_proj(x)]


@pytest.mark.parametrize("bias", [False, True])
def test_sibling_linears_share_one_packed_weight_and_give_the_numbers_of_separate_calls(bias):
    """q/k/v and gate/up packed as one weight each: every output bit for bit that of ``F.linear``
    per module, for one row, a batch and a prompt; a sibling called on another input than its
    group's last one runs on that input, not on a stale output."""
    from tutor.backends.cpu_linear import pack_cpu_linears, unpack_cpu_linears

    torch.manual_seed(0)
    block = _Block(bias).bfloat16()
    inputs = [torch.randn(1, 1, 64), torch.randn(8, 1, 64), torch.randn(16, 1, 64), torch.randn(3, 33, 64)]
    with torch.inference_mode():
        plain = [block(x.bfloat16()) for x in inputs]
        assert pack_cpu_linears(block) == 5
        groups = {id(m._tutor_siblings[0]) for m in block.children()}
        assert len(groups) == 2 and not any(hasattr(m, "_tutor_packed_weight") for m in block.children())
        for x, want in zip(inputs, plain):
            for got, expected in zip(block(x.bfloat16()), want):
                torch.testing.assert_close(got, expected, rtol=0, atol=0)
        a, b = torch.randn(4, 1, 64).bfloat16(), torch.randn(4, 1, 64).bfloat16()
        block.q_proj(a)  # leaves k and v of ``a`` pending
        k, v = block.k_proj, block.v_proj
        torch.testing.assert_close(k(b), torch.nn.functional.linear(b, k.weight, k.bias), rtol=0, atol=0)
        torch.testing.assert_close(v(a), torch.nn.functional.linear(a, v.weight, v.bias), rtol=0, atol=0)
        unpack_cpu_linears(block)
        assert not any(hasattr(m, "_tutor_siblings") or "forward" in vars(m) for m in block.children())
