"""Sparse COO tensors: construction, to_sparse / to_dense, coalesce, sparse.mm and the mm family, sparse.sum.

Every op runs through one table as a function of ``lib`` (microtensor or torch), so the same code is checked
with finite differences and against PyTorch.
"""
import numpy as np
import pytest
from helpers import check_gradients, requires_torch, torch
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
import microtensor.nn as nn
import microtensor.nn.functional as F

# torch notes once per process that it does not check sparse invariants by default (microtensor always does)
pytestmark = pytest.mark.filterwarnings("ignore:Sparse invariant checks are implicitly disabled")


@st.composite
def problems(draw, max_side=4):
    """(indices (2, nnz) with duplicates, n, m, p, seed): a sparse (n, m) matrix and a dense (m, p) one; sides
    and nnz may be 0."""
    n, m, p = draw(st.integers(0, max_side)), draw(st.integers(0, max_side)), draw(st.integers(0, 3))
    nnz = draw(st.integers(0, 7)) if n and m else 0
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    index = np.stack([rng.integers(0, max(n, 1), nnz), rng.integers(0, max(m, 1), nnz)]).astype(np.int64)
    return index, n, m, p, seed


def sparse(lib, index, values, size):
    return lib.sparse_coo_tensor(lib.tensor(index), values, size)


# name -> (op of (lib, index, (n, m)) returning a function of (values, dense), the dense operand's shape from
# (n, m, p)); each output is dense, so finite differences and PyTorch see the same thing
OPS = {
    "to_dense": (lambda lib, i, s: lambda v, x: sparse(lib, i, v, s).to_dense() * x.sum(), lambda n, m, p: (p,)),
    "coalesce": (lambda lib, i, s: lambda v, x: sparse(lib, i, v, s).coalesce().values() * x.sum(),
                 lambda n, m, p: (p,)),
    "sparse.mm": (lambda lib, i, s: lambda v, x: lib.sparse.mm(sparse(lib, i, v, s), x), lambda n, m, p: (m, p)),
    "sparse.mm dense first": (lambda lib, i, s: lambda v, x: lib.sparse.mm(x, sparse(lib, i, v, s)),
                              lambda n, m, p: (p, n)),
    "mm": (lambda lib, i, s: lambda v, x: lib.mm(sparse(lib, i, v, s), x), lambda n, m, p: (m, p)),
    "spmm": (lambda lib, i, s: lambda v, x: lib.spmm(sparse(lib, i, v, s), x), lambda n, m, p: (m, p)),
    "matmul": (lambda lib, i, s: lambda v, x: lib.matmul(sparse(lib, i, v, s), x), lambda n, m, p: (m, p)),
    "@ vector": (lambda lib, i, s: lambda v, x: sparse(lib, i, v, s) @ x, lambda n, m, p: (m,)),
    "vector @": (lambda lib, i, s: lambda v, x: x @ sparse(lib, i, v, s), lambda n, m, p: (n,)),
    "Tensor.mm of t()": (lambda lib, i, s: lambda v, x: sparse(lib, i, v, s).t().mm(x), lambda n, m, p: (n, p)),
    "transpose then sparse.mm": (lambda lib, i, s: lambda v, x: lib.sparse.mm(sparse(lib, i, v, s).transpose(0, 1),
                                                                              x), lambda n, m, p: (n, p)),
    "sparse.sum dim=1": (lambda lib, i, s: lambda v, x: lib.sparse.sum(sparse(lib, i, v, s), dim=1).to_dense()
                         * x.sum(), lambda n, m, p: (p,)),
    "sparse.sum dim=0": (lambda lib, i, s: lambda v, x: lib.sparse.sum(sparse(lib, i, v, s), 0).to_dense() * x.sum(),
                         lambda n, m, p: (p,)),
    "sparse.sum": (lambda lib, i, s: lambda v, x: lib.sparse.sum(sparse(lib, i, v, s)) * x, lambda n, m, p: (p,)),
}


def _arrays(index, n, m, p, seed, name):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(index.shape[1]), rng.standard_normal(OPS[name][1](n, m, p))


@pytest.mark.parametrize("name", OPS)
@given(problem=problems())
@settings(max_examples=12, deadline=None, derandomize=True)
def test_sparse_gradcheck(name, problem):
    index, n, m, p, seed = problem
    check_gradients(OPS[name][0](mt, index, (n, m)), *_arrays(index, n, m, p, seed, name))


def _torch_results(fn, arrays):
    inputs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*inputs)
    out.backward(torch.ones_like(out) * 0.5 + torch.arange(out.numel(), dtype=out.dtype).reshape(out.shape))
    return out.detach().numpy(), [t.grad.numpy() if t.grad is not None else np.zeros(t.shape) for t in inputs]


def _mt_results(fn, arrays):
    inputs = [mt.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*inputs)
    out.backward(mt.ones_like(out) * 0.5 + mt.arange(out.numel(), dtype=out.dtype).reshape(out.shape))
    return out.detach().numpy(), [t.grad.numpy() if t.grad is not None else np.zeros(t.shape) for t in inputs]


@requires_torch
@pytest.mark.parametrize("name", OPS)
@given(problem=problems())
@settings(max_examples=10, deadline=None, derandomize=True)
def test_sparse_ops_match_torch(name, problem):
    index, n, m, p, seed = problem
    arrays = _arrays(index, n, m, p, seed, name)
    ours, theirs = _mt_results(OPS[name][0](mt, index, (n, m)), arrays), \
        _torch_results(OPS[name][0](torch, index, (n, m)), arrays)
    assert ours[0].shape == theirs[0].shape
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10, atol=1e-12)
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------- to_sparse from dense
MASK_SHAPES = [(), (1,), (3,), (2, 3), (1, 4), (2, 0), (2, 3, 2)]


def _masked(shape, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape), (rng.random(shape) < 0.6).astype(np.float64)


@pytest.mark.parametrize("shape", MASK_SHAPES)
@pytest.mark.parametrize("sparse_dim", [None, 1])
def test_to_sparse_gradcheck(shape, sparse_dim):
    if sparse_dim is not None and not shape:
        pytest.skip("a 0-d tensor has no dim to keep dense")
    a, mask = _masked(shape, 0)
    # the mask keeps the pattern fixed under the finite-difference steps: a zero stays zero
    check_gradients(lambda x: (x * mt.tensor(mask)).to_sparse(sparse_dim).to_dense() ** 2, a)


@pytest.mark.parametrize("shape", [(2, 3), (4, 1), (3, 0)])
def test_to_sparse_then_sparse_mm_gradcheck(shape):
    a, mask = _masked(shape, 1)
    x = np.random.default_rng(2).standard_normal((shape[1], 2))
    check_gradients(lambda a, x: mt.sparse.mm((a * mt.tensor(mask)).to_sparse(), x), a, x)


@requires_torch
@pytest.mark.parametrize("shape", MASK_SHAPES)
@pytest.mark.parametrize("sparse_dim", [None, 1])
def test_to_sparse_matches_torch(shape, sparse_dim):
    if sparse_dim is not None and not shape:
        pytest.skip("a 0-d tensor has no dim to keep dense")
    a, mask = _masked(shape, 3)
    a = a * mask
    ours, theirs = mt.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    args = () if sparse_dim is None else (sparse_dim,)      # torch's to_sparse takes no None
    s, t = ours.to_sparse(*args), theirs.to_sparse(*args)
    assert (s.is_sparse, s.layout, s.is_coalesced(), s.sparse_dim(), s.dense_dim(), s._nnz()) == \
        (t.is_sparse, mt.sparse_coo, t.is_coalesced(), t.sparse_dim(), t.dense_dim(), t._nnz())
    np.testing.assert_array_equal(s.indices().numpy(), t.indices().numpy())
    np.testing.assert_array_equal(s.values().detach().numpy(), t.values().detach().numpy())
    weights = np.arange(a.size, dtype=np.float64).reshape(a.shape)
    (s.to_dense() * mt.tensor(weights)).sum().backward()
    (t.to_dense() * torch.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())   # the grad masked at the pattern


@requires_torch
def test_to_sparse_keeps_nan_and_every_dtype():
    for values in ([0.0, float("nan"), 2.0], [0, 3, 0], [False, True]):
        s, t = mt.tensor(values).to_sparse(), torch.tensor(values).to_sparse()
        assert s.dtype.name == str(t.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(s.indices().numpy(), t.indices().numpy())
        np.testing.assert_array_equal(s.values().numpy(), t.values().numpy())


def test_to_sparse_and_to_dense_forms():
    x = mt.tensor([[0.0, 1.0], [2.0, 0.0]])
    assert x.to_dense() is x and not x.is_sparse and x.layout == mt.strided and repr(x.layout) == "microtensor.strided"
    s = x.to_sparse()
    assert s.to_sparse() is s and s.to_sparse(2) is s and x.to_sparse(sparse_dim=2).shape == (2, 2)
    for other in (x.to_sparse_coo(), x.to_sparse(layout=mt.sparse_coo), x.to_sparse(dense_dim=0)):
        np.testing.assert_array_equal(other.to_dense().numpy(), x.numpy())
    assert (x.sparse_dim(), x.dense_dim()) == (0, 2)
    assert isinstance(s, mt.Tensor) and mt.is_tensor(s) and s.is_sparse and s.layout is mt.sparse_coo
    assert (s.shape, s.size(), s.size(-1), s.dim(), s.ndim, s.numel(), len(s)) == ((2, 2), (2, 2), 2, 2, 2, 4, 2)
    assert s.dtype == mt.float32 and s.device == mt.device("cpu") and s.is_floating_point() and s.element_size() == 4


# ----------------------------------------------------------------------------- construction and coalescing
@requires_torch
@pytest.mark.parametrize("args, kwargs", [
    (([[0, 1, 1, 0], [2, 0, 2, 2]], [3.0, 4.0, 5.0, 1.0], (2, 3)), {}),
    (([[0, 1, 1, 0], [2, 0, 2, 2]], [3.0, 4.0, 5.0, 1.0]), {}),                        # size inferred
    (([[0, 1], [1, 0]], [1, 2]), {}),                                                     # int values stay int64
    (([[0, 1], [1, 0]], [1, 2]), {"dtype": "float64"}),
    (([[0, 1], [1, 0]], [1.0, 2.0]), {"size": [3, 3], "is_coalesced": True}),
    (([[0, 1, 1], [1, 0, 1]], np.ones((3, 2))), {}),                                      # hybrid: dense values
    (([[1, 0, 1]], [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], (2, 2)), {}),
    ((np.zeros((2, 0), np.int64), np.zeros(0), (3, 3)), {}),                              # no entries
    ((np.zeros((2, 0), np.int64), np.zeros(0)), {}),
    (([[0]], 1.0, (2,)), {}),                                                             # 0-d values: one entry
    (([[0.0, 2.0]], [1.0, 1.0], (3,)), {"check_invariants": True}),                       # float indices
])
def test_sparse_coo_tensor_matches_torch(args, kwargs):
    def build(lib):
        i, v, *rest = args
        kw = dict(kwargs)
        if "dtype" in kw:
            kw["dtype"] = getattr(lib, kw["dtype"])
        vals = lib.tensor(v) if isinstance(v, np.ndarray) or isinstance(v, float) else v
        return lib.sparse_coo_tensor(lib.tensor(i) if isinstance(i, np.ndarray) else i, vals, *rest, **kw)
    s, t = build(mt), build(torch)
    assert tuple(s.shape) == tuple(t.shape) and s.dtype.name == str(t.dtype).removeprefix("torch.")
    assert (s.is_coalesced(), s._nnz(), s.sparse_dim(), s.dense_dim()) == \
        (t.is_coalesced(), t._nnz(), t.sparse_dim(), t.dense_dim())
    np.testing.assert_array_equal(s._indices().numpy(), t._indices().numpy())
    np.testing.assert_array_equal(s._values().numpy(), t._values().numpy())
    np.testing.assert_array_equal(s.to_dense().numpy(), t.to_dense().numpy())
    c, d = s.coalesce(), t.coalesce()
    np.testing.assert_array_equal(c.indices().numpy(), d.indices().numpy())
    np.testing.assert_array_equal(c.values().numpy(), d.values().numpy())
    assert c.is_coalesced() and c.coalesce() is c


@requires_torch
def test_transpose_and_sum_match_torch_metadata():
    i, v = [[0, 1, 1], [2, 0, 2]], [3.0, 4.0, 5.0]
    s, t = mt.sparse_coo_tensor(i, v, (2, 3)).coalesce(), torch.sparse_coo_tensor(i, v, (2, 3)).coalesce()
    for a, b in ((s.t(), t.t()), (s.transpose(1, 0), t.transpose(1, 0)), (mt.sparse.sum(s, 1), torch.sparse.sum(t, 1)),
                 (mt.sparse.sum(s, dim=(-1,)), torch.sparse.sum(t, dim=(-1,)))):
        assert tuple(a.shape) == tuple(b.shape) and a.is_coalesced() == b.is_coalesced()
        np.testing.assert_array_equal(a._indices().numpy(), b._indices().numpy())
        np.testing.assert_array_equal(a._values().numpy(), b._values().numpy())
    assert mt.sparse.sum(s, (0, 1)).item() == 12.0 and mt.sparse.sum(s, dtype=mt.float64).dtype == mt.float64
    hybrid = mt.sparse_coo_tensor(i, np.ones((3, 2)), (2, 3, 2))
    np.testing.assert_array_equal(mt.sparse.sum(hybrid, 2).to_dense().numpy(),
                                  torch.sparse.sum(torch.sparse_coo_tensor(i, np.ones((3, 2)), (2, 3, 2)), 2)
                                  .to_dense().numpy())


# ----------------------------------------------------------------------------- gradients of sparse leaves
@requires_torch
@pytest.mark.parametrize("index", [[[0, 1, 1], [2, 0, 2]], [[0, 1, 1, 0], [2, 0, 2, 2]]],
                         ids=["coalesced", "duplicates"])
@pytest.mark.parametrize("use", ["sparse.mm", "to_dense", "sparse.sum"])
def test_sparse_leaf_grad_matches_torch(index, use):
    rng = np.random.default_rng(0)
    v, x, w = rng.standard_normal(len(index[0])), rng.standard_normal((3, 2)), rng.standard_normal((2, 3))
    grads = []
    for lib in (mt, torch):
        s = lib.sparse_coo_tensor(index, lib.tensor(v), (2, 3), requires_grad=True)
        assert s.requires_grad and s.is_leaf and s.grad is None
        out = {"sparse.mm": lambda: lib.sparse.mm(s, lib.tensor(x)),
               "to_dense": lambda: s.to_dense() * lib.tensor(w),
               "sparse.sum": lambda: lib.sparse.sum(s)}[use]()
        out.sum().backward()
        grads.append(s.grad)
    g, h = grads
    assert g.is_sparse and h.is_sparse
    np.testing.assert_array_equal(g._indices().numpy(), h._indices().numpy())
    np.testing.assert_allclose(g._values().numpy(), h._values().numpy(), rtol=1e-12)


@requires_torch
def test_values_of_sparse_coo_tensor_get_the_gradient():
    index, v = [[0, 1, 1, 0], [2, 0, 2, 2]], np.array([3.0, 4.0, 5.0, 1.0])
    x = np.random.default_rng(1).standard_normal((3, 2))
    grads = []
    for lib in (mt, torch):
        vals = lib.tensor(v, requires_grad=True)
        s = lib.sparse_coo_tensor(index, vals, (2, 3))
        assert s.requires_grad and not s.is_leaf and not vals.grad
        (lib.mm(s, lib.tensor(x)).pow(2).sum() + lib.sparse.mm(s.coalesce(), lib.tensor(x)).sum()).backward()
        grads.append(vals.grad.numpy())
    np.testing.assert_allclose(*grads, rtol=1e-12)


def test_sparse_leaf_flags_and_grad_reset():
    s = mt.sparse_coo_tensor([[0, 1]], [1.0, 2.0], (3,), requires_grad=True)
    assert "requires_grad=True" in repr(s)
    mt.sparse.sum(s).backward()
    np.testing.assert_array_equal(s.grad.to_dense().numpy(), [1.0, 1.0, 0.0])
    s.grad = None
    assert s.grad is None
    with pytest.raises(RuntimeError, match="can only be set to None"):
        s.grad = mt.zeros(3)
    d = s.detach()
    assert not d.requires_grad and d.is_leaf and np.array_equal(d.to_dense().numpy(), [1.0, 2.0, 0.0])
    assert s.double().dtype == mt.float64 and s.to("cpu") is s and s.float() is s
    v = mt.tensor([1.0, 2.0])
    t = mt.sparse_coo_tensor([[0, 1]], v)
    t.requires_grad_()
    assert t.requires_grad and not v.requires_grad           # the flag is the sparse tensor's, not the input's
    with mt.no_grad():
        assert not mt.sparse_coo_tensor([[0, 1]], mt.tensor([1.0, 2.0], requires_grad=True)).requires_grad


def test_second_order_through_sparse_mm_and_its_backward():
    """The backward of SparseMM is made of differentiable ops: a Hessian-vector product through it."""
    index = np.array([[0, 1, 1, 2], [1, 0, 2, 2]])
    rng = np.random.default_rng(0)
    v = mt.tensor(rng.standard_normal(4), requires_grad=True)
    x = mt.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    out = mt.sparse.mm(mt.sparse_coo_tensor(index, v, (3, 3)), x).pow(2).sum()
    gv, gx = mt.autograd.grad(out, (v, x), create_graph=True)
    (gv.sum() + gx.sum()).backward()
    assert v.grad is not None and x.grad is not None and np.isfinite(v.grad.numpy()).all()


# ----------------------------------------------------------------------------- errors
# (call on lib, PyTorch's message; microtensor's is the same)
TORCH_ERRORS = {
    "nnz mismatch": (lambda lib: lib.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], [1.0, 2.0], (2, 3)),
                     "indices and values must have same nnz, but got nnz from indices: 3, nnz from values: 2"),
    "indices not 2-D": (lambda lib: lib.sparse_coo_tensor([0, 1], [1.0, 2.0]),
                        r"indices must be sparse_dim x nnz, but got: \[2\]"),
    "index out of range": (lambda lib: lib.sparse_coo_tensor([[0, 1], [2, 3]], [1.0, 2.0], (2, 3),
                                                             check_invariants=True),
                           "size is inconsistent with indices: for dim 1, size is 3 but found index 3"),
    "negative index": (lambda lib: lib.sparse_coo_tensor([[0, -1]], [1.0, 2.0], (3,), check_invariants=True),
                       "found negative index -1 for dim 0"),
    "size of wrong length": (lambda lib: lib.sparse_coo_tensor([[0, 1], [1, 0]], [1.0, 2.0], (2,)),
                             r"'len\(size\) == sparse_dim \+ dense_dim' is not satisfied: len\(size\) = 1, "
                             "sparse_dim = 2, dense_dim = 0"),
    "values of wrong dense shape": (lambda lib: lib.sparse_coo_tensor([[0, 1]], lib.ones(2, 2), (3, 3)),
                                    r"values has incorrect size, expected \[2, 3\], got \[2, 2\]"),
    "int values requiring grad": (lambda lib: lib.sparse_coo_tensor([[0]], [1], requires_grad=True),
                                  "(O|o)nly Tensors of floating point"),
    "indices of uncoalesced": (lambda lib: lib.sparse_coo_tensor([[0, 0]], [1.0, 2.0]).indices(),
                               r"Cannot get indices on an uncoalesced tensor, please call .coalesce\(\) first"),
    "values of uncoalesced": (lambda lib: lib.sparse_coo_tensor([[0, 0]], [1.0, 2.0]).values(),
                              r"Cannot get values on an uncoalesced tensor, please call .coalesce\(\) first"),
    "indices of dense": (lambda lib: lib.ones(2).indices(), "indices expected sparse coordinate tensor layout but "
                         "got Strided"),
    "values of dense": (lambda lib: lib.ones(2).values(), "values expected sparse tensor layout but got Strided"),
    "coalesce dense": (lambda lib: lib.ones(2).coalesce(), "coalesce expected sparse coordinate tensor layout"),
    "is_coalesced dense": (lambda lib: lib.ones(2).is_coalesced(), "is_coalesced expected sparse coordinate"),
    "sparse_dim too big": (lambda lib: lib.ones(2, 2).to_sparse(3),
                           r"dense_to_sparse: sparse_dim argument must be in \[0,2\] range, but 3 is given"),
    "sparse_dim 0": (lambda lib: lib.ones(2, 2).to_sparse(0),
                     "dense_to_sparse: sparse_dim argument must be in >0 when self.dim"),
    "sparse to other sparse_dim": (lambda lib: lib.ones(2, 2).to_sparse().to_sparse(1),
                                   "conversion from Sparse to Sparse with sparse_dim argument"),
    "to_dense dtype": (lambda lib: lib.ones(2, 2).to_sparse().to_dense(dtype=lib.float64),
                       "dtype argument is not supported by sparse_to_dense"),
    "t of 3-D": (lambda lib: lib.ones(2, 2, 2).to_sparse().t(),
                 "t\\(\\) expects a tensor with <= 2 sparse and 0 dense dimensions, but got 3 sparse"),
    "transpose a dense dim": (lambda lib: lib.ones(2, 2, 2).to_sparse(2).transpose(0, 2),
                              "sparse transpose: transposed dimensions must be sparse"),
    "mm dtypes": (lambda lib: lib.sparse.mm(lib.ones(2, 3).to_sparse(), lib.ones(3, 2, dtype=lib.float64)),
                  "expected scalar type Float but found Double"),
}


@pytest.mark.parametrize("name", TORCH_ERRORS)
def test_errors(name):
    call, message = TORCH_ERRORS[name]
    with pytest.raises(RuntimeError, match=message):
        call(mt)


@requires_torch
@pytest.mark.parametrize("name", TORCH_ERRORS)
def test_errors_are_torchs(name):
    call, message = TORCH_ERRORS[name]
    with pytest.raises(RuntimeError, match=message):
        call(torch)


def test_indices_are_always_checked():
    """PyTorch checks them only with check_invariants=True (and reads out of bounds otherwise)."""
    with pytest.raises(RuntimeError, match="for dim 0, size is 2 but found index 5"):
        mt.sparse_coo_tensor([[5]], [1.0], (2,))


S = mt.tensor([[0.0, 1.0, 0.0], [2.0, 0.0, 3.0]]).to_sparse()
# (call, the op the message names): every dense-only op fails naming itself and pointing to to_dense()
DENSE_ONLY = [
    (lambda: S.exp(), "exp"), (lambda: mt.exp(S), "exp"), (lambda: S + 1, "add"), (lambda: S * S, "mul"),
    (lambda: S.view(-1), "view"), (lambda: S.reshape(6), "reshape"), (lambda: S.sum(), "sum"),
    (lambda: S[0], "getitem"), (lambda: S.numpy(), "numpy"), (lambda: S.tolist(), "tolist"),
    (lambda: S.item(), "item"), (lambda: F.relu(S), "relu"), (lambda: F.linear(S, mt.ones(2, 3)), "linear"),
    (lambda: nn.Linear(3, 2)(S), "linear"), (lambda: mt.bmm(S, S), "bmm"), (lambda: S.clone(), "clone"),
    (lambda: mt.cat([S, S]), "cat"), (lambda: S.data, "data"),
]


@pytest.mark.parametrize("call, op", DENSE_ONLY, ids=[op for _, op in DENSE_ONLY])
def test_dense_only_ops_name_themselves(call, op):
    with pytest.raises(RuntimeError, match=rf"^{op}\(\): not supported for sparse tensors .*call \.to_dense\(\)"):
        call()


MM_ERRORS = [
    (lambda: mt.sparse.mm(S, mt.ones(2, 2)),
     r"sparse\.mm\(\): mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x2\)"),
    (lambda: mt.mm(S, mt.ones(2, 2)), r"mm\(\): mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x2\)"),
    (lambda: mt.ones(2, 2) @ S.t(), r"matmul\(\): mat1 and mat2 shapes cannot be multiplied \(2x2 and 3x2\)"),
    (lambda: mt.spmm(S, mt.ones(3)), r"mm\(\): expected a 2-D dense matrix"),
    (lambda: mt.sparse.mm(S, S.t()), "the product of two sparse tensors is not supported"),
    (lambda: mt.matmul(S, mt.ones(2, 3, 2)), "expected a 2-D dense matrix"),
    (lambda: mt.sparse.mm(mt.ones(2, 2, 2).to_sparse(), mt.ones(2, 2)), "expected a sparse matrix"),
    (lambda: mt.sparse.mm(S, [[1.0]]), "must be Tensor, not list"),
    (lambda: mt.sparse.sum(mt.ones(2)), r"sparse\.sum\(\): expected a sparse tensor"),
    (lambda: mt.ones(2).to_sparse(layout="csr"), "has the sparse COO layout"),
]


@pytest.mark.parametrize("call, message", MM_ERRORS)
def test_product_errors(call, message):
    with pytest.raises((RuntimeError, TypeError), match=message):
        call()


@pytest.mark.parametrize("make", [
    lambda: mt.sparse_coo_tensor([[0, 1], [1, 0]], [1.0, 2.0], requires_grad=True),
    lambda: mt.tensor([[0.0, 1.0], [2.0, 0.0]], requires_grad=True).to_sparse(),
], ids=["leaf", "to_sparse"])
@pytest.mark.parametrize("product", [lambda s, x: mt.mm(s, x), lambda s, x: s @ x, lambda s, x: mt.spmm(s, x),
                                     lambda s, x: mt.matmul(s, x), lambda s, x: x @ s.t()])
def test_mm_refuses_the_dense_gradient_pytorch_would_give(make, product):
    """torch.mm gives such an operand a dense gradient, torch.sparse.mm one at the pattern; no silent mix-up."""
    s, x = make(), mt.ones(2, 2)
    with pytest.raises(RuntimeError, match="a dense gradient, which microtensor does not compute; use "
                                           "microtensor.sparse.mm"):
        product(s, x)
    with mt.no_grad():
        product(s, x)
    mt.sparse.mm(s, x).sum().backward()
    with pytest.raises(RuntimeError, match="dense gradient"):
        s.to_dense(masked_grad=False)


@requires_torch
def test_repr_matches_torch_layout():
    s = mt.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], [3.0, 4.0, 5.0], (2, 3))
    t = torch.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], [3.0, 4.0, 5.0], (2, 3))
    assert repr(s) == repr(t).replace("torch.", "microtensor.")
    s2 = mt.tensor([[0.0, 1.0]], dtype=mt.float64, requires_grad=True).to_sparse()
    t2 = torch.tensor([[0.0, 1.0]], dtype=torch.float64, requires_grad=True).to_sparse()
    assert repr(s2).split("values")[0] == repr(t2).split("values")[0]
    assert repr(s2).endswith("grad_fn=<GatherAtBackward0>)")


@requires_torch
@pytest.mark.filterwarnings("ignore:torch.sparse.SparseTensor")     # torch's own deprecation warning
def test_legacy_sparse_float_tensor_warns_as_torch():
    """pygcn's sparse_mx_to_torch_sparse_tensor: torch.sparse.FloatTensor(indices, values, shape)."""
    index, values = np.array([[0, 1], [1, 0]]), np.array([1.0, 2.0], np.float32)
    with pytest.warns(UserWarning, match="is deprecated.  Please use microtensor.sparse_coo_tensor"):
        s = mt.sparse.FloatTensor(mt.from_numpy(index), mt.from_numpy(values), mt.Size([2, 2]))
    t = torch.sparse.FloatTensor(torch.from_numpy(index), torch.from_numpy(values), torch.Size([2, 2]))
    assert s.dtype.name == str(t.dtype).removeprefix("torch.") and tuple(s.shape) == tuple(t.shape)
    np.testing.assert_array_equal(s.to_dense().numpy(), t.to_dense().numpy())
    with pytest.warns(UserWarning):
        empty = mt.sparse.FloatTensor(2, 3)
    assert empty.shape == (2, 3) and empty._nnz() == 0 and empty.dtype == mt.float32
