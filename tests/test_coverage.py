"""docs/coverage.md, the table of PyTorch's public names microtensor has: every name it says we have
exists, and with PyTorch installed the committed table is what ``python -m microtensor.coverage`` writes."""
import importlib
import re

import pytest
from helpers import requires_torch

import microtensor as mt
from microtensor import coverage

OURS = {"torch": "microtensor", "torch.Tensor": None, "torch.nn (modules)": "microtensor.nn",
        "torch.nn.functional": "microtensor.nn.functional", "torch.optim": "microtensor.optim",
        "torch.optim.lr_scheduler": "microtensor.optim.lr_scheduler", "torch.linalg": "microtensor.linalg",
        "torch.special": "microtensor.special", "torch.distributions": "microtensor.distributions",
        "torch.utils.data": "microtensor.utils.data"}


def test_every_name_the_table_says_we_have_exists():
    had = coverage.had_names(coverage.OUT.read_text())
    assert set(had) == set(OURS)
    for title, names in had.items():
        if not names:
            continue                  # a namespace microtensor does not have yet
        ns = mt.Tensor if OURS[title] is None else importlib.import_module(OURS[title])
        missing = [n for n in names if not hasattr(ns, n)]
        assert not missing, f"{title}: docs/coverage.md says microtensor has {missing}"


@pytest.mark.parametrize("name,group", [("cudnn_convolution", "GPU"), ("quantize_per_tensor", "quantization"),
                                        ("fft_fft", "complex"), ("ScriptModule", "TorchScript"),
                                        ("UntypedStorage", "storage"), ("conv_tbc", "ATen")])
def test_groups_set_aside_name_their_reason(name, group):
    assert group in coverage.not_applicable(name)


def test_ordinary_names_are_applicable():
    for name in ("add", "sort", "Linear", "cross_entropy", "AdamW", "Normal", "DataLoader", "compile",
                 "quantile", "nanquantile", "trace", "Size", "Generator"):
        assert coverage.not_applicable(name) is None, name


def test_a_name_can_mean_something_else_in_one_namespace():
    """torch.cond is control flow (set aside); torch.linalg.cond is the condition number (counted)."""
    assert coverage.not_applicable("cond") is not None
    assert coverage.not_applicable("cond", "torch.linalg") is None


@requires_torch
def test_the_committed_table_is_current():
    assert coverage.main(["--check"]) == 0, "docs/coverage.md is out of date: run python -m microtensor.coverage"


def test_readme_quotes_the_tables_shares():
    table = coverage.OUT.read_text()
    rows = re.findall(r"^\| `([^`]+)` \| \d+ \| \d+ \| (\d+)% \|", table, flags=re.M)
    readme = (coverage.OUT.parent.parent / "README.md").read_text()
    assert rows and all(f"`{title}` {share}%" in readme for title, share in rows), \
        "README's 'Differences from PyTorch' shares differ from docs/coverage.md"
