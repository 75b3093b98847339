"""What every demo shares: its output folder, figures drawn with the Agg backend, progress bars on training
loops and the printed headline results."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import microtensor as mt
from microtensor import viz

T = TypeVar("T")

DEFAULT_ROOT = Path("demo_output")


def output_dir(name: str, root: str | Path = DEFAULT_ROOT) -> Path:
    """The folder ``root/name`` where demo ``name`` writes its files, created if missing.

    Args:
        name: the demo's name (its module name in ``demos``).
        root: the folder that holds one subfolder per demo (``demo_output`` under the current directory).
    """
    folder = Path(root) / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def new_figure(nrows: int = 1, ncols: int = 1, width: float = 5.0, height: float = 4.0) -> tuple[Figure, Any]:
    """A figure with an ``nrows`` x ``ncols`` grid of axes, drawn off screen by Agg (no display needed).

    Args:
        nrows, ncols: the grid of subplots.
        width, height: the size of one subplot in inches.

    Returns:
        ``(figure, axes)``: one Axes for a 1 x 1 grid, else a NumPy array of them (as ``plt.subplots``).
    """
    fig = Figure(figsize=(width * ncols, height * nrows))
    FigureCanvasAgg(fig)
    return fig, fig.subplots(nrows, ncols, squeeze=True)


def save_figure(fig: Figure, path: Path) -> Path:
    """Write ``fig`` as a PNG at ``path``, print where it went and return the path."""
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"  wrote {path}")
    return path


def save_graph(output: mt.Tensor, path: Path, **options: Any) -> Path:
    """Render the autograd graph behind ``output`` as a PNG at ``path`` with ``mt.viz.draw`` and print where
    it went. Without Graphviz's ``dot`` the demo goes on: the DOT source is written beside ``path`` and the
    message says how to install Graphviz.

    Args:
        output: the tensor (usually a loss) whose graph is drawn.
        path: the PNG to write.
        options: passed on to ``mt.viz.draw`` (``params``, ``group_by_module``, ``show_grad``, ``max_nodes``...).
    """
    try:
        viz.draw(output, path, format="png", **options)
    except viz.GraphvizNotFoundError as err:
        print(f"  {err}")
        return path.with_suffix(".dot")
    print(f"  wrote {path}")
    return path


def progress(iterable: Iterable[T], desc: str, total: int | None = None) -> Iterator[T]:
    """``iterable`` with a tqdm progress bar on a terminal (none when output is redirected or tqdm is missing).

    Args:
        iterable: the training loop's steps or epochs.
        desc: the label shown left of the bar.
        total: the number of items, where ``len(iterable)`` does not give it.
    """
    try:
        from tqdm import tqdm
    except ImportError:  # tqdm is an optional extra ("progress")
        return iter(iterable)
    return iter(tqdm(iterable, desc=desc, total=total, leave=False, disable=None))


def headline(label: str, value: Any) -> None:
    """Print one headline result of a demo, in the form every demo uses."""
    print(f"==> {label}: {value}")
