"""Batching never changes a reply, LongRoPE included.

Phi-4-mini's LongRoPE picks its rotary table from the longest position in a forward call and
``generate`` re-prefills a sequence when it crosses ``original_max_position_embeddings``. A
tiny random ``Phi3ForCausalLM`` with a small original length (64) shows the hazard — plain
batched ``generate`` changes a short request's greedy tokens once its neighbour crosses — and
that the batching backend keeps every request's tokens identical to ``generate`` alone.
"""

from __future__ import annotations

import threading
import time

import pytest
import torch
from transformers import AutoTokenizer, Phi3ForCausalLM

from tests.phi4 import PHI4_SPECIAL, PHI4_TEMPLATE, phi4_shaped_config
from tutor.backends import GenerationSettings
from tutor.backends.batching import BatchedBackend
from tutor.backends.transformers_backend import TransformersBackend
from tutor.model_source import DEMO_MODEL

NEW = 40


@pytest.fixture(scope="module")
def tiny(data_dir):
    tokenizer = AutoTokenizer.from_pretrained(data_dir / "models" / DEMO_MODEL)
    tokenizer.add_special_tokens(
        {"additional_special_tokens": PHI4_SPECIAL, "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>"}
    )
    tokenizer.chat_template = PHI4_TEMPLATE
    torch.manual_seed(0)
    config = phi4_shaped_config(len(tokenizer))
    # long factors far from the short ones and larger weights, so the table in use shows in the tokens
    config.rope_parameters["long_factor"] = [0.05 * (i + 1) for i in range(len(config.rope_parameters["short_factor"]))]
    config.initializer_range = 0.2
    config.eos_token_id = config.pad_token_id = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    model = Phi3ForCausalLM(config).eval()
    backend = BatchedBackend(TransformersBackend(model, tokenizer, "tiny-phi4"), max_batch=4)
    yield backend
    backend.close()


def prompts(tokenizer) -> tuple[list[int], list[int]]:
    short = tokenizer("What is two plus three?", add_special_tokens=False)["input_ids"]
    long = tokenizer(" ".join(["numbers"] * 50), add_special_tokens=False)["input_ids"]
    return short, long


def alone_with_generate(model, prompt: list[int]) -> list[int]:
    with torch.inference_mode():
        out = model.generate(
            torch.tensor([prompt]),
            attention_mask=torch.ones(1, len(prompt), dtype=torch.long),
            max_new_tokens=NEW,
            min_new_tokens=NEW,
            do_sample=False,
            pad_token_id=model.config.pad_token_id,
        )
    return out[0, len(prompt) :].tolist()


def through_backend(backend: BatchedBackend, *requests: list[int]) -> list[list[int]]:
    """Submit all at once (they share forward calls) and return each one's new tokens."""
    submitted = [
        backend.submit(p, GenerationSettings(max_new_tokens=NEW, temperature=0), lambda _: None, threading.Event())
        for p in requests
    ]
    for request in submitted:
        assert request.finished.wait(120) and request.error is None
    return [r.tokens[len(r.prompt) :] for r in submitted]


def test_the_short_request_is_unchanged_beside_one_that_crosses_the_boundary(tiny):
    model, tokenizer = tiny.model, tiny.tokenizer
    short, long = prompts(tokenizer)
    original = tiny.long_from
    assert original == 64 and len(short) + NEW <= original < len(long) + NEW, (
        "the long request must cross, the short one not"
    )
    short_alone, long_alone = alone_with_generate(model, short), alone_with_generate(model, long)

    # the hazard is real: plain batched generate switches the short row to the long table
    tokenizer.padding_side = "left"
    batch = tokenizer.pad({"input_ids": [short, long]}, return_tensors="pt")
    with torch.inference_mode():
        naive = model.generate(
            **batch, max_new_tokens=NEW, min_new_tokens=NEW, do_sample=False, pad_token_id=model.config.pad_token_id
        )
    assert naive[0, batch["input_ids"].shape[1] :].tolist() != short_alone

    # the batching backend: alone, each request matches generate (re-prefill at the crossing included)
    assert through_backend(tiny, short) == [short_alone]
    assert through_backend(tiny, long) == [long_alone]
    # batched together, neither changes
    assert through_backend(tiny, short, long) == [short_alone, long_alone]
    assert through_backend(tiny, long, short, short) == [long_alone, short_alone, short_alone]


def test_rows_are_kept_apart_by_rotary_regime(tiny):
    short, long = prompts(tiny.tokenizer)
    seen: list[tuple[int, int]] = []
    mixed: list[int] = []
    done = threading.Event()

    def watch():
        while not done.is_set():
            short_group, long_group = tiny._groups
            seen.append((len(short_group.rows), len(long_group.rows)))
            # a short-group row holds at most long_from + 1 tokens (it moves before its next forward)
            mixed.extend(len(r.tokens) for r in list(short_group.rows) if len(r.tokens) > tiny.long_from + 1)
            time.sleep(0.001)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        through_backend(tiny, short, long)
    finally:
        done.set()
        watcher.join(5)
    assert (1, 1) in seen, "the two requests never ran side by side"
    assert not mixed, "a row past the original length shared a forward call with short rows"
