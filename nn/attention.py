"""MultiheadAttention (Vaswani et al., "Attention Is All You Need", 2017), with PyTorch's parameters and init."""
from __future__ import annotations

import microtensor as mt
from microtensor.nn import init
from microtensor.nn.linear import Linear
from microtensor.nn.module import Module
from microtensor.nn.parameter import Parameter
from microtensor.ops.attention import multi_head_attention_forward
from microtensor.tensor import Tensor


class MultiheadAttention(Module):
    """``MultiHead(Q, K, V) = Concat(head_1, ..., head_H) W_O`` with ``head_i = Attention(Q W_i^Q, K W_i^K, V W_i^V)``.

    Args:
        embed_dim: E, the size of the query (and of the output).
        num_heads: H, the number of heads; each works on E / H features (E must be divisible by H).
        dropout: dropout probability on the attention weights (in training).
        bias: whether the input and output projections have biases.
        add_bias_kv: learn a key and a value (``bias_k``, ``bias_v``) appended to the key and value sequences.
        add_zero_attn: append a zero key and value to the sequences.
        kdim, vdim: the sizes of the key and value features (E when None). When either differs from E, the
            projections are ``q_proj_weight`` (E, E), ``k_proj_weight`` (E, kdim), ``v_proj_weight`` (E, vdim);
            otherwise they are packed into ``in_proj_weight`` (3E, E).
        batch_first: inputs and output are (N, L, E) rather than (L, N, E).
        dtype: the parameters' dtype.

    Init (as PyTorch's): xavier_uniform_ projections, zero in_proj_bias and out_proj.bias, xavier_normal_
    bias_k/bias_v; ``out_proj`` is a ``Linear(E, E)``.
    """

    bias_k: Parameter | None         # None without add_bias_kv
    bias_v: Parameter | None

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device: object = None,
                 dtype: mt.dtype | None = None) -> None:
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"MultiheadAttention: embed_dim and num_heads must be positive, got embed_dim="
                             f"{embed_dim} and num_heads={num_heads}")
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim must be divisible by num_heads, got embed_dim="
                             f"{embed_dim} and num_heads={num_heads}")
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(mt.empty((3 * embed_dim, embed_dim), dtype=dtype))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(mt.empty((embed_dim, embed_dim), dtype=dtype))
            self.k_proj_weight = Parameter(mt.empty((embed_dim, self.kdim), dtype=dtype))
            self.v_proj_weight = Parameter(mt.empty((embed_dim, self.vdim), dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(mt.empty(3 * embed_dim, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        if add_bias_kv:
            self.bias_k = Parameter(mt.empty((1, 1, embed_dim), dtype=dtype))
            self.bias_v = Parameter(mt.empty((1, 1, embed_dim), dtype=dtype))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """xavier_uniform_ projection weights, zero biases, xavier_normal_ bias_k and bias_v."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None = None,
                need_weights: bool = True, attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        """Attend from ``query`` to ``key``/``value``.

        Args:
            query: (L, N, E), (N, L, E) with ``batch_first``, or unbatched (L, E).
            key: (S, N, kdim), (N, S, kdim) or (S, kdim).
            value: (S, N, vdim), (N, S, vdim) or (S, vdim).
            key_padding_mask: (N, S) or (S,): bool (True = ignore that key) or float (added to the scores).
            need_weights: also return the attention weights.
            attn_mask: (L, S) or (N * num_heads, L, S): bool (True = not allowed) or float (added).
            average_attn_weights: return the weights averaged over the heads rather than per head.
            is_causal: a hint that ``attn_mask`` is the causal mask (it must be given).

        Returns:
            ``(attn_output, attn_weights)``: the output shaped as ``query``; the weights (N, L, S) averaged or
            (N, num_heads, L, S) per head (no N when unbatched) if ``need_weights``, else None.
        """
        separate = not self._qkv_same_embed_dim
        return multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight, self.in_proj_bias,
            self.bias_k, self.bias_v, self.add_zero_attn, self.dropout, self.out_proj.weight, self.out_proj.bias,
            training=self.training, key_padding_mask=key_padding_mask, need_weights=need_weights,
            attn_mask=attn_mask, use_separate_proj_weight=separate, q_proj_weight=self.q_proj_weight,
            k_proj_weight=self.k_proj_weight, v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights, is_causal=is_causal,
            _op=f"MultiheadAttention(embed_dim={self.embed_dim}, num_heads={self.num_heads})",
            _batch_first=self.batch_first)
