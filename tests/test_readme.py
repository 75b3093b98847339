"""The README's Python examples really run."""
import importlib.util
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def test_readme_python_blocks_run():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "the README has no python example"
    for code in blocks:
        if "import torch" in code and importlib.util.find_spec("torch") is None:
            continue                              # the PyTorch-interchange example needs PyTorch
        if "viz.draw(" in code and shutil.which("dot") is None:
            continue                              # rendering needs Graphviz's `dot` program
        if "init_process_group" in code:          # a multi-rank script: run on 2 ranks by the launcher
            if importlib.util.find_spec("mpi4py") is not None:
                _run_on_two_ranks(code)
            continue
        exec(compile(code, str(README), "exec"), {})


def _run_on_two_ranks(code: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        script = pathlib.Path(tmp) / "train.py"
        script.write_text(code)
        done = subprocess.run([sys.executable, "-m", "microtensor.distributed.run", "-n", "2", str(script)],
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.split() == ["1.0", "2"], done.stdout      # rank 0's all_reduce: 0 + 1, on 2 ranks


def test_readme_embeds_pictures_that_exist():
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README.read_text())
    assert len(pictures) >= 2
    for picture in pictures:
        path = README.parent / picture
        assert path.is_file() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", picture


def test_readme_names_the_two_setup_commands():
    text = README.read_text()
    assert "make demo" in text and "make test" in text
