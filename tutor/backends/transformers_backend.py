"""In-process generation with transformers (``model.generate`` streaming on a worker thread).

GPU path (Phi-4-mini-reasoning): bf16 weights, ``flash_attention_2`` when flash-attn imports,
else ``sdpa``. CPU path: float32 (bf16 matmuls are slower than fp32 on most CPUs).
"""

from __future__ import annotations

import importlib.util
import logging
import threading

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, StoppingCriteria, StoppingCriteriaList, TextStreamer

from tutor.backends.base import Backend, Emit, GenerationSettings, Message
from tutor.model_source import ModelLocation

log = logging.getLogger(__name__)


def attention_implementation(cuda: bool) -> str:
    if cuda and importlib.util.find_spec("flash_attn") is not None:
        return "flash_attention_2"
    return "sdpa"


class _CancelCriteria(StoppingCriteria):
    """Checked after every token: a Stop press ends ``generate`` within one decoding step."""

    def __init__(self, cancelled: threading.Event):
        self.cancelled = cancelled

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs) -> torch.BoolTensor:
        return torch.full((input_ids.shape[0],), self.cancelled.is_set(), dtype=torch.bool, device=input_ids.device)


class _EmitStreamer(TextStreamer):
    """TextStreamer that hands whole words to ``emit`` instead of printing them."""

    def __init__(self, tokenizer, emit: Emit, strip: list[str]):
        super().__init__(tokenizer, skip_prompt=True, skip_special_tokens=False)
        self.emit = emit
        self.strip = strip

    def on_finalized_text(self, text: str, stream_end: bool = False) -> None:
        for token in self.strip:
            text = text.replace(token, "")
        if text:
            self.emit(text)


class TransformersBackend(Backend):
    def __init__(self, model, tokenizer, model_id: str, stall_timeout: float = 60.0):
        self.model = model
        self.tokenizer = tokenizer
        self.model_id = model_id
        self.stall_timeout = stall_timeout
        # Special tokens (end-of-turn markers) are dropped from the text; think tags are
        # special in some tokenizers and must survive for the reply parser.
        self._strip = [t for t in tokenizer.all_special_tokens if "think" not in t]

    @classmethod
    def load(cls, location: ModelLocation, cuda: bool | None = None, stall_timeout: float = 60.0) -> "TransformersBackend":
        cuda = torch.cuda.is_available() if cuda is None else cuda
        kwargs = {"gguf_file": location.gguf_file} if location.gguf_file else {}
        tokenizer = AutoTokenizer.from_pretrained(location.path, **kwargs)
        model = AutoModelForCausalLM.from_pretrained(
            location.path,
            dtype=torch.bfloat16 if cuda else torch.float32,
            attn_implementation=attention_implementation(cuda),
            device_map="cuda" if cuda else None,
            **kwargs,
        )
        model.eval()
        log.info("Loaded %s (%s, %s)", location.model_id, model.dtype, model.config._attn_implementation)
        return cls(model, tokenizer, location.model_id, stall_timeout)

    def prompt_ids(self, messages: list[Message]) -> dict[str, torch.Tensor]:
        enc = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
        return {k: v.to(self.model.device) for k, v in enc.items()}

    def _work(self, messages: list[Message], settings: GenerationSettings, emit: Emit, cancelled: threading.Event) -> None:
        inputs = self.prompt_ids(messages)
        sampling = (
            {"do_sample": True, "temperature": settings.temperature, "top_p": settings.top_p}
            if settings.temperature > 0
            else {"do_sample": False, "temperature": None, "top_p": None, "top_k": None}
        )
        with torch.inference_mode():
            self.model.generate(
                **inputs,
                max_new_tokens=settings.max_new_tokens,
                streamer=_EmitStreamer(self.tokenizer, emit, self._strip),
                stopping_criteria=StoppingCriteriaList([_CancelCriteria(cancelled)]),
                pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
                **sampling,
            )
