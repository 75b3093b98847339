"""``python -m benchmarks [--quick] [--only NAME ...]``: run the workloads and print one table."""
from __future__ import annotations

import argparse
import sys
import time
import traceback

from benchmarks import WORKLOADS
from benchmarks.harness import Row, environment, format_table


def main(argv: list[str] | None = None) -> int:
    """Run the chosen workloads, print the table; exit status 1 if a workload failed."""
    names = [w.name for w in WORKLOADS]
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split(":", 1)[1].strip(),
        epilog="NumPy's BLAS threads are fixed when NumPy loads: run with OPENBLAS_NUM_THREADS=1 to compare "
               "single-threaded microtensor and NumPy with torch-1thread.")
    parser.add_argument("--quick", action="store_true", help="fewer repeats and a shorter long chain")
    parser.add_argument("--only", nargs="+", choices=names, metavar="NAME",
                        help=f"run only these workloads (of {', '.join(names)})")
    args = parser.parse_args(argv)

    print(environment())
    rows: list[Row] = []
    failures = []
    for workload in WORKLOADS:
        if args.only and workload.name not in args.only:
            continue
        print(f"running {workload.name}: {workload.description}", file=sys.stderr, flush=True)
        start = time.perf_counter()
        try:
            rows += workload.run(**(workload.quick if args.quick else workload.full))
        except Exception:
            failures.append(f"{workload.name} failed:\n{traceback.format_exc()}")
        print(f"  done in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
    print(format_table(rows))
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
