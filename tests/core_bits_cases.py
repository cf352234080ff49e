"""Cases for tests/test_gradcheck.py's table (format: name -> (fn, [list of input-spec lists]);
see tests/core_alias_cases.py), for the registry ops of this family."""
from __future__ import annotations

CASES: dict = {}
INDIRECT: set = set()
