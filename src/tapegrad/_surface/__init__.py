"""The long tail of torch's everyday surface, one module per family of names.

Each family module defines three tables, which ``install`` below attaches:

- ``METHODS``: Tensor method name -> function taking the tensor first (``x.kron(y)``);
- ``INPLACE``: name -> out-of-place function whose ``name_`` method writes into the tensor;
- ``FUNCTIONS``: ``tapegrad.<name>`` -> function (``tapegrad.kron``).

Families: ``linalg`` (torch-level linear algebra: ``cholesky``, ``lu``, ...), ``math``
(elementwise math: ``erfinv``, ``gcd``, ...), ``reductions`` (scans, statistics, matrix
products), ``indexing`` (scatter/index/select/split families), ``bits`` (bitwise ops, complex
tensors, dtype views, dlpack, threads, windows), ``misc`` (``adjoint``, ``tril_indices``, post-accumulate
hooks, ...).
"""
from __future__ import annotations

import importlib
from typing import Callable

FAMILIES = ("linalg", "math", "reductions", "indexing", "bits", "misc")


def _modules():
    return [importlib.import_module(f"{__name__}.{name}") for name in FAMILIES]


def install_methods(set_method: Callable, inplace: Callable) -> None:
    """Attach every family's Tensor methods and in-place forms (``set_method(name, fn)``)."""
    for module in _modules():
        for name, fn in module.METHODS.items():
            set_method(name, fn)
        for name, fn in module.INPLACE.items():
            set_method(name + "_", inplace(fn, name + "_"))


def functions() -> dict[str, Callable]:
    """Every family's ``tapegrad.<name>`` functions."""
    table: dict[str, Callable] = {}
    for module in _modules():
        table.update(module.FUNCTIONS)
    return table
