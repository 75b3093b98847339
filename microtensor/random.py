"""Random number generation: Generator, manual_seed, the random creation functions and sampling (bernoulli,
multinomial, normal, poisson)."""
from __future__ import annotations

import operator
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.autograd.function import Function
from microtensor.capture import graph_break
from microtensor.creation import size_arg
from microtensor.devices import check_cpu
from microtensor.dtypes import is_floating
from microtensor.ops.broadcasting import broadcast_message
from microtensor.ops.checks import tensor_input, torch_dtype_name
from microtensor.tensor import Tensor


def _fresh_seed() -> int:
    """A seed drawn from fresh OS entropy, below 2**63."""
    entropy = np.random.SeedSequence().entropy
    assert isinstance(entropy, int)    # typed int | Sequence[int] | None, an int when none is passed
    return entropy % (2**63)


class Generator:
    """A seeded source of random numbers (NumPy's PCG64), like ``torch.Generator``."""

    def __init__(self, device: Any = "cpu") -> None:
        check_cpu(device)
        self._seed = _fresh_seed()
        self._rng = np.random.default_rng(self._seed)

    @property
    def rng(self) -> np.random.Generator:
        """The NumPy generator that draws (a draw breaks a ``microtensor.compile`` graph: its state must advance)."""
        graph_break("a random draw")
        return self._rng

    def manual_seed(self, seed: int) -> Generator:
        """Reset the generator to ``seed`` and return it."""
        self._seed = int(seed)
        self._rng = np.random.default_rng(self._seed)
        return self

    def seed(self) -> int:
        """Reseed from fresh entropy and return the new seed."""
        return self.manual_seed(_fresh_seed())._seed

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with."""
        return self._seed

    def get_state(self) -> Tensor:
        """The generator state, as a tensor that ``set_state`` accepts."""
        import json
        text = json.dumps(self._rng.bit_generator.state)
        return Tensor._make(np.frombuffer(text.encode(), dtype=np.uint8).copy())

    def set_state(self, state: Tensor) -> None:
        """Restore a state returned by ``get_state``."""
        import json
        self._rng.bit_generator.state = json.loads(bytes(np.asarray(state._data, dtype=np.uint8)).decode())


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator, so ``rand``/``randn``/``randint`` and friends are reproducible."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator from fresh entropy."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed of the default generator."""
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The state of the default generator."""
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    """Restore the default generator's state."""
    default_generator.set_state(new_state)


def numpy_generator(generator: Generator | None) -> np.random.Generator:
    """The NumPy generator that draws for ``generator`` (the default generator when None)."""
    return (generator or default_generator).rng


def _float_dtype(dtype: Any, op: str) -> np.dtype:
    dt = dtypes.to_dtype(dtype, op) if dtype is not None else dtypes.get_default_dtype()
    if not dt.is_floating_point:
        raise RuntimeError(f"{op}: expected a floating-point dtype, got {dt}")
    return dt.np


def rand(*args: Any, size: Any = None, generator: Generator | None = None, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """Uniform samples from [0, 1) of shape ``size`` (``rand(2, 3)``, ``rand((2, 3))`` or ``rand(size=(2, 3))``)."""
    check_cpu(device)
    shape = size_arg("rand", args, size)
    dt = _float_dtype(dtype, "rand")
    return Tensor._make(numpy_generator(generator).random(shape).astype(dt), requires_grad)


def randn(*args: Any, size: Any = None, generator: Generator | None = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples of shape ``size`` (``randn(2, 3)``, ``randn((2, 3))`` or ``randn(size=(2, 3))``)."""
    check_cpu(device)
    shape = size_arg("randn", args, size)
    dt = _float_dtype(dtype, "randn")
    return Tensor._make(numpy_generator(generator).standard_normal(shape).astype(dt), requires_grad)


def _bound(name: str, value: Any) -> int:
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"randint(): argument '{name}' must be int, not {type(value).__name__}") from None


def randint(low: int = 0, high: int | None = None, size: Any = None, *, generator: Generator | None = None,
            dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Integers drawn uniformly from [low, high), int64 by default. As in PyTorch, ``randint(high, size)``
    and ``randint(high, size=size)`` mean low = 0; ``size`` is a sequence, positional or keyword."""
    check_cpu(device)
    if size is None and isinstance(high, (tuple, list)):                        # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:                                                          # randint(high, size=size)
        low, high = 0, low
    if size is None:
        raise TypeError('randint() missing 1 required positional arguments: "size" (randint(low=0, high, size))')
    shape = size_arg("randint", (), size)
    low, high = _bound("low", low), _bound("high", high)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    dt = dtypes.to_dtype(dtype, "randint") if dtype is not None else dtypes.int64
    return Tensor._make(numpy_generator(generator).integers(low, high, size=shape).astype(dt.np), requires_grad)


def randperm(n: int, *, generator: Generator | None = None, dtype: Any = None, device: Any = None) -> Tensor:
    """A random permutation of 0..n-1 (int64)."""
    check_cpu(device)
    dt = dtypes.to_dtype(dtype, "randperm") if dtype is not None else dtypes.int64
    return Tensor._make(numpy_generator(generator).permutation(n).astype(dt.np))


def rand_like(input: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform [0, 1) samples with ``input``'s shape and dtype."""
    return rand(input._data.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples with ``input``'s shape and dtype."""
    return randn(input._data.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *, dtype: Any = None) -> Tensor:
    """Random integers in [low, high) with ``input``'s shape and dtype (``randint_like(x, high)`` means low = 0)."""
    if high is None:
        low, high = 0, low
    return randint(low, high, input._data.shape, dtype=dtype or input.dtype)


class Drawn(Function):
    """A random draw whose parameters require grad: the sample is given, and the gradient of every parameter
    is 0, as PyTorch's ``normal``, ``bernoulli`` and ``poisson`` backward gives."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Any, sample: np.ndarray, *params: np.ndarray) -> np.ndarray:
        ctx.shapes = [p.shape for p in params]
        return sample

    @staticmethod
    def backward(ctx: Any, *grads: Tensor) -> tuple[Tensor | None, ...]:
        return (None, *(grads[0].new_zeros(shape) if needed else None
                        for shape, needed in zip(ctx.shapes, ctx.needs_input_grad[1:])))


def _drawn(sample: np.ndarray, *params: Any) -> Tensor:
    """``sample`` as a tensor, recorded with a zero gradient for the parameters that require grad."""
    if any(isinstance(p, Tensor) and p.requires_grad for p in params):
        return Drawn.apply(sample, *params)
    return Tensor._make(sample)


def _check_std(std: Any) -> None:
    if isinstance(std, Tensor):
        if (std._data < 0).any():
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")


def normal(mean: Any, std: Any = 1.0, size: Any = None, *, generator: Generator | None = None, dtype: Any = None,
           device: Any = None, requires_grad: bool = False) -> Tensor:
    """Normal samples, in PyTorch's four forms: ``normal(mean_tensor, std_tensor)`` (the two broadcast),
    ``normal(mean_float, std_tensor)``, ``normal(mean_tensor, std=1.0)`` (each element drawn with its own mean
    and std; the result has the tensor's dtype, the mean's when both are tensors) and
    ``normal(mean, std, size)`` (floats, the default float dtype or ``dtype``). Mean and std that require grad
    get a zero gradient, as in PyTorch."""
    check_cpu(device)
    rng = numpy_generator(generator)
    _check_std(std)
    if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments: with a float mean and std, "
                            "size is required (normal(mean, std, size))")
        dt = _float_dtype(dtype, "normal")
        return Tensor._make(rng.normal(mean, std, size=size_arg("normal", (), size)).astype(dt), requires_grad)
    if size is not None:
        raise TypeError("normal() received an invalid combination of arguments: size is only taken with a float "
                        "mean and std (normal(mean, std, size)); with a tensor the result has its shape")
    like = mean if isinstance(mean, Tensor) else std
    if not is_floating(like._data.dtype):
        raise RuntimeError(f"normal: expected a floating-point mean or std, got {like.dtype}")
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    try:
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
    except ValueError:
        raise RuntimeError(f"normal: mean of shape {list(np.shape(m))} and std of shape {list(np.shape(s))} do "
                           f"not broadcast") from None
    sample = (rng.standard_normal(shape) * s + m).astype(like._data.dtype)
    return _drawn(sample, *(p for p in (mean, std) if isinstance(p, Tensor)))


def _check_probability(op: str, p: Any) -> None:
    values = p._data if isinstance(p, Tensor) else p
    if not np.all((values >= 0) & (values <= 1)):
        got = "" if isinstance(p, Tensor) else f", but got p={p}"
        raise RuntimeError(f"{op} expects {'all elements of ' * isinstance(p, Tensor)}p to be in [0, 1]{got}")


def _bernoulli_draws(rng: np.random.Generator, shape: tuple[int, ...], p: Any, dtype: np.dtype) -> np.ndarray:
    probs = p._data if isinstance(p, Tensor) else p
    return (rng.random(shape) < probs).astype(dtype)


def bernoulli(input: Tensor, p: float | None = None, *, generator: Generator | None = None) -> Tensor:
    """0/1 samples of ``input``'s shape and dtype, each 1 with the probability given by the matching element of
    ``input`` (a float tensor of values in [0, 1]), or with probability ``p`` when it is given."""
    tensor_input("bernoulli", input)
    if not is_floating(input._data.dtype):
        raise RuntimeError(f"bernoulli: expected a floating-point tensor of probabilities, got {input.dtype}")
    probs = input if p is None else p
    _check_probability("bernoulli", probs)
    sample = _bernoulli_draws(numpy_generator(generator), input._data.shape, probs, input._data.dtype)
    return _drawn(sample, input) if p is None else Tensor._make(sample)


def bernoulli_(self: Tensor, p: Any = 0.5, *, generator: Generator | None = None) -> Tensor:
    """Fill ``self`` in place with 0/1 samples, each 1 with probability ``p`` (a float, or a tensor that
    broadcasts to self's shape); any dtype, bool included."""
    _check_probability("bernoulli_", p)
    if isinstance(p, Tensor):
        try:
            np.broadcast_to(p._data, self._data.shape)
        except ValueError:
            raise RuntimeError(f"bernoulli_: p of shape {list(p.shape)} does not broadcast to self's shape "
                               f"{list(self.shape)}") from None
    sample = _bernoulli_draws(numpy_generator(generator), self._data.shape, p, self._data.dtype)
    return self.copy_(Tensor._make(sample))


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None) -> Tensor:
    """Indices drawn from the categories of each row of ``input`` (1-D or 2-D non-negative weights, not
    necessarily normalised), ``num_samples`` per row, int64. Without replacement each row's draws are distinct
    (categories of weight 0 come last, after all the others); with it they are independent."""
    tensor_input("multinomial", input)
    if input._data.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got {input.ndim} dims")
    if not is_floating(input._data.dtype):
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {input.dtype}")
    n = operator.index(num_samples)
    if n <= 0:
        raise RuntimeError(f"multinomial: cannot sample n_sample <= 0 samples (got num_samples={n})")
    probs = np.asarray(input._data, dtype=np.float64).reshape(-1, input._data.shape[-1])
    rows, k = probs.shape
    if not replacement and n > k:
        raise RuntimeError(f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples without replacement "
                           f"(got num_samples={n} and {k} categories)")
    if not np.isfinite(probs).all() or (probs < 0).any():
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or element < 0")
    totals = probs.sum(1, keepdims=True)
    if (totals <= 0).any():
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of probabilities <= 0)")
    rng = numpy_generator(generator)
    if replacement:
        # one sorted search over all rows: row i's cumulative weights, scaled to end at 1, shifted by i
        offsets = np.arange(rows)[:, None]
        cdf = np.cumsum(probs, 1) / totals + offsets
        picks = np.searchsorted(cdf.ravel(), (rng.random((rows, n)) + offsets).ravel(), side="right")
        drawn = np.minimum(picks.reshape(rows, n) - offsets * k, k - 1)
    else:
        # the exponential race: the n smallest Exp(1) / weight keys are a draw without replacement
        with np.errstate(divide="ignore"):
            keys = rng.standard_exponential((rows, k)) / probs
        drawn = np.argsort(keys, axis=1, kind="stable")[:, :n]
    return Tensor._make(drawn.astype(np.int64).reshape(input._data.shape[:-1] + (n,)))


def poisson(input: Tensor, generator: Generator | None = None) -> Tensor:
    """Samples from Poisson distributions with the rates in ``input`` (a float tensor of non-negative finite
    values), of its shape and dtype."""
    tensor_input("poisson", input)
    if not is_floating(input._data.dtype):
        raise RuntimeError(f"poisson: expected a floating-point tensor of rates, got {input.dtype}")
    rates = input._data
    if not (np.isfinite(rates) & (rates >= 0)).all():
        raise RuntimeError("poisson: invalid Poisson rate, expected rate to be non-negative and finite")
    sample = numpy_generator(generator).poisson(rates.astype(np.float64)).astype(rates.dtype)
    return _drawn(sample, input)


class BinomialDraw(Function):
    """A binomial draw whose parameters require grad: PyTorch has no derivative for it, and its backward
    raises PyTorch's error."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Any, sample: np.ndarray, count: np.ndarray, prob: np.ndarray) -> np.ndarray:
        return sample

    @staticmethod
    def backward(ctx: Any, *grads: Tensor) -> tuple[None, ...]:
        raise RuntimeError("derivative for aten::binomial is not implemented")


def binomial(count: Tensor, prob: Tensor, generator: Generator | None = None) -> Tensor:
    """Samples from binomial distributions: the number of successes in ``count`` trials of probability
    ``prob`` (float tensors of one dtype, broadcasting); the result has their broadcast shape and dtype.
    A count or probability at or below 0 gives 0, a probability at or above 1 gives ``count``, NaN gives NaN."""
    tensor_input("binomial", count, "count")
    tensor_input("binomial", prob, "prob", 2)
    if not is_floating(count._data.dtype):
        raise ValueError(f"binomial only supports floating-point dtypes for count, got: {torch_dtype_name(count)}")
    if prob._data.dtype != count._data.dtype:
        raise RuntimeError(f"Found dtype {torch_dtype_name(prob)} but expected {torch_dtype_name(count)}")
    try:
        n, p = np.broadcast_arrays(count._data.astype(np.float64), prob._data.astype(np.float64))
    except ValueError:
        raise RuntimeError(broadcast_message("binomial", count._data.shape, prob._data.shape)) from None
    trials = np.where(np.isfinite(n) & (n > 0), np.floor(n), 0).astype(np.int64)
    with np.errstate(invalid="ignore"):
        drawn = numpy_generator(generator).binomial(trials, np.clip(np.nan_to_num(p), 0.0, 1.0)).astype(np.float64)
        drawn = np.where(p >= 1, np.maximum(n, 0), drawn)
    drawn = np.where(np.isnan(p) | np.isnan(n), np.nan, np.where((n <= 0) | (p <= 0), 0.0, drawn))
    sample = drawn.astype(count._data.dtype)
    if count.requires_grad or prob.requires_grad:
        return BinomialDraw.apply(sample, count, prob)
    return Tensor._make(sample)


def _sample_dtype(self: Tensor, op: str) -> np.dtype:
    dt = self._data.dtype
    if not is_floating(dt):
        raise RuntimeError(f"{op}: expected a floating-point tensor, got {self.dtype}")
    return dt if dt in (np.float32, np.float64) else np.dtype(np.float64)    # float16 is drawn wider, then cast


def uniform_(self: Tensor, from_: float = 0.0, to: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill ``self`` in place with samples from the uniform distribution U(from_, to), as ``Tensor.uniform_``.

    In-place rules apply (a leaf that requires grad needs ``no_grad``); the version counter is bumped."""
    sample = numpy_generator(generator).random(tuple(self._data.shape), dtype=_sample_dtype(self, "uniform_"))
    sample *= to - from_
    sample += from_
    return self.copy_(Tensor._make(sample))


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill ``self`` in place with samples from the normal distribution N(mean, std**2), as ``Tensor.normal_``.

    In-place rules apply (a leaf that requires grad needs ``no_grad``); the version counter is bumped."""
    sample = numpy_generator(generator).standard_normal(tuple(self._data.shape), dtype=_sample_dtype(self, "normal_"))
    sample *= std
    sample += mean
    return self.copy_(Tensor._make(sample))
