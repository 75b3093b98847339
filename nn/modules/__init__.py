"""``torch.nn.modules``'s import paths (``microtensor.nn.modules.linear.Linear``, ...), as scripts and
checkpoints name the layers: each file re-exports, under PyTorch's file name, the very classes of ``microtensor.nn``
(no copies), so ``isinstance`` and recorded import paths agree. The layers themselves live in ``nn/``."""
from microtensor.nn.modules import (
    activation,
    adaptive,
    batchnorm,
    channelshuffle,
    container,
    conv,
    dropout,
    flatten,
    fold,
    instancenorm,
    lazy,
    linear,
    linear_cross_entropy_options,
    loss,
    module,
    normalization,
    padding,
    pixelshuffle,
    pooling,
    rnn,
    sparse,
    transformer,
    upsampling,
)

__all__ = [
    "activation", "batchnorm", "container", "conv", "dropout", "flatten", "linear", "loss", "module", "normalization",
    "pooling", "rnn", "sparse", "transformer",
]
__all__ += ["channelshuffle", "fold", "padding", "pixelshuffle", "upsampling"]  # issue 22: nn.functional and modules
__all__ += ["instancenorm", "lazy"]  # issue 22: normalization, lazy modules and small nn names
__all__ += ["adaptive"]  # issue 22: ctc_loss, embedding_bag, adaptive softmax
__all__ += ["linear_cross_entropy_options"]  # issue 22: grid sampling and the remaining losses
