"""Regenerate ``torch_names.json``: torch's user-facing names, the yardstick of
``tests/test_surface_coverage.py``.

Run with real torch installed: ``python tests/surface/list_torch_names.py``.  The lists are
frozen in the JSON (so the test does not depend on the installed torch's extras), per
namespace: Tensor methods, ``torch.*`` functions, ``torch.linalg``, ``torch.special``.

Left out, as in the issue that set the target: devices (cuda, mps, xpu, ...), quantized,
sparse, nested and named tensors, the JIT/compiler/export/FX internals, storages and memory
sharing, backend-specific kernels (cudnn_, mkldnn_, fbgemm_, native_, fused_, _backward), and
the ``torch.*`` functions torch 2.x has removed (they only raise).
"""
from __future__ import annotations

import json
import re
import sys
import types
from pathlib import Path

import torch

_LEFT_OUT = re.compile("|".join([
    r"cuda", r"cudnn", r"miopen", r"mkldnn", r"fbgemm", r"mps", r"xpu", r"ipu", r"hpu", r"mtia",
    r"vulkan", r"xla", r"hip", r"meta", r"quantiz", r"^q_", r"qscheme", r"int_repr",
    r"dequantize", r"sparse", r"nested", r"coalesce", r"crow", r"ccol", r"col_indices",
    r"row_indices", r"^indices", r"^values", r"_nnz", r"names$", r"rename", r"refine_names",
    r"align_to", r"align_as", r"has_names", r"pin_memory", r"is_pinned", r"share_memory",
    r"storage", r"untyped", r"data_ptr", r"record_stream", r"is_shared", r"is_set_to", r"^set_$",
    r"jit", r"fork", r"^wait$", r"script", r"trace", r"compile", r"export", r"^fx", r"onnx",
    r"lazy", r"functorch", r"dynamo", r"inductor", r"segment_reduce", r"batch_norm_", r"native_",
    r"fused_", r"_backward", r"affine_grid_generator", r"is_conj", r"is_neg", r"resolve_",
    r"conj_physical", r"to_padded", r"dense_dim", r"sym_", r"_foreach", r"ipc",
    r"is_inference", r"module_load", r"rrelu_with", r"gru_cell", r"lstm_cell", r"rnn_tanh_cell",
    r"rnn_relu_cell", r"channel_shuffle", r"choose_qparams", r"from_file", r"smm", r"sspaddmm",
    r"saddmm", r"hspmm", r"spmm", r"cpp", r"classes", r"^ops$", r"library", r"overrides",
    r"profiler", r"autocast", r"distributed", r"testing", r"^utils$", r"import_ir_module",
    r"parse_ir", r"parse_schema", r"parse_type_comment", r"merge_type_from_type_comment",
    r"unify_type_list", r"get_file_path", r"prepare_multiprocessing_environment",
    r"thread_safe_generator", r"classproperty", r"while_loop", r"init_num_threads",
    r"hash_tensor", r"slice_inverse"]))
# Removed in torch 2.x (calling them only raises an error naming the replacement), and
# torch.cond, the control-flow operator of torch.compile (linalg.cond stays).
_REMOVED = {"solve", "eig", "lstsq", "symeig", "reinforce", "matrix_rank", "cond"}


def _public(names, removed=frozenset()) -> list[str]:
    return sorted(n for n in set(names)
                  if not n.startswith("_") and not _LEFT_OUT.search(n) and n not in removed)


def _callables(namespace) -> list[str]:
    return [n for n, v in vars(namespace).items() if callable(v) and not isinstance(v, type)]


def main() -> None:
    tensor = [n for n in dir(torch.Tensor) if callable(getattr(torch.Tensor, n, None))]
    toplevel = [n for n, v in vars(torch).items()
                if isinstance(v, (types.FunctionType, types.BuiltinFunctionType))]
    names = {"torch_version": torch.__version__.split("+")[0],
             "tensor": _public(tensor, _REMOVED), "torch": _public(toplevel, _REMOVED),
             "linalg": _public(_callables(torch.linalg)),
             "special": _public(_callables(torch.special))}
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("torch_names.json")
    out.write_text(json.dumps(names, indent=1) + "\n")
    print({k: len(v) for k, v in names.items() if k != "torch_version"})


if __name__ == "__main__":
    main()
