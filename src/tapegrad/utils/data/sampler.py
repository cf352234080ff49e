"""Samplers: the order in which a ``DataLoader`` visits a map-style dataset.

A sampler is any iterable of indices (``BatchSampler``: of lists of indices).  The random
samplers draw through tapegrad's generators with torch's exact calls in torch's order, so that
after ``tapegrad.manual_seed(s)`` a shuffled ``DataLoader`` gives the batches torch gives.

Example::

    list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False))
    # [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
"""
from __future__ import annotations

import itertools
from typing import Generic, Iterable, Iterator, Sequence, Sized, TypeVar

import tapegrad

__all__ = ["BatchSampler", "RandomSampler", "Sampler", "SequentialSampler", "SubsetRandomSampler",
           "WeightedRandomSampler"]

T_co = TypeVar("T_co", covariant=True)

# RandomSampler(replacement=True) draws its indices 32 at a time, as torch does (the same calls
# in the same order, so the indices and the stream afterwards stay torch's).
_REPLACEMENT_CHUNK = 32


class Sampler(Generic[T_co]):
    """Base class of samplers: subclasses implement ``__iter__`` (and ``__len__`` if they can).

    ``len(DataLoader)`` asks the sampler for its length, so define ``__len__`` where possible.
    """

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError


class SequentialSampler(Sampler[int]):
    """``0, 1, ..., len(data_source) - 1``, always in that order."""

    data_source: Sized

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


def _fresh_generator() -> "tapegrad.Generator":
    """A generator seeded from the default stream, as torch seeds a sampler that was given none:
    one int64 drawn with ``random_()`` becomes the new generator's seed."""
    seed = int(tapegrad.empty((), dtype=tapegrad.int64).random_().item())
    generator = tapegrad.Generator()
    generator.manual_seed(seed)
    return generator


class RandomSampler(Sampler[int]):
    """Indices in random order: a fresh permutation on every pass (``DataLoader(shuffle=True)``).

    Without replacement each pass yields whole permutations of ``range(len(data_source))`` until
    ``num_samples`` indices are out (default: one permutation).  With ``replacement=True`` it yields
    ``num_samples`` independent uniform indices.  Without a ``generator`` each pass seeds a new
    generator from the default stream, so ``tapegrad.manual_seed`` makes the order reproducible.
    """

    data_source: Sized
    replacement: bool

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: "int | None" = None, generator=None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError("replacement should be a boolean value, but got "
                            f"replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError("num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        """How many indices one pass yields (``len(data_source)`` unless given)."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        generator = self.generator if self.generator is not None else _fresh_generator()
        if self.replacement:
            for _ in range(self.num_samples // _REPLACEMENT_CHUNK):
                yield from tapegrad.randint(high=n, size=(_REPLACEMENT_CHUNK,),
                                            dtype=tapegrad.int64, generator=generator).tolist()
            yield from tapegrad.randint(high=n, size=(self.num_samples % _REPLACEMENT_CHUNK,),
                                        dtype=tapegrad.int64, generator=generator).tolist()
        else:
            for _ in range(self.num_samples // n):
                yield from tapegrad.randperm(n, generator=generator).tolist()
            # torch draws this last permutation even when no index of it is used
            yield from tapegrad.randperm(n, generator=generator).tolist()[:self.num_samples % n]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given ``indices`` in a random order (a fresh permutation on every pass)."""

    indices: Sequence[int]

    def __init__(self, indices: Sequence[int], generator=None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        for i in tapegrad.randperm(len(self.indices), generator=self.generator).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """``num_samples`` indices into ``weights``, index ``i`` drawn with probability proportional
    to ``weights[i]`` (``tapegrad.multinomial``; without replacement an index appears once).

    Example: ``WeightedRandomSampler([0.1, 0.9, 0.4], 5)`` mostly yields ``1``.
    """

    weights: tapegrad.Tensor
    num_samples: int
    replacement: bool

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator=None) -> None:
        if (not isinstance(num_samples, int) or isinstance(num_samples, bool)
                or num_samples <= 0):
            raise ValueError("num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError("replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        weights_tensor = tapegrad.as_tensor(weights, dtype=tapegrad.double)
        if len(weights_tensor.shape) != 1:
            raise ValueError("weights should be a 1d sequence but given weights have shape "
                             f"{tuple(weights_tensor.shape)}")
        self.weights = weights_tensor
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        drawn = tapegrad.multinomial(self.weights, self.num_samples, self.replacement,
                                     generator=self.generator)
        yield from drawn.tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list]):
    """Group another sampler's indices into lists of ``batch_size`` (the last one shorter, or
    dropped with ``drop_last=True``).

    Example::

        list(BatchSampler(range(10), batch_size=3, drop_last=True))  # [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    """

    def __init__(self, sampler: "Sampler[int] | Iterable[int]", batch_size: int,
                 drop_last: bool) -> None:
        if (not isinstance(batch_size, int) or isinstance(batch_size, bool)
                or batch_size <= 0):
            raise ValueError("batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list]:
        indices = iter(self.sampler)
        batch = list(itertools.islice(indices, self.batch_size))
        while batch:
            if self.drop_last and len(batch) < self.batch_size:
                return
            yield batch
            batch = list(itertools.islice(indices, self.batch_size))

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
