"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their cells.

The parameters carry torch's names, shapes and registration order (``weight_ih_l0``,
``weight_hh_l0``, ``bias_ih_l0``, ``bias_hh_l0``, then ``weight_hr_l0`` with a projection,
``_reverse`` for the backward direction), so state_dicts load both ways and
``torch.manual_seed(s)`` gives torch's initial values: every parameter is drawn uniform on
``[-1/sqrt(hidden_size), 1/sqrt(hidden_size)]`` in that order.

Example::

    >>> lstm = nn.LSTM(10, 20, num_layers=2, batch_first=True)
    >>> out, (h, c) = lstm(torch.randn(3, 5, 10))
    >>> out.shape, h.shape
    (torch.Size([3, 5, 20]), torch.Size([2, 3, 20]))
"""
from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import tapegrad
from tapegrad import Tensor
from tapegrad._ops import rnn as _rnn_ops
from .. import init
from .._functional import rnn as _rnn
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}

# torch's CPU build routes float32 LSTMs to oneDNN, which has no projections; it warns once
# per process (a C++ TORCH_WARN_ONCE) and runs its default implementation, as we always do
_PROJ_WARNING = ["LSTM with projections is not supported with oneDNN. Using default "
                 "implementation. (Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/"
                 "native/RNN.cpp:1512.)"]


def _permute(hx: Tensor, permutation: Tensor | None) -> Tensor:
    return hx if permutation is None else hx.index_select(1, permutation)


class RNNBase(Module):
    """What ``RNN``, ``LSTM`` and ``GRU`` share: parameters, checks, the forward pass.

    ``mode`` is ``'RNN_TANH'``, ``'RNN_RELU'``, ``'LSTM'`` or ``'GRU'``.
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=2)
        if not isinstance(bias, bool):
            raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
        if not isinstance(batch_first, bool):
            raise TypeError(f"batch_first should be of type bool, got: "
                            f"{type(batch_first).__name__}")
        if not isinstance(input_size, int):
            raise TypeError(f"input_size should be of type int, got: {type(input_size).__name__}")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: "
                            f"{type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        dirs = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._all_weights: list[list[str]] = []
        self._flat_weights_names: list[str] = []
        for layer in range(num_layers):
            for direction in range(dirs):
                layer_input = input_size if layer == 0 else real_hidden * dirs
                suffix = "_reverse" if direction == 1 else ""
                shapes = [("weight_ih", (gate_size, layer_input)),
                          ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                names = []
                for base, shape in shapes:
                    name = f"{base}_l{layer}{suffix}"
                    self.register_parameter(
                        name, Parameter(tapegrad.empty(shape, device=device, dtype=dtype)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every parameter uniform on ``±1/sqrt(hidden_size)``, in registration order."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """A no-op kept for compatibility (there is no cuDNN weight buffer to compact)."""

    @property
    def _flat_weights(self) -> list[Tensor | None]:
        return [getattr(self, n, None) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters, one list per layer and direction."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def _weights(self) -> list[tuple[Any, ...]]:
        """Per layer and direction: ``(w_ih, w_hh, b_ih, b_hh, w_hr)``, ``None`` if absent."""
        out = []
        for names in self._all_weights:
            get = {n.split("_l")[0]: getattr(self, n) for n in names}
            out.append((get["weight_ih"], get["weight_hh"], get.get("bias_ih"),
                        get.get("bias_hh"), get.get("weight_hr")))
        return out

    # --- checks, with torch's messages ----------------------------------------------------

    def check_input(self, input: Tensor, batch_sizes: Any) -> None:
        """Raise torch's errors for a wrong dtype, rank or feature size."""
        w = self._flat_weights[0]
        if input.dtype != w.dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype "
                             f"({w.dtype}). Convert input: input.to({w.dtype}), or convert "
                             f"model: model.to({input.dtype})")
        expected = 2 if batch_sizes is not None else 3
        if input.dim() != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.size(-1)}")

    def get_expected_hidden_size(self, input: Tensor, batch_sizes: Any) -> tuple[int, int, int]:
        """``(num_layers * num_directions, batch, hidden or proj size)``."""
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        dirs = 2 if self.bidirectional else 1
        size = self.proj_size if self.proj_size > 0 else self.hidden_size
        return (self.num_layers * dirs, mini_batch, size)

    def check_hidden_size(self, hx: Tensor, expected_hidden_size: tuple[int, int, int],
                          msg: str = "Expected hidden size {}, got {}") -> None:
        """Raise ``RuntimeError`` unless ``hx`` has the expected shape."""
        if tuple(hx.size()) != tuple(expected_hidden_size):
            raise RuntimeError(msg.format(expected_hidden_size, list(hx.size())))

    def check_forward_args(self, input: Tensor, hidden: Any, batch_sizes: Any) -> None:
        """Check the input, then the hidden state against it."""
        self.check_input(input, batch_sizes)
        expected = self.get_expected_hidden_size(input, batch_sizes)
        if self.mode == "LSTM":
            self.check_hidden_size(hidden[0], expected, "Expected hidden[0] size {}, got {}")
            cell = (expected[0], expected[1], self.hidden_size)
            self.check_hidden_size(hidden[1], cell, "Expected hidden[1] size {}, got {}")
        else:
            self.check_hidden_size(hidden, expected)

    def permute_hidden(self, hx: Any, permutation: Tensor | None) -> Any:
        """Reorder the batch of a hidden state (to or from a packed batch's sorted order)."""
        if isinstance(hx, tuple):
            return tuple(_permute(h, permutation) for h in hx)
        return _permute(hx, permutation)

    # --- forward ------------------------------------------------------------------------------

    def _zeros(self, batch: int, size: int, like: Tensor) -> Tensor:
        dirs = 2 if self.bidirectional else 1
        return tapegrad.zeros(self.num_layers * dirs, batch, size, dtype=like.dtype)

    def forward(self, input: Any, hx: Any = None) -> Any:
        is_lstm = self.mode == "LSTM"
        name = {"LSTM": "LSTM", "GRU": "GRU"}.get(self.mode, "RNN")
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        orig_input = input
        if isinstance(orig_input, PackedSequence):
            input, batch_sizes_t, sorted_indices, unsorted_indices = orig_input
            batch_sizes = [int(b) for b in batch_sizes_t.tolist()]
            max_batch = batch_sizes[0]
            is_batched = True
            if hx is None:
                hx = self._initial(max_batch, real_hidden, input)
            else:
                hx = self.permute_hidden(tuple(hx) if is_lstm else hx, sorted_indices)
        else:
            batch_sizes = None
            sorted_indices = unsorted_indices = None
            if input.dim() not in (2, 3):
                what = "tensor instead" if name == "RNN" else "instead"
                raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D "
                                 f"{what}")
            is_batched = input.dim() == 3
            batch_dim = 0 if self.batch_first else 1
            if not is_batched:
                input = input.unsqueeze(batch_dim)
            max_batch = input.size(0) if self.batch_first else input.size(1)
            if hx is None:
                hx = self._initial(max_batch, real_hidden, input)
            else:
                hx = self._check_hx_rank(hx, is_batched)
        self.check_forward_args(input, hx, batch_sizes)
        if is_lstm and self.proj_size > 0 and input.dtype == tapegrad.float32 and _PROJ_WARNING:
            warnings.warn(_PROJ_WARNING.pop(), UserWarning, stacklevel=1)
        if batch_sizes is None and self.batch_first:
            input = input.transpose(0, 1)
        output, hidden = _rnn.run_rnn(self.mode, input, hx, self._weights(), self.num_layers,
                                      self.dropout, self.training, self.bidirectional,
                                      batch_sizes)
        if batch_sizes is None and self.batch_first:
            # (torch transposes an RNN's or GRU's fresh output in place: TransposeBackward1)
            output = (output.transpose(0, 1) if is_lstm
                      else _rnn_ops.TRANSPOSE_INPLACE(output, dim0=0, dim1=1))
        if isinstance(orig_input, PackedSequence):
            packed = PackedSequence(output, orig_input.batch_sizes, sorted_indices,
                                    unsorted_indices)
            return packed, self.permute_hidden(hidden, unsorted_indices)
        if not is_batched:
            output = output.squeeze(0 if self.batch_first else 1)
            if is_lstm:
                hidden = (hidden[0].squeeze(1), hidden[1].squeeze(1))
            else:
                hidden = hidden.squeeze(1)
        return output, hidden

    def _initial(self, batch: int, real_hidden: int, like: Tensor) -> Any:
        h = self._zeros(batch, real_hidden, like)
        if self.mode == "LSTM":
            return h, self._zeros(batch, self.hidden_size, like)
        return h

    def _check_hx_rank(self, hx: Any, is_batched: bool) -> Any:
        if self.mode == "LSTM":
            h, c = hx
            want = 3 if is_batched else 2
            if h.dim() != want or c.dim() != want:
                kind = "batched 3-D" if is_batched else "unbatched 2-D"
                raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but "
                                   f"got ({h.dim()}-D, {c.dim()}-D) tensors")
            return (h, c) if is_batched else (h.unsqueeze(1), c.unsqueeze(1))
        if is_batched and hx.dim() != 3:
            raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got "
                               f"{hx.dim()}-D tensor")
        if not is_batched:
            if hx.dim() != 2:
                raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got "
                                   f"{hx.dim()}-D tensor")
            hx = hx.unsqueeze(1)
        return hx

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


class RNN(RNNBase):
    """An Elman RNN, ``h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``.

    Args: ``input_size``, ``hidden_size``, ``num_layers=1``, ``nonlinearity='tanh'``
    (or ``'relu'``), ``bias=True``, ``batch_first=False``, ``dropout=0.0`` (drawn on every
    layer's output but the last, in training), ``bidirectional=False``.

    Shape: input ``(L, N, H_in)`` (``(N, L, H_in)`` with ``batch_first``; unbatched
    ``(L, H_in)``; or a ``PackedSequence``), optional ``h_0`` ``(D*num_layers, N, H_out)``
    (zeros by default); returns ``(output, h_n)``, ``output`` ``(L, N, D*H_out)`` and
    ``h_n`` ``(D*num_layers, N, H_out)``, with ``D = 2`` if bidirectional.

    Example::

        >>> rnn = nn.RNN(10, 20, 2)
        >>> output, hn = rnn(torch.randn(5, 3, 10), torch.zeros(2, 3, 20))
        >>> output.shape
        torch.Size([5, 3, 20])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' "
                             f"or 'relu'.")
        super().__init__(mode, *args, **kwargs)


class LSTM(RNNBase):
    """A long short-term memory layer (gates ``i, f, g, o`` in torch's order).

    Args as ``RNN`` (no ``nonlinearity``) plus ``proj_size=0``: with a projection, ``h``
    is mapped to ``proj_size`` features by ``weight_hr_l{k}`` after each step.

    Shape: input as ``RNN``; optional ``(h_0, c_0)``, ``h_0`` ``(D*num_layers, N, H_out)``
    and ``c_0`` ``(D*num_layers, N, H_cell)``, where ``H_out`` is ``proj_size`` if set,
    else ``hidden_size``.  Returns ``(output, (h_n, c_n))``, ``output`` ``(L, N, D*H_out)``.

    Example::

        >>> lstm = nn.LSTM(10, 20, batch_first=True)
        >>> out, (h, c) = lstm(torch.randn(3, 5, 10))
        >>> out.shape, c.shape
        (torch.Size([3, 5, 20]), torch.Size([1, 3, 20]))
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """A gated recurrent unit layer (gates ``r, z, n``; the reset gate scales
    ``W_hn h + b_hn``, and ``h' = (1 - z) * n + z * h``).

    Args as ``RNN`` (no ``nonlinearity``).  Shape: as ``RNN``; returns ``(output, h_n)``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


# --- cells ------------------------------------------------------------------------------

class RNNCellBase(Module):
    """What the cells share: ``weight_ih`` ``(chunks*hidden, input)``, ``weight_hh``
    ``(chunks*hidden, hidden)``, ``bias_ih``, ``bias_hh``, all uniform on
    ``±1/sqrt(hidden_size)``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        rows = num_chunks * hidden_size
        self.weight_ih = Parameter(tapegrad.empty((rows, input_size), device=device, dtype=dtype))
        self.weight_hh = Parameter(tapegrad.empty((rows, hidden_size), device=device,
                                                  dtype=dtype))
        if bias:
            self.bias_ih = Parameter(tapegrad.empty(rows, device=device, dtype=dtype))
            self.bias_hh = Parameter(tapegrad.empty(rows, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every parameter uniform on ``±1/sqrt(hidden_size)``, in registration order."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s

    def _check(self, input: Tensor, hx: Tensor, which: str = "hidden0") -> None:
        # torch's ATen checks, after the rank checks of forward()
        if input.size(1) != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.size(1)} "
                               f"expected {self.input_size}")
        if input.size(0) != hx.size(0):
            raise RuntimeError(f"Input batch size {input.size(0)} doesn't match {which} batch "
                               f"size {hx.size(0)}")
        if hx.size(1) != self.hidden_size:
            raise RuntimeError(f"{which} has inconsistent hidden_size: got {hx.size(1)}, "
                               f"expected {self.hidden_size}")

    def _prepare(self, cls: str, input: Tensor, hx: Tensor | None) -> tuple[Tensor, Tensor, bool]:
        if input.dim() not in (1, 2):
            raise ValueError(f"{cls}: Expected input to be 1D or 2D, got {input.dim()}D "
                             f"instead")
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(f"{cls}: Expected hidden to be 1D or 2D, got {hx.dim()}D instead")
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            hx = tapegrad.zeros(input.size(0), self.hidden_size, dtype=input.dtype)
        elif not is_batched:
            hx = hx.unsqueeze(0)
        return input, hx, is_batched


class RNNCell(RNNCellBase):
    """One Elman step, ``h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)``; ``act`` is
    ``'tanh'`` (default) or ``'relu'``.

    Shape: input ``(N, input_size)`` or ``(input_size)``; ``hx`` ``(N, hidden_size)`` or
    ``(hidden_size)``, zeros by default; the result has ``hx``'s shape.

    Example::

        >>> cell = nn.RNNCell(10, 20)
        >>> h = None
        >>> for x in torch.randn(6, 3, 10):
        ...     h = cell(x, h)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, hx, is_batched = self._prepare("RNNCell", input, hx)
        if self.nonlinearity == "tanh":
            cell = _rnn.rnn_tanh_cell
        elif self.nonlinearity == "relu":
            cell = _rnn.rnn_relu_cell
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        self._check(input, hx)
        ret = cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return ret if is_batched else ret.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step (gates ``i, f, g, o``).

    Shape: input ``(N, input_size)`` or ``(input_size)``; ``hx`` a pair ``(h, c)``, each
    ``(N, hidden_size)`` or ``(hidden_size)``, zeros by default.  Returns ``(h', c')``.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor, Tensor]:
        if input.dim() not in (1, 2):
            raise ValueError(f"LSTMCell: Expected input to be 1D or 2D, got {input.dim()}D "
                             f"instead")
        if hx is not None:
            for idx, value in enumerate(hx):
                if value.dim() not in (1, 2):
                    raise ValueError(f"LSTMCell: Expected hx[{idx}] to be 1D or 2D, got "
                                     f"{value.dim()}D instead")
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            zeros = tapegrad.zeros(input.size(0), self.hidden_size, dtype=input.dtype)
            hx = (zeros, zeros)
        elif not is_batched:
            hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        self._check(input, hx[0], "hidden0")
        self._check(input, hx[1], "hidden1")
        h, c = _rnn.lstm_cell(input, tuple(hx), self.weight_ih, self.weight_hh, self.bias_ih,
                              self.bias_hh)
        if not is_batched:
            h, c = h.squeeze(0), c.squeeze(0)
        return h, c


class GRUCell(RNNCellBase):
    """One GRU step (gates ``r, z, n``).

    Shape: input ``(N, input_size)`` or ``(input_size)``; ``hx`` ``(N, hidden_size)`` or
    ``(hidden_size)``, zeros by default; the result has ``hx``'s shape.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, hx, is_batched = self._prepare("GRUCell", input, hx)
        self._check(input, hx)
        ret = _rnn.gru_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih,
                            self.bias_hh)
        return ret if is_batched else ret.squeeze(0)
