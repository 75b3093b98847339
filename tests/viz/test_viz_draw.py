"""draw: real files through Graphviz's dot (PNG, SVG, PDF), module clusters, gradient labels, missing dot."""
import shutil
import struct

import numpy as np
import pytest

import microtensor as mt
from microtensor import nn, viz
from microtensor.nn import functional as F
from microtensor.nn.models import LeNet5

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")


def text(path):
    """An SVG's text, with the minus signs dot escapes put back."""
    return path.read_text().replace("&#45;", "-")


def small_expression():
    a, b, c = (mt.tensor(np.full((2, 3), v, dtype=np.float32), requires_grad=True) for v in (1.0, 2.0, 3.0))
    return (a * b + c).sum(), {"a": a, "b": b, "c": c}


def lenet_loss():
    mt.manual_seed(0)
    model = LeNet5()
    with viz.record(model):
        loss = F.cross_entropy(model(mt.randn(2, 1, 28, 28)), mt.tensor([3, 7]))
    return model, loss


def test_png_has_header_and_plausible_size(tmp_path):
    y, params = small_expression()
    path = viz.draw(y, tmp_path / "graph.png", params=params)
    data = path.read_bytes()
    assert path == tmp_path / "graph.png" and data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])       # the IHDR chunk
    assert 100 < width < 1000 and 200 < height < 1500 and 2_000 < len(data) < 200_000


def test_svg_has_node_labels_and_parameter_names(tmp_path):
    y, params = small_expression()
    svg = viz.draw(y, tmp_path / "graph", format="svg", params=params).read_text()
    for label in ("SumBackward0", "AddBackward0", "MulBackward0", ">a<", ">b<", ">c<", "(2, 3)", ">output<"):
        assert label in svg
    assert svg.count('class="node"') == 7 and svg.count('class="edge"') == 6


def test_pdf_and_suffix_rules(tmp_path):
    y, _ = small_expression()
    assert viz.draw(y, tmp_path / "g.pdf").read_bytes()[:5] == b"%PDF-"
    assert viz.draw(y, tmp_path / "noext").suffix == ".png"
    assert viz.draw(y, tmp_path / "sub" / "g.v1", format="svg").name == "g.v1.svg"
    with pytest.raises(ValueError, match=r"draw: path .*g.png' ends in .png but format is 'svg'"):
        viz.draw(y, tmp_path / "g.png", format="svg")
    with pytest.raises(ValueError, match=r"draw: format must be one of png, svg, pdf, got 'jpg'"):
        viz.draw(y, tmp_path / "g", format="jpg")


def test_group_by_module_draws_labelled_clusters(tmp_path):
    model, loss = lenet_loss()
    svg = viz.draw(loss, tmp_path / "lenet.svg", params=dict(model.named_parameters()),
                   group_by_module=True).read_text()
    for label in ("LeNet5", "features: Sequential", "features.0: Conv2d", "features.3: Conv2d",
                  "classifier.4: Linear", "features.0.weight", "classifier.4.bias", "ConvolutionBackward0",
                  "CrossEntropyBackward0"):
        assert label in svg
    assert svg.count('class="cluster"') == 1 + 2 + 7 + 5     # model, Sequentials, their children
    # the loss was computed outside the model: its op is in no cluster (the last one drawn)
    clusters = svg.split('class="cluster"')
    assert "CrossEntropyBackward0" not in "".join(clusters[1:-1]) or "CrossEntropyBackward0" in clusters[-1]


def test_nested_module_paths(tmp_path):
    encoder = nn.Sequential(nn.Sequential(nn.Linear(3, 4), nn.Tanh()), nn.Linear(4, 2))
    model = nn.ModuleDict({"encoder": encoder})
    with viz.record(model):
        y = model["encoder"](mt.randn(5, 3)).sum()
    svg = viz.draw(y, tmp_path / "nested.svg", params=dict(model.named_parameters()),
                   group_by_module=True).read_text()
    for label in ("encoder: Sequential", "encoder.0: Sequential", "encoder.0.0: Linear", "encoder.0.1: Tanh",
                  "encoder.1: Linear", "encoder.0.0.weight"):
        assert label in svg


def test_group_by_module_without_record_says_what_to_call(tmp_path):
    model = LeNet5()
    loss = model(mt.randn(1, 1, 28, 28)).sum()
    with pytest.raises(RuntimeError, match=r"draw\(group_by_module=True\): .*with mt\.viz\.record\(model\)"):
        viz.draw(loss, tmp_path / "x.svg", group_by_module=True)


def test_show_grad_labels_edges_with_gradient_norms(tmp_path):
    y, params = small_expression()
    viz.watch(y)
    y.backward()
    svg = text(viz.draw(y, tmp_path / "grads.svg", params=params, show_grad=True))
    ones = np.sqrt(6)                       # the gradient of the sum: six ones; a = 1, b = 2
    assert svg.count(f"{1.0:.2e}") == 1     # Sum -> output
    assert svg.count(f"{ones:.2e}") == 4    # Add -> Sum, c -> Add, Mul -> Add, b -> Mul (grad b = a)
    assert svg.count(f"{2 * ones:.2e}") == 1     # a -> Mul (grad a = b)


def test_show_grad_colours_vanishing_and_exploding(tmp_path):
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 1e-9).sum() + (x * 1e5).sum()
    viz.watch(y)
    y.backward()
    svg = text(viz.draw(y, tmp_path / "colours.svg", show_grad=True))
    assert "1.41e-09" in svg and "1.41e+05" in svg
    vanishing, exploding = viz.dot._norm_colour(1.41e-9), viz.dot._norm_colour(1.41e5)
    assert vanishing.startswith("0.66") and exploding.startswith("0.00")
    assert viz.dot._norm_colour(1.0).startswith("0.33")


def test_show_grad_without_watch_says_what_to_call(tmp_path):
    y, _ = small_expression()
    y.backward()
    with pytest.raises(RuntimeError, match=r"draw\(show_grad=True\): no gradients were recorded .*"
                                           r"mt.viz.watch\(output\) .* before output.backward\(\)"):
        viz.draw(y, tmp_path / "x.svg", show_grad=True)


def test_lenet_grouped_with_gradients_and_forward_view(tmp_path):
    model, loss = lenet_loss()
    viz.watch(loss)
    loss.backward()
    params = dict(model.named_parameters())
    svg = text(viz.draw(loss, tmp_path / "lenet.svg", params=params, group_by_module=True, show_grad=True))
    w = model.features[0].weight.grad
    assert f"{float(np.linalg.norm(w.numpy())):.2e}" in svg
    fwd = text(viz.draw(loss, tmp_path / "fwd.svg", params=params, group_by_module=True, forward=True,
                        show_attrs=True))
    for label in ("Convolution", "stride: (1, 1)", "(2, 6, 28, 28) float32", "(2, 400) float32", "no-grad input",
                  "classifier.0: Linear"):
        assert label in fwd
    assert "Backward0" not in fwd


def test_freed_graph_still_draws_its_structure(tmp_path):
    _, loss = lenet_loss()
    before = viz.make_dot(loss).source
    loss.backward()
    assert viz.make_dot(loss).source == before
    svg = viz.draw(loss, tmp_path / "freed.svg", show_saved=True).read_text()
    assert "saved: freed by backward" in svg and "ConvolutionBackward0" in svg


def test_missing_dot_explains_and_writes_source(tmp_path, monkeypatch):
    y, params = small_expression()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(viz.GraphvizNotFoundError) as info:
        viz.draw(y, tmp_path / "out" / "graph.png", params=params)
    message = str(info.value)
    for hint in ("`dot` was not found on PATH", "apt-get install graphviz", "brew install graphviz",
                 "conda install -c conda-forge graphviz", "graph.dot"):
        assert hint in message
    source = (tmp_path / "out" / "graph.dot").read_text()
    assert source.startswith("digraph backward {") and "MulBackward0" in source
    assert not (tmp_path / "out" / "graph.png").exists()


def test_show_grad_marks_edges_no_gradient_reached(tmp_path):
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    used, unused = (x * 3.0).sum(), x.exp().sum()
    viz.watch([used, unused])
    used.backward()
    outputs = {"used": used, "unused": unused}
    svg = text(viz.draw(outputs, tmp_path / "part.svg", show_grad=True))
    assert svg.count(">no grad<") == 3          # x -> Exp, Exp -> Sum, Sum -> unused
    assert f"{3 * np.sqrt(2):.2e}" in svg       # x -> Mul carries 3 * ones
    forward = text(viz.draw(outputs, tmp_path / "part_forward.svg", show_grad=True, forward=True))
    assert forward.count(">no grad<") == 2      # x -> Exp, exp(x) -> Sum: the output is the Sum's own value
