"""Book and tutorial scripts written for PyTorch run under tapegrad and print what torch printed.

Each ``tests/scripts/NAME.py`` does ``import torch``; ``NAME.expected`` is the output real
torch 2.13 printed for it (stdout and stderr).  Here the script runs with ``torch`` mapped to
``tapegrad``; every line must match, numbers to a relative 1e-4.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = sorted(Path(__file__).parent.joinpath("scripts").glob("*.py"))
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*(?:e[-+]?\d+)?|\.\d+(?:e[-+]?\d+)?|inf|nan)", re.I)
ALIAS = '''
import importlib, importlib.abc, importlib.util, sys
class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            real = importlib.import_module("tapegrad" + name[5:])
            return importlib.util.spec_from_loader(name, _Loader(real))
class _Loader(importlib.abc.Loader):
    def __init__(self, module): self.module = module
    def create_module(self, spec): return self.module
    def exec_module(self, module): pass
sys.meta_path.insert(0, _Finder())
'''


def _same_line(want: str, got: str, rtol: float = 1e-4) -> bool:
    if want == got:
        return True
    if NUMBER.sub("#", want) != NUMBER.sub("#", got):
        return False
    for a, b in zip(NUMBER.findall(want), NUMBER.findall(got)):
        x, y = float(a), float(b)
        if x != y and not (x != x and y != y) and abs(x - y) > rtol * max(abs(x), abs(y)):
            return False
    return True


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_script_prints_what_torch_printed(script: Path, tmp_path: Path) -> None:
    (tmp_path / "sitecustomize.py").write_text(ALIAS)
    env = dict(os.environ, PYTHONPATH=str(tmp_path), PYTHONWARNINGS="default", PYTHONHASHSEED="0")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=300)
    got = (proc.stdout + proc.stderr).replace(str(script), "SCRIPT")
    got = got.replace("tapegrad", "torch").splitlines()
    want = script.with_suffix(".expected").read_text().splitlines()
    assert proc.returncode == 0, proc.stderr
    assert len(got) == len(want), "\n".join(got)
    for i, (w, g) in enumerate(zip(want, got)):
        assert _same_line(w.rstrip(), g.rstrip()), f"line {i + 1}:\n torch:    {w}\n tapegrad: {g}"
