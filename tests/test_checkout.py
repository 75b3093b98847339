"""A source checkout that was never installed says how to install when asked for microtensor.nn."""
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from microtensor.checkout import NotInstalledFinder, install_finder

REPO = pathlib.Path(__file__).resolve().parents[1]


def test_the_finder_names_the_folder_and_the_install_command():
    with pytest.raises(ModuleNotFoundError, match=r"nn/ folder becomes microtensor.nn .* `pip install -e \.`"):
        NotInstalledFinder().find_spec("microtensor.nn", None)
    assert NotInstalledFinder().find_spec("microtensor.ops", None) is None


def test_the_finder_is_last_and_installed_once():
    install_finder()
    finders = [f for f in sys.meta_path if isinstance(f, NotInstalledFinder)]
    assert len(finders) == 1 and sys.meta_path[-1] is finders[0]


@pytest.mark.parametrize("statement", ["import microtensor.nn", "import microtensor as mt; mt.optim"])
def test_a_bare_checkout_fails_with_the_message(statement):
    # -S skips site, so the editable install's finder (a .pth file) is not there: as in a fresh clone
    env = dict(os.environ, PYTHONPATH=str(pathlib.Path(np.__file__).parents[1]))
    run = subprocess.run([sys.executable, "-S", "-c", statement], cwd=REPO, env=env, capture_output=True, text=True)
    assert run.returncode == 1
    assert "Install it first, from the repository root: `pip install -e .`" in run.stderr


def test_an_install_still_finds_the_mapped_packages():
    run = subprocess.run([sys.executable, "-c", "import microtensor.nn, microtensor.optim"], cwd=REPO,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
