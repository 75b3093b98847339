"""``python -m demos`` lists the demos; ``python -m demos NAME [--quick]`` runs one; ``showcase`` runs the set
behind ``make demo``."""
from __future__ import annotations

import argparse
import importlib

DEMOS = {"xor": "a two-layer network learns XOR"}
SHOWCASE = ("xor",)


def run(name: str, quick: bool) -> None:
    importlib.import_module(f"demos.{name}").main(quick=quick)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m demos", description=__doc__)
    parser.add_argument("name", nargs="?", help="a demo name, or 'showcase'")
    parser.add_argument("--quick", action="store_true", help="a few steps only (for tests)")
    args = parser.parse_args()
    if args.name is None:
        print("demos (python -m demos NAME):")
        for name, what in DEMOS.items():
            print(f"  {name:12s} {what}")
        print(f"  {'showcase':12s} runs: {', '.join(SHOWCASE)}")
        return
    if args.name == "showcase":
        for name in SHOWCASE:
            print(f"=== {name}: {DEMOS[name]}")
            run(name, args.quick)
        return
    if args.name not in DEMOS:
        parser.error(f"unknown demo {args.name!r}; choose from {', '.join(DEMOS)} or showcase")
    run(args.name, args.quick)


if __name__ == "__main__":
    main()
