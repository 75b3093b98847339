"""The tensor collectives of ``torch.distributed`` over MPI: each launches MPI's non-blocking collective on
the tensors' own arrays (returning a Work with ``async_op=True``, else waiting for it)."""
from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor.distributed.mpi import load_mpi
from microtensor.distributed.process_group import ProcessGroup, group_rank_of, member_group
from microtensor.distributed.reduce_op import ReduceOp, mpi_op
from microtensor.distributed.work import (
    Work,
    check_count,
    check_shapes,
    check_tensor,
    check_tensor_list,
    launch,
    raw,
    readable,
    then,
    writable,
)
from microtensor.tensor import Tensor


def typed(a: np.ndarray, caller: str) -> np.ndarray:
    """``a``, checked to be a dtype that MPI can reduce (mpi4py reads the MPI datatype from its buffer
    format); TypeError otherwise."""
    if a.dtype.char not in _REDUCIBLE:
        raise TypeError(f"{caller}: MPI cannot reduce tensors of dtype {a.dtype} (supported: the integer, "
                        f"bool, float32/float64 and complex dtypes)")
    return a


# NumPy's type characters of the integer, bool, float32/64 and complex dtypes: those with an MPI datatype
_REDUCIBLE = frozenset("?bBhHiIlLqQfdFD")


def averaging(a: np.ndarray, op: ReduceOp, size: int, caller: str) -> Callable[[], None] | None:
    """The step that turns MPI's sum into the mean for ``ReduceOp.AVG`` (None for other ops)."""
    if op is not ReduceOp.AVG:
        return None
    if not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.complexfloating)):
        raise TypeError(f"{caller}: ReduceOp.AVG needs a floating-point or complex tensor, got dtype {a.dtype}")

    def divide() -> None:
        np.divide(a, size, out=a)
    return divide


def all_reduce(tensor: Tensor, op: ReduceOp = ReduceOp.SUM, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Reduce ``tensor`` across the ranks of ``group`` with ``op``, in place: afterwards every rank holds
    the result. Returns a Work with ``async_op``, else None."""
    check_tensor(tensor, "all_reduce")
    g = member_group(group, "all_reduce")
    if g is None:
        return None
    mop = mpi_op(op, "all_reduce")
    buf, write_back = writable(tensor)
    finish = then(averaging(buf, op, g.size(), "all_reduce"), write_back)
    request = g.comm.Iallreduce(load_mpi().IN_PLACE, typed(buf, "all_reduce"), mop)
    return launch([request], finish, async_op)


def reduce(tensor: Tensor, dst: int | None = None, op: ReduceOp = ReduceOp.SUM, group: ProcessGroup | None = None,
           async_op: bool = False, group_dst: int | None = None) -> Work | None:
    """Reduce ``tensor`` across the ranks of ``group`` with ``op`` into ``tensor`` on rank ``dst`` (global;
    or ``group_dst`` within the group); the other ranks' tensors are left as they were."""
    check_tensor(tensor, "reduce")
    g = member_group(group, "reduce")
    if g is None:
        return None
    root = group_rank_of(g, dst, group_dst)
    mop = mpi_op(op, "reduce")
    if g.rank() == root:
        buf, write_back = writable(tensor)
        finish = then(averaging(buf, op, g.size(), "reduce"), write_back)
        request = g.comm.Ireduce(load_mpi().IN_PLACE, typed(buf, "reduce"), mop, root)
        return launch([request], finish, async_op)
    send = readable(tensor)
    averaging(send, op, g.size(), "reduce")
    return launch([g.comm.Ireduce(typed(send, "reduce"), None, mop, root)], None, async_op)


def broadcast(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, async_op: bool = False,
              group_src: int | None = None) -> Work | None:
    """Copy ``tensor`` of rank ``src`` (global; or ``group_src`` within the group) into ``tensor`` on every
    rank of ``group``, in place."""
    check_tensor(tensor, "broadcast")
    g = member_group(group, "broadcast")
    if g is None:
        return None
    root = group_rank_of(g, src, group_src)
    buf, write_back = writable(tensor)
    return launch([g.comm.Ibcast(raw(buf), root)], write_back, async_op)


def _spread(stacked: np.ndarray, tensors: list[Tensor]) -> Callable[[], None]:
    """The step that copies row ``i`` of ``stacked`` into ``tensors[i]``."""
    def copy_out() -> None:
        for row, t in zip(stacked, tensors):
            t._data[...] = row
    return copy_out


def all_gather(tensor_list: list[Tensor], tensor: Tensor, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Gather ``tensor`` of every rank of ``group`` into ``tensor_list`` (one tensor per rank, in rank
    order, each of ``tensor``'s shape and dtype) on every rank."""
    check_tensor(tensor, "all_gather")
    outs = check_tensor_list(tensor_list, "all_gather", "tensor_list")
    g = member_group(group, "all_gather")
    if g is None:
        return None
    check_count(outs, g.size(), "all_gather", "tensor_list")
    check_shapes(outs, tensor, "all_gather", "tensor_list")
    stacked = np.empty((g.size(), *tensor._data.shape), dtype=tensor._data.dtype)
    request = g.comm.Iallgather(raw(readable(tensor)), raw(stacked))
    return launch([request], _spread(stacked, outs), async_op)


def _check_multiple(big: Tensor, small: Tensor, size: int, caller: str, big_name: str, small_name: str) -> None:
    if big.dtype != small.dtype:
        raise TypeError(f"{caller}: {big_name} has dtype {big.dtype} and {small_name} {small.dtype}; they must "
                        f"match")
    if big.numel() != size * small.numel():
        raise ValueError(f"{caller}: {big_name} must hold world_size ({size}) times as many elements as "
                         f"{small_name}: got {big_name} of shape {tuple(big.shape)} and {small_name} of shape "
                         f"{tuple(small.shape)}")


def all_gather_single(output_tensor: Tensor, input_tensor: Tensor, group: ProcessGroup | None = None,
                      async_op: bool = False) -> Work | None:
    """Gather ``input_tensor`` of every rank into ``output_tensor``, rank after rank along its first
    dimension (``output_tensor`` holds world_size times ``input_tensor``'s elements: concatenated or
    stacked)."""
    check_tensor(output_tensor, "all_gather_single", "output_tensor")
    check_tensor(input_tensor, "all_gather_single", "input_tensor")
    g = member_group(group, "all_gather_single")
    if g is None:
        return None
    _check_multiple(output_tensor, input_tensor, g.size(), "all_gather_single", "output_tensor", "input_tensor")
    buf, write_back = writable(output_tensor)
    request = g.comm.Iallgather(raw(readable(input_tensor)), raw(buf))
    return launch([request], write_back, async_op)


def all_gather_into_tensor(output_tensor: Tensor, input_tensor: Tensor, group: ProcessGroup | None = None,
                           async_op: bool = False) -> Work | None:
    """Deprecated name of ``all_gather_single`` (PyTorch 2.13 warns likewise)."""
    warnings.warn("`torch.distributed.all_gather_into_tensor` is deprecated. Please use "
                  "`torch.distributed.all_gather_single` instead.", FutureWarning, stacklevel=2)
    return all_gather_single(output_tensor, input_tensor, group, async_op)


def gather(tensor: Tensor, gather_list: list[Tensor] | None = None, dst: int | None = None,
           group: ProcessGroup | None = None, async_op: bool = False, group_dst: int | None = None) -> Work | None:
    """Gather ``tensor`` of every rank into ``gather_list`` (one tensor per rank) on rank ``dst`` (global;
    or ``group_dst``); the other ranks pass no ``gather_list``."""
    check_tensor(tensor, "gather")
    g = member_group(group, "gather")
    if g is None:
        return None
    root = group_rank_of(g, dst, group_dst)
    send = raw(readable(tensor))
    if g.rank() != root:
        if gather_list:
            raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination ranks.")
        return launch([g.comm.Igather(send, None, root)], None, async_op)
    if gather_list is None:
        raise ValueError("Argument ``gather_list`` must be specified on destination rank.")
    outs = check_tensor_list(gather_list, "gather", "gather_list")
    check_count(outs, g.size(), "gather", "gather_list")
    check_shapes(outs, tensor, "gather", "gather_list")
    stacked = np.empty((g.size(), *tensor._data.shape), dtype=tensor._data.dtype)
    return launch([g.comm.Igather(send, raw(stacked), root)], _spread(stacked, outs), async_op)


def scatter(tensor: Tensor, scatter_list: list[Tensor] | None = None, src: int | None = None,
            group: ProcessGroup | None = None, async_op: bool = False, group_src: int | None = None) -> Work | None:
    """Copy ``scatter_list[i]`` of rank ``src`` (global; or ``group_src``) into ``tensor`` on group rank
    ``i``; the other ranks pass no ``scatter_list``."""
    check_tensor(tensor, "scatter")
    g = member_group(group, "scatter")
    if g is None:
        return None
    root = group_rank_of(g, src, group_src)
    buf, write_back = writable(tensor)
    if g.rank() != root:
        if scatter_list:
            raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
        return launch([g.comm.Iscatter(None, raw(buf), root)], write_back, async_op)
    if scatter_list is None:
        raise ValueError("Argument ``scatter_list`` must be specified on source rank.")
    ins = check_tensor_list(scatter_list, "scatter", "scatter_list")
    check_count(ins, g.size(), "scatter", "scatter_list")
    check_shapes(ins, tensor, "scatter", "scatter_list")
    stacked = np.stack([t._data for t in ins])
    return launch([g.comm.Iscatter(raw(stacked), raw(buf), root)], write_back, async_op)


def _reduce_scatter_block(output: Tensor, send: np.ndarray, op: ReduceOp, g: ProcessGroup, caller: str,
                          async_op: bool) -> Work | None:
    mop = mpi_op(op, caller)
    buf, write_back = writable(output)
    finish = then(averaging(buf, op, g.size(), caller), write_back)
    request = g.comm.Ireduce_scatter_block(typed(send, caller), typed(buf, caller), mop)
    return launch([request], finish, async_op)


def reduce_scatter(output: Tensor, input_list: list[Tensor], op: ReduceOp = ReduceOp.SUM,
                   group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Reduce ``input_list[i]`` across the ranks with ``op`` into ``output`` on group rank ``i``."""
    check_tensor(output, "reduce_scatter", "output")
    ins = check_tensor_list(input_list, "reduce_scatter", "input_list")
    g = member_group(group, "reduce_scatter")
    if g is None:
        return None
    check_count(ins, g.size(), "reduce_scatter", "input_list")
    check_shapes(ins, output, "reduce_scatter", "input_list")
    return _reduce_scatter_block(output, np.stack([t._data for t in ins]), op, g, "reduce_scatter", async_op)


def reduce_scatter_single(output: Tensor, input: Tensor, op: ReduceOp = ReduceOp.SUM,
                          group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Reduce ``input`` (world_size times ``output``'s elements, rank after rank) across the ranks with
    ``op``; group rank ``i`` gets the ``i``-th part in ``output``."""
    check_tensor(output, "reduce_scatter_single", "output")
    check_tensor(input, "reduce_scatter_single", "input")
    g = member_group(group, "reduce_scatter_single")
    if g is None:
        return None
    _check_multiple(input, output, g.size(), "reduce_scatter_single", "input", "output")
    return _reduce_scatter_block(output, readable(input), op, g, "reduce_scatter_single", async_op)


def reduce_scatter_tensor(output: Tensor, input: Tensor, op: ReduceOp = ReduceOp.SUM,
                          group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Deprecated name of ``reduce_scatter_single`` (PyTorch 2.13 warns likewise)."""
    warnings.warn("`torch.distributed.reduce_scatter_tensor` is deprecated. Please use "
                  "`torch.distributed.reduce_scatter_single` instead.", FutureWarning, stacklevel=2)
    return reduce_scatter_single(output, input, op, group, async_op)


def barrier(group: ProcessGroup | None = None, async_op: bool = False, device_ids: Any = None,
            timeout: Any = None) -> Work | None:
    """Block until every rank of ``group`` has reached this barrier (with ``async_op``, return its Work)."""
    g = member_group(group, "barrier")
    if g is None:
        return None
    work = Work([g.comm.Ibarrier()])
    if async_op:
        return work
    work.wait(timeout)
    return None
