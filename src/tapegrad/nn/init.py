"""``torch.nn.init``: initialisers, drawing from torch's random stream in torch's order."""
from __future__ import annotations

__all__: list[str] = []
