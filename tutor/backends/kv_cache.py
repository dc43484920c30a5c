"""A decode-only KV cache layer for CPU that grows in place: one column written per step, nothing copied.

transformers' ``DynamicLayer`` concatenates each step's keys and values onto the whole cache, in
every layer, at every step. Measured with ``torch.profiler`` on the 2-core EPYC (demo model, bf16,
16 rows x ~400 positions, 30 layers, 2 threads under other load): ``aten::cat`` was 42% of a
decode step (~680 us a call, 60 calls a step); A/B on one thread, decode only, this layer gained
5% at ~350 positions (141 -> 149 tokens/s), more as the cache grows. Handing the model *views*
of a larger buffer does not help on CPU: torch's bf16 ``bmm`` copies any non-contiguous batch
first (16 x 3 heads x 400 x 64: 955 us against 139 us for the contiguous tensor), so the copy
only moves from ``cat`` into the attention.

``RoomyLayer`` therefore hands the model its *whole* buffer, contiguous, ``ROOM`` positions
longer than what is filled, and the batching loop passes a 4-D mask that covers the buffer and
marks the unfilled tail as padding (``decode_mask``). The buffer is reallocated (one copy of the
cache) only when the room runs out or rows join or leave. Cost: attention reads up to ``ROOM``
unused positions per row, masked to exactly zero weight.

Hazards:

- Only for decode steps through ``_cpu_decode_attention`` with a mask from ``decode_mask``: any
  other attention (sdpa, flash) would attend over the unfilled tail. The batching loop uses it
  only on CPU with that attention; prefill runs on plain ``DynamicCache``.
- The tail is zeros, never ``torch.empty``: masked scores get weight exactly 0, and 0 x NaN
  from uninitialised memory would still be NaN.
- ``keys`` / ``values`` read as the filled part (a view); the batching loop assigns new tensors
  there when rows join or leave, and the layer copies them into a fresh buffer on the next
  ``reserve``. Writing into a view it handed out is not safe.
"""

from __future__ import annotations

import torch
from transformers import DynamicCache
from transformers.cache_utils import DynamicLayer

ROOM = 32
"""Spare positions per reallocation: one copy of the cache every 32 decode steps instead of two per
layer per step. Attention reads up to 32 masked positions more per row (~16 on average, ~4% of a
~450-position row): reading the cache is a fifth of a 16-row decode step here, so room is not free."""


class RoomyLayer(DynamicLayer):
    """A ``DynamicLayer`` whose ``update`` writes into a zero-padded buffer and returns the whole buffer."""

    def __init__(self, keys: torch.Tensor | None = None, values: torch.Tensor | None = None) -> None:
        self._key_buffer: torch.Tensor | None = None
        self._value_buffer: torch.Tensor | None = None
        self._keys: torch.Tensor | None = None
        self._values: torch.Tensor | None = None
        self.length = 0
        """Positions filled in the buffers. Keys and values assigned from outside keep their own
        length until the next ``reserve`` (the batching loop assigns keys, then values)."""
        super().__init__()
        if keys is not None and values is not None:
            self.dtype, self.device = keys.dtype, keys.device
            self.keys, self.values = keys, values
            self.is_initialized = True

    @property
    def keys(self) -> torch.Tensor | None:
        return self._key_buffer[:, :, : self.length] if self._key_buffer is not None else self._keys

    @keys.setter
    def keys(self, value: torch.Tensor | None) -> None:
        self._detach_values()
        self._key_buffer, self._keys = None, value

    @property
    def values(self) -> torch.Tensor | None:
        return self._value_buffer[:, :, : self.length] if self._value_buffer is not None else self._values

    @values.setter
    def values(self, value: torch.Tensor | None) -> None:
        self._detach_values()
        self._value_buffer, self._values = None, value

    def _detach_values(self) -> None:
        """Before either tensor is replaced, turn both buffers into plain views of their filled part."""
        if self._key_buffer is not None:
            self._keys, self._key_buffer = self._key_buffer[:, :, : self.length], None
        if self._value_buffer is not None:
            self._values, self._value_buffer = self._value_buffer[:, :, : self.length], None

    def capacity(self) -> int:
        return self._key_buffer.shape[-2] if self._key_buffer is not None else 0

    def reserve(self, added: int) -> int:
        """Make room for ``added`` more positions (reallocating, one copy, where needed); the capacity."""
        if self._key_buffer is not None and self._value_buffer is not None and self.length + added <= self.capacity():
            return self.capacity()
        keys, values = self.keys, self.values
        assert keys is not None and values is not None and keys.dim() == 4  # a decode cache holds its prompt
        assert keys.shape[-2] == values.shape[-2]  # the batching loop reshapes both alike
        self.length = keys.shape[-2]
        self._key_buffer = _with_room(keys, self.length + added)
        self._value_buffer = _with_room(values, self.length + added)
        self._keys = self._values = None
        return self.capacity()

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args, **kwargs):
        added = key_states.shape[-2]
        self.reserve(added)
        assert self._key_buffer is not None and self._value_buffer is not None  # reserved
        self._key_buffer[:, :, self.length : self.length + added] = key_states
        self._value_buffer[:, :, self.length : self.length + added] = value_states
        self.length += added
        return self._key_buffer, self._value_buffer

    def get_seq_length(self) -> int:
        keys = self.keys
        return keys.shape[-2] if keys is not None and keys.dim() == 4 else 0


def _with_room(t: torch.Tensor, needed: int) -> torch.Tensor:
    """A zeroed buffer of ``needed + ROOM`` positions whose first ``t.shape[-2]`` hold ``t``."""
    shape = list(t.shape)
    shape[-2] = needed + ROOM
    buffer = t.new_zeros(shape)
    buffer[:, :, : t.shape[-2]] = t
    return buffer


def roomy(cache: DynamicCache) -> DynamicCache:
    """Make every layer of ``cache`` a ``RoomyLayer`` holding the same tensors, in place; returns ``cache``.

    A cache with any other layer kind (sliding windows and the like) is left as it is, and
    ``is_roomy`` then says so: the batching loop decodes it the plain way."""
    if all(type(layer) is DynamicLayer or isinstance(layer, RoomyLayer) for layer in cache.layers):
        for i, layer in enumerate(cache.layers):
            if isinstance(layer, DynamicLayer) and not isinstance(layer, RoomyLayer):
                cache.layers[i] = RoomyLayer(layer.keys, layer.values)
    return cache


def is_roomy(cache: DynamicCache) -> bool:
    return bool(cache.layers) and all(isinstance(layer, RoomyLayer) for layer in cache.layers)


def decode_mask(cache: DynamicCache, padding: torch.Tensor) -> torch.Tensor:
    """Reserve room for one more position in every layer and return the 4-D boolean mask for the
    step: ``padding`` ([rows, filled + 1], 1 = real token, the new one included) then False over
    the rest of the buffer. Shape [rows, 1, 1, capacity]."""
    layers = [layer for layer in cache.layers if isinstance(layer, RoomyLayer)]
    assert layers and len(layers) == len(cache.layers)  # is_roomy(cache)
    capacity = max(layer.reserve(1) for layer in layers)
    assert all(layer.capacity() == capacity for layer in layers)  # all layers grow together
    mask = torch.zeros((padding.shape[0], 1, 1, capacity), dtype=torch.bool, device=padding.device)
    mask[:, 0, 0, : padding.shape[1]] = padding.bool()
    return mask
