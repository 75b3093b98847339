"""microtensor.compile: a captured training step replays bitwise as eager, guards re-trace, graph breaks fall
back to eager (or raise under fullgraph=True), and the captured program reads as NumPy source."""
from __future__ import annotations

import copy
import re
import shutil
import threading
import warnings

import numpy as np
import pytest

import microtensor as mt
import microtensor.nn as nn
import microtensor.nn.functional as F
import microtensor.optim as optim
from microtensor.compiler import CompiledFunction, GraphBreak, is_compiling

ATOL = 0    # bitwise: the replay runs the same kernels on the same arrays


def _train_step(model, opt, x, y, loss_fn=F.cross_entropy):
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()
    return loss


def _batches(rng, shape, classes, n):
    return [(mt.tensor(rng.standard_normal(shape).astype(np.float32)), mt.tensor(rng.integers(0, classes, shape[0])))
            for _ in range(n)]


def _assert_same(m1, m2):
    for (name, p1), p2 in zip(m1.named_parameters(), m2.parameters()):
        assert np.array_equal(p1.detach().numpy(), p2.detach().numpy()), name
        assert np.array_equal(p1.grad.numpy(), p2.grad.numpy()), name
    for (name, b1), b2 in zip(m1.named_buffers(), m2.buffers()):
        assert np.array_equal(b1.numpy(), b2.numpy()), name


class _LSTMNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(8, 16, batch_first=True)
        self.fc = nn.Linear(16, 5)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1])


class _ResBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(4, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4)
        self.c2, self.b2 = nn.Conv2d(4, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        h = F.relu(self.b1(self.c1(x)))
        h = F.relu(self.b2(self.c2(h)) + x)
        return self.fc(h.mean(dim=(2, 3)))


class _Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0, batch_first=True)
        self.fc = nn.Linear(16, 3)

    def forward(self, x):
        return self.fc(self.layer(x).mean(1))


MODELS = {
    "mlp": (lambda: nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 10)), (8, 20), 10),
    "lenet": (lambda: nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5),
                                    nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(),
                                    nn.Linear(120, 10)), (4, 1, 28, 28), 10),
    "lstm": (_LSTMNet, (4, 7, 8), 5),
    "resnet_block_batchnorm": (_ResBlock, (4, 4, 8, 8), 3),
    "transformer_layer": (_Encoder, (2, 5, 16), 3),
}


@pytest.mark.parametrize("name", list(MODELS))
def test_a_compiled_training_step_equals_eager_bitwise(name):
    make, shape, classes = MODELS[name]
    mt.manual_seed(0)
    eager_model = make()
    compiled_model = copy.deepcopy(eager_model)
    eager_opt = optim.SGD(eager_model.parameters(), lr=0.05, momentum=0.9)
    compiled_opt = optim.SGD(compiled_model.parameters(), lr=0.05, momentum=0.9)
    step = mt.compile(_train_step)
    for x, y in _batches(np.random.default_rng(1), shape, classes, 4):
        expected = _train_step(eager_model, eager_opt, x, y)
        got = step(compiled_model, compiled_opt, x, y)
        assert np.array_equal(expected.detach().numpy(), got.detach().numpy())
    assert step.breaks == []
    assert "replay" in step.code
    _assert_same(eager_model, compiled_model)


OPTIMIZERS = {
    "SGD": lambda p: optim.SGD(p, lr=0.1),
    "SGD-nesterov": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-2),
    "Adam": lambda p: optim.Adam(p, lr=0.01),
    "AdamW-amsgrad": lambda p: optim.AdamW(p, lr=0.01, amsgrad=True),
    "Adamax": lambda p: optim.Adamax(p),
    "NAdam": lambda p: optim.NAdam(p),
    "RAdam": lambda p: optim.RAdam(p),
    "RMSprop-centered": lambda p: optim.RMSprop(p, momentum=0.5, centered=True),
    "Adagrad": lambda p: optim.Adagrad(p),
    "Adadelta": lambda p: optim.Adadelta(p),
    "ASGD": lambda p: optim.ASGD(p),
    "Rprop": lambda p: optim.Rprop(p),
    "Adafactor": lambda p: optim.Adafactor(p),
}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_each_optimizer_compiled_equals_eager_bitwise(name):
    mt.manual_seed(0)
    eager_model = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3))
    compiled_model = copy.deepcopy(eager_model)
    eager_opt, compiled_opt = OPTIMIZERS[name](eager_model.parameters()), OPTIMIZERS[name](compiled_model.parameters())
    step = mt.compile(_train_step)
    for x, y in _batches(np.random.default_rng(2), (5, 6), 3, 5):
        _train_step(eager_model, eager_opt, x, y)
        step(compiled_model, compiled_opt, x, y)
    assert step.breaks == []
    _assert_same(eager_model, compiled_model)
    for p1, p2 in zip(eager_model.parameters(), compiled_model.parameters()):
        for key, value in eager_opt.state[p1].items():
            other = compiled_opt.state[p2][key]
            assert np.array_equal(np.asarray(value.numpy() if isinstance(value, mt.Tensor) else value),
                                  np.asarray(other.numpy() if isinstance(other, mt.Tensor) else other)), key


def test_a_scheduler_step_and_clip_grad_norm_are_replayed():
    mt.manual_seed(0)
    eager_model = nn.Sequential(nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 2))
    compiled_model = copy.deepcopy(eager_model)
    runs = []
    for model in (eager_model, compiled_model):
        opt = optim.SGD(model.parameters(), lr=0.5)
        runs.append((model, opt, optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)))

    def step(model, opt, sched, x, y):
        opt.zero_grad()
        F.mse_loss(model(x), y).backward()
        nn.utils.clip_grad_norm_(model.parameters(), 0.1)
        opt.step()
        sched.step()

    compiled = mt.compile(step)
    rng = np.random.default_rng(3)
    for _ in range(4):
        x = mt.tensor(rng.standard_normal((3, 4)).astype(np.float32))
        y = mt.tensor(rng.standard_normal((3, 2)).astype(np.float32))
        step(*runs[0], x, y)
        compiled(*runs[1], x, y)
    assert compiled.breaks == []
    assert runs[0][1].param_groups[0]["lr"] == runs[1][1].param_groups[0]["lr"] == 0.5 * 0.5 ** 4
    _assert_same(eager_model, compiled_model)


def test_the_replay_reads_new_inputs_and_live_parameters():
    w = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)

    @mt.compile
    def f(x):
        loss = (x * w).tanh().sum()
        loss.backward()
        return loss

    for i in range(3):
        x = mt.tensor([0.1, -0.2, 0.3]) * (i + 1)
        w.grad = None
        got = f(x)
        with mt.no_grad():
            w.mul_(0.5)        # an in-place change between calls: the replay reads the parameter live
        grad = w.grad.numpy().copy()
        with mt.no_grad():
            w.mul_(2.0)
        w.grad = None
        expected = (x * w).tanh().sum()
        expected.backward()
        assert np.array_equal(got.detach().numpy(), expected.detach().numpy())
        assert np.array_equal(grad, w.grad.numpy())


def test_a_per_op_chain_replays_without_building_a_graph():
    x = mt.randn(16, requires_grad=True)

    def chain(x):
        y = x
        for _ in range(50):
            y = y * 0.999 + 0.001
        y.sum().backward()
        return x.grad

    compiled = mt.compile(chain)
    x.grad = None
    compiled(x)
    x.grad = None
    got = compiled(x).numpy().copy()
    x.grad = None
    assert np.array_equal(got, chain(x).numpy())
    assert "grad_fn" not in repr(compiled(x))
    assert compiled.code.count("Mul.forward") == 100     # 50 forward, 50 in backward


def test_guards_retrace_when_a_module_switches_to_eval_and_when_shapes_change():
    model = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3))
    compiled = mt.compile(model)
    x = mt.randn(4, 3)
    with mt.no_grad():
        compiled(x)
        compiled(x)
        model.eval()
        got = compiled(x)
        assert np.array_equal(got.numpy(), model(x).numpy())
        compiled(mt.randn(5, 3))
    assert len(compiled._cache) == 2     # a failed guard re-traces in place; a new shape adds a signature
    model[0].weight = nn.Parameter(mt.zeros(3, 3))     # replaced by a tensor of the same shape: traced again
    with mt.no_grad():
        assert np.array_equal(compiled(x).numpy(), model(x).numpy())


def test_a_python_scalar_argument_is_part_of_the_signature():
    @mt.compile
    def scale(x, factor):
        return x * factor

    x = mt.ones(2)
    assert scale(x, 2.0).tolist() == [2.0, 2.0]
    assert scale(x, 3.0).tolist() == [3.0, 3.0]
    assert scale(x, 3.0).tolist() == [3.0, 3.0]


def test_graph_breaks_fall_back_to_eager_with_a_warning():
    def f(x):
        y = x * 2
        if y.sum().item() > 0:         # data-dependent Python control flow
            return y + 1
        return y - 1

    compiled = mt.compile(f)
    with pytest.warns(UserWarning, match=r"graph break: cannot capture Tensor.item\(\) at .*test_compile.py"):
        assert compiled(mt.ones(2)).tolist() == [3.0, 3.0]
    assert compiled(-mt.ones(2)).tolist() == [-3.0, -3.0]      # eager for that signature: the branch is taken
    assert "Tensor.item()" in compiled.breaks[0]


@pytest.mark.parametrize("body, what", [
    (lambda x: x * 2 if bool(x.sum() > 0) else x, "bool() of a tensor"),
    (lambda x: F.dropout(x, 0.5, training=True), "a random draw"),
    (lambda x: x + mt.randn(2), "a random draw"),
    (lambda x: mt.tensor(x.tolist()), "Tensor.tolist()"),
])
def test_fullgraph_raises_naming_the_op_and_the_line(body, what):
    compiled = mt.compile(body, fullgraph=True)
    with pytest.raises(GraphBreak, match=f"cannot capture {re.escape(what)}.*test_compile.py"):
        compiled(mt.ones(2))


def test_hooks_break_the_graph():
    model = nn.Linear(2, 2)
    model.register_forward_hook(lambda m, args, out: out * 2)
    compiled = mt.compile(model, fullgraph=True)
    with pytest.raises(GraphBreak, match="a module hook"):
        compiled(mt.ones(1, 2))
    x = mt.ones(2, requires_grad=True)
    x.register_hook(lambda g: g * 2)
    with pytest.raises(GraphBreak, match="a tensor hook"):
        mt.compile(lambda x: (x * 3).sum().backward(), fullgraph=True)(x)


@pytest.mark.parametrize("name", ["mlp", "lenet", "lstm", "resnet_block_batchnorm"])
def test_a_compiled_module_trains_with_the_callers_backward_bitwise(name):
    make, shape, classes = MODELS[name]
    mt.manual_seed(0)
    eager_model = make()
    compiled_model = copy.deepcopy(eager_model)
    compiled_model.compile()
    eager_opt = optim.Adam(eager_model.parameters(), lr=0.01)
    compiled_opt = optim.Adam(compiled_model.parameters(), lr=0.01)
    for x, y in _batches(np.random.default_rng(4), shape, classes, 3):
        for model, opt in ((eager_model, eager_opt), (compiled_model, compiled_opt)):
            _train_step(model, opt, x, y)
    assert compiled_model._compiled_call.breaks == []
    assert "def backward_replay" in compiled_model._compiled_call.code
    _assert_same(eager_model, compiled_model)


def test_two_compiled_calls_are_differentiated_in_either_order():
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    compiled = mt.compile(model)
    x1, x2, x3 = mt.randn(2, 3), mt.randn(2, 3), mt.randn(2, 3)
    compiled(x1)                                   # traced
    out2, out3 = compiled(x2), compiled(x3)        # replayed: each keeps its own saved values
    (out3.sum() * 2).backward()
    out2.sum().backward()
    got = [p.grad.numpy().copy() for p in model.parameters()]
    model.zero_grad()
    (model(x3).sum() * 2).backward()
    model(x2).sum().backward()
    assert all(np.array_equal(g, p.grad.numpy()) for g, p in zip(got, model.parameters()))
    x = mt.randn(2, 3, requires_grad=True)
    compiled(x)
    with pytest.raises(RuntimeError, match="not differentiable"):
        mt.autograd.grad(compiled(x).sum(), x, create_graph=True)


def test_the_recompile_limit_warns_and_runs_eagerly(monkeypatch):
    from microtensor.compiler import compiled_function
    monkeypatch.setattr(compiled_function, "cache_size_limit", 2)
    compiled = mt.compile(lambda x: x + 1)
    compiled(mt.ones(1))
    compiled(mt.ones(2))
    with pytest.warns(UserWarning, match="recompile limit"):
        assert compiled(mt.ones(3)).tolist() == [2.0, 2.0, 2.0]


def test_call_forms_as_pytorch():
    def f(x):
        return x * 2

    assert isinstance(mt.compile(f), CompiledFunction)
    assert mt.compile(f, disable=True) is f
    assert mt.compile(fullgraph=True)(f)(mt.ones(1)).tolist() == [2.0]
    assert mt.compile(f, backend="eager")(mt.ones(1)).tolist() == [2.0]
    assert mt.compile(f, mode="reduce-overhead", dynamic=True)(mt.ones(1)).tolist() == [2.0]
    assert mt.compile(f).__name__ == "f"
    model = nn.Linear(2, 2)
    model.compile()
    with mt.no_grad():
        model(mt.ones(1, 2))
        assert np.array_equal(model(mt.ones(1, 2)).numpy(), model._call_impl(mt.ones(1, 2)).numpy())
    assert "Linear.forward" in model._compiled_call.code


@pytest.mark.parametrize("kwargs, message", [
    (dict(mode="fastest"), "unrecognized mode='fastest'"),
    (dict(backend="tvm"), "invalid backend 'tvm'"),
    (dict(mode="default", options={}), "Either mode or options"),
])
def test_bad_arguments_are_refused_clearly(kwargs, message):
    with pytest.raises(RuntimeError, match=message):
        mt.compile(lambda x: x, **kwargs)
    with pytest.raises(RuntimeError, match="model must be a function or an nn.Module, got int"):
        mt.compile(3)


def test_explain_shows_the_numpy_program():
    compiled = mt.compile(lambda x: (x * 2).exp())
    compiled(mt.ones(3))
    text = compiled.explain()
    assert "1 traced signature(s)" in text and "captured: 2 steps" in text
    assert "Exp.forward" in text and "def replay(a0):" in text


def test_another_threads_ops_are_not_recorded():
    other = []
    started, release = threading.Event(), threading.Event()

    def worker():
        started.set()
        release.wait()
        other.append((mt.ones(2) * 5).tolist())

    thread = threading.Thread(target=worker)
    thread.start()
    started.wait()

    def f(x):
        release.set()
        thread.join()
        return x + 1

    compiled = mt.compile(f)
    compiled(mt.ones(2))
    assert other == [[5.0, 5.0]]
    assert "Mul" not in compiled.code


def test_is_compiling_is_true_only_while_tracing():
    seen = []
    compiled = mt.compile(lambda x: seen.append(is_compiling()) or x + 1)
    compiled(mt.ones(1))
    compiled(mt.ones(1))
    assert seen == [True] and not is_compiling()


def test_anomaly_mode_runs_eagerly():
    compiled = mt.compile(lambda x: x * 2)
    with mt.autograd.detect_anomaly(), warnings.catch_warnings():
        warnings.simplefilter("error")
        assert compiled(mt.ones(1)).tolist() == [2.0]
    assert compiled._cache == {}


@pytest.mark.skipif(shutil.which("dot") is None, reason="rendering needs Graphviz's dot")
def test_viz_draws_the_captured_plan(tmp_path):
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
    opt = optim.SGD(model.parameters(), lr=0.1)
    compiled = mt.compile(_train_step)
    with pytest.raises(ValueError, match="captured nothing yet"):
        mt.viz.draw(compiled, tmp_path / "none.png")
    compiled(model, opt, mt.randn(3, 2), mt.randn(3, 1), F.mse_loss)
    path = mt.viz.draw(compiled, tmp_path / "plan.svg")
    svg = path.read_text()
    assert "Linear.forward" in svg and "sgd.step()" in svg and ">x0<" in svg and "MatMul.forward" in svg
    assert ("(whole)" in svg) == (">ctx<" in svg)     # a backward replayed whole reads its forward's context


def test_manual_sgd_with_grad_and_data_assignments_is_replayed():
    rng = np.random.default_rng(5)
    start = [rng.standard_normal((4, 3)).astype(np.float32), rng.standard_normal(3).astype(np.float32)]

    def step(params, x, y):
        loss = F.cross_entropy(x @ params[0] + params[1], y)
        loss.backward()
        with mt.no_grad():
            params[0] -= 0.1 * params[0].grad          # in place, then the gradient dropped
            params[0].grad = None
        params[1].data = params[1].data - 0.1 * params[1].grad     # the pre-0.4 style: a new array
        params[1].grad = None
        return loss

    eager = [mt.tensor(a, requires_grad=True) for a in start]
    compiled_params = [mt.tensor(a, requires_grad=True) for a in start]
    compiled = mt.compile(step)
    for x, y in _batches(rng, (5, 4), 3, 4):
        step(eager, x, y)
        compiled(compiled_params, x, y)
    assert compiled.breaks == [] and "a0.grad = None" in compiled.code and "a1.data = " in compiled.code
    for p, q in zip(eager, compiled_params):
        assert np.array_equal(p.detach().numpy(), q.detach().numpy()) and q.grad is None


def test_a_copy_of_a_compiled_module_compiles_its_own_parameters(tmp_path):
    model = nn.Sequential(nn.Linear(2, 2), nn.Tanh())
    model.compile(fullgraph=True)
    with mt.no_grad():
        model(mt.ones(1, 2))
        twin = copy.deepcopy(model)
        with mt.no_grad():
            twin[0].weight.fill_(0.5)
        assert np.array_equal(twin(mt.ones(1, 2)).numpy(), twin._call_impl(mt.ones(1, 2)).numpy())
        assert not np.array_equal(twin(mt.ones(1, 2)).numpy(), model(mt.ones(1, 2)).numpy())
    mt.save(model, tmp_path / "model.pt")
    loaded = mt.load(tmp_path / "model.pt", weights_only=False)
    with mt.no_grad():
        assert np.array_equal(loaded(mt.ones(1, 2)).numpy(), model(mt.ones(1, 2)).numpy())
    assert loaded._compiled_call is not model._compiled_call


def test_resnet8_compiled_rounds_as_eager():
    """ReLU's backward writes into its incoming gradient when the engine alone holds it (a NumPy path whose
    rounding downstream differs from the out-of-place one): the trace must take the same path as eager, and
    the replay too; the tracer watches the arrays it names instead of holding them, or the reference counts
    would differ. At this size the two paths differ in the last bits of the BatchNorm biases."""
    from benchmarks.resnet import resnet, tensor_step
    rng = np.random.default_rng(1)
    x = mt.tensor(rng.standard_normal((32, 3, 32, 32)).astype(np.float32))
    labels = mt.tensor(rng.integers(0, 10, 32))
    mt.manual_seed(0)
    eager_model = resnet(8)
    compiled_model = copy.deepcopy(eager_model)
    compiled = mt.compile(tensor_step)
    for _ in range(2):
        tensor_step(mt, eager_model, x, labels)
        compiled(mt, compiled_model, x, labels)
    for (name, p), q in zip(eager_model.named_parameters(), compiled_model.parameters()):
        assert np.array_equal(p.detach().numpy(), q.detach().numpy()), name


def test_running_statistics_passed_in_break_the_graph_module_buffers_replay():
    compiled = mt.compile(lambda x, rm, rv: F.batch_norm(x, rm, rv, training=True))
    with pytest.warns(UserWarning, match="a callable holding a tensor argument"):
        compiled(mt.randn(4, 3), mt.zeros(3), mt.ones(3))
    model = nn.BatchNorm1d(3)
    compiled_model = mt.compile(model)
    with mt.no_grad():
        for _ in range(3):
            compiled_model(mt.randn(4, 3))
    assert compiled_model.breaks == [] and model.num_batches_tracked.item() == 3


@pytest.mark.parametrize("make", [
    lambda opt: optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2),
    lambda opt: optim.lr_scheduler.SequentialLR(opt, [optim.lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=2),
                                                      optim.lr_scheduler.ExponentialLR(opt, 0.9)], milestones=[2]),
    lambda opt: optim.lr_scheduler.ChainedScheduler([optim.lr_scheduler.StepLR(opt, 1, 0.5),
                                                     optim.lr_scheduler.ExponentialLR(opt, 0.9)]),
], ids=["CosineAnnealingWarmRestarts", "SequentialLR", "ChainedScheduler"])
def test_schedulers_with_their_own_step_are_replayed(make):
    lrs = []
    for compiled in (False, True):
        model = nn.Linear(2, 1)
        opt = optim.SGD(model.parameters(), lr=1.0)
        sched = make(opt)

        def step(x):
            opt.zero_grad()
            model(x).sum().backward()
            opt.step()
            sched.step()

        run = mt.compile(step) if compiled else step
        for _ in range(5):
            run(mt.ones(1, 2))
        lrs.append(opt.param_groups[0]["lr"])
    assert lrs[0] == lrs[1]
