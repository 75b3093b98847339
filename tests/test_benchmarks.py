"""Smoke test of the benchmark harness: every workload runs once at tiny sizes and the table prints.

No timing is asserted (the numbers depend on the machine); what is checked is that each
workload measures every engine, microtensor.compile's included (torch.compile's is left to the full
run: it takes PyTorch up to a minute per workload), that the engines compute the same thing, that the
compiled step is bitwise the eager one, and the table's shape.
"""
import numpy as np
import pytest

from benchmarks import WORKLOADS
from benchmarks.__main__ import main
from benchmarks.harness import BLAS_THREAD_VARIABLES, ENGINES, Row, format_table, matching_torch, time_engines, torch

WORKLOAD_NAMES = [w.name for w in WORKLOADS]
EAGER_ENGINES = [e for e in ENGINES if e not in ("mt-compiled", "torch-compile")]



@pytest.fixture(scope="module")
def tiny_rows():
    return {w.name: w.run(**w.tiny) for w in WORKLOADS}


@pytest.mark.slow
@pytest.mark.parametrize("workload", WORKLOADS, ids=WORKLOAD_NAMES)
def test_workload_measures_every_engine(workload, tiny_rows):
    rows = tiny_rows[workload.name]
    assert rows and all(isinstance(r, Row) for r in rows)
    timed = [r for r in rows if r.unit in ("s", "ms", "us") and not r.metric.startswith("first call")]
    assert timed
    for r in timed:
        expected = [e for e in EAGER_ENGINES if (torch is not None or e.startswith(("microtensor", "numpy")))
                    and (workload.has_floor or e != "numpy-floor")]
        for engine in expected:
            assert r.values[engine] is not None and r.values[engine] > 0, (r.metric, engine)
    assert any(r.values["mt-compiled"] for r in timed)
    assert all(r.values["torch-compile"] is None for r in timed)        # the tiny size leaves torch.compile out
    first_call = [r for r in rows if r.metric.startswith("first call")]
    assert first_call       # one per timed step (the large chain times two)
    assert all(r.values["mt-compiled"] > 0 and r.compiled_targets == {"microtensor": 3} for r in first_call)


@pytest.mark.slow
@pytest.mark.parametrize("workload", WORKLOADS, ids=WORKLOAD_NAMES)
def test_compiled_step_has_no_graph_breaks(workload, tiny_rows):
    rows = [r for r in tiny_rows[workload.name] if r.metric == "compiled graph breaks"]
    assert rows
    assert all(r.values["mt-compiled"] == 0 and r.verdict() == "met" for r in rows)


@pytest.mark.slow
@pytest.mark.parametrize("workload", WORKLOADS, ids=WORKLOAD_NAMES)
def test_compiled_state_is_bitwise_eagers(workload, tiny_rows):
    rows = [r for r in tiny_rows[workload.name] if r.metric.startswith("compiled state differing")]
    assert rows
    assert all(r.values["mt-compiled"] == 0 and r.verdict() == "met" for r in rows)
    for r in tiny_rows[workload.name]:
        if r.metric.startswith("loss"):
            assert r.values["mt-compiled"] == r.values["microtensor"]


@pytest.mark.slow
def test_mlp_losses_agree_across_engines(tiny_rows):
    loss_rows = [r for r in tiny_rows["mlp"] if r.metric.startswith("loss")]
    assert len(loss_rows) == 2
    for r in loss_rows:
        present = [v for v in r.values.values() if v is not None]
        assert len(present) == (4 if torch is not None else 3)
        np.testing.assert_allclose(present, present[0], rtol=1e-4)
        assert r.verdict() == "met"
    assert loss_rows[1].values["microtensor"] < loss_rows[0].values["microtensor"]   # the update helped


@pytest.mark.slow
def test_chain_memory_is_handed_back(tiny_rows):
    rows = {r.metric: r for r in tiny_rows["chain"]}
    after_forward = rows["traced growth after forward"].values["microtensor"]
    after_delete = rows["traced growth after deleting the output"].values["microtensor"]
    assert after_forward > 0
    assert after_delete <= 0.1 * after_forward


def test_verdicts_compare_against_torch_on_as_many_threads_as_numpys_blas(monkeypatch):
    values = {"microtensor": 3.0, "torch-1thread": 2.0, "torch-default": 1.0, "numpy-floor": 3.0}
    row = Row("w", "m", "s", values, targets={"torch": 2.0}, target_text="<= 2x torch")
    assert row.ratio("torch-default") == 3.0
    for name in BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert matching_torch() == "torch-default"
    assert row.verdict() == "MISSED (3.00x torch-default)"
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    assert matching_torch() == "torch-1thread"
    assert row.verdict() == "met"                   # 1.5x torch-1thread
    assert Row("w", "m", "s", values, targets={"numpy-floor": 1.1}).verdict() == "met"
    assert Row("w", "m", "s", dict.fromkeys(ENGINES), targets={"torch": 2.0}).verdict() == ""


def test_compiled_targets_judge_the_compiled_engine(monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    values = {"microtensor": 4.0, "mt-compiled": 1.5, "torch-1thread": 2.0, "torch-default": 1.0,
              "torch-compile": 0.5, "numpy-floor": 1.0}
    row = Row("w", "m", "s", values, targets={"torch": 2.0}, compiled_targets={"torch": 0.5, "numpy-floor": 1.05})
    assert row.ratio("torch-1thread", "mt-compiled") == 0.75
    assert row.verdict() == "MISSED (compiled 0.75x torch-1thread, compiled 1.50x numpy-floor)"
    assert Row("w", "m", "s", values, compiled_targets={"microtensor": 3}).verdict() == "met"


def test_compiled_values_must_equal_eagers_exactly():
    values = {"microtensor": 2.0, "mt-compiled": 2.0 * (1 + 1e-7), "torch-default": 2.0 * (1 + 1e-6)}
    assert Row("w", "loss", "", values, agree=1e-4).verdict().startswith("MISSED (mt-compiled differs from eager")
    values["mt-compiled"] = 2.0
    assert Row("w", "loss", "", values, agree=1e-4).verdict() == "met"


def test_a_limit_judges_the_engine_it_names():
    values = dict.fromkeys(ENGINES)
    values["mt-compiled"] = 2
    assert Row("w", "m", "", values, limit=0, limit_engine="mt-compiled").verdict() == "MISSED (mt-compiled 2 > 0)"
    assert Row("w", "m", "", values, limit=0).verdict() == ""


@pytest.mark.slow
def test_table_has_a_line_per_row_and_the_ratio_columns(tiny_rows):
    rows = [r for name in WORKLOAD_NAMES for r in tiny_rows[name]]
    lines = format_table(rows).splitlines()
    assert len(lines) == len(rows) + 2
    for column in ("mt-compiled", "torch-compile", "mt/torch-1t", "mt/torch-def", "mt/np-floor", "cmp/mt",
                   "cmp/torch-1t", "cmp/np-floor", "target", "verdict"):
        assert column in lines[0]


@pytest.mark.slow
def test_main_prints_the_table(monkeypatch, capsys):
    for w in WORKLOADS:
        monkeypatch.setattr(w, "quick", w.tiny)
    assert main(["--quick", "--only", "per_op", "mlp"]) == 0
    out = capsys.readouterr().out
    assert "NumPy" in out.splitlines()[0]
    assert "forward+backward per op" in out and "training step" in out
    assert "node chain" not in out


def test_main_rejects_an_unknown_workload():
    with pytest.raises(SystemExit):
        main(["--only", "nonesuch"])


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
def test_torch_runs_single_threaded_and_default_then_restores():
    default = torch.get_num_threads()
    seen, seen_compiled = [], []
    values = time_engines(lambda: None, lambda: seen.append(torch.get_num_threads()), lambda: None,
                          repeats=2, warmup=1, compiled_fn=lambda: None,
                          torch_compiled_fn=lambda: seen_compiled.append(torch.get_num_threads()))
    assert sorted(set(seen)) == sorted({1, default})
    assert seen.count(1) >= 2
    assert set(seen_compiled) == {1 if matching_torch() == "torch-1thread" else default}
    assert torch.get_num_threads() == default
    assert all(values[e] is not None for e in ENGINES)


def test_each_timed_call_follows_settling_calls_of_the_same_engine():
    calls = []
    values = time_engines(lambda: calls.append("mt"), None, lambda: calls.append("np"), repeats=2, warmup=1, settle=2)
    assert calls == ["mt", "np"] + (["mt"] * 3 + ["np"] * 3) * 2
    assert values["microtensor"] is not None and values["numpy-floor"] is not None
