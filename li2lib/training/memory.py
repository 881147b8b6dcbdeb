"""How many runs fit in one batch: the memory a run needs against what the device has free."""

from __future__ import annotations

import math

import torch

from ..data import train_count
from ..model import Network, chunk_rows
from .config import DTYPES, TrainConfig

__all__ = ["run_bytes", "free_bytes", "runs_per_batch", "MEMORY_SHARE", "CPU_BATCH_ROWS"]

MEMORY_SHARE = 0.5
"""The share of the free memory a batch may plan to use."""

CPU_BATCH_ROWS = 4096
"""On a CPU, a batch holds at most about this many training pairs over all its runs (at
least one run). Batching only saves per-step overhead, which a large run does not have."""


def run_bytes(config: TrainConfig, net: Network, dense: bool) -> int:
    """An upper estimate of the memory one run of ``config`` takes in a batch: ``net`` is the
    network it trains (``config.network(order)``), ``dense`` whether the first layer's backward
    pass is dense (:func:`li2lib.model.pairs.dense_backward` of the device)."""
    size = DTYPES[config.dtype].itemsize * (2 if config.complex_weights else 1)
    weights = sum(r * c for r, c in net.shapes().values())
    order = net.order
    pairs = order * order
    # weights, gradients, up to two optimizer buffers, and the temporaries of one update
    total = 6 * weights * size
    # outputs and their gradients on the training and test pairs, index tensors
    total += 4 * pairs * order * size + 8 * 8 * pairs
    if config.ridge is not None:
        # the features, the Gram matrix of the smaller side and its factor, in float64
        side = min(pairs, config.hidden)
        total += pairs * config.hidden * (size + 8) + 3 * side * side * 8
    if config.layers == 2 and not config.complex_weights:
        if dense:
            # all hidden units at once, and the one-hot X of the dense backward pass
            total += 6 * pairs * config.hidden * size + pairs * 2 * order * size
        else:
            # the pre-activations kept for the backward pass, and the chunk buffers of the first
            # layer (li2lib.model.pairs), shared by the runs
            total += (pairs + 4 * min(pairs, chunk_rows(config.hidden))) * config.hidden * size
    else:
        # autograd keeps every layer's activations (pre- and post-) for the backward pass
        total += 3 * config.layers * pairs * config.hidden * size
    return int(total)


def free_bytes(device: torch.device) -> int:
    """Free memory on ``device``: CUDA's free memory, or the host's available memory."""
    if device.type == "cuda":
        return torch.cuda.mem_get_info(device)[0]
    try:
        with open("/proc/meminfo") as f:
            info = dict(line.split(":", 1) for line in f)
        return int(info["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        import os

        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def runs_per_batch(configs: list[TrainConfig], net: Network, device: torch.device, dense: bool) -> int:
    """How many runs of ``configs`` (which share their shape, so one ``net`` and one
    :func:`run_bytes`) to train in one batch on ``device``."""
    fit = math.floor(MEMORY_SHARE * free_bytes(device) / run_bytes(configs[0], net, dense))
    cap = len(configs)
    if device.type == "cpu":
        pairs = net.order * net.order
        cap = CPU_BATCH_ROWS // max(train_count(pairs, train_fraction=c.train_fraction, train_size=c.train_size)
                                    for c in configs)
    return max(1, min(fit, cap, len(configs)))
