"""The core classes print under the names torch prints (``<class 'torch.Tensor'>`` there,
``<class 'tapegrad.Tensor'>`` here), and still pickle and copy."""
from __future__ import annotations

import copy
import pickle

import pytest

torch = pytest.importorskip("torch")

import tapegrad  # noqa: E402
from tapegrad import _api  # noqa: E402

# tapegrad/__init__.py names them at import (``_api.name_public_classes(globals())``); naming
# them again is harmless, and keeps these tests meaningful before that line is merged.
_api.name_public_classes(vars(tapegrad))


def _objects(m):
    x = m.ones(2)
    return {"Tensor": x, "Size": x.shape, "dtype": x.dtype, "device": x.device,
            "Parameter": m.nn.Parameter(m.ones(2))}


@pytest.mark.parametrize("name", ["Tensor", "Size", "dtype", "device", "Parameter"])
def test_type_prints_as_torchs(name):
    ours = _objects(tapegrad)[name]
    theirs = _objects(torch)[name]
    assert str(type(ours)) == str(type(theirs)).replace("torch", "tapegrad")
    assert repr(type(ours)).startswith("<class 'tapegrad.")


def test_generator_prints_in_the_package():
    # torch prints <class 'torch._C.Generator'>; tapegrad has no _C, so its public name
    assert str(type(tapegrad.Generator())) == "<class 'tapegrad.Generator'>"
    assert tapegrad.Generator.__qualname__ == "Generator"


@pytest.mark.parametrize("name", ["Tensor", "Size", "dtype", "device", "Parameter", "Generator"])
def test_pickle_and_copy_still_work(name):
    obj = tapegrad.Generator().manual_seed(7) if name == "Generator" else _objects(tapegrad)[name]
    for clone in (pickle.loads(pickle.dumps(obj)), copy.deepcopy(obj), copy.copy(obj)):
        assert type(clone) is type(obj)
        if name == "Generator":
            assert clone.initial_seed() == 7
        elif name in ("Tensor", "Parameter"):
            assert clone.tolist() == obj.tolist()
        else:
            assert clone == obj


def test_pickles_name_the_public_home():
    # a pickled Size refers to tapegrad.Size, which unpickles without the private module
    assert b"tapegrad\x94\x8c\x04Size" in pickle.dumps(tapegrad.Size([2, 3]))
