"""Family 'indexing' of torch's surface (see tapegrad._surface)."""
from __future__ import annotations

METHODS: dict = {}
INPLACE: dict = {}
FUNCTIONS: dict = {}
