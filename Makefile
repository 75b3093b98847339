# Two commands do all set-up on a fresh machine: `make demo` (the showcase) and `make test` (the tests).
# Each creates the virtual environment .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test test-quick lint bench torch clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,plots,progress,data,lint]"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m demos showcase

# one BLAS/OpenMP thread per test worker: the workers already use every core
test: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) -m pytest -n auto tests

# the suite without the tests marked slow (demos' full runs, the 1M-node chain, ...): for the edit-test loop
test-quick: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) -m pytest -n auto -m "not slow" tests

# the lint gate: ruff (pyflakes, pycodestyle, bugbear, import order, pyupgrade; configured in pyproject.toml)
lint: $(STAMP)
	$(VENV)/bin/ruff check .

# The PyTorch oracle for the tests and the benchmarks (a CPU wheel, pinned).
torch: $(STAMP)
	$(PY) -m pip install --quiet torch==2.13.0

bench: $(STAMP)
	OPENBLAS_NUM_THREADS=1 $(PY) -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
