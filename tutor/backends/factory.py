"""Pick and build the engine and its generation settings from ``Settings``."""

from __future__ import annotations

from tutor.backends.base import Backend, GenerationSettings
from tutor.backends.loading import BackgroundLoadedBackend
from tutor.config import Settings
from tutor.model_source import DEMO_MODEL, REASONING_MODEL, default_model, locate


def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def generation_settings(settings: Settings, model_id: str, cuda: bool) -> GenerationSettings:
    """Sampling of the model card for Phi-4-mini-reasoning (T 0.8, top-p 0.95).

    The 135M demo model loops and drifts when sampled, so it decodes greedily.
    Token caps: 4096 on a GPU (reasoning traces run 1-3k tokens), 1024 on CPU (~60 s at 17 tok/s).
    """
    max_new = settings.max_new_tokens or (4096 if cuda else 1024)
    if "phi-4" in model_id.lower() or model_id == REASONING_MODEL:
        return GenerationSettings(max_new_tokens=max_new, temperature=0.8, top_p=0.95)
    return GenerationSettings(max_new_tokens=max_new, temperature=0.0, top_p=1.0)


def create_backend(settings: Settings) -> tuple[Backend, GenerationSettings]:
    cuda = settings.backend == "transformers" and cuda_available()
    spec = settings.model or default_model(cuda)
    model_id = spec or DEMO_MODEL
    if settings.backend == "openai":
        from tutor.backends.openai_backend import OpenAIBackend

        backend: Backend = OpenAIBackend.from_settings(settings, model_id)
    else:
        from tutor.backends.transformers_backend import TransformersBackend

        backend = BackgroundLoadedBackend(
            lambda: TransformersBackend.load(locate(spec, settings.data_dir), cuda=cuda, stall_timeout=settings.stall_timeout_s),
            model_id,
            settings.stall_timeout_s,
        )
    return backend, generation_settings(settings, model_id, cuda)
