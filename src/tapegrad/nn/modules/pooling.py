"""Pooling: max, average, adaptive, LP pooling and ``MaxUnpool2d``."""
from __future__ import annotations

__all__: list[str] = []
