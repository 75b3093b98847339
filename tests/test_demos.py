"""The demos run (quick mode) and write their pictures; their headline results hold (full settings, where they
take seconds)."""
import importlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import microtensor as mt

pytest.importorskip("matplotlib")

import demos.__main__ as demos_main
from demos import activations, gradient_descent, perceptron, sum_of_five, xor
from demos.__main__ import DEMOS, SHOWCASE
from demos.common import output_dir

ROOT = Path(__file__).resolve().parents[1]


def pictures(name: str) -> tuple[str, ...]:
    """The files demo ``name`` says it writes (its module's ``PICTURES``)."""
    return importlib.import_module(f"demos.{name}").PICTURES


def run_demos(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "demos", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)


def assert_pictures(folder: Path, names: list[str]) -> None:
    for name in names:
        path = folder / name
        assert path.is_file(), f"{path} was not written"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"


@pytest.mark.parametrize("name", sorted(DEMOS))
def test_every_demo_lists_the_pictures_it_writes(name):
    assert pictures(name) and all(p.endswith(".png") for p in pictures(name))


def test_listing_names_every_demo_and_the_showcase():
    listing = run_demos()
    assert listing.returncode == 0, listing.stderr
    for name in (*DEMOS, "showcase"):
        assert name in listing.stdout


def test_unknown_demo_is_an_error_naming_the_choices():
    result = run_demos("no_such_demo")
    assert result.returncode != 0
    assert "unknown demo 'no_such_demo'" in result.stderr and "perceptron" in result.stderr


NEEDS_DATA = {"mnist"}   # run on synthetic IDX files by tests/test_demo_digits.py


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(set(DEMOS) - NEEDS_DATA))
def test_demo_runs_quickly_and_writes_its_pictures(name, tmp_path):
    result = run_demos(name, "--quick", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "==>" in result.stdout
    assert_pictures(tmp_path / name, pictures(name))


def test_showcase_is_every_demo_on_shipped_data():
    assert set(SHOWCASE) == set(DEMOS) - NEEDS_DATA


def test_showcase_runs_its_demos_in_order_and_says_where_the_pictures_are(tmp_path, monkeypatch, capsys):
    # each demo's own run is tested above; here only what the showcase does with them
    ran = []

    def fake_run(name, quick, root):
        ran.append((name, quick))
        folder = output_dir(name, root)
        (folder / "picture.png").write_bytes(b"")
        return folder

    monkeypatch.setattr(demos_main, "run", fake_run)
    monkeypatch.setattr(sys, "argv", ["demos", "showcase", "--quick", "--out", str(tmp_path)])
    demos_main.main()
    out = capsys.readouterr().out
    assert ran == [(name, True) for name in SHOWCASE]
    assert "the pictures are in" in out
    for name in SHOWCASE:
        assert f"=== {name}: {DEMOS[name]}" in out
        assert f"{(tmp_path / name).resolve()}/  (picture.png)" in out


@pytest.mark.slow
def test_output_folder_defaults_to_demo_output_under_the_current_directory(tmp_path):
    result = subprocess.run([sys.executable, "-m", "demos", "activations", "--quick"], cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert_pictures(tmp_path / "demo_output" / "activations", pictures("activations"))


@pytest.mark.slow
def test_xor_is_solved_with_the_full_settings():
    losses, preds = xor.train()
    assert losses[-1] < 0.01 < losses[0]
    assert [p > 0.5 for p in preds] == [False, True, True, False]


def test_perceptron_first_update_and_trained_and_line_are_the_notes():
    inputs, targets = perceptron.GATES["AND"]
    run = perceptron.train(inputs, targets)
    first = run.updates[0]
    assert (first.x, first.output, first.error) == ([1.0, 0.0], 1.0, -1.0)
    assert [round(v, 4) for v in (*first.weights, first.theta)] == [0.2898, 0.4950, 0.7115]
    assert run.converged
    assert [round(v, 4) for v in (*run.weights, run.theta)] == list(perceptron.NOTES_AND_LINE)


@pytest.mark.parametrize("gate", ["OR", "NOT"])
def test_perceptron_learns_or_and_not(gate):
    inputs, targets = perceptron.GATES[gate]
    run = perceptron.train(inputs, targets, perceptron.START_WEIGHTS[:len(inputs[0])])
    assert run.converged
    w, b = run.parameters()
    assert perceptron.predict(w, b, mt.tensor(inputs, dtype=mt.float64)).tolist() == [float(t) for t in targets]


def test_perceptron_never_learns_xor():
    inputs, targets = perceptron.GATES["XOR"]
    run = perceptron.train(inputs, targets, max_epochs=100)
    assert not run.converged
    assert len(run.mistakes) == 100 and min(run.mistakes) > 0


def test_square_table_matches_the_notes_except_the_slip_from_row_7():
    rows, _ = gradient_descent.descend(gradient_descent.square, -3.0, 0.1, steps=9)
    assert [round(x, 6) for x, _, _ in rows[:8]] == [-3.0, -2.4, -1.92, -1.536, -1.2288, -0.98304, -0.786432,
                                                      -0.629146]
    assert rows[6] == pytest.approx((-0.786432, 0.618475, 0.1572864), abs=1e-6)
    errata = gradient_descent.square_table_errata(rows)
    assert len(errata) == 2
    assert errata[0].startswith("row 7: the notes print delta x = 0.1258, but it is 0.157286")
    assert "row 8's delta x" in errata[0]
    assert errata[1].startswith("row 8: the notes print delta x = 0.1006")


def test_quartic_settles_in_the_local_minimum_not_at_the_notes_value():
    rows, x = gradient_descent.descend(gradient_descent.quartic, -3.0, 0.1, steps=100)
    assert round(x, 4) == -2.2101
    assert rows[0][:2] == pytest.approx((-3.0, -0.55)) and rows[0][2] == pytest.approx(1.27)
    _, x_global = gradient_descent.descend(gradient_descent.quartic, 3.0, 0.1, steps=100)
    assert round(x_global, 4) == 2.6790


def test_activation_derivatives_by_autograd_match_their_formulas():
    x = np.linspace(-4, 4, 400)
    for name, (f, formula) in activations.ACTIVATIONS.items():
        _, dy = activations.curve_and_derivative(f, x)
        assert dy == pytest.approx(formula(x), abs=1e-12), name


@pytest.mark.slow
def test_sum_of_five_reaches_high_accuracy_and_cross_entropy_gets_there_sooner():
    runs = {name: sum_of_five.train(name) for name in sum_of_five.LOSSES}
    assert all(run.accuracy[-1] > 0.97 for run in runs.values())
    assert sum_of_five.epochs_to(runs["cross-entropy"], 0.95) < sum_of_five.epochs_to(runs["MSE"], 0.95)

