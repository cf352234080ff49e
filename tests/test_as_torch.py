"""``tapegrad.as_torch()`` and ``%load_ext tapegrad``: ``import torch`` gives tapegrad everywhere,
in the caller and in the libraries it imports, until it is undone."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path


def _run(tmp_path: Path, code: str) -> subprocess.CompletedProcess:
    # a library of the user's that imports torch itself (as D2L's d2l package does)
    (tmp_path / "userlib.py").write_text("import torch\nfrom torch import nn\n"
                                         "def which():\n    return torch.__name__, torch.tensor\n")
    script = tmp_path / "main.py"
    script.write_text(textwrap.dedent(code))
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)


def test_as_torch_reaches_libraries_and_is_undone(tmp_path: Path) -> None:
    proc = _run(tmp_path, """\
        import tapegrad
        tapegrad.as_torch()
        import torch, userlib
        print(torch.tensor is tapegrad.tensor, userlib.which()[1] is tapegrad.tensor)
        print(userlib.nn.functional.__name__ == "torch.nn.functional")
        tapegrad.as_torch(False)
        import sys
        print(any(k == "torch" or k.startswith("torch.") for k in sys.modules))
        import torch as real
        print(real.tensor is tapegrad.tensor)
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "True", "True", "False", "False"]


def test_ipython_extension_hooks(tmp_path: Path) -> None:
    proc = _run(tmp_path, """\
        import tapegrad
        tapegrad.load_ipython_extension(None)      # what %load_ext tapegrad calls
        tapegrad.load_ipython_extension(None)      # twice is harmless
        import torch
        print(torch.zeros(2).dtype)
        tapegrad.unload_ipython_extension(None)    # %unload_ext tapegrad
        import torch
        print(torch.zeros(2).__class__.__module__)
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["tapegrad.float32", "torch"]
