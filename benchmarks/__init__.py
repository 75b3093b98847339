"""Side-by-side timings of microtensor against PyTorch CPU and a hand-written NumPy floor.

Run ``python -m benchmarks [--quick] [--only NAME ...]``. A workload is one module
defining ``WORKLOAD`` (see ``benchmarks.harness.Workload``); adding one means writing
that module and listing it in ``WORKLOADS`` below.
"""
from benchmarks import adam_step, chain, large_chain, lenet, lstm, mlp, moons, per_op, resnet
from benchmarks.harness import Workload

WORKLOADS: list[Workload] = [per_op.WORKLOAD, chain.WORKLOAD, large_chain.WORKLOAD, moons.WORKLOAD, mlp.WORKLOAD,
                              lenet.WORKLOAD, lstm.WORKLOAD, resnet.WORKLOAD, adam_step.WORKLOAD]
