"""Recurrent layers as one fused op per layer and direction: Elman RNN (tanh/relu), LSTM and GRU.

``recurrence`` runs one layer in one direction over a whole ``(T, B, input)`` sequence. The input
projection of every time step is one GEMM before the loop (``linear`` on the ``(T * B, input)`` rows);
the loop then does one GEMM per step, ``h @ weight_hh.T``, for all gates at once, and the gate
nonlinearities on NumPy arrays. ``Recurrence`` is the Function of that loop: its backward runs
backpropagation through time in NumPy (one GEMM per step for the hidden-state gradient, then one GEMM
for the whole ``weight_hh`` gradient), and the gradient of the input projection flows back through
``linear`` as one GEMM. With ``create_graph=True`` the backward instead replays the loop with Tensor ops
(the same step functions) and differentiates that, so gradients of gradients work too.

Gate order and equations are PyTorch's: LSTM rows ``i, f, g, o``; GRU rows ``r, z, n`` with
``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))`` and ``h' = (1 - z) * n + z * h``.
"""
from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, NamedTuple

import numpy as np

from microtensor.autograd.engine import grad as autograd_grad
from microtensor.autograd.function import Function
from microtensor.autograd.grad_mode import GradMode, enable_grad
from microtensor.ops import unary
from microtensor.ops.linear import linear
from microtensor.ops.shape import stack
from microtensor.tensor import Tensor


def _np_sigmoid(x: np.ndarray) -> np.ndarray:
    """sigmoid(x) = (1 + tanh(x / 2)) / 2: one transcendental, no overflow for any x."""
    out = np.tanh(x * 0.5)
    out *= 0.5
    out += 0.5
    return out


# the nonlinearities the step functions call: NumPy's in the forward loop, Tensor ops in the replay
_NUMPY = SimpleNamespace(sigmoid=_np_sigmoid, tanh=np.tanh, relu=lambda x: np.maximum(x, 0))
_TENSOR = SimpleNamespace(sigmoid=unary.sigmoid, tanh=unary.tanh, relu=unary.relu)


# ----------------------------------------------------------------------------- one time step, forward
# A step maps the input projection ``xw`` (B, G*H) of this step, the hidden projection ``hw`` (B, G*H)
# (h @ weight_hh.T + bias_hh) and the state to the new state and the activations its backward needs.
# It is written once for NumPy arrays and Tensors alike (``ops`` supplies the nonlinearities).
def _rnn_tanh_step(xw: Any, hw: Any, state: tuple, ops: SimpleNamespace) -> tuple[tuple, tuple]:
    return (ops.tanh(xw + hw),), ()


def _rnn_relu_step(xw: Any, hw: Any, state: tuple, ops: SimpleNamespace) -> tuple[tuple, tuple]:
    return (ops.relu(xw + hw),), ()


def _lstm_step(xw: Any, hw: Any, state: tuple, ops: SimpleNamespace) -> tuple[tuple, tuple]:
    h, c = state
    n = h.shape[-1]
    gates = xw + hw
    s = ops.sigmoid(gates)                           # i, f and o (the g block of it is unused)
    g = ops.tanh(gates[:, 2 * n:3 * n])
    c = s[:, n:2 * n] * c + s[:, :n] * g
    tc = ops.tanh(c)
    return (s[:, 3 * n:] * tc, c), (s, g, tc)


def _gru_step(xw: Any, hw: Any, state: tuple, ops: SimpleNamespace) -> tuple[tuple, tuple]:
    h, = state
    n = h.shape[-1]
    rz = ops.sigmoid(xw[:, :2 * n] + hw[:, :2 * n])
    hn = hw[:, 2 * n:]                               # W_hn h + b_hn, which r scales
    cand = ops.tanh(xw[:, 2 * n:] + rz[:, :n] * hn)
    return (cand + rz[:, n:] * (h - cand),), (rz, cand, hn)


# ----------------------------------------------------------------------------- one time step, backward
# Given dh (and dc) of the step's new state, return the gradients of xw and hw and the parts of the
# previous state's gradient that do not pass through hw (NumPy arrays).
def _rnn_tanh_step_backward(dh: np.ndarray, dc: Any, acts: tuple, h: np.ndarray, h_prev: np.ndarray,
                            c_prev: Any = None) -> tuple:
    d = dh * (1 - h * h)
    return d, d, None, None


def _rnn_relu_step_backward(dh: np.ndarray, dc: Any, acts: tuple, h: np.ndarray, h_prev: np.ndarray,
                            c_prev: Any = None) -> tuple:
    d = dh * (h > 0)
    return d, d, None, None


def _lstm_step_backward(dh: np.ndarray, dc: np.ndarray, acts: tuple, h: np.ndarray, h_prev: np.ndarray,
                        c_prev: np.ndarray) -> tuple:
    s, g, tc = acts
    n = dh.shape[-1]
    i, f, o = s[:, :n], s[:, n:2 * n], s[:, 3 * n:]
    dc = dc + dh * o * (1 - tc * tc)
    d = s * (1 - s)                                  # sigmoid' of every block; the g block is overwritten
    d[:, :n] *= dc * g
    d[:, n:2 * n] *= dc * c_prev
    np.multiply(dc * i, 1 - g * g, out=d[:, 2 * n:3 * n])
    d[:, 3 * n:] *= dh * tc
    return d, d, None, dc * f


def _gru_step_backward(dh: np.ndarray, dc: Any, acts: tuple, h: np.ndarray, h_prev: np.ndarray,
                       c_prev: Any = None) -> tuple:
    rz, cand, hn = acts
    n = dh.shape[-1]
    r, z = rz[:, :n], rz[:, n:]
    dxw = np.empty_like(acts[0], shape=(dh.shape[0], 3 * n))
    dn = np.multiply(dh * (1 - z), 1 - cand * cand, out=dxw[:, 2 * n:])
    np.multiply(dn * hn, r * (1 - r), out=dxw[:, :n])
    np.multiply(dh * (h_prev - cand), z * (1 - z), out=dxw[:, n:2 * n])
    dhw = dxw.copy()
    dhw[:, 2 * n:] *= r
    return dxw, dhw, dh * z, None


class Cell(NamedTuple):
    """The math of one recurrent mode: its steps, its number of gate blocks, whether it carries a cell
    state (LSTM), and whether the gradient of the hidden projection differs from the input projection's (GRU)."""
    name: str
    gates: int
    step: Callable
    step_backward: Callable
    has_cell_state: bool = False
    hidden_grad_differs: bool = False


CELLS = {
    "RNN_TANH": Cell("RNN_TANH", 1, _rnn_tanh_step, _rnn_tanh_step_backward),
    "RNN_RELU": Cell("RNN_RELU", 1, _rnn_relu_step, _rnn_relu_step_backward),
    "LSTM": Cell("LSTM", 4, _lstm_step, _lstm_step_backward, has_cell_state=True),
    "GRU": Cell("GRU", 3, _gru_step, _gru_step_backward, hidden_grad_differs=True),
}


def _hidden_projection(h: Any, w_hh_t: Any, b_hh: Any) -> Any:
    """h @ weight_hh.T (+ bias_hh), given weight_hh.T: the one GEMM of a step for all gates."""
    hw = h @ w_hh_t
    return hw if b_hh is None else hw + b_hh


def _time_order(length: int, reverse: bool) -> range:
    return range(length - 1, -1, -1) if reverse else range(length)


# ----------------------------------------------------------------------------- the fused loop
class Recurrence(Function):
    """(out, h_n[, c_n]) of one recurrent layer in one direction over a whole sequence.

    Inputs: ``xw`` (T, B, G*H) the input projections (with bias_ih, and bias_hh when it is not given
    separately), ``w_hh`` (G*H, H), ``b_hh`` (G*H,) or None, ``h0`` (B, H), ``c0`` (B, H) for the LSTM
    (None otherwise). ``out`` is (T, B, H) in input time order, also when ``reverse``.
    """
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, xw: np.ndarray, w_hh: np.ndarray, b_hh: np.ndarray | None, h0: np.ndarray,
                c0: np.ndarray | None, cell: Cell, reverse: bool) -> tuple:
        out = np.empty((xw.shape[0],) + h0.shape, h0.dtype)
        steps: list[Any] = [None] * xw.shape[0]       # per time index: (the state before the step, activations)
        state: tuple[np.ndarray, ...] = (h0,) if c0 is None else (h0, c0)
        w_hh_t = np.ascontiguousarray(w_hh.T)         # BLAS is faster on h @ (H, G*H) laid out row-major
        for t in _time_order(xw.shape[0], reverse):
            prev = state
            state, acts = cell.step(xw[t], _hidden_projection(state[0], w_hh_t, b_hh), state, _NUMPY)
            steps[t] = (prev, acts)
            out[t] = state[0]
        ctx.cell, ctx.reverse, ctx.steps = cell, reverse, steps
        ctx.save_for_backward(xw, w_hh, b_hh, h0, c0, out)
        return (out, state[0].copy()) + ((state[1].copy(),) if c0 is not None else ())

    @staticmethod
    def backward(ctx: Function, grad_out: Tensor, grad_h: Tensor, grad_c: Tensor | None = None) -> tuple:
        if GradMode.enabled:                          # create_graph: differentiate a replay in Tensor ops
            return _replay_backward(ctx, (grad_out, grad_h) + ((grad_c,) if grad_c is not None else ()))
        saved = ctx.saved_tensors
        xw, w_hh, out = saved[0], saved[1], saved[5]
        cell, steps, w, out, g_out = ctx.cell, ctx.steps, w_hh._data, out._data, grad_out._data
        dxw = np.empty(xw.shape, out.dtype)
        dhw = np.empty_like(dxw) if cell.hidden_grad_differs else dxw
        dh, dc = grad_h._data, None if grad_c is None else grad_c._data
        for t in reversed(_time_order(len(steps), ctx.reverse)):
            prev, acts = steps[t]
            dh = dh + g_out[t]
            dxw[t], dhw_t, dh_direct, dc = cell.step_backward(dh, dc, acts, out[t], *prev)
            if dhw is not dxw:
                dhw[t] = dhw_t
            dh = dhw_t @ w
            if dh_direct is not None:
                dh += dh_direct
        need = ctx.needs_input_grad
        rows = dhw.reshape(-1, dhw.shape[-1])
        h_prev = np.stack([prev[0] for prev, _ in steps]).reshape(-1, out.shape[-1])
        return (Tensor._make(dxw) if need[0] else None,
                Tensor._make(rows.T @ h_prev) if need[1] else None,
                Tensor._make(rows.sum(0)) if need[2] else None,
                Tensor._make(dh) if need[3] else None,
                Tensor._make(dc) if need[4] and dc is not None else None, None, None)

    def _release(self) -> None:
        super()._release()
        self.steps = None                             # the per-step activations go with the saved tensors


def _replay_backward(ctx: Function, grads: tuple) -> tuple:
    """The input gradients of ``Recurrence`` as Tensor ops of its inputs: the loop is run again with Tensor
    ops and differentiated with ``create_graph``, so the result can itself be differentiated."""
    inputs = ctx.saved_tensors[:5]
    xw, w_hh, b_hh, h0, c0 = inputs
    with enable_grad():
        state = (h0,) if c0 is None else (h0, c0)
        outs: list[Any] = [None] * xw.shape[0]
        for t in _time_order(xw.shape[0], ctx.reverse):
            state, _ = ctx.cell.step(xw[t], _hidden_projection(state[0], w_hh.T, b_hh), state, _TENSOR)
            outs[t] = state[0]
        wanted = [t for t, need in zip(inputs, ctx.needs_input_grad) if need]
        results = iter(autograd_grad((stack(outs),) + state, wanted, grads, create_graph=True, allow_unused=True))
    return tuple(next(results) if need else None for need in ctx.needs_input_grad[:5]) + (None, None)


# ----------------------------------------------------------------------------- functional forms
def recurrence(mode: str, input: Tensor, h0: Tensor, c0: Tensor | None, w_ih: Tensor, w_hh: Tensor,
               b_ih: Tensor | None = None, b_hh: Tensor | None = None, reverse: bool = False) -> tuple:
    """One recurrent layer in one direction over a sequence: ``(out, h_n)``, or ``(out, h_n, c_n)`` for the LSTM.

    Args:
        mode: ``"RNN_TANH"``, ``"RNN_RELU"``, ``"LSTM"`` or ``"GRU"``.
        input: (T, B, input_size).
        h0: (B, H); c0: (B, H) for the LSTM, else None.
        w_ih: (G*H, input_size) and w_hh: (G*H, H), G = 1, 4 or 3 gate blocks in PyTorch's order.
        b_ih, b_hh: (G*H,) or None.
        reverse: run from the last time step to the first (the backward direction of a bidirectional layer).

    ``out`` is (T, B, H) in input time order. The input projection of all time steps is one GEMM; where
    bias_hh only adds to the gates (all modes but the GRU) it is folded into that GEMM's bias.
    """
    cell = CELLS[mode]
    bias = b_ih
    if not cell.hidden_grad_differs and b_hh is not None:
        bias, b_hh = (b_hh if b_ih is None else b_ih + b_hh), None
    return Recurrence.apply(linear(input, w_ih, bias), w_hh, b_hh, h0, c0, cell, reverse)


def _cell(mode: str, input: Tensor, h: Tensor, c: Tensor | None, w_ih: Tensor, w_hh: Tensor,
          b_ih: Tensor | None, b_hh: Tensor | None) -> tuple:
    """One time step as a sequence of length one: the new ``(h,)`` or ``(h, c)``."""
    return recurrence(mode, input.unsqueeze(0), h, c, w_ih, w_hh, b_ih, b_hh)[1:]


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
                  b_hh: Tensor | None = None) -> Tensor:
    """h' = tanh(input @ w_ih.T + b_ih + hx @ w_hh.T + b_hh) for input (B, input_size), hx (B, H)."""
    return _cell("RNN_TANH", input, hx, None, w_ih, w_hh, b_ih, b_hh)[0]


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
                  b_hh: Tensor | None = None) -> Tensor:
    """h' = relu(input @ w_ih.T + b_ih + hx @ w_hh.T + b_hh) for input (B, input_size), hx (B, H)."""
    return _cell("RNN_RELU", input, hx, None, w_ih, w_hh, b_ih, b_hh)[0]


def lstm_cell(input: Tensor, hx: tuple[Tensor, Tensor], w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
              b_hh: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """One LSTM step: ``(h', c')`` for input (B, input_size) and ``hx = (h, c)``, each (B, H); gates i, f, g, o."""
    return _cell("LSTM", input, hx[0], hx[1], w_ih, w_hh, b_ih, b_hh)


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
             b_hh: Tensor | None = None) -> Tensor:
    """One GRU step: h' for input (B, input_size) and hx (B, H); gates r, z, n."""
    return _cell("GRU", input, hx, None, w_ih, w_hh, b_ih, b_hh)[0]
