"""Render tensors exactly the way PyTorch 2.x prints them.

``tensor_repr`` turns a NumPy array (plus a little autograd metadata) into the text that
``repr(torch_tensor)`` would give, with ``tapegrad.`` in place of ``torch.`` in dtype names.
The rules mirror ``torch/_tensor_str.py``:

* every element shown shares one cell width, chosen from the elements that will be displayed
  (summarised tensors only look at their edge items);
* floating tensors print in one of three styles: "integer" (``3.``), fixed (``3.1416``) or
  scientific (``3.1416e+00``), picked from the non-zero finite values;
* a tensor with more than ``threshold`` elements shows only ``edgeitems`` rows/items at each
  end of every dimension, with ``...`` in between;
* rows wrap at ``linewidth``; trailing ``dtype=`` / ``grad_fn=`` suffixes wrap likewise.

Print options are module state, set with ``set_printoptions`` (torch's semantics, including
the quirk that every call resets ``sci_mode`` to its argument).
"""
from __future__ import annotations

import contextlib
import math
from typing import Any, Callable, Iterator

import numpy as np

__all__ = ["tensor_repr", "set_printoptions", "get_printoptions", "printoptions", "format_scalar"]

_PROFILES: dict[str, dict[str, Any]] = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}

# Current options; the key order matches torch.get_printoptions().
_OPTS: dict[str, Any] = {**_PROFILES["default"], "sci_mode": None}

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_C64, _C128 = np.dtype(np.complex64), np.dtype(np.complex128)
_OURS = "tapegrad."  # what we print where torch prints "torch."


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Set print options like ``torch.set_printoptions``; ``profile`` is applied first."""
    if profile is not None and profile in _PROFILES:  # torch silently ignores unknown names
        _OPTS.update(_PROFILES[profile])
    for key, value in (("precision", precision), ("threshold", threshold),
                       ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            _OPTS[key] = value
    _OPTS["sci_mode"] = sci_mode  # not "if not None": torch resets it on every call


def get_printoptions() -> dict[str, Any]:
    """The current options, as keyword arguments ``set_printoptions`` accepts."""
    return dict(_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    """Temporarily change print options (``torch.printoptions``)."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


def format_scalar(value: Any, spec: str) -> str:
    """``format(value, spec)`` on the Python number a 0-dim tensor's ``.item()`` would give."""
    if isinstance(value, (np.ndarray, np.generic)):
        value = value.item()
    return format(value, spec)


class _Formatter:
    """One fixed-width cell style for all the real (or all the imaginary) parts shown."""

    def __init__(self, shown: np.ndarray) -> None:
        self.floating = shown.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        if not self.floating:  # integers and bools: plain str(), right-aligned
            self.width = max([1, *(len(str(v)) for v in shown.ravel().tolist())])
            return
        # Style is decided by non-zero finite values only; nan/inf/0 just get padded.
        finite = shown[np.isfinite(shown) & (shown != 0)]
        if finite.size == 0:
            return
        mags = np.abs(finite).astype(np.float64)  # float64 so float16 cannot overflow
        lo, hi = float(mags.min()), float(mags.max())
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        forced = _OPTS["sci_mode"]
        self.sci_mode = (hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4) if forced is None else forced
        # In int mode a "." is appended, hence the +1 (nan/inf get no dot, so they don't count).
        extra = 1 if self.int_mode and not self.sci_mode else 0
        self.width = max(len(self._text(v)) + extra for v in finite.tolist())

    def _text(self, value: float) -> str:
        p = _OPTS["precision"]
        if self.sci_mode:
            return f"{value:.{p}e}"
        if self.int_mode:
            return f"{value:.0f}"
        return f"{value:.{p}f}"

    def __call__(self, value: Any) -> str:
        if not self.floating:
            text = str(value)
        else:
            text = self._text(value)
            if self.int_mode and not self.sci_mode and math.isfinite(value):
                text += "."
        return text.rjust(self.width)


class _ComplexFormatter:
    """Real and imaginary parts each get their own ``_Formatter``, glued as ``a+bj``."""

    def __init__(self, shown: np.ndarray) -> None:
        self.re, self.im = _Formatter(shown.real), _Formatter(shown.imag)
        self.width = self.re.width + self.im.width + 1  # +1 for the "j"

    def __call__(self, value: complex) -> str:
        imag = (self.im(value.imag) + "j").lstrip()
        return self.re(value.real) + (imag if imag[0] in "+-" else "+" + imag)


def _shown_part(a: np.ndarray) -> np.ndarray:
    """The elements a summarised print displays (torch's ``get_summarized_data``)."""
    e = _OPTS["edgeitems"]
    if a.ndim == 0:
        return a
    if a.ndim == 1:  # note a[-0:] is the whole row, matching torch when edgeitems == 0
        return np.concatenate((a[:e], a[-e:])) if a.shape[0] > 2 * e else a
    if not e:
        return np.empty([0] * a.ndim, a.dtype)
    n = a.shape[0]
    rows = [*range(e), *range(n - e, n)] if n > 2 * e else range(n)
    return np.stack([_shown_part(a[i]) for i in rows])


def _render(a: np.ndarray, indent: int, summarize: bool, fmt: Callable[[Any], str]) -> str:
    """The bracketed body; ``indent`` is the column just left of this level's ``[``."""
    if a.ndim == 0:
        return fmt(a.item())
    e = _OPTS["edgeitems"]
    n = a.shape[0]
    clipped = summarize and n > 2 * e
    if a.ndim == 1:
        if summarize and not e:
            cells = ["..."]
        elif clipped:
            cells = [*map(fmt, a[:e].tolist()), " ...", *map(fmt, a[n - e:].tolist())]
        else:
            cells = [fmt(v) for v in a.tolist()]
        per_line = max(1, math.floor((_OPTS["linewidth"] - indent) / (fmt.width + 2)))
        lines = [", ".join(cells[i:i + per_line]) for i in range(0, len(cells), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    if clipped:
        parts = [_render(a[i], indent + 1, summarize, fmt) for i in range(e)] + ["..."]
        parts += [_render(a[i], indent + 1, summarize, fmt) for i in range(n - e, n)]
    else:
        parts = [_render(a[i], indent + 1, summarize, fmt) for i in range(n)]
    # Blocks of rank k are separated by k-1 blank lines, as torch does.
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _attach_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """Append ``, key=value`` items, moving one to a new line when it would pass linewidth."""
    out = [text]
    # torch's arithmetic (it counts two columns more than the last line really has).
    used = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        # Break where torch would: measure "dtype=tapegrad.x" as torch's shorter "dtype=torch.x",
        # so our output differs from torch's only in that one word.
        size = len(suffix) - (len(_OURS) - len("torch.")) * suffix.startswith("dtype=" + _OURS)
        if used + size + 2 > _OPTS["linewidth"]:
            out.append(",\n" + " " * indent + suffix)
            used = indent + size
        else:
            out.append(", " + suffix)
            used += size + 2
    return "".join(out) + ")"


def tensor_repr(data: np.ndarray, *, grad_fn_name: str | None = None, requires_grad: bool = False,
                default_float: np.dtype = _F32, tangent: str | None = None) -> str:
    """What ``repr()`` of a CPU torch tensor holding ``data`` prints (``tapegrad.`` dtypes)."""
    data = np.asarray(data)
    if not data.dtype.isnative:  # '>f4' should compare equal to (and print as) float32
        data = data.astype(data.dtype.newbyteorder("="))
    default_float = np.dtype(default_float)
    prefix = "tensor("
    indent = len(prefix)
    suffixes: list[str] = []
    dtype_suffix = f"dtype={_OURS}{data.dtype.name}"
    if data.size == 0:
        if data.ndim != 1:  # like NumPy, shapes other than (0,) are spelled out
            suffixes.append(f"size={tuple(data.shape)}")
        if data.dtype != default_float:  # no values to hint at the dtype, so always show it
            suffixes.append(dtype_suffix)
        body = "[]"
    else:
        if not _OPTS["edgeitems"]:
            suffixes.append(f"size={tuple(data.shape)}")
        default_complex = _C128 if default_float == _F64 else _C64
        if data.dtype not in (default_float, default_complex, np.dtype(np.int64), np.dtype(np.bool_)):
            suffixes.append(dtype_suffix)
        summarize = data.size > _OPTS["threshold"]
        shown = _shown_part(data) if summarize else data
        fmt = _ComplexFormatter(shown) if data.dtype.kind == "c" else _Formatter(shown)
        body = _render(data, indent, summarize, fmt)
    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    if tangent is not None:  # forward AD: the tangent's own repr (a 0-d one as a Python float)
        suffixes.append(f"tangent={tangent}")
    return _attach_suffixes(prefix + body, suffixes, indent)
