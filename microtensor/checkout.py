"""A clear error for ``import microtensor.nn`` from a source checkout that was never installed.

``nn/`` and ``optim/`` sit beside ``microtensor/`` in the repository and become ``microtensor.nn`` and
``microtensor.optim`` when the package is installed (``package-dir`` in pyproject.toml). From a bare
checkout Python finds ``microtensor/`` but not them; the finder below, last on ``sys.meta_path`` so that it
is asked only after every real finder has failed, turns the bare ModuleNotFoundError into one that says
what to do.
"""
from __future__ import annotations

import importlib.abc
import sys
from collections.abc import Sequence
from types import ModuleType

MAPPED = {"microtensor.nn": "nn", "microtensor.optim": "optim"}


class NotInstalledFinder(importlib.abc.MetaPathFinder):
    """Raises an actionable error for the packages the install maps into microtensor."""

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> None:
        if fullname in MAPPED:
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: the repository's {MAPPED[fullname]}/ folder becomes {fullname} "
                "when microtensor is installed. Install it first, from the repository root: "
                "`pip install -e .` (or `make test`, which creates .venv and installs it there).", name=fullname)
        return None


def install_finder() -> None:
    """Put the finder last on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, NotInstalledFinder) for f in sys.meta_path):
        sys.meta_path.append(NotInstalledFinder())
