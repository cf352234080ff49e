"""``torch.utils.data``: datasets, samplers and ``DataLoader``.

One family per module, as in torch: ``dataset`` (``Dataset``, ``TensorDataset``, ``Subset``,
``random_split``, ...), ``sampler`` (``RandomSampler``, ``BatchSampler``, ...), ``dataloader``
(``DataLoader``) and ``_collate`` (``default_collate``, ``default_convert``).  Built on
tapegrad's public API; shuffling draws from tapegrad's generators in torch's order, so the same
seed gives the same batches as torch.
"""
from . import dataloader, dataset, sampler  # noqa: F401
from ._collate import default_collate, default_convert
from .dataloader import DataLoader, get_worker_info
from .dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, Subset,
                      TensorDataset, random_split)
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler,
                      SubsetRandomSampler, WeightedRandomSampler)

__all__ = ["BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset",
           "IterableDataset", "RandomSampler", "Sampler", "SequentialSampler", "StackDataset",
           "Subset", "SubsetRandomSampler", "TensorDataset", "WeightedRandomSampler",
           "default_collate", "default_convert", "get_worker_info", "random_split"]
