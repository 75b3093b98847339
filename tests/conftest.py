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
