"""The GPU model's code path on CPU: a tiny random Phi3ForCausalLM of Phi-4-mini's shape
(grouped-query attention, partial rotary, tied embeddings, LongRoPE) with Phi-4-mini's
chat format, loaded, templated and streamed by the same code as the real model."""

from __future__ import annotations

import pytest
import torch
from transformers import AutoTokenizer, Phi3ForCausalLM

from tests.phi4 import PHI4_SPECIAL, PHI4_TEMPLATE, phi4_shaped_config
from tutor.backends import GenerationSettings
from tutor.backends.factory import generation_settings
from tutor.backends.transformers_backend import EmitStreamer, TransformersBackend, attention_implementation
from tutor.config import Settings
from tutor.generation.reply_parser import parse_reply
from tutor.model_source import DEMO_MODEL, REASONING_MODEL, default_model, locate


@pytest.fixture(scope="module")
def tiny_phi4(tmp_path_factory, data_dir):
    folder = tmp_path_factory.mktemp("tiny-phi4")
    tokenizer = AutoTokenizer.from_pretrained(data_dir / "models" / DEMO_MODEL)
    tokenizer.add_special_tokens(
        {"additional_special_tokens": PHI4_SPECIAL, "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>"}
    )
    tokenizer.add_tokens(["<think>", "</think>"])
    tokenizer.chat_template = PHI4_TEMPLATE
    torch.manual_seed(0)
    config = phi4_shaped_config(len(tokenizer))
    config.eos_token_id = config.pad_token_id = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    Phi3ForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_defaults_choose_the_reasoning_model_only_with_cuda():
    assert default_model(cuda=True) == REASONING_MODEL
    assert default_model(cuda=False) is None
    assert attention_implementation(cuda=False) == "sdpa"
    phi = generation_settings(Settings(), REASONING_MODEL, cuda=True)
    assert (phi.temperature, phi.top_p, phi.max_new_tokens) == (0.8, 0.95, 4096)
    assert generation_settings(Settings(max_new_tokens=64), DEMO_MODEL, cuda=False).max_new_tokens == 64


def test_tiny_phi4_loads_templates_and_streams(tiny_phi4):
    backend = TransformersBackend.load(locate(str(tiny_phi4), tiny_phi4), cuda=False)
    model = backend.model
    assert type(model).__name__ == "Phi3ForCausalLM"
    assert model.config.rope_parameters["rope_type"] == "longrope"
    assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()
    assert model.config.num_key_value_heads < model.config.num_attention_heads

    messages = [{"role": "system", "content": "S"}, {"role": "user", "content": "Q"}]
    prompt = backend.tokenizer.decode(backend.prompt_ids(messages)["input_ids"][0])
    assert prompt == "<|system|>S<|end|><|user|>Q<|end|><|assistant|>"

    generation = backend.stream(messages, GenerationSettings(max_new_tokens=12, temperature=0.8, top_p=0.95))
    text = "".join(generation)
    assert generation.done.is_set()
    assert "<|end|>" not in text and "<|endoftext|>" not in text


def test_think_tags_survive_streaming_and_are_split_off(tiny_phi4):
    """Scripted token ids through the real streamer: think tags kept, end-of-turn dropped."""
    backend = TransformersBackend.load(locate(str(tiny_phi4), tiny_phi4), cuda=False)
    tok = backend.tokenizer
    chunks: list[str] = []
    streamer = EmitStreamer(tok, chunks.append, backend.strip_tokens)
    streamer.put(torch.tensor([[1, 2]]))  # the prompt, skipped
    text = "<think>3x = 6 so x = 2</think>\nStep 1: divide by 3.\n\\boxed{2}<|end|>"
    for token_id in tok(text, add_special_tokens=False)["input_ids"]:
        streamer.put(torch.tensor([token_id]))
    streamer.end()
    streamed = "".join(chunks)
    assert "<|end|>" not in streamed
    parsed = parse_reply(streamed)
    assert parsed.reasoning == "3x = 6 so x = 2"
    assert "Step 1: divide by 3." in parsed.solution
    assert parsed.final_answer == "2"
