"""``send``/``recv`` and their non-blocking ``isend``/``irecv``, between two ranks of a group, over MPI."""
from __future__ import annotations

from microtensor.distributed.mpi import load_mpi
from microtensor.distributed.process_group import ProcessGroup, group_rank_of, member_group
from microtensor.distributed.work import Work, check_tensor, raw, readable, writable
from microtensor.tensor import Tensor


def _peer(group: ProcessGroup, global_rank: int | None, group_rank: int | None, kind: str) -> int:
    peer = group_rank_of(group, global_rank, group_rank)
    if peer == group.rank():
        raise ValueError(f"Invalid {kind} rank: {kind} rank should not be the same as the rank of the current "
                         f"process.")
    return peer


def isend(tensor: Tensor, dst: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
          group_dst: int | None = None) -> Work | None:
    """Start sending ``tensor`` to rank ``dst`` (global; or ``group_dst``), matched by ``tag``; returns its
    Work (``tensor`` must not change before ``wait()``)."""
    check_tensor(tensor, "isend")
    g = member_group(group, "isend")
    if g is None:
        return None
    peer = _peer(g, dst, group_dst, "destination")
    return Work([g.comm.Isend(raw(readable(tensor)), peer, tag)])


def send(tensor: Tensor, dst: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
         group_dst: int | None = None) -> None:
    """Send ``tensor`` to rank ``dst`` (global; or ``group_dst``), matched by ``tag``; blocks until sent."""
    work = isend(tensor, dst, group, tag, group_dst)
    if work is not None:
        work.wait()


def irecv(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
          group_src: int | None = None) -> Work | None:
    """Start receiving into ``tensor`` from rank ``src`` (global; or ``group_src``; from any rank when
    both are None), matched by ``tag``; returns its Work."""
    check_tensor(tensor, "irecv")
    g = member_group(group, "irecv")
    if g is None:
        return None
    peer = load_mpi().ANY_SOURCE if src is None and group_src is None else _peer(g, src, group_src, "source")
    buf, write_back = writable(tensor)
    return Work([g.comm.Irecv(raw(buf), peer, tag)], write_back)


def recv(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
         group_src: int | None = None) -> int:
    """Receive into ``tensor`` from rank ``src`` (global; or ``group_src``; from any rank when both are
    None), matched by ``tag``; returns the sender's global rank (-1 outside ``group``)."""
    check_tensor(tensor, "recv")
    g = member_group(group, "recv")
    if g is None:
        return -1
    mpi = load_mpi()
    peer = mpi.ANY_SOURCE if src is None and group_src is None else _peer(g, src, group_src, "source")
    buf, write_back = writable(tensor)
    status = mpi.Status()
    g.comm.Recv(raw(buf), peer, tag, status)
    if write_back is not None:
        write_back()
    return g.ranks[status.Get_source()]
