"""Write a Digraph to an image file through Graphviz's ``dot``; without ``dot``, write the DOT source
next to the requested path and say how to install Graphviz."""
from __future__ import annotations

import os
from pathlib import Path

import graphviz

FORMATS = ("png", "svg", "pdf")

INSTALL = ("Install Graphviz, which provides it:\n"
           "  Debian/Ubuntu: sudo apt-get install graphviz\n"
           "  macOS:         brew install graphviz\n"
           "  conda:         conda install -c conda-forge graphviz\n"
           "(the `graphviz` Python package alone is not enough: it calls the `dot` program)")


class GraphvizNotFoundError(RuntimeError):
    """Raised by ``draw`` when the Graphviz ``dot`` program is not on PATH."""


def target(path: str | os.PathLike, format: str | None) -> tuple[Path, str]:
    """The file to write and its format: ``format``, else the path's suffix, else png (then appended)."""
    path = Path(path)
    suffix = path.suffix[1:].lower()
    fmt = (format or suffix or "png").lower()
    if fmt not in FORMATS:
        raise ValueError(f"draw: format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if suffix in FORMATS and suffix != fmt:
        raise ValueError(f"draw: path {str(path)!r} ends in .{suffix} but format is {fmt!r}")
    return (path if suffix == fmt else path.with_name(path.name + "." + fmt)), fmt


def render(dot: graphviz.Digraph, path: Path, fmt: str) -> Path:
    """Render ``dot`` to ``path`` in ``fmt``; return ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        image = dot.pipe(format=fmt)
    except graphviz.ExecutableNotFound as err:
        source = path.with_suffix(".dot")
        source.write_text(dot.source, encoding="utf-8")
        raise GraphvizNotFoundError(
            f"draw: the Graphviz program `dot` was not found on PATH, so {str(path)!r} was not rendered. The DOT "
            f"source was written to {str(source)!r}; render it later with `dot -T{fmt} {source} -o {path}`.\n"
            + INSTALL) from err
    path.write_bytes(image)
    return path
