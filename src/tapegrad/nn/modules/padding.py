"""Padding layers (``ZeroPad2d``, ``ConstantPad1d``, ``ReflectionPad2d``, ``ReplicationPad3d``,
``CircularPad2d``, ...): ``nn.functional.pad`` with the padding fixed at construction.

An int pads every side of the last N dims by that much; a tuple gives ``(left, right)``,
``(left, right, top, bottom)`` or ``(left, right, top, bottom, front, back)`` as
``F.pad`` reads it.

    >>> import tapegrad as torch
    >>> torch.nn.ZeroPad2d(1)(torch.ones(1, 1, 1, 1)).shape
    torch.Size([1, 1, 3, 3])
"""
from __future__ import annotations

from typing import Sequence

from tapegrad import Tensor

from .. import functional as F
from .module import Module

__all__ = [f"{kind}Pad{n}d" for kind in ("Zero", "Constant", "Reflection", "Replication",
                                          "Circular") for n in (1, 2, 3)]


def _sides(padding: int | Sequence[int], dims: int) -> tuple:
    if isinstance(padding, int):
        return (padding,) * (2 * dims)
    return tuple(padding)


class _PadNd(Module):
    """``F.pad(input, padding, mode)`` over the last ``_dims`` dimensions."""

    _mode = "constant"
    _dims = 1

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__()
        self.padding = _sides(padding, self._dims)

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding: int | Sequence[int], value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


def _family(base: type, kind: str, mode: str, what: str) -> dict[str, type]:
    classes = {}
    for dims in (1, 2, 3):
        name = f"{kind}Pad{dims}d"
        doc = f"Pads the last {dims} dimension(s) of the input {what}."
        classes[name] = type(name, (base,), {"_dims": dims, "_mode": mode, "__doc__": doc,
                                             "__module__": __name__, "__qualname__": name})
    return classes


globals().update(_family(_ZeroPadNd, "Zero", "constant", "with zeros"))
globals().update(_family(_ConstantPadNd, "Constant", "constant", "with a constant ``value``"))
globals().update(_family(_PadNd, "Reflection", "reflect",
                         "with its reflection (the edge not repeated)"))
globals().update(_family(_PadNd, "Replication", "replicate", "by repeating its edge values"))
globals().update(_family(_PadNd, "Circular", "circular",
                         "circularly (the other end wraps around)"))
