"""microtensor.nn: modules, layers, losses, init and functional, with PyTorch's names and semantics."""
from microtensor.nn import functional, init, parallel, utils
from microtensor.nn.activation import (
    CELU,
    ELU,
    GELU,
    SELU,
    Hardsigmoid,
    Hardtanh,
    LeakyReLU,
    LogSoftmax,
    Maxout,
    Mish,
    PReLU,
    ReLU,
    ReLU6,
    RReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softmin,
    Softplus,
    Softsign,
    Step,
    Tanh,
    Threshold,
)
from microtensor.nn.attention import MultiheadAttention
from microtensor.nn.container import (
    Flatten,
    Identity,
    ModuleDict,
    ModuleList,
    ParameterDict,
    ParameterList,
    Sequential,
    Unflatten,
)
from microtensor.nn.conv import Conv1d, Conv2d, ConvTranspose2d
from microtensor.nn.dropout import Dropout, Dropout2d
from microtensor.nn.linear import Bilinear, Linear
from microtensor.nn.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from microtensor.nn.mlp import MLP
from microtensor.nn.module import Module
from microtensor.nn.normalization import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm
from microtensor.nn.parallel import DataParallel
from microtensor.nn.parameter import Parameter
from microtensor.nn.pooling import AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d
from microtensor.nn.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from microtensor.nn.sparse import Embedding
from microtensor.nn.transformer import TransformerEncoder, TransformerEncoderLayer

# isort: split
from microtensor.nn import models  # its blocks are built from the layers above

__all__ = [  # every public name, so ``from microtensor.nn import *`` and tools see them
    "AdaptiveAvgPool2d", "AvgPool1d", "AvgPool2d", "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d", "BatchNorm2d",
    "Bilinear", "CELU", "Conv1d", "Conv2d", "ConvTranspose2d", "CrossEntropyLoss", "Dropout", "Dropout2d", "ELU",
    "Embedding", "Flatten", "GELU", "GRU", "GRUCell", "GroupNorm", "Hardsigmoid", "Hardtanh", "HuberLoss", "Identity",
    "KLDivLoss", "L1Loss", "LSTM", "LSTMCell", "LayerNorm", "LeakyReLU", "Linear", "LogSoftmax", "MLP", "MSELoss",
    "MaxPool1d", "MaxPool2d", "Maxout", "Mish", "Module", "ModuleDict", "ModuleList", "MultiheadAttention", "NLLLoss",
    "PReLU", "Parameter", "ParameterDict", "ParameterList", "RNN", "RNNCell", "RReLU", "ReLU", "ReLU6", "SELU",
    "Sequential", "SiLU", "Sigmoid", "SmoothL1Loss", "Softmax", "Softmin", "Softplus", "Softsign", "Step", "Tanh",
    "Threshold", "TransformerEncoder", "TransformerEncoderLayer", "Unflatten", "functional", "init", "models",
    "utils",
    "DataParallel", "parallel",
]
