"""W1's forward and backward cost per op, and a W6 step, for one library (A/B comparisons).

Run it in alternating processes to compare two versions of tapegrad (put a worktree of the
other commit first on ``PYTHONPATH``) or tapegrad with torch::

    git worktree add /tmp/before <commit>
    for i in 1 2 3; do
        PYTHONPATH=/tmp/before/src .venv/bin/python benchmarks/per_op.py
        .venv/bin/python benchmarks/per_op.py
    done
    .venv/bin/python benchmarks/per_op.py --torch

Times are the best of 7 rounds (W1: 20 runs of the 1,000-op loop, timed without and with
``backward()``; W6: 300 steps), one BLAS thread.
"""
from __future__ import annotations

import os
import sys
import time
from typing import Callable

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import workloads  # noqa: E402


def best(fn: Callable[[], object], runs: int, rounds: int = 7) -> float:
    """Seconds per call: the fastest of ``rounds`` rounds of ``runs`` calls, after warm-up."""
    for _ in range(3):
        fn()
    fastest = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(runs):
            fn()
        fastest = min(fastest, (time.perf_counter() - t0) / runs)
    return fastest


def main() -> None:
    if "--torch" in sys.argv:
        import torch as T
        T.set_num_threads(1)
        label = f"torch {T.__version__}"
    else:
        import tapegrad as T
        label = f"tapegrad from {os.path.dirname(os.path.dirname(T.__file__))}"
    x = T.tensor(workloads.W1_X0, requires_grad=True)

    def forward():
        return workloads.w1_chain(T, x).sum()

    fwd = best(forward, 20) * 1e6 / workloads.W1_OPS
    both = best(lambda: forward().backward(), 20) * 1e6 / workloads.W1_OPS
    w6_step, _ = workloads.w6_autograd(T)
    w6 = best(w6_step, 300) * 1e6
    print(f"{label}: W1 forward {fwd:.2f} backward {both - fwd:.2f} total {both:.2f} us/op; "
          f"W6 step {w6:.1f} us")


if __name__ == "__main__":
    main()
