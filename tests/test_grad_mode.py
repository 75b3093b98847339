"""Grad mode: no_grad / enable_grad / set_grad_enabled / inference_mode as context managers and decorators."""
import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt

SWITCHES = {                                   # name -> (make the switch, grad mode inside)
    "no_grad": (lambda lib: lib.no_grad(), False),
    "enable_grad": (lambda lib: lib.enable_grad(), True),
    "set_grad_enabled_false": (lambda lib: lib.set_grad_enabled(False), False),
    "set_grad_enabled_true": (lambda lib: lib.set_grad_enabled(True), True),
    "inference_mode": (lambda lib: lib.inference_mode(), False),
}


def records(lib=mt) -> bool:
    """Whether an op on a tensor that requires grad is recorded right now."""
    return (lib.ones(1, requires_grad=True) * 2).requires_grad


@pytest.fixture(autouse=True)
def grad_mode_is_restored():
    yield
    assert mt.is_grad_enabled() and records()
    assert not mt.autograd.is_inference_mode_enabled()


@pytest.mark.parametrize("name", SWITCHES)
@pytest.mark.parametrize("outer", [True, False])
def test_context_manager(name, outer):
    make, inside = SWITCHES[name]
    with mt.set_grad_enabled(outer):
        with make(mt):
            assert mt.is_grad_enabled() == inside
            assert records() == inside
        assert mt.is_grad_enabled() == outer and records() == outer


@pytest.mark.parametrize("name", SWITCHES)
def test_decorator(name):
    make, inside = SWITCHES[name]

    @make(mt)
    def f(a, b=1):
        """Docstring kept."""
        return mt.is_grad_enabled(), records(), a + b

    assert mt.is_grad_enabled()               # decorating (even set_grad_enabled) changes nothing
    assert f(1, b=2) == (inside, inside, 3)
    assert f.__doc__ == "Docstring kept." and f.__name__ == "f"
    with mt.set_grad_enabled(not inside):
        assert f(0)[:2] == (inside, inside)
        assert mt.is_grad_enabled() == (not inside)


@pytest.mark.parametrize("name", SWITCHES)
def test_state_restored_on_exceptions(name):
    make, inside = SWITCHES[name]
    for outer in (True, False):
        mt.set_grad_enabled(outer)
        with pytest.raises(ValueError, match="boom"):
            with make(mt):
                raise ValueError("boom")
        assert mt.is_grad_enabled() == outer

        @make(mt)
        def fail():
            raise KeyError("inside")

        with pytest.raises(KeyError):
            fail()
        assert mt.is_grad_enabled() == outer
    mt.set_grad_enabled(True)


def test_nesting():
    with mt.no_grad():
        with mt.enable_grad():
            assert records()
            with mt.no_grad():
                assert not records()
                with mt.set_grad_enabled(True):
                    assert records()
                assert not records()
            assert records()
        assert not records()
    assert records()


def test_decorator_on_a_recursive_function_and_reuse():
    ctx = mt.no_grad()

    @ctx
    def depth(n):
        assert not mt.is_grad_enabled()
        return 0 if n == 0 else 1 + depth(n - 1)

    assert depth(5) == 5
    with ctx:
        with ctx.clone():
            assert not mt.is_grad_enabled()
        assert not mt.is_grad_enabled()
    assert mt.is_grad_enabled()


def test_decorator_on_a_generator_function():
    @mt.no_grad()
    def gen():
        got = yield mt.is_grad_enabled()
        yield got, mt.is_grad_enabled()
        return "done"

    it = gen()
    assert next(it) is False
    assert mt.is_grad_enabled()               # grad mode is back between steps
    assert it.send("x") == ("x", False)
    with pytest.raises(StopIteration) as stop:
        next(it)
    assert stop.value.value == "done"


def test_set_grad_enabled_as_a_plain_call():
    mt.set_grad_enabled(False)
    assert not mt.is_grad_enabled() and not records()
    mt.set_grad_enabled(True)
    assert mt.is_grad_enabled() and records()


def test_inference_mode_overrides_enable_grad():
    with mt.inference_mode():
        assert mt.autograd.is_inference_mode_enabled()
        with mt.enable_grad():
            assert mt.is_grad_enabled()       # as PyTorch reports it ...
            assert not records()              # ... but nothing is recorded inside inference mode
    with mt.inference_mode(False):
        assert records() and not mt.autograd.is_inference_mode_enabled()
    with mt.no_grad(), mt.inference_mode(False):
        assert not records()


def test_no_grad_results_are_leaves_and_backward_still_works_after():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    with mt.no_grad():
        y = x * 2
    assert y.grad_fn is None and y.is_leaf and not y.requires_grad
    z = (x * y).sum()
    z.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])


def test_enable_grad_inside_no_grad_builds_a_graph():
    x = mt.tensor([3.0], requires_grad=True)
    with mt.no_grad():
        with mt.enable_grad():
            y = x * x
        y.backward()                           # backward itself works under no_grad
    assert x.grad.item() == 6.0


def test_is_grad_enabled_inside_backward_hooks():
    x = mt.tensor([1.0], requires_grad=True)
    seen = []
    h = x * 2
    h.register_hook(lambda g: seen.append(mt.is_grad_enabled()))
    h.sum().backward()
    h = x * 2
    h.register_hook(lambda g: seen.append(mt.is_grad_enabled()))
    h.sum().backward(create_graph=True)
    assert seen == [False, True]


@requires_torch
@pytest.mark.parametrize("name", SWITCHES)
def test_matches_torch(name):
    make, _ = SWITCHES[name]
    for lib in (mt, torch):
        with lib.no_grad():
            with make(lib):
                assert (lib.is_grad_enabled(), records(lib)) == (SWITCHES[name][1], SWITCHES[name][1])
    with torch.inference_mode(), torch.enable_grad():
        theirs = (torch.is_grad_enabled(), records(torch))
    with mt.inference_mode(), mt.enable_grad():
        assert (mt.is_grad_enabled(), records()) == theirs
