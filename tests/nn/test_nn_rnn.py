"""RNN, LSTM, GRU and their cells against PyTorch's (state dicts loaded from torch: outputs, final states, input,
initial-state and parameter gradients) across layers, directions, batch_first, initial states and bias; state
dicts both ways; finite differences (first and second order) in float64; a 5,000-step backward; a sine wave
learned; dropout between layers; the errors for bad input and state shapes."""
import math

import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt
from microtensor.autograd import gradcheck, gradgradcheck
from microtensor.nn import rnn

MODES = {"RNN": ("RNN", {}), "RNN_relu": ("RNN", {"nonlinearity": "relu"}), "LSTM": ("LSTM", {}), "GRU": ("GRU", {})}
# (num_layers, bidirectional, batch_first, initial states given, bias)
CONFIGS = [(1, False, False, False, True), (1, True, False, True, True), (2, False, True, True, True),
           (2, True, True, False, True), (2, True, False, True, False), (1, False, True, False, False)]
CONFIG_IDS = [f"layers{n}-{'bi' if b else 'uni'}-{'bf' if f else 'tf'}-{'h0' if h else 'zeros'}-"
              f"{'bias' if bias else 'nobias'}" for n, b, f, h, bias in CONFIGS]
CELLS = {"RNNCell": {}, "RNNCell_relu": {"nonlinearity": "relu"}, "LSTMCell": {}, "GRUCell": {}}


def build(name, kwargs, *args, **more):
    """Our module with the weights of a torch twin (float64), loaded through the state dict."""
    torch.manual_seed(0)
    theirs = getattr(torch.nn, name)(*args, **kwargs, **more).double()
    ours = getattr(rnn, name)(*args, **kwargs, **more).double()
    state = theirs.state_dict()
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [(k, tuple(v.shape))
                                                                             for k, v in state.items()]
    ours.load_state_dict({k: mt.tensor(v.numpy()) for k, v in state.items()})
    return ours, theirs


def flatten(result):
    """output, h_n[, c_n] (or a cell's h[, c]) as a flat list."""
    out = []
    for r in (result if isinstance(result, tuple) else (result,)):
        out.extend(r if isinstance(r, tuple) else (r,))
    return out


def compare(ours, theirs, arrays, rtol=1e-9, atol=1e-10):
    """Forward both on float64 copies of ``arrays`` (the input, then the states), weight every output by a
    random array, backward, and compare the outputs and the gradients of the inputs and parameters."""
    xs = [mt.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    state_of = (lambda s: tuple(s)) if isinstance(ours, (rnn.LSTM, rnn.LSTMCell)) else (lambda s: s[0])
    outs = flatten(ours(xs[0], state_of(xs[1:])) if len(xs) > 1 else ours(xs[0]))
    exps = flatten(theirs(ts[0], state_of(ts[1:])) if len(ts) > 1 else theirs(ts[0]))
    assert len(outs) == len(exps)
    rng = np.random.default_rng(7)
    loss_ours, loss_theirs = 0, 0
    for o, e in zip(outs, exps):
        assert tuple(o.shape) == tuple(e.shape)
        np.testing.assert_allclose(o.detach().numpy(), e.detach().numpy(), rtol=rtol, atol=atol)
        w = rng.standard_normal(tuple(e.shape))
        loss_ours, loss_theirs = loss_ours + (o * mt.tensor(w)).sum(), loss_theirs + (e * torch.tensor(w)).sum()
    loss_ours.backward()
    loss_theirs.backward()
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=atol)
    expected = dict(theirs.named_parameters())
    assert list(dict(ours.named_parameters())) == list(expected)
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), expected[name].grad.numpy(), rtol=rtol, atol=atol, err_msg=name)


@requires_torch
@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
@pytest.mark.parametrize("mode", MODES)
def test_recurrent_layer_matches_torch(mode, config):
    layers, bidirectional, batch_first, with_states, bias = config
    name, kwargs = MODES[mode]
    ours, theirs = build(name, kwargs, 3, 4, num_layers=layers, bidirectional=bidirectional,
                         batch_first=batch_first, bias=bias)
    assert repr(ours) == repr(theirs)
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((2, 5, 3) if batch_first else (5, 2, 3))]
    if with_states:
        arrays += [rng.standard_normal((layers * (1 + bidirectional), 2, 4))
                   for _ in range(2 if name == "LSTM" else 1)]
    compare(ours, theirs, arrays)


@requires_torch
@pytest.mark.parametrize("with_states", [False, True])
@pytest.mark.parametrize("mode", MODES)
def test_unbatched_sequence_matches_torch(mode, with_states):
    name, kwargs = MODES[mode]
    ours, theirs = build(name, kwargs, 3, 4, num_layers=2, bidirectional=True)
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal((6, 3))]
    if with_states:
        arrays += [rng.standard_normal((4, 4)) for _ in range(2 if name == "LSTM" else 1)]
    compare(ours, theirs, arrays)


@requires_torch
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_states", [False, True])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("cell", CELLS)
def test_cell_matches_torch(cell, bias, with_states, batched):
    name = cell.split("_")[0]
    ours, theirs = build(name, CELLS[cell], 3, 4, bias=bias)
    assert repr(ours) == repr(theirs)
    rng = np.random.default_rng(2)
    lead = (5,) if batched else ()
    arrays = [rng.standard_normal(lead + (3,))]
    if with_states:
        arrays += [rng.standard_normal(lead + (4,)) for _ in range(2 if name == "LSTMCell" else 1)]
    compare(ours, theirs, arrays)


@requires_torch
@pytest.mark.parametrize("mode", MODES)
def test_state_dict_moves_both_ways_float32(mode):
    """torch's float32 state dict into ours and ours into torch: the same outputs either way."""
    name, kwargs = MODES[mode]
    mt.manual_seed(3)
    ours = getattr(rnn, name)(5, 6, num_layers=2, bidirectional=True, **kwargs)
    theirs = getattr(torch.nn, name)(5, 6, num_layers=2, bidirectional=True, **kwargs)
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(3).standard_normal((7, 3, 5)).astype(np.float32)
    for a, b in zip(flatten(ours(mt.tensor(x))), flatten(theirs(torch.from_numpy(x)))):
        assert a.dtype == mt.float32
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)
    torch.manual_seed(4)
    other = getattr(torch.nn, name)(5, 6, num_layers=2, bidirectional=True, **kwargs)
    ours.load_state_dict({k: mt.tensor(v.numpy()) for k, v in other.state_dict().items()})
    for a, b in zip(flatten(ours(mt.tensor(x))), flatten(other(torch.from_numpy(x)))):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)


@requires_torch
@pytest.mark.parametrize("config", [(1, False, True), (2, True, True), (2, True, False)])
@pytest.mark.parametrize("mode", MODES)
def test_flat_weights_match_torch(mode, config):
    """_flat_weights_names, _all_weights, _flat_weights and all_weights: PyTorch's names, order and shapes."""
    name, kwargs = MODES[mode]
    layers, bidirectional, bias = config
    ours, theirs = (lib(5, 6, num_layers=layers, bidirectional=bidirectional, bias=bias, **kwargs)
                    for lib in (getattr(rnn, name), getattr(torch.nn, name)))
    assert ours._flat_weights_names == theirs._flat_weights_names
    assert ours._all_weights == theirs._all_weights
    assert [tuple(w.shape) for w in ours._flat_weights] == [tuple(w.shape) for w in theirs._flat_weights]
    assert all(w is getattr(ours, n) for w, n in zip(ours._flat_weights, ours._flat_weights_names))
    assert [[tuple(w.shape) for w in ws] for ws in ours.all_weights] == \
        [[tuple(w.shape) for w in ws] for ws in theirs.all_weights]


def test_flat_weights_follow_reassigned_parameters():
    lstm = rnn.LSTM(3, 4, num_layers=2)
    new = mt.nn.Parameter(mt.zeros(16, 4))
    lstm.weight_hh_l1 = new
    assert lstm._flat_weights[lstm._flat_weights_names.index("weight_hh_l1")] is new
    assert lstm.all_weights[1][1] is new
    lstm.double()                                  # converted in place: still the module's parameters
    assert all(w is getattr(lstm, n) and w.dtype == mt.float64
               for w, n in zip(lstm._flat_weights, lstm._flat_weights_names))
    # the weight-drop recipe: the parameter replaced by a plain tensor that the forward then uses
    del lstm.weight_hh_l0
    assert lstm._flat_weights[1] is None
    lstm.weight_hh_l0 = mt.zeros(16, 4, dtype=mt.float64)
    x = mt.randn(2, 1, 3, dtype=mt.float64)
    h, _ = lstm(x)
    lstm.weight_hh_l0 = mt.ones(16, 4, dtype=mt.float64)
    assert not np.allclose(lstm(x)[0].detach().numpy(), h.detach().numpy())


@pytest.mark.parametrize("mode", MODES)
def test_flatten_parameters_changes_nothing(mode):
    name, kwargs = MODES[mode]
    module = getattr(rnn, name)(3, 4, num_layers=2, bidirectional=True, **kwargs)
    before = [(w, w.detach().numpy().copy()) for w in module._flat_weights]
    x = mt.randn(5, 2, 3)
    out = module(x)[0].detach().numpy()
    assert module.flatten_parameters() is None
    assert all(w is getattr(module, n) and np.array_equal(w.detach().numpy(), a)
               for (w, a), n in zip(before, module._flat_weights_names))
    np.testing.assert_array_equal(module(x)[0].detach().numpy(), out)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"])
def test_recurrent_modules_are_exported_from_nn(name):
    assert getattr(mt.nn, name) is getattr(rnn, name)


@pytest.mark.parametrize("mode", MODES)
def test_parameter_names_shapes_and_init(mode):
    name, kwargs = MODES[mode]
    gates = {"RNN": 1, "LSTM": 4, "GRU": 3}[name]
    m = getattr(rnn, name)(3, 8, num_layers=2, bidirectional=True, **kwargs)
    expected = []
    for layer, width in ((0, 3), (1, 16)):
        for suffix in ("", "_reverse"):
            expected += [(f"weight_ih_l{layer}{suffix}", (gates * 8, width)),
                         (f"weight_hh_l{layer}{suffix}", (gates * 8, 8)),
                         (f"bias_ih_l{layer}{suffix}", (gates * 8,)), (f"bias_hh_l{layer}{suffix}", (gates * 8,))]
    assert [(k, tuple(p.shape)) for k, p in m.named_parameters()] == expected
    values = np.concatenate([p.detach().numpy().ravel() for p in m.parameters()])
    bound = 1 / math.sqrt(8)
    assert values.min() >= -bound and values.max() <= bound and values.std() > 0.8 * bound / math.sqrt(3)


@pytest.mark.parametrize("cell", CELLS)
def test_cell_gradcheck_float64(cell):
    """First and second derivatives of every cell (batched, given states) by central differences."""
    name = cell.split("_")[0]
    m = getattr(rnn, name)(3, 2, **CELLS[cell]).double()
    rng = np.random.default_rng(5)
    x = mt.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    states = [mt.tensor(rng.standard_normal((2, 2)), requires_grad=True) for _ in range(2 if name == "LSTMCell" else 1)]
    params = list(m.parameters())

    def fn(x, *rest):
        states = rest[:len(rest) - len(params)]
        return flatten(m(x, tuple(states) if name == "LSTMCell" else states[0]))

    inputs = (x, *states, *params)
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


@pytest.mark.parametrize("mode", MODES)
def test_layer_gradcheck_float64(mode):
    """A 2-layer bidirectional layer's input, state and weight gradients by central differences; second order
    through the Tensor-op replay of the fused loop."""
    name, kwargs = MODES[mode]
    m = getattr(rnn, name)(2, 2, num_layers=2, bidirectional=True, **kwargs).double()
    rng = np.random.default_rng(6)
    x = mt.tensor(rng.standard_normal((3, 1, 2)), requires_grad=True)
    h0 = mt.tensor(rng.standard_normal((4, 1, 2)), requires_grad=True)
    w = m.weight_hh_l0_reverse

    def fn(x, h0, w):
        return flatten(m(x, (h0, h0 * 0.5) if name == "LSTM" else h0))

    assert gradcheck(fn, (x, h0, w))
    assert gradgradcheck(fn, (x, h0, w))


def test_lstm_backward_through_5000_steps():
    mt.manual_seed(0)
    lstm = rnn.LSTM(2, 3)
    x = mt.randn(5000, 1, 2, requires_grad=True)
    out, (h, c) = lstm(x)
    (out.sum() + h.sum() + c.sum()).backward()
    assert x.grad.shape == (5000, 1, 2) and np.isfinite(x.grad.numpy()).all()
    assert np.abs(x.grad.numpy()[0]).sum() >= 0 and np.isfinite(lstm.weight_hh_l0.grad.numpy()).all()


def test_backward_twice_raises_after_free():
    lstm = rnn.LSTM(2, 3)
    out, _ = lstm(mt.randn(4, 1, 2))
    loss = out.sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()


def test_lstm_learns_a_sine_wave():
    """Predict the next value of sine waves of random phase from step 5 on: within 300 SGD steps the mean
    squared error falls below 0.01, a quarter of what repeating the current value scores (about 0.045)."""
    mt.manual_seed(0)
    rng = np.random.default_rng(0)
    lstm, head = rnn.LSTM(1, 16, batch_first=True), mt.nn.Linear(16, 1)
    params = list(lstm.parameters()) + list(head.parameters())
    t = np.arange(21) * 0.3
    losses = []
    for _ in range(300):
        wave = np.sin(t[None, :] + rng.uniform(0, 2 * math.pi, (16, 1))).astype(np.float32)[..., None]
        x, target = mt.tensor(wave[:, :-1]), mt.tensor(wave[:, 1:])
        out, _ = lstm(x)
        loss = ((head(out[:, 4:]) - target[:, 4:]) ** 2).mean()
        loss.backward()
        with mt.no_grad():
            for p in params:
                p -= 0.5 * p.grad
                p.grad = None
        losses.append(loss.item())
    assert losses[0] > 0.1
    assert np.mean(losses[-20:]) < 0.01


def test_dropout_between_layers():
    mt.manual_seed(0)
    m = rnn.GRU(3, 4, num_layers=2, dropout=0.5)
    x = mt.randn(5, 2, 3)
    m.eval()
    a, b = m(x)[0], m(x)[0]
    assert np.array_equal(a.detach().numpy(), b.detach().numpy())
    m.train()
    c, d = m(x)[0], m(x)[0]
    assert not np.array_equal(c.detach().numpy(), d.detach().numpy())
    m.dropout = 1.0                                 # layer 1 then sees only zeros: its output ignores x
    e, f = m(x)[0], m(x * 3)[0]
    np.testing.assert_allclose(e.detach().numpy(), f.detach().numpy())
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        rnn.LSTM(3, 4, dropout=0.2)


def test_double_precision_and_dtype_of_outputs():
    m = rnn.LSTM(2, 3).double()
    out, (h, c) = m(mt.randn(4, 2, 2, dtype=mt.float64))
    assert out.dtype == h.dtype == c.dtype == mt.float64


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_wrong_input_size_names_module_and_shapes(name):
    m = getattr(rnn, name)(3, 4, num_layers=2)
    with pytest.raises(RuntimeError, match=rf"{name}: input.size\(-1\) must be equal to input_size. Expected 3, "
                                           r"got input of shape \[5, 2, 7\]"):
        m(mt.randn(5, 2, 7))
    with pytest.raises(ValueError, match=rf"{name}: Expected input to be 2D or 3D, got input of shape \[3\]"):
        m(mt.randn(3))
    with pytest.raises(RuntimeError, match=rf"{name}: expected input of dtype float32 .* got float64"):
        m(mt.randn(5, 2, 3, dtype=mt.float64))


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_wrong_state_shape_names_module_and_shapes(name):
    m = getattr(rnn, name)(3, 4, num_layers=2, bidirectional=True)
    bad = mt.zeros(2, 2, 4)
    good = mt.zeros(4, 2, 4)
    states = [(bad, good), (good, mt.zeros(4, 2, 5))] if name == "LSTM" else [bad]
    for hx in states:
        wrong = next(list(s.shape) for s in (hx if isinstance(hx, tuple) else (hx,)) if s.shape != good.shape)
        with pytest.raises(RuntimeError, match=rf"{name}: Expected hidden state [hc]_0 of shape \[4, 2, 4\], "
                                               rf"got {re_list(wrong)}"):
            m(mt.randn(5, 2, 3), hx)
    if name == "LSTM":
        with pytest.raises(TypeError, match="LSTM: expected hx to be a tuple"):
            m(mt.randn(5, 2, 3), good)


@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cell_errors_name_module_and_shapes(name):
    m = getattr(rnn, name)(3, 4)
    with pytest.raises(RuntimeError, match=rf"{name}: input.size\(-1\) must be equal to input_size. Expected 3, "
                                           r"got input of shape \[2, 5\]"):
        m(mt.randn(2, 5))
    h = mt.zeros(3, 4)
    with pytest.raises(RuntimeError, match=rf"{name}: Expected hidden state h of shape \[2, 4\], got \[3, 4\]"):
        m(mt.randn(2, 3), (h, mt.zeros(2, 4)) if name == "LSTMCell" else h)


def test_constructor_errors():
    with pytest.raises(ValueError, match="Unknown nonlinearity 'sigmoid'"):
        rnn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        rnn.GRU(3, 4, dropout=1.5)
    with pytest.raises(ValueError, match="LSTM: hidden_size must be a positive integer, got 0"):
        rnn.LSTM(3, 0)


def re_list(values):
    return r"\[" + ", ".join(str(v) for v in values) + r"\]"


@pytest.mark.parametrize("seq_len", [0, 4])
@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
def test_recurrent_layers_on_empty_input(mode, seq_len):
    """A sequence of length 0 raises, as PyTorch's; an empty batch runs, with empty outputs and states."""
    def run(L):
        L.manual_seed(0)
        x = L.zeros(seq_len, 0, 3, requires_grad=True)
        out, h = getattr(L.nn, mode)(3, 5)(x)
        out.sum().backward()
        return out, h[0] if mode == "LSTM" else h
    if seq_len == 0:
        with pytest.raises(RuntimeError, match="Expected sequence length to be larger than 0"):
            run(mt)
        if torch is not None:
            with pytest.raises(RuntimeError):
                run(torch)
        return
    out, h = run(mt)
    assert out.shape == (4, 0, 5) and h.shape == (1, 0, 5)


@pytest.mark.parametrize("batch_first", [False, True])
def test_recurrent_layers_refuse_empty_sequences_in_every_layout(batch_first):
    x = mt.zeros(2, 0, 3) if batch_first else mt.zeros(0, 2, 3)
    for layer in (mt.nn.RNN(3, 4, batch_first=batch_first), mt.nn.GRU(3, 4, batch_first=batch_first)):
        with pytest.raises(RuntimeError, match=r"input of shape \[.*\]"):
            layer(x)
    with pytest.raises(RuntimeError, match="Expected sequence length to be larger than 0"):
        mt.nn.LSTM(3, 4)(mt.zeros(0, 3))         # unbatched
