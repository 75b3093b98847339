"""make_dot: exact nodes and edges of known expressions, labels, op attributes, saved tensors, forward view."""
import re

import numpy as np
import pytest

import microtensor as mt
from microtensor import nn
from microtensor.nn import functional as F
from microtensor.viz import make_dot

NODE = re.compile(r"^\t(\w+) \[label=(\"[^\"]*\"|\S+?)[ \]]", re.M)
EDGE = re.compile(r"^\t(\w+) -> (\w+)", re.M)


def parts(dot):
    """{node id: label} and the list of (src, dst) edges of a Digraph's source."""
    labels = {name: label.strip('"') for name, label in NODE.findall(dot.source)}
    return labels, EDGE.findall(dot.source)


def leaves(*shapes, dtype=mt.float32):
    rng = np.random.default_rng(0)
    return [mt.tensor(rng.standard_normal(s), dtype=dtype, requires_grad=True) for s in shapes]


def test_mul_add_sum_counts_and_direction():
    a, b, c = leaves((2, 3), (2, 3), (2, 3))
    labels, edges = parts(make_dot((a * b + c).sum(), params={"a": a, "b": b, "c": c}))
    assert sorted(labels.values()) == sorted(["SumBackward0", "AddBackward0", "MulBackward0", "a\n(2, 3)",
                                              "b\n(2, 3)", "c\n(2, 3)", "output\n() float32"])
    by_label = {label.split("\n")[0]: name for name, label in labels.items()}
    expected = [("a", "MulBackward0"), ("b", "MulBackward0"), ("MulBackward0", "AddBackward0"),
                ("c", "AddBackward0"), ("AddBackward0", "SumBackward0"), ("SumBackward0", "output")]
    assert sorted(edges) == sorted((by_label[s], by_label[d]) for s, d in expected)


def test_shared_input_used_twice():
    a, = leaves((3,))
    labels, edges = parts(make_dot((a * a).sum()))
    assert len(labels) == 4        # a, MulBackward0, SumBackward0, output: the leaf drawn once
    leaf = next(n for n, label in labels.items() if label == "(3,) float32")
    mul = next(n for n, label in labels.items() if label == "MulBackward0")
    assert edges.count((leaf, mul)) == 2 and len(edges) == 4


def test_several_outputs_in_one_graph():
    x, w = leaves((4, 3), (3, 2))
    h = x @ w
    labels, edges = parts(make_dot({"loss": h.sum(), "reg": (w * w).mean()}))
    outs = [label for label in labels.values() if label.startswith(("loss", "reg"))]
    assert sorted(outs) == ["loss\n() float32", "reg\n() float32"]
    # x, w, MatMulBackward0, SumBackward0, MulBackward0, MeanBackward0, two outputs; w shared
    assert len(labels) == 8 and len(edges) == 8
    assert len(parts(make_dot([h.sum(), h.mean()]))[0]) == 7


def test_leaf_labels_shape_and_dtype_or_parameter_name():
    x, = leaves((5, 1), dtype=mt.float64)
    lin = nn.Linear(1, 2).double()
    labels, _ = parts(make_dot(lin(x).sum(), params=dict(lin.named_parameters())))
    assert {"weight\n(2, 1)", "bias\n(2,)", "(5, 1) float64"} <= set(labels.values())


def test_leaf_output_draws_its_leaf():
    a, = leaves((2,))
    labels, edges = parts(make_dot(a))
    assert sorted(labels.values()) == ["(2,) float32", "output\n(2,) float32"] and len(edges) == 1


def test_show_attrs_lists_op_options():
    x, w = leaves((1, 2, 8, 8), (3, 2, 3, 3))
    y = F.conv2d(x, w, stride=2, padding=1).sum(dim=1)
    labels, _ = parts(make_dot(y, show_attrs=True))
    conv = next(label for label in labels.values() if label.startswith("ConvolutionBackward0"))
    assert "stride: (2, 2)" in conv and "padding: (1, 1)" in conv and "kernel_size: (3, 3)" in conv
    assert "ConvolutionBackward0" in parts(make_dot(y))[0].values()     # no attributes without the option
    x3, w3 = leaves((1, 2, 5, 6, 7), (3, 2, 2, 3, 2))
    labels, _ = parts(make_dot(F.conv3d(x3, w3, stride=(1, 2, 1), dilation=(2, 1, 1)), show_attrs=True))
    conv3d = next(label for label in labels.values() if label.startswith("ConvolutionBackward0"))
    assert "stride: (1, 2, 1)" in conv3d and "dilation: (2, 1, 1)" in conv3d and "kernel_size: (2, 3, 2)" in conv3d


def test_show_saved_shapes_and_freed_after_backward():
    a, b = leaves((2, 3), (3, 4))
    y = (a @ b).tanh().sum()
    labels, _ = parts(make_dot(y, show_saved=True))
    mm = next(label for label in labels.values() if label.startswith("MatMulBackward0"))
    assert mm.count("saved: ") == 2 and "saved: (2, 3) float32" in mm and "saved: (3, 4) float32" in mm
    tanh = next(label for label in labels.values() if label.startswith("TanhBackward0"))
    assert "saved: (2, 4) float32" in tanh
    y.backward()
    freed, edges = parts(make_dot(y, show_saved=True))
    assert "MatMulBackward0\nsaved: freed by backward" in freed.values() and len(edges) == 5


def test_forward_view_has_tensors_between_ops():
    x = mt.randn(4, 3)
    lin = nn.Linear(3, 2)
    labels, edges = parts(make_dot(lin(x).relu().sum(), params=dict(lin.named_parameters()), forward=True))
    names = set(labels.values())
    assert {"Linear", "Relu", "Sum", "weight\n(2, 3)", "bias\n(2,)", "(4, 2) float32", "no-grad input",
            "output\n() float32"} <= names
    assert not any("Backward" in label for label in names)
    # ops 3, leaves 2, x, values: linear out, relu out, output
    assert len(labels) == 9 and len(edges) == 8


def test_max_nodes_none_draws_everything():
    x, = leaves((2,))
    y = x
    for _ in range(300):
        y = y * 1.0
    labels, edges = parts(make_dot(y.sum()))
    assert len(labels) == 303 and len(edges) == 302


@pytest.mark.parametrize("bad, match", [
    (mt.ones(2), r"make_dot: output .*has no grad_fn and does not require grad"),
    ("x", r"make_dot: output must be a Tensor, a sequence of Tensors or a dict of them, got str"),
    ([], r"make_dot: no outputs to draw"),
])
def test_bad_outputs(bad, match):
    with pytest.raises((TypeError, ValueError), match=match):
        make_dot(bad)


def test_bad_params():
    a, = leaves((2,))
    with pytest.raises(TypeError, match=r"make_dot: params must be a dict name -> Tensor .* got list"):
        make_dot(a.sum(), params=[a])
