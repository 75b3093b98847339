"""The digits demo's two models on MNIST: 70,000 handwritten digits of 28x28 pixels (LeCun et al. 1998).

The notes' "more complex problem": each image is 28 x 28 = 784 grey levels (one of the notes prints 764),
60,000 for training and 10,000 for testing. The MLP (784-128-10) sees 784 unrelated numbers; LeNet-5
(``nn.models.LeNet5``, its first convolution padding the 28x28 images to the original's 32x32) slides 5x5
filters over the image and has fewer parameters than the MLP (61,706 against 101,770), yet passes 98% test
accuracy in three epochs. The demo prints both, plots their training curves and the better one's confusion
matrix, all with the digits demo's code.

The data come from ``mt.datasets.mnist``: the four IDX files in ``$MICROTENSOR_DATA/mnist`` (else
``~/.cache/microtensor/mnist``), gzipped or not, downloaded and checksummed when missing. Where they are
missing and cannot be downloaded (no network), the demo says which files to put where and stops without
writing pictures: MNIST is the one demo whose data may be out of reach.
"""
from __future__ import annotations

from pathlib import Path

from demos.common import headline
from demos.digits import Recipe, make_mlp, report, train_all
from demos.training import Split
from microtensor import datasets
from microtensor.datasets.mnist import MNIST, SPLITS
from microtensor.nn.models import LeNet5

PICTURES = ("training_curves.png", "confusion_matrix.png")  # what main() writes, when MNIST is there

SIDE = 28
DOWNLOAD_TIMEOUT = 10.0  # seconds: an unreachable server fails the demo fast (the library waits 30)
QUICK_TRAIN, QUICK_TEST, QUICK_EPOCHS = 2000, 1000, 1

MLP_RECIPE = Recipe("MLP 784-128-10", lambda: make_mlp(SIDE), epochs=3, lr=1e-3, batch_size=64)
LENET_RECIPE = Recipe("LeNet-5", LeNet5, epochs=3, lr=1e-3, batch_size=64)
RECIPES = (MLP_RECIPE, LENET_RECIPE)


def missing_files(folder: Path) -> list[str]:
    """The MNIST file names (``SPLITS``' gzipped names) found in ``folder`` neither gzipped nor unpacked."""
    names = [name for split in (True, False) for name in SPLITS[split]]
    return [name for name in names
            if not (folder / name).is_file() and not (folder / name.removesuffix(".gz")).is_file()]


def load(train_size: int | None = None, test_size: int | None = None) -> Split:
    """MNIST as a ``Split``: images ``(N, 1, 28, 28)`` in [0, 1], labels ``(N,)``, downloading missing files
    (each read waiting at most ``DOWNLOAD_TIMEOUT`` seconds).

    Args:
        train_size, test_size: keep only the first this many training / test images (all when None).

    Raises:
        microtensor.datasets.DownloadError: a file is missing and could not be downloaded.
    """
    train = datasets.mnist(train=True, timeout=DOWNLOAD_TIMEOUT).tensors
    test = datasets.mnist(train=False, timeout=DOWNLOAD_TIMEOUT).tensors
    return Split(*(t[:train_size] for t in train), *(t[:test_size] for t in test))


def explain_unavailable(error: datasets.DownloadError) -> None:
    """Print what is missing, where to put it and what the download attempt got (``error``)."""
    folder = datasets.data_root() / MNIST.folder
    missing = missing_files(folder)
    cause = error.__cause__
    print("MNIST is not on this machine and could not be downloaded, so the demo stops here (no pictures).")
    print(f"  missing in {folder}:\n    {', '.join(missing)}")
    if missing and cause is not None:
        print(f"  tried {MNIST.base_url}{missing[0]}: {getattr(cause, 'reason', cause)}")
    else:
        print(f"  {error}")
    print(f"  to run it: put the four files (gzipped or not) in {folder},\n"
          "    or set MICROTENSOR_DATA to a folder whose mnist/ holds them;\n"
          f"    they are at {MNIST.base_url} (or any MNIST mirror)")
    headline("MNIST", "not available (see above)")


def main(out: Path, quick: bool = False) -> None:
    """Load MNIST (or explain why not and return), train the MLP and LeNet-5 on it, print the comparison and
    plot the training curves and the best model's confusion matrix."""
    try:
        split = load(QUICK_TRAIN, QUICK_TEST) if quick else load()
    except datasets.DownloadError as err:
        explain_unavailable(err)
        return
    epochs = QUICK_EPOCHS if quick else None
    print(f"MNIST: {len(split.y_train)} training and {len(split.y_test)} test images of {SIDE}x{SIDE}; Adam with"
          " a cosine-annealed learning rate" + (f", {epochs} epoch on a subset (quick)" if quick else ""))
    runs = train_all(RECIPES, split, epochs)
    report(runs, split, out, "MNIST")
