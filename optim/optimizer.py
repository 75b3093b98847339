"""Optimizer: parameter groups, per-parameter state, ``step``, ``zero_grad`` and state dicts, as PyTorch's.

Each optimizer writes only its rule: ``_update(param, grad, group, state)`` on the NumPy arrays of one
parameter and its gradient (and, when it keeps state, ``_init_state``). ``Optimizer.step`` runs the
closure, walks the groups, skips parameters without a gradient, writes the update into the parameter's
memory and bumps its version counter once, as ``p.add_(...)`` under ``no_grad`` does. The update works
on arrays in place (``np.multiply(..., out=)``), with no Tensor-op dispatch per element-wise step, and its
temporaries live in work arrays that ``_scratch`` makes once per shape and dtype: after the first step, ``step``
and ``zero_grad`` allocate no arrays (PyTorch's per-parameter path allocates a temporary or two per step).

The small helpers below (option checks, state tensors, the gradient with ``maximize`` and coupled
weight decay applied, Adam's moment updates) are shared by every optimizer in the package.
"""
from __future__ import annotations

import copy
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable
from itertools import chain
from typing import Any

import numpy as np

import microtensor as mt
from microtensor.capture import replayed_whole
from microtensor.dtypes import is_floating
from microtensor.tensor import Tensor, bump_version

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]]

_OPTION_LABELS = {"lr": "learning rate", "eps": "epsilon value"}

# each optimizer's work arrays by (role, shape, dtype), kept outside the optimizer: not in ``state`` (state_dict()
# holds what PyTorch's holds) nor in its ``__dict__`` (saved, pickled and deep-copied optimizers leave them behind)
_WORK: weakref.WeakKeyDictionary[Optimizer, dict[tuple[str, tuple[int, ...], np.dtype], list[np.ndarray]]] = \
    weakref.WeakKeyDictionary()


class Optimizer:
    """Base class of all optimizers.

    Args:
        params: an iterable of Tensors, or of dicts each with ``"params"`` (the group's Tensors) and
            any options that override ``defaults`` for that group.
        defaults: the option values of groups that do not set them.
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {_typename(params)}")
        try:
            param_groups: list[Any] = list(params)     # Tensors or dicts; add_param_group checks each
        except TypeError:
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {_typename(params)}") from None
        self.defaults = defaults
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        if not param_groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            text += "".join(f"    {key}: {group[key]}\n" for key in sorted(group) if key != "params")
        return text + ")"

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (with its own options) to ``param_groups``.

        Args:
            param_group: a dict with ``"params"`` (a Tensor or an iterable of Tensors) and any options
                overriding the optimizer's defaults.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        else:
            param_group["params"] = list(params)
        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {_typename(param)}")
            if not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            param_group.setdefault(name, default)
        ids = {id(p) for p in param_group["params"]}
        if any(id(p) in ids for group in self.param_groups for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    @replayed_whole
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized parameters.

        Args:
            set_to_none: set ``.grad`` to None (the default) instead of filling it with zeros.
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.detach_()
                    p.grad._data.fill(0)
                    bump_version(p.grad)

    @replayed_whole
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient by the optimizer's rule.

        Args:
            closure: an optional function that re-evaluates the model and returns the loss (run with
                grad enabled before the update).

        Returns:
            The closure's loss, or None without a closure.
        """
        loss = None
        if closure is not None:
            with mt.enable_grad():
                loss = closure()
        for group in self.param_groups:
            stateful = self._has_state(group)
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p] if stateful else None
                if state is not None and not state:     # stateful, before its first update
                    self._init_state(p._data, group, state)
                self._update(p._data, p.grad._data, group, state)
                bump_version(p)
        return loss

    def _scratch(self, like: np.ndarray, count: int = 1, dtype: Any = None, role: str = "") -> list[np.ndarray]:
        """``count`` distinct work arrays shaped as ``like`` (of ``like``'s dtype, or ``dtype``), made on first use
        and handed out again to every later update of an array of that shape: an update may overwrite them but
        must not keep them past its return. A ``role`` keeps a helper's arrays apart from its caller's."""
        key = (role, like.shape, np.dtype(like.dtype if dtype is None else dtype))
        arrays = _WORK.setdefault(self, {}).setdefault(key, [])
        while len(arrays) < count:
            arrays.append(np.empty(key[1], key[2]))
        return arrays[:count]

    def _has_state(self, group: dict[str, Any]) -> bool:
        """Whether the group's parameters keep per-parameter state (SGD without momentum keeps none)."""
        return True

    def _init_state(self, param: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        """Fill the empty ``state`` of a parameter before its first update."""

    def _update(self, param: np.ndarray, grad: np.ndarray, group: dict[str, Any], state: Any) -> None:
        """Write one step of the rule into ``param`` (in place), reading ``grad`` and updating ``state`` (the
        parameter's state dict; None for a rule that keeps none)."""
        raise NotImplementedError(f"{type(self).__name__} does not define its update rule")

    # ------------------------------------------------------------------ state dicts
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as a dict, like PyTorch's.

        Returns:
            ``{"state": {index: {name: value}}, "param_groups": [group options with "params" as index
            lists]}``, the parameters numbered in the order of the groups. The state tensors are the
            optimizer's own (not copies), as in PyTorch.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)] if isinstance(p, Tensor) else p: s for p, s in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state dict from ``state_dict()``: the groups' options and the per-parameter state.

        Floating state tensors (but ``step``) are cast to their parameter's dtype, as in PyTorch; all are
        copied, so the optimizer never shares state with the dict it was loaded from.

        Args:
            state_dict: a dict returned by ``state_dict()`` (of an optimizer with groups of the same sizes).
        """
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(self.param_groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        params = dict(zip(chain.from_iterable(s["params"] for s in saved_groups),
                          chain.from_iterable(g["params"] for g in self.param_groups)))
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in params:
                state[params[key]] = _cast(params[key], value)
            else:
                state[key] = value
        for group, saved in zip(self.param_groups, saved_groups):
            saved["params"] = group["params"]
        self.state = state
        self.param_groups = saved_groups


def _cast(param: Tensor, value: Any, key: Any = None) -> Any:
    """A copy of saved state: tensors cast to the parameter's dtype when both are floating (``step`` kept)."""
    if isinstance(value, Tensor):
        array = value._data
        if key != "step" and is_floating(param._data.dtype) and is_floating(array.dtype):
            return Tensor._make(array.astype(param._data.dtype, copy=True))
        return Tensor._make(array.copy())
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _cast(param, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(param, v) for v in value)
    return value


def _typename(obj: Any) -> str:
    cls = type(obj)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"


# ---------------------------------------------------------------------- helpers shared by the optimizers
def check_nonnegative(**options: float) -> None:
    """Raise PyTorch's ValueError ("Invalid learning rate: -1") for any option below 0."""
    for name, value in options.items():
        if not 0.0 <= value:
            raise ValueError(f"Invalid {_OPTION_LABELS.get(name, name + ' value')}: {value}")


def check_betas(betas: tuple[float, float]) -> None:
    """Raise PyTorch's ValueError unless both betas lie in [0, 1)."""
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")


def scalar_state(value: float) -> Tensor:
    """A 0-d state tensor (``step``, NAdam's ``mu_product``) in PyTorch's scalar dtype: float64 when the
    default dtype is float64, else float32 (so the rounding of such state matches PyTorch's)."""
    dtype = np.float64 if mt.get_default_dtype() == mt.float64 else np.float32
    return Tensor._make(np.array(value, dtype=dtype))


def zeros_state(param: np.ndarray, fill: float = 0.0) -> Tensor:
    """A state tensor shaped and typed like ``param``, filled with ``fill``."""
    return Tensor._make(np.full_like(param, fill))


def next_step(state: dict[str, Any]) -> float:
    """Add one to ``state["step"]`` (in place) and return the new count."""
    step = state["step"]._data
    step += 1
    return float(step)


def effective_grad(param: np.ndarray, grad: np.ndarray, maximize: bool, weight_decay: float,
                   out: np.ndarray) -> np.ndarray:
    """The gradient the rule follows: negated when maximizing, plus ``weight_decay * param`` (L2 penalty).

    Returns ``out`` holding it when it changes anything, else ``grad`` itself (which must then not be written).
    """
    if weight_decay:
        np.multiply(param, weight_decay, out=out)
        # weight_decay * p - g is exactly (-g) + weight_decay * p: IEEE subtraction adds the negation
        return (np.subtract if maximize else np.add)(out, grad, out=out)
    if maximize:
        return np.negative(grad, out=out)
    return grad


def lerp_(avg: np.ndarray, target: np.ndarray, weight: float, scratch: np.ndarray) -> None:
    """``avg += weight * (target - avg)`` in place (PyTorch's ``lerp_``; ``scratch`` is overwritten)."""
    np.subtract(target, avg, out=scratch)
    scratch *= weight
    avg += scratch


def decay_add_square_(avg: np.ndarray, grad: np.ndarray, decay: float, scratch: np.ndarray) -> None:
    """``avg = decay * avg + (1 - decay) * grad**2`` in place (``scratch`` is overwritten)."""
    avg *= decay
    np.multiply(grad, 1 - decay, out=scratch)
    scratch *= grad
    avg += scratch
