"""All configuration in one typed place: environment variables ``TUTOR_*`` (the README's "Configuration"
table lists them)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from storage.settings import StorageSettings


class Settings(StorageSettings):
    """Every setting; the database's two (``database_url``, ``data_dir``) are ``StorageSettings``'."""

    model_config = SettingsConfigDict(env_prefix="TUTOR_", extra="ignore")

    model: str | None = None
    """HF model id, local model folder or ``.gguf`` file; None picks by hardware."""
    backend: str = Field("transformers", pattern="^(transformers|openai)$")
    openai_base_url: str | None = None
    openai_api_key: SecretStr | None = None
    max_new_tokens: int | None = Field(None, ge=16, le=32768)
    """None: 4096 for the GPU reasoning model, 1024 for the CPU demo model."""
    teacher_user: str | None = None
    teacher_password: SecretStr | None = None
    host: str = "127.0.0.1"
    port: int = Field(7860, ge=1, le=65535)
    max_question_chars: int = Field(4000, ge=10)
    """Longer questions are refused before any model call (a page of text is ~3,000)."""
    cpu_dtype: str = Field("auto", pattern="^(auto|float32|bfloat16)$")
    """Weights on CPU. ``auto``: bf16 where the CPU has native bf16 (AVX512-BF16, AMX), else float32."""
    public_url: str | None = Field(None, pattern=r"^https?://[^\s]+$")
    """The address students use (e.g. ``https://tutor.school.example``, behind a TLS proxy).
    An ``https`` address makes every cookie Secure-only and adds HSTS (ui/security.py)."""
    trusted_proxies: str | None = None
    """Comma-separated addresses of a reverse proxy whose ``X-Forwarded-For`` is believed.
    None: the header is ignored from everyone (uvicorn would trust it from 127.0.0.1)."""
    stall_timeout_s: float = Field(60.0, gt=0)
    """A worker silent this long mid-reply is treated as failed (first token included)."""

    @property
    def behind_tls(self) -> bool:
        return bool(self.public_url and self.public_url.lower().startswith("https://"))
