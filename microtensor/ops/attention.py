"""Attention: ``scaled_dot_product_attention`` and ``multi_head_attention_forward`` (the functional form of
``nn.MultiheadAttention``).

Both are compositions of Tensor ops (matmul, softmax, masked_fill, dropout, linear), so gradients of any order
reach the query, key, value, the projection weights and a float mask. Heads are a batch dimension: one batched
matmul computes every head's scores, one more their weighted values.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from microtensor.capture import Capture, record
from microtensor.dtypes import is_floating
from microtensor.ops.checks import tensor_inputs
from microtensor.ops.dropout import dropout
from microtensor.ops.linalg import MatMul
from microtensor.ops.linear import linear
from microtensor.ops.padding import pad
from microtensor.ops.shape import cat
from microtensor.tensor import Tensor


def _softmax(scores: Tensor, safe: bool) -> Tensor:
    """Softmax over the last dim. With ``safe``, a row whose scores are all -inf (fully masked) gives zeros and a
    zero gradient instead of NaN, as PyTorch's scaled_dot_product_attention does."""
    if safe:
        rows = record(_all_masked, scores._data)
        if Capture.tracer is not None or rows.any():    # a replay cannot tell whether a later call has such rows
            dead = Tensor._make(rows)
            # the -inf row is replaced before the softmax too, so that its backward sees no NaN
            return scores.masked_fill(dead, 0.0).softmax(-1).masked_fill(dead, 0.0)
    return scores.softmax(-1)


def _all_masked(scores: np.ndarray) -> np.ndarray:
    return np.asarray(np.isneginf(scores).all(axis=-1, keepdims=True))


def _attend(query: Tensor, key: Tensor, value: Tensor, mask: Tensor | None, dropout_p: float, scale: float,
            safe: bool) -> tuple[Tensor, Tensor]:
    """``softmax(query @ key^T * scale + mask) @ value`` and the (dropped-out) attention weights.

    ``mask`` is None, bool (True = takes part) or float (added to the scores), broadcastable to (..., L, S)."""
    scores = MatMul.apply(query * scale, key, False, True)        # key^T as a flag: no transpose node
    if mask is not None:
        if mask._data.dtype == np.bool_:
            scores = scores.masked_fill(Tensor._make(record(np.logical_not, mask._data)), float("-inf"))
        else:
            scores = scores + mask
    weights = _softmax(scores, safe and mask is not None)
    if dropout_p > 0:
        weights = dropout(weights, dropout_p)
    return weights @ value, weights


def _check_qkv(op: str, query: Tensor, key: Tensor, value: Tensor, gqa: bool) -> None:
    """Check the ranks, dtypes, feature and sequence sizes (and with ``gqa`` the head counts) of sdpa's inputs."""
    tensor_inputs(op, query=query, key=key, value=value)
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise RuntimeError(f"{op}: expected query, key and value to be at least 2-D (..., L or S, E), got shapes "
                           f"{list(query.shape)}, {list(key.shape)} and {list(value.shape)}")
    dts = (query._data.dtype, key._data.dtype, value._data.dtype)
    if not is_floating(dts[0]) or len(set(dts)) > 1:
        raise RuntimeError(f"{op}: expected query, key and value of the same floating dtype, got "
                           f"{query.dtype.name}, {key.dtype.name} and {value.dtype.name}")
    if query.shape[-1] != key.shape[-1]:
        raise RuntimeError(f"{op}: query of shape {list(query.shape)} and key of shape {list(key.shape)} must have "
                           f"the same last dimension (the embedding size)")
    if key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"{op}: key of shape {list(key.shape)} and value of shape {list(value.shape)} must have "
                           f"the same sequence length (dim -2)")
    if gqa and (key.shape[-3] != value.shape[-3] or query.shape[-3] % key.shape[-3]):
        raise RuntimeError(f"{op}: with enable_gqa, the number of query heads (dim -3 of {list(query.shape)}) "
                           f"must be a multiple of the key and value heads ({list(key.shape)}, {list(value.shape)})")


def _repeat_heads(t: Tensor, heads: int) -> Tensor:
    """(..., Hk, S, E) -> (..., heads, S, E), each key/value head repeated heads / Hk times in a row."""
    groups = heads // t.shape[-3]
    if groups == 1:
        return t
    lead, (hk, s, e) = t.shape[:-3], t.shape[-3:]
    return t.unsqueeze(-3).expand(*lead, hk, groups, s, e).reshape(*lead, heads, s, e)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """``softmax(query @ key^T * scale + mask) @ value``, with dropout on the attention weights.

    Args:
        query: (..., L, E).
        key: (..., S, E).
        value: (..., S, Ev). The batch dimensions (...) of the three broadcast.
        attn_mask: broadcastable to (..., L, S): bool (True = the position takes part) or a float tensor of the
            query's dtype added to the scores. A row with no position taking part gives zeros.
        dropout_p: probability of dropping an attention weight (applied whenever > 0, as in PyTorch).
        is_causal: mask out the positions j > i (the upper triangle of the top-left L x S block); then
            ``attn_mask`` must be None.
        scale: the factor of the scores; 1 / sqrt(E) when None.
        enable_gqa: grouped-query attention: key and value may have fewer heads (dim -3) than query, each
            shared by a group of query heads.

    Returns:
        (..., L, Ev).
    """
    op = "scaled_dot_product_attention"
    gqa = enable_gqa and query.ndim >= 3 and key.ndim >= 3 and value.ndim >= 3
    _check_qkv(op, query, key, value, gqa)
    if gqa:
        key, value = _repeat_heads(key, query.shape[-3]), _repeat_heads(value, query.shape[-3])
    try:
        batch = np.broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2])
    except ValueError:
        raise RuntimeError(f"{op}: the batch dimensions (...) of query {list(query.shape)}, key {list(key.shape)} "
                           f"and value {list(value.shape)} do not broadcast") from None
    length, source = query.shape[-2], key.shape[-2]
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError(f"{op}: explicit attn_mask should not be set when is_causal=True")
        attn_mask = Tensor._make(np.tri(length, source, dtype=bool))
    elif attn_mask is not None:
        dt = attn_mask._data.dtype
        if dt != np.bool_ and dt != query._data.dtype:
            raise RuntimeError(f"{op}: expected attn_mask of dtype bool or {query.dtype.name} (the query's), "
                               f"got {attn_mask.dtype.name}")
        scores_shape = batch + (length, source)
        try:
            fits = np.broadcast_shapes(attn_mask.shape, scores_shape) == scores_shape
        except ValueError:
            fits = False
        if not fits:
            raise RuntimeError(f"{op}: attn_mask of shape {list(attn_mask.shape)} does not broadcast to the "
                               f"attention scores' shape {list(scores_shape)} (..., L, S)")
    scale = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    return _attend(query, key, value, attn_mask, dropout_p, scale, safe=True)[0]


def _float_mask(op: str, name: str, mask: Tensor | None, like: Tensor) -> Tensor | None:
    """A multi-head attention mask as one added to the scores: a bool mask's True (not allowed) becomes -inf."""
    if mask is None:
        return None
    dt = mask._data.dtype
    if dt == np.bool_:
        dtype = like._data.dtype
        return Tensor._make(record(np.where, mask._data, dtype.type(-np.inf), dtype.type(0)))
    if dt != like._data.dtype:
        raise RuntimeError(f"{op}: expected {name} of dtype bool or {like.dtype.name} (the query's), got "
                           f"{mask.dtype.name}")
    return mask


def _check_mha_ranks(op: str, query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None,
                     attn_mask: Tensor | None) -> bool:
    """Whether the input is batched (3-D query) or not (2-D); an error naming the shapes when ranks disagree."""
    if query.ndim not in (2, 3):
        raise RuntimeError(f"{op}: expected query of shape (L, E) or batched (L, N, E) / (N, L, E), got "
                           f"{list(query.shape)}")
    batched = query.ndim == 3
    if key.ndim != query.ndim or value.ndim != query.ndim:
        raise RuntimeError(f"{op}: expected key and value with as many dims as query {list(query.shape)}, got key "
                           f"{list(key.shape)} and value {list(value.shape)}")
    if key_padding_mask is not None and key_padding_mask.ndim != query.ndim - 1:
        raise RuntimeError(f"{op}: expected key_padding_mask of shape {'(N, S)' if batched else '(S,)'} for query "
                           f"{list(query.shape)}, got {list(key_padding_mask.shape)}")
    if attn_mask is not None and attn_mask.ndim not in (2, 3):
        raise RuntimeError(f"{op}: expected attn_mask of shape (L, S) or (N * num_heads, L, S), got "
                           f"{list(attn_mask.shape)}")
    return batched


def _heads(x: Tensor, heads: int, batch_first: bool) -> Tensor:
    """(X, N, E), or (N, X, E) when ``batch_first``, -> (N, heads, X, E / heads)."""
    split = x.reshape(*x.shape[:2], heads, x.shape[2] // heads)
    return split.permute(0, 2, 1, 3) if batch_first else split.permute(1, 2, 0, 3)


def multi_head_attention_forward(query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
                                 in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
                                 bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float,
                                 out_proj_weight: Tensor, out_proj_bias: Tensor | None, training: bool = True,
                                 key_padding_mask: Tensor | None = None, need_weights: bool = True,
                                 attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
                                 q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
                                 v_proj_weight: Tensor | None = None, static_k: Tensor | None = None,
                                 static_v: Tensor | None = None, average_attn_weights: bool = True,
                                 is_causal: bool = False, *, _op: str = "multi_head_attention_forward",
                                 _batch_first: bool = False) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention (the computation of ``nn.MultiheadAttention``), sequence-first.

    Args:
        query: (L, N, E) or unbatched (L, E).
        key: (S, N, kdim) or (S, kdim).
        value: (S, N, vdim) or (S, vdim).
        embed_dim_to_check: E, the query's expected embedding size.
        num_heads: the number of heads H (E must be divisible by H).
        in_proj_weight: (3E, E), the packed query/key/value projections (when not ``use_separate_proj_weight``).
        in_proj_bias: (3E,) or None.
        bias_k, bias_v: (1, 1, E) or None: a learnt key and value appended to the sequences.
        add_zero_attn: append a zero key and value (after the projections).
        dropout_p: dropout probability on the attention weights (in training).
        out_proj_weight: (E, E); out_proj_bias: (E,) or None.
        key_padding_mask: (N, S) or (S,): bool (True = ignore this key) or float (added).
        need_weights: also return the attention weights.
        attn_mask: (L, S) or (N * H, L, S): bool (True = not allowed) or float (added).
        use_separate_proj_weight: project with q_proj_weight (E, E), k_proj_weight (E, kdim) and
            v_proj_weight (E, vdim) instead of in_proj_weight.
        static_k, static_v: (N * H, S, E / H): keys and values used instead of the projected ones.
        average_attn_weights: average the returned weights over the heads.
        is_causal: a hint that ``attn_mask`` is the causal mask (which must then be given).
        _op, _batch_first: (for ``nn.MultiheadAttention``) the name its errors give, and batched inputs and
            output laid out (N, L, E).

    Returns:
        the output (L, N, E) or (L, E), and the weights (N, L, S) (or (N, H, L, S) per head, without the N for
        an unbatched input) when ``need_weights``, else None.
    """
    op = _op
    batched = _check_mha_ranks(op, query, key, value, key_padding_mask, attn_mask)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        key_padding_mask = None if key_padding_mask is None else key_padding_mask.unsqueeze(0)
    first = _batch_first and batched
    batch, length, embed = (query.shape if first else (query.shape[1], query.shape[0], query.shape[2]))
    if embed != embed_dim_to_check:
        raise RuntimeError(f"{op}: expected query with embedding dimension {embed_dim_to_check}, got shape "
                           f"{list(query.shape)}")
    if embed % num_heads:
        raise RuntimeError(f"{op}: embed_dim {embed} is not divisible by num_heads {num_heads}")
    if key.shape[:2] != value.shape[:2] or key.shape[0 if first else 1] != batch:
        raise RuntimeError(f"{op}: query {list(query.shape)}, key {list(key.shape)} and value {list(value.shape)} "
                           f"must share the batch size, and key and value the sequence length")
    if use_separate_proj_weight:
        assert q_proj_weight is not None and k_proj_weight is not None and v_proj_weight is not None
        kdim, vdim = k_proj_weight.shape[1], v_proj_weight.shape[1]
    else:
        assert in_proj_weight is not None
        kdim, vdim = embed, embed
    if key.shape[-1] != kdim or value.shape[-1] != vdim:
        raise RuntimeError(f"{op}: expected key with {kdim} features and value with {vdim}, got key "
                           f"{list(key.shape)} and value {list(value.shape)}")
    if is_causal and attn_mask is None:
        raise RuntimeError(f"{op}: is_causal is a hint that needs attn_mask, the causal mask itself (e.g. "
                           f"triu(full((L, L), -inf), diagonal=1))")
    if (bias_k is None) != (bias_v is None):
        raise RuntimeError(f"{op}: bias_k and bias_v must be given together")
    if bias_k is not None and (static_k is not None or static_v is not None):
        raise RuntimeError(f"{op}: bias_k and bias_v cannot be added to a static key or value")
    if key_padding_mask is not None and attn_mask is not None and key_padding_mask.dtype != attn_mask.dtype:
        warnings.warn("Support for mismatched key_padding_mask and attn_mask is deprecated. Use same type for both "
                      "instead.", UserWarning, stacklevel=2)
    key_padding_mask = _float_mask(op, "key_padding_mask", key_padding_mask, query)
    attn_mask = _float_mask(op, "attn_mask", attn_mask, query)

    heads, head_dim = num_heads, embed // num_heads
    if not use_separate_proj_weight and query is key and key is value:     # self-attention: one GEMM
        assert in_proj_weight is not None
        packed = linear(query, in_proj_weight, in_proj_bias).reshape(*query.shape[:2], 3, heads, head_dim)
        q, k, v = packed.permute((2, 0, 3, 1, 4) if first else (2, 1, 3, 0, 4)).unbind(0)
    else:
        weights = ((q_proj_weight, k_proj_weight, v_proj_weight) if use_separate_proj_weight
                   else in_proj_weight.chunk(3))  # type: ignore[union-attr]   # checked above
        biases = (None,) * 3 if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = (_heads(linear(x, w, b), heads, first) for x, w, b in zip((query, key, value), weights, biases))
    for name, static in (("static_k", static_k), ("static_v", static_v)):
        if static is not None and (static.ndim != 3 or static.shape[0] != batch * heads
                                   or static.shape[2] != head_dim):
            raise RuntimeError(f"{op}: expected {name} of shape [{batch * heads}, S, {head_dim}] (N * num_heads, S, "
                               f"head_dim), got {list(static.shape)}")
    if static_k is not None:
        k = static_k.reshape(batch, heads, -1, head_dim)
    if static_v is not None:
        v = static_v.reshape(batch, heads, -1, head_dim)
    if k.shape[2] != v.shape[2]:
        raise RuntimeError(f"{op}: keys and values differ in length: {k.shape[2]} and {v.shape[2]}")
    source = k.shape[2]
    extra = []                                   # appended keys/values: (N, H, 1, head_dim) each
    if bias_k is not None:
        assert bias_v is not None    # checked above: both or neither
        extra.append((bias_k.reshape(1, heads, 1, head_dim).expand(batch, heads, 1, head_dim),
                      bias_v.reshape(1, heads, 1, head_dim).expand(batch, heads, 1, head_dim)))
    if add_zero_attn:
        zeros = Tensor._make(np.zeros((batch, heads, 1, head_dim), q._data.dtype))
        extra.append((zeros, zeros))
    if extra:
        k = cat([k] + [e[0] for e in extra], dim=2)
        v = cat([v] + [e[1] for e in extra], dim=2)

    mask = None
    if attn_mask is not None:
        if attn_mask.shape not in ((length, source), (batch * heads, length, source)):
            raise RuntimeError(f"{op}: expected attn_mask of shape {[length, source]} (L, S) or "
                               f"{[batch * heads, length, source]} (N * num_heads, L, S), got {list(attn_mask.shape)}")
        mask = attn_mask.reshape(-1, heads if attn_mask.ndim == 3 else 1, length, source)
    if key_padding_mask is not None:
        if key_padding_mask.shape != (batch, source):
            expected, got = (([batch, source], key_padding_mask.shape) if batched
                             else ([source], key_padding_mask.shape[1:]))
            raise RuntimeError(f"{op}: expected key_padding_mask of shape {expected} (N, S) or (S,), got {list(got)}")
        padding = key_padding_mask.reshape(batch, 1, 1, source)
        mask = padding if mask is None else mask + padding
    if mask is not None and extra:
        mask = pad(mask, (0, len(extra)))

    out, weights = _attend(q, k, v, mask, dropout_p if training else 0.0, 1 / math.sqrt(head_dim),
                           safe=not need_weights)
    out = out.transpose(1, 2) if first else out.permute(2, 0, 1, 3)
    out = linear(out.reshape(*query.shape[:2], embed), out_proj_weight, out_proj_bias)
    if not need_weights:
        return (out if batched else out.squeeze(1)), None
    if average_attn_weights:
        weights = weights.mean(dim=1)
    return (out, weights) if batched else (out.squeeze(1), weights.squeeze(0))
