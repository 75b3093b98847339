"""Gradient descent ``x <- x - eta * dy/dx`` on the notes' two examples, with the derivative from autograd.

``y = x^2`` from ``x = -3`` with ``eta = 0.1`` reproduces the notes' table, where one slip is found and
corrected: from row 7 on, the notes' delta-x column is one row ahead (row 7 prints 0.1258, the step of
row 8; the right value is 0.1573). ``y = 0.25x^4 - 0.1x^3 - 3x^2 - x + 0.5`` from ``x = -3`` (100 steps,
same ``eta``) settles in the local minimum ``x = -2.2101``, not at the ``x = -4.728`` the notes print (that
point is not a minimum at all: y there is about 73.6, not the -2.388 printed beside it); started from
``x = +3`` the same rule finds the global minimum ``x = 2.6790``.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

import microtensor as mt
from demos.common import headline, new_figure, save_figure

PICTURES = ("paths.png",)  # what main() writes into its folder

ETA = 0.1
START = -3.0
QUARTIC_STEPS = 100
# the notes' x^2 table, rows (x, y, delta x) as printed (their digits set how closely each value is checked)
NOTES_SQUARE_TABLE = [("-3", "9", "0.6"), ("-2.4", "5.76", "0.48"), ("-1.92", "3.686", "0.384"),
                      ("-1.536", "2.359", "0.3072"), ("-1.229", "1.510", "0.2458"), ("-0.983", "0.966", "0.1966"),
                      ("-0.786", "0.618", "0.1258"), ("-0.629", "0.396", "0.1006")]
NOTES_QUARTIC_RESULT = (-4.728182381361199, -2.3879650505567143)
COLUMNS = ("x", "y", "delta x")


def square(x: mt.Tensor) -> mt.Tensor:
    """The notes' first example, ``y = x^2``."""
    return x ** 2


def quartic(x: mt.Tensor) -> mt.Tensor:
    """The notes' second example, ``y = 0.25x^4 - 0.1x^3 - 3x^2 - x + 0.5`` (two minima)."""
    return 0.25 * x ** 4 - 0.1 * x ** 3 - 3 * x ** 2 - x + 0.5


def descend(f: Callable[[mt.Tensor], mt.Tensor], x0: float, eta: float = ETA,
            steps: int = QUARTIC_STEPS) -> tuple[list[tuple[float, float, float]], float]:
    """Run ``steps`` steps of ``x <- x + delta_x``, ``delta_x = -eta * dy/dx``, from ``x0`` in float64.

    Args:
        f: the function to minimise, from a 0-d Tensor to a 0-d Tensor.
        x0: the start.
        eta: the learning rate.
        steps: the number of updates.

    Returns:
        ``(rows, x)``: one row ``(x, y, delta_x)`` per step, as the notes' table has, and the final ``x``.
    """
    x = mt.tensor(x0, dtype=mt.float64, requires_grad=True)
    rows = []
    for _ in range(steps):
        y = f(x)
        x.grad = None
        y.backward()
        delta = -eta * x.grad
        rows.append((x.item(), y.item(), delta.item()))
        with mt.no_grad():
            x += delta
    return rows, x.item()


def _matches(value: float, printed: str) -> bool:
    """Whether ``value`` is ``printed`` to within one unit of its last digit (the notes round or truncate)."""
    return abs(value - float(printed)) <= 10.0 ** -len(printed.partition(".")[2]) * (1 + 1e-9)


def square_table_errata(rows: list[tuple[float, float, float]]) -> list[str]:
    """Compare ``rows`` (from ``descend(square, -3, 0.1, 9)``: one row more than the notes, to see a slip into
    the next row) with the notes' table, each value to within one unit of the last digit the notes print; one
    line per value the notes got wrong, saying what it should be."""
    found = []
    for n, (ours, theirs) in enumerate(zip(rows, NOTES_SQUARE_TABLE), start=1):
        for col, (value, printed) in enumerate(zip(ours, theirs)):
            if _matches(value, printed):
                continue
            line = f"row {n}: the notes print {COLUMNS[col]} = {printed}, but it is {value:.6f}"
            if _matches(rows[n][col], printed):
                line += f" ({printed} is row {n + 1}'s {COLUMNS[col]}: the column slipped one row)"
            found.append(line)
    return found


def _print_rows(rows: list[tuple[float, float, float]], numbers: Iterable[int]) -> None:
    print(f"  {'n':>4s} {'x':>12s} {'y':>12s} {'delta x':>12s}")
    for n in numbers:
        x, y, delta = rows[n - 1]
        print(f"  {n:4d} {x:12.6f} {y:12.6f} {delta:12.6f}")


def main(out: Path, quick: bool = False) -> None:
    """Print the x^2 table with its correction and the quartic's descent, and plot both paths on their curves
    (``quick`` changes nothing: the whole demo takes a fraction of a second)."""
    print(f"Gradient descent x <- x - eta * dy/dx, eta = {ETA}, from x = {START}, dy/dx by autograd (x.grad)")
    print("y = x^2:")
    square_rows, _ = descend(square, START, steps=len(NOTES_SQUARE_TABLE) + 1)
    _print_rows(square_rows, range(1, len(square_rows) + 1))
    errata = square_table_errata(square_rows)
    print(f"  against the notes' table (to the digits they print): {len(errata) or 'no'} errors")
    for line in errata:
        print(f"    {line}")
    x7, y7, d7 = square_rows[6]
    headline("x^2 table, row 7 corrected", f"x = {x7:.4f}, y = {y7:.4f}, delta x = {d7:.4f}")

    print(f"y = 0.25x^4 - 0.1x^3 - 3x^2 - x + 0.5, {QUARTIC_STEPS} steps:")
    quartic_rows, x_local = descend(quartic, START)
    _print_rows(quartic_rows, [*range(1, 6), QUARTIC_STEPS])
    y_local = quartic(mt.tensor(x_local, dtype=mt.float64)).item()
    _, x_global = descend(quartic, -START)
    y_global = quartic(mt.tensor(x_global, dtype=mt.float64)).item()
    x_notes, y_notes = NOTES_QUARTIC_RESULT
    y_at_notes = quartic(mt.tensor(x_notes, dtype=mt.float64)).item()
    headline(f"quartic from x = {START}", f"settles at the local minimum x = {x_local:.4f}, y = {y_local:.4f}")
    leftmost = min(r[0] for r in quartic_rows)
    print(f"  the notes print x = {x_notes:.4f}, y = {y_notes:.4f}: wrong. The path never goes left of"
          f" x = {leftmost:.4f}, and y({x_notes:.4f}) = {y_at_notes:.2f}, not {y_notes:.4f}.")
    print(f"  their lesson stands: that is a local minimum, not the global one; from x = {-START} the same rule"
          f" reaches the global minimum x = {x_global:.4f}, y = {y_global:.4f}.")

    fig, (left, right) = new_figure(1, 2, width=5.5, height=4.0)
    grid = np.linspace(-3.5, 3.5, 200)
    left.plot(grid, grid ** 2, color="0.5")
    xs, ys = np.array([r[0] for r in square_rows]), np.array([r[1] for r in square_rows])
    left.plot(xs, ys, "o-", color="tab:red", label=f"{len(xs)} steps from x = {START}")
    left.set_title(f"y = x^2, eta = {ETA}")
    left.legend()
    grid = np.linspace(-5, 4, 300)
    right.plot(grid, quartic(mt.tensor(grid)).numpy(), color="0.5")
    xs, ys = np.array([r[0] for r in quartic_rows]), np.array([r[1] for r in quartic_rows])
    right.plot(xs, ys, "o-", color="tab:red", markersize=3, label=f"{QUARTIC_STEPS} steps from x = {START}")
    right.plot([x_local], [y_local], "*", color="tab:green", markersize=14, label=f"local min x = {x_local:.4f}")
    right.plot([x_global], [y_global], "*", color="tab:blue", markersize=14, label=f"global min x = {x_global:.4f}")
    right.axvline(x_notes, color="k", linestyle=":", label=f"the notes' x = {x_notes:.3f} (wrong)")
    right.set_ylim(-15, 30)
    right.set_title("y = 0.25x^4 - 0.1x^3 - 3x^2 - x + 0.5")
    right.legend(fontsize=8)
    for ax in (left, right):
        ax.set_xlabel("x")
        ax.set_ylabel("y")
    save_figure(fig, out / "paths.png")
