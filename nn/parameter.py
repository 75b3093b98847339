"""Parameter: a leaf Tensor that a Module registers as one of its learnable weights."""
from __future__ import annotations

from typing import Any, SupportsIndex

import numpy as np

import microtensor as mt
from microtensor.tensor import Tensor, share_version_counter


class Parameter(Tensor):
    """A Tensor that, assigned as a Module attribute, is registered in the module's parameters.

    ``Parameter(data)`` shares ``data``'s memory and is a leaf that requires grad (unless
    ``requires_grad=False``). Operations on a Parameter return plain Tensors, as in PyTorch.

    Args:
        data: the initial value (an empty float tensor when None).
        requires_grad: whether the parameter requires gradient.
    """

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            array = np.empty((0,), dtype=mt.get_default_dtype().np)
        elif isinstance(data, Tensor):
            array = data._data.view()      # its own array object, as detach() gives
        else:
            array = mt.tensor(data)._data
        Tensor._init(self, array, False)
        if isinstance(data, Tensor):
            share_version_counter(self, data)      # like PyTorch's detach(): same memory, same version counter
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + Tensor.__repr__(self)

    def __reduce_ex__(self, protocol: SupportsIndex) -> Any:
        # copy.deepcopy and pickle rebuild a Parameter (with a copy of the data), not a plain Tensor
        return (_rebuild_parameter, (self._data, self._requires_grad))


def _rebuild_parameter(array: np.ndarray, requires_grad: bool) -> Parameter:
    return Parameter(Tensor._make(array), requires_grad)


_DATA_SLOT = Tensor.__dict__["_data"]     # Tensor's own storage of the array, behind the property below

_UNINITIALIZED_SHAPE = ("Can't access the shape of an uninitialized parameter or buffer. This error usually happens "
                        "in `load_state_dict` when trying to load an uninitialized parameter into an initialized "
                        "one. Call `forward` to initialize the parameters before accessing their attributes.")


def _refuse(self: Any) -> np.ndarray:
    raise ValueError(f"Attempted to use an uninitialized parameter. This error happens when you are using a "
                     f"`LazyModule` or explicitly manipulating `microtensor.nn.parameter.{type(self).__name__}` "
                     "objects. When using LazyModules Call `forward` with a dummy batch to initialize the "
                     "parameters before calling microtensor functions")


class UninitializedTensorMixin:
    """What uninitialized parameters and buffers share: they hold no data yet (every op that reads it raises),
    only a dtype that ``to()``/``double()``... change, until ``materialize(shape)`` gives them memory and turns
    them into the class ``cls_to_become`` (the same object, so references to it stay valid)."""

    __slots__ = ()
    cls_to_become: type
    _requires_grad: bool

    # every op reads a tensor's array through ``_data``: here that raises PyTorch's error
    _data = property(_refuse, _DATA_SLOT.__set__)

    def _placeholder(self) -> Tensor:
        """A plain empty tensor of this one's dtype (what PyTorch keeps inside an uninitialized tensor)."""
        return Tensor._make(_DATA_SLOT.__get__(self))

    def materialize(self, shape: Any, device: Any = None, dtype: Any = None) -> None:
        """Give the tensor (uninitialized) memory of ``shape`` and make it a ``cls_to_become`` (a Parameter,
        or a plain Tensor for a buffer), keeping its dtype unless ``dtype`` is given."""
        array = mt.empty(shape, dtype=dtype if dtype is not None else self.dtype, device=device)._data
        _DATA_SLOT.__set__(self, array)
        self.__class__ = self.cls_to_become

    @property
    def shape(self) -> Any:
        raise RuntimeError(_UNINITIALIZED_SHAPE)

    @property
    def dtype(self) -> mt.dtype:
        return self._placeholder().dtype

    @property
    def data(self) -> Tensor:
        return self._placeholder()

    @data.setter
    def data(self, value: Tensor) -> None:
        _DATA_SLOT.__set__(self, _DATA_SLOT.__get__(value) if isinstance(value, Tensor) else np.asarray(value))

    def size(self, dim: int | None = None) -> Any:
        """The size of the empty placeholder (``(0,)``), as PyTorch answers."""
        return self._placeholder().size(dim)

    def is_floating_point(self) -> bool:
        """Whether the dtype it will have is a floating-point one."""
        return self._placeholder().is_floating_point()

    def to(self, *args: Any, **kwargs: Any) -> Any:
        """An uninitialized tensor of the same kind with the converted dtype (self when it does not change)."""
        dtype = self._placeholder().to(*args, **kwargs).dtype
        if dtype == self.dtype:
            return self
        return type(self)(self._requires_grad, dtype=dtype)  # type: ignore[call-arg]

    def share_memory_(self) -> Any:
        """Raises: there is no memory to share yet."""
        raise RuntimeError("Can't share memory on an uninitialized parameter or buffer. Call `forward` to "
                           "initialize the parameters before calling `module.share_memory()`.")

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def __reduce_ex__(self, protocol: SupportsIndex) -> Any:
        return (_rebuild_uninitialized, (type(self), self._requires_grad, self.dtype))

    def __deepcopy__(self, memo: dict) -> Any:
        if id(self) not in memo:
            memo[id(self)] = type(self)(self._requires_grad, dtype=self.dtype)  # type: ignore[call-arg]
        return memo[id(self)]


def _rebuild_uninitialized(cls: type, requires_grad: bool, dtype: mt.dtype) -> Any:
    return cls(requires_grad, dtype=dtype)


def is_lazy(param: Any) -> bool:
    """Whether ``param`` is an ``UninitializedParameter`` or ``UninitializedBuffer``."""
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A parameter whose shape is not known yet (a lazy module's, until its first forward).

    It holds no data: reading its shape, or using it in an op, raises; its dtype can change (``module.double()``).
    ``materialize(shape)`` turns it into a regular ``Parameter`` in place.

    Args:
        requires_grad: whether the parameter will require gradient.
        dtype: the dtype it will have (the default float dtype when None).
    """

    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device: Any = None, dtype: Any = None) -> None:
        Tensor._init(self, mt.empty(0, dtype=dtype, device=device)._data, bool(requires_grad))


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape is not known yet (a lazy module's running statistics, until its first forward).

    As ``UninitializedParameter``, but ``materialize(shape)`` turns it into a plain Tensor.

    Args:
        requires_grad: whether the buffer will require gradient.
        dtype: the dtype it will have (the default float dtype when None).
    """

    __slots__ = ()
    cls_to_become = Tensor

    def __init__(self, requires_grad: bool = False, device: Any = None, dtype: Any = None) -> None:
        Tensor._init(self, mt.empty(0, dtype=dtype, device=device)._data, bool(requires_grad))
