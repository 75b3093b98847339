"""``python -m demos`` lists the demos; ``python -m demos NAME [--quick] [--out DIR]`` runs one and writes its
pictures into ``DIR/NAME/`` (``DIR`` is ``demo_output`` by default); ``showcase`` runs the set behind
``make demo``."""
from __future__ import annotations

import argparse
import importlib
import time
from pathlib import Path

from demos.common import DEFAULT_ROOT, output_dir

DEMOS = {
    "perceptron": "the notes' AND-gate perceptron from their start values; OR, NOT, and why XOR needs two layers",
    "xor": "a two-layer network learns XOR; its decision surface",
    "gradient_descent": "the notes' x^2 table and the quartic's local minimum, by autograd (with their errata)",
    "activations": "nine activation functions and their derivatives by autograd, in one figure",
    "sum_of_five": "the notes' classifier of five numbers (sum > 2.5): MSE vs cross-entropy",
}
SHOWCASE = ("xor", "perceptron", "gradient_descent")


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
