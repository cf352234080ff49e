"""How much of torch's user-facing surface tapegrad offers, name by name.

``surface/torch_names.json`` freezes torch 2.13's user-facing names (regenerate it with
``surface/list_torch_names.py``, which says what is left out: devices, quantized, sparse,
nested and named tensors, compiler internals).  Every name must exist in tapegrad or stand in
``OMITTED`` below with the reason; an omitted name that tapegrad has gained must leave the
list.  The README's coverage table is these counts.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import tapegrad

NAMES = json.loads((Path(__file__).parent / "surface" / "torch_names.json").read_text())
NAMESPACES = {"tensor": tapegrad.Tensor, "torch": tapegrad, "linalg": tapegrad.linalg,
              "special": tapegrad.special}
TARGETS = {"tensor": 0.95, "torch": 0.95, "linalg": 0.90, "special": 0.90}

# Deliberate omissions, by namespace: name -> why tapegrad does not offer it.
_SPECTRAL = ("short-time Fourier transforms return complex spectra, and tapegrad does not "
             "differentiate through complex tensors yet")
OMITTED: dict[str, dict[str, str]] = {
    "tensor": {
        "bfloat16": "NumPy has no bfloat16 type to store it in",
        "index": "binds functorch's first-class dims (torch.func's Dim objects), not indexing",
        "stft": _SPECTRAL, "istft": _SPECTRAL,
    },
    "torch": {
        "stft": _SPECTRAL, "istft": _SPECTRAL,
        "ctc_loss": "not yet: CTC's forward-backward recursion over alignments",
        "embedding_bag": "torch's top-level form returns four internal buffers "
                         "(offset2bag, bag_size, max_indices); nn.functional.embedding_bag is "
                         "the user-facing one and exists",
        "lstm": "the recurrent layers' internal entry points, which take flattened weight lists "
                "and backend flags; nn.LSTM/GRU/RNN and their cells exist",
        "gru": "as lstm", "rnn_tanh": "as lstm", "rnn_relu": "as lstm",
        "lobpcg": "not yet: the iterative LOBPCG eigensolver (linalg.eigh covers dense "
                  "symmetric problems)",
    },
    "linalg": {},
    "special": {},
}


def _missing(namespace: str) -> list[str]:
    where = NAMESPACES[namespace]
    return [name for name in NAMES[namespace] if not hasattr(where, name)]


@pytest.mark.parametrize("namespace", list(NAMESPACES))
def test_every_torch_name_exists_or_is_a_listed_omission(namespace):
    unexplained = [n for n in _missing(namespace) if n not in OMITTED[namespace]]
    assert not unexplained, f"{namespace}: missing and not in OMITTED: {unexplained}"


@pytest.mark.parametrize("namespace", list(NAMESPACES))
def test_omissions_are_really_missing(namespace):
    where = NAMESPACES[namespace]
    present = [n for n in OMITTED[namespace] if hasattr(where, n)]
    assert not present, f"{namespace}: listed as omitted but present: {present}"
    unknown = [n for n in OMITTED[namespace] if n not in NAMES[namespace]]
    assert not unknown, f"{namespace}: omissions torch does not have: {unknown}"


@pytest.mark.parametrize("namespace", list(NAMESPACES))
def test_coverage_meets_the_target(namespace):
    total = len(NAMES[namespace])
    have = total - len(_missing(namespace))
    assert have / total >= TARGETS[namespace], (
        f"{namespace}: {have}/{total} = {have / total:.1%} < {TARGETS[namespace]:.0%}")


def coverage_table() -> str:
    """The README's table: ``python -c 'import test_surface_coverage as t;
    print(t.coverage_table())'`` from tests/."""
    lines = ["| namespace | torch 2.13 names | tapegrad has | coverage |", "|---|---|---|---|"]
    for namespace in NAMESPACES:
        total = len(NAMES[namespace])
        have = total - len(_missing(namespace))
        lines.append(f"| {namespace} | {total} | {have} | {have / total:.0%} |")
    return "\n".join(lines)
