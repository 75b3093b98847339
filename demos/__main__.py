"""``python -m demos`` lists the demos; ``python -m demos NAME [--quick] [--out DIR]`` runs one and writes its
pictures into ``DIR/NAME/`` (``DIR`` is ``demo_output`` by default); ``showcase`` runs the set behind
``make demo``."""
from __future__ import annotations

import os

# The demos' models are small: one BLAS thread beats several contending for them (up to 10x on 2 busy cores).
# OpenBLAS reads this when NumPy loads, so it is set before anything imports NumPy.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import importlib  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from demos.common import DEFAULT_ROOT, output_dir  # noqa: E402

DEMOS = {
    "perceptron": "the notes' AND-gate perceptron from their start values; OR, NOT, and why XOR needs two layers",
    "xor": "a two-layer network learns XOR; its decision surface",
    "gradient_descent": "the notes' x^2 table and the quartic's local minimum, by autograd (with their errata)",
    "activations": "nine activation functions and their derivatives by autograd, in one figure",
    "sum_of_five": "the notes' classifier of five numbers (sum > 2.5): MSE vs cross-entropy",
    "digits": "an MLP and LeNet-5 on scikit-learn's 8x8 digits; the confusion matrix",
    "mnist": "an MLP and LeNet-5 on MNIST (when its files are present or downloadable)",
    "vanishing_gradients": "per-layer gradient norms: sigmoid vs ReLU vs ReLU+BatchNorm vs residual, 10 layers",
    "optimizers": "SGD, Momentum, Nesterov, Adagrad, RMSprop, Adadelta, Adam on a valley and on digits",
    "sequences": "RNN vs LSTM vs GRU on long-range memory; an LSTM on a sine wave; a character-level LSTM",
    "cnn_zoo": "LeNet-5, VGG-, Inception- and residual networks on digits; 'same' vs 'valid' padding",
    "attention": "a Transformer encoder and a seq2seq model with attention on a toy sequence task",
    "text_classification": "a TextCNN and a TextRNN classifying short synthetic sentences",
    "gan": "a tiny GAN learning a 2-D mixture of Gaussians",
    "reinforce": "REINFORCE with a baseline balances a cart-pole (distributions.Categorical policy)",
}
SHOWCASE = tuple(name for name in DEMOS if name != "mnist")   # every demo on data that ships with it


def run(name: str, quick: bool, root: Path) -> Path:
    """Run demo ``name`` (its module's ``main``) writing into ``root/name``; return that folder."""
    folder = output_dir(name, root)
    importlib.import_module(f"demos.{name}").main(folder, quick=quick)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m demos", description=__doc__)
    parser.add_argument("name", nargs="?", help="a demo name, or 'showcase'")
    parser.add_argument("--quick", action="store_true", help="a few steps only (for tests)")
    parser.add_argument("--out", type=Path, default=DEFAULT_ROOT,
                        help=f"the folder for the outputs, one subfolder per demo (default: {DEFAULT_ROOT}/)")
    args = parser.parse_args()
    if args.name is None:
        print("demos (python -m demos NAME [--quick] [--out DIR]):")
        for name, what in DEMOS.items():
            print(f"  {name:18s} {what}")
        print(f"  {'showcase':18s} runs {', '.join(SHOWCASE)} (make demo)")
        return
    if args.name != "showcase" and args.name not in DEMOS:
        parser.error(f"unknown demo {args.name!r}; choose from {', '.join(DEMOS)} or showcase")
    names = SHOWCASE if args.name == "showcase" else (args.name,)
    start = time.perf_counter()
    folders = []
    for name in names:
        print(f"=== {name}: {DEMOS[name]}")
        folders.append(run(name, args.quick, args.out))
        print()
    print(f"done in {time.perf_counter() - start:.1f} s; the pictures are in:")
    for folder in folders:
        print(f"  {folder.resolve()}/  ({', '.join(sorted(p.name for p in folder.glob('*.png')))})")


if __name__ == "__main__":
    main()
