"""``torch.utils.tensorboard``: ``SummaryWriter`` writing TensorBoard event files.

It needs the ``tensorboard`` package (``pip install "tapegrad[tensorboard]"``); without it,
importing this module fails as torch's does (``No module named 'tensorboard'``).
"""
import tensorboard  # noqa: F401  (the same ImportError as torch when it is missing)

from .writer import FileWriter, SummaryWriter

__all__ = ["FileWriter", "SummaryWriter"]
