"""The notes' optimizers side by side: SGD, Momentum, Nesterov, Adagrad, RMSprop, Adadelta and Adam (``mt.optim``),
then learning-rate decay, gradient clipping, and full-batch vs stochastic vs mini-batch gradient descent.

1. A narrow valley, ``f = 0.5 * (0.04 u^2 + 2 v^2)``: curvature 50 times steeper across the floor than along it,
   which is what makes plain gradient descent zigzag across and crawl along. All seven start from the same point;
   the picture draws their paths over the contours. The valley is drawn twice: along the axes, and turned by 30
   degrees with the start turned with it. SGD and both momentum methods only add and scale gradient vectors, so
   turning the problem turns their paths and nothing else (the numbers are the same); Adagrad, RMSprop, Adadelta
   and Adam divide each coordinate by its own gradient history, which undoes the stretch only when the valley
   lies along the axes: turned, they lose most of their lead. Each run's step is compiled (``mt.compile``): traced
   on the first call, replayed after it as straight-line NumPy, whose first and last lines the demo prints.
2. The same seven train one MLP (64-32-10, the same start and batch order) on scikit-learn's digits; each has a
   learning rate picked by hand (RMSprop and Adam need far smaller ones than SGD); all reach 95-98% on the test set.
3. Learning-rate decay: a learning rate large enough to make fast progress leaves the loss bouncing at the end;
   StepLR, ExponentialLR and CosineAnnealingLR shrink it epoch by epoch and end with a several-fold lower loss.
   Gradient clipping: a deep ReLU network started with six-times-too-large weights has gradients of norm ~300;
   unclipped SGD overflows to nan within a few steps, while ``nn.utils.clip_grad_norm_(params, 1.0)`` bounds
   every step and the same network trains.
4. The notes' three sampling schemes are one DataLoader setting each: ``batch_size=len(train)`` (BGD),
   ``batch_size=1`` (SGD) and ``batch_size=32`` (MBGD), the same rule and learning rate otherwise. Per update
   BGD and MBGD are alike and SGD is far behind (one example is a noisy direction); per example seen it is the
   other way round (SGD has made 150 updates when BGD has made none); per pass over the data BGD's one large
   matrix product is hundreds of times faster than SGD's 1,438 small ones (the notes: SGD does not parallelise).

Where the notes and PyTorch differ, the demo says so: PyTorch's momentum has no ``(1 - beta)`` factor (its lr is
the notes' alpha times ``1 - beta``); RMSprop's default decay is 0.99 (the notes say "usually 0.999"); Adam's
beta2 is 0.999 (the notes' 0.9999 is a slip); the notes' Adadelta has only its denominator, which alone is
RMSprop: Adadelta's numerator, the running RMS of its own past steps, is what replaces the learning rate.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

import microtensor as mt
from demos.common import headline, new_figure, progress, save_figure
from demos.training import (
    History,
    Split,
    accuracy,
    digits_split,
    loss_and_gradients,
    plot_curves,
    train_classifier,
)
from microtensor import nn, optim
from microtensor.nn import functional as F
from microtensor.optim import lr_scheduler
from microtensor.utils.data import DataLoader

PICTURES = ("valley.png", "digits_losses.png", "lr_schedules.png", "lr_decay.png", "clipping.png",
            "batch_sizes.png")

@dataclass(frozen=True)
class Rule:
    """One of the notes' optimizers: its ``mt.optim`` class and settings besides the learning rate, its update
    written out (g: the gradient, eps: a small constant) and what the notes say of it."""
    cls: type[optim.Optimizer]
    settings: dict[str, Any]
    update: str
    notes: str


RULES = {
    "SGD": Rule(optim.SGD, {}, "w <- w - lr g",
                "the path swings up and down and converges slowly"),
    "Momentum": Rule(optim.SGD, {"momentum": 0.9}, "b <- 0.9 b + g; w <- w - lr b",
                     "an exponentially weighted average of the gradients damps the swings (beta usually 0.9)"),
    "Nesterov": Rule(optim.SGD, {"momentum": 0.9, "nesterov": True}, "b <- 0.9 b + g; w <- w - lr (g + 0.9 b)",
                     "momentum with a correction factor"),
    "Adagrad": Rule(optim.Adagrad, {}, "G <- G + g^2; w <- w - lr g / (sqrt(G) + eps)",
                    "a rate per parameter, larger for rarely updated ones (good for sparse data); the growing sum"
                    " can end training early"),
    "RMSprop": Rule(optim.RMSprop, {}, "S <- 0.99 S + 0.01 g^2; w <- w - lr g / (sqrt(S) + eps)",
                    "like momentum, but a decaying average of the squared gradients divides the step"),
    "Adadelta": Rule(optim.Adadelta, {}, "S <- 0.9 S + 0.1 g^2; d = sqrt(D + eps) / sqrt(S + eps) g; "
                                         "D <- 0.9 D + 0.1 d^2; w <- w - lr d",
                     "Adagrad with a decaying average in place of the sum, so it keeps learning"),
    "Adam": Rule(optim.Adam, {}, "V <- 0.9 V + 0.1 g; S <- 0.999 S + 0.001 g^2; "
                                 "w <- w - lr (V / (1 - 0.9^t)) / (sqrt(S / (1 - 0.999^t)) + eps) at step t",
                 "RMSprop + momentum with bias correction; works well in practice"),
}
NOTES_VS_PYTORCH = (
    "Momentum: the notes average, V = beta V + (1 - beta) dW; PyTorch sums, b = beta b + g, so PyTorch's lr is"
    " the notes' alpha times 1 - beta (alpha / 10 at beta = 0.9)",
    "Nesterov: the notes' 'correction factor' is the gradient taken one momentum step ahead; PyTorch's form"
    " steps along g + beta b",
    "RMSprop: the notes say the decay is usually 0.999; PyTorch's default is 0.99 (Hinton's lecture used 0.9)",
    "Adagrad: the notes put eps inside the square root; PyTorch adds it outside, eps = 1e-10",
    "Adadelta: the notes replace only Adagrad's denominator by a decaying average (that alone is RMSprop);"
    " Adadelta also multiplies by the RMS of its own past steps, which stands in for the learning rate",
    "Adam: the notes' 'beta2 usually 0.9999' is a slip: the paper and PyTorch use 0.999 (and add eps = 1e-8)",
)

# 1. the valley
FLOOR_CURVATURE, WALL_CURVATURE = 0.04, 2.0
VALLEY_START = (-4.0, 2.0)
VALLEY_STEPS = 200
VALLEY_TOL = 1e-4
TURN = math.radians(30)
VALLEY_LR = {"SGD": 0.9, "Momentum": 0.1, "Nesterov": 0.1, "Adagrad": 1.0, "RMSprop": 0.05, "Adadelta": 10.0,
             "Adam": 0.3}
ADADELTA_DEFAULT_LR = 1.0
CODE_LINES = 5                                  # the demo prints this many lines of each end of SGD's replay

# 2. digits
HIDDEN = 32
DIGITS_EPOCHS = 8
DIGITS_BATCH = 64
DIGITS_LR = {"SGD": 0.5, "Momentum": 0.05, "Nesterov": 0.05, "Adagrad": 0.1, "RMSprop": 0.005, "Adadelta": 1.0,
             "Adam": 0.01}

# 3. learning-rate decay and gradient clipping
DECAY_EPOCHS = 9
DECAY_LR = 0.5
SCHEDULES: dict[str, Callable[[optim.Optimizer, int], lr_scheduler.LRScheduler] | None] = {
    "constant": None,
    "StepLR": lambda opt, epochs: lr_scheduler.StepLR(opt, step_size=3, gamma=0.3),
    "ExponentialLR": lambda opt, epochs: lr_scheduler.ExponentialLR(opt, gamma=0.75),
    "CosineAnnealingLR": lambda opt, epochs: lr_scheduler.CosineAnnealingLR(opt, T_max=epochs),
}
DEEP_LAYERS = 5
INIT_GAIN = 6.0
CLIP_LR = 0.1
CLIP_NORM = 1.0
CLIP_EPOCHS = 5

# 4. full batch, one example, mini-batch
SCHEMES = {"BGD": None, "MBGD": 32, "SGD": 1}  # name -> batch_size (None: the whole training set)
SCHEME_UPDATES = 150
SCHEME_LR = 0.2


def make_optimizer(name: str, params: Any, lr: float) -> optim.Optimizer:
    """The optimizer ``RULES[name]`` over ``params`` with learning rate ``lr``."""
    rule = RULES[name]
    return rule.cls(params, lr=lr, **rule.settings)


# ----------------------------------------------------------------------------- 1. the valley
def turn(point: tuple[float, float], angle: float) -> tuple[float, float]:
    """``point`` rotated by ``angle`` radians about the origin."""
    c, s = math.cos(angle), math.sin(angle)
    return c * point[0] - s * point[1], s * point[0] + c * point[1]


def valley(w: mt.Tensor, angle: float = 0.0) -> mt.Tensor:
    """The valley ``0.5 * (0.04 u^2 + 2 v^2)`` at ``w = (x, y)`` (a 2-element Tensor), where ``(u, v)`` is ``w``
    turned back by ``angle``: the floor runs along the direction ``angle``; the minimum is 0 at the origin."""
    c, s = math.cos(angle), math.sin(angle)
    u, v = c * w[0] + s * w[1], -s * w[0] + c * w[1]
    return 0.5 * (FLOOR_CURVATURE * u ** 2 + WALL_CURVATURE * v ** 2)


@dataclass
class Descent:
    """One optimizer's path on the valley: the point ``(steps + 1, 2)``, the loss before each step and at the
    end, and the NumPy program its compiled step replays (``mt.compile``'s ``code``)."""
    points: np.ndarray
    losses: list[float]
    code: str

    def steps_to(self, tol: float = VALLEY_TOL) -> int | None:
        """The number of steps after which the loss is first below ``tol``; None if it never is."""
        return next((n for n, loss in enumerate(self.losses) if loss < tol), None)


def valley_step(w: mt.Tensor, optimizer: optim.Optimizer, angle: float) -> mt.Tensor:
    """One step of ``optimizer`` on the valley turned by ``angle`` from ``w``; returns the loss before it."""
    loss = valley(w, angle)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss


def descend(name: str, lr: float | None = None, steps: int = VALLEY_STEPS, angle: float = 0.0) -> Descent:
    """Minimise the valley turned by ``angle`` with ``RULES[name]``, from ``VALLEY_START`` turned with it, in
    float64, with ``valley_step`` compiled (traced on the first step, replayed as NumPy on the others).

    Args:
        name: a key of ``RULES``.
        lr: the learning rate (``VALLEY_LR[name]`` by default).
        steps: the number of updates.
        angle: the valley's direction in radians.
    """
    w = mt.tensor(turn(VALLEY_START, angle), dtype=mt.float64, requires_grad=True)
    optimizer = make_optimizer(name, [w], VALLEY_LR[name] if lr is None else lr)
    step = mt.compile(valley_step)
    points, losses = [w.tolist()], []
    for _ in range(steps):
        losses.append(step(w, optimizer, angle).item())   # .item() and .tolist() stay outside the compiled step
        points.append(w.tolist())
    with mt.no_grad():
        losses.append(valley(w, angle).item())
    return Descent(np.array(points), losses, step.code)


def _print_valley_table(runs: dict[str, Descent], lrs: dict[str, float]) -> None:
    print(f"  {'optimizer':10s} {'lr':>5s}  {'final (x, y)':>22s}  {'final loss':>10s}  steps to loss < {VALLEY_TOL:g}")
    for name, run in runs.items():
        x, y = run.points[-1]
        steps = run.steps_to()
        print(f"  {name:10s} {lrs[name]:5g}  ({x:9.2e}, {y:9.2e})  {run.losses[-1]:10.2e}  "
              f"{'-' if steps is None else steps:>5}")


def _plot_valleys(panels: list[tuple[str, float, dict[str, Descent]]], path: Path) -> None:
    """One panel per ``(title, angle, runs)``: the valley's contours and every run's path, on common axes."""
    points = np.concatenate([run.points for _, _, runs in panels for run in runs.values()])
    (x0, y0), (x1, y1) = points.min(axis=0) - 0.3, points.max(axis=0) + 0.3
    fig, axes = new_figure(1, len(panels), width=6.0, height=6.0 * (y1 - y0) / (x1 - x0) + 0.6)
    gx, gy = np.meshgrid(np.linspace(x0, x1, 261), np.linspace(y0, y1, 261))
    for ax, (title, angle, runs) in zip(axes, panels):
        with mt.no_grad():
            surface = valley(mt.tensor(np.stack([gx, gy]), dtype=mt.float64), angle).numpy()
        ax.contour(gx, gy, surface, levels=np.geomspace(1e-3, surface.max(), 16), colors="0.75", linewidths=0.7)
        for i, (name, run) in enumerate(runs.items()):
            ax.plot(run.points[:, 0], run.points[:, 1], marker=".", markersize=3, linewidth=1,
                    linestyle="-" if i < 3 else "--", label=name)  # dashed: the per-coordinate methods
        ax.plot(*turn(VALLEY_START, angle), "ko", label="start")
        ax.plot(0, 0, "k*", markersize=12, label="minimum")
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal")
        ax.set_title(title)
        ax.legend(fontsize=7, loc="upper right", ncol=3)
    save_figure(fig, path)


# ----------------------------------------------------------------------------- 2. digits
@cache
def digits() -> Split:
    """The digits as 64 features, split once (``demos.training.digits_split(flatten=True)``) and kept."""
    return digits_split(flatten=True)


def make_mlp(seed: int = 0, sizes: tuple[int, ...] = (64, HIDDEN, 10)) -> nn.MLP:
    """A ReLU MLP with ``sizes`` features, its weights drawn after ``mt.manual_seed(seed)``: the same seed,
    the same start."""
    mt.manual_seed(seed)
    return nn.MLP(list(sizes))


def train_digits(name: str, epochs: int = DIGITS_EPOCHS, lr: float | None = None, seed: int = 0) -> History:
    """Train ``make_mlp(seed)`` on the digits with ``RULES[name]`` in batches of ``DIGITS_BATCH``.

    Args:
        name: a key of ``RULES``.
        epochs: passes over the training part.
        lr: the learning rate (``DIGITS_LR[name]`` by default).
        seed: the seed of the start and of the batch order (the same for every optimizer).
    """
    model = make_mlp(seed)
    optimizer = make_optimizer(name, model.parameters(), DIGITS_LR[name] if lr is None else lr)
    return train_classifier(model, digits(), optimizer, epochs, batch_size=DIGITS_BATCH, seed=seed,
                            desc=f"digits, {name}")


# ----------------------------------------------------------------------------- 3. decay and clipping
def make_scheduler(schedule: str, optimizer: optim.Optimizer, epochs: int) -> lr_scheduler.LRScheduler | None:
    """``SCHEDULES[schedule]`` on ``optimizer`` for a run of ``epochs`` epochs; None for the constant rate."""
    factory = SCHEDULES[schedule]
    return None if factory is None else factory(optimizer, epochs)


def lr_sequence(schedule: str, epochs: int = DECAY_EPOCHS, lr: float = DECAY_LR) -> list[float]:
    """The learning rate in each of ``epochs`` epochs under ``SCHEDULES[schedule]``, from ``lr``, stepped once
    per epoch (as ``train_classifier`` steps it)."""
    optimizer = optim.SGD([mt.zeros(1, requires_grad=True)], lr=lr)
    scheduler = make_scheduler(schedule, optimizer, epochs)
    lrs = []
    for _ in range(epochs):
        lrs.append(optimizer.param_groups[0]["lr"])
        if scheduler is not None:
            scheduler.step()
    return lrs


def train_with_schedule(schedule: str, epochs: int = DECAY_EPOCHS, lr: float = DECAY_LR, seed: int = 0) -> History:
    """Train ``make_mlp(seed)`` on the digits with SGD (momentum 0.9) from learning rate ``lr`` under
    ``SCHEDULES[schedule]`` (stepped after every epoch), in batches of ``DIGITS_BATCH``."""
    model = make_mlp(seed)
    optimizer = make_optimizer("Momentum", model.parameters(), lr)
    scheduler = make_scheduler(schedule, optimizer, epochs)
    return train_classifier(model, digits(), optimizer, epochs, batch_size=DIGITS_BATCH, seed=seed,
                            desc=f"lr decay, {schedule}", scheduler=scheduler)


class Update(NamedTuple):
    """One optimizer step: the batch's loss, the total gradient norm before clipping, the batch's size and the
    seconds the step took."""
    loss: float
    norm: float
    size: int
    seconds: float


def updates(model: nn.Module, loader: DataLoader, optimizer: optim.Optimizer, count: int,
            clip_norm: float | None = None) -> Iterator[Update]:
    """Take ``count`` cross-entropy steps on ``loader``'s batches (passing over it as often as needed) and
    yield an ``Update`` after each; with ``clip_norm`` the gradients are clipped to that total norm first.
    ``loss_and_gradients`` runs compiled; the norm, the clipping and the update run eagerly after it."""
    compute = mt.compile(loss_and_gradients)
    done = 0
    while done < count:
        for x, y in loader:
            start = time.perf_counter()
            loss = compute(model, optimizer, F.cross_entropy, x, y)
            params = list(model.parameters())
            norm = (nn.utils.clip_grad_norm_(params, clip_norm) if clip_norm is not None
                    else nn.utils.get_total_norm([p.grad for p in params]))
            optimizer.step()
            yield Update(loss.item(), norm.item(), len(y), time.perf_counter() - start)
            done += 1
            if done == count:
                return


def deep_mlp(seed: int = 0) -> nn.MLP:
    """A ReLU MLP with ``DEEP_LAYERS`` hidden layers of 64, its weight matrices drawn ``INIT_GAIN`` times too
    large: the signal and the gradients grow layer by layer."""
    model = make_mlp(seed, (64, *[64] * DEEP_LAYERS, 10))
    with mt.no_grad():
        for p in model.parameters():
            if p.ndim == 2:
                p.mul_(INIT_GAIN)
    return model


@dataclass
class ClipRun:
    """Training the deep network with or without clipping: every step's batch loss and total gradient norm
    (before clipping), the step whose loss was first not finite (None if none) and the final test accuracy
    (None after a divergence)."""
    losses: list[float] = field(default_factory=list)
    norms: list[float] = field(default_factory=list)
    diverged_at: int | None = None
    accuracy: float | None = None


def train_clipping(clip_norm: float | None, epochs: int = CLIP_EPOCHS, lr: float = CLIP_LR,
                   seed: int = 0) -> ClipRun:
    """Train ``deep_mlp(seed)`` on the digits with SGD (momentum 0.9), batches of ``DIGITS_BATCH``, clipping
    the total gradient norm to ``clip_norm`` (None: no clipping); stop at the first non-finite loss."""
    model = deep_mlp(seed)
    optimizer = make_optimizer("Momentum", model.parameters(), lr)
    loader = DataLoader(digits().train_set(), batch_size=DIGITS_BATCH, shuffle=True,
                        generator=mt.Generator().manual_seed(seed))
    run = ClipRun()
    label = "unclipped" if clip_norm is None else f"clipped to {clip_norm:g}"
    with np.errstate(over="ignore", invalid="ignore"):  # the unclipped run overflows on purpose
        for step in progress(updates(model, loader, optimizer, epochs * len(loader), clip_norm),
                             desc=f"deep net, {label}", total=epochs * len(loader)):
            run.losses.append(step.loss)
            run.norms.append(step.norm)
            if not math.isfinite(step.loss):
                run.diverged_at = len(run.losses)
                return run
    run.accuracy = accuracy(model, digits().x_test, digits().y_test)
    return run


# ----------------------------------------------------------------------------- 4. BGD, SGD, MBGD
def checkpoints(count: int, points: int = 40) -> list[int]:
    """The update counts at which a run of ``count >= 1`` updates records its loss: 0, about ``points`` counts
    evenly spaced on a log scale (so every one of the first few), the powers of ten and ``count`` itself."""
    spaced = np.geomspace(1, count, points).round().astype(int)
    tens = 10 ** np.arange(int(math.log10(count)) + 1)
    return sorted({0, count, *spaced.tolist(), *tens.tolist()})


@dataclass
class SchemeRun:
    """Gradient descent with one batch size, recorded at ``checkpoints``: the updates made by each record, the
    examples used by then and the full training loss; the size of the training set and the mean seconds per
    update."""
    updates: list[int]
    examples: list[int]
    losses: list[float]
    n_train: int
    seconds_per_update: float

    def epochs(self) -> np.ndarray:
        """The passes over the training set made by each record."""
        return np.array(self.examples) / self.n_train

    def loss_at(self, update: int) -> float:
        """The full training loss after ``update`` updates (one of the recorded counts)."""
        return self.losses[self.updates.index(update)]

    def record_within(self, n: int) -> int:
        """The index of the last record made with no more than ``n`` examples in all."""
        return max(i for i, seen in enumerate(self.examples) if seen <= n)

    def loss_after_examples(self, n: int) -> float:
        """The full training loss at the last record made with no more than ``n`` examples in all."""
        return self.losses[self.record_within(n)]


def training_loss(model: nn.Module, split: Split) -> float:
    """The mean cross-entropy of ``model`` over the whole training part of ``split``."""
    with mt.no_grad():
        return F.cross_entropy(model(split.x_train), split.y_train).item()


def train_scheme(batch_size: int | None, updates_count: int = SCHEME_UPDATES, lr: float = SCHEME_LR,
                 seed: int = 0) -> SchemeRun:
    """Plain SGD (``lr``) on ``make_mlp(seed)`` over a shuffled DataLoader of the digits with ``batch_size``
    (None: the whole training set, i.e. BGD), for ``updates_count`` updates, with the full training loss
    recorded at ``checkpoints(updates_count)``."""
    split = digits()
    model = make_mlp(seed)
    optimizer = optim.SGD(model.parameters(), lr=lr)
    loader = DataLoader(split.train_set(), batch_size=batch_size or len(split.y_train), shuffle=True,
                        generator=mt.Generator().manual_seed(seed))
    marks = set(checkpoints(updates_count))
    run = SchemeRun([0], [0], [training_loss(model, split)], len(split.y_train), 0.0)
    seen = 0
    for done, step in enumerate(progress(updates(model, loader, optimizer, updates_count),
                                         desc=f"batch size {batch_size}", total=updates_count), start=1):
        seen += step.size
        run.seconds_per_update += step.seconds / updates_count
        if done in marks:
            run.updates.append(done)
            run.examples.append(seen)
            run.losses.append(training_loss(model, split))
    return run


# ----------------------------------------------------------------------------- the demo
def _valley_part(out: Path, steps: int) -> None:
    print(f"1. The valley 0.5 (0.04 u^2 + 2 v^2) from {VALLEY_START}, {steps} steps of each rule (float64):")
    for name, rule in RULES.items():
        print(f"  {name:9s} {rule.update}")
        print(f"  {'':9s} the notes: {rule.notes}")
    aligned = {name: descend(name, steps=steps) for name in RULES}
    _print_valley_table(aligned, VALLEY_LR)
    code = aligned["SGD"].code.splitlines()
    print(f"  each step ran compiled (mt.compile(valley_step)): traced once, then replayed as straight NumPy; SGD's"
          f" replay, the first and last {CODE_LINES} of its {len(code)} lines (compiled.code holds them all):")
    print("\n".join(f"    | {line}" for line in [*code[:CODE_LINES], "    ...", *code[-CODE_LINES:]]))
    lr = VALLEY_LR["SGD"]
    print("  SGD's y after each of its first steps: " + ", ".join(f"{y:.2f}" for y in aligned["SGD"].points[1:7, 1])
          + f": it crosses the floor every step (lr times the wall's curvature is {lr * WALL_CURVATURE:g} > 1), as"
          f" the notes say, while x creeps (times {1 - lr * FLOOR_CURVATURE:g} per step); momentum's average of the"
          " flips cancels them")
    print("  the per-coordinate methods divide each coordinate by its own gradient scale, which undoes the stretch"
          " here because the valley lies along the axes (Adagrad's growing sum does not end training early on a"
          " problem this short)")
    slow = descend("Adadelta", lr=ADADELTA_DEFAULT_LR, steps=steps)
    print(f"  Adadelta at PyTorch's default lr {ADADELTA_DEFAULT_LR:g} has only got to "
          f"({slow.points[-1][0]:.2f}, {slow.points[-1][1]:.2f}), loss {slow.losses[-1]:.3f}: its step is scaled by"
          " the RMS of its past steps, which starts at sqrt(eps) = 0.001 and grows slowly")
    turned = {name: descend(name, steps=steps, angle=TURN) for name in RULES}
    print(f"  the same valley and start turned by {math.degrees(TURN):g} degrees:")
    _print_valley_table(turned, VALLEY_LR)
    print("  SGD and the momentum methods are unchanged by the turn; the per-coordinate ones lose their lead")
    headline(f"valley, steps to loss < {VALLEY_TOL:g}",
             ", ".join(f"{name} {'-' if run.steps_to() is None else run.steps_to()}" for name, run in aligned.items()))
    headline(f"valley turned {math.degrees(TURN):g} degrees, final loss",
             ", ".join(f"{name} {run.losses[-1]:.1e}" for name, run in turned.items()))
    _plot_valleys([("the valley along the axes", 0.0, aligned),
                   (f"turned by {math.degrees(TURN):g} degrees", TURN, turned)], out / "valley.png")


def _digits_part(out: Path, epochs: int) -> None:
    print(f"2. Digits, MLP 64-{HIDDEN}-10, {epochs} epochs, batches of {DIGITS_BATCH}, the same start and batch"
          " order for every optimizer:")
    runs = {name: train_digits(name, epochs) for name in RULES}
    print(f"  {'optimizer':10s} {'lr':>6s}  training loss after epoch 1 .. {epochs}    test accuracy")
    for name, run in runs.items():
        print(f"  {name:10s} {DIGITS_LR[name]:6g}  " + " ".join(f"{v:.3f}" for v in run.loss)
              + f"  {run.accuracy[-1]:.1%}")
    headline("digits test accuracy", ", ".join(f"{name} {run.accuracy[-1]:.1%}" for name, run in runs.items()))
    plot_curves(runs, out / "digits_losses.png", "seven optimizers on digits: training loss")


def _decay_part(out: Path, epochs: int) -> None:
    print(f"3a. Learning-rate decay: SGD, momentum 0.9, from lr {DECAY_LR:g}, {epochs} epochs, stepped per epoch:")
    sequences = {name: lr_sequence(name, epochs) for name in SCHEDULES}
    runs = {name: train_with_schedule(name, epochs) for name in SCHEDULES}
    for name in SCHEDULES:
        print(f"  {name:18s} lr " + " ".join(f"{v:.3f}" for v in sequences[name]))
        print(f"  {'':18s} loss " + " ".join(f"{v:.3f}" for v in runs[name].loss)
              + f"  test accuracy {runs[name].accuracy[-1]:.1%}")
    headline("final training loss by schedule", ", ".join(f"{name} {run.loss[-1]:.3f}" for name, run in runs.items()))
    fig, ax = new_figure(width=5.0, height=3.6)
    for name, lrs in sequences.items():
        ax.plot(range(1, len(lrs) + 1), lrs, marker="o", markersize=3, label=name)
    ax.set_xlabel("epoch")
    ax.set_title("learning rate in each epoch")
    ax.legend(fontsize=8)
    save_figure(fig, out / "lr_schedules.png")
    plot_curves(runs, out / "lr_decay.png", f"SGD, momentum 0.9, from lr {DECAY_LR:g}: training loss")


def _clipping_part(out: Path, epochs: int) -> None:
    print(f"3b. Gradient clipping: a {DEEP_LAYERS}-hidden-layer ReLU MLP with weights {INIT_GAIN:g} times too large,"
          f" SGD momentum 0.9, lr {CLIP_LR:g}, {epochs} epochs:")
    runs = {"unclipped": train_clipping(None, epochs), f"clipped to {CLIP_NORM:g}": train_clipping(CLIP_NORM, epochs)}
    for name, run in runs.items():
        print(f"  {name:14s} total gradient norm at steps 1..6: " + " ".join(f"{v:.3g}" for v in run.norms[:6]))
        ending = (f"loss not finite at step {run.diverged_at}" if run.diverged_at
                  else f"loss {run.losses[0]:.3g} -> {run.losses[-1]:.3g}, test accuracy {run.accuracy:.1%}")
        print(f"  {'':14s} {ending}")
    headline("gradient clipping", "; ".join(
        f"{name}: " + (f"nan at step {run.diverged_at}" if run.diverged_at else f"test accuracy {run.accuracy:.1%}")
        for name, run in runs.items()))

    fig, (norm_ax, loss_ax) = new_figure(1, 2, width=4.8, height=3.8)
    for name, run in runs.items():
        steps = range(1, len(run.losses) + 1)
        norm_ax.plot(steps, run.norms, marker=".", markersize=3, label=name)
        loss_ax.plot(steps, run.losses, marker=".", markersize=3, label=name)
    norm_ax.axhline(CLIP_NORM, color="k", linestyle=":", label=f"max_norm = {CLIP_NORM:g}")
    norm_ax.set_title("total gradient norm before clipping")
    loss_ax.set_title("batch loss (the unclipped run ends at nan)")
    for ax in (norm_ax, loss_ax):
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.legend(fontsize=8)
    save_figure(fig, out / "clipping.png")


def _scheme_part(out: Path, count: int) -> None:
    n_train = len(digits().y_train)
    print(f"4. BGD, MBGD and SGD: one DataLoader batch_size each ({n_train}, {SCHEMES['MBGD']}, 1), plain SGD"
          f" lr {SCHEME_LR:g}, {count} updates, the full training loss recorded along the way:")
    print("  the notes: BGD uses every example per update (exact direction, slow per update); SGD one (many cheap,"
          " noisy updates, nothing to vectorise); MBGD a batch (nearly BGD's direction at a fraction of the cost)")
    runs = {name: train_scheme(size, count) for name, size in SCHEMES.items()}
    marks = sorted({count, *(10 ** k for k in range(int(math.log10(count)) + 1))})  # all among the checkpoints
    print(f"  {'':5s} {'batch':>5s}  loss after update " + " ".join(f"{m:>6d}" for m in marks)
          + "  epochs  ms/update  s/epoch")
    for name, run in runs.items():
        size = SCHEMES[name] or n_train
        print(f"  {name:5s} {size:5d}  {'':17s} " + " ".join(f"{run.loss_at(m):6.3f}" for m in marks)
              + f"  {run.epochs()[-1]:6.2f}  {run.seconds_per_update * 1e3:9.2f}"
              f"  {run.seconds_per_update * math.ceil(n_train / size):7.3f}")
    seen = runs["SGD"].examples[-1]
    headline(f"full training loss after {count} updates",
             ", ".join(f"{name} {run.losses[-1]:.3f}" for name, run in runs.items()))
    headline(f"full training loss after {seen} examples", ", ".join(
        f"{name} {run.loss_after_examples(seen):.3f} ({run.updates[run.record_within(seen)]} updates)"
        for name, run in runs.items()))

    fig, (upd_ax, ep_ax) = new_figure(1, 2, width=4.8, height=3.8)
    for name, run in runs.items():
        label = f"{name} (batch {SCHEMES[name] or n_train})"
        upd_ax.plot(run.updates[1:], run.losses[1:], label=label)
        ep_ax.plot(run.epochs()[1:], run.losses[1:], label=label)
    upd_ax.set_xlabel("updates")
    upd_ax.set_title("full training loss per update")
    ep_ax.set_xlabel("epochs (examples seen / training set)")
    ep_ax.set_title("full training loss per example seen")
    for ax in (upd_ax, ep_ax):
        ax.set_xscale("log")
        ax.legend(fontsize=8)
    save_figure(fig, out / "batch_sizes.png")


def main(out: Path, quick: bool = False) -> None:
    """Run the four parts (few steps each when ``quick``), print their tables and headlines and write the six
    pictures."""
    print("Where the notes and PyTorch (and so mt.optim) differ:")
    for line in NOTES_VS_PYTORCH:
        print(f"  {line}")
    _valley_part(out, 30 if quick else VALLEY_STEPS)
    _digits_part(out, 1 if quick else DIGITS_EPOCHS)
    _decay_part(out, 3 if quick else DECAY_EPOCHS)
    _clipping_part(out, 1 if quick else CLIP_EPOCHS)
    _scheme_part(out, 10 if quick else SCHEME_UPDATES)
