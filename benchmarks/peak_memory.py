"""Peak memory of W7 (GPT-style step) and W8 (LeNet step) per library, each in its own process.

A child imports only its library, records its resident set size after import and after model
construction, runs 30 training steps and reports its peak RSS (``ru_maxrss``). Usage::

    python benchmarks/peak_memory.py
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import importlib
import json
import resource
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
STEPS = 30


def _rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


WORKLOADS = {"W7": "w7_autograd", "W8": "w8_autograd"}


def child(lib: str, workload: str) -> None:
    module = importlib.import_module(lib)
    if lib == "torch":
        module.set_num_threads(1)
    sys.path.insert(0, str(HERE))
    import workloads_nn
    baseline = _rss_kb()
    step, _ = getattr(workloads_nn, WORKLOADS[workload])(module)
    for _ in range(STEPS):
        step()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"lib": lib, "baseline_kb": baseline, "peak_kb": peak}))


def main() -> None:
    rows = []
    for workload in WORKLOADS:
        for lib in ("tapegrad", "torch"):
            proc = subprocess.run([sys.executable, __file__, "--child", lib, workload],
                                  capture_output=True, text=True)
            if proc.returncode:
                why = (proc.stderr.strip().splitlines() or ["?"])[-1][:80]
                rows.append(f"| {workload} | {lib} | not measured: {why} | |")
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            rows.append(f"| {workload} | {lib} | {r['peak_kb'] / 1024:.0f} MiB | "
                        f"+{(r['peak_kb'] - r['baseline_kb']) / 1024:.0f} MiB |")
    print(f"| workload ({STEPS} steps) | library | peak RSS | over import |\n|---|---|---|---|\n"
          + "\n".join(rows))


if __name__ == "__main__":
    if "--child" in sys.argv:
        child(*sys.argv[sys.argv.index("--child") + 1:][:2])
    else:
        main()
