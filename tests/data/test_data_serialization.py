"""save / load: round trips of every supported type, atomic writes, and refusal of pickles and damaged files."""
import importlib
import io
import json
import os
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt
from microtensor import load, nn, save
from microtensor.nn.mlp import MLP

MARKER = []


def _ran(*args):
    """What a malicious pickle would call on load; the tests check it never runs."""
    MARKER.append(args)
    return 0


class Evil:
    def __reduce__(self):
        return (_ran, ("pwned",))


def roundtrip(obj, tmp_path):
    path = tmp_path / "obj.mt"
    save(obj, path)
    return load(path)


def assert_tensor_equal(a, b):
    assert type(a) is type(b) and a.dtype == b.dtype and tuple(a.shape) == tuple(b.shape)
    assert a.requires_grad == b.requires_grad and a.is_leaf
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize("dtype", [mt.float32, mt.float64, mt.float16, mt.int64, mt.int32, mt.int16, mt.int8,
                                   mt.uint8, mt.bool])
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 0, 3), (2, 3, 4)])
def test_tensor_dtype_and_shape_survive(dtype, shape, tmp_path):
    t = mt.tensor(np.random.default_rng(0).standard_normal(shape) * 5).to(dtype)
    assert_tensor_equal(roundtrip(t, tmp_path), t)


def test_requires_grad_parameter_and_views(tmp_path):
    leaf = mt.randn(3, 2, dtype=mt.float64, requires_grad=True)
    nonleaf = leaf * 2                                       # saved as a leaf with the flag, as torch does
    param = nn.Parameter(mt.randn(4))
    frozen = nn.Parameter(mt.randn(2), requires_grad=False)
    view = mt.arange(12.0).reshape(3, 4).T[1:]               # non-contiguous
    out = roundtrip([leaf, nonleaf, param, frozen, view], tmp_path)
    assert_tensor_equal(out[0], leaf)
    assert out[1].requires_grad and out[1].is_leaf and out[1].grad_fn is None
    np.testing.assert_array_equal(out[1].detach().numpy(), nonleaf.detach().numpy())
    assert_tensor_equal(out[2], param) and isinstance(out[2], nn.Parameter)
    assert_tensor_equal(out[3], frozen)
    assert_tensor_equal(out[4], view)


def test_python_values_and_containers(tmp_path):
    obj = {"int": 7, "big": 2**80, "float": 0.1, "nan": float("nan"), "inf": float("-inf"), "bool": True,
           "none": None, "str": "héllo\n", "list": [1, [2, (3, "x")]], "tuple": (1.5, None), "empty": {},
           "od": OrderedDict([("b", 1), ("a", 2)]), 3: "int key", 2.5: "float key", None: "none key",
           "array": np.arange(6, dtype=np.int16).reshape(2, 3), "scalar": np.float32(1.25)}
    out = roundtrip(obj, tmp_path)
    assert list(out) == list(obj)
    assert np.isnan(out.pop("nan")) and np.isnan(obj.pop("nan"))
    array, scalar = out.pop("array"), out.pop("scalar")
    assert array.dtype == np.int16 and array.shape == (2, 3) and array.tolist() == obj.pop("array").tolist()
    assert type(scalar) is np.float32 and scalar == obj.pop("scalar")
    assert out == obj
    assert type(out["od"]) is OrderedDict and list(out["od"]) == ["b", "a"] and type(out["tuple"]) is tuple


def test_shared_tensor_stays_shared(tmp_path):
    t = mt.randn(3)
    a, b = roundtrip({"a": t, "b": t}, tmp_path).values()
    assert a is b


def test_module_state_dict_roundtrip(tmp_path):
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 3))
    net(mt.randn(4, 1, 4, 4))                                # moves BatchNorm's running stats
    sd = roundtrip(net.state_dict(), tmp_path)
    assert type(sd) is OrderedDict and list(sd) == list(net.state_dict())
    for a, b in zip(net.state_dict().values(), sd.values()):
        assert_tensor_equal(b, a)
    assert sd["1.num_batches_tracked"].dtype == mt.int64
    fresh = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 3))
    fresh.load_state_dict(sd)
    x = mt.randn(2, 1, 4, 4)
    net.eval(), fresh.eval()
    np.testing.assert_array_equal(fresh(x).detach().numpy(), net(x).detach().numpy())


def test_optimizer_state_dict_roundtrip(tmp_path):
    """An optimizer state dict (PyTorch's layout: int keys, tensors, numbers, lists, None) survives."""
    state = {"state": {0: {"step": mt.tensor(3.0), "exp_avg": mt.randn(2, 3), "exp_avg_sq": mt.rand(2, 3)},
                       1: {"step": mt.tensor(3.0), "momentum_buffer": None}},
             "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0,
                               "amsgrad": False, "maximize": False, "foreach": None, "params": [0, 1]}]}
    out = roundtrip(state, tmp_path)
    assert out["param_groups"] == state["param_groups"]
    assert list(out["state"]) == [0, 1] and out["state"][1]["momentum_buffer"] is None
    for key in ("step", "exp_avg", "exp_avg_sq"):
        assert_tensor_equal(out["state"][0][key], state["state"][0][key])


def optimizer_class(module, name):
    """microtensor.optim's SGD / Adam once the optim package has them (skips until then)."""
    try:
        return getattr(importlib.import_module(f"microtensor.optim.{module}"), name)
    except (ImportError, AttributeError):
        pytest.skip(f"microtensor.optim.{module}.{name} does not exist yet")


@pytest.mark.parametrize("module, name, kwargs", [("sgd", "SGD", {"lr": 0.1, "momentum": 0.9}),
                                                  ("adam", "Adam", {"lr": 0.01})])
def test_checkpoint_resumes_training_exactly(module, name, kwargs, tmp_path):
    """Save a model and its optimizer after a step, load both into fresh ones: the next step is identical."""
    make_opt = optimizer_class(module, name)
    x = mt.randn(5, 3)

    def step(net, opt):
        opt.zero_grad()
        net(x).pow(2).sum().backward()
        opt.step()

    mt.manual_seed(0)
    net = MLP([3, 4, 2])
    opt = make_opt(net.parameters(), **kwargs)
    step(net, opt)
    path = tmp_path / "ckpt.mt"
    save({"model": net.state_dict(), "optimizer": opt.state_dict(), "epoch": 1}, path)
    ckpt = load(path)
    resumed = MLP([3, 4, 2])
    resumed.load_state_dict(ckpt["model"])
    resumed_opt = make_opt(resumed.parameters(), lr=0.5)
    resumed_opt.load_state_dict(ckpt["optimizer"])
    assert ckpt["epoch"] == 1 and resumed_opt.param_groups[0]["lr"] == kwargs["lr"]
    step(net, opt)
    step(resumed, resumed_opt)
    for a, b in zip(net.parameters(), resumed.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_file_objects_and_exact_name(tmp_path):
    buf = io.BytesIO()
    save({"x": mt.ones(2)}, buf)
    buf.seek(0)
    assert load(buf)["x"].tolist() == [1.0, 1.0]
    save(1, tmp_path / "model.pt")
    assert os.listdir(tmp_path) == ["model.pt"] and load(str(tmp_path / "model.pt")) == 1
    assert load(tmp_path / "model.pt", map_location="cpu", weights_only=True) == 1
    with pytest.raises(ValueError, match="load: map_location must be None or 'cpu', got 'cuda:0'"):
        load(tmp_path / "model.pt", map_location="cuda:0")


def test_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.mt"
    save({"v": 1}, path)

    def broken(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", broken)
    with pytest.raises(KeyboardInterrupt):
        save({"v": 2}, path)
    monkeypatch.undo()
    assert load(path) == {"v": 1} and os.listdir(tmp_path) == ["ckpt.mt"]


def test_unsupported_objects_are_refused_at_save(tmp_path):
    with pytest.raises(TypeError, match=r"save: cannot store the object\['f'\], a builtin_function"):
        save({"f": len}, tmp_path / "x")
    with pytest.raises(TypeError, match="dict key .* is a tuple"):
        save({(1, 2): 3}, tmp_path / "x")
    with pytest.raises(TypeError, match="NumPy array of dtype object"):
        save(np.array([None]), tmp_path / "x")
    assert os.listdir(tmp_path) == []


# ----------------------------------------------------------------------------- refusals
def test_pickle_file_is_refused_and_not_run(tmp_path):
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps(Evil()))
    with pytest.raises(ValueError, match="refused .* it is a pickle"):
        load(path)
    assert MARKER == []


def test_pickle_member_in_npz_is_refused_and_not_run(tmp_path):
    """A crafted archive: a valid structure that points at an object array whose pickle calls code."""
    path = tmp_path / "evil.mt"
    structure = json.dumps({"format": "microtensor", "version": 1, "root": {"t": "ndarray", "k": "a0"}})
    np.savez(path.open("wb"), a0=np.array([Evil()], dtype=object),
             __structure__=np.frombuffer(structure.encode(), np.uint8))
    with pytest.raises(ValueError, match="refused .* member 'a0' holds pickled Python objects"):
        load(path)
    assert MARKER == []


@pytest.mark.parametrize("structure, message", [
    ({"format": "microtensor", "version": 1, "root": {"t": "tensor", "k": "a9", "requires_grad": False}},
     "missing array 'a9'"),
    ({"format": "microtensor", "version": 1, "root": {"t": "exec", "v": "import os"}}, "unknown entry"),
    ({"format": "microtensor", "version": 1, "root": {"t": "tensor", "k": "a0", "requires_grad": "yes"}},
     "no valid requires_grad"),
    ({"format": "microtensor", "version": 1, "root": {"t": "dict", "v": [[{"t": "ndarray", "k": "a0"}, 1]]}},
     "key is not a plain"),
    ({"format": "microtensor", "version": 1, "root": 5}, r"members \['a0'\] are not part of the saved object"),
    ({"format": "other", "root": 1}, "does not describe a microtensor object"),
])
def test_tampered_structure_is_refused(tmp_path, structure, message):
    path = tmp_path / "bad.mt"
    np.savez(path.open("wb"), a0=np.zeros(2), __structure__=np.frombuffer(json.dumps(structure).encode(), np.uint8))
    with pytest.raises(ValueError, match=message):
        load(path)


def test_flipped_bytes_and_truncation_are_refused(tmp_path):
    path = tmp_path / "good.mt"
    save({"w": mt.arange(1000.0)}, path)
    raw = path.read_bytes()
    flipped = bytearray(raw)
    flipped[len(raw) // 3] ^= 0xFF                          # inside the tensor's data: a CRC mismatch
    (tmp_path / "flipped.mt").write_bytes(bytes(flipped))
    with pytest.raises(ValueError, match="flipped.mt' is truncated or corrupt"):
        load(tmp_path / "flipped.mt")
    for cut in (10, len(raw) // 2, len(raw) - 5):
        (tmp_path / "cut.mt").write_bytes(raw[:cut])
        with pytest.raises(ValueError, match="truncated|not a microtensor file"):
            load(tmp_path / "cut.mt")


def _npy(array):
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


@requires_torch
def test_torch_save_files_are_refused_and_not_run(tmp_path):
    for legacy in (False, True):
        path = tmp_path / "torch.pt"
        torch.save({"w": torch.zeros(2), "evil": Evil()}, path, _use_new_zipfile_serialization=not legacy)
        with pytest.raises(ValueError, match="it is a pickle|no __structure__ member; a torch.save file"):
            load(path)
    assert MARKER == []


def test_wrong_formats_are_refused(tmp_path):
    (tmp_path / "text.mt").write_text("hello world")
    with pytest.raises(ValueError, match="not a microtensor file"):
        load(tmp_path / "text.mt")
    np.save(tmp_path / "plain.npy", np.zeros(3))
    with pytest.raises(ValueError, match="single NumPy array"):
        load(tmp_path / "plain.npy")
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(ValueError, match="not a microtensor file \\(no __structure__ member"):
        load(tmp_path / "other.npz")
    with zipfile.ZipFile(tmp_path / "empty.zip", "w"):
        pass
    with zipfile.ZipFile(tmp_path / "bytes.mt", "w") as z:
        z.writestr("__structure__.npy", _npy(np.zeros(1, np.uint8)))
        z.writestr("code.py", "print('hi')")
    with pytest.raises(ValueError, match="member 'code.py' is not a NumPy array"):
        load(tmp_path / "bytes.mt")
    with pytest.raises(ValueError, match="not a microtensor file"):
        load(tmp_path / "empty.zip")
    (tmp_path / "empty.mt").write_bytes(b"")
    with pytest.raises(ValueError, match="empty.mt' is empty"):
        load(tmp_path / "empty.mt")
