"""The backward engine: iterative order, accumulation, retain_graph, hooks, retain_grad, autograd.grad and
autograd.backward, anomaly detection, version counters, bad input; against PyTorch where observable."""
import gc
import platform
import sys
import tracemalloc
import weakref

import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt
from microtensor.autograd import Function, memory

FREED = "Trying to backward through the graph a second time"
LEAF_IN_PLACE = "a leaf Variable that requires grad is being used in an in-place operation."


def leaf(*values: float, dtype=mt.float64) -> mt.Tensor:
    return mt.tensor(list(values), dtype=dtype, requires_grad=True)


class Step(Function):
    """out = x (the same array, no copy), saving x: the cheapest op that saves a tensor, to link long chains."""
    on_arrays = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x

    @staticmethod
    def backward(ctx, grad):
        ctx.saved_tensors  # raises once the graph is freed
        return grad


# ----------------------------------------------------------------------------- 1. iterative order, freeing
@pytest.mark.slow
def test_million_node_chain_is_iterative_and_frees_saved_tensors():
    limit = sys.getrecursionlimit()
    x = leaf(1.0, 2.0)
    y = x
    gc.disable()  # the chain has no cycles to collect; repeated full passes over it would only cost time
    try:
        for i in range(1_000_000):
            y = Step.apply(y)
            if i == 500_000:
                middle_tensor, middle_node = weakref.ref(y), weakref.ref(y.grad_fn)
        assert middle_tensor() is not None     # held only by the next node's saved tensors
        y.sum().backward()
        assert sys.getrecursionlimit() == limit
        np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])
        assert middle_tensor() is None         # saved tensors are released by backward itself
        assert middle_node() is not None       # the nodes live on while the output holds them
        with pytest.raises(RuntimeError, match=FREED):
            y.sum().backward()
        del y
        assert middle_node() is None           # freed by reference counting alone: the graph has no cycles
    finally:
        gc.enable()


def test_graph_memory_returns_after_del_without_gc():
    x = mt.tensor(np.ones(256), dtype=mt.float64, requires_grad=True)
    gc.disable()
    try:
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        y = x
        for _ in range(2000):
            y = (y * 0.5 + x).exp().log()
        node = weakref.ref(y.grad_fn)
        built = tracemalloc.get_traced_memory()[0]
        y.sum().backward(retain_graph=True)
        del y
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
    finally:
        gc.enable()
    assert node() is None
    assert built - base > 8_000_000        # the 4000 saved arrays of 2 KB were really held
    # all of it is back without a gc pass: the graph holds no reference cycles (what remains is
    # x.grad and CPython's free lists of small tuples)
    assert after - base < 1_000_000


def test_a_long_backward_hands_freed_memory_back_to_the_system(monkeypatch):
    trims = []
    monkeypatch.setattr(memory, "TRIM_AFTER_NODES", 50)
    monkeypatch.setattr(memory, "return_freed_memory", lambda: trims.append(1))
    x = leaf(1.0, 2.0)

    def chain(n: int) -> mt.Tensor:
        y = x
        for _ in range(n):
            y = Step.apply(y)
        return y.sum()

    chain(10).backward()
    assert trims == []                          # short graphs: no call
    chain(60).backward(retain_graph=True)
    assert trims == []                          # nothing was freed
    chain(60).backward()
    assert trims == [1]


def test_return_freed_memory_reports_whether_there_is_glibc():
    assert memory.return_freed_memory() is (sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc")


def test_retain_graph_keeps_saved_tensors_until_the_last_backward():
    x = leaf(1.0, 2.0)
    y = Step.apply(Step.apply(x))
    middle = weakref.ref(y.grad_fn._saved[0][1])
    y.sum().backward(retain_graph=True)
    assert middle() is not None
    y.sum().backward()
    assert middle() is None
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_wide_diamond_graph_counts_every_path():
    x = leaf(0.5)
    layer = [x * (i + 1) for i in range(200)]
    for _ in range(50):  # every node feeds two consumers: 2**50 paths, so no path enumeration
        layer = [a + b for a, b in zip(layer, layer[1:] + layer[:1])]
    total = layer[0]
    total.backward()
    # layer[0] = sum_j C(50, j) * (j + 1) * x = (2**50 + 50 * 2**49) * x
    assert x.grad.item() == pytest.approx(26 * 2.0 ** 50, rel=1e-12)


# ----------------------------------------------------------------------------- 2. accumulation, aliasing
def test_grad_accumulates_across_backward_calls_and_uses():
    x = leaf(1.0, 2.0)
    (x * x + x).sum().backward()           # x used three times
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 5.0])
    first = x.grad
    (3 * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 8.0])
    assert x.grad is first                 # accumulated in place, as PyTorch does
    x.grad = None
    (3 * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_grads_are_never_aliased():
    x, y = leaf(1.0, 2.0), leaf(3.0, 4.0)
    g = mt.tensor([1.0, 1.0], dtype=mt.float64)
    (x + y).backward(g)                    # AddBackward hands the same tensor to both inputs
    assert x.grad is not y.grad and x.grad is not g
    assert not np.shares_memory(x.grad.numpy(), y.grad.numpy())
    assert not np.shares_memory(x.grad.numpy(), g.numpy())
    g.numpy()[:] = 7.0
    x.grad.numpy()[:] = 5.0
    np.testing.assert_array_equal(y.grad.numpy(), [1.0, 1.0])
    (x + y).backward(g)
    np.testing.assert_array_equal(x.grad.numpy(), [12.0, 12.0])
    np.testing.assert_array_equal(y.grad.numpy(), [8.0, 8.0])


def test_grad_is_not_aliased_with_a_gradient_a_hook_kept():
    x = leaf(1.0, 2.0)
    kept = []
    x.register_hook(kept.append)
    (x * 2).sum().backward()
    assert not np.shares_memory(x.grad.numpy(), kept[0].numpy())
    (x * 2).sum().backward()               # in-place accumulation must not reach the kept tensor
    np.testing.assert_array_equal(kept[0].numpy(), [2.0, 2.0])
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 4.0])


def test_leaf_as_root_gets_a_copy_of_the_gradient():
    x = leaf(1.0, 2.0)
    g = mt.tensor([3.0, 4.0], dtype=mt.float64)
    x.backward(g)
    assert not np.shares_memory(x.grad.numpy(), g.numpy())
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 4.0])


def test_create_graph_grads_are_not_aliased():
    x, y = leaf(1.0, 2.0), leaf(3.0, 4.0)
    (x + y).backward(mt.ones(2, dtype=mt.float64), create_graph=True)
    assert x.grad is not y.grad and not np.shares_memory(x.grad.numpy(), y.grad.numpy())


def test_grad_dtype_follows_the_leaf():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    (x.double() * 3).sum().backward()
    assert x.grad.dtype == mt.float32
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


# ----------------------------------------------------------------------------- 3. retain_graph
def test_second_backward_through_freed_graph_raises():
    x = leaf(1.0, 2.0)
    z = (x * x).sum()
    z.backward()
    with pytest.raises(RuntimeError, match=FREED):
        z.backward()
    with pytest.raises(RuntimeError, match=FREED):
        mt.autograd.grad(z, x)


def test_retain_graph_allows_a_second_backward_that_accumulates():
    x = leaf(1.0, 2.0)
    z = (x * x).sum()
    z.backward(retain_graph=True)
    z.backward(retain_graph=True)
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 8.0])
    z.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 12.0])
    with pytest.raises(RuntimeError, match=FREED):
        z.backward()


def test_graph_without_saved_tensors_can_be_reused():
    x = leaf(1.0, 2.0)
    z = (x + 1).sum()                      # add and sum save nothing: PyTorch allows this too
    z.backward()
    z.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_shared_subgraph_freed_by_first_backward():
    x = leaf(1.0, 2.0)
    h = x * x
    h.sum().backward()
    with pytest.raises(RuntimeError, match=FREED):
        (h * 2).sum().backward()


# ----------------------------------------------------------------------------- 5. tensor autograd API
def test_detach_shares_memory_and_version_without_grad():
    x = leaf(1.0, 2.0)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert np.shares_memory(d.numpy(), y.detach().numpy())
    d.numpy()[0] = 10.0
    assert y.detach().numpy()[0] == 10.0
    with mt.no_grad():
        d.add_(1.0)
    assert y._version == d._version == 1


def test_detach_in_place():
    x = leaf(1.0, 2.0)
    y = x * 2
    assert y.detach_() is y
    assert y.is_leaf and y.grad_fn is None and not y.requires_grad


def test_requires_grad_rules():
    t = mt.tensor([1.0, 2.0])
    assert t.requires_grad_() is t and t.requires_grad and t.is_leaf
    t.requires_grad_(False)
    assert not t.requires_grad
    y = leaf(1.0) * 2
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables"):
        y.requires_grad_(False)
    y.requires_grad_(True)                 # allowed on a non-leaf, as in PyTorch
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require gradients"):
        mt.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require gradients"):
        mt.tensor([1, 2]).requires_grad = True


def test_is_leaf_grad_fn_name_and_next_functions():
    x, w = leaf(1.0, 2.0), leaf(3.0, 4.0)
    c = mt.tensor([1.0, 1.0], dtype=mt.float64)
    assert x.is_leaf and c.is_leaf and x.grad_fn is None
    m = x * w
    z = m + c
    assert not z.is_leaf and z.grad_fn.name() == "AddBackward0"
    (mul_node, mul_nr), (none_node, none_nr) = z.grad_fn.next_functions
    assert mul_node is m.grad_fn and mul_node.name() == "MulBackward0" and mul_nr == 0
    assert none_node is None and none_nr == 0
    acc_x, acc_w = (node for node, _ in mul_node.next_functions)
    assert acc_x.name() == "torch::autograd::AccumulateGrad"
    assert acc_x.variable is x and acc_w.variable is w
    assert (x * 2).grad_fn.next_functions[0][0] is acc_x   # one AccumulateGrad per leaf


def test_retain_grad_keeps_non_leaf_grads():
    x = leaf(1.0, 2.0)
    h = x * 3
    h.retain_grad()
    h.retain_grad()                        # twice is the same as once
    assert h.retains_grad and not x.retains_grad
    other = x * 4
    (h * h + other).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), [6.0, 12.0])
    assert other.grad is None
    x.retain_grad()                        # a no-op on a leaf
    np.testing.assert_allclose(x.grad.numpy(), [22.0, 40.0])
    with pytest.raises(RuntimeError, match="can't retain_grad on Tensor that has requires_grad=False"):
        mt.ones(2).retain_grad()


def test_retain_grad_accumulates_and_is_not_aliased():
    x = leaf(1.0, 2.0)
    h = x * 1
    h.retain_grad()
    a, b = h + 0, h * 1
    (a + b).sum().backward(retain_graph=True)
    np.testing.assert_allclose(h.grad.numpy(), [2.0, 2.0])
    assert not np.shares_memory(h.grad.numpy(), x.grad.numpy())
    (a + b).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), [4.0, 4.0])


def test_hooks_on_leaves_and_non_leaves():
    x = leaf(1.0, 2.0)
    seen = []
    handle = x.register_hook(lambda g: g * 10)
    h = x * 2
    h.register_hook(lambda g: seen.append(g.numpy().copy()))
    h.register_hook(lambda g: g + 1)       # replaces the gradient flowing on
    h.sum().backward()
    np.testing.assert_allclose(seen[0], [1.0, 1.0])
    np.testing.assert_allclose(x.grad.numpy(), [40.0, 40.0])   # (1 + 1) * 2 * 10
    handle.remove()
    handle.remove()                        # removing twice is harmless
    x.grad = None
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])
    with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't require gradient"):
        mt.ones(2).register_hook(lambda g: g)


def test_hooks_run_in_autograd_grad_too():
    x = leaf(1.0, 2.0)
    x.register_hook(lambda g: g * 2)
    h = x * 3
    h.register_hook(lambda g: g + 1)
    gx, = mt.autograd.grad(h.sum(), x)
    np.testing.assert_allclose(gx.numpy(), [12.0, 12.0])
    assert x.grad is None


@requires_torch
def test_hooks_and_retain_grad_match_torch():
    def run(lib):
        x = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        w = lib.tensor([1.5, 2.0, -0.5], dtype=lib.float64, requires_grad=True)
        h = x * w
        h.retain_grad()
        h.register_hook(lambda g: g * 3)
        x.register_hook(lambda g: g - 1)
        u = h.exp() * x
        u.retain_grad()
        loss = (u * u).sum() + (h * w).sum()
        gw, = lib.autograd.grad((h * h).sum(), w, retain_graph=True)
        loss.backward()
        return [t.detach().numpy() for t in (x.grad, w.grad, h.grad, u.grad, gw)]

    for ours, theirs in zip(run(mt), run(torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


# ----------------------------------------------------------------------------- 6. autograd.grad / backward
def test_autograd_grad_options():
    x, y = leaf(1.0, 2.0), leaf(3.0, 4.0)
    unused = leaf(0.0)
    z = x * y
    gx, gy = mt.autograd.grad(z, (x, y), grad_outputs=mt.tensor([1.0, 10.0], dtype=mt.float64),
                              retain_graph=True)
    np.testing.assert_allclose(gx.numpy(), [3.0, 40.0])
    np.testing.assert_allclose(gy.numpy(), [1.0, 20.0])
    assert x.grad is None and y.grad is None
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph. Set allow_unused=True"):
        mt.autograd.grad(z.sum(), [x, unused], retain_graph=True)
    gx, gu = mt.autograd.grad(z.sum(), [x, unused], allow_unused=True, retain_graph=True)
    assert gu is None
    gx, gu = mt.autograd.grad(z.sum(), [x, unused], materialize_grads=True)
    np.testing.assert_array_equal(gu.numpy(), [0.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        mt.autograd.grad((x * 2).sum(), mt.ones(2))
    with pytest.raises(RuntimeError, match="grad requires non-empty inputs"):
        mt.autograd.grad((x * 2).sum(), [])


def test_autograd_grad_non_leaf_inputs_do_not_run_what_lies_beyond():
    x = leaf(1.0, 2.0)
    h = x * x
    out = (h * 3).sum()
    gh, = mt.autograd.grad(out, h)
    np.testing.assert_allclose(gh.numpy(), [3.0, 3.0])
    assert x.grad is None
    gx, = mt.autograd.grad((h * 1).sum(), x)   # MulBackward of h did not run above: its buffers remain
    np.testing.assert_allclose(gx.numpy(), [2.0, 4.0])
    out2 = h.sum()
    gh2, = mt.autograd.grad(out2, h)           # the input is the output's own input
    np.testing.assert_allclose(gh2.numpy(), [1.0, 1.0])


def test_autograd_grad_create_graph_gives_differentiable_gradients():
    x = leaf(1.0, 2.0)
    gx, = mt.autograd.grad((x ** 3).sum(), x, create_graph=True)
    assert gx.requires_grad and gx.grad_fn is not None
    ggx, = mt.autograd.grad(gx.sum(), x)
    np.testing.assert_allclose(ggx.numpy(), [6.0, 12.0])
    gx2, = mt.autograd.grad((x ** 3).sum(), x)
    assert not gx2.requires_grad


def test_autograd_backward_several_tensors_and_inputs():
    x, y = leaf(1.0, 2.0), leaf(3.0, 4.0)
    a, b = x * y, (x + y).sum()
    mt.autograd.backward([a, b], [mt.tensor([1.0, 2.0], dtype=mt.float64), None])
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 9.0])
    np.testing.assert_allclose(y.grad.numpy(), [2.0, 5.0])
    x.grad = y.grad = None
    z = (x * y).sum()
    z.backward(inputs=[y])
    assert x.grad is None
    np.testing.assert_allclose(y.grad.numpy(), [1.0, 2.0])
    h = x * 2
    (h * h).sum().backward(inputs=[h])     # a non-leaf input gets .grad, the leaf behind it nothing
    np.testing.assert_allclose(h.grad.numpy(), [4.0, 8.0])
    assert x.grad is None
    with pytest.raises(RuntimeError, match="`inputs` argument to `backward\\(\\)` cannot be empty"):
        (x * 2).sum().backward(inputs=[])
    with pytest.raises(RuntimeError, match="got 2 tensors and 1 gradients"):
        mt.autograd.backward([x * 2, x * 3], [mt.ones(2, dtype=mt.float64)])


def test_root_that_feeds_another_root():
    x = leaf(2.0)
    a = x * 3
    b = a * a
    mt.autograd.backward([a, b])
    assert x.grad.item() == pytest.approx(3 + 2 * 6 * 3)


@requires_torch
def test_grad_and_backward_match_torch():
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in ((3,), (2, 3), (2,))]

    def run(lib):
        x, w, b = (lib.tensor(a, requires_grad=True) for a in arrays)
        h = (w * x).sum(1) + b
        out = (h.exp() / (1 + h * h)).sum()
        gw, gh = lib.autograd.grad(out, (w, h), create_graph=True)
        second = lib.autograd.grad((gw * gw).sum(), x, retain_graph=True)[0]
        lib.autograd.backward([out, (gh ** 2).sum()], inputs=[x, b])
        return [t.detach().numpy() for t in (gw, gh, second, x.grad, b.grad)], w.grad

    ours, our_wgrad = run(mt)
    theirs, their_wgrad = run(torch)
    assert our_wgrad is None and their_wgrad is None
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10)


# ----------------------------------------------------------------------------- 10. anomaly detection
def test_detect_anomaly_names_the_op_and_its_forward_line():
    assert not mt.autograd.is_anomaly_enabled()
    w = leaf(0.0, 1.0)
    with mt.autograd.set_detect_anomaly(True):
        assert mt.autograd.is_anomaly_enabled()
        with np.errstate(all="ignore"):
            bad = (w.log() * 0).sum()      # the forward line the report must show
        with pytest.warns(UserWarning, match="Error detected in LogBackward0"), \
                pytest.raises(RuntimeError, match="Function 'LogBackward0' returned nan values in its 0th output") \
                as info:
            with np.errstate(all="ignore"):
                bad.backward()
    assert "bad = (w.log() * 0).sum()" in str(info.value)
    assert not mt.autograd.is_anomaly_enabled()
    with np.errstate(all="ignore"):
        (w.sqrt() * 0).sum().backward()     # off by default: NaN passes silently, as in PyTorch
    assert np.isnan(w.grad.numpy()[0])


def test_detect_anomaly_as_a_call_and_on_division():
    mt.autograd.set_detect_anomaly(True)
    try:
        x = leaf(0.0)
        with np.errstate(all="ignore"):
            y = x / x
            with pytest.warns(UserWarning), pytest.raises(RuntimeError, match="DivBackward0"):
                y.backward()
    finally:
        mt.autograd.set_detect_anomaly(False)
    assert not mt.autograd.is_anomaly_enabled()
    with mt.autograd.detect_anomaly():
        assert mt.autograd.is_anomaly_enabled()


def test_detect_anomaly_reports_the_forward_of_a_failing_backward():
    x = leaf(1.0, 2.0)
    with mt.autograd.detect_anomaly():
        a = x * 1
        b = a * a
        with mt.no_grad():
            a.add_(1.0)
        with pytest.warns(UserWarning, match="Error detected in MulBackward0"), \
                pytest.raises(RuntimeError, match="modified by an inplace operation"):
            b.sum().backward()


# ----------------------------------------------------------------------------- 11. in-place and versions
def test_in_place_change_of_a_saved_tensor_raises_at_backward():
    x = leaf(1.0, 2.0)
    a = x * 1
    b = a * a
    a.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*is at version 1; expected version 0"):
        b.sum().backward()
    y = leaf(1.0, 2.0).exp()               # an op that saves its output
    z = y.exp()
    y.add_(1.0)
    with pytest.raises(RuntimeError, match="output 0 of ExpBackward0"):
        z.sum().backward()


def test_in_place_on_an_unsaved_tensor_is_fine():
    x = leaf(1.0, 2.0)
    a = x * 1
    b = a + 1                              # add saves nothing
    a.mul_(2)
    b.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])   # b was built from a's old history


def test_in_place_on_a_leaf_that_requires_grad():
    x = leaf(1.0, 2.0)
    with pytest.raises(RuntimeError, match=LEAF_IN_PLACE):
        x.add_(1.0)
    with pytest.raises(RuntimeError, match=LEAF_IN_PLACE):
        x *= 2
    with mt.no_grad():
        x.add_(1.0)                        # allowed under no_grad (the optimizer's case)
    np.testing.assert_array_equal(x.detach().numpy(), [2.0, 3.0])
    assert x.is_leaf and x.requires_grad


# ----------------------------------------------------------------------------- 13. bad input
def test_bad_backward_input():
    x = leaf(1.0, 2.0)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad and does not have a grad_fn"):
        mt.tensor([1.0]).sum().backward()
    with pytest.raises(RuntimeError, match="element 1 of tensors does not require grad"):
        mt.autograd.backward([x.sum(), mt.ones(1).sum()])
    with pytest.raises(RuntimeError, match=r"Mismatch in shape: grad_output\[0\] has a shape of \[3\] and "
                                           r"output\[0\] has a shape of \[2\]"):
        (x * 2).backward(mt.ones(3))
    with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that requires grad. "
                                           "Use tensor.detach\\(\\).numpy\\(\\) instead."):
        x.numpy()
    with pytest.raises(RuntimeError, match="Can't call numpy"):
        np.asarray(x * 2)


def test_a_backward_returning_a_wrong_shape_is_named():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad.sum()

    with pytest.raises(RuntimeError, match="Function BadBackward returned an invalid gradient - got \\[\\] "
                                           "but expected shape compatible with \\[2\\]"):
        Bad.apply(leaf(1.0, 2.0)).sum().backward()


@requires_torch
def test_error_texts_match_torch():
    def message(lib, fn):
        with pytest.raises(RuntimeError) as info:
            fn(lib)
        return str(info.value)

    cases = [
        lambda lib: (lib.ones(2, requires_grad=True) * 2).backward(),
        lambda lib: lib.ones(1).sum().backward(),
        lambda lib: lib.ones(2, requires_grad=True).add_(1),
    ]
    for case in cases:
        assert message(mt, case).startswith(message(torch, case).split(":")[0].split(".")[0])
    for lib in (mt, torch):
        z = (lib.ones(2, requires_grad=True) * lib.ones(2, requires_grad=True)).sum()
        z.backward()
        assert message(lib, lambda _: z.backward()).startswith(FREED)


NEXT_FUNCTIONS = {
    "sum_dim": lambda lib, x: x.sum(0),
    "reshape": lambda lib, x: x.reshape(3, 2),
    "mul_scalar": lambda lib, x: x * 2.0,
    "cat": lambda lib, x: lib.cat([x, x * 2], 1),
    "softmax": lambda lib, x: x.softmax(1),
}


@requires_torch
@pytest.mark.parametrize("name", NEXT_FUNCTIONS)
def test_next_functions_list_tensor_inputs_like_torch(name):
    def shape(lib):
        x = lib.ones(2, 3, requires_grad=True)
        return [None if f is None else type(f).__name__ == "AccumulateGrad" or f.name().endswith("AccumulateGrad")
                for f, _ in NEXT_FUNCTIONS[name](lib, x).grad_fn.next_functions]
    assert shape(mt) == shape(torch)
