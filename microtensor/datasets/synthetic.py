"""Small generated data sets for the first lessons: truth tables, spirals, moons, the sum-of-five task,
noisy sine waves and a tiny character corpus.

Every labelled set is a ``TensorDataset(X, y)``: features ``X`` in the default float dtype and class
labels ``y`` int64 (for ``CrossEntropyLoss``; ``y.float().unsqueeze(1)`` gives the float column that
``MSELoss`` or ``BCELoss`` want). ``ds.tensors`` gives ``(X, y)`` whole (full-batch training). Random
sets take a ``generator`` (an ``mt.Generator``; the default generator when None) for reproducibility.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from microtensor import dtypes
from microtensor.random import Generator, numpy_generator
from microtensor.tensor import Tensor
from microtensor.utils.data.dataset import TensorDataset

_GATES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "and": np.logical_and, "or": np.logical_or, "xor": np.logical_xor,
    "nand": lambda a, b: ~np.logical_and(a, b), "nor": lambda a, b: ~np.logical_or(a, b)}


def _labelled(X: np.ndarray, y: np.ndarray) -> TensorDataset:
    return TensorDataset(Tensor._make(X.astype(dtypes.get_default_dtype().np)), Tensor._make(y.astype(np.int64)))


def truth_table(op: str) -> TensorDataset:
    """The truth table of a logic gate, the perceptron's first problems.

    Args:
        op: ``"and"``, ``"or"``, ``"xor"``, ``"nand"``, ``"nor"`` (inputs ``(4, 2)``: 00, 01, 10, 11) or
            ``"not"`` (inputs ``(2, 1)``: 0, 1).

    Returns:
        ``TensorDataset(X, y)``: X float 0/1 inputs, y int64 outputs.
    """
    op = op.lower()
    if op == "not":
        x = np.array([[0], [1]])
        return _labelled(x, 1 - x[:, 0])
    if op not in _GATES:
        raise ValueError(f"truth_table: unknown op {op!r}; expected one of {sorted([*_GATES, 'not'])}")
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    return _labelled(x, _GATES[op](x[:, 0], x[:, 1]))


def xor() -> TensorDataset:
    """XOR's truth table, which no single perceptron separates: ``truth_table("xor")``."""
    return truth_table("xor")


def spiral(n_per_class: int = 100, n_classes: int = 3, noise: float = 0.2,
           generator: Generator | None = None) -> TensorDataset:
    """Interleaved spiral arms, one per class (the CS231n toy problem): not linearly separable.

    Arm ``k`` has radius ``r`` from 0 to 1 and angle ``4k + 4r`` plus Gaussian noise of std ``noise``;
    the point is ``(r sin t, r cos t)``.

    Returns:
        ``TensorDataset(X, y)``: X ``(n_per_class * n_classes, 2)``, y int64 in 0..n_classes-1, class by class.
    """
    r = np.tile(np.linspace(0.0, 1.0, n_per_class), n_classes)
    y = np.repeat(np.arange(n_classes), n_per_class)
    t = 4.0 * (y + r) + noise * numpy_generator(generator).standard_normal(r.shape)
    return _labelled(np.stack([r * np.sin(t), r * np.cos(t)], axis=1), y)


def moons(n_samples: int = 100, noise: float = 0.1, generator: Generator | None = None) -> TensorDataset:
    """Two interleaving half circles (as scikit-learn's ``make_moons``, unshuffled).

    The first ``ceil(n/2)`` points (class 0) lie on the upper unit half circle, the rest (class 1) on a
    lower one shifted to ``(1, 0.5)``; Gaussian noise of std ``noise`` is added to every coordinate.

    Returns:
        ``TensorDataset(X, y)``: X ``(n_samples, 2)``, y int64 0/1.
    """
    n_out = n_samples - n_samples // 2
    a = np.linspace(0.0, np.pi, n_out)
    b = np.linspace(0.0, np.pi, n_samples // 2)
    X = np.concatenate([np.stack([np.cos(a), np.sin(a)], 1), np.stack([1 - np.cos(b), 0.5 - np.sin(b)], 1)])
    X = X + noise * numpy_generator(generator).standard_normal(X.shape)
    return _labelled(X, np.repeat([0, 1], [n_out, n_samples // 2]))


def sum_of_five(n_samples: int = 1000, generator: Generator | None = None) -> TensorDataset:
    """Five numbers drawn uniformly from [0, 1); the label says whether their sum is above 2.5.

    Returns:
        ``TensorDataset(X, y)``: X ``(n_samples, 5)``, y int64 (1 when ``X.sum(1) > 2.5``).
    """
    X = numpy_generator(generator).random((n_samples, 5))
    return _labelled(X, X.sum(axis=1) > 2.5)


def sine_waves(n_series: int = 100, seq_len: int = 50, noise: float = 0.05,
               generator: Generator | None = None) -> TensorDataset:
    """Noisy sine waves for next-step prediction with a recurrent network.

    Each series is ``sin(f t + phase)`` at ``t = 0, 0.1, ..., 0.1 seq_len`` with a random frequency ``f`` in
    [0.5, 2) and phase in [0, 2 pi), plus Gaussian noise of std ``noise``; the target is the input shifted
    by one step.

    Returns:
        ``TensorDataset(inputs, targets)``: both ``(n_series, seq_len, 1)`` float (batch-first),
        ``targets[:, t] = series[t + 1]``.
    """
    rng = numpy_generator(generator)
    freq = rng.uniform(0.5, 2.0, (n_series, 1))
    phase = rng.uniform(0.0, 2 * np.pi, (n_series, 1))
    t = 0.1 * np.arange(seq_len + 1)
    series = np.sin(freq * t + phase) + noise * rng.standard_normal((n_series, seq_len + 1))
    dt = dtypes.get_default_dtype().np
    return TensorDataset(Tensor._make(series[:, :-1, None].astype(dt)), Tensor._make(series[:, 1:, None].astype(dt)))


TINY_CORPUS = """\
Shall I compare thee to a summer's day?
Thou art more lovely and more temperate:
Rough winds do shake the darling buds of May,
And summer's lease hath all too short a date;
Sometime too hot the eye of heaven shines,
And often is his gold complexion dimm'd;
And every fair from fair sometime declines,
By chance or nature's changing course untrimm'd;
But thy eternal summer shall not fade,
Nor lose possession of that fair thou ow'st;
Nor shall death brag thou wander'st in his shade,
When in eternal lines to time thou grow'st:
So long as men can breathe or eyes can see,
So long lives this, and this gives life to thee.
"""
"""Shakespeare's Sonnet 18 (public domain): a corpus small enough for a character model to memorise."""


def char_corpus(seq_len: int = 32, text: str = TINY_CORPUS) -> tuple[TensorDataset, str]:
    """Character-level next-character prediction windows over a text (the built-in sonnet by default).

    Window ``i`` holds characters ``i .. i+seq_len-1`` as input and ``i+1 .. i+seq_len`` as target.

    Args:
        seq_len: characters per window.
        text: the corpus.

    Returns:
        ``(TensorDataset(inputs, targets), vocab)``: inputs and targets int64 ``(len(text) - seq_len,
        seq_len)`` of indices into ``vocab``, the sorted string of the text's distinct characters.
    """
    if not 0 < seq_len < len(text):
        raise ValueError(f"char_corpus: seq_len must be in [1, {len(text) - 1}] for a text of {len(text)} "
                         f"characters, got {seq_len}")
    vocab = "".join(sorted(set(text)))
    codes = np.searchsorted(np.frombuffer(vocab.encode("utf-32-le"), np.uint32),
                            np.frombuffer(text.encode("utf-32-le"), np.uint32))
    windows = np.lib.stride_tricks.sliding_window_view(codes, seq_len + 1)
    return TensorDataset(Tensor._make(windows[:, :-1].astype(np.int64)),
                         Tensor._make(windows[:, 1:].astype(np.int64))), vocab
