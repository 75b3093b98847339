"""Attention: F.scaled_dot_product_attention, nn.MultiheadAttention, nn.TransformerEncoderLayer and
nn.TransformerEncoder against PyTorch with copied weights (outputs, attention weights, input, mask and every
parameter gradient) across layouts, masks, need_weights/average, norm_first and activations; finite differences
in float64; parameter names and init; the errors for bad input."""
import math

import numpy as np
import pytest
from helpers import compare_modules_with_torch, compare_with_torch, copy_torch_weights, requires_torch, torch

import microtensor as mt
from microtensor import nn
from microtensor.autograd import gradcheck, gradgradcheck
from microtensor.nn import functional as F
from microtensor.nn.attention import MultiheadAttention
from microtensor.nn.transformer import TransformerEncoder, TransformerEncoderLayer
from microtensor.ops.attention import multi_head_attention_forward, scaled_dot_product_attention

L, S, N, E, H = 4, 5, 3, 8, 2        # target and source lengths, batch, embedding size, heads


def randn(*shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def bool_mask(*shape, seed=0, keep_first=True, p=0.4):
    """A random bool mask whose last-dim position 0 is never set (so no row is fully masked)."""
    mask = np.random.default_rng(seed).random(shape) < p
    if keep_first:
        mask[..., 0] = False
    return mask


# ----------------------------------------------------------------------------- scaled_dot_product_attention
def sdpa_case(name):
    """(arrays, kwargs) of one sdpa case; bool masks mean True = takes part."""
    q, k, v = randn(2, H, L, E, seed=1), randn(2, H, S, E, seed=2), randn(2, H, S, 6, seed=3)
    keep = ~bool_mask(L, S, seed=4)
    return {
        "plain": ((q, k, v), {}),
        "bool-mask": ((q, k, v, keep), {}),
        "bool-mask-broadcast": ((q, k, v, ~bool_mask(2, 1, 1, S, seed=5)), {}),
        "float-mask": ((q, k, v, randn(2, 1, L, S, seed=6)), {}),
        "causal-square": ((q, k[:, :, :L], v[:, :, :L]), {"is_causal": True}),
        "causal-rectangular": ((q, k, v), {"is_causal": True}),
        "scale": ((q, k, v, keep), {"scale": 0.3}),
        "3-d": ((q[0], k[0], v[0]), {}),
        "2-d": ((q[0, 0], k[0, 0], v[0, 0]), {}),
        "broadcast-batch": ((q[:1], k[:, :1], v[:, :1]), {}),
        "fully-masked-row": ((q, k, v, np.concatenate([keep[:1] & False, keep[1:]])), {}),
        "gqa": ((randn(2, 4, L, E, seed=7), k, v), {"enable_gqa": True}),
    }[name]


SDPA_CASES = ["plain", "bool-mask", "bool-mask-broadcast", "float-mask", "causal-square", "causal-rectangular",
              "scale", "3-d", "2-d", "broadcast-batch", "fully-masked-row", "gqa"]


@requires_torch
@pytest.mark.parametrize("name", SDPA_CASES)
def test_sdpa_matches_torch(name):
    arrays, kwargs = sdpa_case(name)
    compare_with_torch(lambda *t: scaled_dot_product_attention(*t, **kwargs), *arrays,
                       torch_fn=lambda *t: torch.nn.functional.scaled_dot_product_attention(*t, **kwargs),
                       rtol=1e-4, atol=1e-5)


def test_sdpa_fully_masked_row_gives_zeros_and_zero_gradient():
    q, k, v = (mt.tensor(randn(3, 4, seed=i), requires_grad=True) for i in range(3))
    keep = mt.tensor(np.array([[True] * 3, [False] * 3, [True, False, True]]))
    out = scaled_dot_product_attention(q, k, v, keep)
    out.sum().backward()
    assert np.all(out.detach().numpy()[1] == 0) and np.all(q.grad.numpy()[1] == 0)
    assert np.isfinite(k.grad.numpy()).all() and np.isfinite(v.grad.numpy()).all()


def test_sdpa_matches_the_formula():
    q, k, v = randn(3, 4, seed=1), randn(5, 4, seed=2), randn(5, 2, seed=3)
    scores = q @ k.T / 2 + randn(3, 5, seed=4)
    w = np.exp(scores - scores.max(-1, keepdims=True))
    expected = (w / w.sum(-1, keepdims=True)) @ v
    out = scaled_dot_product_attention(mt.tensor(q), mt.tensor(k), mt.tensor(v), mt.tensor(randn(3, 5, seed=4)))
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-6)


def small_sdpa_case(name):
    """A float64 case small enough for finite differences."""
    q, k, v = randn(2, 3, 4, seed=1), randn(2, 5, 4, seed=2), randn(2, 5, 3, seed=3)
    keep = ~bool_mask(3, 5, seed=4)
    keep[1] = False
    return {"float-mask": ((q, k, v, randn(2, 1, 5, seed=6)), {}),
            "causal": ((q, k, v), {"is_causal": True, "scale": 0.7}),
            "fully-masked-row": ((q, k, v, keep), {}),
            "gqa": ((randn(1, 4, 3, 4, seed=7), k[None], v[None]), {"enable_gqa": True})}[name]


@pytest.mark.parametrize("name", ["float-mask", "causal", "fully-masked-row", "gqa"])
def test_sdpa_gradcheck(name):
    arrays, kwargs = small_sdpa_case(name)
    tensors = tuple(mt.tensor(a.astype(np.float64) if a.dtype != bool else a, requires_grad=a.dtype != bool)
                    for a in arrays)
    fn = lambda *t: scaled_dot_product_attention(*t, **kwargs)      # noqa: E731
    assert gradcheck(fn, tensors)
    assert gradgradcheck(fn, tensors)


def test_sdpa_dropout():
    q, k, v = mt.tensor(randn(1, 3, 4, seed=1)), mt.tensor(randn(1, 5, 4, seed=2)), mt.tensor(randn(1, 5, 4, seed=3))
    clean = scaled_dot_product_attention(q, k, v).numpy()
    mt.manual_seed(0)
    first = scaled_dot_product_attention(q, k, v, dropout_p=0.5).numpy()
    mt.manual_seed(0)
    again = scaled_dot_product_attention(q, k, v, dropout_p=0.5).numpy()
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, clean)
    assert np.all(scaled_dot_product_attention(q, k, v, dropout_p=1.0).numpy() == 0)
    # the dropped-out weights are unbiased: averaged over many draws the output is the clean one
    many = scaled_dot_product_attention(q.expand(4000, 3, 4), k.expand(4000, 5, 4), v.expand(4000, 5, 4),
                                        dropout_p=0.5).numpy().mean(0)
    np.testing.assert_allclose(many, clean[0], atol=0.08)


@pytest.mark.parametrize("args,kwargs,match", [
    ((randn(3, 4), randn(5, 3), randn(5, 2)), {}, r"query of shape \[3, 4\] and key of shape \[5, 3\]"),
    ((randn(3, 4), randn(5, 4), randn(6, 2)), {}, r"key of shape \[5, 4\] and value of shape \[6, 2\]"),
    ((randn(3, 4), randn(5, 4), randn(5, 2, dtype=np.float64)), {}, r"same floating dtype.*float32.*float64"),
    ((randn(4), randn(4), randn(4)), {}, r"at least 2-D.*\[4\]"),
    ((randn(2, 3, 4), randn(3, 5, 4), randn(3, 5, 4)), {}, r"batch dimensions.*\[2, 3, 4\].*\[3, 5, 4\]"),
    ((randn(3, 4), randn(5, 4), randn(5, 2), np.ones((3, 4), bool)), {},
     r"attn_mask of shape \[3, 4\] does not broadcast to .*\[3, 5\]"),
    ((randn(3, 4), randn(5, 4), randn(5, 2), np.ones((3, 5), np.int64)), {}, r"attn_mask of dtype bool or float32"),
    ((randn(3, 4), randn(5, 4), randn(5, 2), np.ones((3, 5), bool)), {"is_causal": True},
     r"attn_mask should not be set when is_causal=True"),
    ((randn(1, 3, 3, 4), randn(1, 2, 5, 4), randn(1, 2, 5, 4)), {"enable_gqa": True}, r"enable_gqa.*\[1, 3, 3, 4\]"),
])
def test_sdpa_errors(args, kwargs, match):
    with pytest.raises(RuntimeError, match=match):
        scaled_dot_product_attention(*(mt.tensor(a) for a in args), **kwargs)


# ----------------------------------------------------------------------------- MultiheadAttention
MASKS = ["none", "kpm-bool", "kpm-float", "attn-bool-2d", "attn-float-3d", "both-bool", "causal"]


def mha_arrays(mode, masks, batch_first, unbatched=False):
    """Inputs of a MultiheadAttention call: x (self-attention) or q, k, v, and the masks."""
    source = L if mode == "self" else S
    kdim, vdim = (5, 6) if mode == "kvdim" else (E, E)
    layout = (lambda length, e: (length, e)) if unbatched else (
        (lambda length, e: (N, length, e)) if batch_first else (lambda length, e: (length, N, e)))
    arrays = ({"x": randn(*layout(L, E), seed=1)} if mode == "self" else
              {"q": randn(*layout(L, E), seed=1), "k": randn(*layout(source, kdim), seed=2),
               "v": randn(*layout(source, vdim), seed=3)})
    kpm_shape = (source,) if unbatched else (N, source)
    if masks in ("kpm-bool", "both-bool"):
        arrays["kpm"] = bool_mask(*kpm_shape, seed=4)
    if masks == "kpm-float":
        arrays["kpm"] = randn(*kpm_shape, seed=4)
    if masks in ("attn-bool-2d", "both-bool"):
        arrays["mask"] = bool_mask(L, source, seed=5)
    if masks == "attn-float-3d":
        arrays["mask"] = randn((1 if unbatched else N) * H, L, source, seed=5)
    if masks == "causal":
        arrays["mask"] = np.triu(np.ones((L, source), bool), 1)
    return arrays


def mha_call(need_weights=True, average=True, causal=False):
    def call(module, t, lib):
        q, k, v = (t["x"],) * 3 if "x" in t else (t["q"], t["k"], t["v"])
        return module(q, k, v, key_padding_mask=t.get("kpm"), attn_mask=t.get("mask"), need_weights=need_weights,
                      average_attn_weights=average, is_causal=causal)
    return call


def mha_pair(**kwargs):
    torch.manual_seed(0)
    return MultiheadAttention(E, H, **kwargs), torch.nn.MultiheadAttention(E, H, **kwargs)


def kv_kwargs(mode):
    return {"kdim": 5, "vdim": 6} if mode == "kvdim" else {}


@requires_torch
@pytest.mark.parametrize("weights", ["average", "per-head", "none"])
@pytest.mark.parametrize("masks", MASKS)
@pytest.mark.parametrize("mode", ["self", "cross", "kvdim"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_mha_matches_torch(batch_first, mode, masks, weights):
    ours, theirs = mha_pair(batch_first=batch_first, **kv_kwargs(mode))
    call = mha_call(need_weights=weights != "none", average=weights == "average", causal=masks == "causal")
    compare_modules_with_torch(ours, theirs, mha_arrays(mode, masks, batch_first), call)


@requires_torch
@pytest.mark.parametrize("masks", ["none", "kpm-bool", "attn-float-3d", "both-bool"])
@pytest.mark.parametrize("mode", ["self", "kvdim"])
def test_mha_unbatched_matches_torch(mode, masks):
    ours, theirs = mha_pair(batch_first=True, **kv_kwargs(mode))
    for weights in ("average", "per-head", "none"):
        call = mha_call(need_weights=weights != "none", average=weights == "average")
        compare_modules_with_torch(ours, theirs, mha_arrays(mode, masks, True, unbatched=True), call)


@requires_torch
@pytest.mark.parametrize("kwargs", [{"bias": False}, {"add_bias_kv": True}, {"add_zero_attn": True},
                                    {"add_bias_kv": True, "add_zero_attn": True, "kdim": 5, "vdim": 6}])
@pytest.mark.parametrize("masks", ["none", "both-bool", "attn-float-3d"])
def test_mha_options_match_torch(kwargs, masks):
    ours, theirs = mha_pair(batch_first=True, **kwargs)
    mode = "kvdim" if "kdim" in kwargs else "cross"
    compare_modules_with_torch(ours, theirs, mha_arrays(mode, masks, True), mha_call())
    compare_modules_with_torch(ours, theirs, mha_arrays(mode, masks, True), mha_call(need_weights=False))


@requires_torch
@pytest.mark.filterwarnings("ignore:invalid value encountered")      # NumPy's note on the NaN row
def test_mha_fully_masked_row_matches_torch():
    """As in PyTorch: zeros (plus the output bias) without weights, NaN with them."""
    ours, theirs = mha_pair(batch_first=True)
    copy_torch_weights(ours, theirs)
    x = randn(N, L, E)
    kpm = np.zeros((N, L), bool)
    kpm[1] = True
    for need in (False, True):
        o = ours(*(mt.tensor(x),) * 3, key_padding_mask=mt.tensor(kpm), need_weights=need)[0].detach().numpy()
        e = theirs(*(torch.tensor(x),) * 3, key_padding_mask=torch.tensor(kpm), need_weights=need)[0]
        np.testing.assert_allclose(o, e.detach().numpy(), rtol=1e-4, atol=1e-5)
        assert np.isnan(o[1]).all() == need


@requires_torch
def test_mha_dropout_in_training_only():
    ours, theirs = mha_pair(dropout=0.5)
    copy_torch_weights(ours, theirs)
    x = mt.tensor(randn(L, N, E))
    with mt.no_grad():
        out, w = ours(x, x, x)
        assert ((w.numpy() == 0).any()) and not np.allclose(w.numpy().sum(-1), 1)
        ours.eval()
        theirs.eval()
        out, w = ours(x, x, x)
    expected = theirs(*(torch.tensor(x.numpy()),) * 3)[0]
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(w.numpy().sum(-1), 1, rtol=1e-5)


@requires_torch
@pytest.mark.parametrize("kwargs", [{}, {"kdim": 5, "vdim": 6, "add_bias_kv": True}])
def test_mha_state_dict_interchanges(kwargs):
    ours, theirs = mha_pair(**kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (n, p), (tn, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert n == tn and tuple(p.shape) == tuple(tp.shape)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    arrays = mha_arrays("kvdim" if kwargs else "cross", "none", False)
    np.testing.assert_allclose(theirs(*(torch.tensor(a) for a in arrays.values()))[0].detach().numpy(),
                               ours(*(mt.tensor(a) for a in arrays.values()))[0].detach().numpy(), rtol=1e-4, atol=1e-5)


def test_mha_parameters_and_init():
    m = MultiheadAttention(16, 4)
    assert [n for n, _ in m.named_parameters()] == ["in_proj_weight", "in_proj_bias", "out_proj.weight",
                                                   "out_proj.bias"]
    bound = math.sqrt(6 / (16 + 48))                     # xavier_uniform_ of the (3E, E) packed weight
    w = m.in_proj_weight.detach().numpy()
    assert w.shape == (48, 16) and np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.all(m.in_proj_bias.detach().numpy() == 0) and np.all(m.out_proj.bias.detach().numpy() == 0)
    assert m.q_proj_weight is None and m.head_dim == 4 and m._qkv_same_embed_dim
    m = MultiheadAttention(16, 4, bias=False, add_bias_kv=True, kdim=3, vdim=5)
    assert [(n, tuple(p.shape)) for n, p in m.named_parameters()] == [
        ("q_proj_weight", (16, 16)), ("k_proj_weight", (16, 3)), ("v_proj_weight", (16, 5)), ("bias_k", (1, 1, 16)),
        ("bias_v", (1, 1, 16)), ("out_proj.weight", (16, 16))]
    assert m.in_proj_weight is None and m.in_proj_bias is None
    assert MultiheadAttention(8, 2, dtype=mt.float64).in_proj_weight.dtype == mt.float64


def test_mha_output_shapes():
    m = MultiheadAttention(E, H, batch_first=True)
    x = mt.randn(N, L, E)
    out, w = m(x, x, x, average_attn_weights=False)
    assert out.shape == (N, L, E) and w.shape == (N, H, L, L)
    out, w = m(x[0], x[0], x[0])
    assert out.shape == (L, E) and w.shape == (L, L)
    assert m(x, x, x, need_weights=False)[1] is None


def test_mha_gradcheck():
    m = MultiheadAttention(4, 2, kdim=3, add_bias_kv=True).double()
    q, k, v = (mt.tensor(randn(*s, seed=i, dtype=np.float64), requires_grad=True)
               for i, s in enumerate([(3, 2, 4), (2, 2, 3), (2, 2, 4)]))
    kpm = mt.tensor(randn(2, 2, seed=5, dtype=np.float64), requires_grad=True)
    params = tuple(m.parameters())

    def fn(q, k, v, kpm, *_):
        out, w = m(q, k, v, key_padding_mask=kpm)
        return out.sum() + (w * w).sum()

    assert gradcheck(fn, (q, k, v, kpm) + params)


def test_mha_functional_form():
    m = MultiheadAttention(E, H)
    x = mt.randn(L, N, E)
    out, w = multi_head_attention_forward(x, x, x, E, H, m.in_proj_weight, m.in_proj_bias, None, None, False, 0.0,
                                          m.out_proj.weight, m.out_proj.bias)
    expected, expected_w = m(x, x, x)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(w.detach().numpy(), expected_w.detach().numpy(), rtol=1e-6)


@requires_torch
@pytest.mark.parametrize("need_weights", [False, True])
def test_mha_functional_static_kv_matches_torch(need_weights):
    ours, theirs = mha_pair()
    arrays = {"q": randn(L, N, E, seed=1), "static_k": randn(N * H, 6, E // H, seed=2),
              "static_v": randn(N * H, 6, E // H, seed=3), "kpm": bool_mask(N, 6, seed=4)}

    def call(module, t, lib):
        fn = multi_head_attention_forward if lib is mt else torch.nn.functional.multi_head_attention_forward
        out, w = fn(t["q"], t["q"], t["q"], E, H, module.in_proj_weight, module.in_proj_bias, module.bias_k,
                    module.bias_v, True, 0.0, module.out_proj.weight, module.out_proj.bias, key_padding_mask=t["kpm"],
                    need_weights=need_weights, static_k=t["static_k"], static_v=t["static_v"])
        return out, w
    compare_modules_with_torch(ours, theirs, arrays, call)
    with pytest.raises(RuntimeError, match=r"expected static_k of shape \[6, S, 4\] .*got \[6, 5, 3\]"):
        multi_head_attention_forward(*(mt.randn(L, N, E),) * 3, E, H, ours.in_proj_weight, None, None, None, False,
                                     0.0, ours.out_proj.weight, None, static_k=mt.randn(N * H, 5, 3))
    with pytest.raises(RuntimeError, match=r"bias_k and bias_v cannot be added to a static key or value"):
        multi_head_attention_forward(*(mt.randn(L, N, E),) * 3, E, H, ours.in_proj_weight, None, mt.randn(1, 1, E),
                                     mt.randn(1, 1, E), False, 0.0, ours.out_proj.weight, None,
                                     static_k=mt.randn(N * H, 5, 4))


PREFIX = r"MultiheadAttention\(embed_dim=8, num_heads=2\): "


@pytest.mark.parametrize("shapes,kwargs,match", [
    (((L, N, 6), (S, N, E), (S, N, E)), {}, PREFIX + r"expected query with embedding dimension 8, got shape "
                                                     r"\[4, 3, 6\]"),
    (((L, N, E), (S, 2, E), (S, 2, E)), {}, PREFIX + r"query \[4, 3, 8\], key \[5, 2, 8\] and value \[5, 2, 8\] "
                                                     r"must share the batch size"),
    (((L, N, E), (S, N, E), (6, N, E)), {}, PREFIX + r"query \[4, 3, 8\], key \[5, 3, 8\] and value \[6, 3, 8\] "
                                                     r"must share the batch size, and key and value the sequence"),
    (((L, N, E), (S, N, 5), (S, N, 5)), {}, PREFIX + r"expected key with 8 features and value with 8, got key "
                                                     r"\[5, 3, 5\]"),
    (((2, L, N, E), (S, N, E), (S, N, E)), {}, PREFIX + r"expected query of shape \(L, E\).*got \[2, 4, 3, 8\]"),
    (((L, N, E), (S, E), (S, E)), {}, PREFIX + r"expected key and value with as many dims as query \[4, 3, 8\], "
                                               r"got key \[5, 8\]"),
    (((L, N, E), (S, N, E), (S, N, E)), {"key_padding_mask": np.zeros((N, 4), bool)},
     PREFIX + r"expected key_padding_mask of shape \[3, 5\] \(N, S\) or \(S,\), got \[3, 4\]"),
    (((L, E), (S, E), (S, E)), {"key_padding_mask": np.zeros(4, bool)},
     PREFIX + r"expected key_padding_mask of shape \[5\].*got \[4\]"),
    (((L, N, E), (S, N, E), (S, N, E)), {"attn_mask": np.zeros((L, L), bool)},
     PREFIX + r"expected attn_mask of shape \[4, 5\] \(L, S\) or \[6, 4, 5\] \(N \* num_heads, L, S\), got \[4, 4\]"),
    (((L, N, E), (S, N, E), (S, N, E)), {"attn_mask": np.zeros((L, S), np.int64)},
     PREFIX + r"expected attn_mask of dtype bool or float32 \(the query's\), got int64"),
    (((L, N, E), (S, N, E), (S, N, E)), {"is_causal": True}, PREFIX + r"is_causal is a hint that needs attn_mask"),
])
def test_mha_errors(shapes, kwargs, match):
    m = MultiheadAttention(E, H)
    q, k, v = (mt.randn(*s) for s in shapes)
    kwargs = {k_: mt.tensor(a) if isinstance(a, np.ndarray) else a for k_, a in kwargs.items()}
    with pytest.raises(RuntimeError, match=match):
        m(q, k, v, **kwargs)


def test_mha_errors_kdim_and_batch_first_shapes():
    m = MultiheadAttention(E, H, kdim=5, batch_first=True)
    with pytest.raises(RuntimeError, match=r"expected key with 5 features and value with 8, got key \[3, 5, 4\]"):
        m(mt.randn(N, L, E), mt.randn(N, S, 4), mt.randn(N, S, E))
    with pytest.raises(RuntimeError, match=r"query \[3, 4, 8\], key \[2, 5, 5\]"):
        m(mt.randn(N, L, E), mt.randn(2, S, 5), mt.randn(2, S, E))


def test_mha_constructor_errors():
    with pytest.raises(ValueError, match=r"MultiheadAttention: embed_dim must be divisible by num_heads, got "
                                         r"embed_dim=10 and num_heads=3"):
        MultiheadAttention(10, 3)
    with pytest.raises(ValueError, match=r"MultiheadAttention: embed_dim and num_heads must be positive"):
        MultiheadAttention(8, 0)


# ----------------------------------------------------------------------------- Transformer encoder
def encoder_pair(**kwargs):
    torch.manual_seed(0)
    act = kwargs.pop("activation", "relu")
    ours_act, theirs_act = act if isinstance(act, tuple) else (act, act)
    return (TransformerEncoderLayer(E, H, dim_feedforward=16, activation=ours_act, **kwargs),
            torch.nn.TransformerEncoderLayer(E, H, dim_feedforward=16, activation=theirs_act, **kwargs))


ACTIVATIONS = {"relu": lambda: "relu", "gelu": lambda: "gelu",
               "function": lambda: (F.gelu, torch.nn.functional.gelu),
               "module": lambda: (nn.GELU(approximate="tanh"), torch.nn.GELU(approximate="tanh"))}


def encoder_call(masks, causal=False):
    def call(module, t, lib):
        return (module(t["x"], t.get("mask"), t.get("kpm"), is_causal=causal) if masks else module(t["x"]),)
    return call


@requires_torch
@pytest.mark.parametrize("masks", [False, True])
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_layer_matches_torch(batch_first, norm_first, activation, masks):
    ours, theirs = encoder_pair(batch_first=batch_first, norm_first=norm_first, dropout=0.0,
                                activation=ACTIVATIONS[activation]())
    arrays = {"x": randn(*((N, L, E) if batch_first else (L, N, E)), seed=1)}
    if masks:
        arrays.update(mask=np.triu(np.ones((L, L), bool), 1), kpm=bool_mask(N, L, seed=2))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    compare_modules_with_torch(ours, theirs, arrays, encoder_call(masks))


@requires_torch
@pytest.mark.parametrize("kwargs", [{"bias": False}, {"layer_norm_eps": 1e-3, "norm_first": True},
                                    {"dropout": 0.3}])
def test_encoder_layer_options_match_torch(kwargs):
    ours, theirs = encoder_pair(batch_first=True, **kwargs)
    ours.eval()
    theirs.eval()
    arrays = {"x": randn(N, L, E, seed=1), "mask": randn(L, L, seed=2), "kpm": randn(N, L, seed=3)}
    compare_modules_with_torch(ours, theirs, arrays, encoder_call(True))
    compare_modules_with_torch(ours, theirs, {"x": randn(L, E, seed=4)}, encoder_call(False))     # unbatched


@requires_torch
def test_encoder_layer_causal_hint_matches_torch():
    ours, theirs = encoder_pair(batch_first=True, dropout=0.0)
    arrays = {"x": randn(N, L, E, seed=1), "mask": np.triu(np.full((L, L), -np.inf, np.float32), 1)}
    compare_modules_with_torch(ours, theirs, arrays, encoder_call(True, causal=True))


@requires_torch
@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_matches_torch(norm_first):
    ours_layer, theirs_layer = encoder_pair(batch_first=True, norm_first=norm_first, dropout=0.0, activation="gelu")
    ours = TransformerEncoder(ours_layer, 2, norm=nn.LayerNorm(E), enable_nested_tensor=False)
    theirs = torch.nn.TransformerEncoder(theirs_layer, 2, norm=torch.nn.LayerNorm(E), enable_nested_tensor=False)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    arrays = {"x": randn(N, L, E, seed=1), "mask": np.triu(np.ones((L, L), bool), 1), "kpm": bool_mask(N, L, seed=2)}

    def call(module, t, lib):
        return (module(t["x"], mask=t["mask"], src_key_padding_mask=t["kpm"]),)
    compare_modules_with_torch(ours, theirs, arrays, call)


def test_encoder_layers_are_independent_copies():
    layer = TransformerEncoderLayer(E, H, dim_feedforward=16)
    enc = TransformerEncoder(layer, 3, enable_nested_tensor=False)
    assert len(enc.layers) == 3 and enc.norm is None
    weights = [lay.linear1.weight for lay in enc.layers]
    assert len({id(w) for w in weights}) == 3 and all(w is not layer.linear1.weight for w in weights)
    assert sum(p.numel() for p in enc.parameters()) == 3 * sum(p.numel() for p in layer.parameters())
    assert enc(mt.randn(L, N, E)).shape == (L, N, E)


def test_encoder_layer_submodules_and_dropout():
    layer = TransformerEncoderLayer(E, H, dim_feedforward=16, dropout=0.2)
    assert [n for n, _ in layer.named_children()] == ["self_attn", "linear1", "dropout", "linear2", "norm1", "norm2",
                                                      "dropout1", "dropout2"]
    x = mt.randn(L, N, E)
    run = lambda: layer(x).detach().numpy()      # noqa: E731
    mt.manual_seed(1)
    a = run()
    mt.manual_seed(1)
    np.testing.assert_array_equal(run(), a)
    layer.eval()
    b, c = run(), run()
    np.testing.assert_array_equal(b, c)
    assert not np.allclose(a, b)


def test_encoder_layer_gradcheck():
    layer = TransformerEncoderLayer(4, 2, dim_feedforward=6, dropout=0.0, activation="gelu", norm_first=True).double()
    x = mt.tensor(randn(3, 2, 4, dtype=np.float64), requires_grad=True)
    params = tuple(layer.parameters())
    assert gradcheck(lambda x, *_: layer(x, src_key_padding_mask=mt.tensor(bool_mask(2, 3, seed=3))), (x,) + params)


def test_encoder_layer_errors():
    with pytest.raises(RuntimeError, match=r"TransformerEncoderLayer: activation should be relu/gelu, not tanh"):
        TransformerEncoderLayer(E, H, activation="tanh")
    with pytest.raises(ValueError, match=r"embed_dim=8 and num_heads=3"):
        TransformerEncoderLayer(E, 3)
    layer = TransformerEncoderLayer(E, H, dim_feedforward=16)
    with pytest.raises(RuntimeError, match=r"MultiheadAttention\(embed_dim=8, num_heads=2\): expected query with "
                                           r"embedding dimension 8, got shape \[4, 3, 6\]"):
        layer(mt.randn(L, N, 6))


@pytest.mark.parametrize("name, cls", [("MultiheadAttention", MultiheadAttention),
                                       ("TransformerEncoderLayer", TransformerEncoderLayer),
                                       ("TransformerEncoder", TransformerEncoder)])
def test_attention_modules_are_exported_from_nn(name, cls):
    assert getattr(mt.nn, name) is cls


@pytest.mark.parametrize("name", ["scaled_dot_product_attention", "multi_head_attention_forward"])
def test_attention_functions_are_exported_from_functional(name):
    assert getattr(F, name) is {"scaled_dot_product_attention": scaled_dot_product_attention,
                                "multi_head_attention_forward": multi_head_attention_forward}[name]
