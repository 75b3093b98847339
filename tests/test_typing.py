"""A user's script type-checks against an installed microtensor: the package ships py.typed and its
annotations, and Tensor's bound methods and operators are visible to mypy."""
import importlib.util
import pathlib
import shutil
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
SCRIPT = REPO / "tests" / "typed_user_script.py"

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(importlib.util.find_spec("mypy") is None,
                                 reason="mypy is not installed (the lint extra: pip install -e '.[lint]')")]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """A regular (non-editable) install of the repository into a folder of its own."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    str(REPO)], check=True, capture_output=True)
    return target


def _mypy(installed: pathlib.Path, script: pathlib.Path) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(installed), "PATH": ""}
    return subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", "--config-file", "/dev/null",
                           script.name], cwd=script.parent, env=env, capture_output=True, text=True)


def test_the_install_ships_py_typed(installed):
    assert (installed / "microtensor" / "py.typed").exists()
    assert (installed / "microtensor" / "nn" / "functional.py").exists()


def test_a_user_script_type_checks(installed, tmp_path):
    script = tmp_path / SCRIPT.name
    shutil.copy(SCRIPT, script)
    run = _mypy(installed, script)
    assert run.returncode == 0, run.stdout + run.stderr


def test_mypy_sees_real_types_not_any(installed, tmp_path):
    """A wrong annotation is caught: the types come from microtensor, not from an Any fallback."""
    script = tmp_path / "wrong.py"
    script.write_text("import microtensor as mt\nimport microtensor.nn.functional as F\n"
                      "x = mt.ones(2, 3)\nw = mt.ones(3, 4)\n"
                      "a: int = x @ w\nb: int = x * 2\nc: int = F.relu(x)\nd: int = x.reshape(6)\n")
    run = _mypy(installed, script)
    assert run.stdout.count('has type "Tensor", variable has type "int"') == 4, run.stdout
