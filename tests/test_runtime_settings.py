"""The process-wide settings PyTorch scripts make: threads (NumPy's BLAS threads, through threadpoolctl),
deterministic algorithms, print options; and the small top-level helpers finfo, iinfo, is_floating_point
and numel. Each checked against PyTorch when it is installed."""
import math
import subprocess
import sys

import numpy as np
import pytest
from helpers import requires_torch, torch
from threadpoolctl import threadpool_info

import microtensor as mt


# ----------------------------------------------------------------------------- threads
def _blas_threads():
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def test_set_num_threads_limits_numpys_blas():
    before = mt.get_num_threads()
    try:
        mt.set_num_threads(1)
        assert mt.get_num_threads() == 1 and set(_blas_threads()) <= {1}
        mt.set_num_threads(2)
        assert mt.get_num_threads() == max(_blas_threads(), default=1)
        a = np.random.default_rng(0).standard_normal((64, 64)).astype(np.float32)
        np.testing.assert_allclose((mt.tensor(a) @ mt.tensor(a)).numpy(), a @ a, rtol=1e-5)
    finally:
        mt.set_num_threads(before)
    assert mt.get_num_threads() == before


@pytest.mark.parametrize("bad, error, match", [(0, RuntimeError, "positive integer"), (-1, RuntimeError, "positive"),
                                               (1.5, RuntimeError, "expects an int, but got float"),
                                               (True, RuntimeError, "but got bool"), ("2", RuntimeError, "str")])
def test_set_num_threads_rejects_what_pytorch_rejects(bad, error, match):
    for setter in ("set_num_threads", "set_num_interop_threads"):
        with pytest.raises(error, match=match):
            getattr(mt, setter)(bad)
        if torch is not None:
            with pytest.raises(error):
                getattr(torch, setter)(bad)


def test_interop_threads_can_be_set_once_as_in_pytorch():
    script = ("import {lib} as L\nassert L.get_num_interop_threads() >= 1\nL.set_num_interop_threads(3)\n"
              "assert L.get_num_interop_threads() == 3\n"
              "try:\n    L.set_num_interop_threads(2)\nexcept RuntimeError as e:\n    print('raised', e)\n")
    libs = ["microtensor"] + (["torch"] if torch is not None else [])
    for lib in libs:
        out = subprocess.run([sys.executable, "-c", script.format(lib=lib)], capture_output=True, text=True,
                             check=True).stdout
        assert out.startswith("raised Error: cannot set number of interop threads"), (lib, out)


# ----------------------------------------------------------------------------- deterministic algorithms
def test_use_deterministic_algorithms_is_recorded_as_in_pytorch():
    libs = [mt] + ([torch] if torch is not None else [])
    for L in libs:
        try:
            assert not L.are_deterministic_algorithms_enabled()
            L.use_deterministic_algorithms(True)
            assert L.are_deterministic_algorithms_enabled()
            assert not L.is_deterministic_algorithms_warn_only_enabled()
            L.use_deterministic_algorithms(False, warn_only=True)
            assert not L.are_deterministic_algorithms_enabled()
            assert L.is_deterministic_algorithms_warn_only_enabled()
            with pytest.raises(TypeError, match="argument 'mode' .* must be bool, not int"):
                L.use_deterministic_algorithms(1)
        finally:
            L.use_deterministic_algorithms(False)


def test_results_do_not_change_under_deterministic_mode():
    x = mt.arange(12.0).reshape(3, 4)
    index = mt.tensor([0, 2, 0])
    before = mt.zeros(3, 4).index_add(0, index, x)
    mt.use_deterministic_algorithms(True)
    try:
        assert mt.equal(mt.zeros(3, 4).index_add(0, index, x), before)
    finally:
        mt.use_deterministic_algorithms(False)


# ----------------------------------------------------------------------------- print options
@pytest.fixture
def default_printoptions():
    yield
    mt.set_printoptions(profile="default")
    if torch is not None:
        torch.set_printoptions(profile="default")


VALUES = {
    "mixed": [1.12345, 3.0, -2.5],
    "integral": [1.0, 3.0],
    "wide_range": [1e-8, 3e9],
    "long": list(np.arange(30.0)),
    "matrix": np.arange(30.0).reshape(5, 6),
    "big": list(np.arange(1200.0)),
}
OPTIONS = {
    "precision_2": dict(precision=2),
    "precision_6": dict(precision=6),
    "sci_on": dict(sci_mode=True),
    "sci_off": dict(sci_mode=False, precision=2),
    "threshold_edgeitems": dict(threshold=5, edgeitems=2),
    "linewidth": dict(linewidth=30),
    "short": dict(profile="short"),
    "full": dict(profile="full"),
    "profile_then_override": dict(profile="short", precision=3),
}


@requires_torch
@pytest.mark.parametrize("values", VALUES)
@pytest.mark.parametrize("options", OPTIONS)
def test_set_printoptions_changes_repr_as_in_pytorch(options, values, default_printoptions):
    mt.set_printoptions(**OPTIONS[options])
    torch.set_printoptions(**OPTIONS[options])
    array = np.asarray(VALUES[values], np.float32)
    assert repr(mt.tensor(array)) == repr(torch.tensor(array))


def test_printoptions_examples(default_printoptions):
    mt.set_printoptions(precision=2)
    assert repr(mt.tensor([1.12345])) == "tensor([1.12])"
    mt.set_printoptions(threshold=5)
    assert repr(mt.arange(10)) == "tensor([0, 1, 2,  ..., 7, 8, 9])"
    mt.set_printoptions(profile="default")
    assert repr(mt.tensor([1.12345])) == "tensor([1.1235])"
    mt.set_printoptions(sci_mode=True)
    assert repr(mt.tensor([1.0, 3.0])) == "tensor([1.0000e+00, 3.0000e+00])"
    mt.set_printoptions(precision=3)          # every call that leaves sci_mode out sets it back to automatic
    assert repr(mt.tensor([1.0, 3.0])) == "tensor([1., 3.])"


# ----------------------------------------------------------------------------- finfo, iinfo
FLOATS = ["float16", "float32", "float64"]
INTS = ["uint8", "int8", "int16", "int32", "int64"]


@pytest.mark.parametrize("name", FLOATS)
def test_finfo(name):
    info = mt.finfo(getattr(mt, name))
    np_info = np.finfo(name)
    assert info.bits == np_info.bits and info.eps == float(np_info.eps) and info.max == float(np_info.max)
    assert info.min == -info.max and info.tiny == info.smallest_normal == float(np_info.smallest_normal)
    assert info.dtype == name and info == mt.finfo(getattr(mt, name))
    if torch is not None:
        theirs = torch.finfo(getattr(torch, name))
        for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
            assert getattr(info, attr) == getattr(theirs, attr), attr
        assert repr(info) == repr(theirs) and str(info) == str(theirs)


@pytest.mark.parametrize("name", INTS)
def test_iinfo(name):
    info = mt.iinfo(getattr(mt, name))
    assert (info.bits, info.min, info.max, info.dtype) == (np.iinfo(name).bits, int(np.iinfo(name).min),
                                                           int(np.iinfo(name).max), name)
    if torch is not None:
        theirs = torch.iinfo(getattr(torch, name))
        assert (info.bits, info.min, info.max, info.dtype) == (theirs.bits, theirs.min, theirs.max, theirs.dtype)
        assert repr(info) == repr(theirs)


def test_finfo_iinfo_defaults_and_python_types():
    assert mt.finfo().dtype == "float32" and mt.finfo(float).dtype == "float64" and mt.iinfo(int).dtype == "int64"
    assert mt.finfo(mt.ones(1).dtype).max == float(np.finfo(np.float32).max)
    assert math.isclose(mt.finfo(mt.float32).resolution, 1e-6)
    with pytest.raises(TypeError):
        hash(mt.finfo())


INFO_ERRORS = {
    "iinfo_bool": (lambda L: L.iinfo(L.bool), "bool is not supported"),
    "iinfo_float": (lambda L: L.iinfo(L.float32), "requires an integer input type"),
    "finfo_int": (lambda L: L.finfo(L.int32), "requires a floating point input type"),
    "finfo_bool": (lambda L: L.finfo(L.bool), "requires a floating point input type"),
    "finfo_str": (lambda L: L.finfo("float32"), "must be .*dtype, not str"),
}


@pytest.mark.parametrize("name", INFO_ERRORS)
def test_finfo_iinfo_errors(name):
    call, match = INFO_ERRORS[name]
    with pytest.raises(TypeError, match=match):
        call(mt)
    if torch is not None:
        with pytest.raises(TypeError):
            call(torch)


# ----------------------------------------------------------------------------- is_floating_point, numel, is_tensor
def test_top_level_tensor_predicates():
    for L in [mt] + ([torch] if torch is not None else []):
        x = L.ones(2, 3)
        assert L.is_floating_point(x) and not L.is_floating_point(x.long()) and L.is_floating_point(input=x)
        assert L.numel(x) == 6 and L.numel(input=x[:0]) == 0 and L.numel(L.tensor(1.0)) == 1
        assert L.is_tensor(x) and not L.is_tensor([1.0])
        for fn in (L.is_floating_point, L.numel):
            with pytest.raises(TypeError, match="argument 'input' .* must be Tensor, not list"):
                fn([1.0])
