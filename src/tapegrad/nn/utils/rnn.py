"""``nn.utils.rnn``: padding and packing sequences for the recurrent layers."""
from __future__ import annotations

__all__: list[str] = []
