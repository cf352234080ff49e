"""Cost of drawing 10**6 float32 uniforms and normals: tapegrad against NumPy's own generators
(and torch, for reference), timed side by side, round-robin, in one process.

tapegrad reproduces torch's stream (MT19937 words, torch's Box-Muller with the float32 Cephes
polynomials of its AVX2 kernel), so its floor is NumPy's MT19937 word rate plus that arithmetic;
the issue's target is at most 2x NumPy's own generator for the same count.

Usage::

    python benchmarks/random_draws.py [--repeat 15]
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import statistics
import time
from typing import Callable

import numpy as np

import tapegrad

try:
    import torch
    torch.set_num_threads(1)
except ImportError:  # torch is a dev dependency only
    torch = None

N = 10 ** 6


def contenders() -> dict[str, dict[str, Callable[[], object]]]:
    pcg = np.random.default_rng(0)
    legacy = np.random.RandomState(0)
    tapegrad.manual_seed(0)
    table = {
        "uniform": {"tapegrad": lambda: tapegrad.rand(N),
                    "numpy default_rng (PCG64)": lambda: pcg.random(N, dtype=np.float32),
                    "numpy RandomState (MT19937)": lambda: legacy.random_sample(N)},
        "normal": {"tapegrad": lambda: tapegrad.randn(N),
                   "numpy default_rng (PCG64)": lambda: pcg.standard_normal(N, dtype=np.float32),
                   "numpy RandomState (MT19937)": lambda: legacy.standard_normal(N)},
    }
    if torch is not None:
        table["uniform"]["torch"] = lambda: torch.rand(N)
        table["normal"]["torch"] = lambda: torch.randn(N)
    return table


def measure(repeat: int) -> dict[str, dict[str, float]]:
    """Median milliseconds per call, each contender timed in turn ``repeat`` times."""
    results = {}
    for kind, fns in contenders().items():
        samples: dict[str, list[float]] = {name: [] for name in fns}
        for fn in fns.values():
            fn()  # warm-up
        for _ in range(repeat):
            for name, fn in fns.items():
                start = time.perf_counter()
                fn()
                samples[name].append((time.perf_counter() - start) * 1e3)
        results[kind] = {name: statistics.median(s) for name, s in samples.items()}
    return results


def report(results: dict[str, dict[str, float]]) -> str:
    lines = ["| draw (10**6 float32) | contender | ms | tapegrad ÷ contender |",
             "|---|---|---|---|"]
    for kind, times in results.items():
        ours = times["tapegrad"]
        for name, ms in times.items():
            ratio = "" if name == "tapegrad" else f"{ours / ms:.2f}x"
            lines.append(f"| {kind} | {name} | {ms:.2f} | {ratio} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    print(report(measure(args.repeat)))


if __name__ == "__main__":
    main()
