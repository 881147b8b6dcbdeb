"""Test-session settings: one BLAS/OpenMP thread per process.

The suite runs two pytest workers (and some tests start subprocesses) on small machines;
more threads than cores makes PyTorch's CPU kernels many times slower, not faster.
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402

torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
