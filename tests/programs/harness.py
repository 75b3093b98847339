"""Run one "foreign program" on PyTorch and on microtensor from the same initial weights and the same data.

A program module (``mnist_cnn.py``, ``char_gpt.py``, ...) is written the way public PyTorch examples are, against
a library passed in as ``torch``, and exposes three functions:

- ``make_data(rng)``: its inputs as NumPy arrays (``rng`` is a ``numpy.random.Generator``);
- ``build(torch)``: its models, a dict of names to ``nn.Module`` (``{"model": net}``, ``{"G": netG, "D": netD}``);
- ``run(torch, steps, data, weights=None, **options)``: the training script; it builds the models, loads
  ``weights`` into them with :func:`load_weights` (or keeps the library's own initialisation when None) and
  returns the loss trajectory, one float per ``loss.item()`` the script reports.

PyTorch builds the initial weights once (:func:`torch_initial_weights`); both libraries load them as NumPy
arrays, so the comparison does not depend on the two libraries' random streams.
"""
from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

import microtensor

Weights = dict[str, dict[str, np.ndarray]]


def load_weights(torch: ModuleType, models: dict[str, Any], weights: Weights | None) -> None:
    """Load NumPy state dicts into ``models`` with ``torch.from_numpy`` and ``load_state_dict`` (strict).

    ``weights`` None leaves the models as the library initialised them.
    """
    if weights is None:
        return
    for name, model in models.items():
        model.load_state_dict({key: torch.from_numpy(array.copy()) for key, array in weights[name].items()})


def torch_initial_weights(program: ModuleType, seed: int = 0, **build_options: Any) -> Weights:
    """The state dicts, as NumPy arrays, of ``program.build(torch, **build_options)`` made by PyTorch under
    ``manual_seed(seed)``."""
    import torch

    torch.manual_seed(seed)
    models = program.build(torch, **build_options)
    return {name: {key: value.detach().numpy().copy() for key, value in model.state_dict().items()}
            for name, model in models.items()}


def trajectories(program: ModuleType, steps: int, seed: int = 0, build_options: dict | None = None,
                 **options: Any) -> tuple[list[float], list[float]]:
    """``program.run(lib, steps, data, weights, **options)`` on PyTorch and on microtensor, same data and initial
    weights (``program.build(torch, **build_options)``'s): (torch's losses, ours)."""
    import torch

    data = program.make_data(np.random.default_rng(seed))
    weights = torch_initial_weights(program, seed, **(build_options or {}))
    theirs = program.run(torch, steps, data, weights, **options)
    ours = program.run(microtensor, steps, data, weights, **options)
    return theirs, ours


def assert_same_trajectory(theirs: list[float], ours: list[float], rtol: float, atol: float = 0.0) -> None:
    """Both libraries reported the same number of losses and each pair agrees within ``rtol``/``atol``; a failure
    prints both trajectories and the first step that differs."""
    assert len(ours) == len(theirs), f"microtensor reported {len(ours)} losses, PyTorch {len(theirs)}"
    close = np.isclose(ours, theirs, rtol=rtol, atol=atol)
    first = int(np.argmin(close)) if not close.all() else -1
    assert close.all(), (f"loss trajectories differ from step {first}:\n  PyTorch:     {theirs}\n"
                         f"  microtensor: {ours}")


def own_trajectory(program: ModuleType, steps: int, seed: int = 0, **options: Any) -> list[float]:
    """``program.run`` on microtensor alone, with its own initialisation under ``manual_seed(seed)``."""
    microtensor.manual_seed(seed)
    data = program.make_data(np.random.default_rng(seed))
    return program.run(microtensor, steps, data, None, **options)
