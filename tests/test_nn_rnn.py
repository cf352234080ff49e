"""Recurrent layers and nn.utils.rnn against real torch: seeded parameters, outputs,
gradients of inputs, states and every parameter, state_dicts both ways, reprs, errors."""
import io
import contextlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported")

import tapegrad  # noqa: E402
from tapegrad import nn as tnn  # noqa: E402

TOL = {torch.float32: dict(rtol=2e-5, atol=2e-6), torch.float64: dict(rtol=1e-10, atol=1e-12)}
T_DTYPE = {torch.float32: tapegrad.float32, torch.float64: tapegrad.float64}


def _np(x):
    return x.detach().numpy() if isinstance(x, torch.Tensor) else x.detach().numpy()


def _close(a, b, dtype):
    np.testing.assert_allclose(_np(a), _np(b), **TOL[dtype])


def _pair(cls_name, *args, dtype=torch.float32, seed=0, **kwargs):
    torch.manual_seed(seed)
    ref = getattr(torch.nn, cls_name)(*args, **kwargs).to(dtype)
    tapegrad.manual_seed(seed)
    mine = getattr(tnn, cls_name)(*args, **kwargs).to(T_DTYPE[dtype])
    return ref, mine


def _leaf(arr, lib):
    return lib.tensor(arr, requires_grad=True)


def _flatten(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flatten(o)]
    return [out]


def _check(ref, mine, inputs, dtype):
    """Run both modules on the same arrays; compare outputs and all gradients."""
    t_in = [None if a is None else (tuple(_leaf(x, torch) for x in a) if isinstance(a, tuple)
                                    else _leaf(a, torch)) for a in inputs]
    m_in = [None if a is None else (tuple(_leaf(x, tapegrad) for x in a) if isinstance(a, tuple)
                                    else _leaf(a, tapegrad)) for a in inputs]
    t_out, m_out = _flatten(ref(*t_in)), _flatten(mine(*m_in))
    assert len(t_out) == len(m_out)
    rng = np.random.default_rng(1)
    t_loss, m_loss = 0, 0
    for a, b in zip(t_out, m_out):
        assert tuple(a.shape) == tuple(b.shape)
        _close(a, b, dtype)
        w = rng.standard_normal(tuple(a.shape)).astype(_np(a).dtype)
        t_loss = t_loss + (a * torch.tensor(w)).sum()
        m_loss = m_loss + (b * tapegrad.tensor(w)).sum()
    t_loss.backward()
    m_loss.backward()
    for a, b in zip(_flatten([x for x in t_in if x is not None]),
                    _flatten([x for x in m_in if x is not None])):
        _close(a.grad, b.grad, dtype)
    names = [n for n, _ in ref.named_parameters()]
    assert names == [n for n, _ in mine.named_parameters()]
    for (n, p), (_, q) in zip(ref.named_parameters(), mine.named_parameters()):
        _close(p.grad, q.grad, dtype)


def _randn(*shape, dtype=torch.float32, seed=3):
    return np.random.default_rng(seed).standard_normal(shape).astype(
        np.float32 if dtype == torch.float32 else np.float64)


# --- cells ---------------------------------------------------------------------------------

CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("RNNCell", {"bias": False}),
         ("LSTMCell", {}), ("LSTMCell", {"bias": False}), ("GRUCell", {}),
         ("GRUCell", {"bias": False})]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name,kwargs", CELLS)
def test_cells(name, kwargs, dtype):
    ref, mine = _pair(name, 3, 5, dtype=dtype, **kwargs)
    for (n, p), (m, q) in zip(ref.named_parameters(), mine.named_parameters()):
        assert n == m and tuple(p.shape) == tuple(q.shape)
        np.testing.assert_array_equal(_np(p), _np(q))  # seeded draws bit for bit
    x = _randn(4, 3, dtype=dtype)
    h = _randn(4, 5, dtype=dtype, seed=4)
    hx = (h, _randn(4, 5, dtype=dtype, seed=5)) if name == "LSTMCell" else h
    _check(ref, mine, [x, hx], dtype)
    ref.zero_grad(), mine.zero_grad()
    _check(ref, mine, [x], dtype)            # default zero state
    ref.zero_grad(), mine.zero_grad()
    hx1 = (h[0], hx[1][0]) if name == "LSTMCell" else h[0]
    _check(ref, mine, [x[0], hx1], dtype)    # unbatched
    assert repr(ref) == repr(mine)


def test_cell_grad_fn_names():
    for name in ("RNNCell", "LSTMCell", "GRUCell"):
        ref, mine = _pair(name, 3, 4)
        a = _flatten(ref(torch.randn(2, 3)))
        b = _flatten(mine(tapegrad.randn(2, 3)))
        assert [type(t.grad_fn).__name__ for t in a] == [type(t.grad_fn).__name__ for t in b]


# --- full layers --------------------------------------------------------------------------

LAYERS = [
    ("RNN", {}), ("RNN", {"nonlinearity": "relu", "num_layers": 2}),
    ("RNN", {"bidirectional": True, "batch_first": True}),
    ("LSTM", {}), ("LSTM", {"num_layers": 2, "bidirectional": True}),
    ("LSTM", {"proj_size": 3, "num_layers": 2}), ("LSTM", {"bias": False, "batch_first": True}),
    ("LSTM", {"proj_size": 2, "bidirectional": True, "batch_first": True}),
    ("GRU", {}), ("GRU", {"num_layers": 3, "bidirectional": True}),
    ("GRU", {"bias": False, "batch_first": True, "num_layers": 2}),
]


def _states(name, kwargs, batch, dtype, unbatched=False):
    dirs = 2 if kwargs.get("bidirectional") else 1
    n = dirs * kwargs.get("num_layers", 1)
    size = kwargs.get("proj_size", 0) or 5
    shape_h = (n, size) if unbatched else (n, batch, size)
    h = _randn(*shape_h, dtype=dtype, seed=7)
    if name == "LSTM":
        return (h, _randn(*(shape_h[:-1] + (5,)), dtype=dtype, seed=8))
    return h


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name,kwargs", LAYERS)
def test_layers(name, kwargs, dtype):
    ref, mine = _pair(name, 3, 5, dtype=dtype, **kwargs)
    assert [(n, tuple(p.shape)) for n, p in ref.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in mine.named_parameters()]
    for p, q in zip(ref.parameters(), mine.parameters()):
        np.testing.assert_array_equal(_np(p), _np(q))
    x = _randn(4, 2, 3, dtype=dtype)   # (T, B, F) or (B, T, F)
    batch = 4 if kwargs.get("batch_first") else 2
    _check(ref, mine, [x, _states(name, kwargs, batch, dtype)], dtype)
    ref.zero_grad(), mine.zero_grad()
    _check(ref, mine, [x], dtype)
    ref.zero_grad(), mine.zero_grad()
    _check(ref, mine, [x[0], _states(name, kwargs, 1, dtype, unbatched=True)], dtype)
    assert repr(ref) == repr(mine)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_dropout_between_layers_matches_seed(name):
    ref, mine = _pair(name, 3, 5, num_layers=3, dropout=0.4)
    x = _randn(4, 2, 3)
    torch.manual_seed(11)
    tapegrad.manual_seed(11)
    _check(ref, mine, [x], torch.float32)
    ref.eval(), mine.eval()
    _close(ref(torch.tensor(x))[0], mine(tapegrad.tensor(x))[0], torch.float32)


@pytest.mark.parametrize("name,kwargs", LAYERS[:6])
def test_state_dict_both_ways(name, kwargs):
    ref, _ = _pair(name, 3, 5, seed=1, **kwargs)
    _, mine = _pair(name, 3, 5, seed=2, **kwargs)
    assert list(ref.state_dict()) == list(mine.state_dict())
    mine.load_state_dict({k: tapegrad.tensor(v.numpy()) for k, v in ref.state_dict().items()})
    x = _randn(4, 2, 3)
    _close(ref(torch.tensor(x))[0], mine(tapegrad.tensor(x))[0], torch.float32)
    fresh, _ = _pair(name, 3, 5, seed=5, **kwargs)
    fresh.load_state_dict({k: torch.tensor(v.numpy()) for k, v in mine.state_dict().items()})
    _close(fresh(torch.tensor(x))[0], mine(tapegrad.tensor(x))[0], torch.float32)


def test_double_backward_through_lstm():
    ref, mine = _pair("LSTM", 2, 3, dtype=torch.float64, num_layers=2)
    x = _randn(3, 2, 2, dtype=torch.float64)
    results = []
    for lib, mod in ((torch, ref), (tapegrad, mine)):
        xi = lib.tensor(x, requires_grad=True)
        out = mod(xi)[0]
        (g,) = lib.autograd.grad(out.pow(2).sum(), xi, create_graph=True)
        (gg,) = lib.autograd.grad(g.sin().sum(), xi)
        results.append(gg)
    _close(results[0], results[1], torch.float64)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_hidden_grad_fn_and_dtype(name):
    ref, mine = _pair(name, 3, 4, num_layers=2)
    a = _flatten(ref(torch.randn(5, 2, 3)))
    b = _flatten(mine(tapegrad.randn(5, 2, 3)))
    # h_n (and c_n) are stacks in both; a float32 LSTM's output comes from the fused layer
    for t, m in zip(a[1:], b[1:]):
        assert type(t.grad_fn).__name__ == type(m.grad_fn).__name__ == "StackBackward0"
    fused = "MkldnnRnnLayerBackward0" if name == "LSTM" else "StackBackward0"
    assert type(a[0].grad_fn).__name__ == type(b[0].grad_fn).__name__ == fused
    assert b[0].dtype == tapegrad.float32


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e)
    return None


ERRORS = [
    ("RNN", {}, lambda lib: lib.randn(2, 3, 4, 3)),
    ("LSTM", {}, lambda lib: lib.randn(5)),
    ("GRU", {}, lambda lib: lib.randn(5, 2, 4)),
    ("RNN", {}, lambda lib: (lib.randn(5, 2, 3), lib.randn(1, 3, 5))),
    ("RNN", {}, lambda lib: (lib.randn(5, 2, 3), lib.randn(2, 5))),
    ("RNN", {}, lambda lib: (lib.randn(5, 3), lib.randn(1, 1, 5))),
    ("GRU", {"bidirectional": True}, lambda lib: (lib.randn(5, 2, 3), lib.randn(1, 2, 5))),
    ("LSTM", {}, lambda lib: (lib.randn(5, 2, 3), (lib.randn(1, 2, 5), lib.randn(1, 2, 4)))),
    ("LSTM", {}, lambda lib: (lib.randn(5, 2, 3), (lib.randn(1, 3, 5), lib.randn(1, 2, 5)))),
    ("LSTM", {}, lambda lib: (lib.randn(5, 2, 3), (lib.randn(2, 5), lib.randn(1, 2, 5)))),
    ("LSTM", {"proj_size": 2}, lambda lib: (lib.randn(5, 2, 3),
                                            (lib.randn(1, 2, 5), lib.randn(1, 2, 5)))),
    ("RNN", {}, lambda lib: lib.randn(5, 2, 3, dtype=lib.float64)),
    ("RNNCell", {}, lambda lib: lib.randn(2, 4)),
    ("RNNCell", {}, lambda lib: lib.randn(2, 2, 3)),
    ("GRUCell", {}, lambda lib: (lib.randn(2, 3), lib.randn(3, 5))),
    ("GRUCell", {}, lambda lib: (lib.randn(2, 3), lib.randn(2, 4))),
    ("LSTMCell", {}, lambda lib: (lib.randn(2, 3), (lib.randn(2, 5), lib.randn(2, 4)))),
    ("LSTMCell", {}, lambda lib: (lib.randn(2, 3), (lib.randn(2, 5), lib.randn(1, 2, 5)))),
]


@pytest.mark.parametrize("name,kwargs,make", ERRORS)
def test_forward_errors(name, kwargs, make):
    ref, mine = _pair(name, 3, 5, **kwargs)
    got = []
    for lib, mod in ((torch, ref), (tapegrad, mine)):
        args = make(lib)
        args = args if isinstance(args, tuple) else (args,)
        got.append(_error(lambda: mod(*args)))
    assert got[0] is not None
    # tapegrad's dtypes print as tapegrad.float32 where torch's print torch.float32
    assert got[0] == (got[1][0], got[1][1].replace("tapegrad.", "torch."))


CTOR_ERRORS = [
    ("RNN", (3, 5), {"dropout": 1.5}), ("RNN", (3, 0), {}), ("RNN", (0, 3), {}),
    ("LSTM", (3, 5), {"num_layers": 0}), ("LSTM", (3, 5), {"proj_size": 5}),
    ("LSTM", (3, 5), {"proj_size": -1}), ("GRU", (3, 5), {"proj_size": 2}),
    ("RNN", (3, 5), {"nonlinearity": "sigmoid"}), ("RNN", (3, 5), {"bias": 1}),
    ("RNN", (3.0, 5), {}), ("GRU", (3, 5), {"batch_first": None}),
]


@pytest.mark.parametrize("name,args,kwargs", CTOR_ERRORS)
def test_constructor_errors(name, args, kwargs):
    a = _error(lambda: getattr(torch.nn, name)(*args, **kwargs))
    b = _error(lambda: getattr(tnn, name)(*args, **kwargs))
    assert a is not None and a == b


def test_dropout_warning_and_reprs():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        tnn.GRU(3, 4, dropout=0.2)
    for kw in ({"nonlinearity": "relu", "bias": False, "batch_first": True, "dropout": 0.3,
                "num_layers": 2}, {"bidirectional": True}):
        assert repr(torch.nn.RNN(3, 4, **kw)) == repr(tnn.RNN(3, 4, **kw))
    assert repr(torch.nn.LSTM(3, 4, proj_size=2, num_layers=2)) == \
        repr(tnn.LSTM(3, 4, proj_size=2, num_layers=2))
    assert repr(torch.nn.RNNCell(3, 4, bias=False, nonlinearity="relu")) == \
        repr(tnn.RNNCell(3, 4, bias=False, nonlinearity="relu"))


# --- nn.utils.rnn ---------------------------------------------------------------------------

def _seqs(lib, lengths, dtype=None, feat=3):
    rng = np.random.default_rng(5)
    return [lib.tensor(rng.standard_normal((n, feat)).astype(np.float32), requires_grad=True)
            for n in lengths]


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence(batch_first, padding_side):
    outs = []
    for lib in (torch, tapegrad):
        seqs = _seqs(lib, [2, 4, 1])
        out = lib.nn.utils.rnn.pad_sequence(seqs, batch_first=batch_first, padding_value=-1.5,
                                            padding_side=padding_side)
        (out * lib.arange(out.numel()).reshape(out.shape)).sum().backward()
        outs.append((out, [s.grad for s in seqs]))
    _close(outs[0][0], outs[1][0], torch.float32)
    for a, b in zip(outs[0][1], outs[1][1]):
        _close(a, b, torch.float32)


@pytest.mark.parametrize("enforce_sorted,lengths", [(True, [4, 2, 2, 1]), (False, [2, 4, 1, 3])])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_and_pad_round_trip(enforce_sorted, lengths, batch_first):
    results = []
    for lib in (torch, tapegrad):
        U = lib.nn.utils.rnn
        seqs = _seqs(lib, lengths)
        padded = U.pad_sequence(seqs, batch_first=batch_first)
        packed = U.pack_padded_sequence(padded, lib.tensor(lengths), batch_first=batch_first,
                                        enforce_sorted=enforce_sorted)
        again, lens = U.pad_packed_sequence(packed, batch_first=batch_first, padding_value=7.0,
                                            total_length=5)
        again.pow(2).sum().backward()
        results.append((packed, again, lens, [s.grad for s in seqs],
                        U.pack_sequence(seqs, enforce_sorted=enforce_sorted)))
    (p, a, n, g, ps), (q, b, m, h, qs) = results
    _close(p.data, q.data, torch.float32)
    assert p.batch_sizes.tolist() == q.batch_sizes.tolist()
    assert str(p.batch_sizes.dtype).split(".")[1] == str(q.batch_sizes.dtype).split(".")[1]
    for x, y in ((p.sorted_indices, q.sorted_indices), (p.unsorted_indices, q.unsorted_indices)):
        assert (x is None and y is None) or x.tolist() == y.tolist()
    _close(a, b, torch.float32)
    assert n.tolist() == m.tolist()
    for x, y in zip(g, h):
        _close(x, y, torch.float32)
    _close(ps.data, qs.data, torch.float32)


PACK_ERRORS = [
    lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.zeros(4, 3, 2), [2, 3, 1]),
    lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.zeros(4, 3, 2), [3, 2, 0]),
    lambda lib: lib.nn.utils.rnn.pad_packed_sequence(
        lib.nn.utils.rnn.pack_sequence([lib.zeros(3, 2)]), total_length=2),
    lambda lib: lib.nn.utils.rnn.pad_sequence([lib.ones(2)], padding_side="middle"),
    lambda lib: lib.nn.utils.rnn.pad_sequence([lib.ones(2, 3), lib.ones(1, 4)]),
    lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.zeros(3, 2, 1), [2]),
    lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.zeros(3, 2, 1), [[3], [1]]),
]


@pytest.mark.parametrize("make", PACK_ERRORS)
def test_pack_errors(make):
    a, b = _error(lambda: make(torch)), _error(lambda: make(tapegrad))
    assert a is not None and a == b


@pytest.mark.parametrize("name,kwargs", [("GRU", {"num_layers": 2, "bidirectional": True}),
                                         ("LSTM", {"batch_first": True}),
                                         ("LSTM", {"proj_size": 2, "bidirectional": True}),
                                         ("RNN", {"num_layers": 2})])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_packed_input_to_layers(name, kwargs, enforce_sorted):
    lengths = [4, 3, 3, 1] if enforce_sorted else [3, 4, 1, 3]
    ref, mine = _pair(name, 3, 5, **kwargs)
    bf = kwargs.get("batch_first", False)
    h0 = _states(name, kwargs, 4, torch.float32)
    outs = []
    for lib, mod in ((torch, ref), (tapegrad, mine)):
        U = lib.nn.utils.rnn
        seqs = _seqs(lib, lengths)
        hx = (tuple(_leaf(h, lib) for h in h0) if isinstance(h0, tuple) else _leaf(h0, lib))
        packed = U.pack_padded_sequence(U.pad_sequence(seqs, batch_first=bf), lengths,
                                        batch_first=bf, enforce_sorted=enforce_sorted)
        out, hn = mod(packed, hx)
        assert isinstance(out, U.PackedSequence)
        padded, _ = U.pad_packed_sequence(out, batch_first=bf)
        flat = [padded] + _flatten(hn)
        loss = sum((t * lib.linspace(-1, 1, t.numel()).reshape(t.shape)).sum() for t in flat)
        loss.backward()
        outs.append((flat, [s.grad for s in seqs], _flatten(hx),
                     [p.grad for p in mod.parameters()]))
    for group_a, group_b in zip(outs[0], outs[1]):   # outputs, input grads, states, params
        for x, y in zip(group_a, group_b):
            _close(x, y, torch.float32)
    for x, y in zip(outs[0][2], outs[1][2]):
        _close(x.grad, y.grad, torch.float32)


@pytest.mark.parametrize("name,kwargs", [("GRU", {"bidirectional": True}),
                                         ("LSTM", {"proj_size": 1}), ("RNN", {"num_layers": 2})])
def test_gradcheck_and_gradgradcheck(name, kwargs):
    """Finite differences through the composed recurrences, first and second order."""
    tapegrad.manual_seed(0)
    mod = getattr(tnn, name)(2, 2, **kwargs).double()
    names = [n for n, _ in mod.named_parameters()]
    ps = [p.detach().clone().requires_grad_() for p in mod.parameters()]
    x = tapegrad.randn(3, 2, 2, dtype=tapegrad.float64, requires_grad=True)

    def f(x, *ps):
        return tapegrad.func.functional_call(mod, dict(zip(names, ps)), (x,))[0]

    assert tapegrad.autograd.gradcheck(f, (x, *ps))
    assert tapegrad.autograd.gradgradcheck(lambda x: mod(x)[0], (x,))


# --- grad_fn graphs as torch 2.13's CPU build records them -------------------------------------

def _tree(fn, depth):
    """A node's name and, ``depth`` levels down, its inputs' (``#k`` for output k > 0)."""
    if fn is None:
        return "None"
    name = type(fn).__name__
    if depth == 0:
        return name
    inner = ",".join(_tree(n, depth - 1) + (f"#{k}" if k else "") for n, k in fn.next_functions)
    return f"{name}({inner})"


GRAPHS = [
    ("RNN", {"batch_first": True}), ("RNN", {"nonlinearity": "relu", "bidirectional": True}),
    ("GRU", {"batch_first": True, "num_layers": 2}), ("GRU", {"bidirectional": True}),
    ("LSTM", {}), ("LSTM", {"batch_first": True, "num_layers": 2}),
    ("LSTM", {"bidirectional": True, "num_layers": 2}), ("LSTM", {"bias": False}),
    ("LSTM", {"proj_size": 2, "batch_first": True}),
    ("LSTM", {"num_layers": 2, "dropout": 0.5}),
]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name,kwargs", GRAPHS)
@pytest.mark.parametrize("given", ["zeros", "states", "unbatched"])
def test_layer_graphs_match_torch(name, kwargs, dtype, given):
    ref, mine = _pair(name, 3, 4, dtype=dtype, **kwargs)
    batch = 5 if kwargs.get("batch_first") else 2
    x = _randn(5, 2, 3, dtype=dtype)
    if given == "unbatched":
        x = x[0] if kwargs.get("batch_first") else x[:, 0]
    trees = []
    for lib, mod in ((torch, ref), (tapegrad, mine)):
        args = [_leaf(x, lib)]
        if given == "states":
            h0 = _states(name, {**kwargs, "proj_size": kwargs.get("proj_size", 0) or 4}, batch,
                         dtype)
            if name == "LSTM":  # cell size 4 here, not _states' 5
                h0 = (h0[0], h0[1][..., :4].copy())
            args.append(tuple(_leaf(h, lib) for h in h0) if name == "LSTM" else _leaf(h0, lib))
        with contextlib.redirect_stderr(io.StringIO()):
            out, h = mod(*args)
        trees.append([_tree(t.grad_fn, 2) for t in [out, *_flatten(h)]])
    assert trees[0] == trees[1]


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [False, True])
def test_packing_graph_matches_torch(batch_first, enforce_sorted):
    x = _randn(3, 3, 2)
    lengths = [3, 2, 2] if enforce_sorted else [2, 3, 1]
    names, grads = [], []
    for lib in (torch, tapegrad):
        leaf = _leaf(x, lib)
        p = lib.nn.utils.rnn.pack_padded_sequence(leaf, lengths, batch_first=batch_first,
                                                  enforce_sorted=enforce_sorted)
        names.append(_tree(p.data.grad_fn, 1))
        padded, _ = lib.nn.utils.rnn.pad_packed_sequence(p, batch_first=batch_first,
                                                         total_length=4)
        # (unsorted: tapegrad's IndexSelectBackward0 lists the index as a second, None edge;
        # that belongs to index_select, so only the node's name is compared there)
        names.append(_tree(padded.grad_fn, 3 if enforce_sorted else 0))
        (p.data * lib.arange(p.data.numel(), dtype=p.data.dtype).reshape(p.data.shape)
         ).sum().backward()
        grads.append(leaf.grad)
    assert names[:2] == names[2:]
    assert names[2].startswith("PackPaddedSequenceBackward0")
    _close(grads[0], grads[1], torch.float32)


@pytest.mark.parametrize("kwargs", [{}, {"bidirectional": True, "num_layers": 2},
                                    {"batch_first": True}])
def test_fused_lstm_second_order_matches_torch(kwargs):
    """torch differentiates its oneDNN layer's backward again; so does tapegrad's fused op."""
    ref, mine = _pair("LSTM", 3, 4, **kwargs)
    x = _randn(4, 2, 3)
    results = []
    for lib, mod in ((torch, ref), (tapegrad, mine)):
        xi = _leaf(x, lib)
        out, (h, c) = mod(xi)
        assert type(out.grad_fn).__name__ in ("MkldnnRnnLayerBackward0", "CatBackward0",
                                              "TransposeBackward0")
        loss = (out.pow(2)).sum() + (h * c).sum()
        params = list(mod.parameters())
        gs = lib.autograd.grad(loss, [xi] + params, create_graph=True)
        total = sum((g.sin()).sum() for g in gs)
        results.append(lib.autograd.grad(total, [xi] + params))
        results.append(gs)
    for a, b in zip(results[1] + results[0], results[3] + results[2]):
        np.testing.assert_allclose(_np(a), _np(b), rtol=2e-4, atol=2e-5)


def test_fused_lstm_backward_twice_and_interleaved():
    """The forward's workspace is used once; a retained graph's second backward and a second
    forward before the first backward still give torch's gradients."""
    ref, mine = _pair("LSTM", 3, 4)
    x = _randn(5, 2, 3)
    grads = []
    for lib, mod in ((torch, ref), (tapegrad, mine)):
        xi = _leaf(x, lib)
        out1, _ = mod(xi)
        out2, _ = mod(xi * 2)
        out3, _ = mod(xi)
        out1.sum().backward(retain_graph=True)
        out1.sum().backward()
        (out2 * out2).sum().backward()
        out3.mean().backward()
        grads.append([xi.grad] + [p.grad for p in mod.parameters()])
    for a, b in zip(*grads):
        _close(a, b, torch.float32)


def test_fused_lstm_forward_mode_matches_finite_differences():
    """torch has no forward-mode rule for its oneDNN layer (NotImplementedError); tapegrad's
    fused layer has one, checked here against a central difference in float64."""
    from tapegrad._ops import rnn as R
    rng = np.random.default_rng(0)
    shapes = [(4, 2, 3), (8, 3), (8, 2), (8,), (8,), (2, 2), (2, 2)]
    xs = [rng.uniform(-1, 1, s) for s in shapes]
    ts = [rng.uniform(-1, 1, s) for s in shapes]
    import tapegrad.autograd.forward_ad as fwAD
    for reverse in (False, True):
        with fwAD.dual_level():
            duals = [fwAD.make_dual(tapegrad.tensor(a), tapegrad.tensor(t)) for a, t in zip(xs, ts)]
            outs = R.MKLDNN_RNN_LAYER(*duals, reverse=reverse)
            tangents = [fwAD.unpack_dual(o).tangent.numpy() for o in outs]
        eps = 1e-6
        plus = R.MKLDNN_RNN_LAYER(*[a + eps * t for a, t in zip(xs, ts)], reverse=reverse)
        minus = R.MKLDNN_RNN_LAYER(*[a - eps * t for a, t in zip(xs, ts)], reverse=reverse)
        for got, p, m in zip(tangents, plus, minus):
            np.testing.assert_allclose(got, (p - m) / (2 * eps), rtol=1e-6, atol=1e-8)


def test_fused_lstm_keeps_no_workspace_without_grad():
    from tapegrad._ops import rnn as R
    R._WORKSPACES.clear()
    mod = tnn.LSTM(3, 4, num_layers=2, bidirectional=True)
    x = tapegrad.randn(5, 2, 3)
    with tapegrad.no_grad():
        mod(x)
    mod.requires_grad_(False)
    mod(x)
    assert len(R._WORKSPACES) == 0
    mod.requires_grad_(True)
    out, _ = mod(x)
    assert len(R._WORKSPACES) == 4   # one per layer and direction, until the backward
    out.sum().backward()
    assert len(R._WORKSPACES) == 0
