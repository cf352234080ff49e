"""Benchmark tapegrad against torch (CPU) and a hand-written NumPy floor.

Every workload is run for each available library in one process (except W4,
which measures peak memory and therefore runs each library in its own
subprocess).  Libraries are warmed up, then timed round-robin so that drift in
machine load affects all of them alike: each turn runs a block of BLOCK + 1
consecutive steps of one library.  The reported number is the median over the
steps that follow another step of the same library, as in a training loop; the
first step of each block, which runs on caches the other libraries evicted, is
reported apart ("cold").

The "NumPy floor" is the same computation written directly in NumPy with a
manually derived backward pass: no tape, no dispatch, no graph.  It is the
best a NumPy-based autograd could hope for, and its gradients are the
reference the "grad ok" column checks every library against.

Usage::

    python benchmarks/run.py            # full run (a few minutes)
    python benchmarks/run.py --quick    # smoke run (< 60 s)

Results go to ``benchmarks/results/latest.{md,json}``; the Markdown is also
printed to stdout.
"""
from __future__ import annotations

import os

# Pin every BLAS/OpenMP pool to one thread *before* NumPy or torch is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import datetime as _dt
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Callable

import numpy as np

# A W4 child process imports only the library it measures, so that its peak RSS is not
# inflated by another library's import.
_CHILD_LIB = sys.argv[sys.argv.index("--w4-child") + 1] if "--w4-child" in sys.argv else None

tapegrad: ModuleType | None = None
torch: ModuleType | None = None
if _CHILD_LIB in (None, "tapegrad"):
    import tapegrad
if _CHILD_LIB in (None, "torch"):
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:  # pragma: no cover - depends on the environment
        torch = None

HERE = Path(__file__).resolve().parent
BLOCK = 3  # timed steps per library per turn, after one cold step (see the docstring)
RESULTS = HERE / "results"
LIBS = ("tapegrad", "torch", "numpy")

from workloads import (GradFn, Step, W1_OPS, to_numpy, w1_autograd, w1_numpy,  # noqa: E402
                       w2_autograd, w2_numpy, w3_autograd, w3_numpy, w5_autograd, w5_numpy,
                       w6_autograd, w6_numpy)
from workloads_nn import w2n_autograd, w7_autograd, w8_autograd  # noqa: E402


def autograd_module(lib: str) -> ModuleType | None:
    """The torch-like module for ``lib`` (None for the NumPy floor or a missing torch)."""
    return {"tapegrad": tapegrad, "torch": torch}.get(lib)


# --------------------------------------------------------------------------------------
# W4: deep chain y = y * 1.0001 + 0.0001, run in a child process per library
# --------------------------------------------------------------------------------------
W4_SHAPE = (16,)


def peak_rss_kb() -> int:
    """Peak resident set size of this process in KiB.

    ``getrusage(RUSAGE_SELF).ru_maxrss`` is what we report, but on Linux it survives
    ``execve`` and a child started with vfork/posix_spawn inherits its *parent's* high-water
    mark (here: a process that has imported torch).  ``VmHWM`` in ``/proc/self/status``
    belongs to the new address space only, so we take it where it exists.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def w4_child(lib: str, n_ops: int) -> None:
    """Entry point of the W4 subprocess: prints one JSON line with time, RSS and grad."""
    rss_before = peak_rss_kb()
    x0 = np.linspace(-1.0, 1.0, W4_SHAPE[0]).astype(np.float32)
    t0 = time.perf_counter()
    if lib == "numpy":
        ys = [x0]
        for _ in range(n_ops):      # keep every intermediate, as a tape would
            ys.append(ys[-1] * np.float32(1.0001) + np.float32(0.0001))
        g = np.ones_like(x0)
        for _ in range(n_ops):
            g = g * np.float32(1.0001)
        grad = g
    else:
        T = autograd_module(lib)
        assert T is not None
        x = T.tensor(x0, requires_grad=True)
        y = x
        for _ in range(n_ops):
            y = y * 1.0001 + 0.0001
        y.sum().backward()
        grad = to_numpy(x.grad)
    seconds = time.perf_counter() - t0
    rss_after = peak_rss_kb()
    print(json.dumps({"seconds": seconds, "peak_rss_kb": rss_after,
                      "ru_maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                      "baseline_rss_kb": rss_before, "grad": grad.tolist()}))


def run_w4(n_ops: int, repeats: int, libs: list[str]) -> dict[str, dict]:
    runs: dict[str, list[dict]] = {lib: [] for lib in libs}
    for _ in range(repeats):
        for lib in libs:  # round-robin across libraries
            proc = subprocess.run(
                [sys.executable, __file__, "--w4-child", lib, str(n_ops)],
                capture_output=True, text=True, env=os.environ.copy())
            if proc.returncode != 0:
                runs[lib].append({"error": proc.stderr.strip().splitlines()[-1:]})
                continue
            runs[lib].append(json.loads(proc.stdout.strip().splitlines()[-1]))
    out: dict[str, dict] = {}
    for lib, rs in runs.items():
        ok = [r for r in rs if "error" not in r]
        if not ok:
            out[lib] = {"error": rs[0]["error"] if rs else "no run"}
            continue
        out[lib] = {
            "seconds": statistics.median(r["seconds"] for r in ok),
            "peak_rss_kb": max(r["peak_rss_kb"] for r in ok),
            "baseline_rss_kb": max(r["baseline_rss_kb"] for r in ok),
            "grad": np.array(ok[0]["grad"], dtype=np.float32),
            "samples": [r["seconds"] for r in ok],
        }
    return out


# --------------------------------------------------------------------------------------
# Harness
# --------------------------------------------------------------------------------------
@dataclass
class Workload:
    key: str
    title: str
    unit: str                                  # "us/op", "ms", "s"
    scale: float                               # seconds -> unit
    autograd: Callable[[ModuleType], tuple[Step, GradFn]]
    floor: Callable[[], tuple[Step, GradFn]] | None   # None: gradients checked against torch
    repeats: tuple[int, int]                   # (quick, full)
    rtol: float
    atol: float
    needs_functional: bool = False


@dataclass
class Row:
    workload: str
    lib: str
    value: float | None = None
    unit: str = ""
    grad_ok: bool | None = None
    note: str = ""
    samples: list[float] = field(default_factory=list)
    cold_samples: list[float] = field(default_factory=list)  # first step after another library
    vs_torch: float | None = None
    vs_floor: float | None = None
    cold_value: float | None = None  # median of the first steps of the blocks
    cold_vs_floor: float | None = None


WORKLOADS = [
    Workload("W1", "per-op overhead (1,000 elementwise ops, (4,) f64)", "us/op",
             1e6 / W1_OPS, w1_autograd, w1_numpy, (5, 40), 1e-6, 1e-9),
    Workload("W2", "MLP step 784-256-256-10, batch 128, f32", "ms",
             1e3, w2_autograd, w2_numpy, (5, 40), 1e-3, 1e-5),
    Workload("W3", "Hessian, ext. Rosenbrock n=200, f64", "ms",
             1e3, w3_autograd, w3_numpy, (3, 15), 1e-6, 1e-8, needs_functional=True),
    Workload("W5", "Jacobian, tanh(A@x)*x n=200, f64", "ms",
             1e3, w5_autograd, w5_numpy, (3, 15), 1e-6, 1e-8, needs_functional=True),
    Workload("W6", "scalar MLP 2-16-16-1 tanh, 50 pts, f64", "ms",
             1e3, w6_autograd, w6_numpy, (20, 200), 1e-6, 1e-9),
    Workload("W2n", "W2 with nn.Linear, nn.CrossEntropyLoss, optim.SGD", "ms",
             1e3, w2n_autograd, w2_numpy, (5, 40), 1e-3, 1e-5),
    Workload("W7", "GPT-style char model step (2 blocks, 4 heads, width 64, batch 32x16), AdamW",
             "ms", 1e3, w7_autograd, None, (5, 30), 1e-3, 1e-5),
    Workload("W8", "LeNet-5 step (D2L 7.6), batch 64 of 1x28x28, f32, SGD", "ms", 1e3,
             w8_autograd, None, (5, 30), 1e-3, 1e-5),
]


def has_functional(T: ModuleType) -> bool:
    fn = getattr(getattr(T, "autograd", None), "functional", None)
    return fn is not None and hasattr(fn, "hessian") and hasattr(fn, "jacobian")


def grads_match(got: list[np.ndarray], ref: list[np.ndarray], rtol: float, atol: float) -> bool:
    return len(got) == len(ref) and all(
        g.shape == r.shape and np.allclose(g, r, rtol=rtol, atol=atol) for g, r in zip(got, ref))


def run_workload(w: Workload, quick: bool) -> list[Row]:
    rows = {lib: Row(w.key, lib, unit=w.unit) for lib in LIBS}
    steps: dict[str, Step] = {}
    grads: dict[str, list[np.ndarray]] = {}
    for lib in LIBS:
        T = autograd_module(lib)
        if lib == "torch" and T is None:
            rows[lib].note = "not installed"
            continue
        if lib == "numpy":
            if w.floor is None:
                rows[lib].note = "no floor for this workload"
                continue
            step, grad_fn = w.floor()
        elif w.needs_functional and not has_functional(T):
            rows[lib].note = f"not implemented in {lib} yet"
            continue
        else:
            step, grad_fn = w.autograd(T)
        try:
            grads[lib] = grad_fn()
            step(); step()                         # warm-up
        except Exception as exc:                   # a library bug should not kill the run
            rows[lib].note = f"error: {type(exc).__name__}: {exc}"[:120]
            continue
        steps[lib] = step
    repeats = w.repeats[0 if quick else 1]
    for _ in range(repeats):
        for lib, step in steps.items():            # round-robin, one block per library
            for i in range(BLOCK + 1):
                t0 = time.perf_counter()
                step()
                took = time.perf_counter() - t0
                # The first step of a block refills the caches the other libraries evicted;
                # a training loop runs its steps back to back, so that one is kept apart.
                (rows[lib].samples if i else rows[lib].cold_samples).append(took)
    for lib, step in steps.items():
        rows[lib].value = statistics.median(rows[lib].samples) * w.scale
        rows[lib].cold_value = statistics.median(rows[lib].cold_samples) * w.scale
    reference = "numpy" if w.floor is not None else "torch"
    if reference in grads:
        for lib in grads:
            rows[lib].grad_ok = grads_match(grads[lib], grads[reference], w.rtol, w.atol)
    return list(rows.values())


def w4_rows(quick: bool) -> list[Row]:
    n_ops = 20_000 if quick else 100_000
    libs = [lib for lib in LIBS if not (lib == "torch" and torch is None)]
    res = run_w4(n_ops, 1 if quick else 3, libs)
    rows: list[Row] = []
    ref = res.get("numpy", {}).get("grad")
    for lib in LIBS:
        row = Row("W4", lib, unit="s")
        if lib not in res:
            row.note = "not installed"
        elif "error" in res[lib]:
            row.note = f"error: {res[lib]['error']}"[:120]
        else:
            r = res[lib]
            row.value = r["seconds"]
            row.samples = r["samples"]
            row.note = (f"peak RSS {r['peak_rss_kb'] / 1024:.0f} MiB "
                        f"(+{(r['peak_rss_kb'] - r['baseline_rss_kb']) / 1024:.0f} MiB over import)")
            if ref is not None:
                row.grad_ok = bool(np.allclose(r["grad"], ref, rtol=1e-3, atol=1e-6))
        rows.append(row)
    return rows


def add_ratios(rows: list[Row]) -> None:
    by_key: dict[str, dict[str, Row]] = {}
    for r in rows:
        by_key.setdefault(r.workload, {})[r.lib] = r
    for libs in by_key.values():
        t = libs.get("torch")
        f = libs.get("numpy")
        for r in libs.values():
            if r.value is None:
                continue
            if t is not None and t.value:
                r.vs_torch = r.value / t.value
            if f is not None and f.value:
                r.vs_floor = r.value / f.value
            if f is not None and f.cold_value and r.cold_value:
                r.cold_vs_floor = r.cold_value / f.cold_value


def machine_info() -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "threads": "1 (pinned)",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__ if torch is not None else "not installed",
        "tapegrad": getattr(tapegrad, "__version__", "?"),
    }


def fmt(v: float | None, digits: int = 3) -> str:
    if v is None:
        return "—"
    return f"{v:.{digits}g}" if abs(v) < 1000 else f"{v:,.0f}"


def to_markdown(info: dict[str, str], rows: list[Row], titles: dict[str, str], quick: bool) -> str:
    lines = [
        f"# tapegrad benchmarks{' (quick)' if quick else ''}",
        "",
        *(f"- **{k}**: {v}" for k, v in info.items()),
        "",
        "| workload | library | time | unit | × torch | × NumPy floor | cold × floor | grad ok "
        "| notes |",
        "|---|---|---:|---|---:|---:|---:|:---:|---|",
    ]
    for r in rows:
        ok = {True: "yes", False: "**NO**", None: "—"}[r.grad_ok]
        lines.append(
            f"| {r.workload} {titles[r.workload]} | {r.lib} | {fmt(r.value)} | {r.unit} | "
            f"{fmt(r.vs_torch)} | {fmt(r.vs_floor)} | {fmt(r.cold_vs_floor)} | {ok} | {r.note} |")
    lines.append("")
    lines.append(f"Times are medians over round-robin blocks of {BLOCK + 1} steps per library "
                 "after warm-up, leaving out each block's first step; *cold × floor* compares "
                 "those first steps, run right after another library evicted the caches. "
                 "W4 runs each library in its own process.")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repeats (< 60 s)")
    parser.add_argument("--only", help="comma-separated workload keys, e.g. W1,W4")
    parser.add_argument("--w4-child", nargs=2, metavar=("LIB", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.w4_child:
        w4_child(args.w4_child[0], int(args.w4_child[1]))
        return

    only = set(args.only.split(",")) if args.only else None
    titles = {w.key: w.title for w in WORKLOADS}
    n_w4 = 20_000 if args.quick else 100_000
    titles["W4"] = f"deep chain {n_w4:,} ops, (16,) f32"
    rows: list[Row] = []
    for w in WORKLOADS:
        if only is None or w.key in only:
            print(f"running {w.key} ...", file=sys.stderr, flush=True)
            rows.extend(run_workload(w, args.quick))
    if only is None or "W4" in only:
        print("running W4 ...", file=sys.stderr, flush=True)
        rows.extend(w4_rows(args.quick))
    order = ["W1", "W2", "W2n", "W3", "W4", "W5", "W6", "W7", "W8"]
    rows.sort(key=lambda r: (order.index(r.workload), LIBS.index(r.lib)))
    add_ratios(rows)

    info = machine_info()
    md = to_markdown(info, rows, titles, args.quick)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.md").write_text(md)
    payload = {
        "machine": info,
        "quick": args.quick,
        "rows": [{**{k: v for k, v in r.__dict__.items()}, "title": titles[r.workload]}
                 for r in rows],
    }
    (RESULTS / "latest.json").write_text(json.dumps(payload, indent=2))
    print(md)


if __name__ == "__main__":
    main()
