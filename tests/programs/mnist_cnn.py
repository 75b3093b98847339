"""An MNIST-style CNN trained with Adadelta and StepLR, written as the official PyTorch ``examples/mnist/main.py``
is (smaller: 16x16 images, fewer channels; the dropouts built with p=0 so both libraries draw nothing).

``run(torch, steps, data, weights)`` trains ``steps`` epochs of two batches and reports every training loss and,
after each epoch, the test loss (``model.eval()`` under ``torch.no_grad()``).
"""
from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
from harness import Weights, load_weights

IMAGE = 16
BATCH = 16


def make_data(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Ten class templates plus noise, normalised as the example's transform does; 32 training and 16 test images."""
    templates = rng.standard_normal((10, 1, IMAGE, IMAGE))
    out = {}
    for split, n in (("train", 2 * BATCH), ("test", BATCH)):
        labels = rng.integers(0, 10, n)
        images = np.clip(templates[labels] * 0.3 + 0.5 + 0.2 * rng.standard_normal((n, 1, IMAGE, IMAGE)), 0, 1)
        out[f"{split}_x"] = ((images - 0.1307) / 0.3081).astype(np.float32)
        out[f"{split}_y"] = labels.astype(np.int64)
    return out


def build(torch: ModuleType) -> dict[str, Any]:
    """The example's ``Net``."""
    nn = torch.nn
    F = torch.nn.functional

    class Net(nn.Module):
        def __init__(self, p1=0.25, p2=0.5):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 8, 3, 1)
            self.conv2 = nn.Conv2d(8, 16, 3, 1)
            self.dropout1 = nn.Dropout(p1)
            self.dropout2 = nn.Dropout(p2)
            self.fc1 = nn.Linear(16 * 6 * 6, 32)
            self.fc2 = nn.Linear(32, 10)

        def forward(self, x):
            x = self.conv1(x)
            x = F.relu(x)
            x = self.conv2(x)
            x = F.relu(x)
            x = F.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = torch.flatten(x, 1)
            x = self.fc1(x)
            x = F.relu(x)
            x = self.dropout2(x)
            x = self.fc2(x)
            output = F.log_softmax(x, dim=1)
            return output

    return {"model": Net(p1=0.0, p2=0.0)}


def run(torch: ModuleType, steps: int, data: dict[str, np.ndarray], weights: Weights | None = None) -> list[float]:
    """Train ``steps`` epochs; the losses ``train`` and ``test`` report, in order."""
    F = torch.nn.functional
    optim = torch.optim
    StepLR = torch.optim.lr_scheduler.StepLR
    losses = []

    def train(model, device, train_loader, optimizer, epoch):
        model.train()
        for data, target in train_loader:
            data, target = data.to(device), target.to(device)
            optimizer.zero_grad()
            output = model(data)
            loss = F.nll_loss(output, target)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())

    def test(model, device, test_loader):
        model.eval()
        test_loss = 0
        correct = 0
        with torch.no_grad():
            for data, target in test_loader:
                data, target = data.to(device), target.to(device)
                output = model(data)
                test_loss += F.nll_loss(output, target, reduction='sum').item()  # sum up batch loss
                pred = output.argmax(dim=1, keepdim=True)  # get the index of the max log-probability
                correct += pred.eq(target.view_as(pred)).sum().item()
        test_loss /= len(test_loader.dataset)
        losses.append(test_loss)
        return correct

    use_cuda = torch.cuda.is_available()
    torch.manual_seed(1)
    device = torch.device("cuda" if use_cuda else "cpu")
    train_kwargs = {'batch_size': BATCH}
    test_kwargs = {'batch_size': 1000}
    if use_cuda:
        cuda_kwargs = {'num_workers': 1, 'pin_memory': True}
        train_kwargs.update(cuda_kwargs)
        test_kwargs.update(cuda_kwargs)
    dataset1 = torch.utils.data.TensorDataset(torch.from_numpy(data["train_x"]), torch.from_numpy(data["train_y"]))
    dataset2 = torch.utils.data.TensorDataset(torch.from_numpy(data["test_x"]), torch.from_numpy(data["test_y"]))
    train_loader = torch.utils.data.DataLoader(dataset1, **train_kwargs)
    test_loader = torch.utils.data.DataLoader(dataset2, **test_kwargs)

    models = build(torch)
    load_weights(torch, models, weights)
    model = models["model"].to(device)
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)

    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    for epoch in range(1, steps + 1):
        train(model, device, train_loader, optimizer, epoch)
        test(model, device, test_loader)
        scheduler.step()
    return losses
