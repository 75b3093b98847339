"""microtensor.distributed and DistributedDataParallel: the collectives against NumPy, DDP against one process
on the concatenated batches, failing ranks, the launcher and the sampler. The multi-rank tests launch the
scripts of tests/distributed_workers on 2 ranks with mpiexec (the ``distributed`` extra); they are
skipped without it."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import microtensor as mt
import microtensor.distributed as dist
from microtensor.distributed.mpi import mpi_available
from microtensor.distributed.run import launch_command
from microtensor.nn.parallel import DistributedDataParallel
from microtensor.utils.data import DistributedSampler
from tests.helpers import requires_torch, torch

WORKERS = Path(__file__).parent / "distributed_workers"
REPO = Path(__file__).parent.parent
requires_mpi = pytest.mark.skipif(not mpi_available(),
                                  reason='mpi4py is not installed: pip install -e ".[distributed]"')


def run_ranks(args: list, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run ``args`` (a launcher's command line), one BLAS thread a rank, and return the finished process."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    return subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)


@requires_mpi
def test_collectives_match_numpy_through_the_launcher():
    run = run_ranks([sys.executable, "-m", "microtensor.distributed.run", "-n", "2",
                     str(WORKERS / "collectives.py")])
    assert run.returncode == 0, run.stdout + run.stderr
    assert "rank 0: collectives ok" in run.stdout and "rank 1: collectives ok" in run.stdout


@requires_mpi
def test_ddp_matches_one_process_on_the_concatenated_batches():
    run = run_ranks(launch_command(2, str(WORKERS / "ddp_matches_one_process.py"), []))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "rank 0: ddp ok" in run.stdout and "rank 1: ddp ok" in run.stdout


@requires_mpi
@pytest.mark.parametrize("how", ["raise", "kill"])
def test_a_failing_rank_ends_the_job_instead_of_hanging(how):
    run = run_ranks(launch_command(2, str(WORKERS / "rank_dies.py"), [how]), timeout=60)
    assert run.returncode != 0
    assert "never joined" not in run.stdout
    if how == "raise":
        assert "rank 1 failed on purpose" in run.stderr
        assert "rank 1 raised an uncaught ValueError; aborting all 2 ranks" in run.stderr


@requires_mpi
def test_env_variables_must_agree_with_mpi():
    env = dict(os.environ, RANK="3")
    run = subprocess.run([sys.executable, "-c", "import microtensor.distributed as d; d.init_process_group('mpi')"],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode != 0
    assert "environment variable RANK gives rank=3, but MPI started this process as rank 0" in run.stderr


def test_importing_does_not_start_mpi():
    assert "mpi4py.MPI" not in sys.modules
    assert dist.is_available() == mpi_available()
    assert not dist.is_initialized()


def test_missing_extra_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    with pytest.raises(ImportError, match=r'pip install -e "\.\[distributed\]"'):
        dist.init_process_group("mpi")
    assert not dist.is_initialized()


def test_queries_before_init_raise_as_pytorch():
    for query in (dist.get_rank, dist.get_world_size, dist.barrier):
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            query()
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedDataParallel(mt.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedSampler(range(4))


def test_bad_backend_and_init_method_are_named():
    with pytest.raises(ValueError, match="backend 'gloo' is not available in microtensor"):
        dist.init_process_group(backend="gloo")
    with pytest.raises(ValueError, match="init_method 'tcp://10.0.0.1:23456' is not supported"):
        dist.init_process_group("mpi", init_method="tcp://10.0.0.1:23456")


def test_ddp_rejects_device_ids_for_a_cpu_module():
    with pytest.raises(ValueError, match="device_ids and output_device arguments only work"):
        DistributedDataParallel(mt.nn.Linear(2, 2), device_ids=[0])


def test_reduce_op_names():
    assert [op.name for op in dist.ReduceOp] == ["SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR"]


def test_launch_command():
    command = launch_command(4, "train.py", ["--lr", "0.1"], hostfile="hosts")
    assert Path(command[0]).name == "mpiexec"
    assert command[1:] == ["-n", "4", "-f", "hosts", sys.executable, "train.py", "--lr", "0.1"]
    assert launch_command(2, "demos.ddp", [], module=True)[-3:] == [sys.executable, "-m", "demos.ddp"]
    with pytest.raises(ValueError, match="-n must be at least 1, got 0"):
        launch_command(0, "train.py", [])


@requires_torch
@pytest.mark.parametrize("n, replicas, drop_last", [(10, 3, False), (10, 3, True), (11, 2, False), (2, 4, False),
                                                     (8, 4, True), (7, 1, False)])
def test_sampler_partitions_as_pytorch(n, replicas, drop_last):
    """The same shards and padding as PyTorch's sampler: in order, exactly its indices; shuffled, its
    positions applied to the (seeded, NumPy) permutation, the same on every replica."""
    from torch.utils.data.distributed import DistributedSampler as TorchSampler
    for rank in range(replicas):
        kwargs = dict(num_replicas=replicas, rank=rank, drop_last=drop_last)
        theirs = list(TorchSampler(range(n), shuffle=False, **kwargs))
        assert list(DistributedSampler(range(n), shuffle=False, **kwargs)) == theirs
        ours = DistributedSampler(range(n), shuffle=True, seed=7, **kwargs)
        ours.set_epoch(3)
        permutation = np.random.default_rng(7 + 3).permutation(n)
        assert list(ours) == [int(permutation[i]) for i in theirs]
        assert len(ours) == len(TorchSampler(range(n), **kwargs)) == len(theirs)
    assert torch is not None


@requires_mpi
@pytest.mark.slow
def test_ddp_digits_demo_reaches_the_single_process_accuracy():
    run = run_ranks([sys.executable, "-m", "microtensor.distributed.run", "-n", "2", "-m", "demos.ddp_digits"],
                    timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    accuracy = float(run.stdout.rsplit("test accuracy", 1)[1])
    assert accuracy >= 0.95, run.stdout
