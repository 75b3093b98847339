"""``torch.nn.modules.loss``'s path to the loss modules (the classes of ``microtensor.nn``)."""
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

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CosineEmbeddingLoss", "CrossEntropyLoss", "HingeEmbeddingLoss", "HuberLoss",
    "KLDivLoss", "L1Loss", "MSELoss", "MarginRankingLoss", "MultiLabelSoftMarginLoss", "NLLLoss", "PoissonNLLLoss",
    "SmoothL1Loss", "SoftMarginLoss", "TripletMarginLoss",
]
__all__ += ["CTCLoss"]  # issue 22: ctc_loss, embedding_bag, adaptive softmax
__all__ += [  # issue 22: grid sampling and the remaining losses
    "GaussianNLLLoss", "LinearCrossEntropyLoss", "MultiLabelMarginLoss", "MultiMarginLoss", "NLLLoss2d",
    "TripletMarginWithDistanceLoss",
]
