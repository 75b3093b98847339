"""register_post_accumulate_grad_hook, dim_order, is_set_to, apply_/map_/map2_, as_subclass, the real-tensor
answers (is_conj, resolve_conj, is_distributed, get_device) and the process-wide switches, against PyTorch."""
import warnings

import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt


# ----------------------------------------------------------------------------- post-accumulate-grad hooks
def _optimizer_in_backward(T):
    """The pattern the hook exists for: each parameter steps as soon as its gradient is accumulated."""
    T.manual_seed(0)
    w = T.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
    b = T.tensor([0.1, -0.2], requires_grad=True)
    calls = []

    def step(p):
        calls.append(p.grad.clone())
        with T.no_grad():
            p.add_(p.grad, alpha=-0.1)
        p.grad = None

    handles = [p.register_post_accumulate_grad_hook(step) for p in (w, b)]
    x = T.tensor([[1.0, 2.0], [3.0, -1.0]])
    for _ in range(3):
        ((x @ w + b) ** 2).sum().backward()
    handles[0].remove()
    ((x @ w + b) ** 2).sum().backward()
    return w, b, calls


def test_post_accumulate_hook_steps_each_parameter():
    w, b, calls = _optimizer_in_backward(mt)
    assert len(calls) == 7 and w.grad is not None and b.grad is None
    if torch is not None:
        tw, tb, tcalls = _optimizer_in_backward(torch)
        np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(b.detach().numpy(), tb.detach().numpy(), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-5, atol=1e-5)
        for ours, theirs in zip(calls, tcalls):
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-5)


def test_post_accumulate_hook_sees_the_accumulated_grad_and_not_autograd_grad():
    x = mt.ones(2, requires_grad=True)
    seen = []
    x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    mt.autograd.grad((x * 3).sum(), x)
    assert seen == [[3.0, 3.0], [6.0, 6.0]]


@pytest.mark.parametrize("make", [lambda T: T.ones(2), lambda T: T.ones(2, requires_grad=True) * 2],
                         ids=["no_grad", "non_leaf"])
def test_post_accumulate_hook_errors(make):
    with pytest.raises(RuntimeError) as ours:
        make(mt).register_post_accumulate_grad_hook(print)
    if torch is not None:
        with pytest.raises(RuntimeError) as theirs:
            make(torch).register_post_accumulate_grad_hook(print)
        assert str(ours.value) == str(theirs.value)


# ----------------------------------------------------------------------------- dim_order, is_set_to
LAYOUTS = {
    "contiguous": lambda T: T.ones(2, 3, 4, 5),
    "channels_last": lambda T: T.ones(2, 3, 4, 5).permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2),
    "transposed": lambda T: T.ones(2, 3).t(),
    "permuted": lambda T: T.ones(2, 3, 4).permute(2, 0, 1),
    "size_one": lambda T: T.ones(2, 1, 3),
    "expanded": lambda T: T.ones(3, 1).expand(3, 4),
    "sliced": lambda T: T.ones(4, 6)[:, ::2],
    "0d": lambda T: T.tensor(1.0),
}


@requires_torch
@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_dim_order_matches_torch(name):
    assert LAYOUTS[name](mt).dim_order() == LAYOUTS[name](torch).dim_order()


@requires_torch
@pytest.mark.parametrize("check", [True, "formats"])
@pytest.mark.parametrize("name", ["size_one", "contiguous", "channels_last", "transposed"])
def test_dim_order_ambiguity_check_matches_torch(name, check):
    def run(T):
        formats = [T.contiguous_format, T.channels_last] if check == "formats" else True
        try:
            return LAYOUTS[name](T).dim_order(ambiguity_check=formats)
        except RuntimeError as e:
            return str(e)
    assert run(mt) == run(torch)


IS_SET_TO = {
    "itself": lambda T, a: a.is_set_to(a),
    "full_slice": lambda T, a: a[:].is_set_to(a),
    "reshaped": lambda T, a: a.view(2, 3).is_set_to(a),
    "clone": lambda T, a: a.is_set_to(a.clone()),
    "offset": lambda T, a: a[1:].is_set_to(a[1:]),
    "detached": lambda T, a: a.detach().is_set_to(a),
}


@requires_torch
@pytest.mark.parametrize("name", sorted(IS_SET_TO))
def test_is_set_to_matches_torch(name):
    assert IS_SET_TO[name](mt, mt.arange(6.0)) == IS_SET_TO[name](torch, torch.arange(6.0))


# ----------------------------------------------------------------------------- Python callables
CALLABLES = {
    "apply_": lambda T: T.ones(3).apply_(lambda v: v * 2 + 1),
    "apply_int_truncates": lambda T: T.arange(3).apply_(lambda v: v * 2.5),
    "apply_on_view": lambda T: (lambda x: (x[1:].apply_(lambda v: -v), x)[1])(T.arange(4.0)),
    "map_": lambda T: T.arange(3.0).map_(T.ones(3) * 2, lambda a, b: a * b),
    "map_broadcast": lambda T: T.arange(6.0).reshape(2, 3).map_(T.tensor([1.0, 2, 3]), lambda a, b: a - b),
    "map2_": lambda T: T.arange(3.0).map2_(T.ones(3) * 2, T.ones(1), lambda a, b, c: a * b + c),
}


@requires_torch
@pytest.mark.parametrize("name", sorted(CALLABLES))
def test_callables_match_torch(name):
    ours, theirs = CALLABLES[name](mt), CALLABLES[name](torch)
    assert ours.tolist() == theirs.tolist() and ours.dtype.name == str(theirs.dtype)[6:]


CALLABLE_ERRORS = {
    "apply_requires_grad": (lambda T: T.ones(3, requires_grad=True).apply_(lambda v: v), RuntimeError),
    "map_dtype": (lambda T: T.arange(3.0).map_(T.ones(3, dtype=T.float64), lambda a, b: a), TypeError),
    "map2_dtype": (lambda T: T.arange(3.0).map2_(T.ones(3), T.ones(3, dtype=T.int64), lambda a, b, c: a), TypeError),
}


@pytest.mark.parametrize("name", sorted(CALLABLE_ERRORS))
def test_callable_errors(name):
    fn, kind = CALLABLE_ERRORS[name]
    with pytest.raises(kind):
        fn(mt)
    if torch is not None:
        with pytest.raises(kind):
            fn(torch)


def test_apply_bumps_the_version():
    x = mt.ones(3)
    before = x._version
    x.apply_(abs)
    assert x._version == before + 1


# ----------------------------------------------------------------------------- as_subclass
def _subclassed(T):
    class Marked(T.Tensor):
        pass
    x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * 2).as_subclass(Marked)
    (y * y).sum().backward()
    return Marked, y, x.grad


def test_as_subclass_aliases_and_keeps_the_graph():
    marked, y, grad = _subclassed(mt)
    assert type(y) is marked and y.grad_fn is not None and grad.tolist() == [8.0, 16.0, 24.0]
    base = mt.zeros(3)
    alias = base.as_subclass(marked)
    base.add_(1)
    assert alias.tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(TypeError, match="does not inherit from Tensor"):
        base.as_subclass(int)
    if torch is not None:
        assert _subclassed(torch)[2].tolist() == grad.tolist()


# ----------------------------------------------------------------------------- real CPU tensors, switches
def test_real_tensor_answers():
    x = mt.ones(2)
    assert mt.is_conj(x) is False and x.is_conj() is False
    assert mt.resolve_conj(x) is x and x.resolve_conj() is x
    assert mt.is_distributed(x) is False and x.is_distributed() is False
    assert mt.get_device(x) == -1
    assert mt.GradScaler is mt.amp.GradScaler
    assert mt.set_flush_denormal(True) is False and mt.set_flush_denormal(False) is False


def test_deterministic_debug_mode_round_trips():
    try:
        for mode, expected in (("warn", 1), ("error", 2), ("default", 0), (2, 2), (1, 1), (0, 0)):
            mt.set_deterministic_debug_mode(mode)
            assert mt.get_deterministic_debug_mode() == expected
            assert mt.are_deterministic_algorithms_enabled() == (expected != 0)
            assert mt.is_deterministic_algorithms_warn_only_enabled() == (expected == 1)
        for bad in ("x", 3):
            with pytest.raises(RuntimeError, match="invalid value of debug_mode"):
                mt.set_deterministic_debug_mode(bad)
    finally:
        mt.set_deterministic_debug_mode(0)


def test_anomaly_and_inference_mode_switches():
    try:
        mt.set_anomaly_enabled(True)
        assert mt.is_anomaly_enabled() and mt.autograd.is_anomaly_enabled()
        mt.set_anomaly_enabled(False, True)
        assert not mt.is_anomaly_enabled()
    finally:
        mt.set_anomaly_enabled(False)
    assert not mt.is_inference_mode_enabled()
    with mt.inference_mode():
        assert mt.is_inference_mode_enabled()


def test_set_default_tensor_type_warns_and_sets_the_dtype():
    try:
        with pytest.warns(UserWarning, match="set_default_tensor_type\\(\\) is deprecated"):
            mt.set_default_tensor_type(mt.DoubleTensor)
        assert mt.get_default_dtype() == mt.float64 and mt.tensor([1.0]).dtype == mt.float64
        with pytest.warns(UserWarning):
            mt.set_default_tensor_type("torch.FloatTensor")
        assert mt.get_default_dtype() == mt.float32
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(TypeError, match="only floating-point types"):
                mt.set_default_tensor_type("torch.LongTensor")
            with pytest.raises(TypeError, match="only floating-point types"):
                mt.set_default_tensor_type(mt.float64)
    finally:
        mt.set_default_dtype(mt.float32)
