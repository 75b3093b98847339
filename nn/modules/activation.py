"""``torch.nn.modules.activation``'s path to the activations and MultiheadAttention (``microtensor.nn``'s classes)."""
from microtensor.nn.activation import (
    CELU,
    ELU,
    GELU,
    GLU,
    SELU,
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    LogSoftmax,
    Mish,
    PReLU,
    ReLU,
    ReLU6,
    RReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softmax2d,
    Softmin,
    Softplus,
    Softshrink,
    Softsign,
    Tanh,
    Tanhshrink,
    Threshold,
)
from microtensor.nn.attention import MultiheadAttention

__all__ = [
    "CELU", "ELU", "GELU", "Hardsigmoid", "Hardtanh", "LeakyReLU", "LogSoftmax", "Mish", "MultiheadAttention",
    "PReLU", "RReLU", "ReLU", "ReLU6", "SELU", "SiLU", "Sigmoid", "Softmax", "Softmin", "Softplus", "Softsign",
    "Tanh", "Threshold",
]
__all__ += [  # issue 22: nn.functional and modules
    "GLU", "Hardshrink", "Hardswish", "LogSigmoid", "Softshrink", "Tanhshrink",
]
__all__ += ["Softmax2d"]
