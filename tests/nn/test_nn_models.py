"""nn.MLP and the model zoo (nn.models): shapes and parameter counts, outputs and every gradient against the
same architectures written on torch.nn with copied weights (train and eval mode), finite differences, a residual
net that trains where a plain one of the same depth stalls, and the errors for bad input."""
from itertools import pairwise

import numpy as np
import pytest
from helpers import requires_torch, torch

import benchmarks.resnet as torch_resnets  # the ResNets on torch.nn (defined only when torch is installed)
import microtensor as mt
from microtensor import nn
from microtensor.autograd import gradcheck
from microtensor.nn import functional as F
from microtensor.nn.mlp import MLP
from microtensor.nn.models import (
    BasicBlock,
    Bottleneck,
    DepthwiseSeparable,
    InceptionBlock,
    LeNet5,
    ResNet,
    VGGBlock,
    resnet,
)


def n_params(model) -> int:
    return sum(p.numel() for p in model.parameters())


# ----------------------------------------------------------------------------- the same blocks on torch.nn
def torch_conv_bn_relu(tnn, c_in, c_out, k, stride=1, padding=0, groups=1, batch_norm=True, bias=False):
    conv = tnn.Conv2d(c_in, c_out, k, stride=stride, padding=padding, groups=groups, bias=bias)
    return [conv, tnn.BatchNorm2d(c_out), tnn.ReLU()] if batch_norm else [conv, tnn.ReLU()]


def torch_lenet5(num_classes=10, in_channels=1, activation="ReLU", pooling="max"):
    tnn = torch.nn
    act, pool = getattr(tnn, activation), {"max": tnn.MaxPool2d, "avg": tnn.AvgPool2d}[pooling]
    model = tnn.Module()
    model.features = tnn.Sequential(tnn.Conv2d(in_channels, 6, 5, padding=2), act(), pool(2),
                                    tnn.Conv2d(6, 16, 5), act(), pool(2), tnn.Flatten())
    model.classifier = tnn.Sequential(tnn.Linear(400, 120), act(), tnn.Linear(120, 84), act(),
                                      tnn.Linear(84, num_classes))
    model.forward = lambda x: model.classifier(model.features(x))
    return model


def torch_vgg_block(c_in, c_out, num_convs=2, batch_norm=False):
    layers = []
    for i in range(num_convs):
        layers += torch_conv_bn_relu(torch.nn, c_in if i == 0 else c_out, c_out, 3, padding=1,
                                     batch_norm=batch_norm, bias=True)
    return torch.nn.Sequential(*layers, torch.nn.MaxPool2d(2))


def torch_depthwise_separable(c_in, c_out, stride=1):
    return torch.nn.Sequential(*torch_conv_bn_relu(torch.nn, c_in, c_in, 3, stride, 1, groups=c_in),
                               *torch_conv_bn_relu(torch.nn, c_in, c_out, 1))


def torch_inception(c_in, ch1, ch3r, ch3, ch5r, ch5, proj, batch_norm=False):
    tnn, opts = torch.nn, dict(batch_norm=batch_norm, bias=not batch_norm)
    model = tnn.Module()
    model.branch1 = tnn.Sequential(*torch_conv_bn_relu(tnn, c_in, ch1, 1, **opts))
    model.branch2 = tnn.Sequential(*torch_conv_bn_relu(tnn, c_in, ch3r, 1, **opts),
                                   *torch_conv_bn_relu(tnn, ch3r, ch3, 3, padding=1, **opts))
    model.branch3 = tnn.Sequential(*torch_conv_bn_relu(tnn, c_in, ch5r, 1, **opts),
                                   *torch_conv_bn_relu(tnn, ch5r, ch5, 5, padding=2, **opts))
    model.branch4 = tnn.Sequential(tnn.MaxPool2d(3, stride=1, padding=1),
                                   *torch_conv_bn_relu(tnn, c_in, proj, 1, **opts))
    model.forward = lambda x: torch.cat([model.branch1(x), model.branch2(x), model.branch3(x), model.branch4(x)], 1)
    return model


def torch_mlp(sizes, activation="ReLU"):
    layers = []
    for i, (a, b) in enumerate(pairwise(sizes)):
        layers += ([getattr(torch.nn, activation)()] if i else []) + [torch.nn.Linear(a, b)]
    return torch.nn.Sequential(*layers)


# name -> (microtensor model, torch model, input shape); built lazily so that collection needs no torch
CASES = {
    "lenet5": (lambda: LeNet5(), lambda: torch_lenet5(), (3, 1, 28, 28)),
    "lenet5-tanh-avg-rgb": (lambda: LeNet5(7, 3, nn.Tanh, "avg"), lambda: torch_lenet5(7, 3, "Tanh", "avg"),
                            (2, 3, 28, 28)),
    "basic": (lambda: BasicBlock(4, 4), lambda: torch_resnets.TorchBasicBlock(4, 4), (2, 4, 6, 6)),
    "basic-stride2": (lambda: BasicBlock(4, 8, 2), lambda: torch_resnets.TorchBasicBlock(4, 8, 2), (2, 4, 7, 7)),
    "bottleneck": (lambda: Bottleneck(8, 2), lambda: torch_resnets.TorchBottleneck(8, 2), (2, 8, 5, 5)),
    "bottleneck-stride2": (lambda: Bottleneck(4, 3, 2), lambda: torch_resnets.TorchBottleneck(4, 3, 2),
                           (2, 4, 6, 6)),
    "resnet8": (lambda: resnet(8), lambda: torch_resnets.torch_resnet(8), (2, 3, 16, 16)),
    "resnet11-bottleneck": (lambda: resnet(11, 5, 1, 4, bottleneck=True),
                            lambda: torch_resnets.torch_resnet(11, True, num_classes=5, in_channels=1, width=4),
                            (2, 1, 8, 8)),
    "vgg": (lambda: VGGBlock(3, 5), lambda: torch_vgg_block(3, 5), (2, 3, 8, 8)),
    "vgg-bn-3convs": (lambda: VGGBlock(3, 5, 3, True), lambda: torch_vgg_block(3, 5, 3, True), (2, 3, 7, 7)),
    "inception": (lambda: InceptionBlock(6, 2, 3, 4, 2, 3, 2), lambda: torch_inception(6, 2, 3, 4, 2, 3, 2),
                  (2, 6, 5, 5)),
    "inception-bn": (lambda: InceptionBlock(6, 2, 3, 4, 2, 3, 2, True),
                     lambda: torch_inception(6, 2, 3, 4, 2, 3, 2, True), (2, 6, 5, 5)),
    "depthwise-separable": (lambda: DepthwiseSeparable(4, 6), lambda: torch_depthwise_separable(4, 6),
                            (2, 4, 6, 6)),
    "depthwise-separable-stride2": (lambda: DepthwiseSeparable(4, 6, 2), lambda: torch_depthwise_separable(4, 6, 2),
                                    (2, 4, 7, 7)),
    "mlp": (lambda: MLP([5, 7, 6, 3], nn.Tanh), lambda: torch_mlp([5, 7, 6, 3], "Tanh"), (4, 5)),
}


def twins(name: str, seed: int = 0):
    """The microtensor model (float64, as initialised) and the torch one with its state dict copied in."""
    make_ours, make_theirs, shape = CASES[name]
    mt.manual_seed(seed)
    ours = make_ours().double()
    theirs = make_theirs().double()
    state = {k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(state)
    assert list(theirs.state_dict()) == list(state)     # the same names in the same order
    return ours, theirs, shape


def perturb_batch_norms(ours, theirs, rng):
    """Give every BatchNorm non-trivial affine parameters and running statistics, in both models alike."""
    for (name, p), (_, q) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        if "running_var" in name or ("weight" in name and p.ndim == 1):
            values = rng.uniform(0.5, 1.5, p.shape)
        elif "running_mean" in name or ("bias" in name and p.ndim == 1):
            values = rng.normal(0, 0.3, p.shape)
        else:
            continue
        p._data[...] = values
        q.copy_(torch.from_numpy(values))


def run_both(ours, theirs, x: np.ndarray, rng):
    """Forward and backward of a weighted sum in both libraries; the outputs and the input gradients."""
    x_mt = mt.tensor(x, requires_grad=True)
    x_t = torch.tensor(x, requires_grad=True)
    out_mt, out_t = ours(x_mt), theirs(x_t)
    w = rng.standard_normal(tuple(out_t.shape))
    (out_mt * mt.tensor(w)).sum().backward()
    (out_t * torch.from_numpy(w)).sum().backward()
    return out_mt, out_t, x_mt.grad, x_t.grad


def assert_same_model(ours, theirs):
    """Every parameter gradient and buffer equal, by name."""
    grads_t = {k: p.grad for k, p in theirs.named_parameters()}
    for k, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), grads_t[k].numpy(), rtol=1e-7, atol=1e-9, err_msg=k)
    buffers_t = dict(theirs.named_buffers())
    for k, b in ours.named_buffers():
        np.testing.assert_allclose(b.numpy(), buffers_t[k].numpy(), rtol=1e-9, atol=1e-12, err_msg=k)


@requires_torch
@pytest.mark.parametrize("name", CASES)
def test_shapes_and_parameter_counts_match_torch(name):
    ours, theirs, shape = twins(name)
    assert n_params(ours) == sum(p.numel() for p in theirs.parameters())
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    with mt.no_grad(), torch.no_grad():
        x = np.random.default_rng(0).standard_normal(shape)
        assert tuple(ours(mt.tensor(x)).shape) == tuple(theirs(torch.from_numpy(x)).shape)


@requires_torch
@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("name", CASES)
def test_outputs_and_gradients_match_torch(name, mode):
    ours, theirs, shape = twins(name)
    rng = np.random.default_rng(1)
    perturb_batch_norms(ours, theirs, rng)
    ours.train(mode == "train")
    theirs.train(mode == "train")
    x = rng.standard_normal(shape)
    out_mt, out_t, gx_mt, gx_t = run_both(ours, theirs, x, rng)
    np.testing.assert_allclose(out_mt.detach().numpy(), out_t.detach().numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(gx_mt.numpy(), gx_t.numpy(), rtol=1e-7, atol=1e-9)
    assert_same_model(ours, theirs)


@pytest.mark.parametrize("make, shape", [
    (lambda: BasicBlock(2, 3, 2), (2, 2, 4, 4)),
    (lambda: Bottleneck(3, 1), (2, 3, 3, 3)),
    (lambda: InceptionBlock(2, 1, 1, 2, 1, 1, 1), (1, 2, 3, 3)),
    (lambda: DepthwiseSeparable(2, 3, 2), (2, 2, 4, 4)),
    (lambda: VGGBlock(2, 2, batch_norm=True), (2, 2, 4, 4)),
])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_blocks_pass_gradcheck(make, shape, mode):
    mt.manual_seed(0)
    block = make().double().train(mode == "train")
    x = mt.tensor(np.random.default_rng(2).standard_normal(shape), requires_grad=True)
    params = tuple(p for p in block.parameters() if p.ndim == 4)[:1]       # the first convolution's weight
    assert gradcheck(lambda x, w: block(x), (x, *params))


def test_lenet5_forward_backward_and_parameter_count():
    mt.manual_seed(0)
    model = LeNet5()
    assert n_params(model) == 61706                  # 156 + 2416 + 48120 + 10164 + 850
    x = mt.randn(4, 1, 28, 28)
    out = model(x)
    assert out.shape == (4, 10) and out.dtype == mt.float32
    F.cross_entropy(out, mt.tensor([0, 1, 2, 3])).backward()
    assert all(p.grad is not None and p.grad.shape == p.shape and float(p.grad.abs().sum()) > 0
               for p in model.parameters())
    # 2 more input planes, 8 fewer classes
    assert n_params(LeNet5(num_classes=2, in_channels=3)) == 61706 + 2 * 6 * 25 - 8 * 85


def test_resnet_parameter_counts_follow_the_paper():
    # He et al. 2016, Table 6: ResNet-20 has 0.27M parameters, ResNet-56 0.85M, ResNet-110 1.7M (their shortcuts
    # pad with zeros; the projections here add 16*32 + 32*64 weights and 2 * (32 + 64) BatchNorm parameters)
    projections = 16 * 32 + 32 * 64 + 2 * (32 + 64)
    assert n_params(resnet(20)) == 269_722 + projections
    assert round(n_params(resnet(56)) / 1e6, 2) == 0.86
    assert round(n_params(resnet(110)) / 1e6, 1) == 1.7
    net = resnet(8)
    assert n_params(net) == 78_042
    assert [len(getattr(net, f"layer{i}")) for i in (1, 2, 3)] == [1, 1, 1]
    assert [len(getattr(resnet(20), f"layer{i}")) for i in (1, 2, 3)] == [3, 3, 3]
    deep = resnet(29, bottleneck=True)
    assert [len(getattr(deep, f"layer{i}")) for i in (1, 2, 3)] == [3, 3, 3]
    assert deep.fc.in_features == 256
    assert tuple(deep(mt.randn(1, 3, 8, 8)).shape) == (1, 10)


def test_resnet_class_builds_any_number_of_stages_and_zero_init_residual():
    net = ResNet(BasicBlock, [2, 1, 1, 1], num_classes=3, width=4, zero_init_residual=True)
    assert net.fc.in_features == 32 and len(net.layer1) == 2 and net.layer4[0].stride == 2
    assert all(float(b.bn2.weight.abs().sum()) == 0 for stage in (net.layer1, net.layer4) for b in stage)
    assert tuple(net(mt.randn(2, 3, 16, 16)).shape) == (2, 3)
    convs = [m.weight for m in net.modules() if isinstance(m, nn.Conv2d)]
    std = float(convs[1].std())               # kaiming_normal, fan_out = 4 * 9: std sqrt(2 / 36)
    assert abs(std - np.sqrt(2 / 36)) < 0.05


def test_shortcuts_are_projections_only_when_the_shape_changes():
    assert BasicBlock(8, 8).downsample is None
    assert Bottleneck(16, 4).downsample is None
    for block in (BasicBlock(8, 8, stride=2), BasicBlock(8, 16), Bottleneck(8, 4), Bottleneck(16, 4, stride=2)):
        conv, bn = block.downsample
        assert isinstance(conv, nn.Conv2d) and conv.kernel_size == (1, 1) and conv.bias is None
        assert conv.stride == (block.stride,) * 2 and isinstance(bn, nn.BatchNorm2d)
        assert conv.in_channels == block.inplanes and bn.num_features == conv.out_channels
        assert conv.out_channels == (block.bn3 if isinstance(block, Bottleneck) else block.bn2).num_features
    custom = nn.Identity()
    assert BasicBlock(8, 8, downsample=custom).downsample is custom


def test_block_output_shapes():
    x = mt.randn(2, 8, 9, 9)
    assert tuple(BasicBlock(8, 16, 2)(x).shape) == (2, 16, 5, 5)
    assert tuple(Bottleneck(8, 4, 2)(x).shape) == (2, 16, 5, 5)
    assert tuple(VGGBlock(8, 4)(x).shape) == (2, 4, 4, 4)
    assert tuple(DepthwiseSeparable(8, 12, 2)(x).shape) == (2, 12, 5, 5)
    inception_3a = InceptionBlock(192, 64, 96, 128, 16, 32, 32)      # GoogLeNet's inception (3a): 256 channels out
    assert inception_3a.out_channels == 256
    assert tuple(inception_3a(mt.randn(1, 192, 4, 4)).shape) == (1, 256, 4, 4)


def test_block_parameter_counts_from_the_papers():
    # VGG-16's first stage (two 3x3 convolutions 3->64->64): 1,792 + 36,928 parameters
    assert n_params(VGGBlock(3, 64)) == 38_720
    assert n_params(VGGBlock(3, 64, batch_norm=True)) == 38_720 + 4 * 64
    # MobileNet's depthwise-separable block: in*9 + in*out weights (against in*out*9) plus two BatchNorms
    block = DepthwiseSeparable(32, 64)
    assert n_params(block) == 32 * 9 + 32 * 64 + 2 * (32 + 64)
    assert block[0].groups == 32 and block[0].bias is None and block[3].kernel_size == (1, 1)


def test_mlp_layers():
    net = MLP([4, 8, 8, 3])
    kinds = [type(m).__name__ for m in net]
    assert kinds == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]       # no activation after the last Linear
    assert isinstance(net, nn.Sequential) and net.sizes == [4, 8, 8, 3]
    assert tuple(net(mt.randn(5, 2, 4)).shape) == (5, 2, 3)
    leaky = MLP((2, 3, 1), activation=lambda: nn.LeakyReLU(0.2), bias=False, dropout=0.5)
    assert [type(m).__name__ for m in leaky] == ["Linear", "LeakyReLU", "Dropout", "Linear"]
    assert leaky[1].negative_slope == 0.2 and leaky[0].bias is None and leaky[3].bias is None
    assert [type(m).__name__ for m in MLP([3, 2])] == ["Linear"]
    assert n_params(MLP([784, 256, 256, 10])) == 784 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10


class ResidualMLP(nn.Module):
    """Linear in, ``blocks`` residual blocks ``h + MLP([w, w, w])(relu(h))``, Linear out: 2 * blocks + 2 Linears."""

    def __init__(self, n_in: int, width: int, n_out: int, blocks: int) -> None:
        super().__init__()
        self.inp = nn.Linear(n_in, width)
        self.blocks = nn.ModuleList([MLP([width, width, width]) for _ in range(blocks)])
        self.out = nn.Linear(width, n_out)

    def forward(self, x):
        h = self.inp(x)
        for block in self.blocks:
            h = h + block(h.relu())
        return self.out(h.relu())


def two_spirals(n: int, seed: int):
    rng = np.random.default_rng(seed)
    t, labels = rng.uniform(0, 3 * np.pi, n), rng.integers(0, 2, n)
    r = 2 * t / (3 * np.pi)
    x = np.stack([r * np.cos(t + np.pi * labels), r * np.sin(t + np.pi * labels)], 1)
    return mt.tensor((x + rng.normal(0, 0.04, x.shape)).astype(np.float32)), mt.tensor(labels)


def train_loss(model, x, y, steps=300, lr=0.02):
    """Full-batch SGD with momentum 0.9 (optim is another module's); the last loss."""
    velocity = {p: mt.zeros_like(p) for p in model.parameters()}
    for _ in range(steps):
        loss = F.cross_entropy(model(x), y)
        model.zero_grad()
        loss.backward()
        with mt.no_grad():
            for p, v in velocity.items():
                v.mul_(0.9).add_(p.grad)
                p.sub_(lr * v)
    return loss.item()


@pytest.mark.slow
def test_residual_net_trains_where_a_plain_net_of_the_same_depth_stalls():
    mt.manual_seed(0)
    x, y = two_spirals(256, seed=0)
    plain = MLP([2] + [32] * 29 + [2])                        # 30 Linear layers, PyTorch's default init
    residual = ResidualMLP(2, 32, 2, blocks=14)               # 30 Linear layers too
    assert sum(isinstance(m, nn.Linear) for m in plain.modules()) == 30
    assert sum(isinstance(m, nn.Linear) for m in residual.modules()) == 30
    plain_loss, residual_loss = train_loss(plain, x, y), train_loss(residual, x, y)
    assert plain_loss > 0.65                                  # ln 2 = 0.693: chance; the signal has vanished
    assert residual_loss < 0.3                                # (0.05 here; < 0.3 for seeds 0-4)


@pytest.mark.parametrize("module, x, match", [
    (lambda: LeNet5(), (2, 1, 32, 32), r"LeNet5: expected input of shape \(N, 1, 28, 28\), got \[2, 1, 32, 32\]"),
    (lambda: LeNet5(in_channels=3), (2, 1, 28, 28), r"LeNet5: .*\(N, 3, 28, 28\), got \[2, 1, 28, 28\]"),
    (lambda: BasicBlock(4, 8), (2, 3, 8, 8), r"BasicBlock: expected input of shape \(N, 4, H, W\), got \[2, 3, 8, 8\]"),
    (lambda: Bottleneck(4, 8), (4, 8, 8), r"Bottleneck: .*\(N, 4, H, W\), got \[4, 8, 8\]"),
    (lambda: resnet(8), (2, 1, 32, 32), r"ResNet: .*\(N, 3, H, W\), got \[2, 1, 32, 32\]"),
    (lambda: VGGBlock(3, 8), (2, 4, 8, 8), r"VGGBlock: .*\(N, 3, H, W\), got \[2, 4, 8, 8\]"),
    (lambda: InceptionBlock(6, 1, 1, 1, 1, 1, 1), (2, 5, 4, 4),
     r"InceptionBlock: .*\(N, 6, H, W\), got \[2, 5, 4, 4\]"),
    (lambda: DepthwiseSeparable(4, 8), (2, 8, 4, 4), r"DepthwiseSeparable: .*\(N, 4, H, W\), got \[2, 8, 4, 4\]"),
    (lambda: MLP([4, 3]), (2, 5), r"Linear\(in_features=4, out_features=3\).*got shape \[2, 5\]"),
])
def test_bad_input_names_the_module_and_both_shapes(module, x, match):
    with pytest.raises(ValueError, match=match):
        module()(mt.randn(*x))


@pytest.mark.parametrize("build, match", [
    (lambda: resnet(9), r"resnet: depth must be 6n \+ 2 .*got 9"),
    (lambda: resnet(2), r"resnet: depth must be 6n \+ 2 .*got 2"),
    (lambda: resnet(21, bottleneck=True), r"depth must be 9n \+ 2 with bottleneck=True .*got 21"),
    (lambda: ResNet(BasicBlock, []), r"ResNet: layers must list at least one stage"),
    (lambda: MLP([4]), r"MLP: sizes needs at least an input and an output size, got \[4\]"),
    (lambda: MLP([4, 2], dropout=1.0), r"MLP: dropout must be in \[0, 1\), got 1.0"),
    (lambda: VGGBlock(3, 8, num_convs=0), r"VGGBlock: num_convs must be at least 1, got 0"),
    (lambda: LeNet5(pooling="lp"), r"LeNet5: pooling must be one of \['avg', 'max'\], got 'lp'"),
])
def test_bad_arguments_are_rejected(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_mlp_and_models_are_reachable_from_nn():
    assert nn.MLP is MLP and nn.models.LeNet5 is LeNet5 and nn.models.resnet is resnet
