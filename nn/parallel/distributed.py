"""DistributedDataParallel: one replica of a module per rank, gradients averaged across the ranks during
backward, as ``torch.nn.parallel.DistributedDataParallel`` does, over ``microtensor.distributed`` (MPI).

The parameters are packed into buckets (reverse registration order, the first 1 MiB, then ``bucket_cap_mb``
each, one dtype a bucket). A post-accumulate-grad hook on each parameter counts its bucket down; a bucket
whose gradients are all ready is packed and its all-reduce started, non-blocking, while backward goes on
with the earlier layers. Buckets start in index order (MPI needs the same collective order on every rank);
the hook of the gradient that completes the last bucket waits for all of them and writes the averages back
into ``.grad``.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from microtensor.autograd.function import AccumulateGrad
from microtensor.autograd.grad_mode import is_grad_enabled
from microtensor.distributed import ProcessGroup, Work, broadcast
from microtensor.distributed.mpi import load_mpi
from microtensor.distributed.process_group import resolve_group
from microtensor.nn.module import Module
from microtensor.tensor import Tensor

FIRST_BUCKET_BYTES = 1024 * 1024   # PyTorch's dist._DEFAULT_FIRST_BUCKET_BYTES: the first bucket starts early


class GradBucket:
    """Parameters whose gradients are all-reduced together, through one flat array."""

    def __init__(self, params: list[Tensor]) -> None:
        self.params = params
        sizes = [p.numel() for p in params]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int).tolist()
        self.flat = np.zeros(self.offsets[-1], dtype=params[0]._data.dtype)
        self.pending = len(params)
        self.request: Any = None

    def pack(self) -> None:
        """Copy each parameter's gradient (zeros where it has none) into the flat array."""
        for p, start, stop in zip(self.params, self.offsets, self.offsets[1:]):
            if p.grad is None:
                self.flat[start:stop] = 0
            else:
                self.flat[start:stop] = p.grad._data.reshape(-1)

    def unpack(self, world_size: int, used: set[int] | None) -> None:
        """Write the mean gradients back into ``.grad`` (a parameter no rank used keeps its ``.grad``)."""
        np.divide(self.flat, world_size, out=self.flat)
        for p, start, stop in zip(self.params, self.offsets, self.offsets[1:]):
            if used is not None and id(p) not in used:
                continue
            mean = self.flat[start:stop].reshape(p._data.shape)
            grad = p.grad
            if grad is not None and grad._data.flags.writeable and grad._data.shape == mean.shape:
                grad._data[...] = mean
            else:
                p.grad = Tensor._make(mean.copy())


def assign_buckets(params: list[Tensor], cap_bytes: int) -> list[list[Tensor]]:
    """Group ``params`` into buckets as PyTorch does: reverse order, one dtype a bucket, the first bucket of a
    dtype up to 1 MiB and each later one up to ``cap_bytes``."""
    open_buckets: dict[Any, list[Tensor]] = {}
    sizes: dict[Any, int] = {}
    limits: dict[Any, int] = {}
    buckets: list[list[Tensor]] = []
    for p in reversed(params):
        dtype = p._data.dtype
        bucket = open_buckets.setdefault(dtype, [])
        bucket.append(p)
        sizes[dtype] = sizes.get(dtype, 0) + p._data.nbytes
        limit = limits.setdefault(dtype, FIRST_BUCKET_BYTES)
        if sizes[dtype] >= limit:
            buckets.append(bucket)
            open_buckets[dtype], sizes[dtype], limits[dtype] = [], 0, cap_bytes
    buckets += [b for b in open_buckets.values() if b]
    return buckets


def _output_tensors(output: Any) -> Iterator[Tensor]:
    if isinstance(output, Tensor):
        yield output
    elif isinstance(output, (list, tuple)):
        for item in output:
            yield from _output_tensors(item)
    elif isinstance(output, dict):
        for item in output.values():
            yield from _output_tensors(item)


def reachable_leaves(output: Any) -> set[int]:
    """The ids of the leaf tensors that ``output``'s autograd graph reaches (what backward will give a grad)."""
    leaves: set[int] = set()
    seen: set[int] = set()
    stack = []
    for t in _output_tensors(output):
        if t.grad_fn is not None:
            stack.append(t.grad_fn)
        elif t.requires_grad:
            leaves.add(id(t))
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, AccumulateGrad):
            leaves.add(id(node.variable))
            continue
        stack.extend(n for n, _ in node.next_functions if n is not None)
    return leaves


class DistributedDataParallel(Module):
    """Data parallelism across the ranks of a process group: each rank runs ``module`` on its own part of
    the batch, and backward leaves every rank's ``.grad`` holding the mean of the ranks' gradients.

    Args:
        module: the module to replicate; its parameters and buffers are broadcast from rank 0 at
            construction (``init_sync``).
        device_ids, output_device: must be None (the module is on the CPU), as PyTorch requires for CPU
            modules.
        dim: accepted for PyTorch's signature (the batch is split by the user, one part a rank).
        broadcast_buffers: copy rank 0's buffers (BatchNorm's running statistics) to every rank before
            each forward (default True).
        init_sync: broadcast the parameters and buffers from rank 0 at construction (default True).
        process_group: the group to average over (the default group for None).
        bucket_cap_mb: the size of a gradient bucket in MiB (default 25).
        find_unused_parameters: walk the forward's autograd graph to find the parameters it did not use and
            count them ready, so that backward completes; a parameter no rank used keeps its ``.grad``.
        check_reduction, gradient_as_bucket_view, static_graph: accepted for PyTorch's signature.

    ``no_sync()`` skips the averaging for the backwards of the forwards run inside it (gradient
    accumulation). ``state_dict()`` keys carry the ``module.`` prefix, as in PyTorch: save
    ``ddp.module.state_dict()`` to load into the bare module.
    """

    def __init__(self, module: Module, device_ids: Any = None, output_device: Any = None, dim: int = 0,
                 broadcast_buffers: bool | None = True, init_sync: bool = True,
                 process_group: ProcessGroup | None = None, bucket_cap_mb: float | None = None,
                 find_unused_parameters: bool = False, check_reduction: bool = False,
                 gradient_as_bucket_view: bool = False, static_graph: bool = False) -> None:
        super().__init__()
        if device_ids is not None or output_device is not None:
            raise ValueError(f"DistributedDataParallel device_ids and output_device arguments only work with "
                             f"single-device/multiple-device GPU modules or CPU modules, but got device_ids "
                             f"{device_ids}, output_device {output_device}, and module parameters "
                             f"{{device(type='cpu')}}.")
        self.process_group = resolve_group(process_group)
        self.module = module
        self.dim = dim
        self.broadcast_buffers = True if broadcast_buffers is None else bool(broadcast_buffers)
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        params: list[Tensor] = [p for p in module.parameters() if p.requires_grad]
        if not params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter "
                               "that requires a gradient.")
        if init_sync:
            self._broadcast_from_rank0([*module.parameters(), *module.buffers()])
        self._buckets = [GradBucket(b) for b in assign_buckets(params, self.bucket_bytes_cap)]
        self._bucket_of = {id(p): bucket for bucket in self._buckets for p in bucket.params}
        self._hooks = [p.register_post_accumulate_grad_hook(self._grad_ready) for p in params]
        self._syncing = False
        self._next_bucket = 0
        self._used: set[int] | None = None

    def _broadcast_from_rank0(self, tensors: list[Tensor]) -> None:
        works = [broadcast(t, group=self.process_group, group_src=0, async_op=True) for t in tensors]
        for work in works:
            assert isinstance(work, Work)
            work.wait()

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Within this context, backward accumulates gradients locally without averaging them across the
        ranks; the first backward after it averages the accumulated gradients."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        if self._syncing and any(b.pending < len(b.params) for b in self._buckets):
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a new one. This error "
                "indicates that your module has parameters that were not used in producing loss. You can enable "
                "unused parameter detection by passing the keyword argument `find_unused_parameters=True` to "
                "`microtensor.nn.parallel.DistributedDataParallel`, and by making sure all `forward` function "
                "outputs participate in calculating loss.")
        if self.broadcast_buffers and self.process_group.size() > 1:
            buffers = list(self.module.buffers())
            if buffers:
                self._broadcast_from_rank0(buffers)
        self._syncing = is_grad_enabled() and self.require_backward_grad_sync
        self._next_bucket = 0
        for bucket in self._buckets:
            bucket.pending = len(bucket.params)
        output = self.module(*inputs, **kwargs)
        self._used = None
        if self._syncing and self.find_unused_parameters:
            self._used = reachable_leaves(output)
            for bucket in self._buckets:
                bucket.pending -= sum(id(p) not in self._used for p in bucket.params)
        return output

    def _grad_ready(self, param: Tensor) -> None:
        """The post-accumulate-grad hook: count ``param`` ready, start the buckets that are complete (in
        order), and after the last one, finish the averaging."""
        if not self._syncing:
            return
        self._bucket_of[id(param)].pending -= 1
        mpi = load_mpi()
        comm = self.process_group.comm
        while self._next_bucket < len(self._buckets) and self._buckets[self._next_bucket].pending == 0:
            bucket = self._buckets[self._next_bucket]
            bucket.pack()
            bucket.request = comm.Iallreduce(mpi.IN_PLACE, bucket.flat, mpi.SUM)
            self._next_bucket += 1
        if self._next_bucket == len(self._buckets):
            self._finish_reduction()

    def _finish_reduction(self) -> None:
        self._syncing = False
        load_mpi().Request.Waitall([b.request for b in self._buckets])
        used = self._globally_used() if self._used is not None else None
        for bucket in self._buckets:
            bucket.unpack(self.process_group.size(), used)
            bucket.request = None

    def _globally_used(self) -> set[int]:
        """The ids of the parameters that some rank used in this iteration (one small all-reduce)."""
        params = [p for b in self._buckets for p in b.params]
        assert self._used is not None
        flags = np.array([id(p) in self._used for p in params], dtype=np.int32)
        self.process_group.comm.Allreduce(load_mpi().IN_PLACE, flags, load_mpi().MAX)
        return {id(p) for p, flag in zip(params, flags) if flag}
