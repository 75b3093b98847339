"""microtensor.nn: modules, layers, losses, init and functional, with PyTorch's names and semantics."""
from microtensor.nn import functional, init, parallel, utils
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
    Maxout,
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
    Step,
    Tanh,
    Tanhshrink,
    Threshold,
)
from microtensor.nn.adaptive import AdaptiveLogSoftmaxWithLoss
from microtensor.nn.adaptive_pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool3d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AdaptiveMaxPool3d,
)
from microtensor.nn.attention import MultiheadAttention
from microtensor.nn.channelshuffle import ChannelShuffle
from microtensor.nn.container import (
    Container,
    Flatten,
    Identity,
    ModuleDict,
    ModuleList,
    ParameterDict,
    ParameterList,
    Sequential,
    Unflatten,
)
from microtensor.nn.conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from microtensor.nn.distance import CosineSimilarity, PairwiseDistance
from microtensor.nn.dropout import AlphaDropout, Dropout, Dropout1d, Dropout2d, Dropout3d, FeatureAlphaDropout
from microtensor.nn.fold import Fold, Unfold
from microtensor.nn.instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from microtensor.nn.lazy_modules import (
    LazyBatchNorm1d,
    LazyBatchNorm2d,
    LazyBatchNorm3d,
    LazyConv1d,
    LazyConv2d,
    LazyConv3d,
    LazyConvTranspose1d,
    LazyConvTranspose2d,
    LazyConvTranspose3d,
    LazyInstanceNorm1d,
    LazyInstanceNorm2d,
    LazyInstanceNorm3d,
    LazyLinear,
)
from microtensor.nn.linear import Bilinear, Linear
from microtensor.nn.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CosineEmbeddingLoss,
    CrossEntropyLoss,
    CTCLoss,
    GaussianNLLLoss,
    HingeEmbeddingLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    LinearCrossEntropyLoss,
    MarginRankingLoss,
    MSELoss,
    MultiLabelMarginLoss,
    MultiLabelSoftMarginLoss,
    MultiMarginLoss,
    NLLLoss,
    NLLLoss2d,
    PoissonNLLLoss,
    SmoothL1Loss,
    SoftMarginLoss,
    TripletMarginLoss,
    TripletMarginWithDistanceLoss,
)
from microtensor.nn.mlp import MLP
from microtensor.nn.module import Module
from microtensor.nn.normalization import (
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    CrossMapLRN2d,
    GroupNorm,
    LayerNorm,
    LocalResponseNorm,
    RMSNorm,
    SyncBatchNorm,
)
from microtensor.nn.padding import (
    CircularPad1d,
    CircularPad2d,
    CircularPad3d,
    ConstantPad1d,
    ConstantPad2d,
    ConstantPad3d,
    ReflectionPad1d,
    ReflectionPad2d,
    ReflectionPad3d,
    ReplicationPad1d,
    ReplicationPad2d,
    ReplicationPad3d,
    ZeroPad1d,
    ZeroPad2d,
    ZeroPad3d,
)
from microtensor.nn.parallel import DataParallel
from microtensor.nn.parameter import Parameter, UninitializedBuffer, UninitializedParameter
from microtensor.nn.pixelshuffle import PixelShuffle, PixelUnshuffle
from microtensor.nn.pooling import (
    AdaptiveAvgPool2d,
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    FractionalMaxPool2d,
    FractionalMaxPool3d,
    LPPool1d,
    LPPool2d,
    LPPool3d,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
    MaxUnpool1d,
    MaxUnpool2d,
    MaxUnpool3d,
)
from microtensor.nn.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from microtensor.nn.sparse import Embedding, EmbeddingBag
from microtensor.nn.transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
from microtensor.nn.upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from microtensor.ops.linear_cross_entropy import LinearCrossEntropyOptions

# isort: split
from microtensor.nn import models, modules  # built from the layers above; torch.nn.modules' paths to them

__all__ = [  # every public name, so ``from microtensor.nn import *`` and tools see them
    "AdaptiveAvgPool2d", "AvgPool1d", "AvgPool2d", "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d", "BatchNorm2d",
    "Bilinear", "CELU", "Conv1d", "Conv2d", "ConvTranspose2d", "CrossEntropyLoss", "Dropout", "Dropout2d", "ELU",
    "Embedding", "Flatten", "GELU", "GRU", "GRUCell", "GroupNorm", "Hardsigmoid", "Hardtanh", "HuberLoss", "Identity",
    "KLDivLoss", "L1Loss", "LSTM", "LSTMCell", "LayerNorm", "LeakyReLU", "Linear", "LogSoftmax", "MLP", "MSELoss",
    "MaxPool1d", "MaxPool2d", "Maxout", "Mish", "Module", "ModuleDict", "ModuleList", "MultiheadAttention", "NLLLoss",
    "PReLU", "Parameter", "ParameterDict", "ParameterList", "RNN", "RNNCell", "RReLU", "ReLU", "ReLU6", "SELU",
    "Sequential", "SiLU", "Sigmoid", "SmoothL1Loss", "Softmax", "Softmin", "Softplus", "Softsign", "Step", "Tanh",
    "Threshold", "Transformer", "TransformerDecoder", "TransformerDecoderLayer", "TransformerEncoder",
    "TransformerEncoderLayer", "Unflatten", "functional", "init", "models", "modules", "utils",
    # the other loss and dropout modules of PyTorch
    "AlphaDropout", "CosineEmbeddingLoss", "Dropout1d", "Dropout3d", "FeatureAlphaDropout", "HingeEmbeddingLoss",
    "MarginRankingLoss", "MultiLabelSoftMarginLoss", "PoissonNLLLoss", "SoftMarginLoss", "TripletMarginLoss",
    "DataParallel", "parallel",
]
__all__ += [  # issue 22: nn.functional and modules
    "ChannelShuffle", "GLU", "Hardshrink", "Hardswish", "LocalResponseNorm", "LogSigmoid", "PixelShuffle",
    "PixelUnshuffle", "Softshrink", "Tanhshrink", "Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d",
    "CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
    "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d",
    "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "Fold", "Unfold", "LPPool1d", "LPPool2d",
    "MaxUnpool1d", "MaxUnpool2d",
]
__all__ += ["CosineSimilarity", "PairwiseDistance", "RNNBase", "Softmax2d"]
__all__ += [  # issue 22: normalization, lazy modules and small nn names
    "BatchNorm3d", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "RMSNorm", "SyncBatchNorm",
    "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyConv1d", "LazyConv2d", "LazyConvTranspose2d",
    "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose3d",
    "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d", "LazyLinear", "UninitializedBuffer",
    "UninitializedParameter", "RNNCellBase", "Container",
    "CrossMapLRN2d",
]
__all__ += [  # issue 22: adaptive pooling, max_unpool3d, fractional max pooling
    "AdaptiveAvgPool1d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d",
    "MaxUnpool3d", "FractionalMaxPool2d", "FractionalMaxPool3d",
]
__all__ += [  # issue 22: ctc_loss, embedding_bag, adaptive softmax
    "AdaptiveLogSoftmaxWithLoss", "CTCLoss", "EmbeddingBag",
]
__all__ += [  # issue 22: grid sampling and the remaining losses
    "GaussianNLLLoss", "LinearCrossEntropyLoss", "LinearCrossEntropyOptions", "MultiLabelMarginLoss",
    "MultiMarginLoss", "NLLLoss2d", "TripletMarginWithDistanceLoss",
]
__all__ += ["AvgPool3d", "Conv3d", "ConvTranspose1d", "ConvTranspose3d", "LPPool3d",
            "MaxPool3d"]  # issue 22: 3-D convolution and pooling
