"""A user's training script, written as PyTorch users write theirs, that tests/test_typing.py type-checks
with mypy against an installed (non-editable) microtensor: tensors, operators, F, nn and optim."""
import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn, optim
from microtensor.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self, features: int, hidden: int, classes: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(features, hidden)
        self.norm = nn.LayerNorm(hidden)
        self.fc2 = nn.Linear(hidden, classes)
        self.drop = nn.Dropout(0.1)

    def forward(self, x: mt.Tensor) -> mt.Tensor:
        h = F.relu(self.norm(self.fc1(x)))
        return self.fc2(self.drop(h))


def train(steps: int = 3) -> float:
    mt.manual_seed(0)
    x = mt.randn(32, 4)
    w = mt.randn(4, 3, requires_grad=True)
    y = (x @ w).argmax(dim=1)
    scaled: mt.Tensor = x * 2 + 1 - x / 3
    model = Net(4, 16, 3)
    opt = optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-4)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    loader = DataLoader(TensorDataset(scaled, y), batch_size=8, shuffle=True)
    loss = mt.tensor(0.0)
    for _ in range(steps):
        for xb, yb in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb) + 1e-3 * (w ** 2).sum()
            loss.backward()
            opt.step()
        sched.step()
    with mt.no_grad():
        accuracy = (model(x).argmax(1) == y).float().mean().item()
    assert 0.0 <= accuracy <= 1.0
    return loss.item()


if __name__ == "__main__":
    print(train())
