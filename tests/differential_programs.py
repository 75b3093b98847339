"""Random straight-line tensor programs for the differential test against PyTorch.

A program is a list of Python source lines written against a library named ``lib``
(``t3 = t1.view(2, 3)``, ``t2.add_(t0)``, ``loss.backward()``), so the same lines run on
microtensor and on torch, and a failure prints as code that reproduces it. The
strategy builds each program one line at a time while running it on torch: the live
torch tensors give the shapes, dtypes and grad flags the next line's operands must fit.
Lines that make torch raise are kept (microtensor must raise on them too) and add nothing
to the pool of live tensors.
"""
from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st

Draw = Callable[[st.SearchStrategy], Any]

# sides of the input shapes: shrinks towards 2, size 1 and size 0 are drawn now and then
SIDES = [2, 3, 1, 4, 2, 3, 0]
DTYPES = ["float64", "float64", "float64", "float32", "int64", "bool"]
SCALARS = [2.0, -1.5, 0.5, 3, -2]


def weight(t: Any, lib: Any) -> Any:
    """The fixed weights of ``t`` in a loss: the same numbers on both sides, every element different."""
    w = np.cos(np.arange(t.numel()) * 1.7 + 0.3).reshape(tuple(t.shape))
    return lib.tensor(w, dtype=t.dtype)


def namespace(lib: Any) -> dict[str, Any]:
    """The globals a program's lines run in."""
    return {"lib": lib, "W": lambda t: weight(t, lib)}


def run_line(line: str, ns: dict[str, Any]) -> BaseException | None:
    """Run one line in ``ns``; the exception it raised, or None."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(line, ns)  # noqa: S102 - the lines are generated here, never read from outside
    except Exception as error:  # noqa: BLE001 - any error is an outcome to compare
        return error
    return None


@dataclass
class Program:
    """Source lines, the names of the tensors they create and what the final check compares."""
    lines: list[str] = field(default_factory=list)
    tensors: list[str] = field(default_factory=list)   # every tensor name, in creation order
    leaves: list[str] = field(default_factory=list)    # the inputs that require grad
    grads: list[str] = field(default_factory=list)     # names of the gradient tuples (autograd.grad)
    backward_from: int | None = None                   # the index of the line that builds the loss

    @classmethod
    def parse(cls, source: str) -> Program:
        """The program of some lines written as this module writes them (for hand-kept reproducers)."""
        program = cls(lines=[line.strip() for line in source.strip().splitlines()])
        for i, line in enumerate(program.lines):
            target = line.split(" = ", 1)[0] if " = " in line and "[" not in line.split(" = ", 1)[0] else ""
            names = [n.strip() for n in target.split(",") if n.strip()]
            if target.startswith("t"):
                program.tensors += names
                program.leaves += names if "requires_grad=True" in line else []
            elif target in ("g", "gg"):
                program.grads.append(target)
            elif target == "loss":
                program.backward_from = i
        return program

    def __str__(self) -> str:
        return "\n".join(["import numpy as np", "W = lambda t: lib.tensor(np.cos(np.arange(t.numel()) * 1.7 + 0.3)"
                          ".reshape(t.shape), dtype=t.dtype)", *self.lines])


class Builder:
    """A program under construction, with the torch namespace that runs it line by line."""

    def __init__(self, draw: Draw, torch: Any) -> None:
        self.draw, self.torch = draw, torch
        self.ns = namespace(torch)
        self.program = Program()
        self.pool: list[str] = []          # names torch has a live tensor for
        self.inputs = 0
        self._names = itertools.count()

    # ------------------------------------------------------------- running lines
    def emit(self, line: str) -> bool:
        """Append a statement and run it on torch; whether torch ran it without raising."""
        self.program.lines.append(line)
        return run_line(line, self.ns) is None

    def assign(self, expr: str) -> None:
        """Append ``tK = expr`` (or ``tK, tL = expr`` for a tuple) and add the results to the pool."""
        if run_line(f"_result = {expr}", self.ns) is not None:
            self.program.lines.append(f"t{next(self._names)} = {expr}")
            return
        result = self.ns.pop("_result")
        parts = result if isinstance(result, tuple) else (result,)
        names = [f"t{next(self._names)}" for _ in parts]
        if isinstance(result, tuple):
            target = ", ".join(names) + ("," if len(names) == 1 else "")
            if not names:
                self.program.lines.append(expr)
                return
        else:
            target = names[0]
        self.program.lines.append(f"{target} = {expr}")
        for name, part in zip(names, parts):
            self.ns[name] = part
            self.pool.append(name)
            self.program.tensors.append(name)

    # ------------------------------------------------------------- picking operands
    def t(self, name: str) -> Any:
        return self.ns[name]

    def pick(self, where: Callable[[Any], bool] = lambda t: True, among: list[str] | None = None) -> str | None:
        """A pool name whose torch tensor satisfies ``where``, or None."""
        names = [n for n in (self.pool if among is None else among) if where(self.t(n))]
        return self.draw(st.sampled_from(names)) if names else None

    def partner(self, shape: tuple, exact: bool = False, into: Any = None) -> str:
        """A Python scalar, or a pool tensor that broadcasts with ``shape`` (``exact``: broadcasts *to* it).

        ``into``: the tensor an in-place op writes the partner into. When it is not floating point, the partner
        never requires grad: PyTorch then gives the integer tensor a grad_fn and fails only at backward
        ("Autograd not support dtype"), where microtensor keeps it out of the graph (a known difference)."""
        integer_target = into is not None and not into.is_floating_point()
        name = self.pick(lambda t: _fits(tuple(t.shape), shape, exact) and not (integer_target and t.requires_grad)
                         ) if self.draw(st.booleans()) else None
        return name or repr(self.draw(st.sampled_from(SCALARS)))

    def dim(self, ndim: int) -> int:
        """A valid dim of an ``ndim``-d tensor (0 for a 0-d one), negative now and then."""
        d = self.draw(st.integers(0, max(ndim - 1, 0)))
        return d - max(ndim, 1) if self.draw(st.booleans()) else d


def _fits(shape: tuple, target: tuple, exact: bool) -> bool:
    try:
        broadcast = np.broadcast_shapes(shape, target)
    except ValueError:
        return False
    return not exact or broadcast == target


def _matmul_fits(a: tuple, b: tuple) -> bool:
    try:
        np.matmul(np.zeros(a), np.zeros(b))
    except ValueError:
        return False
    return bool(a) and bool(b)


def _float(t: Any) -> bool:
    return t.is_floating_point()


# ----------------------------------------------------------------------------- the inputs
def add_input(b: Builder, base: tuple[int, ...]) -> None:
    """``tK = lib.tensor(...)``: a leaf that broadcasts to ``base`` (float leaves require grad)."""
    draw = b.draw
    lead = draw(st.integers(0, len(base)))
    shape = tuple(1 if draw(st.booleans()) else n for n in base[lead:]) if b.inputs else base
    dtype = draw(st.sampled_from(DTYPES))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = {"int64": lambda: rng.integers(-3, 4, shape), "bool": lambda: rng.random(shape) < 0.5
              }.get(dtype, lambda: np.round(rng.standard_normal(shape), 3))()
    grad = ", requires_grad=True" if dtype.startswith("float") else ""
    data = f"{shape}" if 0 in shape else repr(values.tolist())
    maker = "zeros" if 0 in shape else "tensor"
    name = f"t{next(b._names)}"
    b.program.lines.append(f"{name} = lib.{maker}({data}, dtype=lib.{dtype}{grad})")
    run_line(b.program.lines[-1], b.ns)
    b.pool.append(name)
    b.program.tensors.append(name)
    if grad:
        b.program.leaves.append(name)
    b.inputs += 1


# ----------------------------------------------------------------------------- the op vocabulary
# Each op draws its operands from the pool and calls ``assign`` (a new tensor) or ``emit``
# (an in-place change). The simplest ops come first: hypothesis shrinks towards them.
def op_clone(b: Builder) -> None:
    a = b.pick()
    b.assign(f"{a}.{b.draw(st.sampled_from(['clone()', 'contiguous()', 'detach()']))}")


def op_arith(b: Builder) -> None:
    a = b.pick()
    other = b.partner(tuple(b.t(a).shape))
    op = b.draw(st.sampled_from(["+", "-", "*"]))
    b.assign(f"{other} {op} {a}" if b.draw(st.booleans()) else f"{a} {op} {other}")


def op_div(b: Builder) -> None:
    a = b.pick()
    other = b.partner(tuple(b.t(a).shape))
    b.assign(b.draw(st.sampled_from([f"{a} / {other}" if other[0] != "t" else f"{a} / ({other}.abs() + 0.5)",
                                     f"{other} / ({a}.abs() + 0.5)"])))


def op_pow(b: Builder) -> None:
    a = b.pick()
    exponent = b.draw(st.sampled_from(["2", "3", "0.5", "-1", "p"]))
    if exponent == "p":
        exponent = b.partner(tuple(b.t(a).shape))
        if exponent in b.ns and b.t(exponent).dtype == b.torch.bool:
            # PyTorch's pow backward subtracts 1 from a bool exponent and raises; microtensor differentiates it
            exponent = "2"
        elif exponent in b.ns and b.t(exponent).is_floating_point():
            # a bounded exponent: (x + 0.5) ** 9 turns float32 rounding noise upstream into gradients of ~50
            exponent = f"{exponent}.clamp(-2, 2)"
    base = a if exponent in ("2", "3") else f"({a}.abs() + 0.5)"
    b.assign(f"{base} ** {exponent}" if b.draw(st.booleans()) else f"{base}.pow({exponent})")


def op_unary(b: Builder) -> None:
    a = b.pick()
    b.assign(b.draw(st.sampled_from([f"-{a}", f"{a}.exp()", f"{a}.tanh()", f"{a}.sigmoid()", f"{a}.relu()",
                                     f"{a}.abs()", f"{a}.clamp(-0.5, 0.5)", f"{a}.clamp(min=0.1)",
                                     f"{a}.clamp(max=-0.2)", f"lib.exp({a})", f"lib.tanh({a})"])))


def op_maximum(b: Builder) -> None:
    a = b.pick()
    other = b.pick(lambda t: _fits(tuple(t.shape), tuple(b.t(a).shape), False))
    b.assign(f"lib.maximum({a}, {other})")


def op_where(b: Builder) -> None:
    a = b.pick()
    other = b.partner(tuple(b.t(a).shape))
    b.assign(f"lib.where({a} > 0, {a}, {other})" if b.draw(st.booleans()) else
             f"lib.where({a} > 0, {other}, {a})")


def op_reduce(b: Builder) -> None:
    a = b.pick()
    ndim = b.t(a).ndim
    name = b.draw(st.sampled_from(["sum", "mean", "amax", "max", "prod"]))
    if name != "max" and b.draw(st.booleans()):
        b.assign(f"{a}.{name}()")
        return
    dim = b.dim(ndim)
    if name == "sum" and ndim >= 2 and b.draw(st.booleans()):
        dim = (0, -1)
    keep = ", keepdim=True" if b.draw(st.booleans()) else ""
    if name == "max":
        b.assign(f"{a}.max({dim}{keep})" + b.draw(st.sampled_from(["", "[0]", ".values"])))
    else:
        b.assign(f"{a}.{name}({dim}{keep})")


def _new_shape(b: Builder, shape: tuple[int, ...]) -> tuple[int, ...]:
    """A shape with the same number of elements: flattened, two dims merged, a dim split or a 1 inserted."""
    kind = b.draw(st.sampled_from(["flat", "merge", "split", "one"]))
    if kind == "flat" or not shape:
        return (-1,) if b.draw(st.booleans()) else (int(np.prod(shape)),)
    i = b.draw(st.integers(0, len(shape) - 1))
    if kind == "merge" and i + 1 < len(shape):
        return shape[:i] + (shape[i] * shape[i + 1],) + shape[i + 2:]
    if kind == "split" and shape[i] % 2 == 0 and shape[i] > 0:
        return shape[:i] + (2, shape[i] // 2) + shape[i + 1:]
    return shape[:i] + (1,) + shape[i:]


def op_view(b: Builder) -> None:
    a = b.pick()
    shape = ", ".join(map(str, _new_shape(b, tuple(b.t(a).shape))))
    # view only what is contiguous or a view: PyTorch lays out an elementwise result of operands with different
    # layouts like its first operand, NumPy (so microtensor) row-major, so view() of such a result works here
    viewable = b.t(a).is_contiguous() or b.t(a)._is_view()
    b.assign(f"{a}.{b.draw(st.sampled_from(['view', 'reshape'])) if viewable else 'reshape'}({shape})")


def op_transpose(b: Builder) -> None:
    a = b.pick()
    ndim = b.t(a).ndim
    kind = b.draw(st.sampled_from(["t", "transpose", "permute"]))
    if kind == "t":
        b.assign(f"{a}.t()")
    elif kind == "transpose":
        b.assign(f"{a}.transpose({b.dim(ndim)}, {b.dim(ndim)})")
    else:
        perm = b.draw(st.permutations(range(ndim)))
        b.assign(f"{a}.permute({', '.join(map(str, perm))})" if perm else f"{a}.permute(())")


def op_squeeze(b: Builder) -> None:
    a = b.pick()
    ndim = b.t(a).ndim
    b.assign(b.draw(st.sampled_from([f"{a}.squeeze()", f"{a}.squeeze({b.dim(ndim)})",
                                     f"{a}.unsqueeze({b.draw(st.integers(-ndim - 1, ndim))})"])))


def op_expand(b: Builder) -> None:
    a = b.pick()
    shape = tuple(3 if n == 1 and b.draw(st.booleans()) else (-1 if b.draw(st.booleans()) else n)
                  for n in b.t(a).shape)
    lead = (2,) if b.draw(st.booleans()) or not shape else ()
    b.assign(f"{a}.expand({', '.join(map(str, lead + shape))})")


def op_narrow(b: Builder) -> None:
    a = b.pick(lambda t: t.ndim > 0)
    if a is None:
        return
    d = b.dim(b.t(a).ndim)
    n = b.t(a).shape[d]
    start = b.draw(st.integers(0, n))
    b.assign(f"{a}.narrow({d}, {start}, {b.draw(st.integers(0, n - start))})")


def op_select(b: Builder) -> None:
    a = b.pick(lambda t: t.ndim > 0)
    if a is None:
        return
    d = b.dim(b.t(a).ndim)
    n = b.t(a).shape[d]
    b.assign(f"{a}.select({d}, {b.draw(st.integers(-n, max(n - 1, 0)))})")


def _slice(b: Builder, n: int) -> str:
    start = b.draw(st.sampled_from(["", "1", "-1", "0"]))
    stop = b.draw(st.sampled_from(["", "", str(n - 1), "-1"]))
    step = b.draw(st.sampled_from(["", ":2", ":3", ":-1"] if n > 1 else ["", ":2"]))
    return f"{start}:{stop}{step}"


def _index(b: Builder, shape: tuple[int, ...]) -> str:
    """An index of a tensor of ``shape``: ints, slices, lists, LongTensors, ``...``, None or a bool mask."""
    if not shape:
        return b.draw(st.sampled_from(["...", "None", "()"]))
    parts = []
    for n in shape[:b.draw(st.integers(1, len(shape)))]:
        kind = b.draw(st.sampled_from(["int", "slice", "list", "long", "full", "mask"]))
        if kind == "int":
            parts.append(str(b.draw(st.integers(-n, max(n - 1, 0)))))
        elif kind == "slice":
            parts.append(_slice(b, n))
        elif kind in ("list", "long"):
            ids = b.draw(st.lists(st.integers(-n, max(n - 1, 0)), min_size=0 if n == 0 else 1, max_size=3))
            parts.append(str(ids) if kind == "list" else f"lib.tensor({ids}, dtype=lib.int64)")
        elif kind == "mask":
            parts.append(f"lib.tensor({b.draw(st.lists(st.booleans(), min_size=n, max_size=n))})")
        else:
            parts.append(":")
    if b.draw(st.booleans()) and len(parts) < len(shape):
        parts.insert(0, "...")
    return ", ".join(parts)


def op_index(b: Builder) -> None:
    a = b.pick()
    shape = tuple(b.t(a).shape)
    b.assign(f"{a}[{a} > 0]" if b.draw(st.integers(0, 4)) == 0 else f"{a}[{_index(b, shape)}]")


def op_slice(b: Builder) -> None:
    a = b.pick(lambda t: t.ndim > 0)
    if a is None:
        return
    shape = tuple(b.t(a).shape)
    parts = [_slice(b, n) for n in shape[:b.draw(st.integers(1, len(shape)))]]
    b.assign(f"{a}[{', '.join(parts)}]")


def op_split(b: Builder) -> None:
    a = b.pick(lambda t: t.ndim > 0)
    if a is None:
        return
    d = b.dim(b.t(a).ndim)
    b.assign(b.draw(st.sampled_from([f"{a}.unbind({d})", f"{a}.split({b.draw(st.integers(1, 3))}, {d})",
                                     f"{a}.chunk({b.draw(st.integers(1, 3))}, {d})"])))


def op_reorder(b: Builder) -> None:
    a = b.pick()
    ndim = b.t(a).ndim
    kind = b.draw(st.sampled_from(["flatten", "flip", "roll", "diagonal"]))
    if kind == "flatten":
        b.assign(f"{a}.flatten()" if ndim < 2 or b.draw(st.booleans()) else f"{a}.flatten(0, 1)")
    elif kind == "flip":
        b.assign(f"{a}.flip({b.dim(ndim)})")
    elif kind == "roll":
        b.assign(f"{a}.roll({b.draw(st.integers(-2, 2))}, {b.dim(ndim)})")
    else:
        b.assign(f"{a}.diagonal()" if b.draw(st.booleans()) else
                 f"{a}.diagonal({b.draw(st.integers(-1, 1))}, {b.dim(ndim)}, {b.dim(ndim)})")


def op_matmul(b: Builder) -> None:
    # same-dtype numbers only: torch lacks bool kernels, and skips its dtype check for an empty batch
    a = b.pick(lambda t: t.ndim > 0 and t.dtype != b.torch.bool)
    if a is None:
        return
    shape, dtype = tuple(b.t(a).shape), b.t(a).dtype
    other = b.pick(lambda t: t.dtype == dtype and _matmul_fits(shape, tuple(t.shape)))
    if other is not None:
        b.assign(f"{a} @ {other}")
    else:
        b.assign(f"{a} @ {a}" if len(shape) == 1 else f"{a} @ {a}.transpose(-2, -1)")


def op_softmax(b: Builder) -> None:
    a = b.pick(_float)   # torch accepts an empty integer tensor, as it never reaches the kernel
    if a is None:
        return
    d = b.dim(b.t(a).ndim)
    b.assign(f"{a}.{b.draw(st.sampled_from(['softmax', 'log_softmax', 'logsumexp']))}({d})")


def op_cast(b: Builder) -> None:
    a = b.pick()
    b.assign(f"{a}.{b.draw(st.sampled_from(['double()', 'float()', 'long()', 'to(lib.float64)', 'to(lib.float32)']))}")


def _inplace(b: Builder, target: str) -> str:
    """An in-place method call on ``target``."""
    shape = tuple(b.t(target).shape)
    kind = b.draw(st.sampled_from(["add_", "mul_", "clamp_", "relu_", "neg_", "copy_", "fill_", "zero_",
                                   "masked_fill_", "index_put_", "sigmoid_", "exp_"]))
    if kind in ("add_", "mul_"):
        return f"{target}.{kind}({b.partner(shape, exact=True, into=b.t(target))})"
    if kind == "copy_":
        integer_target = not b.t(target).is_floating_point()
        source = b.pick(lambda t: _fits(tuple(t.shape), shape, True) and not (integer_target and t.requires_grad))
        return f"{target}.copy_({source})" if source else f"{target}.fill_(0.5)"
    if kind == "clamp_":
        return f"{target}.clamp_(-0.5, 0.5)"
    if kind == "fill_":
        return f"{target}.fill_(1.5)"
    if kind == "masked_fill_":
        return f"{target}.masked_fill_({target} > 0, 0.0)"
    if kind == "index_put_":
        n = shape[0] if shape else 0
        ids = b.draw(st.lists(st.integers(0, max(n - 1, 0)), min_size=1, max_size=2, unique=True))
        return f"{target}.index_put_((lib.tensor({ids}),), lib.tensor(2.5, dtype={target}.dtype))"
    return f"{target}.{kind}()"


def op_inplace(b: Builder) -> None:
    target = b.pick(among=b.pool[b.inputs:])
    if target is None:
        return
    if b.draw(st.integers(0, 3)) == 0:
        index = _index(b, tuple(b.t(target).shape))
        run_line(f"_shape = tuple({target}[{index}].shape)", b.ns)
        value = b.partner(b.ns.pop("_shape", ()), exact=True, into=b.t(target))
        statement = f"{target}[{index}] = {value}"
    else:
        statement = _inplace(b, target)
    b.emit(f"with lib.no_grad(): {statement}" if b.draw(st.integers(0, 4)) == 0 else statement)


OPS = [op_clone, op_arith, op_unary, op_inplace, op_view, op_index, op_reduce, op_div, op_pow, op_maximum,
       op_where, op_transpose, op_squeeze, op_expand, op_narrow, op_select, op_slice, op_split, op_reorder,
       op_matmul, op_softmax, op_cast, op_inplace, op_inplace]


# ----------------------------------------------------------------------------- the loss and its gradients
def add_backward(b: Builder) -> None:
    """A weighted sum of some live tensors that require grad, then ``backward()`` or, for some programs,
    first- and second-order ``autograd.grad`` of the leaves."""
    outputs = [n for n in b.pool if b.t(n).requires_grad]
    if not outputs or not b.program.leaves:
        return
    chosen = b.draw(st.lists(st.sampled_from(outputs), min_size=1, max_size=3, unique=True))
    b.program.backward_from = len(b.program.lines)
    b.emit("loss = " + " + ".join(f"({n} * W({n})).sum()" for n in chosen))
    leaves = ", ".join(b.program.leaves)
    if not b.draw(st.sampled_from([False, False, True])):
        b.emit("loss.backward()")
        return
    b.program.grads.append("g")
    if not b.emit(f"g = lib.autograd.grad(loss, [{leaves}], create_graph=True, allow_unused=True)"):
        return
    differentiable = [i for i, g in enumerate(b.ns["g"]) if g is not None and g.requires_grad]
    if differentiable:
        b.program.grads.append("gg")
        # the cube of the leaves keeps loss2 differentiable when torch's graph reaches g where ours does not
        b.emit("loss2 = " + " + ".join([f"(g[{i}] * W(g[{i}])).sum()" for i in differentiable] +
                                       [f"({leaf} ** 3).sum()" for leaf in b.program.leaves]))
        b.emit(f"gg = lib.autograd.grad(loss2, [{leaves}], allow_unused=True)")


@st.composite
def programs(draw: Draw, torch: Any) -> Program:
    """A program of a few inputs, 3 to 8 ops and a backward pass, checked line by line on ``torch``."""
    b = Builder(draw, torch)
    base = tuple(draw(st.lists(st.sampled_from(SIDES), max_size=3)))
    for _ in range(draw(st.integers(1, 3))):
        add_input(b, base)
    for _ in range(draw(st.integers(3, 8))):
        draw(st.sampled_from(OPS))(b)
    add_backward(b)
    return b.program
