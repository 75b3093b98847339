"""``python -m microtensor.distributed.run -n N script.py args...``: start N ranks of a training script
through MPI's launcher, as ``torchrun --nproc-per-node N`` does for PyTorch.

A thin wrapper over the ``mpiexec`` of the ``distributed`` extra (the one beside this Python, else the
first on PATH): ``mpiexec -n N [-f HOSTFILE] python script.py args...``. Across machines, pass a host file
(one ``host[:slots]`` a line, MPICH's format) with ``--hostfile``; every host needs the same environment
at the same path. An uncaught exception in any rank aborts the whole job (``init_process_group`` sees to
it), and a rank that dies makes ``mpiexec`` end the others, so the command fails instead of hanging.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence

from microtensor.distributed.mpi import EXTRA_HINT


def find_mpiexec() -> str:
    """The path of ``mpiexec``: beside the running Python (the extra's wheel puts it there), else on PATH."""
    beside = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if os.access(beside, os.X_OK):
        return beside
    found = shutil.which("mpiexec")
    if found is None:
        raise FileNotFoundError(f"microtensor.distributed.run: no mpiexec found beside {sys.executable} or on "
                                f"PATH; {EXTRA_HINT}")
    return found


def launch_command(nproc: int, script: str, args: Sequence[str], hostfile: str | None = None,
                   module: bool = False) -> list[str]:
    """The ``mpiexec`` command line that runs ``script`` (a module's name with ``module``) on ``nproc``
    ranks."""
    if nproc < 1:
        raise ValueError(f"microtensor.distributed.run: -n must be at least 1, got {nproc}")
    command = [find_mpiexec(), "-n", str(nproc)]
    if hostfile is not None:
        command += ["-f", hostfile]
    return command + [sys.executable, *(["-m"] if module else []), script, *args]


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the launcher's arguments, run the job and return its exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m microtensor.distributed.run",
        description="Run a training script on N ranks over MPI (torchrun's role for microtensor).")
    parser.add_argument("-n", "--nproc-per-node", "--nproc_per_node", dest="nproc", type=int, default=1,
                        help="how many ranks to start (default 1)")
    parser.add_argument("--hostfile", default=None, help="an MPICH host file, for ranks on several machines")
    parser.add_argument("-m", "--module", action="store_true", help="run the script as a module (python -m)")
    parser.add_argument("script", help="the training script (or module, with -m)")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="the script's own arguments")
    options = parser.parse_args(argv)
    command = launch_command(options.nproc, options.script, options.args, options.hostfile, options.module)
    return subprocess.call(command)


if __name__ == "__main__":
    sys.exit(main())
