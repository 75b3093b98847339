"""A captured step as Python source: straight-line calls on NumPy arrays, compiled once with ``exec``.

``Plan`` turns a finished ``Tracer``'s steps into the source of one function, ``replay(a0, a1, ...)``, whose
arguments are the call's tensors:

- its first lines are the guards (``Plan.guards``): the modules' ``training`` flags and each live tensor's
  shape, dtype and ``requires_grad`` as they were when traced; when one fails the replay raises
  ``GuardFailed`` before it has changed anything, and the caller traces again;
- then one line per step: an op's forward on arrays (``v3 = Mul.forward(mul_ctx, x0, v2)``), a backward
  recorded whole (``v7, v8 = backward_whole(AddmmBackward0, (v6,))``), a call such as the engine's sum of
  two gradients, or a method replayed whole (``sgd.step()``);
- the last returns the outputs, arrays wrapped as tensors.

The replay builds no graph and no Tensor but where a method replayed whole takes one; it runs with grad
mode off.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from microtensor.autograd.function import Function
from microtensor.autograd.grad_mode import GradMode
from microtensor.compiler.tracer import Step, Tracer
from microtensor.tensor import Tensor


@dataclass
class BackwardSplit:
    """A call whose caller runs backward itself: the recorded backward starts at step ``start``, takes the
    gradients of ``n_outputs`` returned tensors (``g0, ...``; their arrays' expressions are ``outputs``) and
    gives those of ``wrt``, whose source expressions are ``grads``."""

    start: int
    wrt: list[Tensor]
    grads: list[str]
    n_outputs: int
    outputs: list[str]


class CompiledBackward(Function):
    """The graph node of a replayed forward whose caller runs backward: its backward runs the recorded
    backward program on the gradients of the returned tensors."""

    on_arrays = True

    @staticmethod
    def forward(ctx: Function, backward: Callable[..., tuple], saved: tuple, outputs: tuple,
                *wrt: np.ndarray) -> tuple:
        ctx.program, ctx.values = backward, saved
        ctx.out_shapes = [(o.shape, o.dtype) for o in outputs]
        return outputs

    @staticmethod
    def backward(ctx: Function, *grads: Tensor | None) -> tuple:
        if GradMode.enabled:
            raise RuntimeError("microtensor.compile: the backward of a compiled function is not differentiable "
                               "(create_graph=True); call the function uncompiled for higher-order gradients")
        arrays = ctx.program(ctx.values, *[np.zeros(*meta) if g is None else g._data
                                           for g, meta in zip(grads, ctx.out_shapes)])
        return (None, None, None, *[None if a is None else Tensor._make(a) for a in arrays])


def attach(backward: Callable[..., tuple], saved: tuple, outputs: tuple, wrt: tuple) -> tuple:
    """The replayed outputs as tensors whose ``grad_fn`` runs ``backward`` (a ``CompiledBackward`` node with
    ``wrt``, the parameters and arguments, as inputs); recorded with grad mode on, whatever the replay's."""
    prev = GradMode.enabled, GradMode.grad
    GradMode.enabled = GradMode.grad = True
    try:
        results = CompiledBackward.apply(backward, saved, outputs, *wrt)
    finally:
        GradMode.enabled, GradMode.grad = prev
    return results if type(results) is tuple else (results,)


class GuardFailed(Exception):
    """A replay's guard did not hold: the call differs from the traced one in a way the plan depends on."""


def refill_saved(ctx: Any, out: Any) -> Any:
    """After a replayed forward, pack what it saved the way ``Function.apply`` would, for a backward replayed
    whole; returns ``out``."""
    ctx._saved = tuple([None if item is None else
                        ("const", item._data if isinstance(item, Tensor) else np.asarray(item))
                        for item in ctx._to_save])
    ctx._to_save = ()
    return out


def backward_whole(node: Any, grads: tuple, overwrite: bool = False) -> list:
    """Run ``node``'s backward on the gradient arrays ``grads``; its gradients as arrays (None where none).
    ``overwrite``: let it write into its one incoming gradient, as the engine did when it was traced."""
    if overwrite:
        results = node.backward(node, Tensor._make(grads[0]), overwrite_grad=True)
    else:
        results = node.backward(node, *[None if g is None else Tensor._make(g) for g in grads])
    if type(results) is not tuple:
        results = (results,)
    return [r._data if isinstance(r, Tensor) else r for r in results]


def ids(registry: dict) -> list[int]:
    """The identities of a module's parameters or buffers, for a guard."""
    return [id(v) for v in registry.values()]


def accumulator(leaf: Tensor) -> Any:
    """The AccumulateGrad node of a tensor argument of the replay."""
    from microtensor.autograd.function import accumulator as node_of
    return node_of(leaf)


class Plan:
    """The replayable program of one traced call.

    Args:
        tracer: the tracer that recorded the call.
        n_args: how many tensor arguments the call had (``a0`` ... in the source).
        returned: the source expression of the call's result.
        split: where the recorded backward starts when the caller runs backward itself (``BackwardSplit``):
            the forward then ends by attaching a ``CompiledBackward`` node that replays the rest.
    """

    def __init__(self, tracer: Tracer, n_args: int, returned: str, split: BackwardSplit | None = None) -> None:
        self.steps = tracer.steps
        self.guards = _guards(tracer)
        end = len(self.steps) if split is None else split.start
        last_use = _last_uses(self.steps)
        for word in _words(returned):
            last_use[word] = len(self.steps)
        # a forward whose backward is replayed whole fills a context: with the backward run later by the
        # caller, each call needs its own (two calls may be differentiated in either order)
        fresh = {} if split is None else {id(step.ctx): f"c{i}" for i, step in enumerate(self.steps[:end])
                                           if step.kind == Step.FORWARD and step.fills_saved}
        lines = [f"def replay({', '.join(f'a{i}' for i in range(n_args))}):"]
        if self.guards:
            lines.append(f"    if not ({' and '.join(self.guards)}):")
            lines.append("        raise GuardFailed")
        lines += [f"    x{i} = a{i}._data" for i in range(n_args)]
        for i, step in enumerate(self.steps[:end]):
            lines += ["    " + line for line in _source(step, i, last_use, tracer, fresh)]
        if split is not None:
            backward = [["    " + line for line in _source(step, end + i, last_use, tracer, fresh)]
                        for i, step in enumerate(self.steps[end:])]
            body = [line for step_lines in backward for line in step_lines]
            defined = set(fresh.values()) | {f"x{i}" for i in range(n_args)} | {
                o for step in self.steps[:end] for o in step.outs if o}
            saved = sorted({w for line in body + [", ".join(split.grads)] for w in _words(line)} & defined)
            packed = ", ".join(saved) + ("," if len(saved) == 1 else "")
            outputs = ", ".join(split.outputs) + ","
            wrt = ", ".join(tracer.output(t) for t in split.wrt) + ("," if split.wrt else "")
            lines.append(f"    attached = attach(backward_replay, ({packed}), ({outputs}), ({wrt}))")
        lines.append(f"    return {returned}")
        lines = _reuse_names(lines)
        if split is not None:
            backward_lines = [f"    {packed} = saved"] if saved else []
            backward_lines += body
            backward_lines.append(f"    return ({', '.join(split.grads)}{',' if len(split.grads) == 1 else ''})")
            lines += ["", f"def backward_replay(saved, {', '.join(f'g{i}' for i in range(split.n_outputs))}):"]
            lines += _reuse_names(backward_lines)
        self.code = "\n".join(lines) + "\n"
        self.namespace: dict[str, Any] = dict(tracer.globals)
        namespace = self.namespace
        namespace.update(np=np, Tensor=Tensor, refill_saved=refill_saved, backward_whole=backward_whole,
                         accumulator=accumulator, GuardFailed=GuardFailed, attach=attach, copy=copy, ids=ids)
        exec(compile(self.code, "<microtensor.compile replay>", "exec"), namespace)
        self.run: Callable[..., Any] = namespace["replay"]


_VALUE = re.compile(r"\bv\d+\b")
_ASSIGNMENT = re.compile(r"^(\s*)([\w, ]+?) = (.*)$")


def _reuse_names(lines: list[str]) -> list[str]:
    """Rename the values of one function so that a name is reused once its value is read no more: the
    replay then holds an array only as long as it is needed (as eager frees what nothing references), and
    a value never read is not kept at all (``_``)."""
    parsed = []
    for line in lines:
        match = _ASSIGNMENT.match(line)
        parsed.append((match.group(1), match.group(2), match.group(3)) if match else ("", None, line))
    names = _Names({name: i for i, (_, _, rhs) in enumerate(parsed) for name in _VALUE.findall(rhs)})
    renamed = []
    for i, (indent, lhs, rhs) in enumerate(parsed):
        read = _VALUE.sub(names.read, rhs)
        names.release(_VALUE.findall(rhs), i)
        renamed.append(read if lhs is None else f"{indent}{_VALUE.sub(names.write, lhs)} = {read}")
    return renamed


class _Names:
    """The renaming of ``_reuse_names``: ``last`` maps each value to the line that reads it last."""

    def __init__(self, last: dict[str, int]) -> None:
        self.last = last
        self.mapping: dict[str, str] = {}
        self.free: list[str] = []
        self.count = 0

    def read(self, match: re.Match[str]) -> str:
        return self.mapping.get(match.group(), match.group())

    def release(self, read: list[str], line: int) -> None:
        self.free += [self.mapping[name] for name in dict.fromkeys(read) if self.last[name] == line]

    def write(self, match: re.Match[str]) -> str:
        name = match.group()
        if name not in self.last:
            return "_"
        if self.free:
            self.mapping[name] = self.free.pop()
        else:
            self.mapping[name] = f"v{self.count}"
            self.count += 1
        return self.mapping[name]


def _guards(tracer: Tracer) -> list[str]:
    checks = []
    for module in tracer.modules.values():
        name = tracer.global_name(module, type(module).__name__.lower())
        checks.append(f"{name}.training is {module.training}")
        for registry in ("_parameters", "_buffers"):     # the same tensors, not others of the same shape
            held = getattr(module, registry, None)
            if held:
                checks.append(f"ids({name}.{registry}) == {[id(v) for v in held.values()]}")
    for t in tracer.live_tensors():
        name = tracer.global_name(t, "t")
        if name.startswith("a"):         # an argument: the call's signature already checked it
            continue
        checks.append(f"{name}._requires_grad is {t._requires_grad}")
        checks.append(f"{name}._data.shape == {tuple(t._data.shape)!r}")
        checks.append(f"{name}._data.dtype == {tracer.global_name(t._data.dtype, str(t._data.dtype))}")
    return checks


def _last_uses(steps: list[Step]) -> dict[str, int]:
    last: dict[str, int] = {}
    for i, step in enumerate(steps):
        for text in (*step.args, *step.kwargs.values()):
            for word in _words(text):
                last[word] = i
    return last


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


_WORD = re.compile(r"\w+")


def _call_args(step: Step) -> str:
    return ", ".join([*step.args, *(f"{k}={v}" for k, v in step.kwargs.items())])


def _targets(outs: list[str | None], tuple_out: bool) -> str:
    names = [o or "_" for o in outs]
    if tuple_out and len(names) == 1:
        return names[0] + ","
    return ", ".join(names)


def _source(step: Step, i: int, last_use: dict[str, int], tracer: Tracer, fresh: dict[int, str]) -> list[str]:
    if step.kind == Step.FORWARD:
        cls = tracer.global_name(step.target, step.target.__name__)
        ctx = tracer.global_name(step.ctx, step.target.__name__.lower() + "_ctx")
        first = []
        if id(step.ctx) in fresh:
            first = [f"{fresh[id(step.ctx)]} = copy.copy({ctx})"]
            ctx = fresh[id(step.ctx)]
        call = f"{cls}.forward({ctx}{', ' if step.args or step.kwargs else ''}{_call_args(step)})"
        if step.fills_saved:
            call = f"refill_saved({ctx}, {call})"
        if step.as_array:
            call = f"np.asarray({call})"
        if not any(step.outs):
            return first + [call]
        return first + [f"{_targets(step.outs, step.tuple_out)} = {call}"]
    if step.kind == Step.CALL:
        if step.target is setattr:        # t3.grad = None
            return [f"{step.args[0]}.{step.args[1][1:-1]} = {step.args[2]}"]
        fn = tracer.global_name(step.target, getattr(step.target, "__name__", "fn"))
        call = f"{fn}({_call_args(step)})"
        return [f"{step.outs[0]} = {call}"] if step.outs else [call]
    if step.kind == Step.BACKWARD:
        node = fresh.get(id(step.target)) or tracer.global_name(step.target, step.target.name())
        grads = ", ".join(step.args) + ("," if len(step.args) == 1 else "")
        overwrite = ", overwrite=True" if step.overwrite else ""
        return [f"{_targets(step.outs, True)} = backward_whole({node}, ({grads}){overwrite})"]
    call = f"{step.ctx}.{step.target.__name__}({_call_args(step)})"
    handed = step.hands_over
    if handed is not None and handed.startswith("v") and last_use.get(handed, -1) <= i \
            and step.args[0] == f"Tensor._make({handed})":
        # the gradient array is used no more: hand it over, so that .grad takes it without a copy as in eager
        # (AccumulateGrad.accumulate takes an array only when nothing else holds it)
        return [f"handed = [{handed}]; del {handed}",
                call.replace(f"Tensor._make({handed})", "Tensor._make(handed.pop())", 1)]
    return [call]
