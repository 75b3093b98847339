"""The process groups: the default one that ``init_process_group`` makes over MPI's COMM_WORLD, and the
subgroups of ``new_group``; rank and size queries, as ``torch.distributed`` answers them."""
from __future__ import annotations

import os
import sys
import traceback
import warnings
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from microtensor.distributed.mpi import load_mpi

BACKEND = "mpi"


class ProcessGroup:
    """A set of ranks that run collectives together: an MPI communicator (None on a rank outside the group)
    and the global ranks of its members, in group-rank order."""

    def __init__(self, comm: Any, ranks: Sequence[int]) -> None:
        self.comm = comm
        self.ranks = list(ranks)

    def rank(self) -> int:
        """This process's rank within the group (-1 outside it)."""
        return -1 if self.comm is None else int(self.comm.Get_rank())

    def size(self) -> int:
        """How many ranks the group has."""
        return len(self.ranks)

    def name(self) -> str:
        """The backend's name, ``"mpi"``."""
        return BACKEND

    def __repr__(self) -> str:
        return f"ProcessGroup(backend='mpi', ranks={self.ranks})"


class _World:
    group: ProcessGroup | None = None
    previous_excepthook: Any = None


def is_initialized() -> bool:
    """Whether ``init_process_group`` has made the default process group."""
    return _World.group is not None


def default_group() -> ProcessGroup:
    """The default process group; ValueError (PyTorch's) before ``init_process_group``."""
    if _World.group is None:
        raise ValueError("Default process group has not been initialized, please make sure to call "
                         "init_process_group.")
    return _World.group


def resolve_group(group: ProcessGroup | None) -> ProcessGroup:
    """``group``, or the default group for None."""
    if group is None:
        return default_group()
    if not isinstance(group, ProcessGroup):
        raise TypeError(f"group must be a ProcessGroup from microtensor.distributed.new_group (or None for the "
                        f"default group), got {type(group).__name__}")
    return group


def _env_int(name: str) -> int | None:
    value = os.environ.get(name)
    return None if value is None or value == "" else int(value)


def _check_agrees(what: str, given: int | None, mpi_value: int, source: str) -> None:
    if given is not None and given != -1 and given != mpi_value:
        raise ValueError(f"init_process_group: {source} gives {what}={given}, but MPI started this process as "
                         f"{what} {mpi_value}; launch with `mpiexec -n N` (or `python -m "
                         f"microtensor.distributed.run -n N`) and leave {what} unset, or make them agree")


def _abort_on_uncaught(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """sys.excepthook while a group is up: print the traceback, then abort every rank of the job, so that
    the others fail at once instead of waiting forever in their next collective."""
    traceback.print_exception(exc_type, exc, tb)
    mpi = load_mpi()
    print(f"microtensor.distributed: rank {mpi.COMM_WORLD.Get_rank()} raised an uncaught "
          f"{exc_type.__name__}; aborting all {mpi.COMM_WORLD.Get_size()} ranks", file=sys.stderr)
    sys.stderr.flush()
    mpi.COMM_WORLD.Abort(1)


def init_process_group(backend: str | None = None, init_method: str | None = None, timeout: Any = None,
                       world_size: int = -1, rank: int = -1, store: Any = None, group_name: str = "",
                       pg_options: Any = None, device_id: Any = None) -> None:
    """Make the default process group: every process that MPI started (``mpiexec -n N``), with the rank MPI
    gave it.

    Args:
        backend: ``"mpi"`` (or None); PyTorch's ``"gloo"`` and ``"nccl"`` are not available here.
        init_method: None or ``"env://"``: MPI's launcher does the rendezvous, so no address is needed;
            PyTorch's ``RANK`` and ``WORLD_SIZE`` variables, when set, must agree with MPI's.
        timeout: accepted for PyTorch's signature; MPI has no per-operation timeout (a rank that dies ends
            the job through ``mpiexec``, and an uncaught exception aborts every rank).
        world_size, rank: when given (not -1), must agree with MPI's.
        store, group_name, pg_options, device_id: accepted for PyTorch's signature; unused with MPI.
    """
    if _World.group is not None:
        raise ValueError("trying to initialize the default process group twice!")
    if backend is not None and str(backend).lower() != BACKEND:
        raise ValueError(f"init_process_group: backend {backend!r} is not available in microtensor; the one "
                         f"backend is 'mpi' (MPI through mpi4py): pass backend='mpi' where a PyTorch script "
                         f"says 'gloo' or 'nccl'")
    if init_method is not None and init_method != "env://":
        raise ValueError(f"init_process_group: init_method {init_method!r} is not supported: MPI's launcher "
                         f"(mpiexec) starts and connects the ranks; pass None or 'env://'")
    if store is not None:
        raise ValueError("init_process_group: a store is not used by the 'mpi' backend: MPI's launcher connects "
                         "the ranks; pass store=None")
    mpi = load_mpi()
    comm = mpi.COMM_WORLD
    mpi_rank, mpi_size = int(comm.Get_rank()), int(comm.Get_size())
    _check_agrees("rank", rank, mpi_rank, "the rank argument")
    _check_agrees("world_size", world_size, mpi_size, "the world_size argument")
    _check_agrees("rank", _env_int("RANK"), mpi_rank, "the environment variable RANK")
    _check_agrees("world_size", _env_int("WORLD_SIZE"), mpi_size, "the environment variable WORLD_SIZE")
    _World.group = ProcessGroup(comm, range(mpi_size))
    if mpi_size > 1:
        _World.previous_excepthook = sys.excepthook
        sys.excepthook = _abort_on_uncaught


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Release ``group``, or with None the default group and every subgroup (MPI itself stays up, as
    mpi4py finalizes it at exit)."""
    if group is None:
        default_group()
        _World.group = None
        if _World.previous_excepthook is not None:
            sys.excepthook = _World.previous_excepthook
            _World.previous_excepthook = None
        return
    if group.comm is not None and group is not _World.group:
        group.comm.Free()
        group.comm = None


def get_rank(group: ProcessGroup | None = None) -> int:
    """This process's rank in ``group`` (the default group for None); -1 when it is not a member."""
    return resolve_group(group).rank()


def get_world_size(group: ProcessGroup | None = None) -> int:
    """How many ranks ``group`` (the default group for None) has; -1 when this process is not a member."""
    g = resolve_group(group)
    return -1 if g.comm is None else g.size()


def get_backend(group: ProcessGroup | None = None) -> str:
    """The backend of ``group``: always ``"mpi"``."""
    resolve_group(group)
    return BACKEND


def get_global_rank(group: ProcessGroup, group_rank: int) -> int:
    """The global rank of ``group``'s rank ``group_rank``."""
    if not 0 <= group_rank < group.size():
        raise ValueError(f"Group rank {group_rank} is not part of group {group}")
    return resolve_group(group).ranks[group_rank]


def get_group_rank(group: ProcessGroup, global_rank: int) -> int:
    """``global_rank``'s rank within ``group``."""
    ranks = resolve_group(group).ranks
    if global_rank not in ranks:
        raise ValueError(f"Global rank {global_rank} is not part of group {group}")
    return ranks.index(global_rank)


def group_rank_of(group: ProcessGroup, global_rank: int | None, group_rank: int | None) -> int:
    """The group rank that a collective's ``src``/``dst`` (global) or ``group_src``/``group_dst`` names."""
    if group_rank is not None:
        if global_rank is not None:
            raise ValueError("Can't specify both group_rank and global_rank")
        get_global_rank(group, group_rank)
        return group_rank
    if global_rank is None:
        raise ValueError("Must specify global_rank or group_rank")
    return get_group_rank(group, global_rank)


def new_group(ranks: Sequence[int] | None = None, timeout: Any = None, backend: str | None = None,
              pg_options: Any = None, use_local_synchronization: bool = False, group_desc: Any = None,
              device_id: Any = None, sort_ranks: bool = True) -> ProcessGroup:
    """A process group of the global ``ranks`` (all ranks for None). Every rank of the default group must
    call it, members or not, in the same order; a non-member gets a group it cannot run collectives in.
    ``sort_ranks`` (default) orders the group ranks as the global ones."""
    world = default_group()
    if backend is not None and str(backend).lower() != BACKEND:
        raise ValueError(f"new_group: backend {backend!r} is not available in microtensor; pass 'mpi' or None")
    members = list(range(world.size())) if ranks is None else [int(r) for r in ranks]
    if sorted(set(members)) != sorted(members):
        raise ValueError(f"new_group: ranks {members} hold a rank twice")
    for r in members:
        if not 0 <= r < world.size():
            raise ValueError(f"new_group: rank {r} is not in the default group (world size {world.size()})")
    if sort_ranks:
        members.sort()
    mpi_group = world.comm.Get_group().Incl(members)
    comm = world.comm.Create(mpi_group)
    mpi_group.Free()
    return ProcessGroup(None if comm == load_mpi().COMM_NULL else comm, members)


def member_group(group: ProcessGroup | None, op_name: str) -> ProcessGroup | None:
    """``group`` resolved (the default group for None), or None (after PyTorch's warning) when this process is
    outside it: the collective then does nothing."""
    g = resolve_group(group)
    if g.comm is not None:
        return g
    warnings.warn(f"Running {op_name} on global rank {default_group().rank()} which does not belong to the "
                  f"given group.", stacklevel=3)
    return None
