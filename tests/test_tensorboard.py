"""``tapegrad.utils.tensorboard.SummaryWriter`` writes the events torch's writes: the same
summaries (scalars, groups of scalars, histograms with torch's default buckets, text) with the
same steps, read back with TensorBoard's own event loader."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tapegrad as tg

torch = pytest.importorskip("torch")
pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader  # noqa: E402


def _log(module, writer_cls, log_dir: Path) -> None:
    values = module.tensor(np.linspace(-3, 5, 200, dtype=np.float32))
    with writer_cls(str(log_dir)) as writer:
        for step in range(4):
            writer.add_scalar("loss", 1.0 / (step + 1), step, walltime=100.0 + step)
        writer.add_scalar("exact", module.tensor(0.25, dtype=module.float64), 7, walltime=1.0,
                          new_style=True, double_precision=True)
        writer.add_scalars("train/curves", {"a": 1.5, "b": module.tensor(2.5)}, 3, walltime=5.0)
        writer.add_histogram("weights", values, 2, walltime=6.0)
        writer.add_histogram("coarse", values, 2, bins=10, walltime=6.0, max_bins=4)
        writer.add_text("note", "hello **world**", 1, walltime=7.0)


def _events(log_dir: Path) -> dict[str, list]:
    """Every event file under ``log_dir`` (by subdirectory), without the file-version record."""
    found = {}
    for path in sorted(log_dir.rglob("events.out.tfevents.*")):
        records = [e for e in EventFileLoader(str(path)).Load() if not e.file_version]
        found[str(path.parent.relative_to(log_dir))] = [e.SerializeToString() for e in records]
    return found


def test_events_match_torchs(tmp_path: Path) -> None:
    from torch.utils.tensorboard import SummaryWriter as TorchWriter
    from tapegrad.utils.tensorboard import SummaryWriter
    _log(tg, SummaryWriter, tmp_path / "ours")
    _log(torch, TorchWriter, tmp_path / "theirs")
    ours, theirs = _events(tmp_path / "ours"), _events(tmp_path / "theirs")
    assert sorted(ours) == sorted(theirs) == [".", "train_curves_a", "train_curves_b"]
    assert ours == theirs


def test_scalar_must_hold_one_value(tmp_path: Path) -> None:
    from tapegrad.utils.tensorboard import SummaryWriter
    with SummaryWriter(str(tmp_path)) as writer, pytest.raises(AssertionError,
                                                               match="one element"):
        writer.add_scalar("x", tg.ones(3))
