"""``DataLoader``: iterate over a dataset in (shuffled) mini-batches.

The loader is three small parts put together: a *sampler* gives the order of indices (or a
*batch sampler* gives lists of indices), a *fetcher* reads those samples from the dataset, and a
*collate function* merges each list of samples into a batch.  D2L's loader is::

    data.DataLoader(data.TensorDataset(features, labels), batch_size, shuffle=is_train)

Every ``iter(loader)`` draws one int64 from ``generator`` (torch's base seed for its worker
processes) before the sampler runs, so the random stream advances exactly as torch's does and
``tapegrad.manual_seed(s)`` gives torch's batches.  Data is always loaded in the calling
process: ``num_workers > 0`` is accepted with a warning (once), and the loader then takes its
indices ahead as torch's workers do (and a ``persistent_workers`` loader draws its base seed
once), so the batches and the random stream stay torch's; no worker processes are started.
"""
from __future__ import annotations

import collections
import math
import warnings
from typing import Any, Callable, Generic, Iterable, Iterator, TypeVar

import tapegrad

from ._collate import default_collate, default_convert
from .dataset import Dataset, IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]

T_co = TypeVar("T_co", covariant=True)

_WORKERS_WARNING = ("tapegrad loads data in the main process: num_workers={} is accepted, but "
                    "no worker processes are started (worker_init_fn and per-worker seeds are "
                    "not used, and an IterableDataset is read once, not once per worker).")
_warned_about_workers = False


def get_worker_info() -> None:
    """Information about the current worker process; always ``None`` here, because tapegrad
    loads data in the main process (code that shards an ``IterableDataset`` by worker sees the
    single-process case)."""
    return None


class _InfiniteConstantSampler(Sampler):
    """``None`` forever: the 'indices' of an iterable-style dataset, which ignores them."""

    def __iter__(self) -> Iterator[None]:
        while True:
            yield None


class DataLoader(Generic[T_co]):
    """Iterate over ``dataset`` in batches.

    Args:
        dataset: a map-style ``Dataset`` (indexable, with ``len``) or an ``IterableDataset``.
        batch_size: samples per batch (default 1); ``None`` turns batching off (samples come one
            at a time through ``default_convert``).
        shuffle: reshuffle on every pass (a ``RandomSampler``); default ``False``.
        sampler: an iterable of indices, instead of ``shuffle``.
        batch_sampler: an iterable of lists of indices, instead of ``batch_size``, ``shuffle``,
            ``sampler`` and ``drop_last``.
        num_workers: accepted (with a one-time warning); data is loaded in the main process,
            with torch's order of random draws.
        collate_fn: merges a list of samples into a batch (default ``default_collate``).
        drop_last: drop the last, incomplete batch.
        generator: the ``tapegrad.Generator`` the shuffling ``RandomSampler`` and the per-pass
            base seed draw from (default: the global generator).
        prefetch_factor, persistent_workers: checked as torch checks them; they decide when
            indices are drawn, as with torch's workers.
        pin_memory, timeout, worker_init_fn, multiprocessing_context, pin_memory_device,
        in_order: accepted for compatibility, checked as torch checks them, otherwise without
            effect (``pin_memory=True`` warns, as torch does without an accelerator).

    ``len(loader)`` is the number of batches.  Example::

        loader = DataLoader(TensorDataset(tapegrad.arange(10.0)), batch_size=4, shuffle=True)
        [x.shape for (x,) in loader]   # [tapegrad.Size([4]), tapegrad.Size([4]), tapegrad.Size([2])]
    """

    dataset: Dataset
    batch_size: "int | None"
    num_workers: int
    pin_memory: bool
    drop_last: bool
    timeout: float
    sampler: "Sampler | Iterable"
    prefetch_factor: "int | None"
    __initialized = False

    def __init__(self, dataset: Dataset[T_co], batch_size: "int | None" = 1,
                 shuffle: "bool | None" = None, sampler: "Sampler | Iterable | None" = None,
                 batch_sampler: "Sampler | Iterable | None" = None, num_workers: int = 0,
                 collate_fn: "Callable[[list], Any] | None" = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: "Callable[[int], None] | None" = None,
                 multiprocessing_context: Any = None, generator: Any = None, *,
                 prefetch_factor: "int | None" = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True) -> None:
        prefetch_factor = _check_worker_options(num_workers, timeout, prefetch_factor,
                                                persistent_workers)
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        if multiprocessing_context is not None and num_workers == 0:
            raise ValueError("multiprocessing_context can only be used with multi-process loading "
                             f"(num_workers > 0), but got num_workers={num_workers}")
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        if isinstance(dataset, IterableDataset):
            self._iterable = True
            if shuffle not in {False, None}:
                raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler "
                                 f"option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
            self._iterable = False

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")

        if sampler is None:
            if self._iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self.__initialized = True
        self._IterableDataset_len_called = None
        self._iterator = None

    def __setattr__(self, attr: str, value: Any) -> None:
        if self.__initialized and attr in ("batch_size", "batch_sampler", "sampler", "drop_last",
                                           "dataset", "persistent_workers"):
            raise ValueError(f"{attr} attribute should not be set after "
                             f"{type(self).__name__} is initialized")
        super().__setattr__(attr, value)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self) -> Any:
        return self.batch_sampler if self._auto_collation else self.sampler

    def __iter__(self) -> "_DataLoaderIter":
        if self.num_workers == 0 and self.timeout != 0:
            raise AssertionError("_SingleProcessDataLoaderIter requires timeout == 0")
        if self.num_workers > 0:
            _warn_once_about_workers(self.num_workers)
            if self.persistent_workers:
                # torch keeps one iterator and resets it: no new base seed is drawn per pass
                if self._iterator is None:
                    self._iterator = _DataLoaderIter(self)
                else:
                    self._iterator._reset(self)
                return self._iterator
        return _DataLoaderIter(self)

    def __len__(self) -> int:
        if self._iterable:
            # torch's estimate for an iterable dataset that defines __len__
            length = self._IterableDataset_len_called = len(self.dataset)
            if self.batch_size is not None:
                length = (length // self.batch_size if self.drop_last
                          else math.ceil(length / self.batch_size))
            return length
        return len(self._index_sampler)


def _check_worker_options(num_workers: int, timeout: float, prefetch_factor: "int | None",
                          persistent_workers: bool) -> "int | None":
    """torch's checks of the multiprocessing options; returns the effective prefetch_factor."""
    if num_workers < 0:
        raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                         "disable multiprocessing.")
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        # torch's message, with its missing space
        raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                         "let num_workers > 0 to enable multiprocessing, otherwise set "
                         "prefetch_factor to None.")
    if num_workers > 0 and prefetch_factor is None:
        prefetch_factor = 2
    elif prefetch_factor is not None and prefetch_factor < 0:
        raise ValueError("prefetch_factor option should be non-negative")
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")
    return prefetch_factor


def _warn_once_about_workers(num_workers: int) -> None:
    global _warned_about_workers
    if not _warned_about_workers:
        _warned_about_workers = True
        warnings.warn(_WORKERS_WARNING.format(num_workers), UserWarning, stacklevel=3)


class _DataLoaderIter:
    """One pass over a ``DataLoader``: pulls indices from its sampler, fetches, collates.

    With ``num_workers > 0`` it keeps torch's workers' lead on the sampler: ``prefetch_factor *
    num_workers`` batches of indices are taken at the start and one more after each batch, so
    random draws of the sampler happen when torch's happen.
    """

    def __init__(self, loader: DataLoader) -> None:
        self._dataset = loader.dataset
        self._iterable = loader._iterable
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._collate_fn = loader.collate_fn
        self._lead = loader.prefetch_factor * loader.num_workers if loader.num_workers else 0
        if loader.pin_memory:
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, then "
                          "device pinned memory won't be used.", UserWarning, stacklevel=3)
        self._sampler_iter = iter(self._index_sampler)
        # torch draws the workers' base seed on every pass, even with no workers: drawing it
        # keeps the random stream where torch's is.
        self._base_seed = tapegrad.empty((), dtype=tapegrad.int64).random_(
            generator=loader.generator).item()
        self._reset(loader, first=True)

    def _reset(self, loader: DataLoader, first: bool = False) -> None:
        """Start a new pass (a persistent-workers loader reuses its iterator this way)."""
        if not first:
            self._sampler_iter = iter(self._index_sampler)
        self._len_reported = loader._IterableDataset_len_called
        self._dataset_iter = iter(self._dataset) if self._iterable else None
        self._ended = False
        self._num_yielded = 0
        self._ahead: collections.deque = collections.deque()
        for _ in range(self._lead):
            self._take_index()

    def _take_index(self) -> None:
        try:
            self._ahead.append(next(self._sampler_iter))
        except StopIteration:
            pass

    def _next_index(self) -> Any:
        if not self._lead:
            return next(self._sampler_iter)
        if not self._ahead:
            raise StopIteration
        return self._ahead.popleft()

    def __iter__(self) -> "_DataLoaderIter":
        return self

    def __len__(self) -> int:
        return len(self._index_sampler)

    def __next__(self) -> Any:
        index = self._next_index()
        data = self._fetch_iterable(index) if self._iterable else self._fetch_map(index)
        if self._lead:
            self._take_index()
        self._num_yielded += 1
        if (self._iterable and self._len_reported is not None
                and self._num_yielded > self._len_reported):
            message = (f"Length of IterableDataset {self._dataset} was reported to be "
                       f"{self._len_reported}(when accessing len(dataloader)), but "
                       f"{self._num_yielded} samples have been fetched. ")
            if self._lead:
                message += ("For multiprocessing data-loading, this could be caused by not "
                            "properly configuring the IterableDataset replica at each worker. "
                            "Please see https://pytorch.org/docs/stable/data.html#torch.utils.data"
                            ".IterableDataset for examples.")
            warnings.warn(message, UserWarning, stacklevel=2)
        return data

    def _fetch_map(self, index: Any) -> Any:
        if not self._auto_collation:
            return self._collate_fn(self._dataset[index])
        if getattr(self._dataset, "__getitems__", None):
            samples = self._dataset.__getitems__(index)
        else:
            samples = [self._dataset[i] for i in index]
        return self._collate_fn(samples)

    def _fetch_iterable(self, index: Any) -> Any:
        if self._ended:
            raise StopIteration
        if not self._auto_collation:
            return self._collate_fn(next(self._dataset_iter))
        samples = []
        for _ in index:
            try:
                samples.append(next(self._dataset_iter))
            except StopIteration:
                self._ended = True
                break
        if not samples or (self._drop_last and len(samples) < len(index)):
            raise StopIteration
        return self._collate_fn(samples)
