"""Benchmark tapegrad against torch (CPU) and a hand-written NumPy floor.

Every workload is run for each available library in one process (except W4,
which measures peak memory and therefore runs each library in its own
subprocess).  Libraries are warmed up, then timed round-robin so that drift in
machine load affects all of them alike; the reported number is the median.

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
from typing import Any, Callable

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
RESULTS = HERE / "results"
LIBS = ("tapegrad", "torch", "numpy")

Step = Callable[[], Any]          # one timed iteration
GradFn = Callable[[], list]       # gradients (as NumPy arrays) at the initial state


def autograd_module(lib: str) -> ModuleType | None:
    """The torch-like module for ``lib`` (None for the NumPy floor or a missing torch)."""
    return {"tapegrad": tapegrad, "torch": torch}.get(lib)


def to_numpy(t: Any) -> np.ndarray:
    return np.array(t.detach().numpy(), copy=True)


# --------------------------------------------------------------------------------------
# W1: per-op overhead, 1,000 chained elementwise ops on a (4,) float64 tensor
# --------------------------------------------------------------------------------------
W1_OPS = 1000
W1_X0 = np.linspace(0.1, 0.9, 4)
# The cycle: y*0.9, y+0.1, sin(y), exp(0.5*y) (two ops: y*0.5 then exp), tanh(y).


def w1_autograd(T: ModuleType) -> tuple[Step, GradFn]:
    def run() -> Any:
        x = T.tensor(W1_X0, requires_grad=True)
        y = x
        for i in range(W1_OPS):
            k = i % 6
            if k == 0:
                y = y * 0.9
            elif k == 1:
                y = y + 0.1
            elif k == 2:
                y = T.sin(y)
            elif k == 3:
                y = y * 0.5
            elif k == 4:
                y = T.exp(y)
            else:
                y = T.tanh(y)
        y.sum().backward()
        return x.grad

    return run, lambda: [to_numpy(run())]


def w1_numpy() -> tuple[Step, GradFn]:
    def run() -> np.ndarray:
        y = W1_X0.copy()
        tape: list[tuple[int, np.ndarray | None]] = []
        for i in range(W1_OPS):
            k = i % 6
            if k == 0:
                tape.append((k, None)); y = y * 0.9
            elif k == 1:
                tape.append((k, None)); y = y + 0.1
            elif k == 2:
                tape.append((k, np.cos(y))); y = np.sin(y)
            elif k == 3:
                tape.append((k, None)); y = y * 0.5
            elif k == 4:
                y = np.exp(y); tape.append((k, y))
            else:
                y = np.tanh(y); tape.append((k, 1.0 - y * y))
        g = np.ones_like(y)
        for k, d in reversed(tape):
            if k == 0:
                g = g * 0.9
            elif k == 3:
                g = g * 0.5
            elif d is not None:
                g = g * d
        return g

    return run, lambda: [run()]


# --------------------------------------------------------------------------------------
# W2: MLP training step, 784-256-256-10, batch 128, float32
# --------------------------------------------------------------------------------------
W2_SIZES = (784, 256, 256, 10)
W2_BATCH = 128
W2_LR = 0.01


def w2_data() -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    params: list[np.ndarray] = []
    for fan_in, fan_out in zip(W2_SIZES[:-1], W2_SIZES[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, (fan_out,)).astype(np.float32))
    x = rng.standard_normal((W2_BATCH, W2_SIZES[0])).astype(np.float32)
    y = rng.integers(0, W2_SIZES[-1], W2_BATCH)
    return params, x, y


def w2_autograd(T: ModuleType) -> tuple[Step, GradFn]:
    init, xn, yn = w2_data()
    x, y = T.tensor(xn), T.tensor(yn)
    rows = T.arange(W2_BATCH)

    def make_params() -> list:
        return [T.tensor(p.copy(), requires_grad=True) for p in init]

    def loss_of(params: list) -> Any:
        h = x
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i + 2 < len(params):
                h = T.relu(h)
        logp = T.log_softmax(h, dim=1)
        return -(logp[rows, y]).mean()

    params = make_params()

    def step() -> None:
        loss_of(params).backward()
        with T.no_grad():
            for p in params:
                p -= W2_LR * p.grad
        for p in params:
            p.grad = None

    def grads() -> list:
        fresh = make_params()
        loss_of(fresh).backward()
        return [to_numpy(p.grad) for p in fresh]

    return step, grads


def w2_numpy_grads(params: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """Forward + manual backward of the MLP; returns d(loss)/d(param) for every param."""
    acts = [x]
    h = x
    n_layers = len(params) // 2
    for layer in range(n_layers):
        h = h @ params[2 * layer] + params[2 * layer + 1]
        if layer + 1 < n_layers:
            h = np.maximum(h, 0.0)
        acts.append(h)
    logits = acts[-1]
    shifted = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    probs /= probs.sum(axis=1, keepdims=True)
    g = probs
    g[np.arange(len(y)), y] -= 1.0
    g /= len(y)
    grads: list[np.ndarray] = [None] * len(params)  # type: ignore[list-item]
    for layer in reversed(range(n_layers)):
        a_in = acts[layer]
        grads[2 * layer] = a_in.T @ g
        grads[2 * layer + 1] = g.sum(axis=0)
        if layer > 0:
            g = (g @ params[2 * layer].T) * (a_in > 0)
    return grads


def w2_numpy() -> tuple[Step, GradFn]:
    init, x, y = w2_data()
    params = [p.copy() for p in init]

    def step() -> None:
        for p, g in zip(params, w2_numpy_grads(params, x, y)):
            p -= W2_LR * g

    return step, lambda: w2_numpy_grads([p.copy() for p in init], x, y)


# --------------------------------------------------------------------------------------
# W3: Hessian of the extended Rosenbrock function, n = 200 (float64)
# --------------------------------------------------------------------------------------
W3_N = 200
W3_X0 = np.random.default_rng(3).uniform(-1.0, 1.0, W3_N)


def rosenbrock(x: Any) -> Any:
    a, b = x[0::2], x[1::2]
    return (100.0 * (b - a * a) ** 2 + (1.0 - a) ** 2).sum()


def w3_autograd(T: ModuleType) -> tuple[Step, GradFn]:
    hessian = T.autograd.functional.hessian
    x = T.tensor(W3_X0)

    def run() -> Any:
        return hessian(rosenbrock, x)

    return run, lambda: [to_numpy(run())]


def w3_numpy() -> tuple[Step, GradFn]:
    def run() -> np.ndarray:
        a, b = W3_X0[0::2], W3_X0[1::2]
        h = np.zeros((W3_N, W3_N))
        i = np.arange(0, W3_N, 2)
        h[i, i] = 1200.0 * a * a - 400.0 * b + 2.0
        h[i, i + 1] = h[i + 1, i] = -400.0 * a
        h[i + 1, i + 1] = 200.0
        return h

    return run, lambda: [run()]


# --------------------------------------------------------------------------------------
# W5: Jacobian of f(x) = tanh(A @ x) * x, n = 200 (float64)
# --------------------------------------------------------------------------------------
W5_N = 200
_w5_rng = np.random.default_rng(5)
W5_A = _w5_rng.standard_normal((W5_N, W5_N)) / np.sqrt(W5_N)
W5_X0 = _w5_rng.standard_normal(W5_N)


def w5_autograd(T: ModuleType) -> tuple[Step, GradFn]:
    jacobian = T.autograd.functional.jacobian
    A, x = T.tensor(W5_A), T.tensor(W5_X0)

    def run() -> Any:
        return jacobian(lambda v: T.tanh(A @ v) * v, x)

    return run, lambda: [to_numpy(run())]


def w5_numpy() -> tuple[Step, GradFn]:
    def run() -> np.ndarray:
        t = np.tanh(W5_A @ W5_X0)
        jac = (W5_X0 * (1.0 - t * t))[:, None] * W5_A
        jac[np.diag_indices(W5_N)] += t
        return jac

    return run, lambda: [run()]


# --------------------------------------------------------------------------------------
# W6: small scalar MLP, 2-16-16-1 tanh, 50 points, MSE (float64)
# --------------------------------------------------------------------------------------
def w6_data() -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(6)
    sizes = (2, 16, 16, 1)
    params: list[np.ndarray] = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params.append(rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in))
        params.append(np.zeros(fan_out))
    x = rng.uniform(-1.0, 1.0, (50, 2))
    y = np.sin(3.0 * x[:, :1]) * x[:, 1:]
    return params, x, y


def w6_autograd(T: ModuleType) -> tuple[Step, GradFn]:
    init, xn, yn = w6_data()
    x, y = T.tensor(xn), T.tensor(yn)
    params = [T.tensor(p, requires_grad=True) for p in init]

    def run() -> list:
        for p in params:
            p.grad = None
        h = x
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i + 2 < len(params):
                h = T.tanh(h)
        ((h - y) ** 2).mean().backward()
        return [p.grad for p in params]

    return run, lambda: [to_numpy(g) for g in run()]


def w6_numpy() -> tuple[Step, GradFn]:
    params, x, y = w6_data()

    def run() -> list[np.ndarray]:
        acts = [x]
        h = x
        n_layers = len(params) // 2
        for layer in range(n_layers):
            h = h @ params[2 * layer] + params[2 * layer + 1]
            if layer + 1 < n_layers:
                h = np.tanh(h)
            acts.append(h)
        g = 2.0 * (h - y) / h.size
        grads: list[np.ndarray] = [None] * len(params)  # type: ignore[list-item]
        for layer in reversed(range(n_layers)):
            a_in = acts[layer]
            grads[2 * layer] = a_in.T @ g
            grads[2 * layer + 1] = g.sum(axis=0)
            if layer > 0:
                g = (g @ params[2 * layer].T) * (1.0 - a_in * a_in)
        return grads

    return run, run


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
    floor: Callable[[], tuple[Step, GradFn]]
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
    vs_torch: float | None = None
    vs_floor: float | None = None


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
        for lib, step in steps.items():            # round-robin
            t0 = time.perf_counter()
            step()
            rows[lib].samples.append(time.perf_counter() - t0)
    for lib, step in steps.items():
        rows[lib].value = statistics.median(rows[lib].samples) * w.scale
    if "numpy" in grads:
        for lib in grads:
            rows[lib].grad_ok = grads_match(grads[lib], grads["numpy"], w.rtol, w.atol)
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
        "| workload | library | time | unit | × torch | × NumPy floor | grad ok | notes |",
        "|---|---|---:|---|---:|---:|:---:|---|",
    ]
    for r in rows:
        ok = {True: "yes", False: "**NO**", None: "—"}[r.grad_ok]
        lines.append(
            f"| {r.workload} {titles[r.workload]} | {r.lib} | {fmt(r.value)} | {r.unit} | "
            f"{fmt(r.vs_torch)} | {fmt(r.vs_floor)} | {ok} | {r.note} |")
    lines.append("")
    lines.append("Times are medians over round-robin repeats after warm-up; "
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
    order = ["W1", "W2", "W3", "W4", "W5", "W6"]
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
