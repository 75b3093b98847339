"""``microtensor.onnx``: importable, so scripts that import it run; exporting is not supported.

ONNX export traces a model into PyTorch's graph IR, which microtensor does not have.
"""
from __future__ import annotations

from typing import Any


def export(model: Any, args: Any = (), f: Any = None, **kwargs: Any) -> None:
    """Export ``model`` to ONNX: raises RuntimeError, microtensor cannot export ONNX."""
    raise RuntimeError("onnx.export: microtensor cannot export ONNX models (it has no graph tracer); "
                       "save the weights with microtensor.save(model.state_dict(), path) instead")
