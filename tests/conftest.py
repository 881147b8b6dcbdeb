"""Test-session settings: one BLAS/OpenMP thread per process.

The suite runs two pytest workers (and some tests start subprocesses) on small machines;
more threads than cores makes PyTorch's CPU kernels many times slower, not faster.
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402

torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))

import pytest  # noqa: E402


@pytest.fixture
def own_registry():
    """Activations and losses registered during a test are forgotten after it."""
    from li2lib.model import activations
    from li2lib.training import losses

    tables = [activations.ACTIVATIONS, activations.DERIVATIVES, activations._REGISTERED, losses.LOSSES,
              losses.SAMPLE_LOSSES, losses._REGISTERED]
    saved = [dict(t) for t in tables]
    yield
    for table, before in zip(tables, saved):
        table.clear()
        table.update(before)
