"""Every core name of the API contract ("Package layout", "Tensors", "Differentiable operations", "Autograd") exists
and, where PyTorch is installed, a tiny call gives PyTorch's values, dtypes, shapes and gradients.

The tables are written out by hand from the shared API contract, API.md, which lives outside this repository,
next to the checkout (``../shared/API.md``; it is not part of a clone). Each entry is called on microtensor and on
torch with inputs made from the same arrays; without torch an entry still has to run.
"""
import math
import types

import numpy as np
import pytest
from helpers import torch

import microtensor as mt

# ----------------------------------------------------------------------------- inputs and comparison
_rng = np.random.default_rng(0)
ARRAYS = {
    "a": _rng.standard_normal((2, 3)).astype(np.float32),
    "b": _rng.standard_normal((2, 3)).astype(np.float32),
    "c": _rng.standard_normal(3).astype(np.float32),
    "pos": _rng.uniform(0.5, 2.0, (2, 3)).astype(np.float32),
    "unit": _rng.uniform(-0.9, 0.9, (2, 3)).astype(np.float32),
    "sq": (_rng.standard_normal((3, 3)) + 3 * np.eye(3)).astype(np.float32),
    "v": _rng.standard_normal(3).astype(np.float32),
    "w": _rng.standard_normal(3).astype(np.float32),
    "bat": _rng.standard_normal((2, 3, 3)).astype(np.float32),
    "s1": _rng.standard_normal((2, 1, 3)).astype(np.float32),
    "d64": _rng.standard_normal((2, 3)),
    "s0": np.array(0.7, dtype=np.float32),
    "huge": (_rng.standard_normal((2, 3)) * 1e4).astype(np.float32),
    "ia": np.array([[1, 2, 3], [4, 5, 6]]),
    "ib": np.array([[2, 3, 2], [3, 2, 4]]),
    "neg_i": np.array([[-7, 7, -5], [5, -3, 3]]),
    "i32": np.array([1, 2, 3], dtype=np.int32),
    "idx": np.array([2, 0]),
    "rep": np.array([0, 0, 1]),
    "gidx": np.array([[0, 2], [1, 0]]),
    "gidx_rep": np.array([[0, 0], [2, 2]]),
    "src": _rng.standard_normal((2, 2)).astype(np.float32),
    "mask": np.array([[True, False, True], [False, False, True]]),
    "mask2": np.array([[True, True, False], [False, True, True]]),
    "special": np.array([[0.0, np.nan, np.inf], [-np.inf, 1.0, -2.0]], dtype=np.float32),
}


def make_inputs(lib: types.ModuleType) -> types.SimpleNamespace:
    """One tensor per array in ARRAYS (float ones require grad), built by ``lib`` (microtensor or torch)."""
    return types.SimpleNamespace(**{k: lib.tensor(v, requires_grad=v.dtype.kind == "f" and k != "special")
                                    for k, v in ARRAYS.items()})


def is_tensor(obj: object) -> bool:
    return isinstance(obj, (mt.Tensor, getattr(torch, "Tensor", mt.Tensor)))


def flat_tensors(obj: object) -> list:
    """The tensors in a (nested) result, in order."""
    if is_tensor(obj):
        return [obj]
    if isinstance(obj, (tuple, list)):
        return [t for item in obj for t in flat_tensors(item)]
    return []


def assert_same(ours: object, theirs: object, where: str = "result") -> None:
    """``ours`` (microtensor) is what ``theirs`` (torch) is: same kind, values, shape, dtype, requires_grad."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, mt.Tensor), f"{where}: {type(ours)} is not a Tensor"
        assert tuple(ours.shape) == tuple(theirs.shape), f"{where}: shape {ours.shape} != {theirs.shape}"
        assert ours.dtype.name == str(theirs.dtype).replace("torch.", ""), f"{where}: {ours.dtype} != {theirs.dtype}"
        assert ours.requires_grad == theirs.requires_grad, f"{where}: requires_grad differs"
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=where)
    elif isinstance(theirs, torch.dtype):
        assert isinstance(ours, mt.dtype) and ours.name == str(theirs).replace("torch.", ""), where
    elif isinstance(theirs, torch.device):
        assert isinstance(ours, mt.device) and (ours.type, ours.index, str(ours)) == (
            theirs.type, theirs.index, str(theirs)), where
    elif isinstance(theirs, (tuple, list)):
        assert isinstance(ours, tuple if isinstance(theirs, tuple) else list), f"{where}: {type(ours)}"
        assert len(ours) == len(theirs), f"{where}: length {len(ours)} != {len(theirs)}"
        for field in ("values", "indices"):  # named tuples such as max(dim)'s
            if hasattr(theirs, field):
                assert_same(getattr(ours, field), getattr(theirs, field), f"{where}.{field}")
        for i, (o, e) in enumerate(zip(ours, theirs)):
            assert_same(o, e, f"{where}[{i}]")
    elif isinstance(theirs, float):
        assert isinstance(ours, float) and math.isclose(ours, theirs, rel_tol=1e-5, abs_tol=1e-6), (where, ours)
    else:
        assert type(ours) is type(theirs) and ours == theirs, f"{where}: {ours!r} != {theirs!r}"


def check(entry, grads: bool = True) -> None:
    """Run ``entry(lib, x)`` on both libraries; compare the results and the gradients of a weighted sum."""
    x = make_inputs(mt)
    ours = entry(mt, x)
    if torch is None:
        return
    xt = make_inputs(torch)
    theirs = entry(torch, xt)
    assert_same(ours, theirs)
    outs = [(o, e) for o, e in zip(flat_tensors(ours), flat_tensors(theirs)) if e.requires_grad]
    if not grads or not outs:
        return
    rng = np.random.default_rng(1)
    weights = [rng.standard_normal(tuple(e.shape)).astype(np.float32) for _, e in outs]
    sum(((o * mt.tensor(w, dtype=o.dtype)).sum() for (o, _), w in zip(outs, weights))).backward()
    sum(((e * torch.tensor(w, dtype=e.dtype)).sum() for (_, e), w in zip(outs, weights))).backward()
    for name in ARRAYS:
        ours_grad, theirs_grad = getattr(x, name).grad, getattr(xt, name).grad
        if theirs_grad is None:
            assert ours_grad is None or not ours_grad.numpy().any(), f"grad of {name}"
        else:
            assert ours_grad is not None, f"no gradient for input {name}"
            np.testing.assert_allclose(ours_grad.detach().numpy(), theirs_grad.detach().numpy(), rtol=1e-4, atol=1e-5,
                                       err_msg=f"grad of {name}")


def resolve(lib: types.ModuleType, dotted: str) -> object:
    obj = lib
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


# ----------------------------------------------------------------------------- package layout
CORE_NAMESPACES = ["autograd", "autograd.functional", "linalg"]


@pytest.mark.parametrize("name", CORE_NAMESPACES)
def test_core_namespace(name):
    assert isinstance(resolve(mt, name), types.ModuleType)


# ----------------------------------------------------------------------------- tensors
RANDOM = {"rand", "randn", "randint", "rand_like", "randn_like", "empty"}  # compared by shape and dtype only
CREATION = {
    "tensor": lambda t, x: t.tensor([[1.0, 2.0], [3.0, 4.5]]),
    "tensor:int": lambda t, x: t.tensor([1, 2, 3]),
    "tensor:bool": lambda t, x: t.tensor([True, False]),
    "tensor:0d": lambda t, x: t.tensor(3.5),
    "tensor:dtype": lambda t, x: t.tensor([1, 2], dtype=t.float64),
    "tensor:requires_grad": lambda t, x: t.tensor([1.0, 2.0], requires_grad=True),
    "tensor:numpy": lambda t, x: t.tensor(np.array([1, 2], dtype=np.int32)),
    "as_tensor": lambda t, x: t.as_tensor(np.array([1.0, 2.0])),
    "as_tensor:dtype": lambda t, x: t.as_tensor([1, 2], dtype=t.float32),
    "from_numpy": lambda t, x: t.from_numpy(np.arange(6.0).reshape(2, 3)),
    "zeros": lambda t, x: t.zeros(2, 3),
    "zeros:tuple": lambda t, x: t.zeros((2, 3), dtype=t.int64),
    "ones": lambda t, x: t.ones(4, dtype=t.bool),
    "full": lambda t, x: t.full((2, 2), 1.5),
    "full:int": lambda t, x: t.full((2,), 3),
    "empty": lambda t, x: t.empty(2, 3),
    "zeros_like": lambda t, x: t.zeros_like(x.a),
    "ones_like": lambda t, x: t.ones_like(x.ia),
    "full_like": lambda t, x: t.full_like(x.d64, 7),
    "rand": lambda t, x: t.rand(2, 3),
    "randn": lambda t, x: t.randn((2, 3), dtype=t.float64),
    "randint": lambda t, x: t.randint(0, 5, (3,)),
    "randint:high": lambda t, x: t.randint(5, (2, 2)),
    "rand_like": lambda t, x: t.rand_like(x.a),
    "randn_like": lambda t, x: t.randn_like(x.d64),
    "arange": lambda t, x: t.arange(5),
    "arange:float": lambda t, x: t.arange(0, 1, 0.25),
    "arange:start_end": lambda t, x: t.arange(1.0, 4.0),
    "linspace": lambda t, x: t.linspace(0, 1, 5),
    "eye": lambda t, x: t.eye(3),
    "eye:rect": lambda t, x: t.eye(2, 3),
}


@pytest.mark.parametrize("name", CREATION)
def test_creation(name):
    assert callable(getattr(mt, name.split(":")[0]))
    if name.split(":")[0] not in RANDOM:
        check(CREATION[name])
        return
    ours = CREATION[name](mt, make_inputs(mt))
    assert isinstance(ours, mt.Tensor)
    if torch is not None:
        theirs = CREATION[name](torch, make_inputs(torch))
        assert tuple(ours.shape) == tuple(theirs.shape) and ours.dtype.name == str(theirs.dtype)[6:]


def test_manual_seed_repeats_random_streams():
    mt.manual_seed(3)
    first = (mt.rand(4), mt.randn(4), mt.randint(0, 100, (4,)))
    mt.manual_seed(3)
    second = (mt.rand(4), mt.randn(4), mt.randint(0, 100, (4,)))
    for a, b in zip(first, second):
        assert mt.equal(a, b)
    assert 0 <= first[0].min().item() and first[0].max().item() < 1


def test_from_numpy_shares_memory():
    array = np.zeros(3)
    t = mt.from_numpy(array)
    array[1] = 5.0
    assert t.tolist() == [0.0, 5.0, 0.0] and t.dtype == mt.float64


DTYPES = {
    "float32": lambda t, x: t.float32,
    "float64": lambda t, x: t.float64,
    "int64": lambda t, x: t.int64,
    "int32": lambda t, x: t.int32,
    "bool": lambda t, x: t.bool,
    "get_default_dtype": lambda t, x: t.get_default_dtype(),
    "to:dtype": lambda t, x: x.a.to(t.float64),
    "to:int": lambda t, x: x.a.to(t.int32),
    "to:cpu": lambda t, x: x.a.to("cpu"),
    "to:device_dtype": lambda t, x: x.a.to("cpu", t.float64),
    "to:kw": lambda t, x: x.ia.to(dtype=t.float32),
    "float": lambda t, x: x.ia.float(),
    "double": lambda t, x: x.a.double(),
    "long": lambda t, x: x.a.long(),
    "int": lambda t, x: x.d64.int(),
    "bool:method": lambda t, x: x.a.bool(),
    "int32_tensor": lambda t, x: t.tensor([1, 2], dtype=t.int32) + 1,
}


@pytest.mark.parametrize("name", DTYPES)
def test_dtypes_and_conversions(name):
    check(DTYPES[name])


def test_set_default_dtype():
    assert mt.get_default_dtype() == mt.float32
    try:
        mt.set_default_dtype(mt.float64)
        assert mt.tensor([1.0]).dtype == mt.float64 and mt.ones(2).dtype == mt.float64
        assert mt.tensor([1]).dtype == mt.int64
    finally:
        mt.set_default_dtype(mt.float32)
    assert mt.tensor([1.0]).dtype == mt.float32


def _after_backward(x):
    (x.a * x.a).sum().backward()
    return x.a.grad


def _next_functions(t, x):
    return [(fn.name() if fn is not None else None, nr) for fn, nr in (x.a * x.b.detach()).grad_fn.next_functions]


ATTRIBUTES = {
    "shape": lambda t, x: x.bat.shape,
    "size": lambda t, x: x.bat.size(),
    "size:dim": lambda t, x: x.bat.size(1),
    "size:neg": lambda t, x: x.bat.size(-1),
    "ndim": lambda t, x: x.bat.ndim,
    "dim": lambda t, x: x.bat.dim(),
    "numel": lambda t, x: x.bat.numel(),
    "dtype": lambda t, x: x.ia.dtype,
    "device": lambda t, x: x.a.device,
    "T": lambda t, x: x.a.T,
    "mT": lambda t, x: x.bat.mT,
    "grad": lambda t, x: _after_backward(x),
    "grad:none": lambda t, x: x.a.grad,
    "requires_grad": lambda t, x: (x.a.requires_grad, (x.a * 2).requires_grad, x.ia.requires_grad),
    "requires_grad:no_grad": lambda t, x: _in_no_grad(t, lambda: (x.a * 2).requires_grad),
    "grad_fn": lambda t, x: (x.a.grad_fn, x.ia.grad_fn, (x.a * x.b).grad_fn.name(), (-x.a).grad_fn.name(),
                             x.a.exp().grad_fn.name()),
    "grad_fn:next_functions": _next_functions,
    "is_leaf": lambda t, x: (x.a.is_leaf, (x.a * 2).is_leaf, x.ia.is_leaf, (x.ia * 2).is_leaf),
    "data": lambda t, x: x.a.data,
}


def _in_no_grad(t, fn):
    with t.no_grad():
        return fn()


@pytest.mark.parametrize("name", ATTRIBUTES)
def test_attributes(name):
    check(ATTRIBUTES[name], grads=False)


def test_shape_is_a_tuple_subclass():
    assert isinstance(mt.zeros(2, 3).shape, tuple) and mt.zeros(2, 3).shape == (2, 3)
    assert mt.zeros(2, 3).size() == mt.Size([2, 3])


CONVERSIONS = {
    "numpy": lambda t, x: x.a.detach().numpy().tolist(),
    "numpy:dtype": lambda t, x: str(x.ia.numpy().dtype),
    "item": lambda t, x: (x.a[0, 0].item() == float(ARRAYS["a"][0, 0]), x.ia[1, 2].item(), t.tensor(True).item()),
    "tolist": lambda t, x: (x.ia.tolist(), x.mask.tolist(), t.tensor(2).tolist()),
    "__array__": lambda t, x: np.asarray(x.ia).tolist(),
    "__array__:dtype": lambda t, x: np.asarray(x.ia, dtype=np.float64).tolist(),
    "__len__": lambda t, x: len(x.bat),
    "__iter__": lambda t, x: list(x.a),
    "__repr__": lambda t, x: repr(t.tensor([[1.0, 2.5], [3.0, 4.0]])),
    "__repr__:int": lambda t, x: repr(x.ia),
    "__repr__:grad": lambda t, x: repr(t.tensor([1.5, 2.0], requires_grad=True)),
    "__repr__:grad_fn": lambda t, x: repr(t.tensor([1.5, 2.0], requires_grad=True) * 2),
    "__repr__:float64": lambda t, x: repr(t.tensor([1.0, 2.0], dtype=t.float64)).replace(t.__name__ + ".", ""),
    "__repr__:int32": lambda t, x: repr(x.i32 * 2).replace(t.__name__ + ".", ""),
    "__repr__:big": lambda t, x: repr(t.tensor([[1e-5, 1234.5], [-3.0, 1e6]])),
    "__repr__:bool": lambda t, x: repr(x.mask),
    "__repr__:0d": lambda t, x: repr(t.tensor(2.5)),
}


@pytest.mark.parametrize("name", CONVERSIONS)
def test_conversions(name):
    check(CONVERSIONS[name])


def test_numpy_refuses_a_tensor_that_requires_grad():
    with pytest.raises(RuntimeError, match="requires grad"):
        mt.ones(2, requires_grad=True).numpy()


def _leaf(t, data):
    return t.tensor(data, requires_grad=True)


def _hooked(t, x):
    seen = []
    y = x.a * 2
    y.register_hook(lambda g: seen.append(g.clone()) or g * 3)
    y.sum().backward()
    return seen[0], x.a.grad


def _retained(t, x):
    y = x.a * 2
    y.retain_grad()
    (y * y).sum().backward()
    return y.grad


def _detached_(t, x):
    y = x.a * 2
    y.detach_()
    return y, y.is_leaf


def _backward_options(t, x):
    y = x.a * x.b
    y.backward(t.ones_like(y), retain_graph=True)
    y.backward(t.ones_like(y), inputs=[x.b])
    return x.a.grad, x.b.grad


def _backward_create_graph(t, x):
    y = (x.a ** 3).sum()
    y.backward(create_graph=True)
    g = x.a.grad
    return g, g.requires_grad


TENSOR_AUTOGRAD = {
    "backward": _backward_options,
    "backward:create_graph": _backward_create_graph,
    "detach": lambda t, x: (x.a * 2).detach(),
    "detach_": _detached_,
    "requires_grad_": lambda t, x: t.ones(2).requires_grad_(),
    "requires_grad_:false": lambda t, x: t.ones(2, requires_grad=True).requires_grad_(False),
    "retain_grad": _retained,
    "register_hook": _hooked,
    "clone": lambda t, x: x.a.clone(),
    "contiguous": lambda t, x: x.a.t().contiguous(),
}


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")  # torch's reference-cycle note
@pytest.mark.parametrize("name", TENSOR_AUTOGRAD)
def test_tensor_autograd(name):
    check(TENSOR_AUTOGRAD[name])


# ----------------------------------------------------------------------------- differentiable operations
# name[:case] -> (forms, args, kwargs): forms "f" (mt.name), "m" (t.name), "fm" both; a string arg naming
# an ARRAYS entry stands for that input (also inside lists).
OPS = {
    # arithmetic
    "add": ("fm", ("a", "b"), {"alpha": 2}),
    "add:broadcast": ("fm", ("a", "c"), {}),
    "add:int_float": ("fm", ("ia", "a"), {}),
    "add:scalar": ("fm", ("ia", 2.5), {}),
    "sub": ("fm", ("a", "c"), {"alpha": 0.5}),
    "mul": ("fm", ("a", "c"), {}),
    "mul:int": ("fm", ("ia", "ib"), {}),
    "mul:bool": ("fm", ("mask", "mask2"), {}),
    "div": ("fm", ("a", "pos"), {}),
    "div:int": ("fm", ("ia", "ib"), {}),
    "div:floor": ("fm", ("a", "pos"), {"rounding_mode": "floor"}),
    "div:trunc_int": ("fm", ("neg_i", "ib"), {"rounding_mode": "trunc"}),
    "div:floor_int": ("fm", ("neg_i", "ib"), {"rounding_mode": "floor"}),
    "pow": ("fm", ("pos", "b"), {}),
    "pow:scalar": ("fm", ("a", 3), {}),
    "pow:int": ("fm", ("ia", 2), {}),
    "neg": ("fm", ("a",), {}),
    "abs": ("fm", ("a",), {}),
    "abs:int": ("fm", ("neg_i",), {}),
    "reciprocal": ("fm", ("pos",), {}),
    "sqrt": ("fm", ("pos",), {}),
    "sqrt:int": ("fm", ("ia",), {}),
    "rsqrt": ("fm", ("pos",), {}),
    "exp": ("fm", ("a",), {}),
    "exp:int": ("fm", ("ia",), {}),
    "expm1": ("fm", ("a",), {}),
    "log": ("fm", ("pos",), {}),
    "log1p": ("fm", ("pos",), {}),
    "log2": ("fm", ("pos",), {}),
    "log10": ("fm", ("pos",), {}),
    "sin": ("fm", ("a",), {}),
    "cos": ("fm", ("a",), {}),
    "tan": ("fm", ("unit",), {}),
    "tanh": ("fm", ("a",), {}),
    "sinh": ("fm", ("a",), {}),
    "cosh": ("fm", ("a",), {}),
    "asin": ("fm", ("unit",), {}),
    "acos": ("fm", ("unit",), {}),
    "atan": ("fm", ("a",), {}),
    "atan2": ("fm", ("a", "b"), {}),
    "sigmoid": ("fm", ("a",), {}),
    "relu": ("fm", ("a",), {}),
    "relu:int": ("fm", ("neg_i",), {}),
    "square": ("fm", ("a",), {}),
    "square:int": ("fm", ("neg_i",), {}),
    "sign": ("fm", ("a",), {}),
    "floor": ("fm", ("a",), {}),
    "ceil": ("fm", ("a",), {}),
    "round": ("fm", ("a",), {}),
    "round:decimals": ("fm", ("a",), {"decimals": 1}),
    "trunc": ("fm", ("a",), {}),
    "clamp": ("fm", ("a", -0.5, 0.5), {}),
    "clamp:min": ("fm", ("a",), {"min": 0.0}),
    "clamp:tensor": ("fm", ("a", "b"), {}),
    "clamp:int": ("fm", ("neg_i", -4, 4), {}),
    "clip": ("fm", ("a", -0.5, 0.5), {}),
    "maximum": ("fm", ("a", "b"), {}),
    "minimum": ("fm", ("a", "c"), {}),
    "where": ("f", ("mask", "a", "b"), {}),
    "where:scalar": ("f", ("mask", "a", 0.0), {}),
    "lerp": ("fm", ("a", "b", 0.3), {}),
    "lerp:tensor": ("fm", ("a", "b", "unit"), {}),
    "erf": ("fm", ("a",), {}),
    # comparison
    "eq": ("fm", ("ia", "ib"), {}),
    "eq:scalar": ("fm", ("a", 0.0), {}),
    "ne": ("fm", ("a", "b"), {}),
    "lt": ("fm", ("a", "b"), {}),
    "le": ("fm", ("ia", "ib"), {}),
    "gt": ("fm", ("a", "c"), {}),
    "ge": ("fm", ("a", 0), {}),
    "isnan": ("fm", ("special",), {}),
    "isinf": ("fm", ("special",), {}),
    "isfinite": ("fm", ("special",), {}),
    "logical_and": ("fm", ("mask", "mask2"), {}),
    "logical_or": ("fm", ("mask", "mask2"), {}),
    "logical_not": ("fm", ("mask",), {}),
    "logical_and:float": ("fm", ("a", "ia"), {}),
    "allclose": ("fm", ("a", "a"), {}),
    "allclose:false": ("fm", ("a", "b"), {"atol": 1e-3}),
    "equal": ("fm", ("ia", "ia"), {}),
    "equal:false": ("fm", ("ia", "ib"), {}),
    # reductions
    "sum": ("fm", ("a",), {}),
    "sum:dim": ("fm", ("a", 1), {}),
    "sum:tuple_keepdim": ("fm", ("bat", (0, 2)), {"keepdim": True}),
    "sum:int": ("fm", ("ia",), {}),
    "sum:bool": ("fm", ("mask",), {"dim": 0}),
    "mean": ("fm", ("a",), {}),
    "mean:dim": ("fm", ("bat",), {"dim": (1, 2), "keepdim": True}),
    "prod": ("fm", ("pos",), {}),
    "prod:dim": ("fm", ("a", 1), {}),
    "prod:int": ("fm", ("ia", 0), {}),
    "var": ("fm", ("a",), {}),
    "var:dim": ("fm", ("a", 1), {"keepdim": True}),
    "var:correction": ("fm", ("bat",), {"dim": (0, 1), "correction": 0}),
    "var:unbiased": ("fm", ("a", 0), {"unbiased": False}),
    "std": ("fm", ("a",), {}),
    "std:dim": ("fm", ("a", 1), {"correction": 2}),
    "max": ("fm", ("a",), {}),
    "max:dim": ("fm", ("a", 1), {}),
    "max:keepdim": ("fm", ("a",), {"dim": 0, "keepdim": True}),
    "max:binary": ("fm", ("a", "b"), {}),
    "max:int": ("fm", ("ia", 1), {}),
    "min": ("fm", ("a",), {}),
    "min:dim": ("fm", ("bat", -1), {}),
    "min:binary": ("fm", ("a", "c"), {}),
    "amax": ("fm", ("a", 1), {}),
    "amax:tuple": ("fm", ("bat", (1, 2)), {"keepdim": True}),
    "amin": ("fm", ("a",), {"dim": 0}),
    "argmax": ("fm", ("a",), {}),
    "argmax:dim": ("fm", ("a", 1), {}),
    "argmax:keepdim": ("fm", ("a", 0), {"keepdim": True}),
    "argmin": ("fm", ("bat",), {"dim": 2}),
    "logsumexp": ("fm", ("a", 1), {}),
    "logsumexp:keepdim": ("fm", ("bat", (0, 2)), {"keepdim": True}),
    "norm": ("fm", ("a",), {}),
    "norm:p": ("fm", ("a",), {"p": 1, "dim": 1}),
    "norm:dim": ("fm", ("bat", 2, (1, 2)), {}),
    "cumsum": ("fm", ("a", 1), {}),
    "cumsum:int": ("fm", ("ia", 0), {}),
    "cumprod": ("fm", ("a",), {"dim": 1}),
    "all": ("fm", ("mask",), {}),
    "all:dim": ("fm", ("mask", 1), {}),
    "all:float": ("fm", ("a",), {}),
    "any": ("fm", ("mask",), {}),
    "any:dim": ("fm", ("mask",), {"dim": 0, "keepdim": True}),
    # shape and indexing
    "reshape": ("fm", ("a", (3, 2)), {}),
    "reshape:infer": ("fm", ("bat", (-1,)), {}),
    "view": ("m", ("a", 3, 2), {}),
    "view:infer": ("m", ("bat", -1, 3), {}),
    "flatten": ("fm", ("bat",), {}),
    "flatten:range": ("fm", ("bat", 1, 2), {}),
    "unflatten": ("fm", ("a", 1, (3, 1)), {}),
    "squeeze": ("fm", ("s1",), {}),
    "squeeze:dim": ("fm", ("s1", 1), {}),
    "unsqueeze": ("fm", ("a", 0), {}),
    "unsqueeze:neg": ("fm", ("a", -1), {}),
    "permute": ("fm", ("bat", (2, 0, 1)), {}),
    "transpose": ("fm", ("bat", 0, 2), {}),
    "swapaxes": ("fm", ("bat", 0, 1), {}),
    "t": ("fm", ("a",), {}),
    "t:1d": ("fm", ("v",), {}),
    "expand": ("m", ("c", 2, 3), {}),
    "expand:keep": ("m", ("s1", -1, 4, -1), {}),
    "expand_as": ("m", ("c", "a"), {}),
    "broadcast_to": ("fm", ("c", (2, 2, 3)), {}),
    "repeat": ("m", ("a", 2, 1, 2), {}),
    "tile": ("fm", ("a", (2,)), {}),
    "flip": ("fm", ("a", (0, 1)), {}),
    "roll": ("fm", ("a", 1, 1), {}),
    "roll:flat": ("fm", ("a", 2), {}),
    "cat": ("f", (["a", "b"], 0), {}),
    "cat:dim": ("f", (["a", "pos", "b"],), {"dim": 1}),
    "stack": ("f", (["a", "b"],), {}),
    "stack:dim": ("f", (["a", "b"], 2), {}),
    "split": ("fm", ("a", 2, 1), {}),
    "split:sizes": ("fm", ("a", [1, 2]), {"dim": 1}),
    "chunk": ("fm", ("a", 2, 1), {}),
    "unbind": ("fm", ("a", 1), {}),
    "narrow": ("fm", ("a", 1, 1, 2), {}),
    "index_select": ("fm", ("a", 1, "idx"), {}),
    "index_select:rep": ("fm", ("a", 1, "rep"), {}),
    "gather": ("fm", ("a", 1, "gidx"), {}),
    "scatter": ("fm", ("a", 1, "gidx", "src"), {}),
    "scatter:value": ("fm", ("a", 1, "gidx", 0.5), {}),
    "scatter_add": ("fm", ("a", 1, "gidx_rep", "src"), {}),
    "masked_fill": ("fm", ("a", "mask", 0.0), {}),
    "masked_select": ("fm", ("a", "mask"), {}),
    "tril": ("fm", ("sq",), {}),
    "tril:k": ("fm", ("sq", -1), {}),
    "triu": ("fm", ("bat", 1), {}),
    "diagonal": ("fm", ("sq",), {}),
    "diagonal:offset": ("fm", ("bat",), {"offset": 1, "dim1": 1, "dim2": 2}),
    "trace": ("fm", ("sq",), {}),
    # linear algebra
    "matmul": ("fm", ("a", "sq"), {}),
    "matmul:1d": ("fm", ("v", "w"), {}),
    "matmul:mv": ("fm", ("sq", "v"), {}),
    "matmul:vm": ("fm", ("v", "sq"), {}),
    "matmul:batched": ("fm", ("bat", "sq"), {}),
    "matmul:broadcast": ("fm", ("s1", "bat"), {}),
    "mm": ("fm", ("a", "sq"), {}),
    "bmm": ("fm", ("bat", "bat"), {}),
    "mv": ("fm", ("sq", "v"), {}),
    "dot": ("fm", ("v", "w"), {}),
    "outer": ("fm", ("v", "w"), {}),
    "einsum": ("f", ("ij,jk->ik", "a", "sq"), {}),
    "einsum:batch": ("f", ("bij,bjk->bik", "bat", "bat"), {}),
    "linalg.norm": ("f", ("a",), {}),
    "linalg.norm:ord": ("f", ("v",), {"ord": 1}),
    "linalg.norm:dim": ("f", ("bat",), {"dim": (1, 2)}),
    "linalg.inv": ("f", ("sq",), {}),
    "linalg.det": ("f", ("sq",), {}),
    "linalg.det:batch": ("f", ("bat",), {}),
    # softmax family
    "softmax": ("fm", ("a", 1), {}),
    "softmax:dim0": ("fm", ("bat",), {"dim": 0}),
    "log_softmax": ("fm", ("a", -1), {}),
    "log_softmax:dim0": ("fm", ("bat",), {"dim": 0}),
    "softmax:huge": ("fm", ("huge", 1), {}),
    "log_softmax:huge": ("fm", ("huge", 1), {}),
    "logsumexp:huge": ("fm", ("huge", 0), {}),
    # 0-d inputs
    "exp:0d": ("fm", ("s0",), {}),
    "mul:0d": ("fm", ("s0", "a"), {}),
    "sum:0d": ("fm", ("s0",), {}),
    "max:0d_dim": ("fm", ("s0", 0), {}),
    "softmax:0d": ("fm", ("s0", 0), {}),
    "reshape:0d": ("fm", ("s0", (1, 1)), {}),
    "unsqueeze:0d": ("fm", ("s0", 0), {}),
}
OP_CASES = [(name, form) for name, (forms, _, _) in OPS.items() for form in forms]


def _bind(x: types.SimpleNamespace, arg: object) -> object:
    if isinstance(arg, str) and arg in ARRAYS:
        return getattr(x, arg)
    if isinstance(arg, list):
        return [_bind(x, a) for a in arg]
    return arg


def op_entry(name: str, form: str):
    """The call of OPS[name] as a function (``form == "f"``) or as a method of its first argument."""
    _, args, kwargs = OPS[name]
    op = name.split(":")[0]

    def call(t, x):
        bound = [_bind(x, a) for a in args]
        if form == "f":
            return resolve(t, op)(*bound, **kwargs)
        return getattr(bound[0], op)(*bound[1:], **kwargs)
    return call


@pytest.mark.parametrize("name,form", OP_CASES)
def test_op(name, form):
    op = name.split(":")[0]
    assert callable(resolve(mt, op) if form == "f" else getattr(mt.Tensor, op))
    check(op_entry(name, form))


# methods whose call differs from the function's (self first, varargs sizes)
METHOD_FORMS = {
    "where": lambda t, x: x.a.where(x.mask, x.b),
    "where:scalar": lambda t, x: x.a.where(x.mask, 0.0),
    "reshape": lambda t, x: x.a.reshape(3, 2),
    "view": lambda t, x: x.bat.view(-1),
    "permute": lambda t, x: x.bat.permute(2, 0, 1),
    "flip": lambda t, x: x.a.flip(1),
    "tile": lambda t, x: x.a.tile(2, 1),
    "expand": lambda t, x: x.c.expand((4, 3)),
    "repeat": lambda t, x: x.c.repeat((2, 2)),
    "size": lambda t, x: x.a.size(dim=1),
}


@pytest.mark.parametrize("name", METHOD_FORMS)
def test_method_form(name):
    check(METHOD_FORMS[name])


OPERATORS = {
    "+": lambda t, x: x.a + x.c,
    "-": lambda t, x: x.a - x.b,
    "*": lambda t, x: x.a * x.b,
    "/": lambda t, x: x.a / x.pos,
    "/:int": lambda t, x: x.ia / x.ib,
    "//": lambda t, x: x.a.detach() // x.pos.detach(),  # torch has no derivative for floor_divide
    "//:int": lambda t, x: x.neg_i // x.ib,
    "%": lambda t, x: x.a % x.pos,
    "%:int": lambda t, x: x.neg_i % x.ib,
    "**": lambda t, x: x.pos ** x.b,
    "@": lambda t, x: x.a @ x.sq,
    "unary -": lambda t, x: -x.a,
    "abs()": lambda t, x: abs(x.a),
    "radd": lambda t, x: 2 + x.a,
    "rsub": lambda t, x: 2 - x.a,
    "rmul": lambda t, x: 2.5 * x.ia,
    "rtruediv": lambda t, x: 2 / x.pos,
    "rfloordiv": lambda t, x: 7 // x.ib,
    "rmod": lambda t, x: 7 % x.ib,
    "rpow": lambda t, x: 2 ** x.a,
    "rmatmul": lambda t, x: x.sq.__rmatmul__(x.a),
    "int + float scalar": lambda t, x: x.ia + 1.5,
    "bool + int": lambda t, x: x.mask + 1,
    "float32 + float64": lambda t, x: x.a + x.d64,
    "float32 + 0-d float64": lambda t, x: x.a + t.tensor(2.0, dtype=t.float64),
    "int32 + int64 scalar": lambda t, x: x.i32 + 5,
    "<": lambda t, x: x.a < x.b,
    "<=": lambda t, x: x.ia <= 3,
    ">": lambda t, x: x.a > 0,
    ">=": lambda t, x: x.a >= x.c,
    "==": lambda t, x: x.ia == x.ib,
    "!=": lambda t, x: x.ia != 2,
    "& | ~ ^": lambda t, x: ((x.mask & x.mask2), (x.mask | x.mask2), ~x.mask, x.mask ^ x.mask2),
}


@pytest.mark.parametrize("name", OPERATORS)
def test_operator(name):
    check(OPERATORS[name])


def _inplace(method: str, *args, **kwargs):
    def call(t, x):
        y = x.a.clone()
        return getattr(y, method)(*[_bind(x, a) for a in args], **kwargs), y
    return call


def _augmented(op: str):
    def call(t, x):
        y = x.a.clone()
        if op == "+=":
            y += x.b
        elif op == "-=":
            y -= x.c
        elif op == "*=":
            y *= x.b
        else:
            y /= x.pos
        return y
    return call


def _setitem(key, value):
    def call(t, x):
        y = x.a.clone()
        y[_bind(x, key) if not isinstance(key, tuple) else tuple(_bind(x, k) for k in key)] = _bind(x, value)
        return y
    return call


INPLACE = {
    "add_": _inplace("add_", "b", alpha=2),
    "sub_": _inplace("sub_", "c"),
    "mul_": _inplace("mul_", "b"),
    "div_": _inplace("div_", "pos"),
    "zero_": _inplace("zero_"),
    "fill_": _inplace("fill_", 2.5),
    "clamp_": _inplace("clamp_", -0.5, 0.5),
    "copy_": _inplace("copy_", "b"),
    "copy_:broadcast": _inplace("copy_", "c"),
    "+=": _augmented("+="),
    "-=": _augmented("-="),
    "*=": _augmented("*="),
    "/=": _augmented("/="),
    "zero_:function": lambda t, x: t.zero_(x.a * 1),
    "fill_:function": lambda t, x: t.fill_(x.a * 1, 0.5),
    "clamp_:function": lambda t, x: t.clamp_(x.a * 1, min=0.0),
    "__setitem__:mask": _setitem("mask", 0.0),
    "__setitem__:slice": _setitem((slice(None), 0), 1.5),
    "__setitem__:tensor": _setitem((0, slice(None)), "c"),
    "__setitem__:index": _setitem((slice(None), "idx"), "src"),
}


@pytest.mark.parametrize("name", INPLACE)
def test_inplace(name):
    check(INPLACE[name])


@pytest.mark.parametrize("lib", ["microtensor", "torch"])
def test_inplace_rules(lib):
    if lib == "torch" and torch is None:
        pytest.skip("PyTorch is not installed")
    t = mt if lib == "microtensor" else torch
    leaf = t.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        leaf.add_(1)
    with t.no_grad():
        leaf.add_(1)
    y = leaf.exp()
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


GETITEM = {
    "int": lambda t, x: x.a[1],
    "int:neg": lambda t, x: x.bat[-1, 0],
    "slice": lambda t, x: x.a[:, 1:],
    "step": lambda t, x: x.bat[::2, :, ::2],
    "None": lambda t, x: x.a[None, :, None],
    "ellipsis": lambda t, x: x.bat[..., 1],
    "bool mask": lambda t, x: x.a[x.mask],
    "bool mask rows": lambda t, x: x.a[x.a[:, 0] > 0],
    "index tensor": lambda t, x: x.sq[x.idx],
    "index tensor dim 1": lambda t, x: x.a[:, x.idx],
    "repeated index": lambda t, x: x.a[x.rep],
    "two index tensors": lambda t, x: x.sq[x.rep, x.rep.flip(0)],
    "list": lambda t, x: x.sq[[0, 2, 2]],
    "mixed": lambda t, x: x.bat[1:, x.idx, 0],
}


@pytest.mark.parametrize("name", GETITEM)
def test_getitem(name):
    check(GETITEM[name])


def _second_backward(t, x):
    y = (x.a * x.b).sum()
    y.backward()
    y.backward()


def _leaf_inplace(t, x):
    x.a.mul_(2)


ERRORS = {
    "numpy() of a tensor that requires grad": lambda t, x: x.a.numpy(),
    "backward of a non-scalar": lambda t, x: (x.a * 2).backward(),
    "second backward": _second_backward,
    "in-place on a leaf that requires grad": _leaf_inplace,
    "item() of many elements": lambda t, x: x.a.item(),
    "size(dim) out of range": lambda t, x: x.a.size(2),
    "requires_grad on ints": lambda t, x: x.ia.requires_grad_(),
    "broadcast mismatch": lambda t, x: x.a + x.v[:2],
    "matmul mismatch": lambda t, x: x.a @ x.a,
    "view of a bad size": lambda t, x: x.a.view(4, 2),
    "cat of mismatched shapes": lambda t, x: t.cat([x.a, x.sq], 1),
    "index out of range": lambda t, x: x.a[5],
    "index tensor out of range": lambda t, x: x.a[x.idx],
    "squeeze dim out of range": lambda t, x: x.a.squeeze(3),
    "softmax dim out of range": lambda t, x: t.softmax(x.a, 2),
    "sum dim out of range": lambda t, x: x.a.sum(-3),
    "len of 0-d": lambda t, x: len(x.s0),
}


@pytest.mark.parametrize("name", ERRORS)
def test_error_type(name):
    with pytest.raises(Exception) as ours:
        ERRORS[name](mt, make_inputs(mt))
    if torch is not None:
        with pytest.raises(Exception) as theirs:
            ERRORS[name](torch, make_inputs(torch))
        assert isinstance(ours.value, type(theirs.value)), (ours.value, theirs.value)


# ----------------------------------------------------------------------------- autograd
def _grad_mode_names(t, x):
    states = [t.is_grad_enabled()]
    with t.no_grad():
        states.append(t.is_grad_enabled())
        with t.enable_grad():
            states.append(t.is_grad_enabled())
    with t.set_grad_enabled(False):
        states.append(t.is_grad_enabled())
    t.set_grad_enabled(False)
    states.append(t.is_grad_enabled())
    t.set_grad_enabled(True)
    with t.inference_mode():
        states.append((x.a * 2).requires_grad)
    return states


def _decorators(t, x):
    @t.no_grad()
    def f(y):
        return y * 2

    @t.enable_grad()
    def g(y):
        return y * 2

    @t.inference_mode()
    def h(y):
        return y * 2

    with t.no_grad():
        inner = g(x.a).requires_grad
    return f(x.a).requires_grad, inner, h(x.a).requires_grad


def _autograd_grad(t, x):
    y = (x.a * x.b).sin().sum()
    ga, gb = t.autograd.grad(y, (x.a, x.b), create_graph=True)
    (gga,) = t.autograd.grad(ga.sum(), x.a, retain_graph=True)
    return ga, gb, gga


def _autograd_grad_outputs(t, x):
    y = x.a.exp()
    unused = t.tensor(1.0, requires_grad=True)
    return t.autograd.grad([y], [x.a, unused], grad_outputs=[x.b.detach()], allow_unused=True, retain_graph=True)


def _autograd_backward(t, x):
    t.autograd.backward([(x.a * 2).sum(), x.b.exp()], [None, t.ones(2, 3)])
    return x.a.grad, x.b.grad


def _custom_function(t, x):
    class Cube(t.autograd.Function):
        @staticmethod
        def forward(ctx, inp, scale):
            ctx.save_for_backward(inp)
            ctx.scale = scale
            return inp ** 3 * scale

        @staticmethod
        def backward(ctx, grad):
            (inp,) = ctx.saved_tensors
            assert ctx.needs_input_grad == (True, False)
            return grad * 3 * inp ** 2 * ctx.scale, None

    class SplitFloor(t.autograd.Function):
        @staticmethod
        def forward(ctx, inp):
            floor = inp.floor()
            ctx.mark_non_differentiable(floor)
            return inp - floor, floor

        @staticmethod
        def backward(ctx, grad_frac, grad_floor):
            return grad_frac

    frac, floor = SplitFloor.apply(x.v * 3)
    return Cube.apply(x.a, 2.0), frac, floor, floor.requires_grad


def _square_sum(y):
    return (y ** 2).sum() * y.sum()


FUNCTIONAL = {
    "jacobian": lambda t, x: t.autograd.functional.jacobian(lambda y: y.exp() * y.sum(), x.v.detach()),
    "jacobian:tuple": lambda t, x: t.autograd.functional.jacobian(lambda y, z: y * z, (x.v.detach(), x.w.detach())),
    "hessian": lambda t, x: t.autograd.functional.hessian(_square_sum, x.v.detach()),
    "vjp": lambda t, x: t.autograd.functional.vjp(lambda y: y.sin() * 2, x.v.detach(), x.w.detach()),
    "jvp": lambda t, x: t.autograd.functional.jvp(lambda y: y.sin() * y, x.v.detach(), x.w.detach()),
    "hvp": lambda t, x: t.autograd.functional.hvp(_square_sum, x.v.detach(), x.w.detach()),
}

AUTOGRAD = {
    "grad mode": _grad_mode_names,
    "grad mode decorators": _decorators,
    "autograd.grad": _autograd_grad,
    "autograd.grad:options": _autograd_grad_outputs,
    "autograd.backward": _autograd_backward,
    "autograd.Function": _custom_function,
    "autograd.gradcheck": lambda t, x: t.autograd.gradcheck(lambda y: (y * y.sin()).sum(1),
                                                            (x.d64,), eps=1e-6, atol=1e-5),
    "autograd.gradgradcheck": lambda t, x: t.autograd.gradgradcheck(lambda y: y.tanh() * y, (x.d64,)),
    **{f"autograd.functional.{k}": v for k, v in FUNCTIONAL.items()},
}


@pytest.mark.parametrize("name", AUTOGRAD)
def test_autograd(name):
    check(AUTOGRAD[name])


def test_gradcheck_reports_a_wrong_backward():
    class Wrong(mt.autograd.Function):
        @staticmethod
        def forward(ctx, inp):
            return inp * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 3

    inp = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    assert mt.autograd.gradcheck(Wrong.apply, (inp,), raise_exception=False) is False
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        mt.autograd.gradcheck(Wrong.apply, (inp,))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's 0/0 in sqrt's backward, the NaN looked for
def test_set_detect_anomaly_names_the_op():
    x = mt.tensor([0.0, 1.0], requires_grad=True)
    with mt.autograd.set_detect_anomaly(True):
        y = x.sqrt() * 0
        with pytest.raises(RuntimeError, match="Sqrt"), pytest.warns(UserWarning, match="SqrtBackward"):
            y.sum().backward()
    mt.autograd.set_detect_anomaly(False)
    assert mt.set_detect_anomaly is mt.autograd.set_detect_anomaly


# ----------------------------------------------------------------------------- a PyTorch script, unchanged
def pytorch_snippet(torch):  # noqa: F811 - the parameter stands in for the module, as in a user's script
    """A typical training step written for PyTorch; run with microtensor passed in as ``torch``."""
    torch.manual_seed(0)
    x = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7], [-0.2, 0.8, 0.1], [1.0, 1.0, -1.0]])
    y = torch.tensor([0, 2, 1, 2])
    w1 = torch.tensor([[0.1, -0.2, 0.3, 0.05], [0.4, 0.1, -0.3, 0.2], [-0.5, 0.2, 0.1, 0.3]], requires_grad=True)
    b1 = torch.zeros(4, requires_grad=True)
    w2 = torch.tensor([[0.2, -0.1, 0.4], [0.3, 0.5, -0.2], [-0.4, 0.1, 0.2], [0.1, -0.3, 0.6]], requires_grad=True)
    b2 = torch.tensor([0.01, -0.02, 0.03], requires_grad=True)
    params = [w1, b1, w2, b2]
    history = []
    for _ in range(3):
        h = torch.relu(x @ w1 + b1)
        h = torch.tanh(h) + torch.sigmoid(h) * 0.5
        logits = h @ w2 + b2
        probs = torch.softmax(logits, dim=1)
        logp = torch.log_softmax(logits, dim=-1)
        picked = logp[torch.arange(4), y]
        confident = probs[probs > 0.3]
        row_max = logits.max(dim=1, keepdim=True).values
        loss = -picked.mean() + 0.1 * confident.sum() + 0.01 * (logits - row_max).pow(2).sum(dim=1, keepdim=True).mean()
        loss.backward()
        grads = [p.grad.clone() for p in params]
        with torch.no_grad():
            for p in params:
                p -= 0.5 * p.grad
        for p in params:
            p.grad.zero_()
        history.append((loss.item(), grads, probs.argmax(dim=1).tolist(), [p.detach().clone() for p in params]))
    return history


def test_pytorch_snippet_runs_unchanged():
    ours = pytorch_snippet(mt)
    assert all(math.isfinite(loss) for loss, *_ in ours)
    assert ours[2][0] < ours[0][0]
    if torch is None:
        return
    theirs = pytorch_snippet(torch)
    for (loss, grads, pred, params), (t_loss, t_grads, t_pred, t_params) in zip(ours, theirs):
        assert math.isclose(loss, t_loss, rel_tol=1e-5)
        assert pred == t_pred
        for o, e in zip(grads + params, t_grads + t_params):
            assert_same(o, e)
