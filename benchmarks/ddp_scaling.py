"""Weak scaling of DistributedDataParallel on 1 and 2 ranks: ``python -m benchmarks.ddp_scaling``.

Each rank trains an MLP (64-1024-1024-10, 1.1 M parameters, 4.3 MB of float32 gradients) on its own batch of
64, so the global batch grows with the ranks (weak scaling). For each rank count the driver launches the
workers (``microtensor.distributed.run``) and prints, from rank 0:

- the time per global batch (one forward, backward and SGD step on every rank, at the same time);
- the weak-scaling efficiency, the 1-rank time over the N-rank time (1.0: twice the data in the same time);
- the communication share: the steps alternate between synchronised ones and ``no_sync()`` ones (identical
  work, no all-reduce), and the share is (sync - no_sync) / sync, the part of a step that communication
  adds after its overlap with backward;
- the bytes each rank hands to the all-reduce per step (its gradients), and what a ring all-reduce moves
  over each rank's link: 2 (N - 1) / N times that.

One BLAS thread a rank; the medians of interleaved steps. On a 2-core machine 2 ranks share the cores with
the launcher and MPI's progress, so the efficiency is a floor.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

PER_RANK_BATCH = 64


def worker(steps: int, bucket_cap_mb: float) -> None:
    """One rank's measurement; rank 0 prints a JSON line."""
    import numpy as np

    import microtensor as torch
    import microtensor.distributed as dist
    import microtensor.nn as nn
    import microtensor.nn.functional as F
    from microtensor.nn.parallel import DistributedDataParallel
    from microtensor.nn.parallel.distributed import assign_buckets

    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(0)
    model = DistributedDataParallel(nn.Sequential(nn.Linear(64, 1024), nn.ReLU(), nn.Linear(1024, 1024),
                                                  nn.ReLU(), nn.Linear(1024, 10)), bucket_cap_mb=bucket_cap_mb)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    generator = torch.Generator().manual_seed(rank)
    x = torch.randn(PER_RANK_BATCH, 64, generator=generator)
    y = torch.randint(0, 10, (PER_RANK_BATCH,), generator=generator)

    def step() -> float:
        dist.barrier()
        start = time.perf_counter()
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
        return time.perf_counter() - start

    synced, local = [], []
    for i in range(steps + 3):
        t_sync = step()
        with model.no_sync():
            t_local = step()
        if i >= 3:                         # the first steps warm the caches and MPI's connections
            synced.append(t_sync)
            local.append(t_local)
    # a rank's step ends when its own all-reduce does: the slowest rank sets the pace
    times = torch.tensor([float(np.median(synced)), float(np.median(local))], dtype=torch.float64)
    dist.all_reduce(times, op=dist.ReduceOp.MAX)
    grad_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    buckets = len(assign_buckets(list(model.parameters()), model.bucket_bytes_cap))
    if rank == 0:
        print(json.dumps({"ranks": world, "sync": times[0].item(), "no_sync": times[1].item(),
                          "grad_bytes": grad_bytes, "buckets": buckets}))
    dist.destroy_process_group()


def measure(ranks: int, steps: int, bucket_cap_mb: float) -> dict:
    """Launch ``ranks`` workers and return rank 0's measurement."""
    from microtensor.distributed.run import launch_command
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    options = ["--worker", "--steps", str(steps), "--bucket-cap-mb", str(bucket_cap_mb)]
    command = launch_command(ranks, "benchmarks.ddp_scaling", options, module=True)
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True, timeout=600).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    """Measure 1 and 2 ranks and print the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ddp_scaling", description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=30, help="timed steps of each kind (default 30)")
    parser.add_argument("--bucket-cap-mb", type=float, default=25, help="DDP's bucket_cap_mb (default 25)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.steps, args.bucket_cap_mb)
        return
    results = [measure(n, args.steps, args.bucket_cap_mb) for n in (1, 2)]
    base = results[0]["sync"]
    print(f"DDP weak scaling: {PER_RANK_BATCH} examples a rank, MLP 64-1024-1024-10, medians of {args.steps} "
          f"steps, one BLAS thread a rank, bucket_cap_mb={args.bucket_cap_mb:g}")
    print(f"{'ranks':>5} {'global batch':>12} {'ms/global batch':>15} {'efficiency':>10} {'comm share':>10} "
          f"{'grad MB/rank':>12} {'ring MB/link':>12} {'buckets':>7}")
    for r in results:
        n = r["ranks"]
        share = max(0.0, (r["sync"] - r["no_sync"]) / r["sync"])
        print(f"{n:>5} {n * PER_RANK_BATCH:>12} {r['sync'] * 1e3:>15.2f} {base / r['sync']:>10.2f} "
              f"{share:>10.1%} {r['grad_bytes'] / 1e6:>12.2f} {2 * (n - 1) / n * r['grad_bytes'] / 1e6:>12.2f} "
              f"{r['buckets']:>7}")


if __name__ == "__main__":
    main(sys.argv[1:])
