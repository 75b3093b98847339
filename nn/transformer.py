"""TransformerEncoderLayer and TransformerEncoder (Vaswani et al., "Attention Is All You Need", 2017), with
PyTorch's submodule names, so state dicts move between the two libraries."""
from __future__ import annotations

import copy
from collections.abc import Callable

import microtensor as mt
from microtensor.nn import functional as F
from microtensor.nn.attention import MultiheadAttention
from microtensor.nn.container import ModuleList
from microtensor.nn.dropout import Dropout
from microtensor.nn.linear import Linear
from microtensor.nn.module import Module
from microtensor.nn.normalization import LayerNorm
from microtensor.tensor import Tensor

_ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {"relu": F.relu, "gelu": F.gelu}


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward network, each inside a residual connection with layer norm.

    Post-norm (the paper's): ``x = norm1(x + SA(x)); x = norm2(x + FF(x))``; with ``norm_first`` (pre-norm):
    ``x = x + SA(norm1(x)); x = x + FF(norm2(x))``, where ``FF(x) = linear2(dropout(activation(linear1(x))))``
    and dropout1/dropout2 follow SA and FF.

    Args:
        d_model: the embedding size E.
        nhead: the number of attention heads.
        dim_feedforward: the hidden size of the feed-forward network.
        dropout: the dropout probability everywhere (attention weights included).
        activation: ``"relu"``, ``"gelu"`` or a callable (a function or a module).
        layer_norm_eps: eps of both layer norms.
        batch_first: input and output are (N, L, E) rather than (L, N, E).
        norm_first: pre-norm instead of post-norm.
        bias: whether the linear maps, attention projections and layer norms have biases.
        dtype: the parameters' dtype.
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable[[Tensor], Tensor] = F.relu, layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True, device: object = None,
                 dtype: mt.dtype | None = None) -> None:
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first,
                                            dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        if isinstance(activation, str):
            if activation not in _ACTIVATIONS:
                raise RuntimeError(f"TransformerEncoderLayer: activation should be relu/gelu, not {activation}")
            activation = _ACTIVATIONS[activation]
        self.activation = activation

    def forward(self, src: Tensor, src_mask: Tensor | None = None, src_key_padding_mask: Tensor | None = None,
                is_causal: bool = False) -> Tensor:
        """One encoder layer.

        Args:
            src: (L, N, E), (N, L, E) with ``batch_first``, or unbatched (L, E).
            src_mask: (L, L) or (N * nhead, L, L) attention mask: bool (True = not allowed) or float (added).
            src_key_padding_mask: (N, L) or (L,): bool (True = a padding position) or float (added).
            is_causal: a hint that ``src_mask`` is the causal mask.

        Returns:
            the same shape as ``src``.
        """
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))

    def _sa_block(self, x: Tensor, attn_mask: Tensor | None, key_padding_mask: Tensor | None,
                  is_causal: bool) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                           is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoder(Module):
    """A stack of ``num_layers`` copies of ``encoder_layer`` (each with its own parameters), then ``norm``.

    Args:
        encoder_layer: the layer to copy (a ``TransformerEncoderLayer``).
        num_layers: the number of copies.
        norm: an optional module applied to the last layer's output (e.g. ``LayerNorm`` for pre-norm stacks).
        enable_nested_tensor: accepted for PyTorch compatibility; there are no nested tensors here, so every
            position (padding included) is computed.
        mask_check: accepted for PyTorch compatibility (it only gates the nested-tensor path).
    """

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check

    def forward(self, src: Tensor, mask: Tensor | None = None, src_key_padding_mask: Tensor | None = None,
                is_causal: bool | None = None) -> Tensor:
        """Pass ``src`` through every layer (with the same masks), then ``norm``.

        Args:
            src: (L, N, E), (N, L, E) when the layers are ``batch_first``, or unbatched (L, E).
            mask: (L, L) or (N * nhead, L, L) attention mask: bool (True = not allowed) or float (added).
            src_key_padding_mask: (N, L) or (L,): bool (True = a padding position) or float (added).
            is_causal: a hint that ``mask`` is the causal mask.
        """
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)
