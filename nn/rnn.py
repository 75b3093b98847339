"""Recurrent layers: RNN (tanh/relu), LSTM and GRU over sequences, and their one-step cells.

Parameter names, shapes, gate order (LSTM i, f, g, o; GRU r, z, n) and initialisation are PyTorch's,
so state dicts move between the two libraries. Each layer and direction is one fused op
(``microtensor.ops.recurrent.recurrence``): one GEMM for the input projection of all time steps,
then one GEMM per step for all gates.
"""
from __future__ import annotations

import math
import numbers
import warnings

import microtensor as mt
from microtensor.nn import functional as F
from microtensor.nn import init
from microtensor.nn.module import Module
from microtensor.nn.parameter import Parameter
from microtensor.ops.recurrent import CELLS, recurrence
from microtensor.tensor import Tensor

_MODE_NAMES = {"RNN_TANH": "RNN", "RNN_RELU": "RNN", "LSTM": "LSTM", "GRU": "GRU"}


def _check_input(module: str, input: Tensor, input_size: int, dtype: mt.dtype, batched_ndim: int) -> None:
    """The input has ``batched_ndim`` dims (or one fewer, unbatched), ``input_size`` features and the weights' dtype."""
    if not isinstance(input, Tensor) or input.ndim not in (batched_ndim - 1, batched_ndim):
        got = list(input.shape) if isinstance(input, Tensor) else type(input).__name__
        raise ValueError(f"{module}: Expected input to be {batched_ndim - 1}D or {batched_ndim}D, got input of "
                         f"shape {got}")
    if input.shape[-1] != input_size:
        raise RuntimeError(f"{module}: input.size(-1) must be equal to input_size. Expected {input_size}, got "
                           f"input of shape {list(input.shape)}")
    if input.dtype != dtype:
        raise RuntimeError(f"{module}: expected input of dtype {dtype.name} (the weights' dtype), got "
                           f"{input.dtype.name}")


def _check_state(module: str, name: str, state: Tensor, expected: tuple[int, ...], dtype: mt.dtype) -> None:
    """A given initial state has the expected shape and dtype."""
    if not isinstance(state, Tensor) or tuple(state.shape) != expected:
        got = list(state.shape) if isinstance(state, Tensor) else type(state).__name__
        raise RuntimeError(f"{module}: Expected {name} of shape {list(expected)}, got {got}")
    if state.dtype != dtype:
        raise RuntimeError(f"{module}: expected {name} of dtype {dtype.name} (the weights' dtype), got "
                           f"{state.dtype.name}")


class RNNBase(Module):
    """What RNN, LSTM and GRU share: the per-layer, per-direction parameters and the loop over them.

    Args:
        mode: ``"RNN_TANH"``, ``"RNN_RELU"``, ``"LSTM"`` or ``"GRU"``.
        input_size: the number of features of each time step of the input.
        hidden_size: the number of features of the hidden state, H.
        num_layers: stacked recurrent layers; layer k > 0 reads layer k - 1's output sequence.
        bias: whether the layers have ``bias_ih`` and ``bias_hh``.
        batch_first: inputs and outputs are (N, L, *) instead of (L, N, *) (states stay (D * num_layers, N, H)).
        dropout: in training, dropout with this probability on the output of every layer but the last.
        bidirectional: also run every layer from the last step to the first (D = 2) and concatenate the outputs.
        dtype: the parameters' dtype (the default float dtype when None).

    Layer k (direction suffix ``""`` or ``"_reverse"``) has ``weight_ih_l{k}`` (G*H, input features),
    ``weight_hh_l{k}`` (G*H, H), ``bias_ih_l{k}`` and ``bias_hh_l{k}`` (G*H,), with G gate blocks, all
    drawn from U(-1/sqrt(H), 1/sqrt(H)).
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device: object = None, dtype: mt.dtype | None = None) -> None:
        super().__init__()
        name = _MODE_NAMES[mode]
        if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                          stacklevel=2)
        if not isinstance(hidden_size, int) or hidden_size <= 0:
            raise ValueError(f"{name}: hidden_size must be a positive integer, got {hidden_size!r}")
        if not isinstance(num_layers, int) or num_layers <= 0:
            raise ValueError(f"{name}: num_layers must be a positive integer, got {num_layers!r}")
        if proj_size != 0:
            raise ValueError(f"{name}: proj_size is not supported by microtensor (got {proj_size}); use 0")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        gate_size = CELLS[mode].gates * hidden_size
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * directions
            for suffix in ("", "_reverse")[:directions]:
                shapes: dict[str, tuple[int, ...]] = {f"weight_ih_l{layer}{suffix}": (gate_size, layer_input),
                                                      f"weight_hh_l{layer}{suffix}": (gate_size, hidden_size)}
                if bias:
                    shapes[f"bias_ih_l{layer}{suffix}"] = (gate_size,)
                    shapes[f"bias_hh_l{layer}{suffix}"] = (gate_size,)
                for param_name, shape in shapes.items():
                    setattr(self, param_name, Parameter(mt.empty(shape, dtype=dtype)))
                self._flat_weights_names.extend(shapes)
                self._all_weights.append(list(shapes))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch does."""
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters grouped per layer and direction: [[weight_ih, weight_hh, bias_ih, bias_hh], ...]."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    @property
    def _flat_weights(self) -> list[Tensor | None]:
        """Every weight in PyTorch's order (``_flat_weights_names``): whatever each name holds now, so the list
        follows a reassigned parameter (``rnn.weight_hh_l0 = ...``) or a deleted one (None), as PyTorch's does."""
        return [getattr(self, name, None) for name in self._flat_weights_names]

    def flatten_parameters(self) -> None:
        """Nothing to do: PyTorch packs the weights into one cuDNN buffer on a GPU and returns at once on the
        CPU, which is all microtensor has."""

    def _name(self) -> str:
        return _MODE_NAMES[self.mode]

    def _initial_states(self, hx: Tensor | tuple | None, batch: int, batched: bool,
                        dtype: mt.dtype) -> list[Tensor]:
        """[h0] or [h0, c0], each (D * num_layers, batch, H): zeros when not given, else checked against the
        input (without the batch dimension when the input is unbatched) and given one."""
        name = self._name()
        layers = self.num_layers * (2 if self.bidirectional else 1)
        n_states = 2 if CELLS[self.mode].has_cell_state else 1
        if hx is None:
            return [mt.zeros((layers, batch, self.hidden_size), dtype=dtype) for _ in range(n_states)]
        if n_states == 2:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"{name}: expected hx to be a tuple (h_0, c_0), got {type(hx).__name__}")
            states = list(hx)
        else:
            states = [hx]
        expected = (layers, batch, self.hidden_size) if batched else (layers, self.hidden_size)
        for state_name, state in zip(("h_0", "c_0"), states):
            _check_state(name, f"hidden state {state_name}", state, expected, dtype)
        return states if batched else [s.unsqueeze(1) for s in states]

    def forward(self, input: Tensor, hx: Tensor | tuple[Tensor, Tensor] | None = None) -> tuple:
        """Run the layers over the sequence.

        Args:
            input: (L, N, input_size), (N, L, input_size) when ``batch_first``, or (L, input_size) unbatched.
            hx: the initial hidden state (D * num_layers, N, H) ((D * num_layers, H) unbatched), or for the
                LSTM a tuple ``(h_0, c_0)`` of such; zeros when None.

        Returns:
            ``(output, h_n)``, for the LSTM ``(output, (h_n, c_n))``: output (L, N, D * H) (batch_first:
            (N, L, D * H)) is the last layer's hidden state at every step; h_n and c_n (D * num_layers, N, H)
            are every layer's and direction's final states.
        """
        weight = self.weight_ih_l0
        _check_input(self._name(), input, self.input_size, weight.dtype, 3)
        batched = input.ndim == 3
        x = input if not batched else (input.transpose(0, 1) if self.batch_first else input)
        if not batched:
            x = x.unsqueeze(1)
        if x.shape[0] == 0:
            raise RuntimeError(f"{self._name()}: Expected sequence length to be larger than 0 in RNN, got input of "
                               f"shape {list(input.shape)} (batch_first={self.batch_first})")
        states = self._initial_states(hx, x.shape[1], batched, weight.dtype)
        directions = 2 if self.bidirectional else 1
        finals: list[list[Tensor]] = [[] for _ in states]     # per state kind, per layer and direction
        weights = self.all_weights
        for layer in range(self.num_layers):
            outs = []
            for direction in range(directions):
                k = layer * directions + direction
                w_ih, w_hh, *biases = weights[k]
                b_ih, b_hh = biases or (None, None)
                results = recurrence(self.mode, x, states[0][k], states[1][k] if len(states) == 2 else None,
                                     w_ih, w_hh, b_ih, b_hh, reverse=direction == 1)
                outs.append(results[0])
                for final, state in zip(finals, results[1:]):
                    final.append(state)
            x = outs[0] if directions == 1 else mt.cat(outs, dim=2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        stacked = [mt.stack(f) for f in finals]
        if batched:
            output = x.transpose(0, 1) if self.batch_first else x
        else:
            output, stacked = x.squeeze(1), [f.squeeze(1) for f in stacked]
        return output, (stacked[0] if len(stacked) == 1 else tuple(stacked))

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


class RNN(RNNBase):
    """Elman RNN: ``h_t = nonlinearity(x_t @ W_ih.T + b_ih + h_{t-1} @ W_hh.T + b_hh)``, per layer and direction.

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, dtype: see ``RNNBase``.
        nonlinearity: ``'tanh'`` (default) or ``'relu'``.

    Returns ``(output, h_n)``; see ``RNNBase.forward``.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: object = None, dtype: mt.dtype | None = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, dtype=dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory, per layer and direction, with PyTorch's gate order i, f, g, o::

        i, f, o = sigmoid(.), g = tanh(.)   of   x_t @ W_ih.T + b_ih + h_{t-1} @ W_hh.T + b_hh
        c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)

    Args: see ``RNNBase`` (``proj_size`` must be 0). Returns ``(output, (h_n, c_n))``; see ``RNNBase.forward``.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device: object = None, dtype: mt.dtype | None = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, dtype=dtype)


class GRU(RNNBase):
    """Gated recurrent unit, per layer and direction, with PyTorch's gate order r, z, n::

        r = sigmoid(W_ir x + b_ir + W_hr h + b_hr),   z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),   h' = (1 - z) * n + z * h

    Args: see ``RNNBase``. Returns ``(output, h_n)``; see ``RNNBase.forward``.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: object = None, dtype: mt.dtype | None = None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         dtype=dtype)


class RNNCellBase(Module):
    """What RNNCell, LSTMCell and GRUCell share (and a custom cell can subclass, as in PyTorch): ``weight_ih``
    (G*H, input_size), ``weight_hh`` (G*H, H) and, with ``bias``, ``bias_ih`` and ``bias_hh`` (G*H,), all drawn
    from U(-1/sqrt(H), 1/sqrt(H)), for G = ``num_chunks`` gates.

    Args:
        input_size: the features of each input.
        hidden_size: H, the features of the hidden state.
        bias: whether to learn the biases.
        num_chunks: the number of gates G (1 for RNNCell, 4 for LSTMCell, 3 for GRUCell).
        dtype: the parameters' dtype.
    """

    mode: str      # the recurrence the built-in cells run (a key of CELLS)

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device: object = None,
                 dtype: mt.dtype | None = None) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        gate_size = num_chunks * hidden_size
        self.weight_ih = Parameter(mt.empty((gate_size, input_size), dtype=dtype))
        self.weight_hh = Parameter(mt.empty((gate_size, hidden_size), dtype=dtype))
        if bias:
            self.bias_ih = Parameter(mt.empty(gate_size, dtype=dtype))
            self.bias_hh = Parameter(mt.empty(gate_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch does."""
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _step(self, input: Tensor, states: list[Tensor] | None) -> tuple[Tensor, ...]:
        """Check the input and the states, run one step, and give the new states the input's batching."""
        name = type(self).__name__
        _check_input(name, input, self.input_size, self.weight_ih.dtype, 2)
        batched = input.ndim == 2
        shape = ((input.shape[0],) if batched else ()) + (self.hidden_size,)
        n_states = 2 if CELLS[self.mode].has_cell_state else 1
        if states is None:
            states = [mt.zeros(shape, dtype=self.weight_ih.dtype) for _ in range(n_states)]
        for state_name, state in zip(("h", "c"), states):
            _check_state(name, f"hidden state {state_name}", state, shape, self.weight_ih.dtype)
        if not batched:
            input, states = input.unsqueeze(0), [s.unsqueeze(0) for s in states]
        results = recurrence(self.mode, input.unsqueeze(0), states[0], states[1] if n_states == 2 else None,
                             self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)[1:]
        return results if batched else tuple(r.squeeze(0) for r in results)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        return s


class RNNCell(RNNCellBase):
    """One Elman RNN step: ``h' = nonlinearity(input @ W_ih.T + b_ih + hx @ W_hh.T + b_hh)``.

    Args:
        input_size, hidden_size, bias, dtype: see ``RNNCellBase``.
        nonlinearity: ``'tanh'`` (default) or ``'relu'``.

    ``forward(input, hx=None)``: input (N, input_size) or (input_size,), hx (N, H) or (H,) (zeros when None);
    returns h' of hx's shape.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device: object = None, dtype: mt.dtype | None = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity
        self.mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """The next hidden state; see the class docstring."""
        return self._step(input, None if hx is None else [hx])[0]

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s if self.nonlinearity == "tanh" else s + f", nonlinearity={self.nonlinearity}"


class LSTMCell(RNNCellBase):
    """One LSTM step (gates i, f, g, o): ``c' = f * c + i * g``, ``h' = o * tanh(c')``.

    Args: see ``RNNCellBase``.

    ``forward(input, hx=None)``: input (N, input_size) or (input_size,), ``hx = (h, c)`` each (N, H) or (H,)
    (zeros when None); returns ``(h', c')``.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: object = None,
                 dtype: mt.dtype | None = None) -> None:
        super().__init__(input_size, hidden_size, bias, CELLS["LSTM"].gates, device, dtype)
        self.mode = "LSTM"

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        """The next ``(h, c)``; see the class docstring."""
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"LSTMCell: expected hx to be a tuple (h, c), got {type(hx).__name__}")
        h, c = self._step(input, None if hx is None else list(hx))
        return h, c


class GRUCell(RNNCellBase):
    """One GRU step (gates r, z, n): ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h' = (1 - z) * n + z * h``.

    Args: see ``RNNCellBase``.

    ``forward(input, hx=None)``: input (N, input_size) or (input_size,), hx (N, H) or (H,) (zeros when None);
    returns h'.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: object = None,
                 dtype: mt.dtype | None = None) -> None:
        super().__init__(input_size, hidden_size, bias, CELLS["GRU"].gates, device, dtype)
        self.mode = "GRU"

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """The next hidden state; see the class docstring."""
        return self._step(input, None if hx is None else [hx])[0]
