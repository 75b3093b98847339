"""The von Mises distribution: the circular analogue of the normal."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

import microtensor
from microtensor.distributions import constraints
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.utils import broadcast_all
from microtensor.ops.special_functions import i0e, i1e
from microtensor.random import numpy_generator
from microtensor.tensor import Size, Tensor

__all__ = ["VonMises"]


def _log_i0(x: Tensor) -> Tensor:
    """log I0(x) for x > 0, through the exponentially scaled i0e (exact where PyTorch uses a 1e-7 polynomial)."""
    return i0e(x).log() + x


def _rejection_sample(loc: np.ndarray, kappa: np.ndarray, proposal_r: np.ndarray, shape: tuple[int, ...],
                      rng: np.random.Generator) -> np.ndarray:
    """Best and Fisher's (1979) rejection sampler, in float64, every entry until accepted."""
    x = np.zeros(shape)
    done = np.zeros(shape, dtype=bool)
    while not done.all():
        u1, u2, u3 = rng.random((3, *shape))
        z = np.cos(math.pi * u1)
        f = (1 + proposal_r * z) / (proposal_r + z)
        c = kappa * (proposal_r - f)
        with np.errstate(divide="ignore", invalid="ignore"):
            accept = ((c * (2 - c) - u2) > 0) | (np.log(c / u2) + 1 - c >= 0)
        accept &= ~done
        x = np.where(accept, np.sign(u3 - 0.5) * np.arccos(np.clip(f, -1.0, 1.0)), x)
        done |= accept
    return (x + math.pi + loc) % (2 * math.pi) - math.pi


class VonMises(Distribution):
    """A von Mises distribution on the circle: density ``exp(concentration cos(x - loc)) / (2 pi I0(concentration))``.

    ``loc`` and values may be any real numbers; they are read as angles modulo 2 pi.

    Example::

        >>> m = VonMises(torch.tensor([1.0]), torch.tensor([1.0]))
        >>> m.sample()  # von Mises distributed with loc=1 and concentration=1
    """
    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc: Any, concentration: Any, validate_args: bool | None = None) -> None:
        self.loc, self.concentration = broadcast_all(loc, concentration)
        super().__init__(self.loc.shape, Size(), validate_args)

    def expand(self, batch_shape: Any, _instance: Distribution | None = None) -> VonMises:
        """A VonMises with ``batch_shape`` (parameters expanded)."""
        validate_args = self.__dict__.get("_validate_args")
        return type(self)(self.loc.expand(batch_shape), self.concentration.expand(batch_shape),
                          validate_args=validate_args)

    def log_prob(self, value: Tensor) -> Tensor:
        """concentration cos(value - loc) - log(2 pi) - log I0(concentration)."""
        if self._validate_args:
            self._validate_sample(value)
        return self.concentration * (value - self.loc).cos() - math.log(2 * math.pi) - _log_i0(self.concentration)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Angles in [-pi, pi), by rejection sampling in float64."""
        shape = tuple(self._extended_shape(sample_shape))
        kappa = np.broadcast_to(self.concentration.detach().numpy().astype(np.float64), shape)
        loc = np.broadcast_to(self.loc.detach().numpy().astype(np.float64), shape)
        tau = 1 + np.sqrt(1 + 4 * kappa ** 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            rho = (tau - np.sqrt(2 * tau)) / (2 * kappa)
            proposal_r = np.where(kappa < 1e-5, 1 / kappa + kappa, (1 + rho ** 2) / (2 * rho))
        draws = _rejection_sample(loc, kappa, proposal_r, shape, numpy_generator(None))
        return microtensor.tensor(draws, dtype=self.loc.dtype)

    @property
    def mean(self) -> Tensor:
        """The circular mean: loc."""
        return self.loc

    @property
    def mode(self) -> Tensor:
        """loc."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """The circular variance: 1 - I1(concentration) / I0(concentration)."""
        return 1 - i1e(self.concentration) / i0e(self.concentration)
