"""Random number generation: Generator, manual_seed and the random creation functions."""
from __future__ import annotations

import operator
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.creation import size_arg
from microtensor.devices import check_cpu
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
        self.rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed: int) -> Generator:
        """Reset the generator to ``seed`` and return it."""
        self._seed = int(seed)
        self.rng = np.random.default_rng(self._seed)
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
        text = json.dumps(self.rng.bit_generator.state)
        return Tensor._make(np.frombuffer(text.encode(), dtype=np.uint8).copy())

    def set_state(self, state: Tensor) -> None:
        """Restore a state returned by ``get_state``."""
        import json
        self.rng.bit_generator.state = json.loads(bytes(np.asarray(state._data, dtype=np.uint8)).decode())


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


def normal(mean: float, std: float, size: Any, *, generator: Generator | None = None, dtype: Any = None) -> Tensor:
    """Normal samples with the given mean and standard deviation."""
    dt = _float_dtype(dtype, "normal")
    return Tensor._make(numpy_generator(generator).normal(mean, std, size=size_arg("normal", (), size)).astype(dt))


def bernoulli(input: Tensor, *, generator: Generator | None = None) -> Tensor:
    """0/1 samples, each 1 with the probability given by ``input``."""
    return Tensor._make((numpy_generator(generator).random(input._data.shape) < input._data).astype(input._data.dtype))


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None) -> Tensor:
    """Indices sampled from the (unnormalised) probabilities in each row of ``input``."""
    probs = np.atleast_2d(np.asarray(input._data, dtype=np.float64))
    rows = [numpy_generator(generator).choice(probs.shape[1], size=num_samples, replace=replacement, p=p / p.sum())
            for p in probs]
    out = np.array(rows, dtype=np.int64)
    return Tensor._make(out if input._data.ndim == 2 else out[0])


def _sample_dtype(self: Tensor, op: str) -> np.dtype:
    dt = self._data.dtype
    if dt.kind != "f":
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
