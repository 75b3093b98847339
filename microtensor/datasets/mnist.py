"""MNIST and Fashion-MNIST: IDX files in the cache folder, downloaded (SHA-256 checked) when missing."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from microtensor.datasets.downloader import data_root
from microtensor.datasets.downloader import download as download_file
from microtensor.datasets.idx import read_idx
from microtensor.tensor import Tensor
from microtensor.utils.data.dataset import TensorDataset

SPLITS = {True: ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
          False: ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}

FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                         "Bag", "Ankle boot")


@dataclass(frozen=True)
class Source:
    """Where a data set's four IDX files come from: its cache subfolder, base URL and their SHA-256 sums."""
    name: str
    folder: str
    base_url: str
    sha256: Mapping[str, str]


MNIST = Source("MNIST", "mnist", "https://ossci-datasets.s3.amazonaws.com/mnist/", {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"})

FASHION_MNIST = Source("Fashion-MNIST", "fashion-mnist",
                       "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", {
    "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"})


def _locate(source: Source, folder: Path, filename: str, download: bool, base_url: str | None,
            checksums: Mapping[str, str] | None, progress: bool, timeout: float) -> Path:
    """The cached file (gzipped or already unpacked), downloading the gzipped one when neither exists."""
    for candidate in (folder / filename, folder / filename.removesuffix(".gz")):
        if candidate.is_file():
            return candidate
    if not download:
        raise FileNotFoundError(f"{source.name}: {folder / filename} is missing (and download=False); put the "
                                "IDX file there, gzipped or not, or pass download=True")
    url = (base_url or source.base_url).rstrip("/") + "/" + filename
    return download_file(url, folder / filename, (checksums or source.sha256)[filename], progress, timeout)


def load_source(source: Source, train: bool = True, root: str | os.PathLike | None = None, download: bool = True,
                base_url: str | None = None, checksums: Mapping[str, str] | None = None,
                progress: bool = True, timeout: float = 30.0) -> TensorDataset:
    """Read one split of an MNIST-format data set from ``root/source.folder``; see ``mnist``."""
    folder = data_root(root) / source.folder
    image_file, label_file = (_locate(source, folder, name, download, base_url, checksums, progress, timeout)
                              for name in SPLITS[bool(train)])
    images, labels = read_idx(image_file), read_idx(label_file)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(f"{source.name}: expected images (N, H, W) and labels (N,), got {image_file.name} of "
                         f"shape {images.shape} and {label_file.name} of shape {labels.shape}")
    pixels = images[:, None].astype(np.float32)
    pixels /= 255.0
    return TensorDataset(Tensor._make(pixels), Tensor._make(labels.astype(np.int64)))


def mnist(train: bool = True, root: str | os.PathLike | None = None, download: bool = True,
          base_url: str | None = None, checksums: Mapping[str, str] | None = None,
          progress: bool = True, timeout: float = 30.0) -> TensorDataset:
    """The MNIST handwritten digits (LeCun et al. 1998): 60,000 training and 10,000 test images.

    The four IDX files (gzipped or not) are read from ``root/mnist``; a missing one is downloaded from
    ``base_url`` (gzipped), checked against its SHA-256 and written atomically.

    Args:
        train: the training split (else the test split).
        root: the cache folder (default ``$MICROTENSOR_DATA``, else ``~/.cache/microtensor``).
        download: download missing files (else a missing file is an error).
        base_url: the folder URL the files are fetched from (a mirror; default PyTorch's MNIST mirror).
        checksums: file name to SHA-256 (default: the official files' sums).
        progress: show a tqdm progress bar while downloading.
        timeout: seconds to wait for the server (to connect, and for each read) before a download fails.

    Returns:
        ``TensorDataset(images, labels)``: images float32 ``(N, 1, 28, 28)`` scaled to [0, 1], labels
        int64 ``(N,)`` in 0..9.
    """
    return load_source(MNIST, train, root, download, base_url, checksums, progress, timeout)


def fashion_mnist(train: bool = True, root: str | os.PathLike | None = None, download: bool = True,
                  base_url: str | None = None, checksums: Mapping[str, str] | None = None,
                  progress: bool = True, timeout: float = 30.0) -> TensorDataset:
    """Fashion-MNIST (Xiao et al. 2017): Zalando's 28x28 clothing images in ten classes
    (``FASHION_MNIST_CLASSES``), 60,000 for training and 10,000 for testing, in MNIST's format.

    Files live in ``root/fashion-mnist``; the arguments and the returned ``TensorDataset(images, labels)``
    are those of ``mnist``.
    """
    return load_source(FASHION_MNIST, train, root, download, base_url, checksums, progress, timeout)
