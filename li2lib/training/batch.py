"""The training and test pairs of R runs, padded to one length so they stack on a run axis."""

from __future__ import annotations

import numpy as np
import torch

from ..data import pairs
from ..groups import Group
from ..model import PairInputs

__all__ = ["Split"]


class Split:
    """One split (train or test) of R runs.

    Run r has ``count[r]`` samples; shorter runs are padded with the pair (0, 0) at weight 0,
    and every real sample has weight 1/count[r], so ``mean`` of a per-sample quantity is each
    run's own average (NaN for a run with no samples, e.g. the test set at fraction 1).
    """

    def __init__(self, group: Group, indices: list[np.ndarray], device: torch.device, dtype: torch.dtype,
                 dense_backward: bool = False):
        R, n = len(indices), max(len(i) for i in indices)
        a = np.zeros((R, n), dtype=np.int64)
        b = np.zeros((R, n), dtype=np.int64)
        weight = np.zeros((R, n))
        for r, idx in enumerate(indices):
            a[r, : len(idx)], b[r, : len(idx)], _ = pairs(group, idx)
            weight[r, : len(idx)] = 1.0 / max(len(idx), 1)
        self._build(group, torch.as_tensor(a, device=device), torch.as_tensor(b, device=device),
                    torch.as_tensor(weight, device=device, dtype=dtype), dense_backward)

    def _build(self, group, a, b, weight, dense_backward):
        self.group, self.weight, self.dense_backward = group, weight, dense_backward
        self.count = (weight > 0).sum(dim=1)
        # real samples come first in each run, padding after them
        self.inputs = PairInputs(a, b, group.order, dense_backward=dense_backward, dtype=weight.dtype,
                                 counts=self.count.tolist())
        self.y = torch.tensor(group.table, device=a.device)[a, b]

    @property
    def empty(self) -> bool:
        """True when no run of the batch has a sample in this split."""
        return self.inputs.n == 0

    def mean(self, values: torch.Tensor) -> torch.Tensor:
        """Each run's average of per-sample ``values`` (R, n) -> (R,); NaN for a run without samples."""
        total = (values * self.weight).sum(dim=1)
        return torch.where(self.count > 0, total, torch.full_like(total, float("nan")))

    def fraction(self, hits: torch.Tensor) -> torch.Tensor:
        """Each run's fraction of its samples where the boolean ``hits`` (R, n) holds, as
        count / n (exactly 1 when all hold); NaN for a run without samples."""
        counted = (hits & (self.weight > 0)).sum(dim=1).to(self.weight.dtype)
        return counted / self.count.to(self.weight.dtype)

    def select(self, keep: torch.Tensor) -> "Split":
        """The same split for the runs ``keep`` only."""
        new = object.__new__(Split)
        new._build(self.group, self.inputs.a[keep], self.inputs.b[keep], self.weight[keep], self.dense_backward)
        return new
