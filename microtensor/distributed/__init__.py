"""``microtensor.distributed``: ``torch.distributed``'s process groups and collectives over MPI (mpi4py).

Launch N processes with ``python -m microtensor.distributed.run -n N script.py`` (or ``mpiexec -n N python
script.py``); each calls ``init_process_group("mpi")``. Importing this package does not import mpi4py: MPI
starts with ``init_process_group``. Install the runtime with the extra: ``pip install -e ".[distributed]"``.
"""
from microtensor.distributed.collectives import (
    all_gather,
    all_gather_into_tensor,
    all_gather_single,
    all_reduce,
    barrier,
    broadcast,
    gather,
    reduce,
    reduce_scatter,
    reduce_scatter_single,
    reduce_scatter_tensor,
    scatter,
)
from microtensor.distributed.mpi import mpi_available
from microtensor.distributed.objects import all_gather_object, broadcast_object_list
from microtensor.distributed.point_to_point import irecv, isend, recv, send
from microtensor.distributed.process_group import (
    ProcessGroup,
    destroy_process_group,
    get_backend,
    get_global_rank,
    get_group_rank,
    get_rank,
    get_world_size,
    init_process_group,
    is_initialized,
    new_group,
)
from microtensor.distributed.reduce_op import ReduceOp
from microtensor.distributed.work import Work


def is_available() -> bool:
    """Whether the distributed package can run here: mpi4py (the ``distributed`` extra) is installed."""
    return mpi_available()


def is_mpi_available() -> bool:
    """Whether the MPI backend is available (mpi4py installed)."""
    return mpi_available()


__all__ = ["ProcessGroup", "ReduceOp", "Work", "all_gather", "all_gather_into_tensor", "all_gather_object",
           "all_gather_single", "all_reduce", "barrier", "broadcast", "broadcast_object_list",
           "destroy_process_group", "gather", "get_backend", "get_global_rank", "get_group_rank", "get_rank",
           "get_world_size", "init_process_group", "irecv", "is_available", "is_initialized",
           "is_mpi_available", "isend", "new_group", "recv", "reduce", "reduce_scatter", "reduce_scatter_single",
           "reduce_scatter_tensor", "scatter", "send"]
