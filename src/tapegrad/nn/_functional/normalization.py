"""``layer_norm``, ``rms_norm``, ``batch_norm``, ``normalize``."""
from __future__ import annotations

__all__: list[str] = []
