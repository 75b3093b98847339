"""Run on 2 ranks with an argument, ``raise`` or ``kill``: rank 1 raises (or is killed by SIGKILL) while rank 0
waits in an all_reduce that rank 1 never joins. The job must end with an error instead of hanging."""
import os
import signal
import sys

import microtensor as torch
import microtensor.distributed as dist

dist.init_process_group("mpi")
if dist.get_rank() == 1:
    if sys.argv[1] == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    raise ValueError("rank 1 failed on purpose")
dist.all_reduce(torch.ones(3))
print("rank 0 finished an all_reduce that rank 1 never joined")
