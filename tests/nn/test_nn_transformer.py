"""nn.TransformerDecoderLayer, nn.TransformerDecoder and nn.Transformer against PyTorch with copied weights
(outputs, input and parameter gradients) across layouts, pre/post-norm, masks and activations; state dicts moved
both ways; the encoder's nested-tensor behaviour and warnings; PyTorch programs that subclass nn.Transformer or
stack TransformerEncoder; signatures; finite differences in float64; the errors for bad input."""
import inspect
import math
import warnings

import numpy as np
import pytest
from helpers import compare_modules_with_torch, copy_torch_weights, requires_torch, torch

import microtensor as mt
from microtensor import nn
from microtensor.autograd import gradcheck, gradgradcheck
from microtensor.nn import functional as F
from microtensor.utils.interchange import to_torch_state_dict

pytestmark = pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")   # checked where it matters

S, T, N, E, H = 5, 4, 3, 8, 2        # source and target lengths, batch, embedding size, heads


def randn(*shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def padding(*shape, seed=0):
    """A random bool key padding mask (True = padding) that never pads position 0, so no row is all padding."""
    mask = np.random.default_rng(seed).random(shape) < 0.4
    mask[..., 0] = False
    return mask


def causal(length):
    return np.triu(np.full((length, length), -np.inf, np.float32), 1)


ACTIVATIONS = {"relu": lambda: ("relu", "relu"), "gelu": lambda: ("gelu", "gelu"),
               "callable": lambda: (F.silu, torch.nn.functional.silu)}


def layer_pair(kind, activation="relu", **kwargs):
    """(ours, theirs): TransformerEncoderLayer or TransformerDecoderLayer built alike, dropout off."""
    ours_act, theirs_act = ACTIVATIONS[activation]()
    kwargs = {"dim_feedforward": 16, "dropout": 0.0, **kwargs}
    torch.manual_seed(0)
    return (getattr(nn, kind)(E, H, activation=ours_act, **kwargs),
            getattr(torch.nn, kind)(E, H, activation=theirs_act, **kwargs))


def layout(batch_first, length, unbatched=False):
    return (length, E) if unbatched else ((N, length, E) if batch_first else (length, N, E))


def decoder_arrays(batch_first, masks, unbatched=False):
    arrays = {"tgt": randn(*layout(batch_first, T, unbatched), seed=1),
              "memory": randn(*layout(batch_first, S, unbatched), seed=2)}
    lead = () if unbatched else (N,)
    if masks == "bool":
        arrays.update(tgt_mask=np.triu(np.ones((T, T), bool), 1), memory_mask=padding(T, S, seed=3),
                      tgt_key_padding_mask=padding(*lead, T, seed=4), memory_key_padding_mask=padding(*lead, S, seed=5))
    elif masks == "float":
        arrays.update(tgt_mask=causal(T), memory_mask=randn(T, S, seed=3),
                      tgt_key_padding_mask=randn(*lead, T, seed=4), memory_key_padding_mask=randn(*lead, S, seed=5))
    return arrays


def decoder_call(module, t, lib):
    return (module(t["tgt"], t["memory"], **{k: v for k, v in t.items() if k not in ("tgt", "memory")}),)


# ----------------------------------------------------------------------------- TransformerDecoderLayer
@requires_torch
@pytest.mark.parametrize("masks", ["none", "bool", "float"])
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_decoder_layer_matches_torch(batch_first, norm_first, activation, masks):
    ours, theirs = layer_pair("TransformerDecoderLayer", activation, batch_first=batch_first, norm_first=norm_first)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    compare_modules_with_torch(ours, theirs, decoder_arrays(batch_first, masks), decoder_call)


@requires_torch
@pytest.mark.parametrize("masks", ["none", "bool", "float"])
def test_decoder_layer_unbatched_matches_torch(masks):
    ours, theirs = layer_pair("TransformerDecoderLayer", batch_first=True)
    compare_modules_with_torch(ours, theirs, decoder_arrays(True, masks, unbatched=True), decoder_call)


@requires_torch
@pytest.mark.parametrize("kwargs", [{"bias": False}, {"layer_norm_eps": 1e-2, "norm_first": True},
                                    {"dropout": 0.3}])
def test_decoder_layer_options_match_torch(kwargs):
    ours, theirs = layer_pair("TransformerDecoderLayer", **kwargs)
    ours.eval()
    theirs.eval()
    compare_modules_with_torch(ours, theirs, decoder_arrays(False, "bool"), decoder_call)


@requires_torch
def test_decoder_layer_causal_hints_match_torch():
    ours, theirs = layer_pair("TransformerDecoderLayer")
    arrays = decoder_arrays(False, "none")
    arrays.update(tgt_mask=causal(T), memory_mask=np.triu(np.full((T, S), -np.inf, np.float32), 1))

    def call(module, t, lib):
        return (module(t["tgt"], t["memory"], t["tgt_mask"], t["memory_mask"], tgt_is_causal=True,
                       memory_is_causal=True),)
    compare_modules_with_torch(ours, theirs, arrays, call)


def test_decoder_layer_submodules_and_dropout():
    layer = nn.TransformerDecoderLayer(E, H, dim_feedforward=16)
    assert [n for n, _ in layer.named_children()] == [
        "self_attn", "multihead_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "norm3", "dropout1",
        "dropout2", "dropout3"]
    assert layer.dropout.p == 0.1 and layer.self_attn.dropout == 0.1 and layer.linear1.out_features == 16
    tgt, memory = mt.randn(T, N, E), mt.randn(S, N, E)
    run = lambda: layer(tgt, memory).detach().numpy()      # noqa: E731
    mt.manual_seed(1)
    a = run()
    mt.manual_seed(1)
    np.testing.assert_array_equal(run(), a)
    layer.eval()
    b = run()
    np.testing.assert_array_equal(run(), b)
    assert not np.allclose(a, b)


def test_decoder_layer_gradcheck():
    """Finite differences in float64 over tgt, memory and every parameter, with masks, then second order."""
    layer = nn.TransformerDecoderLayer(4, 2, dim_feedforward=6, dropout=0.0, activation="gelu").double()
    tgt = mt.tensor(randn(3, 2, 4, seed=1, dtype=np.float64), requires_grad=True)
    memory = mt.tensor(randn(2, 2, 4, seed=2, dtype=np.float64), requires_grad=True)
    tgt_mask = nn.Transformer.generate_square_subsequent_mask(3, dtype=mt.float64)
    kpm = mt.tensor(np.array([[False, True], [False, False]]))

    def fn(tgt, memory, *_):
        return layer(tgt, memory, tgt_mask=tgt_mask, memory_key_padding_mask=kpm)
    assert gradcheck(fn, (tgt, memory) + tuple(layer.parameters()))
    layer.norm_first = True
    assert gradgradcheck(fn, (tgt, memory))


def test_layer_errors():
    with pytest.raises(RuntimeError, match=r"TransformerDecoderLayer: activation should be relu/gelu, not tanh"):
        nn.TransformerDecoderLayer(E, H, activation="tanh")
    with pytest.raises(ValueError, match=r"embed_dim=8 and num_heads=3"):
        nn.TransformerDecoderLayer(E, 3)
    layer = nn.TransformerDecoderLayer(E, H, dim_feedforward=16)
    with pytest.raises(RuntimeError, match=r"MultiheadAttention\(embed_dim=8, num_heads=2\): expected key with 8 "
                                           r"features and value with 8, got key \[5, 3, 6\]"):
        layer(mt.randn(T, N, E), mt.randn(S, N, 6))


# ----------------------------------------------------------------------------- TransformerDecoder
@requires_torch
@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_matches_torch(norm_first):
    ours_layer, theirs_layer = layer_pair("TransformerDecoderLayer", "gelu", batch_first=True, norm_first=norm_first)
    ours = nn.TransformerDecoder(ours_layer, 2, norm=nn.LayerNorm(E))
    theirs = torch.nn.TransformerDecoder(theirs_layer, 2, norm=torch.nn.LayerNorm(E))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    compare_modules_with_torch(ours, theirs, decoder_arrays(True, "bool"), decoder_call)


def test_decoder_layers_are_independent_copies():
    layer = nn.TransformerDecoderLayer(E, H, dim_feedforward=16)
    dec = nn.TransformerDecoder(layer, 3)
    assert len(dec.layers) == 3 and dec.norm is None and dec.num_layers == 3
    weights = [lay.multihead_attn.in_proj_weight for lay in dec.layers]
    assert len({id(w) for w in weights}) == 3 and all(w is not layer.multihead_attn.in_proj_weight for w in weights)
    assert dec(mt.randn(T, N, E), mt.randn(S, N, E)).shape == (T, N, E)


def recording_layer(lib, kind):
    """A subclass of ``lib.nn.<kind>`` that records the is_causal arguments its stack passes it."""
    class Recording(getattr(lib.nn, kind)):
        def forward(self, *args, **kwargs):
            self.seen = {k: v for k, v in kwargs.items() if k.endswith("is_causal")}
            return super().forward(*args, **kwargs)
    return Recording


CAUSAL_CASES = {  # name: (mask given, is_causal argument)
    "float causal, None": (lambda: causal(T), None),
    "bool causal, None": (lambda: np.triu(np.ones((T, T), bool), 1), None),
    "other mask, None": (lambda: randn(T, T), None),
    "no mask, None": (lambda: None, None),
    "causal, False": (lambda: causal(T), False),
    "other mask, True": (lambda: randn(T, T), True),
}


@requires_torch
@pytest.mark.parametrize("case", list(CAUSAL_CASES))
@pytest.mark.parametrize("kind", ["TransformerEncoderLayer", "TransformerDecoderLayer"])
def test_stacks_detect_the_causal_mask_as_torch(kind, case):
    """What each layer receives as is_causal: PyTorch compares a mask given with is_causal=None to the causal
    mask, and passes True or False on."""
    mask, hint = CAUSAL_CASES[case]
    mask = mask()
    seen = []
    for lib in (mt, torch):
        layer = recording_layer(lib, kind)(E, H, dim_feedforward=16, dropout=0.0)
        x = lib.tensor(randn(T, N, E))
        m = None if mask is None else lib.tensor(mask)
        if kind == "TransformerEncoderLayer":
            stack = lib.nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
            stack(x, mask=m, is_causal=hint)
        else:
            stack = lib.nn.TransformerDecoder(layer, 2)
            stack(x, x, tgt_mask=m, tgt_is_causal=hint)
        seen.append([lay.seen for lay in stack.layers])
    ours, theirs = seen
    assert ours == theirs


# ----------------------------------------------------------------------------- TransformerEncoder audit
@requires_torch
@pytest.mark.parametrize("kwargs", [{}, {"batch_first": True}, {"batch_first": True, "norm_first": True},
                                    {"batch_first": True, "bias": False}, {"batch_first": True, "activation": "gelu"},
                                    {"batch_first": True, "activation": "callable"}])
def test_encoder_nested_tensor_warning_matches_torch(kwargs):
    kwargs = dict(kwargs)
    layers = layer_pair("TransformerEncoderLayer", kwargs.pop("activation", "relu"), **kwargs)
    caught = []
    for lib, layer in zip((mt, torch), layers):
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            encoder = lib.nn.TransformerEncoder(layer, 2)
        caught.append(([str(w.message) for w in record], encoder.use_nested_tensor))
        if lib is mt:     # the warning points at the caller, as PyTorch's
            assert all(w.filename == __file__ for w in record)
    assert caught[0] == caught[1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not nn.TransformerEncoder(layers[0], 2, enable_nested_tensor=False).use_nested_tensor


@requires_torch
@pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors is in prototype stage")
@pytest.mark.parametrize("mode", ["no_grad", "inference", "grad", "train", "right-aligned", "unchecked", "with mask",
                                  "float kpm"])
def test_encoder_padded_outputs_match_torch(mode):
    """PyTorch's encoder runs an evaluation with a left-aligned padding mask on nested tensors, which gives zeros
    at the padded positions (before the final norm); every other call computes them."""
    ours_layer, theirs_layer = layer_pair("TransformerEncoderLayer", batch_first=True)
    kwargs = {"mask_check": mode != "unchecked"}
    ours = nn.TransformerEncoder(ours_layer, 2, norm=nn.LayerNorm(E), **kwargs)
    theirs = torch.nn.TransformerEncoder(theirs_layer, 2, norm=torch.nn.LayerNorm(E), **kwargs)
    copy_torch_weights(ours, theirs)
    if mode != "train":
        ours.eval()
        theirs.eval()
    kpm = np.array([[False, False, True, True], [False, False, False, False], [False, True, True, True]])
    if mode == "right-aligned":
        kpm = kpm[:, ::-1].copy()
    kpm_arg = np.where(kpm, -np.inf, 0).astype(np.float32) if mode == "float kpm" else kpm
    # (a bool mask: PyTorch's fused layer gives NaN everywhere for a float mask with a bool padding mask)
    mask = padding(T, T, seed=5) if mode == "with mask" else None
    outs = []
    for lib, module in ((mt, ours), (torch, theirs)):
        context = {"grad": lib.enable_grad, "inference": lib.inference_mode}.get(mode, lib.no_grad)
        args = {"src_key_padding_mask": lib.tensor(kpm_arg), "mask": None if mask is None else lib.tensor(mask)}
        with context():
            outs.append(module(lib.tensor(randn(N, T, E)), **args).detach().numpy())
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-4, atol=1e-5)
    zeroed = np.allclose(outs[0][kpm], ours.norm.bias.detach().numpy())
    assert zeroed == (mode in ("no_grad", "inference", "unchecked", "float kpm"))


# ----------------------------------------------------------------------------- Transformer
def transformer_pair(**kwargs):
    ours_act, theirs_act = ACTIVATIONS[kwargs.pop("activation", "relu")]()
    kwargs = {"d_model": E, "nhead": H, "num_encoder_layers": 2, "num_decoder_layers": 2, "dim_feedforward": 16,
              "dropout": 0.0, **kwargs}
    torch.manual_seed(0)
    return nn.Transformer(activation=ours_act, **kwargs), torch.nn.Transformer(activation=theirs_act, **kwargs)


def transformer_arrays(batch_first, masks, unbatched=False):
    arrays = decoder_arrays(batch_first, "none", unbatched)
    arrays = {"src": arrays["memory"], "tgt": arrays["tgt"]}
    lead = () if unbatched else (N,)
    if masks == "bool":
        arrays.update(src_mask=padding(S, S, seed=6), tgt_mask=np.triu(np.ones((T, T), bool), 1),
                      memory_mask=padding(T, S, seed=3), src_key_padding_mask=padding(*lead, S, seed=7),
                      tgt_key_padding_mask=padding(*lead, T, seed=4),
                      memory_key_padding_mask=padding(*lead, S, seed=5))
    elif masks == "float":
        arrays.update(src_mask=randn(S, S, seed=6), tgt_mask=causal(T), memory_mask=randn(T, S, seed=3),
                      src_key_padding_mask=randn(*lead, S, seed=7), tgt_key_padding_mask=randn(*lead, T, seed=4),
                      memory_key_padding_mask=randn(*lead, S, seed=5))
    return arrays


def transformer_call(module, t, lib):
    return (module(t["src"], t["tgt"], **{k: v for k, v in t.items() if k not in ("src", "tgt")}),)


@requires_torch
@pytest.mark.parametrize("masks", ["none", "bool", "float"])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_matches_torch(batch_first, norm_first, masks):
    ours, theirs = transformer_pair(batch_first=batch_first, norm_first=norm_first)
    compare_modules_with_torch(ours, theirs, transformer_arrays(batch_first, masks), transformer_call)


@requires_torch
@pytest.mark.parametrize("kwargs", [{"activation": "gelu"}, {"activation": "callable", "bias": False},
                                    {"num_encoder_layers": 1, "num_decoder_layers": 3, "layer_norm_eps": 1e-3}])
def test_transformer_options_match_torch(kwargs):
    ours, theirs = transformer_pair(batch_first=True, **kwargs)
    compare_modules_with_torch(ours, theirs, transformer_arrays(True, "bool"), transformer_call)
    compare_modules_with_torch(ours, theirs, transformer_arrays(True, "float", unbatched=True), transformer_call)


@requires_torch
def test_transformer_causal_hints_match_torch():
    ours, theirs = transformer_pair()
    arrays = transformer_arrays(False, "none")
    arrays.update(src_mask=causal(S), tgt_mask=causal(T))

    def call(module, t, lib):
        return (module(t["src"], t["tgt"], src_mask=t["src_mask"], tgt_mask=t["tgt_mask"], src_is_causal=True,
                       tgt_is_causal=True),)
    compare_modules_with_torch(ours, theirs, arrays, call)


@requires_torch
def test_transformer_state_dicts_move_both_ways():
    ours, theirs = transformer_pair(batch_first=True)
    expected = {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == expected
    for key in ("encoder.layers.0.self_attn.in_proj_weight", "decoder.layers.1.multihead_attn.out_proj.weight",
                "encoder.norm.weight", "decoder.norm.bias", "decoder.layers.0.norm3.weight"):
        assert key in expected
    ours.load_state_dict({k: mt.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    src, tgt = randn(N, S, E, seed=1), randn(N, T, E, seed=2)
    expected_out = theirs(torch.tensor(src), torch.tensor(tgt)).detach().numpy()
    np.testing.assert_allclose(ours(mt.tensor(src), mt.tensor(tgt)).detach().numpy(), expected_out, rtol=1e-4,
                               atol=1e-5)
    mt.manual_seed(3)
    fresh, _ = transformer_pair(batch_first=True)
    theirs.load_state_dict(to_torch_state_dict(fresh))
    np.testing.assert_allclose(theirs(torch.tensor(src), torch.tensor(tgt)).detach().numpy(),
                               fresh(mt.tensor(src), mt.tensor(tgt)).detach().numpy(), rtol=1e-4, atol=1e-5)


def test_transformer_defaults_and_init():
    model = nn.Transformer(d_model=16, nhead=4, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=8)
    assert (model.d_model, model.nhead, model.batch_first) == (16, 4, False)
    assert isinstance(model.encoder, nn.TransformerEncoder) and isinstance(model.decoder, nn.TransformerDecoder)
    assert isinstance(model.encoder.norm, nn.LayerNorm) and model.decoder.layers[0].dropout.p == 0.1
    bound = math.sqrt(6 / (8 + 16))                  # xavier_uniform_ of linear1.weight (8, 16)
    w = model.encoder.layers[0].linear1.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert np.all(model.decoder.layers[0].multihead_attn.in_proj_bias.detach().numpy() == 0)
    assert inspect.signature(nn.Transformer).parameters["d_model"].default == 512


def test_transformer_custom_stacks():
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(E, H, 16, 0.0), 1, enable_nested_tensor=False)
    decoder = nn.Linear(E, E)
    model = nn.Transformer(E, H, custom_encoder=encoder, custom_decoder=nn.TransformerDecoder(
        nn.TransformerDecoderLayer(E, H, 16, 0.0), 1))
    assert model.encoder is encoder and model.decoder.norm is None
    assert model(mt.randn(S, N, E), mt.randn(T, N, E)).shape == (T, N, E)
    model.decoder = decoder
    assert "decoder.weight" in model.state_dict()


@requires_torch
@pytest.mark.parametrize("dtype", [None, "float64", "bool"])
def test_generate_square_subsequent_mask_matches_torch(dtype):
    ours = nn.Transformer.generate_square_subsequent_mask(5, dtype=dtype and getattr(mt, dtype))
    theirs = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=dtype and getattr(torch, dtype))
    assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert isinstance(inspect.getattr_static(nn.Transformer, "generate_square_subsequent_mask"), staticmethod)
    model = nn.Transformer(E, H, 1, 1, 16)
    np.testing.assert_array_equal(model.generate_square_subsequent_mask(3, "cpu").numpy(),
                                  np.triu(np.full((3, 3), -np.inf, np.float32), 1))


def test_transformer_errors():
    model = nn.Transformer(E, H, 1, 1, 16)
    with pytest.raises(RuntimeError, match=r"Transformer: the batch number of src and tgt must be equal, got src "
                                           r"\[5, 3, 8\] and tgt \[4, 2, 8\] \(batch_first=False\)"):
        model(mt.randn(S, N, E), mt.randn(T, 2, E))
    with pytest.raises(RuntimeError, match=r"Transformer: the feature number of src and tgt must be equal to d_model "
                                           r"\(8\), got src \[5, 3, 8\] and tgt \[4, 3, 6\]"):
        model(mt.randn(S, N, E), mt.randn(T, N, 6))
    with pytest.raises(RuntimeError, match=r"TransformerEncoderLayer: activation should be relu/gelu, not "
                                           r"swish"):
        nn.Transformer(E, H, 1, 1, 16, activation="swish")


@requires_torch
@pytest.mark.parametrize("name", ["Transformer", "TransformerEncoderLayer", "TransformerDecoderLayer",
                                  "TransformerEncoder", "TransformerDecoder"])
def test_signatures_match_torch(name):
    """The constructor's and forward's parameters: PyTorch's names, order, kinds and defaults."""
    for attr in ("__init__", "forward"):
        ours = inspect.signature(getattr(getattr(nn, name), attr)).parameters
        theirs = inspect.signature(getattr(getattr(torch.nn, name), attr)).parameters
        assert list(ours) == list(theirs)
        for p, q in zip(ours.values(), theirs.values()):
            assert p.kind == q.kind, p.name
            default = getattr(q.default, "__name__", q.default)      # activation=F.relu: the same function name
            assert getattr(p.default, "__name__", p.default) == default, p.name


# ----------------------------------------------------------------------------- programs in PyTorch's style
def word_language_model(lib):
    """The official word_language_model example's TransformerModel (a subclass of nn.Transformer that keeps its
    encoder and replaces its decoder by a Linear), written once for either library."""
    tnn = lib.nn

    class PositionalEncoding(tnn.Module):
        def __init__(self, d_model, dropout=0.1, max_len=5000):
            super().__init__()
            self.dropout = tnn.Dropout(p=dropout)
            pe = lib.zeros(max_len, d_model)
            position = lib.arange(0, max_len, dtype=lib.float).unsqueeze(1)
            div_term = lib.exp(lib.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
            pe[:, 0::2] = lib.sin(position * div_term)
            pe[:, 1::2] = lib.cos(position * div_term)
            pe = pe.unsqueeze(0).transpose(0, 1)
            self.register_buffer("pe", pe)

        def forward(self, x):
            x = x + self.pe[:x.size(0), :]
            return self.dropout(x)

    class TransformerModel(tnn.Transformer):
        def __init__(self, ntoken, ninp, nhead, nhid, nlayers, dropout=0.5):
            super(TransformerModel, self).__init__(d_model=ninp, nhead=nhead, dim_feedforward=nhid,  # noqa: UP008
                                                   num_encoder_layers=nlayers)       # (the example's own words)
            self.model_type = "Transformer"
            self.src_mask = None
            self.pos_encoder = PositionalEncoding(ninp, dropout)
            self.input_emb = tnn.Embedding(ntoken, ninp)
            self.ninp = ninp
            self.decoder = tnn.Linear(ninp, ntoken)
            self.init_weights()

        def _generate_square_subsequent_mask(self, sz):
            return lib.log(lib.tril(lib.ones(sz, sz)))

        def init_weights(self):
            initrange = 0.1
            tnn.init.uniform_(self.input_emb.weight, -initrange, initrange)
            tnn.init.zeros_(self.decoder.bias)
            tnn.init.uniform_(self.decoder.weight, -initrange, initrange)

        def forward(self, src, has_mask=True):
            if has_mask:
                device = src.device
                if self.src_mask is None or self.src_mask.size(0) != len(src):
                    mask = self._generate_square_subsequent_mask(len(src)).to(device)
                    self.src_mask = mask
            else:
                self.src_mask = None
            src = self.input_emb(src) * math.sqrt(self.ninp)
            src = self.pos_encoder(src)
            output = self.encoder(src, mask=self.src_mask)
            output = self.decoder(output)
            return lib.nn.functional.log_softmax(output, dim=-1)

    return TransformerModel


def tutorial_model(lib):
    """The language-modelling tutorial's model: TransformerEncoder(encoder_layers, nlayers) in an nn.Module."""
    tnn = lib.nn

    class TransformerModel(tnn.Module):
        def __init__(self, ntoken, d_model, nhead, d_hid, nlayers, dropout=0.5):
            super().__init__()
            self.model_type = "Transformer"
            encoder_layers = tnn.TransformerEncoderLayer(d_model, nhead, d_hid, dropout)
            self.transformer_encoder = tnn.TransformerEncoder(encoder_layers, nlayers)
            self.embedding = tnn.Embedding(ntoken, d_model)
            self.d_model = d_model
            self.linear = tnn.Linear(d_model, ntoken)

        def forward(self, src, src_mask=None):
            src = self.embedding(src) * math.sqrt(self.d_model)
            if src_mask is None:
                src_mask = tnn.Transformer.generate_square_subsequent_mask(len(src))
            output = self.transformer_encoder(src, src_mask)
            return self.linear(output)

    return TransformerModel


@requires_torch
@pytest.mark.filterwarnings("ignore:divide by zero encountered in log")   # the example's log(tril(ones)) mask
@pytest.mark.parametrize("program", ["word_language_model", "tutorial"])
def test_pytorch_style_programs_train_as_torch(program):
    """Both libraries build the model from the same code, ours loads torch's initial weights (the state dicts
    agree key by key), and a few SGD steps with clipping give the same losses and the same final weights."""
    ntoken, bptt, batch = 11, 6, 3
    make = word_language_model if program == "word_language_model" else tutorial_model
    torch.manual_seed(0)
    models = [make(lib)(ntoken, 8, 2, 16, 2, dropout=0.0) for lib in (mt, torch)]
    ours, theirs = models
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    copy_torch_weights(ours, theirs)
    for model in models:      # dropout off (the subclass leaves nn.Transformer's dropout at 0.1)
        model.eval()
    data = np.random.default_rng(0).integers(0, ntoken, (bptt + 1, batch))
    losses = []
    for lib, model in ((mt, ours), (torch, theirs)):
        optimizer = lib.optim.SGD(model.parameters(), lr=0.5)
        criterion = lib.nn.NLLLoss() if program == "word_language_model" else lib.nn.CrossEntropyLoss()
        run = []
        for _ in range(4):
            source, targets = lib.tensor(data[:-1]), lib.tensor(data[1:]).reshape(-1)
            optimizer.zero_grad()
            loss = criterion(model(source).view(-1, ntoken), targets)
            loss.backward()
            lib.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
            optimizer.step()
            run.append(loss.item())
        losses.append(run)
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-4)
    theirs_state = theirs.state_dict()
    for k, v in ours.state_dict().items():
        np.testing.assert_allclose(v.numpy(), theirs_state[k].numpy(), rtol=1e-4, atol=1e-5, err_msg=k)
