"""Every seed li2lib uses, shifted by one switch: ``LI2_SEED_OFFSET``.

A claim about trained networks should hold for any seed, not only the ones a chapter happens to
use. Setting the environment variable ``LI2_SEED_OFFSET=k`` (default 0) adds ``k`` to every seed
li2lib consumes for training (data split and initial weights), for the chapters' random starts
and test vectors (:func:`rng`, :func:`torch_generator`), so that under
``k = 1`` the call ``li2lib.train(..., seed=s)`` is exactly the run of ``seed=s + 1`` under
``k = 0``; its result records the seed it used, ``s + 1``. Stored sweeps are read as they are
(their seeds are the ones they were trained with). ``make test-seeds`` executes every chapter
under ``k = 1`` and ``k = 2``.

The offset is read from the environment on every call, so a notebook may also set
``os.environ["LI2_SEED_OFFSET"]`` before training.
"""

from __future__ import annotations

import os

import numpy as np
import torch

VARIABLE = "LI2_SEED_OFFSET"


def seed_offset() -> int:
    """The integer k of ``LI2_SEED_OFFSET`` (0 when unset or empty); anything else raises."""
    text = os.environ.get(VARIABLE, "").strip()
    if not text:
        return 0
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{VARIABLE} must be an integer >= 0, got {text!r}") from None
    if value < 0:
        raise ValueError(f"{VARIABLE} must be an integer >= 0, got {text!r}")
    return value


def offset_seed(seed: int) -> int:
    """``seed + k``: the seed actually used for a run or a random draw asked for as ``seed``."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    return int(seed) + seed_offset()


def rng(seed: int) -> np.random.Generator:
    """``numpy.random.default_rng(seed + k)``: random starts and test vectors that follow the switch."""
    return np.random.default_rng(offset_seed(seed))


def torch_generator(seed: int) -> torch.Generator:
    """A CPU ``torch.Generator`` seeded with ``seed + k``."""
    return torch.Generator().manual_seed(offset_seed(seed))
