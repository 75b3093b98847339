"""The Transformer family (Vaswani et al., "Attention Is All You Need", 2017): the encoder and decoder layers,
their stacks and the encoder-decoder ``Transformer``, with PyTorch's signatures, defaults and submodule names, so
state dicts and scripts move between the two libraries."""
from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from typing import Any

import microtensor as mt
from microtensor.nn import functional as F
from microtensor.nn import init
from microtensor.nn.activation import GELU, ReLU
from microtensor.nn.attention import MultiheadAttention
from microtensor.nn.container import ModuleList
from microtensor.nn.dropout import Dropout
from microtensor.nn.linear import Linear
from microtensor.nn.module import Module
from microtensor.nn.normalization import LayerNorm
from microtensor.tensor import Tensor

_ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {"relu": F.relu, "gelu": F.gelu}


def _activation(owner: str, activation: str | Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    """A layer's activation: ``"relu"`` and ``"gelu"`` name the functions of ``F``; a callable is kept."""
    if not isinstance(activation, str):
        return activation
    if activation not in _ACTIVATIONS:
        raise RuntimeError(f"{owner}: activation should be relu/gelu, not {activation}")
    return _ACTIVATIONS[activation]


def _clones(module: Module, n: int) -> ModuleList:
    """``n`` deep copies of ``module``: the layers of a stack start equal but own their parameters."""
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


def _square_subsequent_mask(sz: int, device: object = None, dtype: mt.dtype | None = None) -> Tensor:
    """(sz, sz): -inf above the diagonal, 0 on and below it (True above the diagonal for a bool dtype)."""
    return mt.triu(mt.full((sz, sz), float("-inf"), dtype=dtype, device=device), diagonal=1)


def _seq_len(src: Tensor, batch_first: bool) -> int:
    """The sequence length of a (L, E), (L, N, E) or, ``batch_first``, (N, L, E) input."""
    return src.shape[0] if src.ndim == 2 else src.shape[1 if batch_first else 0]


def _detect_is_causal(mask: Tensor | None, is_causal: bool | None, size: int) -> bool:
    """PyTorch's reading of an ``is_causal`` argument: True and False are kept; None means "True exactly when
    ``mask`` is the (size, size) causal mask" (float -inf above the diagonal and 0 elsewhere, or bool True
    above the diagonal)."""
    if is_causal is not None or mask is None:
        return is_causal is True
    causal = _square_subsequent_mask(size, dtype=mask.dtype)
    return tuple(mask.shape) == tuple(causal.shape) and bool((mask == causal).all())


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
        device: accepted for PyTorch compatibility (always the CPU).
        dtype: the parameters' dtype.

    ``activation_relu_or_gelu`` is PyTorch's flag (1 for ReLU, 2 for GELU, 0 otherwise) that
    ``TransformerEncoder`` reads to decide whether PyTorch would take its nested-tensor path.
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
        activation = _activation(type(self).__name__, activation)
        if activation is F.relu or isinstance(activation, ReLU):
            self.activation_relu_or_gelu = 1
        elif activation is F.gelu or isinstance(activation, GELU):
            self.activation_relu_or_gelu = 2
        else:
            self.activation_relu_or_gelu = 0
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


class TransformerDecoderLayer(Module):
    """Self-attention, attention over the encoder's output (``memory``), then a feed-forward network, each
    inside a residual connection with layer norm.

    Post-norm (the paper's): ``x = norm1(x + SA(x)); x = norm2(x + MHA(x, memory)); x = norm3(x + FF(x))``; with
    ``norm_first`` (pre-norm): ``x = x + SA(norm1(x)); x = x + MHA(norm2(x), memory); x = x + FF(norm3(x))``,
    where ``FF(x) = linear2(dropout(activation(linear1(x))))`` and dropout1/2/3 follow SA, MHA and FF.

    Args:
        d_model: the embedding size E.
        nhead: the number of attention heads (of both attentions).
        dim_feedforward: the hidden size of the feed-forward network.
        dropout: the dropout probability everywhere (attention weights included).
        activation: ``"relu"``, ``"gelu"`` or a callable (a function or a module).
        layer_norm_eps: eps of the three layer norms.
        batch_first: inputs and output are (N, L, E) rather than (L, N, E).
        norm_first: pre-norm instead of post-norm.
        bias: whether the linear maps, attention projections and layer norms have biases.
        device: accepted for PyTorch compatibility (always the CPU).
        dtype: the parameters' dtype.
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable[[Tensor], Tensor] = F.relu, layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True, device: object = None,
                 dtype: mt.dtype | None = None) -> None:
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=batch_first, bias=bias,
                                            dtype=dtype)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=batch_first,
                                                 bias=bias, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _activation(type(self).__name__, activation)

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None, tgt_is_causal: bool = False,
                memory_is_causal: bool = False) -> Tensor:
        """One decoder layer.

        Args:
            tgt: (T, N, E), (N, T, E) with ``batch_first``, or unbatched (T, E).
            memory: the encoder's output, (S, N, E), (N, S, E) or (S, E).
            tgt_mask: (T, T) or (N * nhead, T, T) self-attention mask: bool (True = not allowed) or float (added).
            memory_mask: (T, S) or (N * nhead, T, S) mask of the attention over ``memory``.
            tgt_key_padding_mask: (N, T) or (T,): bool (True = a padding position) or float (added).
            memory_key_padding_mask: (N, S) or (S,), the same for ``memory``.
            tgt_is_causal: a hint that ``tgt_mask`` is the causal mask.
            memory_is_causal: a hint that ``memory_mask`` is the causal mask.

        Returns:
            the same shape as ``tgt``.
        """
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            return x + self._ff_block(self.norm3(x))
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal))
        return self.norm3(x + self._ff_block(x))

    def _sa_block(self, x: Tensor, attn_mask: Tensor | None, key_padding_mask: Tensor | None,
                  is_causal: bool) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, is_causal=is_causal,
                           need_weights=False)[0]
        return self.dropout1(x)

    def _mha_block(self, x: Tensor, mem: Tensor, attn_mask: Tensor | None, key_padding_mask: Tensor | None,
                   is_causal: bool) -> Tensor:
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                is_causal=is_causal, need_weights=False)[0]
        return self.dropout2(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))


def _why_not_nested(layer: Module) -> str:
    """Why PyTorch's TransformerEncoder would not take its nested-tensor path with copies of ``layer``
    (its own wording), or "" when it would."""
    name = "encoder_layer"
    if not isinstance(layer, TransformerEncoderLayer):
        return f"{name} was not TransformerEncoderLayer"
    if layer.norm_first:
        return f"{name}.norm_first was True"
    if not layer.self_attn.batch_first:
        return f"{name}.self_attn.batch_first was not True(use batch_first for better inference performance)"
    if not layer.self_attn._qkv_same_embed_dim:
        return f"{name}.self_attn._qkv_same_embed_dim was not True"
    if layer.self_attn.in_proj_bias is None:
        return f"{name}.self_attn was passed bias=False"
    if not layer.activation_relu_or_gelu:
        return f"{name}.activation_relu_or_gelu was not True"
    if layer.norm1.eps != layer.norm2.eps:
        return f"{name}.norm1.eps was not equal to {name}.norm2.eps"
    if layer.self_attn.num_heads % 2 == 1:
        return f"{name}.self_attn.num_heads is odd"
    return ""


class TransformerEncoder(Module):
    """A stack of ``num_layers`` copies of ``encoder_layer`` (each with its own parameters), then ``norm``.

    Args:
        encoder_layer: the layer to copy (a ``TransformerEncoderLayer`` or any module called as one).
        num_layers: the number of copies.
        norm: an optional module applied to the last layer's output (e.g. ``LayerNorm`` for pre-norm stacks).
        enable_nested_tensor: PyTorch's switch for its nested-tensor path. There are no nested tensors here,
            but their one visible effect is reproduced: where PyTorch would take that path (``use_nested_tensor``,
            evaluation mode, no gradient recorded, a left-aligned ``src_key_padding_mask`` and no ``mask``),
            the padded positions come out of the layers as zeros. As in PyTorch, a warning says why the path is
            off when it is asked for but the layer rules it out.
        mask_check: check that ``src_key_padding_mask`` is left-aligned before taking that path.
    """

    def __init__(self, encoder_layer: Module, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__()
        self.layers = _clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check
        why_not = _why_not_nested(encoder_layer)
        if enable_nested_tensor and why_not:
            warnings.warn(f"enable_nested_tensor is True, but self.use_nested_tensor is False because {why_not}",
                          stacklevel=2)
            self.use_nested_tensor = False

    def forward(self, src: Tensor, mask: Tensor | None = None, src_key_padding_mask: Tensor | None = None,
                is_causal: bool | None = None) -> Tensor:
        """Pass ``src`` through every layer (with the same masks), then ``norm``.

        Args:
            src: (L, N, E), (N, L, E) when the layers are ``batch_first``, or unbatched (L, E).
            mask: (L, L) or (N * nhead, L, L) attention mask: bool (True = not allowed) or float (added).
            src_key_padding_mask: (N, L) or (L,): bool (True = a padding position) or float (added).
            is_causal: a hint that ``mask`` is the causal mask; None detects it by comparing ``mask`` with
                ``Transformer.generate_square_subsequent_mask``.
        """
        first = self.layers[0]
        is_causal = _detect_is_causal(mask, is_causal, _seq_len(src, first.self_attn.batch_first))
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, is_causal=is_causal, src_key_padding_mask=src_key_padding_mask)
        padding = self._nested_padding(src, mask, src_key_padding_mask)
        if padding is not None:
            output = output.masked_fill(padding.unsqueeze(-1), 0.0)
        return output if self.norm is None else self.norm(output)

    def _nested_padding(self, src: Tensor, mask: Tensor | None, key_padding_mask: Tensor | None) -> Tensor | None:
        """The (N, L) bool padding positions when PyTorch would run this call on nested tensors (and so give
        zeros there), else None; the conditions are PyTorch's."""
        first = self.layers[0]
        if (not self.use_nested_tensor or first.training or src.ndim != 3 or key_padding_mask is None
                or mask is not None):
            return None
        attn = first.self_attn
        args = (src, attn.in_proj_weight, attn.in_proj_bias, attn.out_proj.weight, attn.out_proj.bias,
                first.norm1.weight, first.norm1.bias, first.norm2.weight, first.norm2.bias, first.linear1.weight,
                first.linear1.bias, first.linear2.weight, first.linear2.bias)
        if mt.is_grad_enabled() and any(t is not None and t.requires_grad for t in args):
            return None
        padding = key_padding_mask if key_padding_mask.dtype == mt.bool else key_padding_mask != 0
        pad = padding.numpy()
        if self.mask_check and (pad[:, :-1] & ~pad[:, 1:]).any():     # a kept position after a padded one
            return None
        return padding


class TransformerDecoder(Module):
    """A stack of ``num_layers`` copies of ``decoder_layer`` (each with its own parameters), then ``norm``.

    Args:
        decoder_layer: the layer to copy (a ``TransformerDecoderLayer`` or any module called as one).
        num_layers: the number of copies.
        norm: an optional module applied to the last layer's output.
    """

    def __init__(self, decoder_layer: Module, num_layers: int, norm: Module | None = None) -> None:
        super().__init__()
        self.layers = _clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        """Pass ``tgt`` through every layer (each attending to ``memory``, with the same masks), then ``norm``.

        Args: as ``TransformerDecoderLayer.forward``; ``tgt_is_causal`` None detects whether ``tgt_mask`` is
        the causal mask.
        """
        seq_len = _seq_len(tgt, self.layers[0].self_attn.batch_first)
        tgt_is_causal = _detect_is_causal(tgt_mask, tgt_is_causal, seq_len)
        output = tgt
        for layer in self.layers:
            output = layer(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                           tgt_key_padding_mask=tgt_key_padding_mask,
                           memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=tgt_is_causal,
                           memory_is_causal=memory_is_causal)
        return output if self.norm is None else self.norm(output)


class Transformer(Module):
    """The encoder-decoder Transformer: ``decoder(tgt, encoder(src))``, each stack ending in a ``LayerNorm``.

    Args:
        d_model: the embedding size E of ``src`` and ``tgt``.
        nhead: the number of attention heads.
        num_encoder_layers, num_decoder_layers: the depth of each stack.
        dim_feedforward: the hidden size of every feed-forward network.
        dropout: the dropout probability everywhere.
        activation: ``"relu"``, ``"gelu"`` or a callable, for every layer.
        custom_encoder, custom_decoder: modules used instead of the stacks built here (called as
            ``TransformerEncoder`` and ``TransformerDecoder`` are).
        layer_norm_eps: eps of every layer norm.
        batch_first: inputs and output are (N, L, E) rather than (L, N, E).
        norm_first: pre-norm layers.
        bias: whether the linear maps, attention projections and layer norms have biases.
        device: accepted for PyTorch compatibility (always the CPU).
        dtype: the parameters' dtype.

    Every parameter with more than one dimension (custom stacks included) is drawn with ``xavier_uniform_``,
    as PyTorch does. Subclasses may replace ``self.encoder`` or ``self.decoder`` after ``__init__``.
    """

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable[[Tensor], Tensor] = F.relu, custom_encoder: Any | None = None,
                 custom_decoder: Any | None = None, layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: object = None,
                 dtype: mt.dtype | None = None) -> None:
        super().__init__()
        layer_args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first,
                      bias)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(TransformerEncoderLayer(*layer_args, dtype=dtype), num_encoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(TransformerDecoderLayer(*layer_args, dtype=dtype), num_decoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(self, src: Tensor, tgt: Tensor, src_mask: Tensor | None = None, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, src_key_padding_mask: Tensor | None = None,
                tgt_key_padding_mask: Tensor | None = None, memory_key_padding_mask: Tensor | None = None,
                src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        """Encode ``src``, then decode ``tgt`` attending to the encoding.

        Args:
            src: (S, N, E), (N, S, E) with ``batch_first``, or unbatched (S, E).
            tgt: (T, N, E), (N, T, E) or (T, E).
            src_mask: (S, S) or (N * nhead, S, S): the encoder's self-attention mask.
            tgt_mask: (T, T) or (N * nhead, T, T): the decoder's self-attention mask (typically
                ``generate_square_subsequent_mask(T)``).
            memory_mask: (T, S) or (N * nhead, T, S): the mask of the decoder's attention over the encoding.
            src_key_padding_mask, tgt_key_padding_mask, memory_key_padding_mask: (N, S), (N, T), (N, S) (no N
                when unbatched). Every mask is bool (True = not allowed) or float (added to the scores).
            src_is_causal, tgt_is_causal, memory_is_causal: hints that the matching mask is the causal mask
                (None: detected).

        Returns:
            (T, N, E), (N, T, E) or (T, E): the decoder's output.
        """
        batched = src.ndim == 3
        batch_dim = 0 if self.batch_first else 1
        if batched and (tgt.ndim < 2 or src.shape[batch_dim] != tgt.shape[batch_dim]):
            raise RuntimeError(f"Transformer: the batch number of src and tgt must be equal, got src "
                               f"{list(src.shape)} and tgt {list(tgt.shape)} (batch_first={self.batch_first})")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(f"Transformer: the feature number of src and tgt must be equal to d_model "
                               f"({self.d_model}), got src {list(src.shape)} and tgt {list(tgt.shape)}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=tgt_is_causal,
                            memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: object = None, dtype: mt.dtype | None = None) -> Tensor:
        """The (sz, sz) causal mask: float -inf above the diagonal (a position may not attend to later ones),
        0.0 on and below it."""
        return _square_subsequent_mask(sz, device=device, dtype=dtype)

    def _reset_parameters(self) -> None:
        """xavier_uniform_ every parameter with more than one dimension, as PyTorch's ``Transformer`` does."""
        for p in self.parameters():
            if p.dim() > 1:
                init.xavier_uniform_(p)
