"""A tiny generative adversarial network (GAN) learns a mixture of eight Gaussians on a ring.

The notes describe the GAN (Goodfellow et al., 2014) as a generative model trained without labels by
training two models against each other. Here both are small MLPs. The generator G maps 2-D Gaussian noise z
to a point G(z) in the plane; the discriminator D maps a point to a logit, the evidence that it came from the
data rather than from G. Each step first trains D, by binary cross-entropy, to call a batch of real points 1
and a batch of G's points 0; then trains G to make D call its points 1. G's loss is the "non-saturating" one
of the GAN paper, ``-log D(G(z))``, not the minimax ``log(1 - D(G(z)))``: early on D rejects G's points
easily, and there the minimax loss is flat while ``-log D`` still has a steep slope. Both use Adam with
``betas=(0.5, 0.999)``, the smaller first-moment decay that DCGAN (Radford et al., 2015) found steadies the
two-player game. Following DCGAN too, G's hidden units are ReLUs and D's are leaky ReLUs (slope 0.2): all that
G learns from is D's gradient with respect to its input, and a leaky ReLU lets it through everywhere.

The data are eight Gaussians of standard deviation 0.1 at radius 2, the classic test of *mode collapse*:
a generator can fool a discriminator with points near one or two of the modes and never learn the rest.
The score of a generator is the fraction of its samples within three standard deviations (0.3) of some
mode (for the data itself, 1 - exp(-9/2) = 98.9%), and the number of modes that get at least a quarter of
their fair share of those samples. At the game's equilibrium, G's samples are distributed as the data and D
says 1/2 everywhere: both losses are then ln 2 = 0.693, near which they hover. The snapshots show D's belief
as the background: G's points move along D's gradient towards where D says "real". G is a continuous map of
connected noise, so it cannot tear the plane into eight separate islands; it learns instead to stretch thin
the bridges between the modes, which is why its score creeps up slowly after every mode is found.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

import microtensor as mt
from demos.common import headline, new_figure, progress, save_figure
from microtensor import nn, optim
from microtensor.nn import functional as F

PICTURES = ("samples.png", "losses.png")  # what main() writes into its folder

MODES = 8
RADIUS = 2.0
SPREAD = 0.1                      # each mode's standard deviation
NEAR = 3 * SPREAD                 # a sample this close to a mode's centre counts as "near" it
NOISE = 2                         # the dimension of the generator's input noise
EXTENT = 3.0                      # the plots show [-EXTENT, EXTENT]^2


def mode_centres() -> np.ndarray:
    """The ``(MODES, 2)`` centres of the mixture, evenly spaced on the circle of radius ``RADIUS``."""
    angles = np.arange(MODES) * 2 * np.pi / MODES
    return RADIUS * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def sample_real(n: int) -> mt.Tensor:
    """``n`` points ``(n, 2)`` of the mixture: a mode drawn uniformly, plus Gaussian noise of std ``SPREAD``."""
    angles = mt.randint(0, MODES, (n,)).float() * (2 * math.pi / MODES)
    return RADIUS * mt.stack([angles.cos(), angles.sin()], dim=1) + SPREAD * mt.randn(n, 2)


class Quality(NamedTuple):
    """How well generated samples match the mixture: the fraction within ``NEAR`` of a mode's centre, the
    number of modes covered (holding at least a quarter of their fair share of samples) and the count of
    near samples per mode."""
    near: float
    modes_covered: int
    counts: list[int]


def quality(samples: np.ndarray) -> Quality:
    """The ``Quality`` of the generated points ``samples`` ``(n, 2)``."""
    distances = np.linalg.norm(samples[:, None, :] - mode_centres()[None], axis=2)      # (n, MODES)
    near = distances.min(axis=1) < NEAR
    counts = np.bincount(distances.argmin(axis=1)[near], minlength=MODES)
    return Quality(float(near.mean()), int((counts >= len(samples) / MODES / 4).sum()), counts.tolist())


@dataclass
class Snapshot:
    """The state of the game after ``step`` steps: generated points ``(n, 2)`` and D's probability that a
    point is real over a grid of the plot's square, ``(grid, grid)`` (rows along y)."""
    step: int
    samples: np.ndarray
    belief: np.ndarray


@dataclass
class GANRun:
    """A training run: both networks, the losses of every step, the ``Quality`` of G's samples at the
    steps in ``checked`` and the snapshots asked for."""
    generator: nn.Module
    discriminator: nn.Module
    d_loss: list[float] = field(default_factory=list)
    g_loss: list[float] = field(default_factory=list)
    checked: list[int] = field(default_factory=list)
    quality: list[Quality] = field(default_factory=list)
    snapshots: list[Snapshot] = field(default_factory=list)


def belief(discriminator: nn.Module, grid: int = 60) -> np.ndarray:
    """D's probability that a point is real on a ``grid`` x ``grid`` lattice of ``[-EXTENT, EXTENT]^2``."""
    xs = np.linspace(-EXTENT, EXTENT, grid)
    gx, gy = np.meshgrid(xs, xs)
    points = mt.tensor(np.stack([gx.ravel(), gy.ravel()], axis=1), dtype=mt.float32)
    with mt.no_grad():
        return discriminator(points).sigmoid().numpy().reshape(grid, grid)


def train(steps: int = 1500, batch_size: int = 128, lr: float = 2e-3, hidden: int = 64, seed: int = 0,
          check_every: int = 100, snapshot_at: tuple[int, ...] = (), n_check: int = 1000) -> GANRun:
    """Train G and D against each other with Adam: G is ``MLP([NOISE, hidden, hidden, 2])`` with ReLUs, D is
    ``MLP([2, hidden, hidden, 1])`` with leaky ReLUs.

    Args:
        steps: the training steps, each one update of D, then one of G.
        batch_size: real points and generated points per step (each).
        lr: both Adams' step size (``betas=(0.5, 0.999)``).
        hidden: the width of both networks' two hidden layers.
        seed: the seed of everything random.
        check_every: the ``Quality`` of G is measured every this many steps (and before the first).
        snapshot_at: the steps (0 = before training) after which to keep a ``Snapshot``.
        n_check: the generated points that each check and snapshot uses (the same noise every time).
    """
    mt.manual_seed(seed)
    generator = nn.MLP([NOISE, hidden, hidden, 2])
    discriminator = nn.MLP([2, hidden, hidden, 1], activation=lambda: nn.LeakyReLU(0.2))
    run = GANRun(generator, discriminator)
    g_opt = optim.Adam(generator.parameters(), lr=lr, betas=(0.5, 0.999))
    d_opt = optim.Adam(discriminator.parameters(), lr=lr, betas=(0.5, 0.999))
    check_noise = mt.randn(n_check, NOISE)
    real_or_fake = mt.cat([mt.ones(batch_size, 1), mt.zeros(batch_size, 1)])   # D's targets: real first

    def look(step: int) -> None:
        if step % check_every and step not in snapshot_at:
            return
        with mt.no_grad():
            samples = generator(check_noise).numpy()
        if step % check_every == 0:
            run.checked.append(step)
            run.quality.append(quality(samples))
        if step in snapshot_at:
            run.snapshots.append(Snapshot(step, samples, belief(discriminator)))

    look(0)
    for step in progress(range(1, steps + 1), desc="GAN steps"):
        fake = generator(mt.randn(batch_size, NOISE))
        # D: real points -> 1, generated ones -> 0, one batch of both (its loss: the mean over the two halves);
        # G's points are detached: this step does not move G
        d_loss = F.binary_cross_entropy_with_logits(discriminator(mt.cat([sample_real(batch_size), fake.detach()])),
                                                    real_or_fake)
        d_opt.zero_grad()
        d_loss.backward()
        d_opt.step()
        # G: make the updated D call its points real, -log D(G(z))
        g_loss = F.binary_cross_entropy_with_logits(discriminator(fake), real_or_fake[:batch_size])
        g_opt.zero_grad()
        g_loss.backward()
        g_opt.step()
        run.d_loss.append(d_loss.item())
        run.g_loss.append(g_loss.item())
        look(step)
    return run


def moving_average(values: list[float], window: int) -> np.ndarray:
    """The means of ``values`` over sliding windows of ``window`` (``len(values) - window + 1`` of them)."""
    return np.convolve(values, np.ones(window) / window, mode="valid")


def main(out: Path, quick: bool = False) -> None:
    """Train the GAN, print the quality of its samples along the way and plot real vs generated points at
    a few stages, the two losses and the quality."""
    steps = 100 if quick else 1500
    check_every = 25 if quick else 100
    stages = (0, steps // 10, steps // 4, steps // 2, steps)
    print(f"GAN on {MODES} Gaussians (std {SPREAD}) on a circle of radius {RADIUS}, {steps} steps")
    print("  G: MLP 2-64-64-2 (ReLU), D: MLP 2-64-64-1 (leaky ReLU), each step 128 real and 128 generated points,")
    print("  Adam lr 2e-3, betas (0.5, 0.999)")
    run = train(steps, check_every=check_every, snapshot_at=stages)
    print("  step   D loss  G loss  near a mode  modes covered   samples near each mode (of 1000)")
    for step, q in zip(run.checked, run.quality):
        losses = f"{run.d_loss[step - 1]:6.3f}  {run.g_loss[step - 1]:6.3f}" if step else "     -       -"
        print(f"  {step:4d}  {losses}  {q.near:10.1%}  {q.modes_covered:6d}/{MODES}        {q.counts}")
    final = run.quality[-1]
    print(f"  the data themselves: {quality(sample_real(1000).numpy()).near:.1%} within {NEAR:.1f} of a mode")
    headline(f"generated samples within {NEAR:.1f} of a mode", f"{final.near:.1%}, modes covered "
             f"{final.modes_covered}/{MODES}")

    fig, axes = new_figure(1, len(run.snapshots), width=3.2, height=3.4)
    real = sample_real(1000).numpy()
    centres = mode_centres()
    for ax, snap in zip(axes, run.snapshots):
        ax.imshow(snap.belief, extent=(-EXTENT, EXTENT, -EXTENT, EXTENT), origin="lower", cmap="RdBu",
                  vmin=0, vmax=1, alpha=0.35)
        ax.scatter(real[:, 0], real[:, 1], s=2, c="k", alpha=0.3, label="real")
        ax.scatter(snap.samples[:, 0], snap.samples[:, 1], s=2, c="tab:red", alpha=0.5, label="generated")
        ax.scatter(centres[:, 0], centres[:, 1], s=250, facecolors="none", edgecolors="k", linewidths=0.6)
        q = quality(snap.samples)
        ax.set_title(f"step {snap.step}: {q.near:.0%} near, {q.modes_covered}/{MODES} modes", fontsize=9)
        ax.set_xlim(-EXTENT, EXTENT)
        ax.set_ylim(-EXTENT, EXTENT)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0].legend(loc="lower left", fontsize=7, markerscale=4)
    fig.suptitle("real (black) vs generated (red) points; background: D's P(real), blue = real", fontsize=10)
    save_figure(fig, out / "samples.png")

    fig, (loss_ax, quality_ax) = new_figure(1, 2, width=4.8, height=3.8)
    window = min(50, steps)
    steps_axis = np.arange(window, steps + 1)
    for name, losses in (("D", run.d_loss), ("G", run.g_loss)):
        loss_ax.plot(range(1, steps + 1), losses, alpha=0.2)
        loss_ax.plot(steps_axis, moving_average(losses, window), color=loss_ax.lines[-1].get_color(),
                     label=f"{name} (mean of {window} steps)")
    loss_ax.axhline(math.log(2), color="grey", linestyle="--", linewidth=1, label="ln 2 (equilibrium)")
    loss_ax.set_xlabel("step")
    loss_ax.set_ylabel("binary cross-entropy")
    loss_ax.set_title("the two losses")
    loss_ax.legend(fontsize=8)
    quality_ax.plot(run.checked, [q.near for q in run.quality], marker="o", markersize=3,
                    label=f"fraction within {NEAR:.1f} of a mode")
    quality_ax.plot(run.checked, [q.modes_covered / MODES for q in run.quality], marker="s", markersize=3,
                    label="fraction of modes covered")
    quality_ax.set_ylim(0, 1.05)
    quality_ax.set_xlabel("step")
    quality_ax.set_title("quality of G's samples")
    quality_ax.legend(fontsize=8)
    save_figure(fig, out / "losses.png")
