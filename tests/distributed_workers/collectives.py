"""Run on 2 ranks: every collective of microtensor.distributed against what NumPy computes from the ranks'
inputs (each rank makes every rank's input, so it knows the expected result). Exits non-zero on a mismatch."""
import datetime
import warnings

import numpy as np

import microtensor as torch
import microtensor.distributed as dist
from microtensor.utils.data import DistributedSampler

assert not dist.is_initialized()
dist.init_process_group("mpi", init_method="env://")
assert dist.is_initialized() and dist.get_backend() == "mpi"
rank, world = dist.get_rank(), dist.get_world_size()
assert world == 2
Op = dist.ReduceOp


def inputs(shape, dtype=np.float64):
    """Every rank's input: rank r's is arange * (r + 1) + r, of ``shape``."""
    base = np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape)
    return [base * (r + 1) + r for r in range(world)]


def check(t, expected, what):
    np.testing.assert_allclose(t.numpy(), expected, err_msg=f"{what} on rank {rank}")


def expect_error(kind, text, fn):
    try:
        fn()
    except kind as e:
        assert text in str(e), f"{text!r} not in {e!r}"
    else:
        raise AssertionError(f"no {kind.__name__} ({text})")


# all_reduce with every op, sync and async, contiguous and a strided view (written back)
xs = inputs((2, 3))
for op, fold in [(Op.SUM, np.add.reduce), (Op.PRODUCT, np.multiply.reduce), (Op.MIN, np.minimum.reduce),
                 (Op.MAX, np.maximum.reduce), (Op.AVG, lambda a: np.add.reduce(a) / world)]:
    t = torch.tensor(xs[rank])
    array = t.numpy()
    dist.all_reduce(t, op=op)
    check(t, fold(np.stack(xs)), f"all_reduce {op}")
    assert t.numpy() is array or np.shares_memory(t.numpy(), array), "all_reduce copied the tensor"
t = torch.tensor(xs[rank])
work = dist.all_reduce(t, async_op=True)
assert isinstance(work, dist.Work) and work.wait() and work.is_completed()
check(t, xs[0] + xs[1], "async all_reduce")
grid = torch.tensor(np.stack([xs[rank], xs[rank]], axis=-1))
column = grid[..., 1]
dist.all_reduce(column)
check(grid[..., 1], xs[0] + xs[1], "all_reduce of a strided view")
check(grid[..., 0], xs[rank], "all_reduce of a strided view leaves the rest")
ints = torch.tensor(inputs((4,), np.int64)[rank])
dist.all_reduce(ints, op=Op.BXOR)
check(ints, np.bitwise_xor(*inputs((4,), np.int64)), "all_reduce BXOR")
expect_error(TypeError, "ReduceOp.AVG", lambda: dist.all_reduce(torch.tensor([1, 2]), op=Op.AVG))
expect_error(TypeError, "op must be", lambda: dist.all_reduce(torch.ones(2), op="sum"))
expect_error(TypeError, "Expected parameter `tensor`", lambda: dist.all_reduce(np.ones(2)))

# reduce, broadcast (float32, 0-d, bool), with global and group ranks
t = torch.tensor(xs[rank])
dist.reduce(t, dst=1, op=Op.MAX)
check(t, np.maximum(*xs) if rank == 1 else xs[rank], "reduce")
for value, from_rank1 in [(torch.tensor(xs[rank], dtype=torch.float32), xs[1].astype(np.float32)),
                          (torch.tensor(float(rank + 5)), 6.0),
                          (torch.tensor([rank == 0, False]), np.array([False, False]))]:
    dist.broadcast(value, src=1)
    check(value, from_rank1, f"broadcast of {value.dtype}")
t = torch.tensor(xs[rank])
dist.broadcast(t, group_src=0)
check(t, xs[0], "broadcast group_src")
expect_error(ValueError, "Must specify", lambda: dist.broadcast(t))
expect_error(ValueError, "Can't specify both", lambda: dist.broadcast(t, src=0, group_src=0))
expect_error(ValueError, "not part of group", lambda: dist.broadcast(t, src=5))

# all_gather, all_gather_single (and its deprecated name), gather, scatter
outs = [torch.zeros(2, 3, dtype=torch.float64) for _ in range(world)]
dist.all_gather(outs, torch.tensor(xs[rank]))
for r in range(world):
    check(outs[r], xs[r], "all_gather")
expect_error(ValueError, "one tensor per rank", lambda: dist.all_gather(outs[:1], torch.tensor(xs[rank])))
expect_error(ValueError, "shape", lambda: dist.all_gather([torch.zeros(3)] * 2, torch.tensor(xs[rank])))
big = torch.zeros(4, 3, dtype=torch.float64)
dist.all_gather_single(big, torch.tensor(xs[rank]))
check(big, np.concatenate(xs), "all_gather_single")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    stacked = torch.zeros(2, 2, 3, dtype=torch.float64)
    dist.all_gather_into_tensor(stacked, torch.tensor(xs[rank]))
assert any(issubclass(w.category, FutureWarning) for w in caught)
check(stacked, np.stack(xs), "all_gather_into_tensor")
expect_error(ValueError, "world_size (2) times", lambda: dist.all_gather_single(torch.zeros(5), torch.zeros(2)))
gathered = [torch.zeros(2, 3, dtype=torch.float64) for _ in range(world)] if rank == 0 else None
dist.gather(torch.tensor(xs[rank]), gathered, dst=0)
if rank == 0:
    for r in range(world):
        check(gathered[r], xs[r], "gather")
    expect_error(ValueError, "must be specified on destination", lambda: dist.gather(torch.zeros(1), None, dst=0))
else:
    expect_error(ValueError, "must NOT be specified", lambda: dist.gather(torch.zeros(1), [torch.zeros(1)], dst=0))
t = torch.zeros(2, 3, dtype=torch.float64)
dist.scatter(t, [torch.tensor(x) for x in xs] if rank == 1 else None, src=1)
check(t, xs[rank], "scatter")

# reduce_scatter (list), reduce_scatter_single (and its deprecated name)
parts = [torch.tensor(x * (rank + 1)) for x in xs]
t = torch.zeros(2, 3, dtype=torch.float64)
dist.reduce_scatter(t, parts)
check(t, xs[rank] * 3, "reduce_scatter")
t = torch.zeros(3, dtype=torch.float64)
dist.reduce_scatter_single(t, torch.tensor(np.arange(6.0) * (rank + 1)), op=Op.AVG)
check(t, np.arange(6.0)[rank * 3:(rank + 1) * 3] * 1.5, "reduce_scatter_single AVG")
with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)
    work = dist.reduce_scatter_tensor(t, torch.tensor(np.arange(6.0)), async_op=True)
work.wait()
check(t, np.arange(6.0)[rank * 3:(rank + 1) * 3] * 2, "reduce_scatter_tensor")

# send/recv, isend/irecv (recv returns the sender), with tags
peer = 1 - rank
mine = torch.tensor(xs[rank])
got = torch.zeros(2, 3, dtype=torch.float64)
if rank == 0:
    dist.send(mine, dst=1, tag=3)
    assert dist.recv(got, src=1) == 1
else:
    assert dist.recv(got, tag=3) == 0
    dist.send(mine, dst=0)
check(got, xs[peer], "send/recv")
got = torch.zeros(2, 3, dtype=torch.float64)
works = [dist.isend(mine, dst=peer), dist.irecv(got, src=peer)]
for w in works:
    w.wait()
check(got, xs[peer], "isend/irecv")
expect_error(ValueError, "should not be the same", lambda: dist.send(mine, dst=rank))

# barrier; Work.wait's timeout: rank 1 sends only after the barrier, so rank 0's first wait times out
dist.barrier()
dist.barrier(async_op=True).wait(timeout=datetime.timedelta(seconds=60))
late = torch.zeros(3)
if rank == 0:
    work = dist.irecv(late, src=1, tag=99)
    expect_error(RuntimeError, "did not complete within 0.05 seconds", lambda: work.wait(timeout=0.05))
    assert not work.is_completed()
dist.barrier()
if rank == 1:
    dist.send(torch.ones(3), dst=0, tag=99)
else:
    work.wait()
    check(late, np.ones(3), "irecv after a timed-out wait")

# object collectives, groups
objects = [{"lr": 0.1, "rank": rank}, "text"] if rank == 0 else [None, None]
dist.broadcast_object_list(objects, src=0)
assert objects == [{"lr": 0.1, "rank": 0}, "text"], objects
everyone = [None] * world
dist.all_gather_object(everyone, ("rank", rank))
assert everyone == [("rank", 0), ("rank", 1)], everyone
solo = dist.new_group([1])
both = dist.new_group()
assert dist.get_world_size(both) == 2
if rank == 1:
    assert dist.get_rank(solo) == 0 and dist.get_world_size(solo) == 1
    t = torch.tensor(xs[rank])
    dist.all_reduce(t, group=solo)
    check(t, xs[1], "all_reduce in a group of one")
else:
    assert dist.get_rank(solo) == -1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert dist.all_reduce(torch.ones(1), group=solo) is None
    assert any("does not belong to the given group" in str(w.message) for w in caught)
t = torch.tensor(xs[rank])
dist.broadcast(t, src=1, group=both)
check(t, xs[1], "broadcast in a new group")
dist.destroy_process_group(solo)

# the sampler reads rank and world size from the process group
sampler = DistributedSampler(list(range(11)), shuffle=False)
assert (sampler.num_replicas, sampler.rank) == (2, rank) and list(sampler) == list(range(11))[rank::2] + (
    [0] if rank == 1 else [])

expect_error(ValueError, "twice", lambda: dist.init_process_group("mpi"))
dist.destroy_process_group()
assert not dist.is_initialized()
expect_error(ValueError, "backend 'nccl'", lambda: dist.init_process_group("nccl"))
print(f"rank {rank}: collectives ok")
