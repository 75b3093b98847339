"""Module.load_state_dict is all or nothing: every entry is checked before any is copied, a failed load leaves
every parameter and buffer bit-identical, and the error lists every problem in PyTorch's format."""
from collections import OrderedDict

import numpy as np
import pytest
from helpers import assert_unchanged, requires_torch, snapshot, torch

import microtensor as mt
from microtensor import nn
from microtensor.tensor import Tensor


def net(lib=nn):
    """Linear, BatchNorm (running statistics and an int64 counter as buffers), Linear: the same in both libraries."""
    return lib.Sequential(OrderedDict(fc=lib.Linear(3, 4), bn=lib.BatchNorm1d(4), out=lib.Linear(4, 2)))


def shifted(model):
    """A state dict whose every value differs from the model's, so that a partial load would show."""
    return OrderedDict((k, v + 1) for k, v in model.state_dict().items())


# each breaks a shifted state dict in one way; the line it must put in the error
ALWAYS = {
    "shape in the last layer": (lambda sd: sd.__setitem__("out.weight", mt.zeros(2, 5)),
                                "size mismatch for out.weight: copying a param with shape microtensor.Size([2, 5]) "
                                "from checkpoint, the shape in current model is microtensor.Size([2, 4])."),
    "non-tensor value": (lambda sd: sd.__setitem__("out.bias", [0.0, 0.0]),
                         'While copying the parameter named "out.bias", expected microtensor.Tensor or Tensor-like '
                         "object from checkpoint but received <class 'list'>"),
    "complex value": (lambda sd: sd.__setitem__("out.bias", Tensor._make(np.ones(2, np.complex64))),
                      'While copying the parameter named "out.bias", the checkpoint holds a value microtensor '
                      "cannot store: can't convert an array of type numpy.complex64"),
}
STRICT_ONLY = {
    "missing key": (lambda sd: sd.pop("out.bias"), 'Missing key(s) in state_dict: "out.bias". '),
    "unexpected key": (lambda sd: sd.__setitem__("out.extra", mt.zeros(2)),
                       'Unexpected key(s) in state_dict: "out.extra". '),
}


@pytest.mark.parametrize("assign", [False, True])
@pytest.mark.parametrize("strict, case", [(True, c) for c in {**ALWAYS, **STRICT_ONLY}] + [(False, c) for c in ALWAYS])
def test_failed_load_changes_nothing(case, strict, assign):
    model = net()
    breaker, line = {**ALWAYS, **STRICT_ONLY}[case]
    sd = shifted(model)
    breaker(sd)
    before = snapshot(model)
    with pytest.raises(RuntimeError) as err:
        model.load_state_dict(sd, strict=strict, assign=assign)
    assert str(err.value).startswith("Error(s) in loading state_dict for Sequential:\n\t" + line)
    assert_unchanged(model, before)


def test_good_load_after_a_failed_one_copies_everything():
    model = net()
    sd = shifted(model)
    with pytest.raises(RuntimeError):
        model.load_state_dict({**sd, "out.weight": mt.zeros(1)})
    assert model.load_state_dict(sd) == ([], [])
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), sd[key].numpy(), err_msg=key)
    assert model.bn.num_batches_tracked.item() == 1


def test_non_strict_loads_the_rest_and_names_the_keys():
    model = net()
    sd = shifted(model)
    del sd["out.bias"]
    sd["out.extra"] = mt.zeros(2)
    result = model.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["out.bias"] and result.unexpected_keys == ["out.extra"]
    assert tuple(result) == (["out.bias"], ["out.extra"])
    np.testing.assert_array_equal(model.out.weight.detach().numpy(), sd["out.weight"].numpy())


def test_assign_of_a_value_that_cannot_be_a_parameter_changes_nothing():
    model = net()
    sd = shifted(model)
    sd["out.weight"] = mt.ones(2, 4, dtype=mt.int64)     # an int Parameter could not require grad
    before = snapshot(model)
    with pytest.raises(RuntimeError, match='While copying the parameter named "out.weight", whose dimensions in '
                                           "the model are .* an exception occurred : .*floating point"):
        model.load_state_dict(sd, assign=True)
    assert_unchanged(model, before)


def test_a_legacy_1d_scalar_loads_but_a_longer_vector_does_not():
    model = net()
    sd = shifted(model)
    sd["bn.num_batches_tracked"] = mt.tensor([5])
    model.load_state_dict(sd)
    assert model.bn.num_batches_tracked.shape == () and model.bn.num_batches_tracked.item() == 5
    sd["bn.num_batches_tracked"] = mt.tensor([5, 6])
    with pytest.raises(RuntimeError, match=r"size mismatch for bn.num_batches_tracked: copying a param with "
                                           r"shape microtensor.Size\(\[2\]\) from checkpoint, the shape in current "
                                           r"model is microtensor.Size\(\[\]\)"):
        model.load_state_dict(sd)


@requires_torch
def test_every_problem_is_listed_as_torch_lists_them():
    """Four problems at once: the same message as PyTorch's; PyTorch has copied the good entries by then,
    microtensor has not. A fifth (complex) only microtensor refuses, on a line of its own."""
    ours, theirs = net(), net(torch.nn)
    sd_ours, sd_theirs = shifted(ours), shifted(theirs)
    for sd, lib in ((sd_ours, mt), (sd_theirs, torch)):
        del sd["fc.bias"]
        sd["out.extra"] = lib.zeros(2)
        sd["out.weight"] = lib.zeros(2, 5)
        sd["bn.running_mean"] = [0.0] * 4
    before, fc_weight = snapshot(ours), theirs.fc.weight.detach().clone()
    with pytest.raises(RuntimeError) as ours_err:
        ours.load_state_dict(sd_ours)
    with pytest.raises(RuntimeError) as theirs_err:
        theirs.load_state_dict(sd_theirs)
    assert str(ours_err.value) == str(theirs_err.value).replace("torch.", "microtensor.")
    assert_unchanged(ours, before)
    assert not torch.equal(theirs.fc.weight, fc_weight)                  # PyTorch's load was partial
    sd_ours["fc.weight"] = Tensor._make(np.zeros((4, 3), np.complex128))
    with pytest.raises(RuntimeError) as err:
        ours.load_state_dict(sd_ours)
    lines = str(err.value).split("\n\t")
    assert len(lines) == 6 and lines[3].startswith('While copying the parameter named "fc.weight", the checkpoint '
                                                   "holds a value microtensor cannot store")
    assert_unchanged(ours, before)


@requires_torch
@pytest.mark.parametrize("key, make", [
    ("fc.weight", lambda lib: lib.ones(4, 3, dtype=lib.int64) * 3),     # int into float: cast
    ("fc.weight", lambda lib: lib.full((4, 3), 0.1, dtype=lib.float64)),  # float64 into float32: rounded
    ("fc.bias", lambda lib: lib.tensor([True, False, True, False])),   # bool into float: cast
    ("bn.num_batches_tracked", lambda lib: lib.tensor(7.0)),            # float into int64: cast
])
def test_dtypes_are_cast_as_torch_casts_them(key, make):
    ours, theirs = net(), net(torch.nn)
    sd_ours, sd_theirs = ours.state_dict(), theirs.state_dict()
    sd_ours[key], sd_theirs[key] = make(mt), make(torch)
    ours.load_state_dict(sd_ours)
    theirs.load_state_dict(sd_theirs)
    got, expected = ours.state_dict()[key], theirs.state_dict()[key]
    assert got.dtype.name == str(expected.dtype).replace("torch.", "")
    np.testing.assert_array_equal(got.numpy(), expected.numpy())
