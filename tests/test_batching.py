"""Concurrent students share the real demo model through batching; the admission queue in
front of it refuses politely past its size. (Speed is measured in bench/bench_serving.py.)"""

from __future__ import annotations

import threading
import time

import pytest

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


def test_each_student_gets_their_own_reply_identical_to_running_alone(exact_backend, batched):
    alone = ["".join(exact_backend.stream(messages(q), GREEDY)) for q in QUESTIONS]
    steps, hits = batched.steps, batched.prefix_hits
    together = collect([batched.stream(messages(q), GREEDY) for q in QUESTIONS])  # 4 students, 3 slots
    assert together == alone
    assert batched.prefix_hits - hits >= 3, "the shared system prompt was prefilled again for every student"
    assert len(set(together)) == len(QUESTIONS)
    assert batched.steps - steps < 2 * GREEDY.max_new_tokens + 5, "the replies were not batched"
    assert batched.active() == 0 and batched.waiting() == 0


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
    assert batched.active() == 0


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
        text = "".join(backend.stream(messages("What is 2 + 3?"), GenerationSettings(max_new_tokens=8, temperature=0)))
        assert text.strip()
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
