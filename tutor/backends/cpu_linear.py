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

Siblings that read the same input (``SIBLINGS``: Llama's q/k/v projections, its MLP's gate and
up) share one packed weight, their rows stacked: the first of them called runs one oneDNN call
for all and the others take their slice of its output. Bit-identical to separate calls in the
shapes checked (tests/test_batching.py). Measured on the 2-core EPYC, one thread, 8 rows: the
five calls of a layer 300-340 -> 246-255 us with the weights in cache; see docs/serving.md for
the engine's figures. Hazard: a sibling is served from the stored output only when it is called
with the very tensor object its group last ran (``is``), each slice once; anything else runs the
group's weight on its own input. A model that modified that input in place between the sibling
calls would get stale outputs; transformers' Llama-family attention and MLP do not.
"""

from __future__ import annotations

import logging
import types
from typing import cast

import torch

log = logging.getLogger(__name__)

MAX_PACKED_BYTES = 1 << 30
ROWS_HINT = 16
"""The batch size oneDNN picks its packed layout for (any number of rows still works)."""
SIBLINGS = (("q_proj", "k_proj", "v_proj"), ("gate_proj", "up_proj"))
"""Child linears of one module that its forward calls on the same input, first to last."""


class _Siblings:
    """One packed weight for sibling linears: one oneDNN call, each sibling then takes its slice.

    Hazard: the pending slices are shared state, so one model must not run forward passes on
    two threads at once: between one thread's check and its pop, another could replace the
    slices, and the first would take the other's. The batching engine runs the model on its one
    scheduler thread only."""

    def __init__(self, members: list[torch.nn.Linear]) -> None:
        weight = torch.cat([m.weight.detach() for m in members])
        self.packed = torch.ops.mkldnn._reorder_linear_weight(weight, ROWS_HINT)
        biases = [m.bias for m in members]
        self.bias = torch.cat([b.detach() for b in biases]) if all(b is not None for b in biases) else None
        self.sizes = [m.out_features for m in members]
        self.input: torch.Tensor | None = None
        self.pending: dict[int, torch.Tensor] = {}

    def output(self, index: int, x: torch.Tensor) -> torch.Tensor:
        if x is not self.input or index not in self.pending:
            out = torch.ops.mkldnn._linear_pointwise(x, self.packed, self.bias, "none", [], "")
            self.input, self.pending = x, dict(enumerate(out.split(self.sizes, dim=-1)))
        part = self.pending.pop(index)
        if not self.pending:
            self.input = None  # hold no activations between steps
        return part


def _sibling_forward(self: torch.nn.Linear, x: torch.Tensor) -> torch.Tensor:
    if x.dtype != torch.bfloat16 or x.device.type != "cpu" or torch.is_grad_enabled():
        return torch.nn.functional.linear(x, self.weight, self.bias)
    group, index = cast(tuple[_Siblings, int], vars(self)["_tutor_siblings"])
    return group.output(index, x)


def _sibling_groups(model: torch.nn.Module, linears: list[torch.nn.Linear]) -> list[list[torch.nn.Linear]]:
    """Groups of ``SIBLINGS`` found among ``linears``: all present, same input size, one bias kind."""
    chosen = set(map(id, linears))
    groups = []
    for parent in model.modules():
        for names in SIBLINGS:
            members = [getattr(parent, name, None) for name in names]
            if all(isinstance(m, torch.nn.Linear) and id(m) in chosen for m in members):
                linear = cast(list[torch.nn.Linear], members)
                if len({m.in_features for m in linear}) == 1 and len({m.bias is None for m in linear}) == 1:
                    groups.append(linear)
    return groups


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
        and not hasattr(m, "_tutor_siblings")
    ]
    if sum(m.weight.numel() * m.weight.element_size() for m in linears) > MAX_PACKED_BYTES:
        log.info("bf16 linear weights over %d bytes: not packed", MAX_PACKED_BYTES)
        return 0
    with torch.no_grad():
        grouped = set()
        for members in _sibling_groups(model, linears):
            siblings = _Siblings(members)
            for index, m in enumerate(members):
                vars(m)["_tutor_siblings"] = (siblings, index)  # plain attribute: not a Module's or a Tensor's
                vars(m)["forward"] = types.MethodType(_sibling_forward, m)
                grouped.add(id(m))
        for m in linears:
            if id(m) in grouped:
                continue
            m._tutor_packed_weight = torch.ops.mkldnn._reorder_linear_weight(m.weight.detach(), ROWS_HINT)
            vars(m)["forward"] = types.MethodType(_packed_forward, m)  # this module's own forward
    return len(linears)


def unpack_cpu_linears(model: torch.nn.Module) -> None:
    """Undo ``pack_cpu_linears`` (plain ``F.linear`` again)."""
    for m in model.modules():
        for name in ("_tutor_packed_weight", "_tutor_siblings"):
            if hasattr(m, name):
                delattr(m, name)
                vars(m).pop("forward", None)
