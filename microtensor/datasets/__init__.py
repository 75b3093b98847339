"""microtensor.datasets (+): small data sets to learn on, each a ``utils.data.TensorDataset(X, y)``.

Generated: ``truth_table`` (AND/OR/NOT/XOR...), ``xor``, ``spiral``, ``moons``, ``sum_of_five``,
``sine_waves``, ``char_corpus`` (``TINY_CORPUS``). Real: ``digits`` (scikit-learn's 8x8 digits),
``mnist`` and ``fashion_mnist`` (IDX files in a cache folder, downloaded and checksummed when missing).
"""
from microtensor.datasets.digits import digits
from microtensor.datasets.downloader import DownloadError, data_root, download
from microtensor.datasets.idx import read_idx, write_idx
from microtensor.datasets.mnist import FASHION_MNIST_CLASSES, fashion_mnist, mnist
from microtensor.datasets.synthetic import (
    TINY_CORPUS,
    char_corpus,
    moons,
    sine_waves,
    spiral,
    sum_of_five,
    truth_table,
    xor,
)

__all__ = ["FASHION_MNIST_CLASSES", "TINY_CORPUS", "DownloadError", "char_corpus", "data_root", "digits",
           "download", "fashion_mnist", "mnist", "moons", "read_idx", "sine_waves", "spiral", "sum_of_five",
           "truth_table", "write_idx", "xor"]
