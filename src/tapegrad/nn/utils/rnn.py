"""``nn.utils.rnn``: padding and packing sequences for the recurrent layers.

A batch of sequences of different lengths is either *padded* into one ``(T, B, *)`` tensor
or *packed*: the time steps laid one after the other, each holding only the sequences still
running, longest first.  ``PackedSequence.batch_sizes[t]`` says how many sequences step
``t`` holds, so a recurrent layer fed a ``PackedSequence`` never steps past a sequence's end
and its ``h_n`` holds each sequence's real final state.

Example::

    >>> seqs = [torch.ones(3, 2), torch.ones(1, 2)]
    >>> packed = nn.utils.rnn.pack_sequence(seqs)
    >>> packed.batch_sizes
    tensor([2, 1, 1])
    >>> padded, lengths = nn.utils.rnn.pad_packed_sequence(packed, batch_first=True)
    >>> padded.shape, lengths
    (torch.Size([2, 3, 2]), tensor([3, 1]))
"""
from __future__ import annotations

from typing import Any, Iterable, NamedTuple

import tapegrad
from tapegrad import Tensor
from tapegrad._ops import rnn as _rnn_ops

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence",
           "pad_packed_sequence", "pad_sequence", "unpad_sequence", "pack_sequence",
           "unpack_sequence"]


class _PackedSequenceBase(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedSequenceBase):
    """Packed time steps of a batch of sequences (see the module docstring).

    Build one with ``pack_padded_sequence`` or ``pack_sequence``, not directly.  Fields:
    ``data`` ``(sum(lengths), *)``, ``batch_sizes`` (int64, one per step),
    ``sorted_indices`` (how the batch was reordered by decreasing length, or ``None``) and
    ``unsorted_indices`` (its inverse).
    """

    def __new__(cls, data: Tensor, batch_sizes: Tensor | None = None,
                sorted_indices: Tensor | None = None,
                unsorted_indices: Tensor | None = None) -> "PackedSequence":
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is not None:
            return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)
        # PackedSequence(data_and_batch_sizes) with a pair, as torch allows
        data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> "PackedSequence":
        """Move/cast ``data`` (and the index tensors to its device)."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cpu(self) -> "PackedSequence":
        return self.to("cpu")

    def double(self) -> "PackedSequence":
        return self.to(dtype=tapegrad.float64)

    def float(self) -> "PackedSequence":
        return self.to(dtype=tapegrad.float32)

    @property
    def is_cuda(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The permutation that undoes ``permutation`` (``None`` stays ``None``)."""
    if permutation is None:
        return None
    return permutation.argsort()


def pack_padded_sequence(input: Tensor, lengths: Any, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``).

    ``lengths`` (list or tensor) gives each sequence's length; with ``enforce_sorted``
    they must decrease, otherwise the batch is sorted here and the order remembered.
    """
    if not isinstance(lengths, Tensor):
        lengths = tapegrad.as_tensor(lengths, dtype=tapegrad.int64)
    if lengths.dim() != 1:
        raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got "
                           f"{lengths.dim()}D cpu Long tensor")
    lengths = lengths.to(tapegrad.int64)
    if enforce_sorted:
        sorted_indices = None
    else:
        lengths, sorted_indices = tapegrad.sort(lengths, descending=True)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    batch_dim = 0 if batch_first else 1
    lens = [int(v) for v in lengths.tolist()]
    if input.numel() == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    if len(lens) != input.size(batch_dim):
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{len(lens)} (batch_size={input.size(batch_dim)})")
    if lens[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if any(a < b for a, b in zip(lens, lens[1:])):
        raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                           "`enforce_sorted` is True. You can pass `enforce_sorted=False` to "
                           "pack_padded_sequence and/or pack_sequence to sidestep this "
                           "requirement if you do not need ONNX exportability.")
    if lens[0] > input.size(1 - batch_dim):
        raise RuntimeError(f"Expected sequence length to be larger than or equal to the "
                           f"longest sequence, but got {input.size(1 - batch_dim)} and {lens[0]}")
    batch_sizes = [sum(1 for n in lens if n > t) for t in range(lens[0])]
    # one op with torch's node (PackPaddedSequenceBackward0), not a cat of slices
    data = _rnn_ops.PACK_PADDED(input, batch_sizes=tuple(batch_sizes), batch_first=batch_first)
    return PackedSequence(data, tapegrad.tensor(batch_sizes, dtype=tapegrad.int64),
                          sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None
                        ) -> tuple[Tensor, Tensor]:
    """Undo ``pack_padded_sequence``: returns ``(padded, lengths)``, in the original order.

    ``total_length`` pads the time dimension further (it must be at least the longest
    sequence's length).
    """
    data, batch_sizes_t = sequence.data, sequence.batch_sizes
    batch_sizes = [int(b) for b in batch_sizes_t.tolist()]
    max_len = len(batch_sizes)
    if total_length is not None:
        if total_length < max_len:
            raise ValueError(f"Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and "
                             f"max sequence length being {max_len}")
    else:
        total_length = max_len
    batch = batch_sizes[0]
    tail = tuple(data.shape[1:])
    # as torch does (one CopySlices per block): the steps that hold the same number of
    # sequences lie one after the other in ``data``, so each block is one copy
    padded = tapegrad.full((total_length, batch) + tail, padding_value, dtype=data.dtype)
    offset = start = 0
    for t in range(1, max_len + 1):
        if t < max_len and batch_sizes[t] == batch_sizes[start]:
            continue
        b, steps = batch_sizes[start], t - start
        padded[start:t, :b] = data[offset:offset + steps * b].view((steps, b) + tail)
        offset += steps * b
        start = t
    lengths = tapegrad.tensor([sum(1 for b in batch_sizes if b > i) for i in range(batch)],
                              dtype=tapegrad.int64)
    if batch_first:
        padded = padded.transpose(0, 1)
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(0 if batch_first else 1, sequence.unsorted_indices)
        lengths = lengths[sequence.unsorted_indices]
    return padded, lengths


def pad_sequence(sequences: Tensor | Iterable[Tensor], batch_first: bool = False,
                 padding_value: float = 0.0, padding_side: str = "right") -> Tensor:
    """Stack tensors ``(L_i, *)`` into ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``),
    padding each with ``padding_value`` on its ``padding_side`` (``'right'`` or ``'left'``)
    up to the longest length ``T``."""
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got "
                         f"{padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    sequences = list(sequences)
    longest = max(s.size(0) for s in sequences)
    tail = tuple(sequences[0].shape[1:])
    shape = (len(sequences), longest) if batch_first else (longest, len(sequences))
    # one filled tensor written into slice by slice (grad_fn CopySlices, as torch's)
    out = tapegrad.full(shape + tail, padding_value, dtype=sequences[0].dtype)
    for i, seq in enumerate(sequences):
        n = seq.size(0)
        _check_copy(tail, tuple(seq.shape[1:]))
        start = 0 if padding_side == "right" else longest - n
        if batch_first:
            out[i, start:start + n] = seq
        else:
            out[start:start + n, i] = seq
    return out


def _check_copy(tail: tuple, got: tuple) -> None:
    """torch's copy error when a sequence's trailing shape cannot fill the slot."""
    for k, (want, have) in enumerate(zip(tail[::-1], got[::-1])):
        if have not in (1, want):
            dim = len(tail) - k
            raise RuntimeError(f"The size of tensor a ({want}) must match the size of tensor b "
                               f"({have}) at non-singleton dimension {dim}")


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor, batch_first: bool = False
                   ) -> list[Tensor]:
    """Split a right-padded batch back into its sequences (``lengths`` long)."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[:int(n)] for seq, n in zip(padded_sequences.unbind(0), lengths.tolist())]


def pack_sequence(sequences: list[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """``pack_padded_sequence(pad_sequence(sequences), lengths)`` in one call."""
    lengths = tapegrad.as_tensor([v.size(0) for v in sequences])
    return pack_padded_sequence(pad_sequence(sequences), lengths,
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """Undo ``pack_sequence``: the list of sequences, in the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
