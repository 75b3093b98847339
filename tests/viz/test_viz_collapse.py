"""max_nodes: repeated structure collapsed to one representative ×N plus a summary; the rest cut; big graphs fast."""
import re
import shutil
import time

import pytest

import microtensor as mt
from microtensor import viz
from microtensor.viz.collapse import levels, plan

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")


def chain(names):
    """Items of a chain: item 0 is the output, item i feeds item i - 1."""
    return [(i, i - 1) for i in range(1, len(names))]


def rnn(steps, hidden=4):
    mt.manual_seed(0)
    w = mt.randn(hidden, hidden, requires_grad=True)
    u = mt.randn(3, hidden, requires_grad=True)
    b = mt.zeros(hidden, requires_grad=True)
    h = mt.zeros(2, hidden)
    xs = mt.randn(steps, 2, 3)
    for t in range(steps):
        h = (h @ w + xs[t] @ u + b).tanh()
    return h.sum(), {"W": w, "U": u, "b": b}


def test_levels_are_longest_distance_to_an_output():
    #   0 <- 1 <- 2 <- 3, and 3 -> 1 directly: 3 is three edges from the output by its longest path
    assert levels(4, [(1, 0), (2, 1), (3, 2), (3, 1)]) == [0, 1, 2, 3]


def test_plan_leaves_small_graphs_alone():
    assert plan(["a"] * 10, chain(["a"] * 10), 10) == ({}, [], [])
    assert plan(["a"] * 10, chain(["a"] * 10), None) == ({}, [], [])


def test_plan_collapses_a_periodic_chain():
    names = ["out"] + ["tanh", "add", "mm"] * 50 + [None]
    p = plan(names, chain(names), 20)
    assert len(p.repeats) == 1 and p.repeats[0].count == 50 and p.repeats[0].items == [1, 2, 3]
    assert len(p.hidden) == 49 * 3 and p.summaries == ["... 49 more repeats of the block above\n(147 nodes)"]
    assert 152 - len(p.hidden) + len(p.summaries) <= 20


def test_plan_collapses_two_different_stages():
    names = ["out"] + ["a", "b"] * 30 + ["c", "d", "e"] * 30 + [None]
    p = plan(names, chain(names), 20)
    assert sorted(r.count for r in p.repeats) == [30, 30] and len(p.summaries) == 2
    assert len(names) - len(p.hidden) + len(p.summaries) == 1 + 2 + 3 + 1 + 2     # out, a block each, leaf


def test_plan_cuts_what_does_not_repeat():
    names = [f"op{i}" for i in range(100)]
    p = plan(names, chain(names), 10)
    assert p.repeats == [] and p.summaries == ["... 91 more nodes not drawn\n(max_nodes=10)"]
    assert sorted(set(range(100)) - set(p.hidden)) == list(range(9))       # the nine nearest the output


def test_plan_rejects_tiny_budgets():
    with pytest.raises(ValueError, match="max_nodes must be at least 2 .* got 1"):
        plan(["a"] * 5, chain(["a"] * 5), 1)


def drawn_nodes(dot):
    return len(re.findall(r"^\t\w+ \[label=", dot.source, re.M))


def test_rnn_unrolled_1000_steps_draws_one_step_times_1000():
    loss, params = rnn(1000)
    dot = viz.make_dot(loss, params=params, max_nodes=100)
    assert "×1000" in dot.source and "999 more repeats of the block above" in dot.source
    assert drawn_nodes(dot) <= 100
    for name in ("W\n(4, 4)", "U\n(3, 4)", "b\n(4,)", "TanhBackward0", "MatMulBackward0"):
        assert name in dot.source


def test_10000_node_graph_walks_and_draws_in_seconds(tmp_path):
    x = mt.randn(3, requires_grad=True)
    y = x
    for i in range(5000):
        y = y * 1.0001 if i % 2 else y.sin()
    y = y.sum()
    start = time.perf_counter()
    assert drawn_nodes(viz.make_dot(y)) == 5003          # the whole graph, as DOT source
    if shutil.which("dot"):
        svg = viz.draw(y, tmp_path / "big.svg").read_text()
        assert "×2500" in svg and "2499 more repeats" in svg
    assert time.perf_counter() - start < 10


@needs_dot
def test_10000_op_graph_within_max_nodes_renders(tmp_path):
    x = mt.randn(3, requires_grad=True)
    y = x
    for i in range(10000):      # no period: each op's neighbours differ (a de Bruijn-free mix of three ops)
        y = [y.sin, y.cos, y.tanh][(i * i + i // 7) % 3]()
    start = time.perf_counter()
    svg = viz.draw(y.sum(), tmp_path / "cut.svg", max_nodes=300).read_text()
    assert svg.count('class="node"') <= 300 and ("not drawn" in svg or "more repeats" in svg)
    assert time.perf_counter() - start < 10


@pytest.mark.slow
@needs_dot
def test_collapsed_rnn_renders_png(tmp_path):
    loss, params = rnn(1000)
    viz.watch(loss)
    loss.backward()
    data = viz.draw(loss, tmp_path / "rnn.png", params=params, show_grad=True, max_nodes=60).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and 2_000 < len(data) < 300_000
