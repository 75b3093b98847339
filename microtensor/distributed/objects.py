"""Collectives of picklable Python objects: ``broadcast_object_list`` and ``all_gather_object``.

The objects travel pickled between the ranks of one MPI job (mpi4py's lower-case collectives), as
PyTorch's do: only exchange objects between processes that trust each other."""
from __future__ import annotations

from typing import Any

from microtensor.distributed.process_group import ProcessGroup, group_rank_of, member_group


def broadcast_object_list(object_list: list[Any], src: int | None = None, group: ProcessGroup | None = None,
                          device: Any = None, group_src: int | None = None) -> None:
    """Replace the items of ``object_list`` on every rank with those of rank ``src`` (global; or
    ``group_src``); every rank passes a list of the same length."""
    g = member_group(group, "broadcast_object_list")
    if g is None:
        return
    root = group_rank_of(g, src, group_src)
    received = g.comm.bcast(list(object_list) if g.rank() == root else None, root)
    if len(received) != len(object_list):
        raise ValueError(f"broadcast_object_list: rank {g.ranks[root]} sent {len(received)} objects, but this "
                         f"rank's object_list holds {len(object_list)}; every rank must pass a list of the "
                         f"same length")
    object_list[:] = received


def all_gather_object(object_list: list[Any], obj: Any, group: ProcessGroup | None = None) -> None:
    """Set ``object_list[i]`` to the ``obj`` of group rank ``i``, on every rank; ``object_list`` holds one
    item per rank of the group."""
    g = member_group(group, "all_gather_object")
    if g is None:
        return
    if len(object_list) != g.size():
        raise ValueError(f"all_gather_object: object_list must hold one item per rank of the group "
                         f"({g.size()}), got {len(object_list)}")
    object_list[:] = g.comm.allgather(obj)
