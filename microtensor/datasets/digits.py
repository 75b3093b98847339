"""scikit-learn's 8x8 handwritten digits: 1,797 real images that ship with scikit-learn (no download)."""
from __future__ import annotations

import numpy as np

from microtensor import dtypes
from microtensor.tensor import Tensor
from microtensor.utils.data.dataset import TensorDataset


def digits(flatten: bool = False) -> TensorDataset:
    """The UCI optical digits as packaged by ``sklearn.datasets.load_digits``: 8x8 images, ten classes.

    Needs scikit-learn (``pip install scikit-learn``).

    Args:
        flatten: give each image as 64 features instead of a ``(1, 8, 8)`` image.

    Returns:
        ``TensorDataset(images, labels)``: images in the default float dtype scaled from 0..16 to [0, 1],
        ``(1797, 1, 8, 8)`` (or ``(1797, 64)`` with ``flatten``); labels int64 ``(1797,)`` in 0..9.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as err:
        raise ImportError("microtensor.datasets.digits needs scikit-learn, which ships the data: "
                          "pip install scikit-learn") from err
    bunch = load_digits()
    pixels = (bunch.data / 16.0).astype(dtypes.get_default_dtype().np)
    return TensorDataset(Tensor._make(pixels if flatten else pixels.reshape(-1, 1, 8, 8)),
                         Tensor._make(bunch.target.astype(np.int64)))
