"""bf16 linear layers on CPU with their weights packed once for oneDNN, instead of at every call.

``F.linear`` on a bf16 CPU tensor goes to oneDNN with the weight in plain row-major layout, which
oneDNN reorders into its blocked layout on every call. Packing once (``_reorder_linear_weight``,
what ``torch.compile``'s freezing does for CPU) and calling ``_linear_pointwise`` gives the same
numbers — bit-identical to ``F.linear`` in the shapes checked (1, 5, 16 rows; 3 x 330 prompt
tokens), see tests/test_batching.py — and, measured on the 2-core EPYC, one thread, 16 rows:
the 576 -> 1536 projection 575 -> 333 us, the 49k-row vocabulary projection 16.0 -> 11.6 ms.

Cost: the packed copy is held beside the original weight (which ``generate``, ``state_dict`` and
tied embeddings still use), so packing is skipped past ``MAX_PACKED_BYTES`` — the demo model packs
~270 MB; Phi-4-mini's 7.7 GB on a CPU would not be doubled. Only CPU bf16 ``nn.Linear`` modules
are touched, and only where this torch has the oneDNN ops; on CUDA nothing changes.
"""

from __future__ import annotations

import logging
import types

import torch

log = logging.getLogger(__name__)

MAX_PACKED_BYTES = 1 << 30
ROWS_HINT = 16
"""The batch size oneDNN picks its packed layout for (any number of rows still works)."""


def _packed_forward(self: torch.nn.Linear, x: torch.Tensor) -> torch.Tensor:
    packed = self._tutor_packed_weight
    if x.dtype != torch.bfloat16 or x.device.type != "cpu" or torch.is_grad_enabled():
        return torch.nn.functional.linear(x, self.weight, self.bias)
    return torch.ops.mkldnn._linear_pointwise(x, packed, self.bias, "none", [], "")


def pack_cpu_linears(model: torch.nn.Module) -> int:
    """Give every CPU bf16 ``nn.Linear`` of ``model`` a packed weight and a forward that uses it.

    Returns how many were packed (0 where nothing qualifies, this torch lacks the ops, or the
    weights are larger than ``MAX_PACKED_BYTES``)."""
    mkldnn = getattr(torch.ops, "mkldnn", None)
    if not torch.backends.mkldnn.is_available() or mkldnn is None or not hasattr(mkldnn, "_reorder_linear_weight"):
        return 0
    linears = [
        m
        for m in model.modules()
        if isinstance(m, torch.nn.Linear)
        and m.weight.dtype == torch.bfloat16
        and m.weight.device.type == "cpu"
        and not hasattr(m, "_tutor_packed_weight")
    ]
    if sum(m.weight.numel() * m.weight.element_size() for m in linears) > MAX_PACKED_BYTES:
        log.info("bf16 linear weights over %d bytes: not packed", MAX_PACKED_BYTES)
        return 0
    with torch.no_grad():
        for m in linears:
            m._tutor_packed_weight = torch.ops.mkldnn._reorder_linear_weight(m.weight.detach(), ROWS_HINT)
            vars(m)["forward"] = types.MethodType(_packed_forward, m)  # this module's own forward
    return len(linears)


def unpack_cpu_linears(model: torch.nn.Module) -> None:
    """Undo ``pack_cpu_linears`` (plain ``F.linear`` again)."""
    for m in model.modules():
        if hasattr(m, "_tutor_packed_weight"):
            del m._tutor_packed_weight
            vars(m).pop("forward", None)
