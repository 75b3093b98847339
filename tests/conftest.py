import os
import sys

# One BLAS thread per test process (as `make test` sets): the tests' matrices are small and several threads
# contending for 2 busy cores make them up to 30x slower. OpenBLAS reads this when NumPy loads.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

from hypothesis import settings  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True)
settings.load_profile("ci")


# The skip reasons of the PyTorch-oracle tests: helpers.requires_torch's and pytest.importorskip("torch")'s (which
# skips a whole module as one report).
TORCH_SKIP_REASONS = ("PyTorch is not installed", "could not import 'torch'")


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    return longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Say plainly at the end of the run when the PyTorch oracle is off and how many tests that skipped (with
    PyTorch installed nothing skips for its reasons, and nothing is said)."""
    skipped = [r for r in terminalreporter.stats.get("skipped", ())
               if any(reason in _skip_reason(r) for reason in TORCH_SKIP_REASONS)]
    if skipped:
        terminalreporter.write_sep("=", f"PyTorch oracle off: {len(skipped)} tests skipped; `make torch` turns it on",
                                   yellow=True, bold=True)
