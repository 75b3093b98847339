"""Positional arguments are read as PyTorch reads them.

A PyTorch script passes arguments by position (``torch.Tensor(3, 4)``, ``F.batch_norm(x, m, v, w, b, True)``,
``RMSprop(params, lr, alpha, eps, wd, momentum, centered, ...)``); where our order differs, the value lands in
another parameter and the result is silently wrong. For every public callable that PyTorch also has, this
compares the positional parameters (those before the first ``*args`` or keyword-only one) with PyTorch's:
- Python-level callables (``nn.functional``, module constructors, optimizers, ``autograd`` ...) through
  ``inspect.signature`` of the installed torch;
- C builtins (most ``torch.*`` functions and Tensor methods) through their native schemas when torch is
  installed, and through DOCUMENTED, the documented forms of the most common ones, always.
A difference fails unless ALLOWED names it, with the reason it is deliberate and cannot be silent.
"""
import inspect

import pytest
from helpers import requires_torch, torch

import microtensor as mt
import microtensor.nn as nn
import microtensor.nn.functional as F
import microtensor.optim as optim

# ----------------------------------------------------------------------------- comparing positional parameters
STAR = "*args"   # ends the positional parameters: ``*args`` takes any further positional arguments
END = "*"        # ends them: keyword-only parameters (or ``**kwargs``) follow, more positionals raise


def positional(fn, method=False):
    """The names of ``fn``'s positional parameters, ending with STAR where ``*args`` takes more or END where
    keyword-only ones follow; None when Python cannot introspect it. ``method``: drop the first parameter
    (self, or input)."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    names = []
    for p in params:
        if p.kind in (p.VAR_POSITIONAL, p.KEYWORD_ONLY, p.VAR_KEYWORD):
            names.append(STAR if p.kind == p.VAR_POSITIONAL else END)
            break
        names.append(p.name)
    return names[1:] if method and names and names[0] not in (STAR, END) else names


def difference(ours, theirs):
    """How ``ours`` reads PyTorch's positional arguments differently, or None when it reads them alike:
    ``("position", i, theirs_name, our_name)`` for the first position whose name differs (a value would land
    elsewhere), or ``("missing", names)`` for positions PyTorch has and we do not (unless ``*args`` takes them)."""
    o = [n for n in ours if n not in (STAR, END)]
    t = [n for n in theirs if n not in (STAR, END)]
    for i, (a, b) in enumerate(zip(o, t)):
        if a != b:
            return ("position", i + 1, b, a)
    if len(o) < len(t) and STAR not in ours:
        return ("missing", tuple(t[len(o):]))
    return None


def difference_from_any(ours, overloads):
    """``difference`` from the closest of PyTorch's overloads (None if one of them reads alike)."""
    found = [difference(ours, t) for t in overloads]
    return None if None in found else found[0]


# ----------------------------------------------------------------------------- deliberate differences
# "namespace.name": (the difference, why it is deliberate). Each is either a name that differs where the value
# lands in the same place, or arguments we do not take by position, so that passing them raises TypeError
SELF = "in-place functions are the Tensor methods (first parameter self); by position they agree"
IN_PLACE_FUNCTIONS = [
    "abs_", "acos_", "acosh_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_", "arctanh_", "asin_",
    "asinh_", "atan_", "atanh_", "ceil_", "clamp_max_", "clamp_min_", "cos_", "cosh_", "deg2rad_", "erf_", "erfc_",
    "exp2_", "exp_", "expm1_", "fix_", "floor_", "frac_", "log10_", "log1p_", "log2_", "log_", "neg_", "negative_",
    "rad2deg_", "reciprocal_", "round_", "rsqrt_", "sigmoid_", "sin_", "sinh_", "sqrt_", "square_", "tan_",
    "tanh_", "trunc_", "index_put_",
]
ALLOWED = {
    "torch.save": (("missing", ("pickle_module", "pickle_protocol", "_use_new_zipfile_serialization",
                                "_disable_byteorder_record")), "microtensor never pickles"),
    "torch.load": (("missing", ("pickle_module",)), "microtensor never unpickles"),
    "Tensor.polygamma": (("missing", ("input",)), "aten::polygamma(int n, Tensor self) has self second, which the "
                         "schema reader takes for a function; the method is Tensor.polygamma(n), as in PyTorch"),
    "torch.norm": (("position", 5, "out", "dtype"),
                   "torch.norm's fifth positional is out=; a tensor passed there raises (dtype must be a dtype)"),
    "torch.det": (("position", 1, "input", "A"), "one function is torch.det and torch.linalg.det(A)"),
    "torch.slogdet": (("position", 1, "input", "A"), "one function is torch.slogdet and torch.linalg.slogdet(A)"),
    "torch.clamp_": (("position", 1, "input", "self"), SELF),
    "torch.clip_": (("position", 1, "input", "self"), SELF),
    "torch.fill_": (("position", 1, "input", "self"), SELF),
    "torch.relu_": (("position", 1, "input", "self"), SELF),
    "torch.zero_": (("position", 1, "input", "self"), SELF),
    **{f"torch.{name}": (("position", 1, "input", "self"), SELF) for name in IN_PLACE_FUNCTIONS},
    "optim.ASGD": (("missing", ("foreach", "maximize", "differentiable", "capturable")),
                   "foreach/differentiable/capturable (kernel choices) are not taken; maximize is keyword-only"),
    "torch.detach": (("position", 1, "input", "self"), "torch.detach is Tensor.detach; by position they agree"),
    "torch.rrelu_": (("missing", ("generator",)), "generator= is not taken"),
    "torch.tensor_split": (("position", 2, "sections", "indices_or_sections"),
                           "PyTorch's overloads name it sections or indices; its docs say indices_or_sections"),
    "Tensor.tensor_split": (("position", 1, "sections", "indices_or_sections"),
                            "PyTorch's overloads name it sections or indices; its docs say indices_or_sections"),
    "torch.hsplit": (("position", 2, "sections", "indices_or_sections"),
                      "PyTorch's overloads name it sections or indices; its docs say indices_or_sections"),
    "Tensor.hsplit": (("position", 1, "sections", "indices_or_sections"),
                       "PyTorch's overloads name it sections or indices; its docs say indices_or_sections"),
    "torch.vsplit": (("position", 2, "sections", "indices_or_sections"),
                      "PyTorch's overloads name it sections or indices; its docs say indices_or_sections"),
    "Tensor.vsplit": (("position", 1, "sections", "indices_or_sections"),
                       "PyTorch's overloads name it sections or indices; its docs say indices_or_sections"),
    "torch.dsplit": (("position", 2, "sections", "indices_or_sections"),
                      "PyTorch's overloads name it sections or indices; its docs say indices_or_sections"),
    "Tensor.dsplit": (("position", 1, "sections", "indices_or_sections"),
                       "PyTorch's overloads name it sections or indices; its docs say indices_or_sections"),
    "Tensor.uniform_": (("position", 1, "from", "from_"), "'from' is a Python keyword: it is passed by position"),
    "Tensor.is_pinned": (("missing", ("device",)), "is_pinned's deprecated device argument"),
    "F.normalize": (("missing", ("out",)), "microtensor ops do not write into out tensors"),
    "torch.tensordot": (("missing", ("out",)), "microtensor ops do not write into out tensors"),
    "F.l1_loss": (("missing", ("weight",)), "per-element weight= (new in PyTorch 2.13) is not taken yet"),
    "F.mse_loss": (("missing", ("weight",)), "per-element weight= (new in PyTorch 2.13) is not taken yet"),
    "F.huber_loss": (("missing", ("weight",)), "per-element weight= (new in PyTorch 2.13) is not taken yet"),
    "nn.Hardtanh": (("missing", ("min_value", "max_value")), "deprecated aliases of min_val and max_val"),
    "optim.RMSprop": (("missing", ("capturable", "foreach", "maximize", "differentiable")),
                      "CUDA-graph and kernel flags are not taken; maximize is keyword-only, so PyTorch's eighth "
                      "positional (capturable) raises instead of landing in it"),
    "optim.Adadelta": (("missing", ("foreach",)), "foreach (a kernel choice) is not taken"),
    "optim.Adagrad": (("missing", ("foreach",)), "foreach (a kernel choice) is not taken"),
    "optim.Adamax": (("missing", ("foreach",)), "foreach (a kernel choice) is not taken"),
    "autograd.grad": (("missing", ("is_grads_batched", "materialize_grads")),
                      "is_grads_batched needs vmap; materialize_grads is keyword-only, so PyTorch's eighth "
                      "positional raises instead of landing in it"),
    # issue 22: elementwise and reductions
    "torch.gcd_": (("position", 1, "input", "self"), SELF),
    "torch.lcm_": (("position", 1, "input", "self"), SELF),
    "torch.ldexp_": (("position", 1, "input", "self"), SELF),
    "torch.xlogy_": (("position", 1, "input", "self"), SELF),
    # issue 22: math long tail
    **{f"torch.{name}": (("position", 1, "input", "self"), SELF) for name in ("i0_", "logit_", "nan_to_num_", "sinc_")},
}


# ----------------------------------------------------------------------------- the documented forms (no torch needed)
# the positional parameters of the most common C builtins, as PyTorch documents them (one tuple per overload)
DOCUMENTED = {
    "torch.sum": [("input", "dim", "keepdim")],
    "torch.mean": [("input", "dim", "keepdim")],
    "torch.max": [("input",), ("input", "dim", "keepdim"), ("input", "other")],
    "torch.argmax": [("input", "dim", "keepdim")],
    "torch.std": [("input", "dim", "unbiased", "keepdim")],
    "torch.var": [("input", "dim", "unbiased", "keepdim")],
    "torch.logsumexp": [("input", "dim", "keepdim")],
    "torch.softmax": [("input", "dim", "dtype")],
    "torch.log_softmax": [("input", "dim", "dtype")],
    "torch.cat": [("tensors", "dim")],
    "torch.stack": [("tensors", "dim")],
    "torch.transpose": [("input", "dim0", "dim1")],
    "torch.gather": [("input", "dim", "index")],
    "torch.scatter": [("input", "dim", "index", "src"), ("input", "dim", "index", "value")],
    "torch.index_select": [("input", "dim", "index")],
    "torch.masked_fill": [("input", "mask", "value")],
    "torch.clamp": [("input", "min", "max")],
    "torch.where": [("condition", "input", "other")],
    "torch.topk": [("input", "k", "dim", "largest", "sorted")],
    "torch.sort": [("input", "dim", "descending")],
    "torch.kthvalue": [("input", "k", "dim", "keepdim")],
    "torch.cumsum": [("input", "dim")],
    "torch.narrow": [("input", "dim", "start", "length")],
    "torch.chunk": [("input", "chunks", "dim")],
    "torch.flatten": [("input", "start_dim", "end_dim")],
    "torch.diagonal": [("input", "offset", "dim1", "dim2")],
    "torch.roll": [("input", "shifts", "dims")],
    "torch.lerp": [("input", "end", "weight")],
    "torch.isclose": [("input", "other", "rtol", "atol", "equal_nan")],
    "torch.full": [("size", "fill_value")],
    "torch.arange": [("end",), ("start", "end"), ("start", "end", "step")],
    "torch.linspace": [("start", "end", "steps")],
    "torch.eye": [("n", "m")],
    "torch.randint": [("high", "size"), ("low", "high", "size")],
    "torch.multinomial": [("input", "num_samples", "replacement")],
    "torch.dropout": [("input", "p", "train")],
    "torch.embedding": [("weight", "indices", "padding_idx", "scale_grad_by_freq", "sparse")],
    "torch.layer_norm": [("input", "normalized_shape", "weight", "bias", "eps", "cudnn_enable")],
    "torch.batch_norm": [("input", "weight", "bias", "running_mean", "running_var", "training", "momentum", "eps",
                          "cudnn_enabled")],
    "torch.group_norm": [("input", "num_groups", "weight", "bias", "eps", "cudnn_enabled")],
    "torch.kl_div": [("input", "target", "reduction")],
    "torch.max_pool2d": [("input", "kernel_size", "stride", "padding", "dilation", "ceil_mode")],
    "torch.binary_cross_entropy_with_logits": [("input", "target", "weight", "pos_weight", "reduction")],
    "torch.lstm_cell": [("input", "hx", "w_ih", "w_hh", "b_ih", "b_hh")],
    "Tensor.view": [("size",)],
    "Tensor.transpose": [("dim0", "dim1")],
    "Tensor.narrow": [("dim", "start", "length")],
    "Tensor.unfold": [("dimension", "size", "step")],
    "Tensor.masked_fill": [("mask", "value")],
    "Tensor.scatter_": [("dim", "index", "src"), ("dim", "index", "value")],
    "Tensor.index_add_": [("dim", "index", "source")],
    "Tensor.topk": [("k", "dim", "largest", "sorted")],
    "Tensor.max": [(), ("dim", "keepdim"), ("other",)],
    "Tensor.sum": [("dim", "keepdim")],
    "Tensor.add_": [("other",)],
    "Tensor.clamp": [("min", "max")],
    "Tensor.new_full": [("size", "fill_value")],
    "Tensor.normal_": [("mean", "std")],
}


def _ours(name):
    space, attr = name.split(".", 1)
    return positional(getattr(mt if space == "torch" else mt.Tensor, attr), method=space == "Tensor")


@pytest.mark.parametrize("name", DOCUMENTED)
def test_documented_forms_of_common_builtins(name):
    assert difference_from_any(_ours(name), DOCUMENTED[name]) is None, (name, _ours(name), DOCUMENTED[name])


# ----------------------------------------------------------------------------- against the installed torch
def _public(ns):
    return [n for n in dir(ns) if not n.startswith("_")]


def _pairs():
    """(name, ours, theirs, method) for every public callable both libraries have."""
    import torch.nn.functional as TF
    spaces = [("torch", mt, torch, False, "functions"), ("F", F, TF, False, "functions"),
              ("Tensor", mt.Tensor, torch.Tensor, True, "functions"), ("linalg", mt.linalg, torch.linalg, False,
                                                                      "functions"),
              ("autograd", mt.autograd, torch.autograd, False, "functions"),
              ("init", nn.init, torch.nn.init, False, "functions"), ("nn.utils", nn.utils, torch.nn.utils, False,
                                                                     "functions"),
              ("nn", nn, torch.nn, False, "classes"), ("optim", optim, torch.optim, False, "classes"),
              ("lr_scheduler", optim.lr_scheduler, torch.optim.lr_scheduler, False, "classes")]
    for label, ours_ns, theirs_ns, method, kind in spaces:
        for n in _public(ours_ns):
            ours, theirs = getattr(ours_ns, n), getattr(theirs_ns, n, None)
            if theirs is None or inspect.ismodule(ours) or not callable(ours) or isinstance(ours, property):
                continue
            if kind == "classes":
                if isinstance(ours, type) and isinstance(theirs, type):
                    yield f"{label}.{n}", ours.__init__, theirs.__init__, True
            elif not isinstance(ours, type):
                yield f"{label}.{n}", ours, theirs, method


def _schemas(name, method):
    """The positional parameters of each overload of the native op ``name`` (``self`` is the method's
    receiver, ``input`` in the function), as the Python bindings generated from them read them."""
    overloads = []
    for schema in torch._C._jit_get_schemas_for_operator(f"aten::{name}"):
        if any(a.name == "out" for a in schema.arguments):
            continue
        names = []
        for a in schema.arguments:
            if a.kwarg_only:
                names.append(END)
                break
            names.append("input" if a.name == "self" else a.name)
        overloads.append(names[1:] if method and schema.arguments and schema.arguments[0].name == "self"
                         else names)
    return overloads


def _differences():
    found = {}
    for name, ours, theirs, method in _pairs():
        ours_pos = positional(ours, method)
        theirs_pos = positional(theirs, method)
        if theirs_pos is not None:
            diff = difference(ours_pos, theirs_pos)
        else:
            overloads = _schemas(name.split(".", 1)[1], method) if name.split(".")[0] in ("torch", "Tensor") else []
            diff = difference_from_any(ours_pos, overloads) if overloads else None
        if diff:
            found[name] = diff
    return found


@requires_torch
@pytest.mark.skipif(torch is not None and not hasattr(torch._C, "_jit_get_schemas_for_operator"),
                    reason="this torch does not expose its native schemas")
def test_positional_arguments_read_as_pytorch_reads_them():
    found = _differences()
    unexplained = {name: diff for name, diff in found.items() if ALLOWED.get(name, (None,))[0] != diff}
    assert not unexplained, "\n".join(f"{name}: {diff}" for name, diff in unexplained.items())
    stale = sorted(set(ALLOWED) - set(found))
    assert not stale, f"ALLOWED names differences that are gone: {stale}"


@requires_torch
def test_the_audit_covers_the_api():
    pairs = list(_pairs())
    introspected = [name for name, _, theirs, method in pairs if positional(theirs, method) is not None]
    assert len(pairs) > 700 and len(introspected) > 150, (len(pairs), len(introspected))


def test_difference_finds_what_it_should():
    assert difference(["input", "dim"], ["input", "dim", END]) is None
    assert difference(["input", "dim", "keepdim", END], ["input", "dim"]) is None         # ours takes more
    assert difference(["input", STAR], ["input", "dim", "keepdim"]) is None              # *args takes the rest
    assert difference(["input", END], ["input", "dim"]) == ("missing", ("dim",))        # keyword-only
    assert difference(["input", "keepdim", "dim"], ["input", "dim", "keepdim"]) == ("position", 2, "dim", "keepdim")
    assert difference(["input"], ["input", "dim"]) == ("missing", ("dim",))
    assert difference_from_any(["input", "other"], [["input"], ["input", "other"]]) is None


# ----------------------------------------------------------------------------- the fixes, by behaviour
def test_rmsprop_takes_no_eighth_positional():
    p = nn.Parameter(mt.ones(2))
    with pytest.raises(TypeError):
        optim.RMSprop([p], 0.01, 0.99, 1e-8, 0, 0, False, True)     # PyTorch's capturable, never our maximize
    assert optim.RMSprop([p], 0.01, maximize=True).param_groups[0]["maximize"]


def test_autograd_grad_reads_only_inputs_sixth_as_pytorch():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = mt.tensor(3.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="not have been used"):
        mt.autograd.grad((x * x).sum(), [x, y], None, False, False, True)   # only_inputs=True, allow_unused unset
    gx, gy = mt.autograd.grad((x * x).sum(), [x, y], None, False, False, True, True)
    assert gx.tolist() == [2.0, 4.0] and gy is None
    with pytest.warns(FutureWarning, match="only_inputs argument is deprecated"):
        mt.autograd.grad((x * x).sum(), x, only_inputs=False)
    if torch is not None:
        tx, ty = torch.tensor([1.0, 2.0], requires_grad=True), torch.tensor(3.0, requires_grad=True)
        assert torch.autograd.grad((tx * tx).sum(), [tx, ty], None, False, False, True, True)[1] is None


def test_autograd_backward_takes_grad_variables_fifth_as_pytorch():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(FutureWarning, match="grad_variables"):
        mt.autograd.backward(x * 2, None, None, False, mt.tensor([1.0, 10.0]))
    assert x.grad.tolist() == [2.0, 20.0]
    with pytest.raises(RuntimeError, match="both passed"), pytest.warns(FutureWarning):
        mt.autograd.backward(x * 2, mt.ones(2), grad_variables=mt.ones(2))


@pytest.mark.parametrize("call", [lambda L: L.clone(input=L.ones(2)), lambda L: L.neg(input=L.ones(2)),
                                  lambda L: L.promote_types(type1=L.int32, type2=L.float32),
                                  lambda L: L.result_type(tensor=L.ones(2), other=1.5)])
def test_keyword_names_as_pytorch(call):
    ours = call(mt)                       # a keyword named otherwise would raise TypeError
    if torch is not None:
        theirs = call(torch)
        if mt.is_tensor(ours):
            assert ours.tolist() == theirs.tolist()
        else:
            assert repr(ours).replace("microtensor", "torch") == repr(theirs)


def test_set_rng_state_new_state_keyword():
    state = mt.get_rng_state()
    a = mt.rand(3)
    mt.set_rng_state(new_state=state)
    assert mt.rand(3).tolist() == a.tolist()
