"""One BLAS thread for the processes that do linear algebra: dbt (the disclosure-control model) and tests.

int_disclosure_control, and the differencing attacker that tests it, run thousands of small SVDs. OpenBLAS's
worker threads make each one slower, and far slower when another process shares the cores (they spin while
waiting for work); one thread gives the same suppressions (benchmarks/RESULTS.md, "Measurements behind design
choices"). OpenBLAS reads these variables when it loads, so they must be set before numpy is imported in the
process, or passed to a child's environment. Standard library only, so a process can apply them before
anything imports numpy.
"""

from __future__ import annotations

import os

ONE_BLAS_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def limit_this_process() -> None:
    """Set the variables for this process, unless the caller set them; effective only before numpy loads."""
    for name, value in ONE_BLAS_THREAD.items():
        os.environ.setdefault(name, value)
