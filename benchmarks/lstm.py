"""One training step of an LSTM classifier (seq 32, batch 32, input 64, hidden 128, float32): last hidden state ->
Linear 10 -> cross-entropy, backward, SGD.

microtensor and PyTorch run the same code on their own ``nn`` modules (``F.cross_entropy``, then
``p -= lr * p.grad`` under no_grad). The NumPy floor is the step written by hand: the input
projection of all time steps as one GEMM, one GEMM per step for all four gates, backpropagation
through time with one GEMM per step, and one GEMM each for the recurrent and input weight gradients.
All three start from the same weights (microtensor's initialisation).
"""
from __future__ import annotations

import numpy as np

import microtensor as mt
import microtensor.nn  # noqa: F401 - binds mt.nn
from benchmarks.compiled import Steps, first_losses, measure, torch_compiled
from benchmarks.harness import Row, Workload, loss_rows, scaled, torch
from microtensor.nn.rnn import LSTM

LR = 0.01


class Classifier:
    """An LSTM whose last hidden state feeds a Linear layer, built from the ``nn`` of microtensor or PyTorch."""

    def __init__(self, nn, lstm_cls, input_size: int, hidden: int, classes: int) -> None:
        self.lstm = lstm_cls(input_size, hidden)
        self.fc = nn.Linear(hidden, classes)

    def parameters(self) -> list:
        return list(self.lstm.parameters()) + list(self.fc.parameters())

    def load(self, state: dict[str, np.ndarray], tensor) -> None:
        self.lstm.load_state_dict({k[5:]: tensor(v) for k, v in state.items() if k.startswith("lstm.")})
        self.fc.load_state_dict({k[3:]: tensor(v) for k, v in state.items() if k.startswith("fc.")})

    def __call__(self, x):
        _, (h, _) = self.lstm(x)
        return self.fc(h[-1])


def tensor_step(lib, model: Classifier, x, targets):
    """One SGD step written against the PyTorch API; ``lib`` is microtensor or torch. Returns the loss."""
    loss = lib.nn.functional.cross_entropy(model(x), targets)
    loss.backward()
    with lib.no_grad():
        for p in model.parameters():
            p -= LR * p.grad
            p.grad = None
    return loss


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * np.tanh(0.5 * x) + 0.5


def numpy_step(x: np.ndarray, labels: np.ndarray, params: dict[str, np.ndarray]) -> np.float32:
    """The same step by hand in NumPy on ``x`` (T, B, I), updating ``params`` in place."""
    w_ih, w_hh, b, w_fc, b_fc = (params[k] for k in ("w_ih", "w_hh", "b", "w_fc", "b_fc"))
    steps, batch, _ = x.shape
    n = w_hh.shape[1]
    xw = (x.reshape(steps * batch, -1) @ w_ih.T + b).reshape(steps, batch, 4 * n)
    w_hh_t = np.ascontiguousarray(w_hh.T)
    hs = np.zeros((steps + 1, batch, n), np.float32)
    cs = np.zeros((steps + 1, batch, n), np.float32)
    acts = np.empty((steps, batch, 4 * n), np.float32)
    tcs = np.empty((steps, batch, n), np.float32)
    for t in range(steps):
        gates = xw[t] + hs[t] @ w_hh_t
        a = acts[t]
        a[:] = _sigmoid(gates)
        a[:, 2 * n:3 * n] = np.tanh(gates[:, 2 * n:3 * n])
        cs[t + 1] = a[:, n:2 * n] * cs[t] + a[:, :n] * a[:, 2 * n:3 * n]
        tcs[t] = np.tanh(cs[t + 1])
        hs[t + 1] = a[:, 3 * n:] * tcs[t]
    rows = np.arange(batch)
    z = hs[steps] @ w_fc.T + b_fc
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    total = e.sum(axis=1, keepdims=True)
    loss = np.log(total[:, 0]).mean() - z[rows, labels].mean()
    e /= total                                    # d loss / d z = (softmax - one_hot) / batch
    e[rows, labels] -= 1
    e *= 1 / batch
    g_fc, gb_fc = e.T @ hs[steps], e.sum(axis=0)
    dh = e @ w_fc
    dc = np.zeros_like(dh)
    dgates = np.empty_like(acts)
    for t in range(steps - 1, -1, -1):
        a, tc = acts[t], tcs[t]
        i, f, g, o = a[:, :n], a[:, n:2 * n], a[:, 2 * n:3 * n], a[:, 3 * n:]
        dc += dh * o * (1 - tc * tc)
        d = dgates[t]
        d[:, :n] = dc * g * i * (1 - i)
        d[:, n:2 * n] = dc * cs[t] * f * (1 - f)
        d[:, 2 * n:3 * n] = dc * i * (1 - g * g)
        d[:, 3 * n:] = dh * tc * o * (1 - o)
        dc *= f
        dh = d @ w_hh
    rows_g = dgates.reshape(steps * batch, -1)
    grads = {"w_ih": rows_g.T @ x.reshape(steps * batch, -1), "w_hh": rows_g.T @ hs[:-1].reshape(steps * batch, n),
             "b": 2 * rows_g.sum(axis=0), "w_fc": g_fc, "b_fc": gb_fc}   # b = bias_ih + bias_hh: both step
    for k, grad in grads.items():
        grad *= LR
        params[k] -= grad
    return loss


def numpy_params(state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The floor's weights: the LSTM's two biases summed (they only ever add), the rest as they are."""
    return {"w_ih": state["lstm.weight_ih_l0"].copy(), "w_hh": state["lstm.weight_hh_l0"].copy(),
            "b": state["lstm.bias_ih_l0"] + state["lstm.bias_hh_l0"], "w_fc": state["fc.weight"].copy(),
            "b_fc": state["fc.bias"].copy()}


def run(steps: int, batch: int, input_size: int, hidden: int, repeats: int, warmup: int,
        torch_compile: bool) -> list[Row]:
    """Time one step in each engine (median of ``repeats`` after ``warmup``), torch.compile's only when
    ``torch_compile``; also the losses of two steps and the checks of the compiled step."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((steps, batch, input_size)).astype(np.float32)
    labels = rng.integers(0, 10, batch)
    mt.manual_seed(0)
    model = Classifier(mt.nn, LSTM, input_size, hidden, 10)
    start = {f"lstm.{k}": v.numpy().copy() for k, v in model.lstm.state_dict().items()}
    start.update({f"fc.{k}": v.numpy().copy() for k, v in model.fc.state_dict().items()})

    def engines(with_torch_compile: bool = False) -> Steps:
        models = [Classifier(mt.nn, LSTM, input_size, hidden, 10) for _ in range(2)]
        for m in models:
            m.load(start, mt.tensor)
        x_mt, t_mt = mt.tensor(x), mt.tensor(labels)
        compiled = mt.compile(tensor_step)
        result = Steps(microtensor=lambda: tensor_step(mt, models[0], x_mt, t_mt),
                       compiled=lambda: compiled(mt, models[1], x_mt, t_mt), compiled_fn=compiled,
                       state=lambda: tuple([p.detach().numpy() for p in m.parameters()] for m in models))
        if torch is not None:
            model_t = Classifier(torch.nn, torch.nn.LSTM, input_size, hidden, 10)
            model_t.load(start, lambda v: torch.from_numpy(v.copy()))
            x_t, t_t = torch.from_numpy(x), torch.from_numpy(labels)
            result.torch = lambda: tensor_step(torch, model_t, x_t, t_t)
            torch_step = torch_compiled(tensor_step, with_torch_compile)
            if torch_step is not None:
                result.torch_compiled = lambda: torch_step(torch, model_t, x_t, t_t)
        p_np = numpy_params(start)
        result.numpy = lambda: numpy_step(x, labels, p_np)
        return result

    losses = loss_rows("LSTM", first_losses(engines()))
    name = f"LSTM, seq {steps}, batch {batch}, {input_size}->{hidden}"
    times, checks = measure(name, engines(torch_compile), repeats, warmup)
    return [Row(name, "training step", "ms", scaled(times, 1e3), targets={"torch": 2.0},
                compiled_targets={"torch": 1.0}, target_text="<= 2x torch; compiled <= 1x torch")] + checks + losses


WORKLOAD = Workload(
    name="lstm",
    description=__doc__.splitlines()[0],
    run=run,
    full=dict(steps=32, batch=32, input_size=64, hidden=128, repeats=30, warmup=5, torch_compile=True),
    quick=dict(steps=32, batch=32, input_size=64, hidden=128, repeats=10, warmup=2, torch_compile=False),
    tiny=dict(steps=3, batch=2, input_size=4, hidden=5, repeats=1, warmup=0, torch_compile=False),
)
