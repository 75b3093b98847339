"""``python -m microtensor.coverage [--check]``: which of PyTorch's public names microtensor has.

With PyTorch installed, lists the public names of ``torch``, ``torch.Tensor``, ``torch.nn`` (its modules),
``torch.nn.functional``, ``torch.optim`` (and ``lr_scheduler``), ``torch.linalg``, ``torch.special``,
``torch.distributions`` and ``torch.utils.data``, sets aside the groups that will not apply (each with its
reason), and writes ``docs/coverage.md``: per namespace the count, the share microtensor has, the missing
names and the names it has. ``--check`` writes nothing and exits 1 when the file on disk differs from what
it would write (tests/test_coverage.py runs it whenever PyTorch is present).
"""
from __future__ import annotations

import argparse
import importlib
import inspect
import pathlib
import re
import sys
from dataclasses import dataclass, field
from typing import Any

OUT = pathlib.Path(__file__).resolve().parent.parent / "docs" / "coverage.md"

# (name pattern, reason): public torch names that microtensor does not aim to have, one reason per group
NOT_APPLICABLE: list[tuple[str, str]] = [
    (r"cuda|cudnn|miopen|mkldnn|onednn|\bmps|_mps|xpu|hip|vulkan|fbgemm|nnpack|mtia|nccl|^is_vulkan|ipu$|"
     r"^is_maia$|^is_xla$",
     "GPU and vendor back-end internals: microtensor computes with NumPy on the CPU"),
    (r"quantiz|fake_quant|^q_|qint|quint|int_repr|per_channel|per_tensor|^fake_",
     "quantization: integer-quantized kernels are out of scope"),
    (r"sparse_(csr|csc|bsr|bsc)|crow_indices|col_indices|ccol_indices|row_indices|compressed|^to_sparse_(csr|csc|bsr|bsc)"
     r"|^sspaddmm|^smm$|^hspmm|^sparse_resize|^sparse_mask|^is_sparse_csr|^saddmm",
     "sparse layouts other than COO (CSR, CSC, BSR, BSC)"),
    (r"complex|cfloat|cdouble|chalf|^conj|view_as_real|view_as_complex|^angle$|^polar$|^real$|^imag$|is_neg|"
     r"resolve_neg|fft|stft|istft|_window$|^eig$|^eigvals$",
     "complex numbers and Fourier transforms (and eig/eigvals, complex even for real input): not supported for now"),
    (r"^jit$|Script|script|^Graph|^Node$|^Block$|^Value$|^Use$|^Code$|FileCheck|Tracing|Schema|^Argument|"
     r"AliasDb|^Future$|^fork$|^wait$|Type$|^Sym|^sym_|Capsule|DeepCopyMemoTable|LoggerBase|OperatorInfo|"
     r"StaticModule|^Tag$|TorchFunction|^export|^compiled_with|^Aggregation|^ConcreteModuleType|^ErrorReport|"
     r"^ExcludeDispatchKeyGuard|^DispatchKey|^BenchmarkConfig|^BenchmarkExecutionStats|^ThroughputBenchmark|"
     r"^IODescriptor|^PyTorchFileReader|^PyTorchFileWriter|^ModuleDict$|^ParameterDict$|^BufferDict$|^CallStack|"
     r"^CompilationUnit|^InferredType|^LiteScriptModule|^LockingLogger|^NoopLogger|^ScriptMethod|^Stream|^Event$|"
     r"^AcceleratorError|^OutOfMemoryError|^AVG$|^DictType|^ListType|^TupleType|^OptionalType|^UnionType|"
     r"^FutureType|^InterfaceType|^ClassType|^EnumType|^Gradient$|^typename$|^vmap$|^func$|^library|^overrides|"
     r"^CompleteArgumentSpec|^ExecutionPlan|^FatalError|^JITException|^PRIVATE_OPS$|^SUM$|^StorageBase|"
     r"^TYPE_CHECKING$|^classproperty$|StorageContext|^get_file_path$|^parse_type_comment$|^jagged$|"
     r"^prepare_multiprocessing_environment$|^thread_safe_generator$|^init_num_threads$|^hash_tensor$|"
     r"^norm_except_dim$|^unsafe_|^slice_inverse$|^nonzero_static$|^hsmm$|^dsmm$|^resize_as_sparse_$|^qscheme$|"
     r"^handle_torch_function$|^boolean_dispatch$|^assert_int_or_pair$|grouped_mm$|^scaled_mm$|^common_args$|"
     r"^common_notes$|^multi_dim_common$|"
     r"^classes|^ops$|^return_types|^unify_type_list|^merge_type_from_type_comment|^parse_ir|^parse_schema|"
     r"^import_ir_module|^cpp$|^USE_|^has_|^is_anomaly|^autocast_|^clear_autocast|^get_autocast|^set_autocast|"
     r"_autocast_|^is_autocast|^fork|^get_device_module|^is_inference$|^is_warn_always|^set_warn_always",
     "TorchScript, FX, dispatcher and build internals"),
    (r"Storage$|storage|channels_last|preserve_format|contiguous_format|memory_format|pin_memory|is_pinned|"
     r"data_ptr|share_memory|is_shared|from_file|^set_$|^record_stream|^nbytes$|^itemsize$",
     "storage and memory-format internals: NumPy arrays hold the memory"),
    (r"_backward|_copy$|_stats$|^batch_norm_|^native_|_jvp$|^affine_grid_generator|^conv_tbc|^embedding_renorm_|"
     r"^fused|_gather_stats|^rnn_tanh$|^rnn_relu$|^gru$|^lstm$|^quantile_|^segment_reduce|^convolution$|"
     r"^cudnn|^miopen|^_|_out$|^choose_qparams|^constant_pad_nd$|^instance_norm$|^group_norm$|^layer_norm$|"
     r"^batch_norm$|^bilinear$|^embedding$|^embedding_bag$|^ctc_loss$|^dropout_$|^alpha_dropout_$|"
     r"^feature_dropout_$|^feature_alpha_dropout_$|^adaptive_max_pool1d$|^max_pool1d_with_indices$|^pdist$|"
     r"^prelu$|^rrelu_$|^celu_$|^selu_$|^threshold_$|^relu_$|^hardshrink$|^pixel_shuffle$|^pixel_unshuffle$|"
     r"^channel_shuffle$|^native_channel_shuffle$|^grid_sampler|^cosine_embedding_loss$|^hinge_embedding_loss$|"
     r"^kl_div$|^margin_ranking_loss$|^poisson_nll_loss$|^triplet_margin_loss$|^binary_cross_entropy_with_logits$",
     "ATen kernels exposed at top level (their torch.nn.functional forms are what scripts call, and count there)"),
    (r"DataPipe|datapipe|^DataChunk$|^argument_validation$|^runtime_validation|^non_deterministic$",
     "DataPipes: deprecated in PyTorch, with their decorators"),
    (r"names$|^rename|refine_names|align_to|align_as|^has_names",
     "named tensors (a prototype in PyTorch)"),
    (r"float8|float4|^bits|^bit$|^uint(16|32|64)$|^int[1-7]$|^uint[1-7]$",
     "exotic dtypes (float8, float4, bit-packed, sub-byte and unsigned 16-64-bit integers)"),
    (r"^grad_mode|^inference_mode_|^manual_seed_all|^mps|^nested|^is_nested|to_padded_tensor|^vmap|^cond$|"
     r"^while_loop|^associative_scan|^scan$|^map$|^index$",
     "nested tensors, functorch's first-class dims (Tensor.index) and higher-order control-flow operators"),
]
_PATTERNS = [(re.compile(p), reason) for p, reason in NOT_APPLICABLE]


# names a pattern above would set aside but that mean something else in one namespace
APPLICABLE_IN: dict[str, set[str]] = {"torch.linalg": {"cond"}}    # the condition number, not torch.cond


def not_applicable(name: str, title: str = "torch") -> str | None:
    """The reason ``name`` (of namespace ``title``) is set aside, or None when microtensor should have it."""
    if name in APPLICABLE_IN.get(title, ()):
        return None
    for pattern, reason in _PATTERNS:
        if pattern.search(name):
            return reason
    return None


@dataclass
class Namespace:
    """One torch namespace compared with its microtensor counterpart."""
    title: str
    have: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    skipped: dict[str, list[str]] = field(default_factory=dict)

    @property
    def share(self) -> float:
        total = len(self.have) + len(self.missing)
        return len(self.have) / total if total else 1.0


def _public(ns: Any, keep: Any = None) -> list[str]:
    names = []
    for name in dir(ns):
        if name.startswith("_"):
            continue
        value = getattr(ns, name, None)
        if inspect.ismodule(value) or (keep is not None and not keep(value)):
            continue
        names.append(name)
    return sorted(names)


def compare(title: str, theirs: Any, ours: Any, keep: Any = None) -> Namespace:
    """Sort ``theirs``' public names into had, missing and not applicable (by reason)."""
    out = Namespace(title)
    for name in _public(theirs, keep):
        reason = not_applicable(name, title)
        if reason is not None:
            out.skipped.setdefault(reason, []).append(name)
        elif hasattr(ours, name):
            out.have.append(name)
        else:
            out.missing.append(name)
    return out


def _module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        return object()     # a namespace microtensor lacks: every name is missing


def namespaces() -> list[Namespace]:
    """The comparison of every namespace the table covers (needs PyTorch)."""
    import torch
    import torch.distributions
    import torch.nn.functional
    import torch.optim.lr_scheduler
    import torch.utils.data

    import microtensor as mt

    def is_module_class(value: Any) -> bool:
        return inspect.isclass(value) and issubclass(value, torch.nn.Module)

    return [
        compare("torch", torch, mt),
        compare("torch.Tensor", torch.Tensor, mt.Tensor),
        compare("torch.nn (modules)", torch.nn, _module("microtensor.nn"), is_module_class),
        compare("torch.nn.functional", torch.nn.functional, _module("microtensor.nn.functional"),
                lambda v: inspect.isfunction(v) or inspect.isbuiltin(v)),
        compare("torch.optim", torch.optim, _module("microtensor.optim")),
        compare("torch.optim.lr_scheduler", torch.optim.lr_scheduler, _module("microtensor.optim.lr_scheduler"),
                lambda v: inspect.isclass(v) and v.__module__.startswith("torch.optim")),
        compare("torch.linalg", torch.linalg, mt.linalg),
        compare("torch.special", torch.special, _module("microtensor.special")),
        compare("torch.distributions", torch.distributions, _module("microtensor.distributions")),
        compare("torch.utils.data", torch.utils.data, _module("microtensor.utils.data")),
    ]


def _names(names: list[str]) -> str:
    return ", ".join(f"`{n}`" for n in names) if names else "none"


def render(spaces: list[Namespace], torch_version: str) -> str:
    """docs/coverage.md's text."""
    lines = ["# Coverage of PyTorch's public names", "",
             f"Generated by `python -m microtensor.coverage` against PyTorch {torch_version}; do not edit by hand "
             "(tests/test_coverage.py fails when it is out of date). A name counts as had when microtensor's "
             "namespace has an attribute of that name; tests elsewhere check the behaviour.", "",
             "| namespace | applicable | microtensor has | share | not applicable |", "|---|---|---|---|---|"]
    for ns in spaces:
        total = len(ns.have) + len(ns.missing)
        skipped = sum(len(v) for v in ns.skipped.values())
        lines.append(f"| `{ns.title}` | {total} | {len(ns.have)} | {ns.share:.0%} | {skipped} |")
    for ns in spaces:
        lines += ["", f"## `{ns.title}`", "", f"Missing ({len(ns.missing)}): {_names(ns.missing)}", "",
                  f"Has ({len(ns.have)}): {_names(ns.have)}"]
        for reason, names in sorted(ns.skipped.items()):
            lines += ["", f"Not applicable, {reason} ({len(names)}): {_names(names)}"]
    return "\n".join(lines) + "\n"


def had_names(text: str) -> dict[str, list[str]]:
    """Namespace title -> the names ``text`` (a docs/coverage.md) says microtensor has."""
    out: dict[str, list[str]] = {}
    title = None
    for line in text.splitlines():
        if line.startswith("## `"):
            title = line[4:-1]
        elif line.startswith("Has (") and title is not None:
            out[title] = re.findall(r"`([^`]+)`", line)
    return out


def main(argv: list[str] | None = None) -> int:
    """Write docs/coverage.md, or with ``--check`` say whether it is current."""
    parser = argparse.ArgumentParser(prog="python -m microtensor.coverage", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/coverage.md is out of date")
    args = parser.parse_args(argv)
    import torch
    text = render(namespaces(), torch.__version__.split("+")[0])
    if args.check:
        current = OUT.read_text() if OUT.exists() else ""
        if current != text:
            print(f"{OUT} is out of date: run python -m microtensor.coverage", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text)
    print(text.split("\n## ")[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
