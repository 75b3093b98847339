"""Run on 2 ranks (mpiexec -n 2): DistributedDataParallel training equals one process trained on the ranks'
concatenated batches, for an MLP, a CNN with BatchNorm and an LSTM; no_sync accumulation;
find_unused_parameters; the state dict's ``module.`` prefix. Exits non-zero (aborting the job) on a mismatch."""
import numpy as np

import microtensor as torch
import microtensor.distributed as dist
import microtensor.nn as nn
import microtensor.nn.functional as F
from microtensor.nn.parallel import DistributedDataParallel as DDP

torch.set_default_dtype(torch.float64)
dist.init_process_group(backend="mpi")
rank, world = dist.get_rank(), dist.get_world_size()
assert world == 2, world


def assert_close(a, b, what):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=what)


class Head(nn.Module):
    """An LSTM whose last step's hidden state a Linear reads."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 5, batch_first=True)
        self.out = nn.Linear(5, 2)

    def forward(self, x):
        seq, _ = self.lstm(x)
        return self.out(seq[:, -1])


def make(kind):
    torch.manual_seed(0)
    if kind == "mlp":
        return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
    if kind == "cnn":
        return nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 4 * 4, 3))
    return Head()


def batches(kind, steps, per_rank):
    rng = np.random.default_rng(1)
    shape = {"mlp": (4,), "cnn": (1, 6, 6), "lstm": (7, 3)}[kind]
    out = []
    for _ in range(steps):
        x = torch.tensor(rng.standard_normal((world * per_rank, *shape)))
        y = torch.tensor(rng.integers(0, 3 if kind != "lstm" else 2, world * per_rank))
        out.append((x, y))
    return out


def train_and_compare(kind, steps=3, per_rank=4, bucket_cap_mb=None):
    reference = make(kind)
    model = make(kind)
    if rank == 1:              # a replica that starts different: DDP's construction broadcasts rank 0's state
        with torch.no_grad():
            for p in model.parameters():
                p.add_(1.0)
    ddp = DDP(model, bucket_cap_mb=bucket_cap_mb)
    opt = torch.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
    ref_opt = torch.optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
    for x, y in batches(kind, steps, per_rank):
        mine = slice(rank * per_rank, (rank + 1) * per_rank)
        opt.zero_grad()
        F.cross_entropy(ddp(x[mine]), y[mine]).backward()
        opt.step()
        ref_opt.zero_grad()
        if kind == "cnn":
            # BatchNorm normalizes each rank's part with its own statistics, and the running statistics
            # are rank 0's (broadcast before each forward): the one process does the same, part by part
            losses = []
            for r in range(world):
                part = slice(r * per_rank, (r + 1) * per_rank)
                saved = [b.clone() for b in reference.buffers()]
                losses.append(F.cross_entropy(reference(x[part]), y[part]))
                if r > 0:
                    with torch.no_grad():
                        for b, s in zip(reference.buffers(), saved):
                            b.copy_(s)
            (sum(losses) / world).backward()
        else:
            F.cross_entropy(reference(x), y).backward()
        ref_opt.step()
    with torch.no_grad():
        ddp.eval()(x[:1])      # the forward broadcasts rank 0's buffers to every rank
    for (name, p), q in zip(ddp.module.named_parameters(), reference.parameters()):
        assert_close(p, q, f"{kind}: parameter {name} on rank {rank}")
    for (name, b), c in zip(ddp.module.named_buffers(), reference.buffers()):
        assert_close(b, c, f"{kind}: buffer {name} on rank {rank}")


train_and_compare("mlp")
train_and_compare("mlp", bucket_cap_mb=0.0001)       # one bucket a parameter: several all-reduces in flight
train_and_compare("cnn")
train_and_compare("lstm", bucket_cap_mb=0.001)

# no_sync: two local backwards, then one that averages the accumulated sum
reference, model = make("mlp"), make("mlp")
ddp = DDP(model)
micro = batches("mlp", 3, 2)
with ddp.no_sync():
    for x, y in micro[:2]:
        F.cross_entropy(ddp(x[rank * 2:(rank + 1) * 2]), y[rank * 2:(rank + 1) * 2]).backward()
local = list(model.parameters())[0].grad.clone()
gathered = [torch.zeros_like(local) for _ in range(world)]
dist.all_gather(gathered, local)
assert not torch.allclose(gathered[0], gathered[1]), "no_sync averaged the gradients"
x, y = micro[2]
F.cross_entropy(ddp(x[rank * 2:(rank + 1) * 2]), y[rank * 2:(rank + 1) * 2]).backward()
for x, y in micro:
    F.cross_entropy(reference(x), y).backward()
for p, q in zip(model.parameters(), reference.parameters()):
    assert_close(p.grad, q.grad, "no_sync accumulation")

# find_unused_parameters: a branch no rank uses keeps grad None; the used ones are averaged
class TwoBranches(nn.Module):
    def __init__(self):
        super().__init__()
        self.used = nn.Linear(4, 3)
        self.unused = nn.Linear(4, 3)

    def forward(self, x):
        return self.used(x)


torch.manual_seed(0)
ddp = DDP(TwoBranches(), find_unused_parameters=True)
x = torch.full((2, 4), float(rank + 1))
ddp(x).sum().backward()
assert ddp.module.unused.weight.grad is None
assert_close(ddp.module.used.bias.grad, torch.full((3,), 2.0), "find_unused_parameters: the used bias")
ddp(x).sum().backward()                # the next iteration works as well
assert list(ddp.state_dict())[:2] == ["module.used.weight", "module.used.bias"], list(ddp.state_dict())

# without find_unused_parameters, the next forward names the problem, as PyTorch's does
torch.manual_seed(0)
ddp = DDP(TwoBranches(), bucket_cap_mb=0.00001)
ddp(x).sum().backward()
try:
    ddp(x)
except RuntimeError as e:
    assert "find_unused_parameters=True" in str(e), e
else:
    raise AssertionError("an unfinished reduction went unnoticed")
dist.destroy_process_group()
print(f"rank {rank}: ddp ok")
