"""Automatic differentiation: Function, backward/grad, grad mode, gradient checks, functional API."""
from microtensor.autograd import functional
from microtensor.autograd.engine import backward, grad
from microtensor.autograd.function import AnomalyMode, Function
from microtensor.autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from microtensor.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck


class set_detect_anomaly:
    """Turn anomaly detection on or off (also a context manager), for all threads as in PyTorch: backward
    checks every gradient for NaN/inf and names the forward op, with the stack that created it, whose
    backward produced it."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._prev = AnomalyMode.enabled
        AnomalyMode.enabled = bool(mode)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        AnomalyMode.enabled = self._prev


class detect_anomaly(set_detect_anomaly):
    """Context manager that turns anomaly detection on inside its block."""

    def __init__(self, check_nan: bool = True) -> None:
        super().__init__(True)


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on."""
    return AnomalyMode.enabled


__all__ = ["Function", "gradcheck", "gradgradcheck", "GradcheckError", "backward", "grad", "no_grad", "enable_grad",
           "set_grad_enabled", "is_grad_enabled", "inference_mode", "is_inference_mode_enabled", "functional",
           "set_detect_anomaly", "detect_anomaly", "is_anomaly_enabled"]
