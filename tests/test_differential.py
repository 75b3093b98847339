"""Differential test against PyTorch: random programs of 3 to 8 ops must behave the same on both.

Each program (see differential_programs.py) runs line by line on microtensor and on torch;
a line that raises on one side must raise on the other. Afterwards every tensor the
program created must agree in shape, dtype, values and requires_grad (so in-place changes
reach all the views and bases they should), as must every leaf's ``.grad`` (None on both
sides or equal) and the first- and second-order gradients of the programs that take them.

MICROTENSOR_DIFF_EXAMPLES=5000 runs a longer soak with fresh random programs.
"""
from __future__ import annotations

import os
import re
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

torch = pytest.importorskip("torch")

from differential_programs import Program, namespace, programs, run_line  # noqa: E402

import microtensor as mt  # noqa: E402

SOAK = os.environ.get("MICROTENSOR_DIFF_EXAMPLES")
ASSIGNMENT = re.compile(r"^[\w, ]+ = ")      # a line that makes new tensors; any other writes into one
TOLERANCE = {"float64": {"rtol": 1e-6, "atol": 1e-9}, "float32": {"rtol": 1e-4, "atol": 1e-5}}


def run(program: Program, lib: Any) -> tuple[dict[str, Any], list[BaseException | None]]:
    """The namespace after running ``program`` on ``lib`` and the error of each line (or None)."""
    ns = namespace(lib)
    return ns, [run_line(line, ns) for line in program.lines]


def compare(what: str, ours: Any, theirs: Any, flags: bool = True, single: bool = False, values: bool = True) -> None:
    """Assert that a microtensor tensor (or None) matches a torch tensor (or None); ``flags``: requires_grad too;
    ``single``: the program computed in float32 somewhere, so float64 results carry float32 rounding;
    ``values``: compare the values too (else dtype, shape and flags only)."""
    assert (ours is None) == (theirs is None), f"{what}: microtensor {ours!r}, torch {theirs!r}"
    if theirs is None:
        return
    dtype = str(theirs.dtype).replace("torch.", "")
    assert ours.dtype.name == dtype, f"{what}: dtype {ours.dtype.name}, torch {dtype}"
    assert tuple(ours.shape) == tuple(theirs.shape), f"{what}: shape {tuple(ours.shape)}, torch {tuple(theirs.shape)}"
    assert not flags or ours.requires_grad == theirs.requires_grad, \
        f"{what}: requires_grad {ours.requires_grad}, torch {theirs.requires_grad}"
    if not values:
        return
    tolerance = TOLERANCE["float32"] if single and dtype == "float64" else TOLERANCE.get(dtype, {"rtol": 0, "atol": 0})
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), err_msg=what, **tolerance)


def check(program: Program) -> None:
    """Run ``program`` on both libraries and compare errors, tensors and gradients."""
    ours, our_errors = run(program, mt)
    theirs, their_errors = run(program, torch)
    for line, mine, expected in zip(program.lines, our_errors, their_errors):
        assert (mine is None) == (expected is None), f"{line}\n  microtensor: {mine!r}\n  torch: {expected!r}"
    single = any(isinstance(t, torch.Tensor) and t.dtype == torch.float32 for t in theirs.values())
    # an in-place statement that raised may have written part of its tensor first in PyTorch (index_put_ checks
    # bounds element by element); microtensor checks before it writes: the values may differ then, nothing else
    partial = any(error is not None and not ASSIGNMENT.match(line) and not line.endswith("backward()")
                  for line, error in zip(program.lines, their_errors))
    for name in program.tensors:
        if name in theirs:
            compare(name, ours[name], theirs[name], single=single, values=not partial)
    if program.backward_from is None or any(their_errors[program.backward_from:]):
        return   # a backward that raised may have filled some grads first, in an order of its own
    for leaf in program.leaves:
        compare(f"{leaf}.grad", ours[leaf].grad, theirs[leaf].grad, single=single)
    for grads in program.grads:
        if grads in theirs:
            assert len(ours[grads]) == len(theirs[grads])
            for i, (mine, expected) in enumerate(zip(ours[grads], theirs[grads])):
                compare(f"{grads}[{i}]", mine, expected, flags=False, single=single)   # graph detail of create_graph


@settings(max_examples=int(SOAK or 1000), deadline=None, derandomize=not SOAK, print_blob=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@pytest.mark.slow
@given(programs(torch))
def test_programs_match_torch(program: Program) -> None:
    try:
        check(program)
    except AssertionError as error:
        raise AssertionError(f"{error}\n\nThe program (lib = microtensor or torch):\n{program}") from None
