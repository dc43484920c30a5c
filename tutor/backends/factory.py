"""Pick and build the engine and its generation settings from ``Settings``."""

from __future__ import annotations

from tutor.backends.base import Backend, GenerationSettings
from tutor.backends.loading import BackgroundLoadedBackend
from tutor.config import Settings
from tutor.model_source import DEMO_MODEL, default_model, locate


def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def is_reasoning_model(model_id: str) -> bool:
    """Phi-4-mini-reasoning and its fine-tunes: sampled, no worked example in the prompt."""
    return "phi-4" in model_id.lower() and "reasoning" in model_id.lower()


def generation_settings(settings: Settings, model_id: str, cuda: bool) -> GenerationSettings:
    """Sampling of the model card for Phi-4-mini-reasoning (T 0.8, top-p 0.95).

    The 135M demo model loops and drifts when sampled, so it decodes greedily.
    Token caps: 4096 on a GPU (reasoning traces run 1-3k tokens), 1024 on CPU (~60 s at 17 tok/s).
    """
    max_new = settings.max_new_tokens or (4096 if cuda else 1024)
    if is_reasoning_model(model_id):
        return GenerationSettings(max_new_tokens=max_new, temperature=0.8, top_p=0.95)
    return GenerationSettings(max_new_tokens=max_new, temperature=0.0, top_p=1.0)


def max_batch(cuda: bool) -> int:
    """Rows decoded together in-process: 16 on CPU (aggregate tokens/s flattens past ~16 on 2 cores),
    32 on a GPU (Phi-4-mini's KV cache for 32 x 5k tokens is ~21 GB in bf16)."""
    return 32 if cuda else 16


def create_backend(settings: Settings) -> tuple[Backend, GenerationSettings]:
    cuda = settings.backend == "transformers" and cuda_available()
    spec = settings.model or default_model(cuda)
    model_id = spec or DEMO_MODEL
    generation = generation_settings(settings, model_id, cuda)
    if settings.backend == "openai":
        from tutor.backends.openai_backend import OpenAIBackend

        return OpenAIBackend.from_settings(settings, model_id), generation

    from tutor.backends.zerogpu import ZeroGPUBackend, on_zerogpu

    if on_zerogpu():
        # Hugging Face ZeroGPU: the GPU exists only inside a spaces.GPU call, one request each.
        return ZeroGPUBackend.load(locate(spec, settings.data_dir), settings.stall_timeout_s), generation

    from tutor.backends.batching import BatchedBackend

    rows = max_batch(cuda)
    # Concurrent students share the model through batching (tutor/backends/batching.py).
    backend = BackgroundLoadedBackend(
        lambda: BatchedBackend.load(
            locate(spec, settings.data_dir),
            cuda=cuda,
            stall_timeout=settings.stall_timeout_s,
            max_batch=rows,
            cpu_dtype_choice=settings.cpu_dtype,
        ),
        model_id,
        settings.stall_timeout_s,
        max_concurrency=rows,
    )
    return backend, generation
