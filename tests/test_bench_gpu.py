"""bench/bench_gpu.py cannot rot: its tiny CPU run prints every row of the table, and the shipped
config is Phi-4-mini-reasoning's shape (checked on the meta device: no memory, no download)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import torch
from transformers import Phi3ForCausalLM

ROOT = Path(__file__).resolve().parent.parent
TINY = ["--tiny", "--device", "cpu", "--levels", "1,2", "--new-tokens", "8"]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_gpu", ROOT / "bench" / "bench_gpu.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_gpu"] = module
    spec.loader.exec_module(module)
    return module


def table_lines(out: str) -> list[str]:
    return [
        line
        for line in out.splitlines()
        if line.startswith("| ") and not line.startswith("| path") and not line.startswith("| ---")
    ]


def test_tiny_cpu_run_prints_every_row(bench, capsys):
    rows = bench.main(TINY)
    out = capsys.readouterr().out
    assert "torch " + torch.__version__ in out and "transformers " in out and "dtype" in out and "device:" in out
    lines = table_lines(out)
    assert len(lines) == len(rows) == 1 + 2 + 1 + 2 + 1

    raw, ours1, ours2, ours_long, cb1, cb2, cb_long = rows
    assert raw.path.startswith("raw `model.generate`") and raw.tokens == 8 and raw.aggregate > 0
    for row, level in ((ours1, 1), (ours2, 2)):
        assert row.path.startswith("ours") and row.streams == level
        assert row.tokens == 8 * level, row.note  # end-of-sequence ignored: every reply is full length
        assert len(row.first) == level and row.aggregate > 0
    assert "long context" in ours_long.path and ours_long.tokens == 8
    assert "re-prefilled 1x" in ours_long.note  # the prompt really crossed the LongRoPE boundary
    for row, level in ((cb1, 1), (cb2, 2)):  # the pinned transformers has continuous batching: measured, not skipped
        assert row.path.startswith("transformers CB") and row.streams == level
        assert row.tokens == 8 * level and row.aggregate > 0, row.note
    assert "long context" in cb_long.path
    assert cb_long.tokens == 8, cb_long.note


def test_unavailable_continuous_batching_is_a_row_saying_why(bench, capsys, monkeypatch):
    class Missing:
        def __init__(self, *a, **k):
            raise RuntimeError("no paged attention here")

    monkeypatch.setattr(bench, "TransformersCB", Missing)
    rows = bench.main([*TINY, "--levels", "1"])
    lines = table_lines(capsys.readouterr().out)
    cb = [line for line in lines if "transformers CB" in line]
    assert len(cb) == 2 and all("not available: RuntimeError: no paged attention here" in line for line in cb)
    assert rows[1].tokens == 8  # our engine's rows still ran


def test_time_guard_skips_with_a_note(bench, capsys):
    rows = bench.main([*TINY, "--time-budget", "0"])
    assert all(row.note.startswith(("skipped", "stopped")) for row in rows[1:]), [r.note for r in rows]
    assert any("--time-budget" in line for line in table_lines(capsys.readouterr().out))


def test_shipped_config_is_phi4_mini_reasoning_shape(bench):
    config = bench.published_config()
    assert (config.hidden_size, config.num_hidden_layers, config.num_attention_heads, config.num_key_value_heads) == (
        3072,
        32,
        24,
        8,
    )
    assert (config.intermediate_size, config.vocab_size, config.partial_rotary_factor) == (8192, 200064, 0.75)
    assert config.tie_word_embeddings and config.max_position_embeddings == 131072
    rope = config.rope_parameters
    assert rope["rope_type"] == "longrope" and config.original_max_position_embeddings == 4096
    assert len(rope["short_factor"]) == len(rope["long_factor"]) == 48  # 3/4 of 128 head dims, in pairs
    with torch.device("meta"):
        model = Phi3ForCausalLM(config)
    params = sum(p.numel() for p in model.parameters())  # tied: the embedding counted once
    assert 3.7e9 < params < 3.9e9, params


def test_prompt_length_constants_match_the_demo_tokenizer(bench, data_dir, monkeypatch):
    """Where no demo tokenizer is found the bench uses constants; they must stay near the app's
    real prompt (a system-prompt edit that moves them by more than 15% should update them)."""
    monkeypatch.setenv("TUTOR_DATA_DIR", str(data_dir))
    system, questions, source = bench.prompt_lengths()
    assert "measured with the demo tokenizer (" in source
    assert abs(system - bench.SYSTEM_TOKENS) <= 0.15 * system, f"update SYSTEM_TOKENS to {system}"
    assert questions == bench.QUESTION_TOKENS, f"update QUESTION_TOKENS to {questions}"
