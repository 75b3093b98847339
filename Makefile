# Two commands do all set-up on a fresh machine: `make demo` (the showcase) and `make test` (the tests).
# Each creates the virtual environment .venv and installs what it needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo demo-ddp test test-quick lint bench torch clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,plots,progress,data,lint,distributed]"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m demos showcase

# data-parallel training on 2 ranks over MPI (microtensor.distributed; the `distributed` extra)
demo-ddp: $(STAMP)
	$(PY) -m microtensor.distributed.run -n 2 -m demos.ddp_digits

# one BLAS/OpenMP thread per test worker: the workers already use every core
test: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) -m pytest -n auto tests

# the suite without the tests marked slow (demos' full runs, the 1M-node chain, ...): for the edit-test loop
test-quick: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) -m pytest -n auto -m "not slow" tests

# The lint gate: ruff (pyflakes, pycodestyle, bugbear, import order, pyupgrade) and mypy, both configured in
# pyproject.toml. mypy reads the package as installed, with nn/ and optim/ inside microtensor/: a tree of
# links in build/typecheck (what `pip install -e . --config-settings editable_mode=strict` builds); its
# report names the repository's own paths.
TYPECHECK := build/typecheck
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	rm -rf $(TYPECHECK) && mkdir -p $(TYPECHECK)/microtensor
	cp -rs $(CURDIR)/microtensor/. $(TYPECHECK)/microtensor/
	cp -rs $(CURDIR)/nn $(TYPECHECK)/microtensor/nn && cp -rs $(CURDIR)/optim $(TYPECHECK)/microtensor/optim
	set -o pipefail; cd $(TYPECHECK) && $(CURDIR)/$(VENV)/bin/mypy --config-file $(CURDIR)/pyproject.toml \
		-p microtensor 2>&1 | sed -e 's|^microtensor/nn/|nn/|' -e 's|^microtensor/optim/|optim/|'

# The PyTorch oracle for the tests and the benchmarks (a CPU wheel, pinned).
torch: $(STAMP)
	$(PY) -m pip install --quiet torch==2.13.0

bench: $(STAMP)
	OPENBLAS_NUM_THREADS=1 $(PY) -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
