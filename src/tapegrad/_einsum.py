"""``einsum``, built from ops that already have their derivative rules.

The equation is taken apart into the steps torch takes: labels that only one operand has and the
result does not are summed away; then operands are combined two at a time, as a batched matrix
product over the labels they share (or, when they share none that is summed, a broadcast
multiply); the result is permuted into the requested order.  Every step is an ordinary recorded
op, so gradients, higher derivatives, forward mode and vmap come with them, and the last op (and
so ``grad_fn``) is the one torch records: ``ViewBackward0`` after a product, ``MulBackward0``,
``PermuteBackward0`` or ``SumBackward1``.
"""
from __future__ import annotations

import builtins
from typing import Any, Sequence

from . import _api, _reductions, _shaping
from ._tensor import Tensor

Label = Any  # a letter, or ("...", k) for the k-th dimension counted from the right of an ellipsis


def einsum(equation: str, *operands: Any) -> Tensor:
    """Sum of products over the labelled dimensions, as in ``torch.einsum('ij,jk->ik', a, b)``.

    Operands may also be given as one list.  Letters a-z and A-Z label dimensions, ``...`` stands
    for broadcast dimensions, a letter repeated within one operand takes a diagonal
    (``'ii->i'``), and without ``->`` the result keeps the letters used once, in alphabetical
    order, after the ellipsis.
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    inputs, output = _parse(equation.replace(" ", ""), operands)
    terms = [_diagonals(t, labels, k) for k, (t, labels) in enumerate(zip(operands, inputs))]
    sizes = _sizes(terms)
    terms = [_sum_unshared(k, terms, output) for k in range(len(terms))]
    while len(terms) > 1:
        later = set(output).union(*(labels for _, labels in terms[2:]))
        first, second = terms[0], terms[1]
        if len(terms) == 2 and _rows_later(second[1], first[1], output):
            first, second = second, first  # the product then comes out in the result's order
        terms = [_combine(first, second, later, sizes)] + terms[2:]
    result, labels = terms[0]
    extra = [labels.index(l) for l in labels if l not in output]
    if extra:
        result = _reductions.sum(result, dim=tuple(extra))
        labels = [l for l in labels if l in output]
    order = [labels.index(l) for l in output]
    return result if order == list(range(len(order))) else _shaping.permute(result, order)


def _parse(equation: str, operands: Sequence[Any]) -> tuple[list[list[Label]], list[Label]]:
    lhs, arrow, rhs = equation.partition("->")
    parts = lhs.split(",")
    if len(parts) != len(operands):
        more = "more" if len(operands) > len(parts) else "fewer"
        raise RuntimeError(f"einsum(): {more} operands were provided than specified in the "
                           "equation")
    inputs = [_labels(p, t.ndim, k) for k, (p, t) in enumerate(zip(parts, operands))]
    ellipsis = max((builtins.sum(isinstance(l, tuple) for l in labels) for labels in inputs),
                   default=0)
    dots = [("...", k) for k in range(ellipsis, 0, -1)]
    if arrow:
        output: list[Label] = []
        for piece in rhs.split("..."):
            output += list(piece) + dots
        output = output[:len(output) - len(dots)]  # dots only where the "..." were
        for label in output:
            if isinstance(label, str) and not any(label in labels for labels in inputs):
                raise RuntimeError(f"einsum(): output subscript {label} does not appear in the "
                                   "equation for any input operand")
    else:
        letters = [l for labels in inputs for l in labels if isinstance(l, str)]
        output = dots + sorted(l for l in set(letters) if letters.count(l) == 1)
    return inputs, output


def _labels(part: str, ndim: int, k: int) -> list[Label]:
    before, dots, after = part.partition("...")
    for ch in before + after:
        if not ch.isalpha():
            raise RuntimeError(f"einsum(): invalid subscript given at index {part.index(ch)} in "
                               f"the equation string, subscripts must be in [a-zA-Z]")
    named = len(before) + len(after)
    if (not dots and named != ndim) or (dots and named > ndim):
        raise RuntimeError(f"einsum(): the number of subscripts in the equation ({named}) does "
                           f"not match the number of dimensions ({ndim}) for operand {k}"
                           f"{'' if dots else ' and no ellipsis was given'}")
    return list(before) + [("...", j) for j in range(ndim - named, 0, -1)] + list(after)


def _diagonals(t: Tensor, labels: list, k: int) -> tuple:
    """A label repeated within one operand (``'ii->i'``) takes the diagonal of those dims."""
    from tapegrad._creation import arange
    while len(set(labels)) != len(labels):
        label = next(l for l in labels if labels.count(l) > 1)
        where = [i for i, l in enumerate(labels) if l == label]
        n = t.shape[where[0]]
        if any(t.shape[i] != n for i in where):
            sizes = " != ".join(str(t.shape[i]) for i in reversed(where))
            raise RuntimeError(f"einsum(): subscript {label} is repeated for operand {k} but the "
                               f"sizes don't match, {sizes}")
        rest = [i for i in range(len(labels)) if i not in where]
        along = arange(n)
        t = _shaping.permute(t, where + rest)[(along,) * len(where)]
        labels = [label] + [labels[i] for i in rest]
    return t, labels


def _sizes(terms: list) -> dict:
    """Each label's size; ellipsis dimensions of size 1 broadcast."""
    sizes: dict = {}
    for k, (t, labels) in enumerate(terms):
        for label, n in zip(labels, t.shape):
            known = sizes.get(label)
            if known is None or known == 1:
                sizes[label] = n
            elif n != known and not (isinstance(label, tuple) and n == 1):
                name = label if isinstance(label, str) else "..."
                raise RuntimeError(f"einsum(): subscript {name} has size {n} for operand {k} "
                                   f"which does not broadcast with previously seen size {known}")
    return sizes


def _sum_unshared(k: int, terms: list, output: list) -> tuple:
    """Operand ``k`` with the labels no other operand and not the result has summed away."""
    t, labels = terms[k]
    others = set().union(*(other for j, (_, other) in enumerate(terms) if j != k))
    alone = [i for i, l in enumerate(labels) if l not in others and l not in output]
    if not alone or len(terms) == 1:
        return t, labels
    return _reductions.sum(t, dim=tuple(alone)), [l for i, l in enumerate(labels) if i not in alone]


def _rows_later(la: list, lb: list, output: list) -> bool:
    """Whether ``la``'s own labels come before ``lb``'s in the result (the rows of the product
    should then be ``la``'s)."""
    own_a = [output.index(l) for l in la if l not in lb and l in output]
    own_b = [output.index(l) for l in lb if l not in la and l in output]
    return bool(own_a and own_b) and min(own_a) < min(own_b)


def _combine(a: tuple, b: tuple, later: set, sizes: dict) -> tuple:
    """Two operands into one: a batched matrix product over the labels they share that nothing
    later needs, or a broadcast product when there are none."""
    (x, la), (y, lb) = a, b
    shared = [l for l in la if l in lb]
    batch = [l for l in shared if l in later]
    summed = [l for l in shared if l not in later]
    a_only = [l for l in la if l not in lb]
    b_only = [l for l in lb if l not in la]
    if not summed:
        x = _arranged(x, la, batch + a_only + b_only)
        y = _arranged(y, lb, batch + a_only + b_only)
        return x * y, batch + a_only + b_only
    rows = _count(sizes, a_only)
    cols = _count(sizes, b_only)
    inner = _count(sizes, summed)
    lead = [sizes[l] for l in batch]
    x = _expanded(_arranged(x, la, batch + a_only + summed), lead)
    y = _expanded(_arranged(y, lb, batch + summed + b_only), lead)
    depth = _count(sizes, batch)
    product = _api.matmul(_shaping.reshape(x, (depth, rows, inner)),
                          _shaping.reshape(y, (depth, inner, cols)))
    shape = tuple(lead + [sizes[l] for l in a_only] + [sizes[l] for l in b_only])
    return _shaping.reshape(product, shape), batch + a_only + b_only


def _arranged(t: Tensor, labels: list, order: list) -> Tensor:
    """``t`` with its dimensions in ``order``; labels it lacks become size-1 dimensions."""
    mine = [l for l in order if l in labels]
    perm = [labels.index(l) for l in mine]
    if perm != list(range(len(perm))):
        t = _shaping.permute(t, perm)
    shape = tuple(t.shape[mine.index(l)] if l in mine else 1 for l in order)
    return t if shape == tuple(t.shape) else _shaping.reshape(t, shape)


def _expanded(t: Tensor, lead: list) -> Tensor:
    """Broadcast the leading (batch) dimensions to their full sizes."""
    if list(t.shape[:len(lead)]) == lead:
        return t
    return _shaping.expand(t, *(lead + list(t.shape[len(lead):])))


def _count(sizes: dict, labels: list) -> int:
    n = 1
    for l in labels:
        n *= sizes[l]
    return n
