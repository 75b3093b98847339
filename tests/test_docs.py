"""The docs name only files and functions that exist.

Every backtick span of docs/*.md, README.md and CONTRIBUTING.md is read: a path in it (``ops/views.py``,
``microtensor/autograd/engine.py``, ``docs/architecture.md``) must be a file of the repository (from its
root, or from microtensor/), and the names that follow the path in the same span (``ops/views.py
refresh_view``, ``function.py Function.apply``) must be defined in that file. A ``name()`` on its own must
be defined somewhere in the repository's Python source, and so must both parts of a ``Class.member``. Paths that
leave the repository (``../shared/API.md``) are not checked.
"""
from __future__ import annotations

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = sorted([*ROOT.glob("docs/*.md"), ROOT / "README.md", ROOT / "CONTRIBUTING.md"])
SOURCE_DIRS = ("microtensor", "nn", "optim", "demos", "benchmarks", "tests")

SPAN = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
PATH = re.compile(r"^(?:\.\./)?[\w./-]+\.(?:py|md)$")
IDENT = re.compile(r"^[A-Za-z_]\w*$")
MEMBER = re.compile(r"^[A-Z]\w*(?:\.[A-Za-z_]\w*)+(?:\(\))?$")
CALL = re.compile(r"(?<![\w.])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\(\)")
# names that the docs call but that are not ours to define: Python, NumPy and PyTorch's own
EXTERNAL_PREFIXES = ("np.", "numpy.", "torch.", "sys.", "os.")


def _spans() -> list[tuple[str, str]]:
    spans = []
    for doc in DOCS:
        if doc.exists():
            text = re.sub(r"```.*?```", "", doc.read_text(), flags=re.S)    # code blocks: only inline spans
            spans += [(doc.name, m.group(1).strip()) for m in SPAN.finditer(text)]
    return spans


def _resolve(path: str) -> pathlib.Path | None:
    for base in (ROOT, ROOT / "microtensor"):
        if (base / path).is_file():
            return base / path
    return None


def _defines(source: str, name: str) -> bool:
    """Whether ``source`` defines ``name``: a def, a class, an assignment (also of an attribute, as
    ``Tensor.__mul__ = ...`` binds a method), a slot or a table key."""
    n = re.escape(name)
    return re.search(rf"(?:def|class)\s+{n}\b|^\s*{n}\s*[:=]|\w\.{n}\s*=|[\"']{n}[\"']", source, re.M) is not None


def _references() -> tuple[list, list]:
    """(doc, path, names) for each span that starts with a path; (doc, name) for each bare ``name()``."""
    paths, calls = [], []
    for doc, span in _spans():
        words = [w.rstrip(",;:") for w in span.split()]
        at = [i for i, w in enumerate(words) if PATH.match(w)]
        for i in at:                 # the names that follow a path, up to the next path, are defined in it
            end = next((j for j in at if j > i), len(words))
            names = [part for w in words[i + 1:end] for part in re.split(r"[/,.]", w.replace("()", "")) if part]
            paths.append((doc, words[i], [n for n in names if IDENT.match(n)]))
        if at or span.startswith(EXTERNAL_PREFIXES):
            continue
        if MEMBER.match(span):       # `Function.apply`, `AccumulateGrad.accumulate`: the class and its member
            calls += [(doc, n) for n in span.replace("()", "").split(".")]
        else:
            calls += [(doc, m.group(1).split(".")[-1]) for m in CALL.finditer(span)]
    return paths, calls


PATHS, CALLS = _references()
_SOURCE = None


def _all_source() -> str:
    global _SOURCE
    if _SOURCE is None:
        _SOURCE = "\n".join(p.read_text() for d in SOURCE_DIRS for p in sorted((ROOT / d).rglob("*.py")))
    return _SOURCE


def test_the_docs_have_references():
    assert (ROOT / "docs" / "architecture.md").exists() and (ROOT / "CONTRIBUTING.md").exists()
    assert len(PATHS) > 20 and len(CALLS) > 5


@pytest.mark.parametrize("doc, path, names", PATHS, ids=[f"{d}:{p} {' '.join(n)}" for d, p, n in PATHS])
def test_named_file_exists_and_defines_the_names(doc, path, names):
    if path.startswith("../"):
        return                                   # outside the repository: the shared notes next to it
    file = _resolve(path)
    assert file is not None, f"{doc} names {path}, which is not a file of the repository"
    if file.suffix == ".py":
        source = file.read_text()
        missing = [n for n in names if not _defines(source, n)]
        assert not missing, f"{doc} names {missing} in {path}, which does not define them"


@pytest.mark.parametrize("doc, name", sorted(set(CALLS)))
def test_named_function_is_defined(doc, name):
    assert _defines(_all_source(), name), f"{doc} names {name}(), which nothing in the repository defines"
