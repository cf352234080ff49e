"""conv2d forward + backward at a ResNet-like shape (batch 32, 64 -> 64 channels, 56x56, 3x3,
padding 1), float32, tapegrad and torch side by side on one thread. Usage::

    python benchmarks/conv2d.py [--repeat 7]
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import statistics
import time

import numpy as np

import tapegrad

try:
    import torch
    torch.set_num_threads(1)
except ImportError:
    torch = None


def step_for(T):
    rng = np.random.default_rng(0)
    x = T.tensor(rng.standard_normal((32, 64, 56, 56), dtype=np.float32), requires_grad=True)
    w = T.tensor(rng.standard_normal((64, 64, 3, 3), dtype=np.float32) * 0.05,
                 requires_grad=True)

    def step():
        T.nn.functional.conv2d(x, w, padding=1).sum().backward()
        x.grad = w.grad = None
    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    steps = {"tapegrad": step_for(tapegrad)}
    if torch is not None:
        steps["torch"] = step_for(torch)
    times = {name: [] for name in steps}
    for step in steps.values():
        step()
    for _ in range(args.repeat):
        for name, step in steps.items():
            t = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - t)
    medians = {name: statistics.median(v) * 1e3 for name, v in times.items()}
    line = " | ".join(f"{name} {ms:.0f} ms" for name, ms in medians.items())
    ratio = f" | tapegrad / torch {medians['tapegrad'] / medians['torch']:.2f}x" if "torch" in medians else ""
    print(f"conv2d (32, 64, 56, 56) * (64, 64, 3, 3), padding 1, forward + backward: {line}{ratio}")


if __name__ == "__main__":
    main()
