"""A variational auto-encoder written as the official PyTorch ``examples/vae/main.py`` is: fully connected
encoder and decoder, ``reparameterize``, and the loss ``F.binary_cross_entropy(recon_x, x.view(-1, 784),
reduction='sum')`` plus the KL term. Smaller hidden layers than the example; ``eps`` is given (the example draws it
with ``torch.randn_like``, whose stream differs between libraries; the example's samples from the prior are
drawn, not compared). ``legacy=True`` writes the reconstruction
term as older copies of the example do, ``F.binary_cross_entropy(recon_x, x.view(-1, 784), size_average=False)``:
the same sum, through the deprecated argument.

``run(torch, steps, data, weights, legacy=False)`` trains ``steps`` batches and reports each batch's loss, then the
test loss (``model.eval()`` under ``torch.no_grad()``).
"""
from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
from harness import Weights, load_weights

BATCH_SIZE = 16
HIDDEN = 64
LATENT = 8
MAX_STEPS = 6


def make_data(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """28x28 images in [0, 1] (blurred blobs, as the example's ``ToTensor`` gives), ``MAX_STEPS`` training batches and
    one test batch, and the reparameterization noise of each batch."""
    n = BATCH_SIZE * (MAX_STEPS + 1)
    grid = np.linspace(-1, 1, 28)
    centres = rng.uniform(-0.5, 0.5, (n, 2, 1, 1))
    blobs = np.exp(-((grid[None, :, None] - centres[:, 0]) ** 2 + (grid[None, None, :] - centres[:, 1]) ** 2) / 0.1)
    images = blobs[:, None].astype(np.float32)
    eps = rng.standard_normal((MAX_STEPS + 1, BATCH_SIZE, LATENT)).astype(np.float32)
    return {"train": images[:-BATCH_SIZE], "test": images[-BATCH_SIZE:], "eps": eps}


def build(torch: ModuleType) -> dict[str, Any]:
    """The example's ``VAE``, its ``reparameterize`` taking the noise as an argument."""
    nn = torch.nn
    F = torch.nn.functional

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()

            self.fc1 = nn.Linear(784, HIDDEN)
            self.fc21 = nn.Linear(HIDDEN, LATENT)
            self.fc22 = nn.Linear(HIDDEN, LATENT)
            self.fc3 = nn.Linear(LATENT, HIDDEN)
            self.fc4 = nn.Linear(HIDDEN, 784)

        def encode(self, x):
            h1 = F.relu(self.fc1(x))
            return self.fc21(h1), self.fc22(h1)

        def reparameterize(self, mu, logvar, eps):
            std = torch.exp(0.5 * logvar)
            return mu + eps * std

        def decode(self, z):
            h3 = F.relu(self.fc3(z))
            return torch.sigmoid(self.fc4(h3))

        def forward(self, x, eps):
            mu, logvar = self.encode(x.view(-1, 784))
            z = self.reparameterize(mu, logvar, eps)
            return self.decode(z), mu, logvar

    return {"model": VAE()}


def run(torch: ModuleType, steps: int, data: dict[str, np.ndarray], weights: Weights | None = None,
        legacy: bool = False) -> list[float]:
    """Train ``steps`` batches (at most ``MAX_STEPS``); each batch's loss per image, then the test loss per image."""
    F = torch.nn.functional
    optim = torch.optim
    losses = []

    # Reconstruction + KL divergence losses summed over all elements and batch
    def loss_function(recon_x, x, mu, logvar):
        if legacy:
            BCE = F.binary_cross_entropy(recon_x, x.view(-1, 784), size_average=False)
        else:
            BCE = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction='sum')

        # see Appendix B from VAE paper:
        # Kingma and Welling. Auto-Encoding Variational Bayes. ICLR, 2014
        # https://arxiv.org/abs/1312.6114
        # 0.5 * sum(1 + log(sigma^2) - mu^2 - sigma^2)
        KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())

        return BCE + KLD

    def train(epoch):
        model.train()
        train_loss = 0
        for batch_idx, (data, _) in enumerate(train_loader):
            if batch_idx == steps:
                break
            data = data.to(device)
            optimizer.zero_grad()
            recon_batch, mu, logvar = model(data, eps[batch_idx])
            loss = loss_function(recon_batch, data, mu, logvar)
            loss.backward()
            train_loss += loss.item()
            optimizer.step()
            losses.append(loss.item() / len(data))
        return train_loss

    def test(epoch):
        model.eval()
        test_loss = 0
        with torch.no_grad():
            for i, (data, _) in enumerate(test_loader):
                data = data.to(device)
                recon_batch, mu, logvar = model(data, eps[-1])
                test_loss += loss_function(recon_batch, data, mu, logvar).item()
                if i == 0:
                    n = min(data.size(0), 8)
                    comparison = torch.cat([data[:n], recon_batch.view(BATCH_SIZE, 1, 28, 28)[:n]])
                    assert tuple(comparison.cpu().shape) == (2 * n, 1, 28, 28)
        test_loss /= len(test_loader.dataset)
        losses.append(test_loss)

    torch.manual_seed(1)
    device = torch.device("cpu")
    kwargs = {'batch_size': BATCH_SIZE, 'shuffle': False}
    train_set = torch.utils.data.TensorDataset(torch.from_numpy(data["train"]), torch.zeros(len(data["train"])))
    test_set = torch.utils.data.TensorDataset(torch.from_numpy(data["test"]), torch.zeros(len(data["test"])))
    train_loader = torch.utils.data.DataLoader(train_set, **kwargs)
    test_loader = torch.utils.data.DataLoader(test_set, **kwargs)
    eps = torch.from_numpy(data["eps"])

    models = build(torch)
    load_weights(torch, models, weights)
    model = models["model"].to(device)
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    train(1)
    test(1)
    with torch.no_grad():
        sample = torch.randn(64, LATENT).to(device)
        sample = model.decode(sample).cpu()
        assert tuple(sample.view(64, 1, 28, 28).shape) == (64, 1, 28, 28)
    return losses
