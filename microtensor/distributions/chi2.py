"""The chi-squared distribution: Gamma(df / 2, 1 / 2)."""
from __future__ import annotations

from typing import Any

from microtensor.distributions import constraints
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.gamma import Gamma
from microtensor.distributions.utils import broadcast_all
from microtensor.tensor import Tensor

__all__ = ["Chi2"]


class Chi2(Gamma):
    """A chi-squared distribution with ``df`` degrees of freedom (``Gamma(df / 2, 1 / 2)``).

    Example::

        >>> m = Chi2(torch.tensor([1.0]))
        >>> m.sample()  # Chi2 distributed with shape df=1
    """
    arg_constraints = {"df": constraints.positive}

    def __init__(self, df: Any, validate_args: bool | None = None) -> None:
        (df_tensor,) = broadcast_all(df)
        super().__init__(0.5 * df_tensor if isinstance(df, Tensor) else 0.5 * float(df), 0.5,
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Distribution | None = None) -> Chi2:
        """A Chi2 with ``batch_shape``."""
        new = self._get_checked_instance(Chi2, _instance)
        return super().expand(batch_shape, new)  # type: ignore[return-value]  # new is a Chi2

    @property
    def df(self) -> Tensor:
        """The degrees of freedom: twice the concentration."""
        return self.concentration * 2
