"""``LayerNorm``, ``RMSNorm`` and ``BatchNorm1d``."""
from __future__ import annotations

__all__: list[str] = []
