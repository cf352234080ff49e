"""Family 'bits' of torch's surface (see tapegrad._surface).

Where each part lives:

- bitwise ops (``bitwise_and`` ... ``bitwise_right_shift``): ``_ops/bitwise.py``; the operators
  ``& | ^ ~ << >>`` with their reflected and in-place forms: ``_bits_bitwise.py``;
- complex tensors (``real``, ``imag``, ``angle``, ``conj``, ``complex``, ``polar``,
  ``view_as_real``/``view_as_complex``, ``cfloat``, ``abs`` of complex): ``_bits_complex.py``;
- memory (``view(dtype)``, ``frombuffer``, DLPack): ``_bits_memory.py``;
- threads and process-wide switches, ``typename``, ``broadcast_shapes``: ``_bits_settings.py``;
- windows, ``range``, ``empty_strided``/``empty_permuted``, ``apply_``/``map_``,
  ``as_subclass``, ``dim_order``, ``to_dense``: ``_bits_factories.py``.
"""
from __future__ import annotations

from .. import _bits_bitwise, _bits_complex, _bits_factories, _bits_memory, _bits_settings
from .._ops import bitwise as B

_BITWISE = {"bitwise_and": B.BITWISE_AND, "bitwise_or": B.BITWISE_OR,
            "bitwise_xor": B.BITWISE_XOR, "bitwise_not": B.BITWISE_NOT,
            "bitwise_left_shift": B.BITWISE_LEFT_SHIFT,
            "bitwise_right_shift": B.BITWISE_RIGHT_SHIFT}

METHODS: dict = {**_BITWISE, **_bits_bitwise.dunders(),
                 "get_device": _bits_settings.get_device, **_bits_factories.METHODS,
                 **_bits_complex.METHODS, **_bits_memory.METHODS}
INPLACE: dict = {}  # the in-place forms check the cast first: in _bits_bitwise
FUNCTIONS: dict = {**_BITWISE, **_bits_settings.FUNCTIONS, **_bits_factories.FUNCTIONS,
                   **_bits_complex.FUNCTIONS, **_bits_memory.FUNCTIONS}

_bits_complex.install_properties()  # Tensor.real / Tensor.imag are properties, not methods
