"""Phi-4-mini's chat format and shape, scaled down: shared by the tests of the GPU model's code path
on CPU (tests/test_phi4_path.py, tests/test_longrope_batching.py)."""

from __future__ import annotations

from transformers import Phi3Config

PHI4_TEMPLATE = (
    "{% for message in messages %}{{ '<|' + message['role'] + '|>' + message['content'] + '<|end|>' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>' }}{% else %}{{ eos_token }}{% endif %}"
)
PHI4_SPECIAL = ["<|system|>", "<|user|>", "<|assistant|>", "<|end|>", "<|endoftext|>"]


def phi4_shaped_config(vocab_size: int) -> Phi3Config:
    """Phi-4-mini's shape scaled down: 24 heads / 8 KV heads -> 4 / 2, rotary on 3/4 of each head."""
    rotary_pairs = int(16 * 0.75) // 2
    return Phi3Config(
        vocab_size=vocab_size,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        partial_rotary_factor=0.75,
        max_position_embeddings=1024,
        original_max_position_embeddings=64,
        rope_scaling={
            "rope_type": "longrope",
            "short_factor": [1.0] * rotary_pairs,
            "long_factor": [1.0 + 0.5 * i for i in range(rotary_pairs)],
        },
        tie_word_embeddings=True,
    )
