"""Module, Parameter and the containers: registration, traversal order and names, hooks, modes, dtype
conversion, state dicts and their errors, and reprs, checked against a mirror PyTorch model."""
import copy
import types
from collections import OrderedDict

import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt
from microtensor.nn import container
from microtensor.nn.module import Module
from microtensor.nn.parameter import Parameter

NN = types.SimpleNamespace(Module=Module, Parameter=Parameter, **{
    name: getattr(container, name) for name in ("Sequential", "ModuleList", "ModuleDict", "ParameterList",
                                                "ParameterDict", "Identity", "Flatten", "Unflatten")})


def build(nn, lib):
    """The same small model in either library: nested Sequential, ModuleList, ModuleDict, a shared parameter,
    a persistent, a non-persistent and an integer buffer, a None parameter and a None child."""
    class Affine(nn.Module):
        def __init__(self, n_in, n_out, bias=True):
            super().__init__()
            self.weight = nn.Parameter(lib.ones(n_out, n_in) / n_in)
            if bias:
                self.bias = nn.Parameter(lib.zeros(n_out))
            else:
                self.register_parameter("bias", None)

        def forward(self, x):
            y = x @ self.weight.T
            return y if self.bias is None else y + self.bias

        def extra_repr(self):
            return (f"in_features={self.weight.shape[1]}, out_features={self.weight.shape[0]}, "
                    f"bias={self.bias is not None}")

    class Norm(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.scale = nn.Parameter(lib.ones(n))
            self.register_buffer("running_mean", lib.zeros(n))
            self.register_buffer("cache", lib.zeros(n), persistent=False)
            self.register_buffer("num_batches_tracked", lib.tensor(0))

        def forward(self, x):
            return (x - self.running_mean) * self.scale

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = Affine(3, 4)
            self.body = nn.Sequential(Affine(4, 4), nn.Sequential(Norm(4), nn.Identity()), Affine(4, 4, bias=False))
            self.heads = nn.ModuleList([Affine(4, 2), Affine(4, 2)])
            self.extra = nn.ModuleDict({"flat": nn.Flatten(), "unflat": nn.Unflatten(1, (2, 1))})
            self.heads[1].weight = self.heads[0].weight          # shared parameter
            self.alias = self.body[0]                              # the same module under two names
            self.empty = None
            self.gain = nn.Parameter(lib.ones(1))

        def forward(self, x):
            h = self.body(self.embed(x))
            return self.extra["unflat"](self.heads[0](h) + self.heads[1](h)) * self.gain

    return Net()


def model_pair():
    ours, theirs = build(NN, mt), build(torch.nn, torch)
    rng = np.random.default_rng(0)
    for (_, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        values = rng.standard_normal(tuple(p.shape)).astype(np.float32)
        p.data = mt.tensor(values)
        q.data = torch.tensor(values)
    return ours, theirs


# ----------------------------------------------------------------------------- PyTorch's names, order and repr
@requires_torch
def test_traversal_names_and_order_match_torch():
    ours, theirs = model_pair()
    for method in ("named_parameters", "named_buffers", "named_modules", "named_children"):
        assert [n for n, _ in getattr(ours, method)()] == [n for n, _ in getattr(theirs, method)()], method
    for kwargs in ({"remove_duplicate": False}, {"prefix": "model"}, {"recurse": False}):
        assert ([n for n, _ in ours.named_parameters(**kwargs)]
                == [n for n, _ in theirs.named_parameters(**kwargs)]), kwargs
        assert ([n for n, _ in ours.named_buffers(**kwargs)] == [n for n, _ in theirs.named_buffers(**kwargs)])
    assert ([n for n, _ in ours.named_modules(remove_duplicate=False)]
            == [n for n, _ in theirs.named_modules(remove_duplicate=False)])
    assert list(ours.state_dict()) == list(theirs.state_dict())
    shapes = [[tuple(v.shape) for v in m.state_dict().values()] for m in (ours, theirs)]
    assert shapes[0] == shapes[1]
    assert len(list(ours.parameters())) == len(list(theirs.parameters())) == 10
    assert len(list(ours.modules())) == len(list(theirs.modules()))
    assert len(list(ours.children())) == len(list(theirs.children()))


@requires_torch
def test_repr_matches_torch():
    ours, theirs = model_pair()
    assert repr(ours) == repr(theirs)
    assert "(alias): Affine(in_features=4, out_features=4, bias=True)" in repr(ours)
    assert "(0-1): 2 x Affine(in_features=4, out_features=2, bias=True)" in repr(ours)


@requires_torch
def test_container_reprs_match_torch():
    for make in (lambda nn, lib: nn.Sequential(),
                 lambda nn, lib: nn.ModuleList(),
                 lambda nn, lib: nn.ModuleDict({"a": nn.Identity(), "b": nn.Flatten(0, 2)}),
                 lambda nn, lib: nn.Sequential(OrderedDict([("x", nn.Unflatten(-1, [2, 2])), ("y", nn.Identity())])),
                 lambda nn, lib: nn.ModuleList([nn.Identity(), nn.Identity(), nn.Flatten(), nn.Identity()]),
                 lambda nn, lib: nn.ParameterList([lib.ones(2), lib.zeros(2, 3, dtype=lib.float64), "x"]),
                 lambda nn, lib: nn.ParameterList(),
                 lambda nn, lib: nn.Sequential(nn.ParameterDict({"a": lib.ones(2), "b": lib.ones(3, 1)}))):
        assert repr(make(NN, mt)).replace("microtensor.", "torch.") == repr(make(torch.nn, torch))


@requires_torch
def test_forward_and_gradients_match_torch():
    ours, theirs = model_pair()
    x = np.random.default_rng(1).standard_normal((5, 3)).astype(np.float32)
    out, expected = ours(mt.tensor(x)), theirs(torch.tensor(x))
    assert tuple(out.shape) == tuple(expected.shape) == (5, 2, 1)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-6)
    out.sum().backward()
    expected.sum().backward()
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-5, err_msg=name)


@requires_torch
def test_state_dict_loads_into_torch_and_back():
    ours, theirs = model_pair()
    fresh = build(torch.nn, torch)
    fresh.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    x = np.ones((2, 3), np.float32)
    np.testing.assert_allclose(fresh(torch.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy())
    back = build(NN, mt)
    back.load_state_dict({k: mt.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    np.testing.assert_allclose(back(mt.tensor(x)).detach().numpy(), ours(mt.tensor(x)).detach().numpy())


# ----------------------------------------------------------------------------- registration rules
class Pair(Module):
    def __init__(self):
        super().__init__()
        self.weight = Parameter(mt.ones(2, 2))
        self.register_buffer("stat", mt.zeros(2))
        self.child = container.Identity()

    def forward(self, x):
        return x @ self.weight + self.stat


def test_attribute_assignment_registers():
    m = Pair()
    assert list(m._parameters) == ["weight"] and list(m._buffers) == ["stat"] and list(m._modules) == ["child"]
    assert "weight" not in m.__dict__ and m.weight is m._parameters["weight"]
    m.plain = 3
    assert m.plain == 3 and "plain" not in m._parameters
    m.weight = None                          # None keeps the name registered, without a parameter
    assert "weight" in m._parameters and m.weight is None and list(m.parameters()) == []
    m.stat = mt.ones(2)                      # a tensor assigned to a buffer name replaces the buffer
    assert m._buffers["stat"].tolist() == [1.0, 1.0]
    m.stat = None
    assert list(m.buffers()) == [] and "stat" not in m.state_dict()
    m.child = Pair()                         # a module replaces a module
    m.child = Parameter(mt.zeros(1))         # a parameter replaces a module, and the reverse
    assert "child" not in m._modules and "child" in m._parameters
    with pytest.raises(TypeError, match="cannot assign 'microtensor.nn.container.Identity' as parameter 'child'"):
        m.child = container.Identity()          # as in PyTorch: a parameter name takes parameters only
    del m.child
    m.child = container.Identity()
    assert "child" not in m._parameters and "child" in m._modules
    m.register_parameter("extra", Parameter(mt.zeros(3)))
    m.add_module("sub", container.Flatten())
    m.register_module("sub2", None)
    assert [n for n, _ in m.named_parameters()] == ["extra"]
    assert [n for n, _ in m.named_children()] == ["child", "sub"]


def test_delattr_and_getattr():
    m = Pair()
    del m.weight, m.stat, m.child
    assert not m._parameters and not m._buffers and not m._modules
    with pytest.raises(AttributeError, match="^'Pair' object has no attribute 'weight'$"):
        m.weight
    m.x = 1
    del m.x
    with pytest.raises(AttributeError, match="^'Pair' object has no attribute 'x'$"):
        m.x
    with pytest.raises(AttributeError):
        del m.nothing


def test_registration_errors():
    m = Pair()
    with pytest.raises(TypeError, match=r"cannot assign 'microtensor.FloatTensor' as parameter 'weight' "
                                        r"\(microtensor.nn.Parameter or None expected\)"):
        m.weight = mt.ones(2, 2)
    with pytest.raises(TypeError, match=r"cannot assign 'int' as child module 'child'"):
        m.child = 3
    with pytest.raises(TypeError, match=r"cannot assign 'str' as buffer 'stat'"):
        m.stat = "x"
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        m.register_buffer("weight", mt.ones(1))
    with pytest.raises(KeyError, match='buffer name can.*t contain "."'):
        m.register_buffer("a.b", mt.ones(1))
    with pytest.raises(KeyError, match='buffer name can.*t be empty string'):
        m.register_buffer("", mt.ones(1))
    with pytest.raises(TypeError, match="buffer name should be a string. Got int"):
        m.register_buffer(1, mt.ones(1))
    with pytest.raises(TypeError, match=r"cannot assign 'list' object to buffer 'b'"):
        m.register_buffer("b", [1.0])
    with pytest.raises(TypeError, match=r"cannot assign 'microtensor.FloatTensor' object to parameter 'p'"):
        m.register_parameter("p", mt.ones(1))
    with pytest.raises(KeyError, match='parameter name can.*t contain "."'):
        m.register_parameter("a.b", None)
    with pytest.raises(KeyError, match="attribute 'stat' already exists"):
        m.register_parameter("stat", None)
    with pytest.raises(KeyError, match=r'module name can.*t contain ".", got: a.b'):
        m.add_module("a.b", container.Identity())
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        m.add_module("weight", container.Identity())
    with pytest.raises(TypeError, match="int is not a Module subclass"):
        m.add_module("z", 3)
    assert Parameter(mt.ones(2, requires_grad=True) * 2).is_leaf     # a Parameter starts as a leaf
    frozen = Parameter(mt.ones(2), requires_grad=False)
    frozen.mul_(mt.ones(2, requires_grad=True))                         # ... and stops being one
    with pytest.raises(ValueError, match="Cannot assign non-leaf Tensor to parameter 'q'"):
        m.q = frozen

    class Early(Module):
        def __init__(self):
            self.w = Parameter(mt.ones(1))
    with pytest.raises(AttributeError, match=r"cannot assign parameters before Module.__init__\(\) call"):
        Early()


def test_forward_missing_and_submodule_access():
    with pytest.raises(NotImplementedError, match=r'Module \[Module\] is missing the required "forward" function'):
        Module()(1)
    outer = container.Sequential(Pair(), container.ModuleDict({"p": Pair()}))
    assert outer.get_submodule("1.p") is outer[1]["p"] and outer.get_submodule("") is outer
    assert outer.get_parameter("1.p.weight") is outer[1]["p"].weight
    assert outer.get_buffer("0.stat") is outer[0].stat
    with pytest.raises(AttributeError, match="Pair has no attribute `nope`"):
        outer.get_submodule("0.nope")
    with pytest.raises(AttributeError, match="`weight` is not an nn.Module"):
        outer.get_submodule("0.weight")
    with pytest.raises(AttributeError, match="`stat` is not an nn.Parameter"):
        outer.get_parameter("0.stat")
    with pytest.raises(AttributeError, match="`weight` is not a buffer"):
        outer.get_buffer("0.weight")
    assert {"weight", "stat", "child", "forward"} <= set(dir(Pair()))


# ----------------------------------------------------------------------------- Parameter
def test_parameter_is_a_leaf_sharing_memory():
    data = mt.zeros(3)
    p = Parameter(data)
    assert isinstance(p, mt.Tensor) and p.requires_grad and p.is_leaf and p.grad_fn is None
    data.add_(1)
    assert p.tolist() == [1.0, 1.0, 1.0]
    assert not Parameter(mt.ones(2), requires_grad=False).requires_grad
    assert Parameter().shape == (0,) and Parameter().dtype == mt.float32
    y = p * 2 + 1
    assert type(y) is mt.Tensor and type(p.detach()) is mt.Tensor and type(p.clone()) is mt.Tensor
    y.sum().backward()
    assert p.grad.tolist() == [2.0, 2.0, 2.0]
    assert repr(Parameter(mt.tensor([1.0, 2.0]))) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require gradients"):
        Parameter(mt.tensor([1, 2]))


def test_deepcopy_keeps_parameters_and_sharing():
    ours = build(NN, mt)
    clone = copy.deepcopy(ours)
    assert type(clone.embed.weight) is Parameter and clone.embed.weight is not ours.embed.weight
    assert clone.heads[1].weight is clone.heads[0].weight and clone.alias is clone.body[0]
    clone.embed.weight.data.add_(1)
    assert not np.allclose(clone.embed.weight.detach().numpy(), ours.embed.weight.detach().numpy())


# ----------------------------------------------------------------------------- hooks
def test_forward_hooks_modify_input_and_output_and_remove():
    m = container.Identity()
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: calls.append(("pre", args)) or (args[0] + 1,))
    h2 = m.register_forward_pre_hook(lambda mod, args: args[0] * 10)          # non-tuple gets wrapped
    h3 = m.register_forward_hook(lambda mod, args, out: calls.append(("post", args, out)) or out + 100)
    assert m(mt.tensor(1.0)).item() == 120.0
    assert calls[0][0] == "pre" and calls[0][1][0].item() == 1.0
    assert calls[1][0] == "post" and calls[1][1][0].item() == 20.0 and calls[1][2].item() == 20.0
    h2.remove()
    h2.remove()
    assert m(mt.tensor(1.0)).item() == 102.0
    h1.remove(), h3.remove()
    assert m(mt.tensor(1.0)).item() == 1.0 and not m._forward_hooks and not m._forward_pre_hooks


def test_hook_order_prepend_kwargs_and_context_manager():
    class Kw(Module):
        def forward(self, x, scale=1.0):
            return x * scale

    m, order = Kw(), []
    m.register_forward_hook(lambda mod, a, o: order.append("first"))
    m.register_forward_hook(lambda mod, a, o: order.append("prepended"), prepend=True)
    m.register_forward_pre_hook(lambda mod, a, kw: (a, {"scale": 3.0}), with_kwargs=True)
    m.register_forward_hook(lambda mod, a, kw, o: o + kw["scale"], with_kwargs=True)
    assert m(mt.tensor(2.0)).item() == 9.0 and order == ["prepended", "first"]
    with m.register_forward_hook(lambda mod, a, o: o * 0):
        assert m(mt.tensor(2.0)).item() == 0.0
    assert m(mt.tensor(2.0)).item() == 9.0
    m.register_forward_pre_hook(lambda mod, a, kw: 5, with_kwargs=True)
    with pytest.raises(RuntimeError, match=r"forward pre-hook must return None or a tuple of \(new_args, new_kwargs\)"):
        m(mt.tensor(2.0))


# ----------------------------------------------------------------------------- modes and bulk changes
def test_train_eval_propagate():
    ours = build(NN, mt)
    assert all(m.training for m in ours.modules())
    assert ours.eval() is ours and not any(m.training for m in ours.modules())
    ours.body.train()
    assert ours.body[1][0].training and not ours.training and not ours.heads[0].training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        ours.train(1)


def test_zero_grad_requires_grad_and_apply():
    ours = build(NN, mt)
    ours(mt.ones(2, 3)).sum().backward()
    assert all(p.grad is not None for p in ours.parameters())
    ours.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in ours.parameters())
    ours.zero_grad()
    assert all(p.grad is None for p in ours.parameters())
    assert ours.requires_grad_(False) is ours and not any(p.requires_grad for p in ours.parameters())
    visited = []
    assert ours.apply(lambda m: visited.append(type(m).__name__)) is ours
    assert visited[-1] == "Net" and visited[:2] == ["Affine", "Affine"] and visited.count("Norm") == 1


@requires_torch
def test_apply_order_matches_torch():
    ours, theirs = model_pair()
    a, b = [], []
    ours.apply(lambda m: a.append(type(m).__name__))
    theirs.apply(lambda m: b.append(type(m).__name__))
    assert a == b


def test_to_double_float_keep_parameter_identity():
    ours = build(NN, mt)
    ours(mt.ones(2, 3)).sum().backward()
    weight, int_buffer = ours.embed.weight, ours.body[1][0].num_batches_tracked
    assert ours.double() is ours
    assert ours.embed.weight is weight and weight.dtype == mt.float64 and weight.grad.dtype == mt.float64
    assert isinstance(weight, Parameter) and weight.requires_grad and weight.is_leaf
    assert ours.body[1][0].running_mean.dtype == mt.float64 and ours.body[1][0].cache.dtype == mt.float64
    assert ours.body[1][0].num_batches_tracked.dtype == mt.int64 and int_buffer.dtype == mt.int64
    assert ours(mt.ones(2, 3, dtype=mt.float64)).dtype == mt.float64
    assert ours.float().embed.weight.dtype == mt.float32 and ours.embed.weight is weight
    assert ours.to(mt.float64).embed.weight.dtype == mt.float64
    assert ours.to("cpu", dtype=mt.float32).embed.weight.dtype == mt.float32
    assert ours.to(mt.zeros(1, dtype=mt.float64)).embed.weight.dtype == mt.float64
    assert ours.to("cpu") is ours and ours.cpu() is ours
    with pytest.raises(TypeError, match="nn.Module.to only accepts floating point or complex dtypes, but got "
                                        "desired dtype=microtensor.int64"):
        ours.to(mt.int64)


# ----------------------------------------------------------------------------- state dicts
def test_state_dict_values_are_detached_views():
    ours = build(NN, mt)
    sd = ours.state_dict()
    assert isinstance(sd, OrderedDict)
    assert all(type(v) is mt.Tensor and not v.requires_grad for v in sd.values())
    assert "body.1.0.cache" not in sd and "body.1.0.running_mean" in sd and "body.2.bias" not in sd
    sd["embed.weight"].add_(1)                   # shares memory with the parameter
    assert ours.embed.weight[0, 0].item() == pytest.approx(1 / 3 + 1)
    kept = ours.state_dict(keep_vars=True)
    assert kept["embed.weight"] is ours.embed.weight and kept["heads.1.weight"] is ours.heads[0].weight
    assert list(ours.embed.state_dict(prefix="e.")) == ["e.weight", "e.bias"]


def test_load_state_dict_round_trip():
    src, dst = build(NN, mt), build(NN, mt)
    for i, p in enumerate(src.parameters()):
        p.data = mt.full(tuple(p.shape), float(i))
    src.body[1][0].num_batches_tracked.fill_(7)
    result = dst.load_state_dict(src.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    for (k, a), (_, b) in zip(src.state_dict().items(), dst.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)
    assert dst.body[1][0].num_batches_tracked.item() == 7
    weight = dst.embed.weight
    dst.load_state_dict({k: v.double() for k, v in src.state_dict().items()})   # copied in: dtype and object kept
    assert dst.embed.weight is weight and weight.dtype == mt.float32
    x = mt.ones(4, 3)
    np.testing.assert_allclose(dst(x).detach().numpy(), src(x).detach().numpy())
    fresh = mt.zeros(4, 3)
    dst.load_state_dict({**dst.state_dict(), "embed.weight": fresh}, assign=True)
    assert isinstance(dst.embed.weight, Parameter) and dst.embed.weight.requires_grad
    assert np.shares_memory(dst.embed.weight.detach().numpy(), fresh.numpy())     # assign keeps the memory
    fresh.add_(1)                                                          # and the version counter
    assert dst.embed.weight._version == fresh._version


def test_load_state_dict_strict_errors():
    m = build(NN, mt)
    sd = m.state_dict()
    del sd["embed.weight"], sd["gain"]
    sd["nothere.bias"] = mt.zeros(1)
    sd["embed.extra"] = mt.zeros(1)
    message = ('Error(s) in loading state_dict for Net:\n\tMissing key(s) in state_dict: "gain", "embed.weight". '
               '\n\tUnexpected key(s) in state_dict: "nothere.bias", "embed.extra". ')
    with pytest.raises(RuntimeError) as err:
        m.load_state_dict(sd)
    assert str(err.value) == message
    result = m.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["gain", "embed.weight"] and result.unexpected_keys == ["nothere.bias", "embed.extra"]
    assert tuple(result) == (result.missing_keys, result.unexpected_keys)


def test_load_state_dict_size_mismatch_and_bad_values():
    m = container.Sequential(OrderedDict(fc=Pair()))
    sd = m.state_dict()
    sd["fc.weight"] = mt.zeros(3, 4)
    expected = ("Error(s) in loading state_dict for Sequential:\n\tsize mismatch for fc.weight: copying a param with "
                "shape microtensor.Size([3, 4]) from checkpoint, the shape in current model is "
                "microtensor.Size([2, 2]).")
    for strict in (True, False):
        with pytest.raises(RuntimeError) as err:
            m.load_state_dict(sd, strict=strict)
        assert str(err.value) == expected
    sd["fc.weight"] = [[1.0, 2.0], [3.0, 4.0]]
    with pytest.raises(RuntimeError, match='While copying the parameter named "fc.weight", expected '
                                           'microtensor.Tensor or Tensor-like object from checkpoint'):
        m.load_state_dict(sd)
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like, got <class 'list'>."):
        m.load_state_dict([1])


@requires_torch
def test_load_errors_match_torch_messages():
    ours, theirs = model_pair()
    sd_ours, sd_theirs = ours.state_dict(), theirs.state_dict()
    for sd in (sd_ours, sd_theirs):
        del sd["heads.0.bias"]
        sd["body.9.weight"] = sd["gain"]
    with pytest.raises(RuntimeError) as ours_err:
        ours.load_state_dict(sd_ours)
    with pytest.raises(RuntimeError) as theirs_err:
        theirs.load_state_dict(sd_theirs)
    assert str(ours_err.value) == str(theirs_err.value)
    assert list(ours.load_state_dict(sd_ours, strict=False)) == list(theirs.load_state_dict(sd_theirs, strict=False))


# ----------------------------------------------------------------------------- containers
def test_sequential():
    a, b, c = container.Flatten(), container.Identity(), container.Unflatten(1, (2, 3))
    seq = container.Sequential(a, b, c)
    assert len(seq) == 3 and list(seq) == [a, b, c] and seq[0] is a and seq[-1] is c and seq[-3] is a
    with pytest.raises(IndexError, match="index 3 is out of range"):
        seq[3]
    with pytest.raises(IndexError, match="index -4 is out of range"):
        seq[-4]
    tail = seq[1:]
    assert type(tail) is container.Sequential and list(tail) == [b, c] and list(tail._modules) == ["1", "2"]
    x = mt.ones(4, 2, 3)
    assert seq(x).shape == (4, 2, 3) and seq[:1](x).shape == (4, 6)
    empty = container.Sequential()
    assert empty(x) is x and len(empty) == 0
    assert empty.append(a) is empty and empty[0] is a
    seq.insert(1, container.Identity())
    assert [type(m).__name__ for m in seq] == ["Flatten", "Identity", "Identity", "Unflatten"]
    seq[1] = container.Flatten(0)
    assert seq[1].start_dim == 0
    del seq[0]
    assert list(seq._modules) == ["0", "1", "2"] and seq[0].start_dim == 0
    assert seq.pop(0).start_dim == 0 and len(seq) == 2
    seq.extend(container.Sequential(container.Identity()))
    assert len(seq) == 3 and len(seq + container.Sequential(a)) == 4
    named = container.Sequential(OrderedDict([("first", a), ("second", b)]))
    assert named.first is a and list(named._modules) == ["first", "second"] and named[1] is b
    with pytest.raises(ValueError, match="add operator supports only objects of Sequential class"):
        named + [a]


def test_module_list():
    mods = [container.Identity() for _ in range(3)]
    ml = container.ModuleList(mods)
    assert len(ml) == 3 and list(ml) == mods and ml[-1] is mods[2]
    assert type(ml[::2]) is container.ModuleList and list(ml[::2]) == [mods[0], mods[2]]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        ml[3]
    new = container.Flatten()
    ml.insert(1, new)
    assert list(ml) == [mods[0], new, mods[1], mods[2]] and list(ml._modules) == ["0", "1", "2", "3"]
    ml.append(container.Flatten()).extend([container.Identity()])
    assert len(ml) == 6
    ml += [container.Identity()]
    assert len(ml) == 7 and len(ml + container.ModuleList([new])) == 8
    del ml[0]
    assert ml[0] is new and list(ml._modules) == [str(i) for i in range(6)]
    del ml[1:3]
    assert len(ml) == 4 and ml.pop(-1) is not None and len(ml) == 3
    ml[0] = mods[0]
    assert ml[0] is mods[0]
    with pytest.raises(TypeError, match="ModuleList.extend should be called with an iterable, but got int"):
        ml.extend(3)
    with pytest.raises(NotImplementedError, match="ModuleList"):
        ml(1)
    assert [n for n, _ in container.ModuleList([mods[0], mods[0]]).named_modules()] == ["", "0"]


def test_module_dict():
    a, b = container.Identity(), container.Flatten()
    md = container.ModuleDict({"a": a})
    md["b"] = b
    md.update([("c", container.Identity())])
    assert list(md) == ["a", "b", "c"] and list(md.keys()) == ["a", "b", "c"] and md["b"] is b
    assert "a" in md and len(md) == 3 and list(md.values())[0] is a and list(md.items())[1] == ("b", b)
    assert md.pop("a") is a and "a" not in md
    del md["b"]
    assert list(md) == ["c"]
    md.clear()
    assert len(md) == 0
    with pytest.raises(TypeError, match="ModuleDict.update should be called with an iterable"):
        md.update(3)
    with pytest.raises(ValueError, match="ModuleDict update sequence element #0 has length 1; 2 is required"):
        md.update([("x",)])
    with pytest.raises(TypeError, match="ModuleDict update sequence element #0 should be Iterable"):
        md.update([3])


def test_parameter_list_and_dict():
    pl = container.ParameterList([mt.ones(2), Parameter(mt.zeros(3))])
    assert len(pl) == 2 and all(isinstance(p, Parameter) for p in pl) and pl[-1].shape == (3,)
    pl.append(mt.ones(1))
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2"] and len(pl[1:]) == 2
    pl[0] = mt.full((2,), 5.0)
    assert isinstance(pl[0], Parameter) and pl[0].tolist() == [5.0, 5.0]
    with pytest.raises(RuntimeError, match="ParameterList should not be called."):
        pl(1)
    with pytest.raises(TypeError, match="ParameterList.extend should be called with an iterable, but got Tensor"):
        pl.extend(mt.ones(2))
    pd = container.ParameterDict({"w": mt.ones(2)})
    pd["b"] = Parameter(mt.zeros(1))
    assert list(pd) == ["w", "b"] and isinstance(pd["w"], Parameter) and "b" in pd and len(pd) == 2
    assert [n for n, _ in pd.named_parameters()] == ["w", "b"] and pd.get("nope") is None
    assert pd.pop("w").shape == (2,) and list(pd.keys()) == ["b"]
    with pytest.raises(TypeError, match="Index given to ParameterDict cannot be used as a key"):
        pd[1] = mt.ones(1)


def test_identity_flatten_unflatten():
    x = mt.arange(24.0).reshape(2, 3, 4)
    assert container.Identity(3, key=1)(x) is x
    assert container.Flatten()(x).shape == (2, 12) and container.Flatten(0, 1)(x).shape == (6, 4)
    assert container.Unflatten(2, (2, 2))(x).shape == (2, 3, 2, 2)
    assert container.Unflatten(-1, [2, -1])(x).shape == (2, 3, 2, 2)
    round_trip = container.Sequential(container.Flatten(), container.Unflatten(1, (3, 4)))
    assert np.array_equal(round_trip(x).numpy(), x.numpy())
    with pytest.raises(TypeError, match="unflattened_size must be a tuple of ints, but found type int"):
        container.Unflatten(1, 4)
    message = "unflattened_size must be tuple of ints, but found element of type float at pos 1"
    with pytest.raises(TypeError, match=message):
        container.Unflatten(1, (2, 2.0))
    assert repr(container.Flatten(0, 2)) == "Flatten(start_dim=0, end_dim=2)"
    assert repr(container.Unflatten(1, (2, 3))) == "Unflatten(dim=1, unflattened_size=(2, 3))"
