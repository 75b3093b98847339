"""Linear algebra: matmul and its special cases, einsum, inverse, determinants, norms."""
import math

import numpy as np
import pytest
from helpers import check_gradients, compare_with_torch, rand, requires_torch, seeds, torch
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import microtensor as mt
import microtensor.linalg as LA

# (shape of a, shape of b) for a @ b: every case of matmul's rank rules
MATMUL_SHAPES = [
    ((3,), (3,)), ((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)), ((2, 2, 3), (3, 4)), ((2, 3), (2, 3, 4)),
    ((2, 1, 2, 3), (3, 3, 2)), ((3, 2, 3), (3, 3, 2)), ((3,), (2, 3, 4)), ((2, 2, 3), (3,)), ((1, 1), (1, 1)),
    ((2, 0), (0, 3)),
]


@pytest.mark.parametrize("sa, sb", MATMUL_SHAPES)
def test_matmul_gradcheck(sa, sb):
    check_gradients(lambda a, b: a @ b, *rand(0, sa, sb))


sizes = st.integers(1, 3)


@st.composite
def matmul_shapes(draw):
    """Compatible shapes for a @ b: batch dims that broadcast (size-1 and missing ones), 1-D operands too."""
    batch = draw(mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3)).input_shapes
    m, k, n = draw(sizes), draw(sizes), draw(sizes)
    a_vector, b_vector = draw(st.booleans()), draw(st.booleans())
    return (k,) if a_vector else batch[0] + (m, k), (k,) if b_vector else batch[1] + (k, n)


@given(shapes=matmul_shapes(), seed=seeds)
@example(shapes=((2, 1, 3, 4), (5, 4, 2)), seed=0).via("batch dims broadcast both ways")
@example(shapes=((4,), (2, 3, 4, 2)), seed=1).via("1-D on the left of a batch")
@example(shapes=((2, 3, 4), (4,)), seed=2).via("1-D on the right of a batch")
@settings(max_examples=20, deadline=None, derandomize=True)
def test_batched_matmul_gradcheck(shapes, seed):
    check_gradients(mt.matmul, *rand(seed, *shapes))
    check_gradients(lambda a, b: b.__rmatmul__(a), *rand(seed, *shapes), second_order=False)


@requires_torch
@pytest.mark.parametrize("sa, sb", MATMUL_SHAPES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matmul_matches_torch(sa, sb, dtype):
    a, b = (x.astype(dtype) for x in rand(1, sa, sb))
    compare_with_torch(lambda a, b: a @ b, a, b)
    compare_with_torch(lambda a, b: b.__rmatmul__(a), a, b)


@requires_torch
def test_matmul_of_integers_matches_torch():
    a, b = np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4) - 4
    compare_with_torch(lambda a, b: a @ b, a, b)


def test_matmul_chains_second_order():
    # the products reuse their operands, so gradgradcheck goes through every transposed-flag case of MatMul
    check_gradients(lambda a, b: mt.matmul(a.reshape(3, 2, 2).sum(-1), b) @ b, *rand(2, (3, 4), (2, 2)))
    check_gradients(lambda a, b: (a @ b) @ (a @ b).sum(1), *rand(3, (2, 3, 2), (2, 2)))
    check_gradients(lambda a, b: (b @ a) @ (b @ a).sum(1).reshape(3, 2), *rand(3, (2, 2, 3), (2, 2)))


# name -> (input shapes, f(*xs, lib))
OPS = {
    "mm": (((2, 3), (3, 4)), lambda a, b, T: T.mm(a, b)),
    "mm_method": (((1, 3), (3, 1)), lambda a, b, T: a.mm(b)),
    "bmm": (((2, 2, 3), (2, 3, 4)), lambda a, b, T: T.bmm(a, b)),
    "mv": (((2, 3), (3,)), lambda a, b, T: a.mv(b)),
    "dot": (((4,), (4,)), lambda a, b, T: T.dot(a, b)),
    "outer": (((3,), (2,)), lambda a, b, T: T.outer(a, b)),
    "einsum_matmul": (((2, 3), (3, 4)), lambda a, b, T: T.einsum("ij,jk->ik", a, b)),
    "einsum_batched": (((2, 2, 3), (2, 3, 4)), lambda a, b, T: T.einsum("bij,bjk->bik", a, b)),
    "einsum_implicit": (((2, 3), (3, 4)), lambda a, b, T: T.einsum("ij,jk", a, b)),
    "einsum_transpose": (((2, 3),), lambda a, T: T.einsum("ij->ji", a)),
    "einsum_trace": (((3, 3),), lambda a, T: T.einsum("ii", a)),
    "einsum_diagonal": (((3, 3),), lambda a, T: T.einsum("ii->i", a)),
    "einsum_repeated_3": (((2, 2, 3),), lambda a, T: T.einsum("iij->j", a)),
    "einsum_sum_only": (((2, 3), (3,)), lambda a, b, T: T.einsum("ij,k->i", a, b)),
    "einsum_outer": (((2,), (3,)), lambda a, b, T: T.einsum("i,j->ij", a, b)),
    "einsum_three": (((2, 3), (3, 4), (4,)), lambda a, b, c, T: T.einsum("ij,jk,k->i", a, b, c)),
    "einsum_same_operand": (((3,),), lambda a, T: T.einsum("i,i->", a, a)),
    "einsum_ellipsis": (((2, 2, 3), (3, 4)), lambda a, b, T: T.einsum("...ij,jk->...ik", a, b)),
    "einsum_ellipsis_broadcast": (((2, 1, 3), (4, 3)), lambda a, b, T: T.einsum("...j,...j->...", a, b)),
    "einsum_ellipsis_summed": (((2, 3, 2),), lambda a, T: T.einsum("i...->i", a)),
    "einsum_ellipsis_middle": (((2, 3, 4),), lambda a, T: T.einsum("i...j->j...i", a)),
    "einsum_list_operands": (((2, 3), (3,)), lambda a, b, T: T.einsum("ij,j->i", [a, b])),
    "einsum_spaces": (((2, 3), (3,)), lambda a, b, T: T.einsum("i j , j -> i", a, b)),
}


@pytest.mark.parametrize("name", OPS)
@given(seed=seeds)
@settings(max_examples=5)
def test_op_gradcheck(name, seed):
    shapes, f = OPS[name]
    check_gradients(lambda *xs: f(*xs, mt), *rand(seed, *shapes))


LETTERS = "abcd"


def _einsum(draw):
    """A random equation over up to 4 letters: 1-3 operands (a letter may repeat inside one: a diagonal),
    an explicit output (a subset in any order) or an implicit one, sometimes a broadcast ``...``."""
    size = {c: draw(sizes) for c in LETTERS[:draw(st.integers(1, 4))]}
    terms = []
    for _ in range(draw(st.integers(1, 3))):
        term = draw(st.permutations(sorted(size)))[:draw(st.integers(1, 3))]
        terms.append(term + term[:1] * draw(st.integers(0, 1)))     # a repeated letter takes a diagonal
    shapes = [tuple(size[c] for c in t) for t in terms]
    ellipsis = draw(st.booleans())
    if ellipsis:  # every operand gets a "..." in front, standing for batch dims that broadcast together
        batch = draw(mutually_broadcastable_shapes(num_shapes=len(terms), min_dims=0, max_dims=2,
                                                   max_side=2)).input_shapes
        shapes = [b + sh for b, sh in zip(batch, shapes)]
    inputs = ",".join(("..." if ellipsis else "") + "".join(t) for t in terms)
    if draw(st.booleans()):
        return inputs, shapes
    used = sorted({c for t in terms for c in t})
    out = draw(st.permutations(used))[:draw(st.integers(0, len(used)))]
    return f"{inputs}->{'...' if ellipsis else ''}{''.join(out)}", shapes


def _mm(draw):
    m, k, n = draw(sizes), draw(sizes), draw(sizes)
    return (lambda a, b: mt.mm(a, b)), [(m, k), (k, n)]


def _bmm(draw):
    b, m, k, n = draw(sizes), draw(sizes), draw(sizes), draw(sizes)
    return (lambda x, y: x.bmm(y)), [(b, m, k), (b, k, n)]


def _mv(draw):
    m, k = draw(sizes), draw(sizes)
    return (lambda a, v: mt.mv(a, v)), [(m, k), (k,)]


# name -> make(draw) -> (f of the operands, their shapes); every size drawn, 1 included
OPS_DRAWN = {
    "mm": _mm, "bmm": _bmm, "mv": _mv,
    "dot": lambda draw: ((lambda a, b: a.dot(b)), [(draw(sizes),)] * 2),
    "outer": lambda draw: ((lambda a, b: mt.outer(a, b)), [(draw(sizes),), (draw(sizes),)]),
}


@pytest.mark.parametrize("name", OPS_DRAWN)
@given(data=st.data(), seed=seeds)
@settings(max_examples=12, deadline=None, derandomize=True)
def test_op_drawn_gradcheck(name, data, seed):
    fn, shapes = OPS_DRAWN[name](data.draw)
    check_gradients(fn, *rand(seed, *shapes))


@given(data=st.data(), seed=seeds)
@settings(max_examples=30, deadline=None, derandomize=True)
def test_einsum_drawn_gradcheck(data, seed):
    equation, shapes = _einsum(data.draw)
    check_gradients(lambda *xs: mt.einsum(equation, *xs), *rand(seed, *shapes))


@requires_torch
@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_op_matches_torch(name, dtype):
    shapes, f = OPS[name]
    arrays = [a.astype(dtype) for a in rand(4, *shapes)]
    compare_with_torch(lambda *xs: f(*xs, mt), *arrays, torch_fn=lambda *xs: f(*xs, torch), rtol=1e-4)


def _well_conditioned(seed: int, shape: tuple) -> np.ndarray:
    n = shape[-1]
    return rand(seed, shape)[0] + n * np.eye(n)


# name -> f(A, lib) for square matrices A
SQUARE = {
    "inv": lambda a, T: T.linalg.inv(a),
    "inverse": lambda a, T: a.inverse(),
    "det": lambda a, T: T.linalg.det(a),
    "det_method": lambda a, T: a.det(),
    "slogdet": lambda a, T: T.linalg.slogdet(a).logabsdet,
    "logdet": lambda a, T: T.logdet(a),
    "det_of_inv": lambda a, T: T.linalg.det(T.linalg.inv(a)),
}


@pytest.mark.parametrize("name", SQUARE)
@given(shape=st.sampled_from([(1, 1), (2, 2), (3, 3), (2, 3, 3), (2, 1, 2, 2)]), seed=seeds)
@settings(max_examples=10)
def test_square_gradcheck(name, shape, seed):
    check_gradients(lambda a: SQUARE[name](a, mt), _well_conditioned(seed, shape))


@requires_torch
@pytest.mark.parametrize("name", SQUARE)
@pytest.mark.parametrize("shape", [(3, 3), (2, 2, 2)])
def test_square_matches_torch(name, shape):
    a = _well_conditioned(5, shape)
    compare_with_torch(lambda a: SQUARE[name](a, mt), a, torch_fn=lambda a: SQUARE[name](a, torch))


@requires_torch
def test_slogdet_pair_matches_torch():
    a = _well_conditioned(7, (2, 3, 3))
    a[0, 0] *= -5
    compare_with_torch(lambda a: tuple(mt.linalg.slogdet(a)), a, torch_fn=lambda a: tuple(torch.linalg.slogdet(a)))


@requires_torch
def test_det_negative_and_logdet_nan_match_torch():
    a = np.array([[0.0, 1.0], [1.0, 0.0]])
    compare_with_torch(lambda a: a.det(), a)
    assert math.isnan(mt.logdet(mt.tensor(a)).item())
    sign, logabs = LA.slogdet(mt.tensor(a))
    assert sign.item() == -1.0 and not sign.requires_grad and sign.dtype == mt.float64


# name -> f(x, lib)
NORMS = {
    "default": ((2, 3), lambda x, T: T.linalg.norm(x)),
    "vector_dim": ((2, 3), lambda x, T: T.linalg.norm(x, dim=1)),
    "vector_ord1_keepdim": ((2, 3), lambda x, T: T.linalg.norm(x, 1, dim=-1, keepdim=True)),
    "vector_ord3": ((4,), lambda x, T: T.linalg.norm(x, 3)),
    "vector_inf": ((4,), lambda x, T: T.linalg.norm(x, float("inf"))),
    "matrix_fro": ((2, 3), lambda x, T: T.linalg.norm(x, "fro")),
    "matrix_ord1": ((3, 3), lambda x, T: T.linalg.norm(x, 1)),
    "matrix_ord_neg1": ((3, 2), lambda x, T: T.linalg.norm(x, -1)),
    "matrix_inf": ((2, 3), lambda x, T: T.linalg.norm(x, float("inf"))),
    "matrix_neg_inf_dims": ((2, 3, 2), lambda x, T: T.linalg.norm(x, -float("inf"), dim=(0, 2), keepdim=True)),
    "matrix_norm_batched": ((2, 2, 3), lambda x, T: T.linalg.matrix_norm(x)),
    "matrix_norm_ord1": ((2, 3, 2), lambda x, T: T.linalg.matrix_norm(x, 1, dim=(2, 1))),
    "vector_norm_all": ((2, 2, 3), lambda x, T: T.linalg.vector_norm(x)),
    "vector_norm_dims": ((2, 2, 3), lambda x, T: T.linalg.vector_norm(x, 2, dim=(0, 2))),
    "vector_norm_dtype": ((3,), lambda x, T: T.linalg.vector_norm(x, dtype=T.float64)),
}


@pytest.mark.parametrize("name", NORMS)
@given(seed=seeds)
@settings(max_examples=5)
def test_norm_gradcheck(name, seed):
    shape, f = NORMS[name]
    # entries kept apart and away from 0, where the norms with max/min and |x| have kinks
    x = np.sign(rand(seed, shape)[0]) * (1 + np.arange(int(np.prod(shape))).reshape(shape) / 3)
    check_gradients(lambda x: f(x, mt), x)


@requires_torch
@pytest.mark.parametrize("name", NORMS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_norm_matches_torch(name, dtype):
    shape, f = NORMS[name]
    compare_with_torch(lambda x: f(x, mt), rand(6, shape)[0].astype(dtype), torch_fn=lambda x: f(x, torch))


def _norm_entries(seed: int, shape: tuple) -> np.ndarray:
    """Random signs, magnitudes in [0.5, 1.5]: away from 0 (the kink of |x|) and, almost surely, no two
    candidates of a max/min (entries, row or column sums, singular values) within the finite-difference step."""
    rng = np.random.default_rng(seed)
    return np.asarray(rng.choice([-1.0, 1.0], shape) * rng.uniform(0.5, 1.5, shape))


def _dims(draw, ndim, count):
    """``count`` distinct dims of an ``ndim``-dim tensor, each maybe written negatively."""
    return tuple(d - ndim * draw(st.integers(0, 1)) for d in draw(st.permutations(range(ndim)))[:count])


VECTOR_ORDS = [2, 1, 3, 1.5, 0.5, -1, math.inf, -math.inf]
MATRIX_ORDS = ["fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf]


def _vector_norm(draw, s):
    ord, keepdim = draw(st.sampled_from(VECTOR_ORDS)), draw(st.booleans())
    how = draw(st.sampled_from(["all", "int", "tuple"]))
    if how == "all" or not s:
        dim = None if how == "all" or draw(st.booleans()) else draw(st.sampled_from([0, -1]))
    else:
        dim = _dims(draw, len(s), 1)[0] if how == "int" else _dims(draw, len(s), draw(st.integers(1, len(s))))
    return lambda x: LA.vector_norm(x, ord, dim=dim, keepdim=keepdim)


def _matrix_norm(draw, s):
    ord, keepdim, dim = draw(st.sampled_from(MATRIX_ORDS)), draw(st.booleans()), _dims(draw, len(s), 2)
    return lambda x: LA.matrix_norm(x, ord, dim=dim, keepdim=keepdim)


def _norm(draw, s):
    """linalg.norm's dispatch: no ord/dim (all elements), ord on 1-D/2-D, an int dim (vector), two dims (matrix)."""
    keepdim = draw(st.booleans())
    if len(s) in (1, 2) and draw(st.booleans()):
        ord = draw(st.sampled_from(VECTOR_ORDS if len(s) == 1 else MATRIX_ORDS))
        return lambda x: LA.norm(x, ord, keepdim=keepdim)
    if len(s) >= 2 and draw(st.booleans()):
        dim, ord = _dims(draw, len(s), 2), draw(st.sampled_from([None] + MATRIX_ORDS))
    elif s and draw(st.booleans()):
        dim, ord = _dims(draw, len(s), 1)[0], draw(st.sampled_from([None] + VECTOR_ORDS))
    else:
        dim, ord = None, None
    return lambda x: LA.norm(x, ord, dim, keepdim)


# name -> (min dims, make(draw, shape) -> f)
NORMS_DRAWN = {"vector_norm": (0, _vector_norm), "matrix_norm": (2, _matrix_norm), "norm": (0, _norm)}


@pytest.mark.parametrize("name", NORMS_DRAWN)
@given(data=st.data(), seed=seeds)
@settings(max_examples=25, deadline=None, derandomize=True)
def test_norm_drawn_gradcheck(name, data, seed):
    min_dims, make = NORMS_DRAWN[name]
    shape = data.draw(array_shapes(min_dims=min_dims, max_dims=3, min_side=1, max_side=3), label="shape")
    check_gradients(make(data.draw, shape), _norm_entries(seed, shape))


def test_norm_of_zero_has_zero_gradient():
    x = mt.zeros(3, requires_grad=True)
    LA.norm(x).backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize("fn, match", [
    (lambda: mt.ones(2, 3) @ mt.ones(4, 5), r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"),
    (lambda: mt.ones(3) @ mt.ones(4, 5), r"mat1 and mat2 shapes cannot be multiplied \(1x3 and 4x5\)"),
    (lambda: mt.ones(2, 3) @ mt.ones(4), r"size mismatch, got input \(2\), mat \(2x3\), vec \(4\)"),
    (lambda: mt.ones(3) @ mt.ones(4), r"inconsistent tensor size, expected tensor \[3\] and src \[4\]"),
    (lambda: mt.ones(2, 2, 3) @ mt.ones(2, 4, 5), r"matmul: shapes \[2, 2, 3\] and \[2, 4, 5\] cannot be multiplied"),
    (lambda: mt.ones(3, 2, 3) @ mt.ones(2, 3, 5), r"matmul \(batch dims\).*\[3\] and \[2\]"),
    (lambda: mt.tensor(1.0) @ mt.ones(4), "both arguments to matmul need to be at least 1D, but they are 0D and 1D"),
    (lambda: mt.ones(2, 2) @ mt.ones(2, 2, dtype=mt.float64),
     "expected m1 and m2 to have the same dtype, but got: float != double"),
    (lambda: mt.mm(mt.ones(2, 2, 2), mt.ones(2, 2)), "self must be a matrix"),
    (lambda: mt.bmm(mt.ones(2, 2, 2), mt.ones(3, 2, 2)), r"batch2 tensor to be: \[2, 2\] but got: \[3, 2\]"),
    (lambda: mt.dot(mt.ones(2, 1), mt.ones(2)), "1D tensors expected, but got 2D and 1D tensors"),
    (lambda: mt.einsum("ij,jk", mt.ones(2, 3), mt.ones(4, 5)),
     "subscript j has size 4 for operand 1 which does not broadcast with previously seen size 3"),
    (lambda: mt.einsum("ij,jk->ik", mt.ones(2, 3)), "fewer operands were provided than specified"),
    (lambda: mt.einsum("ij", mt.ones(2, 3, 4)), r"number of subscripts in the equation \(2\) does not match"),
    (lambda: mt.einsum("ij,jk", mt.ones(2, 3), mt.ones(3, 5, dtype=mt.float64)),
     "expected scalar type Float but found Double"),
    (lambda: mt.einsum("i->j", mt.ones(2)), "output subscript j does not appear"),
    (lambda: LA.inv(mt.ones(2, 3)), "A must be batches of square matrices, but they are 2 by 3 matrices"),
    (lambda: LA.inv(mt.zeros(2, 2)), "singular"),
    (lambda: LA.det(mt.ones(3)), "must have at least 2 dimensions"),
    (lambda: LA.vector_norm(mt.ones(3, dtype=mt.int64)),
     "Expected a floating point or complex tensor as input. Got Long"),
    (lambda: LA.norm(mt.ones(2, 2, 2), 2), "If dim is not specified but ord is, the input must be 1D or 2D"),
    (lambda: LA.matrix_norm(mt.ones(2, 2), 3), "Order 3 not supported"),
])
def test_errors(fn, match):
    with pytest.raises(RuntimeError, match=match):
        fn()
