"""One training step of ResNet-8 on 3x32x32 images (batch 32, float32): forward, cross-entropy, backward, SGD.

ResNet-8 is ``nn.models.resnet(8)`` (He et al. 2016, section 4.2: a 3x3 convolution to 16 channels,
one BasicBlock per stage at 16, 32 and 64 channels with projection shortcuts, global average pooling,
Linear 64->10; 78,042 parameters). PyTorch runs the same architecture written here on ``torch.nn``
(torchvision's BasicBlock, whose names the microtensor model shares) from microtensor's initial weights;
both are in training mode (BatchNorm on batch statistics). The step is ``F.cross_entropy``, backward,
then ``p -= lr * p.grad`` under no_grad in both. There is no NumPy floor: a hand-written residual network
with batch normalization and its backward would be a large program for one number.
"""
from __future__ import annotations

import numpy as np

import microtensor as mt
from benchmarks.compiled import Steps, first_losses, measure, torch_compiled
from benchmarks.harness import Row, Workload, loss_rows, scaled, torch
from microtensor.nn.models import resnet

LR = 0.01

if torch is not None:
    class TorchBasicBlock(torch.nn.Module):
        """torchvision's BasicBlock on torch.nn, with the projection shortcut built as microtensor's is."""

        expansion = 1

        def __init__(self, inplanes: int, planes: int, stride: int = 1) -> None:
            super().__init__()
            nn = torch.nn
            self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.relu = nn.ReLU()
            self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.downsample = torch_projection(inplanes, planes, stride)

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return self.relu(out + (x if self.downsample is None else self.downsample(x)))

    class TorchBottleneck(torch.nn.Module):
        """torchvision's Bottleneck on torch.nn (stride on the 3x3), the projection built as microtensor's is."""

        expansion = 4

        def __init__(self, inplanes: int, planes: int, stride: int = 1) -> None:
            super().__init__()
            nn = torch.nn
            self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
            self.bn3 = nn.BatchNorm2d(planes * 4)
            self.relu = nn.ReLU()
            self.downsample = torch_projection(inplanes, planes * 4, stride)

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.relu(self.bn2(self.conv2(out)))
            out = self.bn3(self.conv3(out))
            return self.relu(out + (x if self.downsample is None else self.downsample(x)))

    class TorchResNet(torch.nn.Module):
        """The CIFAR-style ResNet of ``microtensor.nn.models.ResNet`` on torch.nn, with the same names."""

        def __init__(self, block: type, layers: list[int], num_classes: int = 10, in_channels: int = 3,
                     width: int = 16) -> None:
            super().__init__()
            nn = torch.nn
            self.conv1 = nn.Conv2d(in_channels, width, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(width)
            self.relu = nn.ReLU()
            inplanes = width
            self.stages = []
            for i, blocks in enumerate(layers):
                planes = width * 2 ** i
                stage = [block(inplanes, planes, 1 if i == 0 else 2)]
                inplanes = planes * block.expansion
                stage += [block(inplanes, planes) for _ in range(blocks - 1)]
                setattr(self, f"layer{i + 1}", nn.Sequential(*stage))
                self.stages.append(getattr(self, f"layer{i + 1}"))
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(inplanes, num_classes)

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            for stage in self.stages:
                out = stage(out)
            return self.fc(torch.flatten(self.avgpool(out), 1))


def torch_projection(inplanes: int, out: int, stride: int):
    """The 1x1 convolution + BatchNorm2d shortcut when the shape changes, else None (the identity)."""
    if stride == 1 and inplanes == out:
        return None
    return torch.nn.Sequential(torch.nn.Conv2d(inplanes, out, 1, stride=stride, bias=False),
                               torch.nn.BatchNorm2d(out))


def torch_resnet(depth: int, bottleneck: bool = False, **kwargs):
    """``microtensor.nn.models.resnet(depth, ...)``'s architecture on torch.nn."""
    n = (depth - 2) // (9 if bottleneck else 6)
    return TorchResNet(TorchBottleneck if bottleneck else TorchBasicBlock, [n] * 3, **kwargs)


def tensor_step(lib, model, x, targets):
    """One SGD step written against the PyTorch API; ``lib`` is microtensor or torch. Returns the loss."""
    loss = lib.nn.functional.cross_entropy(model(x), targets)
    loss.backward()
    with lib.no_grad():
        for p in model.parameters():
            p -= LR * p.grad
            p.grad = None
    return loss


def run(depth: int, batch: int, size: int, repeats: int, warmup: int, torch_compile: bool) -> list[Row]:
    """Time one step in each engine (median of ``repeats`` after ``warmup``), torch.compile's only when
    ``torch_compile``; also the losses of two steps and the checks of the compiled step."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((batch, 3, size, size)).astype(np.float32)
    labels = rng.integers(0, 10, batch)
    mt.manual_seed(0)
    start = {k: v.numpy().copy() for k, v in resnet(depth).state_dict().items()}

    def engines(with_torch_compile: bool = False) -> Steps:
        models = [resnet(depth) for _ in range(2)]
        for model in models:
            model.load_state_dict({k: mt.tensor(v) for k, v in start.items()})
        x_mt, t_mt = mt.tensor(x), mt.tensor(labels)
        compiled = mt.compile(tensor_step)
        steps = Steps(microtensor=lambda: tensor_step(mt, models[0], x_mt, t_mt),
                      compiled=lambda: compiled(mt, models[1], x_mt, t_mt), compiled_fn=compiled,
                      state=lambda: tuple([p.detach().numpy() for p in m.parameters()] for m in models))
        if torch is not None:
            model_t = torch_resnet(depth)
            model_t.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in start.items()})
            x_t, t_t = torch.from_numpy(x), torch.from_numpy(labels)
            steps.torch = lambda: tensor_step(torch, model_t, x_t, t_t)
            torch_step = torch_compiled(tensor_step, with_torch_compile)
            if torch_step is not None:
                steps.torch_compiled = lambda: torch_step(torch, model_t, x_t, t_t)
        return steps

    name = f"ResNet-{depth}"
    losses = loss_rows(name, first_losses(engines()))
    times, checks = measure(f"{name}, {size}x{size}, batch {batch}", engines(torch_compile), repeats, warmup)
    return [Row(f"{name}, {size}x{size}, batch {batch}", "training step", "ms", scaled(times, 1e3),
                targets={"torch": 2.5}, target_text="<= 2.5x torch")] + checks + losses


WORKLOAD = Workload(
    name="resnet",
    description=__doc__.splitlines()[0],
    run=run,
    full=dict(depth=8, batch=32, size=32, repeats=20, warmup=3, torch_compile=False),   # ~1 min to compile
    quick=dict(depth=8, batch=32, size=32, repeats=5, warmup=1, torch_compile=False),
    tiny=dict(depth=8, batch=2, size=8, repeats=1, warmup=0, torch_compile=False),
    has_floor=False,
)
