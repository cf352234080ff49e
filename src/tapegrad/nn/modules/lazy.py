"""Lazy modules: parameters whose shape is inferred at the first call."""
from __future__ import annotations

__all__: list[str] = []
