"""Warnings attributed to the user's line, as torch's C++ kernels attribute theirs."""
from __future__ import annotations

import sys
import warnings


def warn_at_caller(message: str, category: type = UserWarning) -> None:
    """Warn at the first frame outside tapegrad: however many of our wrappers (``out=``, the
    method table, nn's modules) lie between the user's call and the warning, the message
    points at the user's line."""
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_globals.get("__name__", "").split(".")[0] == "tapegrad":
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
