"""``interpolate``, ``unfold``/``fold``, ``pixel_shuffle``, ``grid_sample``, ``affine_grid``."""
from __future__ import annotations

__all__: list[str] = []
