"""A LeNet-5 learns a synthetic 10-class image task (noisy stripes and shapes on 28x28) to > 95% test accuracy
in a few seconds, trained by SGD with momentum written out here (optim is issue #4)."""
import numpy as np
import pytest

import microtensor as mt
from microtensor import nn
from microtensor.nn import functional as F

SIZE = 28


def pattern(label: int, rng: np.random.Generator) -> np.ndarray:
    """One 28x28 image of class ``label``: stripes of four orientations, a checkerboard, or a shape
    (square, ring, plus, blob), a grid of dots at a random place and size, with random period and phase."""
    y, x = np.mgrid[:SIZE, :SIZE].astype(np.float64)
    cy, cx = rng.uniform(9, 19, 2)
    period, phase = rng.uniform(4, 7), rng.uniform(0, 2 * np.pi)
    half = rng.uniform(5, 8)
    dy, dx = y - cy, x - cx
    inside = (np.abs(dy) <= half) & (np.abs(dx) <= half)
    if label < 4:
        coord = (y, x, x + y, x - y)[label] / (1 if label < 2 else np.sqrt(2))
        return (np.sin(2 * np.pi * coord / period + phase) > 0).astype(np.float64)
    if label == 4:
        return inside.astype(np.float64)
    if label == 5:
        return (np.abs(np.hypot(dy, dx) - half) < 1.5).astype(np.float64)
    if label == 6:
        return (inside & ((np.abs(dy) <= 1.5) | (np.abs(dx) <= 1.5))).astype(np.float64)
    if label == 7:
        return ((np.sin(2 * np.pi * y / period + phase) > 0.5) & (np.sin(2 * np.pi * x / period) > 0.5)).astype(
            np.float64)
    if label == 8:
        cell = int(period)
        return (((y + int(phase)) // cell + (x + int(phase)) // cell) % 2).astype(np.float64)
    return np.exp(-(dy ** 2 + dx ** 2) / (2 * (half / 2) ** 2))


def dataset(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` images (N, 1, 28, 28) float32 with Gaussian noise (std 0.3), standardized, and their labels."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % 10)
    images = np.stack([pattern(k, rng) * rng.uniform(0.7, 1.3) for k in labels])
    images += rng.normal(0, 0.3, images.shape)
    images = (images - 0.3) / 0.5
    return images[:, None].astype(np.float32), labels


def lenet5() -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


@pytest.mark.slow
def test_lenet5_learns_synthetic_images():
    mt.manual_seed(0)
    train_x, train_y = dataset(1000, seed=1)
    test_x, test_y = dataset(300, seed=2)
    model = lenet5()
    assert sum(p.numel() for p in model.parameters()) == 61706      # LeNet-5's parameter count
    velocity = {p: mt.zeros_like(p) for p in model.parameters()}
    lr, momentum, batch, epochs = 0.03, 0.9, 32, 7
    steps, step = epochs * -(-len(train_x) // batch), 0
    rng = np.random.default_rng(3)
    for _ in range(epochs):
        order = rng.permutation(len(train_x))
        for start in range(0, len(order), batch):
            idx = order[start:start + batch]
            loss = F.cross_entropy(model(mt.tensor(train_x[idx])), mt.tensor(train_y[idx]))
            model.zero_grad()
            loss.backward()
            with mt.no_grad():                 # SGD with momentum, the learning rate decaying linearly to 0
                for p, v in velocity.items():
                    v.mul_(momentum).add_(p.grad)
                    p.sub_(lr * (1 - step / steps) * v)
            step += 1
    model.eval()
    with mt.no_grad():
        predictions = model(mt.tensor(test_x)).argmax(1).numpy()
    assert (predictions == test_y).mean() > 0.95
