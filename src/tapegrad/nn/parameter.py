"""``nn.Parameter``, ``nn.Buffer`` and the uninitialised parameters of lazy modules."""
from __future__ import annotations

__all__: list[str] = []
