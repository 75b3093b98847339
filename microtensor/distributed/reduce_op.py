"""ReduceOp: how a collective combines the tensors of the ranks, as ``torch.distributed.ReduceOp``."""
from __future__ import annotations

import enum
from typing import Any

from microtensor.distributed.mpi import load_mpi


class ReduceOp(enum.Enum):
    """The reductions of ``all_reduce``, ``reduce`` and ``reduce_scatter``: ``SUM``, ``AVG`` (the sum divided
    by the group's size; floating-point tensors only), ``PRODUCT``, ``MIN``, ``MAX``, and the bitwise
    ``BAND``, ``BOR``, ``BXOR`` (integer and bool tensors)."""

    SUM = "SUM"
    AVG = "AVG"
    PRODUCT = "PRODUCT"
    MIN = "MIN"
    MAX = "MAX"
    BAND = "BAND"
    BOR = "BOR"
    BXOR = "BXOR"

    def __repr__(self) -> str:
        return f"<RedOpType.{self.name}: {list(ReduceOp).index(self)}>"


_MPI_NAMES = {ReduceOp.SUM: "SUM", ReduceOp.AVG: "SUM", ReduceOp.PRODUCT: "PROD", ReduceOp.MIN: "MIN",
              ReduceOp.MAX: "MAX", ReduceOp.BAND: "BAND", ReduceOp.BOR: "BOR", ReduceOp.BXOR: "BXOR"}


def mpi_op(op: Any, caller: str) -> Any:
    """The MPI operation that carries out ``op`` (AVG: MPI's SUM, divided afterwards); TypeError otherwise."""
    if not isinstance(op, ReduceOp):
        raise TypeError(f"{caller}: op must be a microtensor.distributed.ReduceOp (SUM, AVG, PRODUCT, MIN, MAX, "
                        f"BAND, BOR, BXOR), got {op!r}")
    return getattr(load_mpi(), _MPI_NAMES[op])
