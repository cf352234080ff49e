"""``tapegrad.save`` / ``tapegrad.load`` in PyTorch's own file format."""
from __future__ import annotations

__all__: list[str] = []
