"""Tensor methods about the tensor rather than its values: ``register_post_accumulate_grad_hook``,
``dim_order``, ``is_set_to``, the CPU callables ``apply_``/``map_``/``map2_``, ``as_subclass``, and the answers
a real (never complex, never distributed) CPU tensor gives: ``is_conj``, ``resolve_conj``, ``is_distributed``,
``torch.get_device``."""
from __future__ import annotations

import warnings
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor.autograd.function import POST_ACCUMULATE_HOOKS
from microtensor.legacy_tensors import type_name
from microtensor.ops.checks import tensor_input
from microtensor.ops.shape import stride, view_as
from microtensor.tensor import HookHandle, Tensor


def register_post_accumulate_grad_hook(self: Tensor, hook: Callable[[Tensor], None]) -> HookHandle:
    """Call ``hook(self)`` each time a backward has accumulated this leaf's gradient into ``.grad`` (not for
    ``autograd.grad``, which accumulates nothing); ``handle.remove()`` takes it off. Leaves only."""
    if not self._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if self.grad_fn is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    key = id(self)
    if key not in POST_ACCUMULATE_HOOKS:
        POST_ACCUMULATE_HOOKS[key] = []
        weakref.finalize(self, POST_ACCUMULATE_HOOKS.pop, key, None)
    hooks = POST_ACCUMULATE_HOOKS[key]
    hooks.append(hook)
    return HookHandle(hooks, hook)


def _compare_dims(strides: tuple, shape: tuple, a: int, b: int) -> int:
    """PyTorch's comparison of two dims by stride: 1 when ``a``'s is larger (``a`` is further out), -1 when
    smaller, 0 undecided (a zero stride, or equal strides and sizes)."""
    if strides[a] == 0 or strides[b] == 0:
        return 0
    if strides[a] != strides[b]:
        return -1 if strides[a] < strides[b] else 1
    return 1 if shape[a] > shape[b] else 0


def dim_order(self: Tensor, *, ambiguity_check: bool | list = False) -> tuple[int, ...]:
    """The dims of ``self`` from outermost to innermost in memory (``(0, 2, 3, 1)`` for channels-last). With
    ``ambiguity_check=True`` (or a list of memory formats), a tensor whose order is not unique (a size-1 dim,
    two equal strides) raises unless it matches exactly one of the listed formats."""
    if not isinstance(ambiguity_check, (bool, list)):
        raise TypeError("The ambiguity_check argument must be a bool or a list of memory formats.")
    strides, shape = stride(self), self._data.shape
    formats = ambiguity_check if isinstance(ambiguity_check, list) else []
    check = ambiguity_check if isinstance(ambiguity_check, bool) else True
    several = any(a == b for a, b in zip(strides, strides[1:])) or 1 in shape
    if check and several and sum(self.is_contiguous(memory_format=f) for f in formats) != 1:
        raise RuntimeError("The tensor does not have unique dim order, or cannot map to exact one of the given "
                           "memory formats.")
    perm = list(reversed(range(len(shape))))
    for i in range(1, len(shape)):        # PyTorch's insertion sort, innermost dim first
        moving = i
        for j in reversed(range(i)):
            order = _compare_dims(strides, shape, perm[j], perm[moving])
            if order > 0:
                perm[j], perm[moving] = perm[moving], perm[j]
                moving = j
            elif order < 0:
                break
    return tuple(reversed(perm))


def is_set_to(self: Tensor, tensor: Tensor) -> bool:
    """Whether ``self`` and ``tensor`` are the same memory seen the same way: the same start, shape, strides
    and dtype (views that differ in any of them, and copies, are not)."""
    tensor_input("is_set_to", tensor, "tensor")
    a, b = self._data, tensor._data
    return (a.__array_interface__["data"][0] == b.__array_interface__["data"][0] and a.shape == b.shape
            and a.strides == b.strides and a.dtype == b.dtype and np.shares_memory(a, b))


def _elementwise_(op: str, self: Tensor, fn: Callable[..., Any], *others: Tensor) -> Tensor:
    """Write ``fn(self[i], *(o[i] for o in others))`` (Python numbers) into every element of self, in place."""
    if self.requires_grad:
        raise RuntimeError(f"Can't call {op}() on Variable that requires grad. Use var.detach().{op}() instead.")
    arrays = [self._data] + [np.broadcast_to(o._data, self._data.shape) for o in others]
    values = [fn(*items) for items in zip(*(a.reshape(-1).tolist() for a in arrays))]
    return self.copy_(Tensor._make(np.array(values, dtype=self._data.dtype).reshape(self._data.shape)))


def _same_type(op: str, self: Tensor, other: Any, name: str) -> Tensor:
    tensor_input(op, other, name)
    if other.dtype != self.dtype:
        raise TypeError(f"{op}: expected {type_name(self.dtype)} for '{name}' (got {type_name(other.dtype)})")
    return other


def apply_(self: Tensor, callable: Callable[[Any], Any]) -> Tensor:
    """Replace each element ``v`` of self by ``callable(v)`` (a Python function of a number), in place; CPU
    tensors that do not require grad only, and slow (one Python call per element), as in PyTorch."""
    return _elementwise_("apply_", self, callable)


def map_(self: Tensor, tensor: Tensor, callable: Callable[[Any, Any], Any]) -> Tensor:
    """Replace each element of self by ``callable(self[i], tensor[i])``, ``tensor`` (of self's dtype)
    broadcast to self's shape; in place."""
    return _elementwise_("map_", self, callable, _same_type("map_", self, tensor, "other"))


def map2_(self: Tensor, x: Tensor, y: Tensor, callable: Callable[[Any, Any, Any], Any]) -> Tensor:
    """Replace each element of self by ``callable(self[i], x[i], y[i])``, ``x`` and ``y`` (of self's dtype)
    broadcast to self's shape; in place."""
    return _elementwise_("map2_", self, callable, _same_type("map2_", self, x, "x"), _same_type("map2_", self, y, "y"))


def as_subclass(self: Tensor, cls: type) -> Tensor:
    """An instance of ``cls`` (a subclass of Tensor) sharing self's memory and version counter, attached to
    the graph as a view of self: changes to either show in the other, and gradients flow back to self."""
    if not (isinstance(cls, type) and issubclass(cls, Tensor)):
        raise TypeError("Creating a Tensor subclass from a class that does not inherit from Tensor is not "
                        "possible. Make sure your class inherits from Tensor.")
    alias = view_as(self, self)
    out = object.__new__(cls)
    for name in Tensor.__slots__:
        if name != "__weakref__" and hasattr(alias, name):
            setattr(out, name, getattr(alias, name))
    return out


def is_conj(input: Tensor) -> bool:
    """Whether ``input`` is a lazily conjugated complex view: never, for microtensor's real tensors."""
    tensor_input("is_conj", input)
    return False


def resolve_conj(input: Tensor) -> Tensor:
    """``input`` with a pending conjugation applied: a real tensor has none, so ``input`` itself."""
    return tensor_input("resolve_conj", input)


def is_distributed(input: Tensor) -> bool:
    """Whether ``input`` is spread over several processes: never, in microtensor."""
    tensor_input("is_distributed", input)
    return False


def get_device(input: Tensor) -> int:
    """``input.get_device()``: -1, the CPU's ordinal, as in PyTorch."""
    return tensor_input("get_device", input).get_device()


def reinforce(self: Tensor, reward: Any) -> None:
    """Removed from PyTorch (torch.distributions replaces it): raises PyTorch's RuntimeError saying how."""
    raise RuntimeError("reinforce() was removed.\nUse torch.distributions instead.\n"
                       "See https://pytorch.org/docs/main/distributions.html\n\nInstead of:\n\n"
                       "probs = policy_network(state)\naction = probs.multinomial()\n"
                       "next_state, reward = env.step(action)\naction.reinforce(reward)\naction.backward()\n\n"
                       "Use:\n\nprobs = policy_network(state)\n"
                       "# NOTE: categorical is equivalent to what used to be called multinomial\n"
                       "m = torch.distributions.Categorical(probs)\naction = m.sample()\n"
                       "next_state, reward = env.step(action)\nloss = -m.log_prob(action) * reward\nloss.backward()\n")


def _get_volatile(self: Tensor) -> bool:
    warnings.warn("volatile was removed (Variable.volatile is always False)", UserWarning, stacklevel=2)
    return False


def _set_volatile(self: Tensor, value: bool) -> None:
    warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` instead.", UserWarning,
                  stacklevel=2)


volatile: property = property(_get_volatile, _set_volatile, doc="Removed from PyTorch: always False, with a warning "
                    "(use ``torch.no_grad()``); setting it warns and does nothing.")


def module_load(self: Tensor, other: Tensor, assign: bool = False) -> Tensor:
    """What ``nn.Module.load_state_dict`` puts in place of this parameter or buffer when loading ``other``:
    ``other`` detached when ``assign``, else this tensor with ``other``'s values copied in, detached."""
    if assign:
        return other.detach()
    return self.copy_(other).detach()
