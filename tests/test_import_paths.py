"""The import paths PyTorch scripts and checkpoints use (``torch.nn.modules.linear.Linear``,
``torch.optim.lr_scheduler.StepLR``, ``torch.utils.data.sampler.RandomSampler``, ...) reach the very objects
microtensor's short paths give, also as the first import of a fresh interpreter."""
import importlib
import inspect
import subprocess
import sys

import pytest
from helpers import requires_torch, torch

import microtensor as mt

# the path PyTorch defines each name at -> the short path that must give the same object
PATHS = {
    "nn.modules.linear.Linear": "nn.Linear", "nn.modules.linear.Identity": "nn.Identity",
    "nn.modules.linear.Bilinear": "nn.Bilinear", "nn.modules.conv.Conv2d": "nn.Conv2d",
    "nn.modules.conv.ConvTranspose2d": "nn.ConvTranspose2d", "nn.modules.rnn.LSTM": "nn.LSTM",
    "nn.modules.rnn.GRUCell": "nn.GRUCell", "nn.modules.rnn.RNNBase": "nn.rnn.RNNBase",
    "nn.modules.activation.ReLU": "nn.ReLU", "nn.modules.activation.MultiheadAttention": "nn.MultiheadAttention",
    "nn.modules.normalization.LayerNorm": "nn.LayerNorm", "nn.modules.normalization.GroupNorm": "nn.GroupNorm",
    "nn.modules.batchnorm.BatchNorm2d": "nn.BatchNorm2d", "nn.modules.dropout.Dropout": "nn.Dropout",
    "nn.modules.sparse.Embedding": "nn.Embedding", "nn.modules.transformer.TransformerEncoderLayer":
    "nn.TransformerEncoderLayer", "nn.modules.container.Sequential": "nn.Sequential",
    "nn.modules.container.ModuleList": "nn.ModuleList", "nn.modules.flatten.Flatten": "nn.Flatten",
    "nn.modules.loss.CrossEntropyLoss": "nn.CrossEntropyLoss", "nn.modules.pooling.MaxPool2d": "nn.MaxPool2d",
    "nn.modules.module.Module": "nn.Module", "nn.parameter.Parameter": "nn.Parameter",
    "nn.init.kaiming_uniform_": "nn.init.kaiming_uniform_", "optim.optimizer.Optimizer": "optim.Optimizer",
    "optim.lr_scheduler.StepLR": "optim.lr_scheduler.StepLR", "optim.adamw.AdamW": "optim.AdamW",
    "optim.sgd.SGD": "optim.SGD", "utils.data.sampler.RandomSampler": "utils.data.RandomSampler",
    "utils.data.sampler.BatchSampler": "utils.data.BatchSampler", "utils.data.dataset.TensorDataset":
    "utils.data.TensorDataset", "utils.data.dataset.random_split": "utils.data.random_split",
    "utils.data.dataloader.DataLoader": "utils.data.DataLoader",
    "serialization.add_safe_globals": "serialization.add_safe_globals",
    "serialization.safe_globals": "serialization.safe_globals",
}


def find(path):
    """``microtensor.<path>``: the longest importable module prefix, then attributes."""
    parts = ("microtensor." + path).split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            obj = getattr(obj, name)
        return obj
    raise AssertionError(path)


@pytest.mark.parametrize("path, short", PATHS.items())
def test_pytorch_path_is_the_same_object(path, short):
    assert find(path) is find(short)


def test_a_recorded_path_and_isinstance_agree():
    from microtensor.nn.modules.linear import Linear
    from microtensor.nn.modules.module import Module
    layer = mt.nn.Linear(2, 3)
    assert isinstance(layer, Linear) and isinstance(layer, Module) and type(layer) is Linear


def first_imports_fail(statements):
    """The statements that fail (with their error's last line) when each one is the first import of its own
    fresh interpreter, where an import cycle that a first import meets shows."""
    runs = [(s, subprocess.Popen([sys.executable, "-c", s], stderr=subprocess.PIPE, text=True)) for s in statements]
    return {s: run.communicate()[1].strip().splitlines()[-1:] for s, run in runs if run.wait() != 0}


def test_from_imports_work_as_the_first_import_of_a_fresh_interpreter():
    assert first_imports_fail(["from microtensor.nn.modules.linear import Linear",
                               "from microtensor.utils.data.sampler import RandomSampler",
                               "import microtensor as torch; torch.serialization.safe_globals, "
                               "torch.nn.modules.rnn.LSTM"]) == {}


@pytest.mark.slow
def test_every_path_works_as_the_first_import_of_a_fresh_interpreter():
    assert first_imports_fail([f"from microtensor.{path.rsplit('.', 1)[0]} import {path.rsplit('.', 1)[1]}"
                               for path in PATHS]) == {}


def public_classes():
    """Every public class (and nn.init function) of microtensor's packages that PyTorch also has, with the
    module PyTorch defines it in (private modules, such as ``torch.utils.data._utils``, left out)."""
    packages = {"nn": (mt.nn, torch.nn), "optim": (mt.optim, torch.optim),
                "optim.lr_scheduler": (mt.optim.lr_scheduler, torch.optim.lr_scheduler),
                "utils.data": (mt.utils.data, torch.utils.data), "nn.init": (mt.nn.init, torch.nn.init)}
    for package, (ours, theirs) in packages.items():
        for name, obj in vars(ours).items():
            twin = getattr(theirs, name, None)
            if name.startswith("_") or twin is None or not (inspect.isclass(obj) or package == "nn.init"):
                continue
            module = getattr(twin, "__module__", None) or ""
            if module.startswith("torch.") and not any(p.startswith("_") for p in module.split(".")):
                yield f"{package}.{name}", module.removeprefix("torch.") + "." + name


@requires_torch
def test_every_class_pytorch_has_is_at_pytorchs_path():
    """Checkpoints and scripts name a class by the module PyTorch defines it in: each one microtensor has
    must be there too (a class added later to nn/ needs its line in nn/modules/)."""
    checked = dict(public_classes())
    assert len(checked) > 80
    missing = {ours: theirs for ours, theirs in checked.items() if _find_or_none(theirs) is not find(ours)}
    assert missing == {}


def _find_or_none(path):
    try:
        return find(path)
    except AttributeError:
        return None
