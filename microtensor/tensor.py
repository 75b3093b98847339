"""class Tensor: a NumPy array plus requires_grad, grad, grad_fn and a version counter.

The differentiable operations live in ``microtensor.ops``; ``microtensor/ops/__init__.py``
binds each one to Tensor as a method or operator, one line per name, at import.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, SupportsIndex

import numpy as np

from microtensor import devices, dtypes, layouts
from microtensor.capture import Capture, graph_break
from microtensor.devices import CPU
from microtensor.dtypes import is_floating

if TYPE_CHECKING:  # the modules whose functions microtensor/ops/__init__.py binds as methods
    from microtensor import creation as _creation
    from microtensor import creation_legacy as _creation_legacy
    from microtensor import ops as _ops
    from microtensor import random as _random
    from microtensor import random_fills as _random_fills
    from microtensor import strided_creation as _strided_creation
    from microtensor import tensor_utilities as _tensor_utilities
    from microtensor.ops import activation as _activation
    from microtensor.ops import as_strided as _as_strided
    from microtensor.ops import blas as _blas
    from microtensor.ops import comparison as _comparison
    from microtensor.ops import construction as _construction
    from microtensor.ops import cumulative as _cumulative
    from microtensor.ops import elementwise as _elementwise
    from microtensor.ops import elementwise_extra as _elementwise_extra
    from microtensor.ops import fmax_fmin as _fmax_fmin
    from microtensor.ops import histogram as _histogram
    from microtensor.ops import incomplete_gamma as _incomplete_gamma
    from microtensor.ops import indexing as _indexing
    from microtensor.ops import inplace as _inplace
    from microtensor.ops import inplace_products as _inplace_products
    from microtensor.ops import linalg as _linalg
    from microtensor.ops import linalg_householder as _linalg_householder
    from microtensor.ops import linalg_legacy as _linalg_legacy
    from microtensor.ops import linalg_lu as _linalg_lu
    from microtensor.ops import linalg_solvers as _linalg_solvers
    from microtensor.ops import norms as _norms
    from microtensor.ops import reduction as _reduction
    from microtensor.ops import resize as _resize
    from microtensor.ops import scatter_into as _scatter_into
    from microtensor.ops import shape as _shape
    from microtensor.ops import shape_conveniences as _shape_conveniences
    from microtensor.ops import softmax as _softmax
    from microtensor.ops import sorting as _sorting
    from microtensor.ops import sparse_ops as _sparse_ops
    from microtensor.ops import special_functions as _special_functions
    from microtensor.ops import statistics as _statistics
    from microtensor.ops import unary as _unary
    from microtensor.ops import vector_products as _vector_products


class Size(tuple):
    """The shape of a tensor: a tuple of ints, printed like ``torch.Size``."""

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self) -> str:
        return f"microtensor.Size({list(self)})"




class Tensor:
    """An n-dimensional array that records the operations applied to it for automatic differentiation.

    Create tensors with ``microtensor.tensor(data)`` and the other creation functions. ``Tensor(...)`` takes
    ``torch.Tensor``'s legacy forms: ``Tensor(3, 4)`` or ``Tensor(Size([3, 4]))`` an uninitialised 3x4 tensor,
    ``Tensor([1, 2])`` the data in the default float dtype, ``Tensor()`` an empty one, ``Tensor(other)`` an alias
    of ``other``; as in PyTorch, it takes no ``requires_grad`` or ``dtype``.
    """

    # _base: the tensor whose memory this view shares (PyTorch's root base), None for a non-view;
    # _view_version: the version of the shared counter when this view's grad_fn was last made current;
    # _view_meta: how the view was made, where PyTorch restricts in-place changes (see Function._mark_view)
    __slots__ = ("_data", "_requires_grad", "_grad", "_grad_fn", "_output_nr", "_vc", "_accumulator",
                 "_hooks", "_retains_grad", "_base", "_view_version", "_view_meta", "__weakref__")
    _data: np.ndarray
    _requires_grad: bool
    _grad: Tensor | None
    _grad_fn: Any
    _output_nr: int
    _vc: list
    _accumulator: Any
    _hooks: list | None
    _retains_grad: bool
    _base: Tensor | None
    _view_version: int
    _view_meta: Any

    def __new__(cls, *args: Any, **kwargs: Any) -> Tensor:
        if cls is not Tensor:   # a subclass (Parameter) builds itself in its __init__
            return object.__new__(cls)
        from microtensor.legacy_tensors import legacy_new  # it builds on this module
        return legacy_new("Tensor", None, args, kwargs)

    @staticmethod
    def _init(t: Tensor, array: np.ndarray, requires_grad: bool) -> None:
        t._data = array
        t._requires_grad = requires_grad
        t._grad = None
        t._grad_fn = None
        t._output_nr = 0
        t._vc = [0]
        t._accumulator = None
        t._hooks = None
        t._retains_grad = False
        t._base = None

    @classmethod
    def _make(cls, array: np.ndarray, requires_grad: bool = False) -> Tensor:
        """Wrap a NumPy array without copying or checking (the fast path used by ops)."""
        t = object.__new__(cls)
        t._data = array
        t._requires_grad = requires_grad
        t._grad = None
        t._grad_fn = None
        t._output_nr = 0
        t._vc = [0]
        t._accumulator = None
        t._hooks = None
        t._retains_grad = False
        t._base = None
        return t

    # ----------------------------------------------------------------- attributes
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None) -> Size | int:
        """The shape, or the length of dimension ``dim`` (negative dims count from the end)."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[self._wrap_dim(dim)]

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        """The number of dimensions."""
        return self._data.ndim

    ndimension = dim

    def is_same_size(self, other: Tensor) -> bool:
        """Whether ``other`` has this tensor's shape."""
        return self._data.shape == other._data.shape

    def is_signed(self) -> bool:
        """Whether the dtype holds negative values (False for bool and uint8)."""
        return self._data.dtype.kind in "ic" or is_floating(self._data.dtype)

    def is_nonzero(self) -> bool:
        """The truth of a one-element tensor (PyTorch's error for any other size)."""
        return self.__bool__()

    def numel(self) -> int:
        """The number of elements."""
        return self._data.size

    nelement = numel

    def element_size(self) -> int:
        """Bytes per element."""
        return self._data.itemsize

    @property
    def dtype(self) -> dtypes.dtype:
        return dtypes.from_numpy_dtype(self._data.dtype)

    @property
    def device(self) -> devices.device:
        return CPU

    def get_device(self) -> int:
        """The ordinal of the device holding this tensor: -1 for the CPU, as in PyTorch."""
        return -1

    @property
    def is_cpu(self) -> bool:
        return True

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def is_xpu(self) -> bool:
        return False

    @property
    def is_mps(self) -> bool:
        return False

    @property
    def is_meta(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        """Whether the tensor sits in page-locked memory for fast copies to a GPU: never in microtensor."""
        return False

    def is_floating_point(self) -> bool:
        """Whether the dtype is a floating-point type."""
        return is_floating(self._data.dtype)

    @property
    def is_sparse(self) -> bool:
        """False: a dense tensor (``microtensor/sparse_tensor.py SparseTensor`` says True)."""
        return False

    @property
    def layout(self) -> layouts.layout:
        return layouts.strided

    @property
    def requires_grad(self) -> bool:
        # a view of a tensor that requires grad does too, as in PyTorch, also one made in no_grad mode
        # (no gradient flows through that one: it has no grad_fn and is no leaf of its own)
        return self._requires_grad or (self._base is not None and self._base._requires_grad)

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad_fn(self) -> Any:
        """The graph node that produced this tensor (None for leaves). A view whose base, or another view of
        it, was modified in place since gets a node that reads it from the base's new history, as in PyTorch."""
        if self._base is not None and self._vc[0] != self._view_version:
            _refresh_view(self)
        return self._grad_fn

    @grad_fn.setter
    def grad_fn(self, node: Any) -> None:
        self._grad_fn = node

    def _is_view(self) -> bool:
        """Whether this tensor is a view of another one (shares its memory and version counter)."""
        return self._base is not None

    @property
    def data(self) -> Tensor:
        """A tensor sharing this one's memory, outside the graph (changes to it are not tracked)."""
        return Tensor._make(self._data.view())

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)
        if Capture.tracer is not None:         # microtensor.compile records the assignment
            Capture.tracer.assigned(self, "data", value)

    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by ``backward()`` (None until one reaches this tensor)."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        self._grad = value
        if Capture.tracer is not None:         # microtensor.compile records the assignment
            Capture.tracer.assigned(self, "grad", value)

    @property
    def _version(self) -> int:
        return self._vc[0]

    @property
    def output_nr(self) -> int:
        return self._output_nr

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def _wrap_dim(self, dim: int, ndim: int | None = None) -> int:
        n = self._data.ndim if ndim is None else ndim
        lo, hi = (-1, 0) if n == 0 else (-n, n - 1)
        if not isinstance(dim, (int, np.integer)) or not lo <= dim <= hi:
            raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})")
        return int(dim) % max(n, 1)

    # ----------------------------------------------------------------- conversion
    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The NumPy array behind this tensor (shared memory). Raises if it requires grad, as PyTorch does."""
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        graph_break("Tensor.numpy()")
        return self._data.copy() if force else self._data

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        array = self.numpy()
        if dtype is not None and np.dtype(dtype) != array.dtype:
            return array.astype(dtype)
        return array.copy() if copy else array

    def __dlpack__(self, *, stream: Any = None, max_version: Any = None, dl_device: Any = None,
                   copy: bool | None = None) -> Any:
        """A DLPack capsule of this tensor's memory, for another library's ``from_dlpack`` (CPU only)."""
        if self._requires_grad:
            raise RuntimeError("Can't export tensors that require gradient, use tensor.detach()")
        kwargs: dict[str, Any] = {"copy": copy} if copy is not None else {}
        if max_version is not None:
            kwargs["max_version"] = max_version
        return self._data.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> tuple[int, int]:
        """(1, 0): DLPack's CPU device."""
        return (1, 0)

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        graph_break("Tensor.item()")
        return self._data.item()

    def tolist(self) -> Any:
        """The tensor as (nested) Python lists of numbers."""
        graph_break("Tensor.tolist()")
        return self._data.tolist()

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            amount = "no values" if self._data.size == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {amount} is ambiguous")
        graph_break("bool() of a tensor")
        return bool(self._data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        graph_break("a tensor used as an index")
        return int(self._data.item())

    # identity, as PyTorch hashes tensors (== is elementwise); object's own C slot, as sets of
    # parameters (Module traversal, optimizers) hash every tensor they hold
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        from microtensor._tensor_str import tensor_repr
        return tensor_repr(self)

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return self._data.item().__format__(spec)
        return object.__format__(self, spec)

    def __reduce_ex__(self, protocol: SupportsIndex) -> Any:
        return (_rebuild, (self._data, self._requires_grad))

    # ----------------------------------------------------------------- autograd
    def backward(self, gradient: Tensor | None = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None) -> None:
        """Compute the gradient of this tensor w.r.t. the graph leaves and accumulate it into their ``.grad``.

        Args:
            gradient: d(something)/d(self), same shape as self; may be omitted for a one-element tensor.
            retain_graph: keep saved tensors for another backward (defaults to ``create_graph``).
            create_graph: record the backward pass so higher-order gradients can be taken.
            inputs: accumulate only into these tensors.
        """
        from microtensor.autograd.engine import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place (leaves only, floating point only) and return self."""
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to use a "
                               "computed variable in a subgraph that doesn't require differentiation use "
                               "var_no_grad = var.detach().")
        if requires_grad and not is_floating(self._data.dtype):
            raise RuntimeError(f"only Tensors of floating point dtype can require gradients, got {self.dtype}")
        self._requires_grad = bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """A new tensor sharing memory and version counter with this one, outside the graph."""
        # its own array object over the same memory: an op given both tensors must tell them apart
        t = Tensor._make(self._data.view())
        share_version_counter(t, self)
        return t

    def detach_(self) -> Tensor:
        """Make this tensor a leaf that does not require grad, in place (not for views, as in PyTorch)."""
        if self._base is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self._grad_fn = None
        self._requires_grad = False
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward (leaves keep it anyway)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        from microtensor.autograd.function import RetainGrad
        self._retains_grad = True
        self.grad_fn.retain_hooks(self._output_nr).append(RetainGrad(self))

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> HookHandle:
        """Call ``hook(grad)`` when the gradient of this tensor is computed; a returned tensor replaces it."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            hooks = self.grad_fn.pre_hooks(self._output_nr)
        hooks.append(hook)
        return HookHandle(hooks, hook)

    # NumPy arrays and scalars on the left defer to Tensor's reflected operators, as with torch.Tensor
    __array_priority__ = 1000

    def cuda(self, device: Any = None, non_blocking: bool = False, **kwargs: Any) -> Tensor:
        """Raises as a CPU-only PyTorch build does: microtensor has no CUDA device."""
        devices.cuda_call(device)

    # the dtype conversions, last in the class body: their names shadow the builtins in the rest of it
    def type(self, dtype: Any = None, non_blocking: bool = False, **kwargs: Any) -> Any:
        """With no argument, PyTorch's type string (``"torch.FloatTensor"``); else this tensor converted to
        ``dtype`` (a dtype, a legacy type such as ``LongTensor``, or its name ``"torch.LongTensor"``), self
        when it has that dtype already."""
        from microtensor.legacy_tensors import dtype_of_type, type_name  # it builds on this module
        if dtype is None:
            return type_name(self.dtype)
        return self.to(dtype_of_type(dtype))

    def float(self) -> Tensor:
        """``self.to(float32)``: self itself when it is float32 already."""
        return self.to(dtypes.float32)

    def double(self) -> Tensor:
        """``self.to(float64)``: self itself when it is float64 already."""
        return self.to(dtypes.float64)

    def half(self) -> Tensor:
        """``self.to(float16)``: self itself when it is float16 already."""
        return self.to(dtypes.float16)

    def bfloat16(self) -> Tensor:
        """``self.to(bfloat16)``: self itself when it is bfloat16 already."""
        return self.to(dtypes.bfloat16)

    def byte(self) -> Tensor:
        """``self.to(uint8)``: self itself when it is uint8 already."""
        return self.to(dtypes.uint8)

    def char(self) -> Tensor:
        """``self.to(int8)``: self itself when it is int8 already."""
        return self.to(dtypes.int8)

    def short(self) -> Tensor:
        """``self.to(int16)``: self itself when it is int16 already."""
        return self.to(dtypes.int16)

    def long(self) -> Tensor:
        """``self.to(int64)``: self itself when it is int64 already."""
        return self.to(dtypes.int64)

    def int(self) -> Tensor:
        """``self.to(int32)``: self itself when it is int32 already."""
        return self.to(dtypes.int32)

    def bool(self) -> Tensor:
        """``self.to(bool)``: self itself when it is bool already."""
        return self.to(dtypes.bool_)

    def cpu(self) -> Tensor:
        """self: microtensor tensors always live on the CPU."""
        return self

    if TYPE_CHECKING:  # bound at import, one line each, in microtensor/ops/__init__.py (ops import Tensor)
        # methods unlike their function
        where = _ops.where
        split = _ops.split
        # elementwise
        atan2 = _elementwise.atan2
        arctan2 = _elementwise.atan2
        clamp = _elementwise.clamp
        clip = _elementwise.clamp
        clamp_min = _elementwise.clamp_min
        clamp_max = _elementwise.clamp_max
        maximum = _elementwise.maximum
        minimum = _elementwise.minimum
        lerp = _elementwise.lerp
        addcmul = _elementwise.addcmul
        addcdiv = _elementwise.addcdiv
        add = _elementwise.add
        sub = _elementwise.sub
        subtract = _elementwise.sub
        mul = _elementwise.mul
        multiply = _elementwise.mul
        div = _elementwise.div
        divide = _elementwise.div
        true_divide = _elementwise.div
        floor_divide = _elementwise.floor_divide
        remainder = _elementwise.remainder
        fmod = _elementwise.fmod
        neg = _elementwise.neg
        negative = _elementwise.neg
        pow = _elementwise.pow
        bitwise_and = _elementwise.bitwise_and
        bitwise_or = _elementwise.bitwise_or
        bitwise_xor = _elementwise.bitwise_xor
        bitwise_not = _elementwise.bitwise_not
        to = _elementwise.to
        type_as = _elementwise.type_as
        clone = _elementwise.clone
        contiguous = _elementwise.contiguous
        __add__ = _elementwise.add
        def __radd__(self, other: Any) -> Tensor: ...
        __sub__ = _elementwise.sub
        def __rsub__(self, other: Any) -> Tensor: ...
        __mul__ = _elementwise.mul
        def __rmul__(self, other: Any) -> Tensor: ...
        __truediv__ = _elementwise.div
        def __rtruediv__(self, other: Any) -> Tensor: ...
        __floordiv__ = _elementwise.floor_divide
        def __rfloordiv__(self, other: Any) -> Tensor: ...
        __mod__ = _elementwise.remainder
        def __rmod__(self, other: Any) -> Tensor: ...
        __pow__ = _elementwise.pow
        def __rpow__(self, other: Any) -> Tensor: ...
        __and__ = _elementwise.bitwise_and
        def __rand__(self, other: Any) -> Tensor: ...
        __or__ = _elementwise.bitwise_or
        def __ror__(self, other: Any) -> Tensor: ...
        __xor__ = _elementwise.bitwise_xor
        def __rxor__(self, other: Any) -> Tensor: ...
        __invert__ = _elementwise.bitwise_not
        __neg__ = _elementwise.neg
        # unary
        abs = _unary.abs
        absolute = _unary.abs
        positive = _unary.positive
        reciprocal = _unary.reciprocal
        sqrt = _unary.sqrt
        rsqrt = _unary.rsqrt
        square = _unary.square
        exp = _unary.exp
        exp2 = _unary.exp2
        expm1 = _unary.expm1
        log = _unary.log
        log1p = _unary.log1p
        log2 = _unary.log2
        log10 = _unary.log10
        sin = _unary.sin
        cos = _unary.cos
        tan = _unary.tan
        tanh = _unary.tanh
        sinh = _unary.sinh
        cosh = _unary.cosh
        asin = _unary.asin
        acos = _unary.acos
        atan = _unary.atan
        asinh = _unary.asinh
        acosh = _unary.acosh
        atanh = _unary.atanh
        arcsin = _unary.asin
        arccos = _unary.acos
        arctan = _unary.atan
        arcsinh = _unary.asinh
        arccosh = _unary.acosh
        arctanh = _unary.atanh
        sigmoid = _unary.sigmoid
        relu = _unary.relu
        erf = _unary.erf
        erfc = _unary.erfc
        nan_to_num = _unary.nan_to_num
        sign = _unary.sign
        sgn = _unary.sign
        floor = _unary.floor
        ceil = _unary.ceil
        round = _unary.round
        trunc = _unary.trunc
        fix = _unary.trunc
        frac = _unary.frac
        __pos__ = _unary.positive
        __abs__ = _unary.abs
        # comparison
        eq = _comparison.eq
        ne = _comparison.ne
        not_equal = _comparison.ne
        lt = _comparison.lt
        less = _comparison.lt
        le = _comparison.le
        less_equal = _comparison.le
        gt = _comparison.gt
        greater = _comparison.gt
        ge = _comparison.ge
        greater_equal = _comparison.ge
        isnan = _comparison.isnan
        isinf = _comparison.isinf
        isposinf = _comparison.isposinf
        isneginf = _comparison.isneginf
        isfinite = _comparison.isfinite
        logical_and = _comparison.logical_and
        logical_or = _comparison.logical_or
        logical_xor = _comparison.logical_xor
        logical_not = _comparison.logical_not
        isclose = _comparison.isclose
        allclose = _comparison.allclose
        equal = _comparison.equal
        def __eq__(self, other: Any) -> Tensor: ...  # type: ignore[override]
        def __ne__(self, other: Any) -> Tensor: ...  # type: ignore[override]
        def __lt__(self, other: Any) -> Tensor: ...
        def __le__(self, other: Any) -> Tensor: ...
        def __gt__(self, other: Any) -> Tensor: ...
        def __ge__(self, other: Any) -> Tensor: ...
        # reduction
        sum = _reduction.sum
        mean = _reduction.mean
        prod = _reduction.prod
        var = _reduction.var
        std = _reduction.std
        var_mean = _reduction.var_mean
        std_mean = _reduction.std_mean
        max = _reduction.max
        min = _reduction.min
        amax = _reduction.amax
        amin = _reduction.amin
        argmax = _reduction.argmax
        argmin = _reduction.argmin
        logsumexp = _reduction.logsumexp
        norm = _reduction.norm
        cumsum = _reduction.cumsum
        cumprod = _reduction.cumprod
        all = _reduction.all
        any = _reduction.any
        count_nonzero = _reduction.count_nonzero
        # shape
        reshape = _shape.reshape
        view = _shape.view
        reshape_as = _shape.reshape_as
        view_as = _shape.view_as
        flatten = _shape.flatten
        unflatten = _shape.unflatten
        squeeze = _shape.squeeze
        unsqueeze = _shape.unsqueeze
        permute = _shape.permute
        transpose = _shape.transpose
        swapaxes = _shape.swapaxes
        swapdims = _shape.transpose
        t = _shape.t
        @property
        def T(self) -> Tensor: ...
        @property
        def mT(self) -> Tensor: ...
        movedim = _shape.movedim
        moveaxis = _shape.movedim
        expand = _shape.expand
        expand_as = _shape.expand_as
        broadcast_to = _shape.broadcast_to
        repeat = _shape.repeat
        tile = _shape.tile
        flip = _shape.flip
        fliplr = _shape.fliplr
        flipud = _shape.flipud
        roll = _shape.roll
        split_with_sizes = _shape.split_with_sizes
        chunk = _shape.chunk
        unbind = _shape.unbind
        narrow = _shape.narrow
        tensor_split = _shape.tensor_split
        unfold = _shape.unfold
        # indexing
        __getitem__ = _indexing.getitem
        __setitem__ = _indexing.setitem
        select = _indexing.select
        index_select = _indexing.index_select
        gather = _indexing.gather
        scatter = _indexing.scatter
        scatter_add = _indexing.scatter_add
        index_add = _indexing.index_add
        index_fill = _indexing.index_fill
        index_put = _indexing.index_put
        masked_fill = _indexing.masked_fill
        masked_select = _indexing.masked_select
        take = _indexing.take
        nonzero = _indexing.nonzero
        argwhere = _indexing.argwhere
        tril = _indexing.tril
        triu = _indexing.triu
        diagonal = _indexing.diagonal
        trace = _indexing.trace
        masked_fill_ = _indexing.masked_fill_
        scatter_ = _indexing.scatter_
        scatter_add_ = _indexing.scatter_add_
        index_add_ = _indexing.index_add_
        index_fill_ = _indexing.index_fill_
        index_put_ = _indexing.index_put_
        tril_ = _indexing.tril_
        triu_ = _indexing.triu_
        # linalg
        matmul = _linalg.matmul
        __matmul__ = _linalg.matmul_operator
        __rmatmul__ = _linalg.rmatmul
        mm = _linalg.mm
        bmm = _linalg.bmm
        mv = _linalg.mv
        dot = _linalg.dot
        outer = _linalg.outer
        ger = _linalg.outer
        inverse = _linalg.inverse
        det = _linalg.det
        slogdet = _linalg.slogdet
        logdet = _linalg.logdet
        # sparse
        to_sparse = _sparse_ops.to_sparse
        to_sparse_coo = _sparse_ops.to_sparse_coo
        to_dense = _sparse_ops.to_dense
        coalesce = _sparse_ops.coalesce
        is_coalesced = _sparse_ops.is_coalesced
        indices = _sparse_ops.indices
        values = _sparse_ops.values
        sparse_dim = _sparse_ops.sparse_dim
        dense_dim = _sparse_ops.dense_dim
        # softmax
        softmax = _softmax.softmax
        log_softmax = _softmax.log_softmax
        # activation
        prelu = _activation.prelu
        # inplace
        add_ = _inplace.add_
        sub_ = _inplace.sub_
        subtract_ = _inplace.sub_
        mul_ = _inplace.mul_
        multiply_ = _inplace.mul_
        div_ = _inplace.div_
        divide_ = _inplace.div_
        true_divide_ = _inplace.div_
        pow_ = _inplace.pow_
        floor_divide_ = _inplace.floor_divide_
        remainder_ = _inplace.remainder_
        fmod_ = _inplace.fmod_
        atan2_ = _inplace.atan2_
        arctan2_ = _inplace.atan2_
        lerp_ = _inplace.lerp_
        addcmul_ = _inplace.addcmul_
        addcdiv_ = _inplace.addcdiv_
        copy_ = _inplace.copy_
        fill_ = _inplace.fill_
        zero_ = _inplace.zero_
        relu_ = _inplace.relu_
        round_ = _inplace.round_
        clamp_ = _inplace.clamp_
        clip_ = _inplace.clamp_
        clamp_min_ = _inplace.clamp_min_
        clamp_max_ = _inplace.clamp_max_
        bitwise_and_ = _inplace.bitwise_and_
        bitwise_or_ = _inplace.bitwise_or_
        bitwise_xor_ = _inplace.bitwise_xor_
        neg_ = _inplace.neg_
        negative_ = _inplace.negative_
        abs_ = _inplace.abs_
        absolute_ = _inplace.absolute_
        exp_ = _inplace.exp_
        exp2_ = _inplace.exp2_
        expm1_ = _inplace.expm1_
        log_ = _inplace.log_
        log1p_ = _inplace.log1p_
        log2_ = _inplace.log2_
        log10_ = _inplace.log10_
        sqrt_ = _inplace.sqrt_
        rsqrt_ = _inplace.rsqrt_
        reciprocal_ = _inplace.reciprocal_
        square_ = _inplace.square_
        sin_ = _inplace.sin_
        cos_ = _inplace.cos_
        tan_ = _inplace.tan_
        tanh_ = _inplace.tanh_
        sinh_ = _inplace.sinh_
        cosh_ = _inplace.cosh_
        asin_ = _inplace.asin_
        acos_ = _inplace.acos_
        atan_ = _inplace.atan_
        asinh_ = _inplace.asinh_
        acosh_ = _inplace.acosh_
        atanh_ = _inplace.atanh_
        sigmoid_ = _inplace.sigmoid_
        erf_ = _inplace.erf_
        erfc_ = _inplace.erfc_
        floor_ = _inplace.floor_
        ceil_ = _inplace.ceil_
        trunc_ = _inplace.trunc_
        fix_ = _inplace.fix_
        frac_ = _inplace.frac_
        sign_ = _inplace.sign_
        sgn_ = _inplace.sgn_
        bitwise_not_ = _inplace.bitwise_not_
        __iadd__ = _inplace.add_
        __isub__ = _inplace.sub_
        __imul__ = _inplace.mul_
        __itruediv__ = _inplace.div_
        __ipow__ = _inplace.pow_
        __ifloordiv__ = _inplace.floor_divide_
        __imod__ = _inplace.remainder_
        __iand__ = _inplace.bitwise_and_
        __ior__ = _inplace.bitwise_or_
        __ixor__ = _inplace.bitwise_xor_
        # sorting
        sort = _sorting.sort
        argsort = _sorting.argsort
        msort = _sorting.msort
        topk = _sorting.topk
        kthvalue = _sorting.kthvalue
        median = _sorting.median
        nanmedian = _sorting.nanmedian
        # creation, random
        new_tensor = _creation.new_tensor
        new_zeros = _creation.new_zeros
        new_ones = _creation.new_ones
        new_empty = _creation.new_empty
        new_full = _creation.new_full
        uniform_ = _random.uniform_
        normal_ = _random.normal_
        # in-place comparisons, angle units
        eq_ = _inplace.eq_
        ne_ = _inplace.ne_
        lt_ = _inplace.lt_
        le_ = _inplace.le_
        gt_ = _inplace.gt_
        ge_ = _inplace.ge_
        logical_and_ = _inplace.logical_and_
        logical_or_ = _inplace.logical_or_
        logical_xor_ = _inplace.logical_xor_
        logical_not_ = _inplace.logical_not_
        deg2rad_ = _inplace.deg2rad_
        rad2deg_ = _inplace.rad2deg_
        greater_ = _inplace.gt_
        greater_equal_ = _inplace.ge_
        less_ = _inplace.lt_
        less_equal_ = _inplace.le_
        not_equal_ = _inplace.ne_
        arccos_ = _inplace.acos_
        arccosh_ = _inplace.acosh_
        arcsin_ = _inplace.asin_
        arcsinh_ = _inplace.asinh_
        arctan_ = _inplace.atan_
        arctanh_ = _inplace.atanh_
        deg2rad = _unary.deg2rad
        rad2deg = _unary.rad2deg
        # --- issue 22: sorting and cumulative
        cummax = _cumulative.cummax
        cummin = _cumulative.cummin
        logcumsumexp = _cumulative.logcumsumexp
        diff = _cumulative.diff
        bincount = _histogram.bincount
        histc = _histogram.histc
        histogram = _histogram.histogram
        mode = _sorting.mode
        unique = _sorting.unique
        unique_consecutive = _sorting.unique_consecutive
        # --- issue 22: nn.functional and modules
        hardshrink = _activation.hardshrink
        # --- issue 22: elementwise and reductions
        nansum = _reduction.nansum
        nanmean = _reduction.nanmean
        aminmax = _reduction.aminmax
        copysign = _elementwise_extra.copysign
        copysign_ = _elementwise_extra.copysign_
        logaddexp = _elementwise_extra.logaddexp
        logaddexp2 = _elementwise_extra.logaddexp2
        hypot = _elementwise_extra.hypot
        hypot_ = _elementwise_extra.hypot_
        xlogy = _elementwise_extra.xlogy
        xlogy_ = _elementwise_extra.xlogy_
        ldexp = _elementwise_extra.ldexp
        ldexp_ = _elementwise_extra.ldexp_
        float_power = _elementwise_extra.float_power
        float_power_ = _elementwise_extra.float_power_
        frexp = _elementwise_extra.frexp
        nextafter = _elementwise_extra.nextafter
        nextafter_ = _elementwise_extra.nextafter_
        heaviside = _elementwise_extra.heaviside
        heaviside_ = _elementwise_extra.heaviside_
        gcd = _elementwise_extra.gcd
        gcd_ = _elementwise_extra.gcd_
        lcm = _elementwise_extra.lcm
        lcm_ = _elementwise_extra.lcm_
        bitwise_left_shift = _elementwise_extra.bitwise_left_shift
        bitwise_left_shift_ = _elementwise_extra.bitwise_left_shift_
        bitwise_right_shift = _elementwise_extra.bitwise_right_shift
        bitwise_right_shift_ = _elementwise_extra.bitwise_right_shift_
        __lshift__ = _elementwise_extra.bitwise_left_shift
        def __rlshift__(self, other: Any) -> Tensor: ...
        __rshift__ = _elementwise_extra.bitwise_right_shift
        def __rrshift__(self, other: Any) -> Tensor: ...
        __ilshift__ = _elementwise_extra.bitwise_left_shift_
        __irshift__ = _elementwise_extra.bitwise_right_shift_
        # --- issue 22: shape and construction
        diag = _construction.diag
        diag_embed = _construction.diag_embed
        diagflat = _construction.diagflat
        index_reduce = _indexing.index_reduce
        index_reduce_ = _indexing.index_reduce_
        is_contiguous = _shape.is_contiguous
        kron = _construction.kron
        repeat_interleave = _shape.repeat_interleave
        rot90 = _shape.rot90
        scatter_reduce = _indexing.scatter_reduce
        scatter_reduce_ = _indexing.scatter_reduce_
        squeeze_ = _shape.squeeze_
        stride = _shape.stride
        t_ = _shape.t_
        take_along_dim = _indexing.take_along_dim
        transpose_ = _shape.transpose_
        unsqueeze_ = _shape.unsqueeze_
        # --- issue 22: random, dtypes, BLAS-style products, distances
        addmm = _blas.addmm
        addmv = _blas.addmv
        addr = _blas.addr
        addbmm = _blas.addbmm
        baddbmm = _blas.baddbmm
        bernoulli = _random.bernoulli
        bernoulli_ = _random.bernoulli_
        multinomial = _random.multinomial
        # --- issue 22: linalg
        cross = _vector_products.cross
        matrix_exp = _linalg_solvers.matrix_exp
        matrix_power = _linalg_solvers.matrix_power
        pinverse = _linalg_solvers.pinverse
        # --- issue 22: special functions
        polygamma = _ops.polygamma
        polygamma_ = _special_functions.polygamma_
        lgamma = _special_functions.lgamma
        lgamma_ = _special_functions.lgamma_
        digamma = _special_functions.digamma
        digamma_ = _special_functions.digamma_
        erfinv = _special_functions.erfinv
        erfinv_ = _special_functions.erfinv_
        i0 = _special_functions.i0
        i0_ = _special_functions.i0_
        sinc = _special_functions.sinc
        sinc_ = _special_functions.sinc_
        logit = _special_functions.logit
        logit_ = _special_functions.logit_
        mvlgamma = _special_functions.mvlgamma
        # --- issue 22: shape, scatter, in-place and construction tail
        ravel = _shape_conveniences.ravel
        hsplit = _shape_conveniences.hsplit
        vsplit = _shape_conveniences.vsplit
        dsplit = _shape_conveniences.dsplit
        @property
        def H(self) -> Tensor: ...
        @property
        def mH(self) -> Tensor: ...
        adjoint = _shape_conveniences.adjoint
        swapaxes_ = _shape_conveniences.swapaxes_
        swapdims_ = _shape_conveniences.swapdims_
        sum_to_size = _shape_conveniences.sum_to_size
        as_strided = _as_strided.as_strided
        as_strided_ = _as_strided.as_strided_
        as_strided_scatter = _scatter_into.as_strided_scatter
        diagonal_scatter = _scatter_into.diagonal_scatter
        select_scatter = _scatter_into.select_scatter
        slice_scatter = _scatter_into.slice_scatter
        masked_scatter = _scatter_into.masked_scatter
        masked_scatter_ = _scatter_into.masked_scatter_
        put = _scatter_into.put
        put_ = _scatter_into.put_
        index_copy = _scatter_into.index_copy
        index_copy_ = _scatter_into.index_copy_
        fill_diagonal_ = _scatter_into.fill_diagonal_
        cumsum_ = _inplace_products.cumsum_
        cumprod_ = _inplace_products.cumprod_
        addmm_ = _inplace_products.addmm_
        addmv_ = _inplace_products.addmv_
        addr_ = _inplace_products.addr_
        addbmm_ = _inplace_products.addbmm_
        baddbmm_ = _inplace_products.baddbmm_
        random_ = _random_fills.random_
        exponential_ = _random_fills.exponential_
        geometric_ = _random_fills.geometric_
        cauchy_ = _random_fills.cauchy_
        log_normal_ = _random_fills.log_normal_
        new = _creation_legacy.new
        new_empty_strided = _strided_creation.new_empty_strided
        resize_ = _resize.resize_
        resize_as_ = _resize.resize_as_
        resize = _resize.resize
        resize_as = _resize.resize_as
        register_post_accumulate_grad_hook = _tensor_utilities.register_post_accumulate_grad_hook
        dim_order = _tensor_utilities.dim_order
        is_set_to = _tensor_utilities.is_set_to
        apply_ = _tensor_utilities.apply_
        map_ = _tensor_utilities.map_
        map2_ = _tensor_utilities.map2_
        as_subclass = _tensor_utilities.as_subclass
        is_conj = _tensor_utilities.is_conj
        resolve_conj = _tensor_utilities.resolve_conj
        reinforce = _tensor_utilities.reinforce
        module_load = _tensor_utilities.module_load
        volatile = _tensor_utilities.volatile
        is_distributed = _tensor_utilities.is_distributed
        # --- issue 22: linalg factorizations and legacy forms
        geqrf = _linalg_householder.geqrf
        orgqr = _linalg_householder.orgqr
        ormqr = _linalg_householder.ormqr
        lu = _linalg_lu.torch_lu
        lu_solve = _linalg_lu.lu_solve
        cholesky = _linalg_legacy.cholesky
        cholesky_inverse = _linalg_legacy.cholesky_inverse
        cholesky_solve = _linalg_legacy.cholesky_solve
        triangular_solve = _linalg_legacy.triangular_solve
        qr = _linalg_legacy.qr
        svd = _linalg_legacy.svd
        solve = _linalg_legacy.solve
        symeig = _linalg_legacy.symeig
        eig = _linalg_legacy.eig
        lstsq = _linalg_legacy.lstsq
        # --- issue 22: math long tail
        fmax = _fmax_fmin.fmax
        fmin = _fmax_fmin.fmin
        signbit = _comparison.signbit
        isreal = _comparison.isreal
        inner = _vector_products.inner
        vdot = _vector_products.vdot
        dist = _norms.dist
        renorm = _norms.renorm
        renorm_ = _norms.renorm_
        nan_to_num_ = _inplace.nan_to_num_
        mvlgamma_ = _special_functions.mvlgamma_
        quantile = _statistics.quantile
        nanquantile = _statistics.nanquantile
        cov = _statistics.cov
        corrcoef = _statistics.corrcoef
        igamma = _incomplete_gamma.igamma
        igammac = _incomplete_gamma.igammac
        igamma_ = _incomplete_gamma.igamma_
        igammac_ = _incomplete_gamma.igammac_


class HookHandle:
    """Returned by ``register_hook``; ``remove()`` takes the hook off again."""

    def __init__(self, hooks: list, hook: Callable) -> None:
        self.hooks, self.hook = hooks, hook

    def remove(self) -> None:
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)


def share_version_counter(t: Tensor, src: Tensor) -> None:
    """Make ``t``, which shares ``src``'s memory, share its version counter too (an in-place change of either
    bumps both). The counter, ``[version]``, becomes ``[version, True]``: its memory is seen by several tensors."""
    vc = src._vc
    if len(vc) == 1:
        vc.append(True)
    t._vc = vc


def bump_version(t: Tensor) -> None:
    """Record that ``t``'s memory was written in place outside the ops (an optimizer's update, a gradient
    zeroed): ``t._version`` and that of every tensor sharing its memory go up by one, so a backward that
    saved ``t`` raises and its views bring their history up to date."""
    t._vc[0] += 1


def memory_is_shared(t: Tensor) -> bool:
    """Whether another tensor (a view, a ``detach()``) may see ``t``'s memory."""
    return len(t._vc) > 1


def view_requires_grad(view: Tensor) -> bool:
    """``view.requires_grad``, its grad_fn first brought up to date (``Function.apply`` reads both).

    A view PyTorch refuses to rebuild (made in no_grad mode, or one of several an op returned) is left
    stale: the op raises PyTorch's error only if it has a differentiable output (``Function._connect``)."""
    base = view._base
    assert base is not None   # only views come here
    if view._vc[0] != view._view_version and not (view._view_meta is not None and base._requires_grad):
        _refresh_view(view)
    return view._requires_grad or base._requires_grad


def _refresh_view(view: Tensor) -> None:
    from microtensor.ops.views import refresh_view  # ops build on this module
    refresh_view(view)


def _rebuild(array: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor._make(array, requires_grad)
