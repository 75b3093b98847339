"""Whole-model checkpoints: save / load of modules, optimizers and LR schedulers (alone or inside dicts) without
pickle, the safe-globals allowlist for a script's own classes, weights_only, and old state-dict files."""
import json
import pickle
import sys
from collections import Counter, OrderedDict, defaultdict

import numpy as np
import pytest

import microtensor as mt
from microtensor import load, nn, optim, save
from microtensor.optim import lr_scheduler
from microtensor.serialization import add_safe_globals, clear_safe_globals, get_safe_globals, safe_globals


class Net(nn.Module):
    """A script's own model: refused by default, loaded once allowed."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.head = nn.Linear(4, 2)
        self.scale = 0.5
        self.register_buffer("offset", mt.ones(2))

    def forward(self, x):
        return self.head(mt.relu(self.fc(x))) * self.scale + self.offset


class Options(dict):
    """A dict subclass: its items are not in its __dict__, so save refuses it rather than lose them."""


class Finalized(nn.Module):
    """A module whose __del__ would run on whatever state a file gave it: never rebuilt unless allowed."""

    def __del__(self):
        pass


@pytest.fixture(autouse=True)
def empty_allowlist():
    clear_safe_globals()
    yield
    clear_safe_globals()


def roundtrip(obj, tmp_path, **kwargs):
    path = tmp_path / "ckpt.pt"
    save(obj, path)
    return load(path, **kwargs)


def crafted(path, root, arrays=(), version=2):
    """A file holding ``root`` as its structure; version 1 is what microtensor wrote before whole modules could
    be saved."""
    structure = json.dumps({"format": "microtensor", "version": version, "root": root}).encode()
    np.savez(path.open("wb"), **dict(arrays), __structure__=np.frombuffer(structure, np.uint8))


def mlp():
    return nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 2))


def cnn():
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(16, 3))


class LSTMModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(10, 4)
        self.lstm = nn.LSTM(4, 5, num_layers=2, batch_first=True)
        self.out = nn.Linear(5, 10)

    def forward(self, x):
        return self.out(self.lstm(self.embed(x))[0])


def transformer():
    return nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True), 2)


MODELS = {  # name -> (model, input, whether it is a script's own class)
    "mlp": (mlp, lambda: mt.randn(5, 3), False),
    "cnn": (cnn, lambda: mt.randn(2, 1, 4, 4), False),
    "lstm": (LSTMModel, lambda: mt.randint(0, 10, (2, 6)), True),
    "transformer": (transformer, lambda: mt.randn(2, 5, 8), False),
    "mlp_class": (lambda: nn.MLP([3, 5, 2]), lambda: mt.randn(4, 3), False),
}


def train_step(model, opt, x):
    opt.zero_grad()
    model(x).float().pow(2).mean().backward()
    opt.step()


def numpy_state(model):
    return {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


@pytest.mark.parametrize("name", MODELS)
def test_whole_model_and_optimizer_round_trip_and_keep_training(name, tmp_path):
    make, make_input, own_class = MODELS[name]
    mt.manual_seed(0)
    model, x = make(), make_input()
    opt = optim.Adam(model.parameters(), lr=0.01)
    train_step(model, opt, x)
    with safe_globals([LSTMModel] if own_class else []):
        ckpt = roundtrip({"model": model, "opt": opt, "epoch": 3}, tmp_path)
    loaded, loaded_opt = ckpt["model"], ckpt["opt"]
    assert type(loaded) is type(model) and type(loaded_opt) is optim.Adam and ckpt["epoch"] == 3
    assert [type(m) for m in loaded.modules()] == [type(m) for m in model.modules()]
    assert repr(loaded) == repr(model)
    loaded_params = list(loaded.parameters())
    assert [p for g in loaded_opt.param_groups for p in g["params"]] == loaded_params      # the loaded ones
    assert all(p is q for p, q in zip(loaded_opt.state, loaded_params))
    model.eval(), loaded.eval()
    np.testing.assert_array_equal(loaded(x).detach().numpy(), model(x).detach().numpy())
    model.train(), loaded.train()
    mt.manual_seed(1)
    train_step(model, opt, x)
    mt.manual_seed(1)
    train_step(loaded, loaded_opt, x)
    for (key, a), b in zip(numpy_state(model).items(), numpy_state(loaded).values()):
        np.testing.assert_array_equal(b, a, err_msg=key)


def test_loaded_model_is_independent_of_the_saved_one(tmp_path):
    model = mlp()
    loaded = roundtrip(model, tmp_path)
    with mt.no_grad():
        model[0].weight.add_(1.0)
    assert not np.array_equal(loaded[0].weight.detach().numpy(), model[0].weight.detach().numpy())
    assert loaded[0].weight.requires_grad and loaded[0].weight.is_leaf and isinstance(loaded[0].weight, nn.Parameter)


def test_shared_and_tied_modules_and_parameters_stay_shared(tmp_path):
    shared = nn.Linear(4, 4)
    model = nn.Sequential(shared, nn.Tanh(), shared)
    embed, out = nn.Embedding(6, 4), nn.Linear(4, 6)
    out.weight = embed.weight
    loaded, (e, o) = roundtrip([model, (embed, out)], tmp_path)
    assert loaded[0] is loaded[2] and len(list(loaded.parameters())) == 2
    assert o.weight is e.weight


def test_nested_dicts_with_modules_optimizer_state_and_tensors(tmp_path):
    model = cnn()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    train_step(model, opt, mt.randn(2, 1, 4, 4))
    ckpt = {"model": model, "optimizer": opt.state_dict(), "epoch": 3,
            "history": {"loss": [1.5, 0.5], "best": (mt.tensor(0.25), OrderedDict(a=nn.ReLU()))},
            "meta": {"dtype": mt.float64, "device": mt.device("cpu"), "shape": mt.Size([2, 3]),
                     "tags": {"cnn", "bn"}, "frozen": frozenset({1}), "counts": Counter(a=2),
                     "slots": defaultdict(list, b=[1])}}
    out = roundtrip(ckpt, tmp_path)
    assert out["epoch"] == 3 and out["history"]["loss"] == [1.5, 0.5]
    assert out["history"]["best"][0].item() == 0.25 and type(out["history"]["best"][1]["a"]) is nn.ReLU
    assert out["meta"]["dtype"] is mt.float64 and out["meta"]["device"] == mt.device("cpu")
    assert type(out["meta"]["shape"]) is mt.Size and out["meta"]["shape"] == (2, 3)
    assert out["meta"]["tags"] == {"cnn", "bn"} and type(out["meta"]["frozen"]) is frozenset
    assert type(out["meta"]["counts"]) is Counter and out["meta"]["counts"]["a"] == 2
    assert out["meta"]["slots"].default_factory is list and out["meta"]["slots"]["new"] == []
    fresh = optim.SGD(out["model"].parameters(), lr=0.5)
    fresh.load_state_dict(out["optimizer"])
    assert fresh.param_groups[0]["lr"] == 0.1


def test_lr_scheduler_and_its_optimizer(tmp_path):
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=1.0)
    sched = lr_scheduler.MultiStepLR(opt, milestones=[1, 3], gamma=0.5)
    for _ in range(2):
        opt.step()
        sched.step()
    out = roundtrip({"opt": opt, "sched": sched}, tmp_path)
    assert out["sched"].optimizer is out["opt"] and out["sched"].get_last_lr() == [0.5]
    for _ in range(2):
        sched.step()
        out["sched"].step()
    assert out["opt"].param_groups[0]["lr"] == opt.param_groups[0]["lr"] == 0.25


def test_activation_functions_are_saved_by_reference(tmp_path):
    layer = nn.TransformerEncoderLayer(8, 2, 16, activation="gelu")
    loaded = roundtrip(layer, tmp_path)
    assert loaded.activation is layer.activation is nn.functional.gelu


# ----------------------------------------------------------------------------- a script's own classes
def test_own_module_class_is_refused_by_default_with_pytorchs_message(tmp_path):
    save(Net(), tmp_path / "net.pt")
    name = f"{Net.__module__}.Net"
    with pytest.raises(pickle.UnpicklingError) as err:
        load(tmp_path / "net.pt")
    assert isinstance(err.value, ValueError)
    assert (f"Unsupported global: GLOBAL {name} was not an allowed global by default. Please use "
            f"`microtensor.serialization.add_safe_globals([{name}])` or the "
            f"`microtensor.serialization.safe_globals([{name}])` context manager to allowlist this global if you "
            "trust this class/function.") in str(err.value)
    with pytest.raises(ValueError, match="Unsupported global"):
        load(tmp_path / "net.pt", weights_only=True)


def test_own_module_class_loads_once_allowed(tmp_path):
    net = Net()
    x = mt.randn(2, 3)
    save(net, tmp_path / "net.pt")
    with safe_globals([Net]):
        assert get_safe_globals() == [Net]
        loaded = load(tmp_path / "net.pt")
    assert get_safe_globals() == []
    assert type(loaded) is Net and loaded.scale == 0.5 and list(loaded.state_dict()) == list(net.state_dict())
    np.testing.assert_array_equal(loaded(x).detach().numpy(), net(x).detach().numpy())
    add_safe_globals([Net])
    assert type(load(tmp_path / "net.pt")) is Net
    clear_safe_globals()
    add_safe_globals([(Net, "old_project.models.Net")])                  # a class saved under another path
    with pytest.raises(ValueError, match="Unsupported global"):
        load(tmp_path / "net.pt")
    structure = (tmp_path / "net.pt").read_bytes()
    assert b'"module": "old_project.models", "name": "Net"' not in structure


def test_allowlist_keeps_pytorchs_forms():
    add_safe_globals([Net, (Finalized, "pkg.Finalized")])
    add_safe_globals([Net])
    assert get_safe_globals() == [Net, (Finalized, "pkg.Finalized")]
    with safe_globals([LSTMModel]):
        assert get_safe_globals() == [Net, (Finalized, "pkg.Finalized"), LSTMModel]
    assert get_safe_globals() == [Net, (Finalized, "pkg.Finalized")]
    for bad in ([1], ["Net"], [(Net, 1)]):
        with pytest.raises(TypeError, match="add_safe_globals: expected a class or function"):
            add_safe_globals(bad)


def test_weights_only_false_trusts_imported_module_classes(tmp_path):
    save({"net": Net(), "fin": Finalized()}, tmp_path / "net.pt")
    with pytest.raises(ValueError, match=f"GLOBAL {Finalized.__module__}.Finalized was not an allowed"):
        load(tmp_path / "net.pt", weights_only=False)                # its __del__ would run on the file's state
    with safe_globals([Finalized]):
        out = load(tmp_path / "net.pt", weights_only=False)
    assert type(out["net"]) is Net and type(out["fin"]) is Finalized


def test_weights_only_false_never_imports_a_module(tmp_path):
    """Importing ``antigravity`` opens a web browser: naming it must not import it."""
    assert "antigravity" not in sys.modules
    crafted(tmp_path / "far.pt", {"t": "object", "i": 0, "module": "antigravity", "name": "Net", "state": {}})
    with pytest.raises(ValueError, match="antigravity.Net is not in any module imported so far"):
        load(tmp_path / "far.pt", weights_only=False)
    assert "antigravity" not in sys.modules


def test_save_refuses_what_load_could_not_find(tmp_path):
    class Local(nn.Module):
        pass

    with pytest.raises(TypeError, match="cannot be found by that import path .* define it at the top level"):
        save({"m": Local()}, tmp_path / "x.pt")
    model = nn.Linear(2, 2)
    model.register_forward_hook(lambda m, i, o: o)
    with pytest.raises(TypeError, match=r"the object\._forward_hooks\[\d+\]: <function .*<lambda>"):
        save(model, tmp_path / "x.pt")
    with pytest.raises(TypeError, match="the bound method Linear.forward"):
        save({"f": model.forward}, tmp_path / "x.pt")
    with pytest.raises(TypeError, match="defaultdict of .*: its default must be None or one of dict"):
        save(defaultdict(lambda: 0), tmp_path / "x.pt")
    with pytest.raises(TypeError, match="dict key or set item"):
        save({(1, 2)}, tmp_path / "x.pt")
    with pytest.raises(TypeError, match="Options: its class defines or is a subclass of the built-in dict"):
        save({"opts": Options(lr=0.1)}, tmp_path / "x.pt")


# ----------------------------------------------------------------------------- older files
def test_state_dict_files_from_older_versions_load(tmp_path):
    w, b = np.arange(6, dtype=np.float32).reshape(2, 3), np.zeros(2, np.float32)
    crafted(tmp_path / "old.pt", {"t": "dict", "v": [
        ["model", {"t": "odict", "v": [["weight", {"t": "tensor", "k": "a0", "requires_grad": False}],
                                       ["bias", {"t": "tensor", "k": "a1", "requires_grad": False}]]}],
        ["epoch", 7]]}, {"a0": w, "a1": b}, version=1)
    ckpt = load(tmp_path / "old.pt")
    layer = nn.Linear(3, 2)
    layer.load_state_dict(ckpt["model"])
    assert ckpt["epoch"] == 7 and layer.weight.tolist() == w.tolist()


def test_state_dicts_are_still_written_as_version_1(tmp_path):
    """So that an older microtensor reads them; only objects, sets, dtypes... need version 2."""
    def version(obj):
        save(obj, tmp_path / "v.pt")
        with np.load(tmp_path / "v.pt") as archive:
            return json.loads(archive["__structure__"].tobytes())["version"]

    assert version({"model": mlp().state_dict(), "optimizer": optim.Adam(mlp().parameters()).state_dict()}) == 1
    assert version(mlp()) == version({"d": mt.float32}) == version({1, 2}) == 2
