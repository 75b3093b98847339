"""``microtensor.backends``: the back-end switches PyTorch scripts set, with a CPU-only build's answers.

``backends.cudnn`` and ``backends.cuda`` hold the flags scripts set before training (``cudnn.benchmark``,
``cuda.matmul.allow_tf32``); microtensor computes with NumPy on the CPU, so they change nothing, as they
change nothing in a CPU-only PyTorch build. ``backends.mps`` says Apple's GPU is not there.
"""
from microtensor.backends import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
