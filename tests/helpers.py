"""Shared test helpers: the PyTorch oracle and the finite-difference checks of every op table."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import microtensor as mt
from microtensor.autograd import gradcheck, gradgradcheck

try:
    import torch
except ImportError:  # the oracle is optional
    torch = None

requires_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def mt_inputs(arrays: tuple, requires_grad: bool = True) -> list:
    """float64 microtensor leaves made from NumPy arrays (non-float arrays never require grad)."""
    return [mt.tensor(a, requires_grad=requires_grad and np.asarray(a).dtype.kind == "f") for a in arrays]


def check_gradients(fn: Callable, *arrays: np.ndarray, second_order: bool = True, **tol: Any) -> None:
    """gradcheck (and gradgradcheck) of ``fn`` at float64 copies of ``arrays``."""
    inputs = mt_inputs(tuple(np.asarray(a, dtype=np.float64) if np.asarray(a).dtype.kind == "f" else a
                             for a in arrays))
    assert gradcheck(fn, tuple(inputs), **tol)
    if second_order:
        assert gradgradcheck(fn, tuple(inputs), **tol)


def compare_with_torch(fn: Callable, *arrays: np.ndarray, torch_fn: Callable | None = None, rtol: float = 1e-5,
                       atol: float = 1e-6, check_grad: bool = True) -> None:
    """Run ``fn`` on microtensor and on torch tensors made from the same arrays; compare values, shapes,
    dtypes and the gradients of ``out.sum()`` (weighted by a fixed random array, so every element counts)."""
    torch_fn = torch_fn or fn
    ours = [mt.tensor(a, requires_grad=check_grad and np.asarray(a).dtype.kind == "f") for a in arrays]
    theirs = [torch.tensor(np.asarray(a), requires_grad=check_grad and np.asarray(a).dtype.kind == "f")
              for a in arrays]
    out, expected = fn(*ours), torch_fn(*theirs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    exps = expected if isinstance(expected, (tuple, list)) else (expected,)
    assert len(outs) == len(exps)
    for o, e in zip(outs, exps):
        e_np = e.detach().numpy()
        assert tuple(o.shape) == tuple(e_np.shape), (o.shape, e_np.shape)
        assert o.dtype.name == str(e.dtype).replace("torch.", ""), (o.dtype, e.dtype)
        np.testing.assert_allclose(o.detach().numpy(), e_np, rtol=rtol, atol=atol)
    if not check_grad:
        return
    rng = np.random.default_rng(1234)
    ours_loss, theirs_loss = 0, 0
    for o, e in zip(outs, exps):
        if o.requires_grad and e.requires_grad:
            w = rng.standard_normal(tuple(o.shape))
            ours_loss = ours_loss + (o * mt.tensor(w, dtype=o.dtype)).sum()
            theirs_loss = theirs_loss + (e * torch.tensor(w, dtype=e.dtype)).sum()
    if isinstance(ours_loss, int):
        return
    ours_loss.backward()
    theirs_loss.backward()
    for a, b in zip(ours, theirs):
        if b.requires_grad and b.grad is not None:
            assert a.grad is not None
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=atol)


def snapshot(module: Any) -> dict:
    """Every parameter and buffer of ``module`` by name: the object, its version, dtype and bytes."""
    return {k: (v, v._version, v.dtype, v.detach().numpy().tobytes())
            for k, v in module.state_dict(keep_vars=True).items()}


def assert_unchanged(module: Any, before: dict) -> None:
    """Nothing in ``module`` was replaced, written or cast since ``before = snapshot(module)``."""
    after = snapshot(module)
    assert list(after) == list(before)
    for key, (tensor, *state) in before.items():
        assert after[key][0] is tensor and list(after[key][1:]) == state, key


def copy_torch_weights(ours: Any, theirs: Any) -> None:
    """Load a torch module's state dict into the microtensor module built like it."""
    ours.load_state_dict({k: mt.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})


def compare_modules_with_torch(ours: Any, theirs: Any, arrays: dict, call: Callable, rtol: float = 1e-4,
                               atol: float = 1e-5) -> None:
    """Copy torch's weights into ours, run ``call(module, tensors, lib)`` (a tuple of outputs, None allowed) on
    both with tensors made from ``arrays`` (float ones require grad), compare the outputs, then the gradients of
    a weighted sum of them with respect to every float input and every parameter."""
    copy_torch_weights(ours, theirs)
    ours.zero_grad()
    theirs.zero_grad()
    mine = {k: mt.tensor(a, requires_grad=a.dtype.kind == "f") for k, a in arrays.items()}
    theirs_in = {k: torch.tensor(a, requires_grad=a.dtype.kind == "f") for k, a in arrays.items()}
    outs, exps = call(ours, mine, mt), call(theirs, theirs_in, torch)
    rng = np.random.default_rng(99)
    loss_m, loss_t = 0, 0
    assert len(outs) == len(exps)
    for o, e in zip(outs, exps):
        assert (o is None) == (e is None)
        if o is None:
            continue
        assert tuple(o.shape) == tuple(e.shape)
        np.testing.assert_allclose(o.detach().numpy(), e.detach().numpy(), rtol=rtol, atol=atol)
        w = rng.standard_normal(tuple(o.shape))
        loss_m = loss_m + (o * mt.tensor(w, dtype=o.dtype)).sum()
        loss_t = loss_t + (e * torch.tensor(w, dtype=e.dtype)).sum()
    loss_m.backward()
    loss_t.backward()
    for k, t in theirs_in.items():
        if t.grad is not None:     # (torch drops a mask given with the is_causal hint, so it gets no gradient)
            np.testing.assert_allclose(mine[k].grad.numpy(), t.grad.numpy(), rtol=rtol, atol=atol, err_msg=k)
    params = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(params)
    for n, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), params[n].grad.numpy(), rtol=rtol, atol=atol, err_msg=n)


# ----------------------------------------------------------------------------- hypothesis strategies
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes  # noqa: E402,F401

# shapes with 0-d and size-1 dims (min_dims=0 gives the 0-d shape ())
shapes = array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
broadcast_pairs = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4)
broadcast_triples = mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3)
seeds = st.integers(0, 2**32 - 1)


def rand(seed: int, *shapes_: tuple, low: float | None = None) -> list[np.ndarray]:
    """float64 standard-normal arrays of the given shapes (0-d arrays for ()), or uniform above ``low``."""
    rng = np.random.default_rng(seed)
    if low is None:
        return [np.asarray(rng.standard_normal(s)) for s in shapes_]
    return [np.asarray(rng.uniform(low, low + 2.0, s)) for s in shapes_]


def broadcastable_to(draw: Callable, target: tuple[int, ...]) -> tuple[int, ...]:
    """A shape that broadcasts to ``target`` without changing it: some leading dims dropped, some set to 1
    (``draw`` is a hypothesis composite's draw)."""
    lead = draw(st.integers(0, len(target)))
    return tuple(1 if draw(st.booleans()) else n for n in target[lead:])


def run_threads(*fns: Callable[[], Any], barrier: threading.Barrier | None = None) -> list:
    """Run each function in its own thread and return their results; the first exception is raised
    here (and breaks ``barrier``, so that no other thread waits for the failed one forever)."""
    results: list = [None] * len(fns)
    errors: list = []

    def run(i: int) -> None:
        try:
            results[i] = fns[i]()
        except BaseException as error:  # noqa: BLE001 - re-raised in the calling thread
            errors.append(error)
            if barrier is not None:
                barrier.abort()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(fns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def matrix_op_inputs(makers: tuple, seed: int, batch: tuple, n: int) -> list[np.ndarray]:
    """The inputs of a row of a linalg op table: one array per maker ``make(rng, batch, n)`` (a batch of
    n-sized matrices or vectors), all drawn from one generator seeded ``seed``."""
    rng = np.random.default_rng(seed)
    return [make(rng, batch, n) for make in makers]


def raises_starting_with(call: Callable[[], Any], message: str, error: type[BaseException] = RuntimeError) -> None:
    """``call()`` raises ``error`` whose message starts with ``message`` (PyTorch's wording, shapes after it)."""
    with pytest.raises(error) as info:
        call()
    assert str(info.value).startswith(message), str(info.value)

