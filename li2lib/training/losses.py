"""Training losses, per sample (so a batch of runs can weight and sum them) and as means.

``mse`` is the loss of the paper's experiments (author's code): per sample
|| C (y_hat - e_y) ||^2 with C = I - 1 1^T / M centring over classes, i.e. the squared
distance between the class-centred output and the centred one-hot e_y - 1/M. It differs from
Eq. (1), which centres over samples and has a factor 1/2; the theory's quantities (G_F in
:mod:`li2lib.training.metrics`) use Eq. (1) exactly.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["LOSSES", "SAMPLE_LOSSES", "centered_mse", "mse_per_sample", "cross_entropy_per_sample"]


def mse_per_sample(outputs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """|| C (y_hat_i - e_{y_i}) ||^2 for each sample; outputs (..., M), labels (...)."""
    diff = outputs - F.one_hot(labels, outputs.shape[-1]).to(outputs.dtype)
    diff = diff - diff.mean(dim=-1, keepdim=True)
    return diff.pow(2).sum(dim=-1)


def cross_entropy_per_sample(outputs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """-log softmax(y_hat_i)[y_i] for each sample; outputs (..., M), labels (...)."""
    flat = F.cross_entropy(outputs.reshape(-1, outputs.shape[-1]), labels.reshape(-1), reduction="none")
    return flat.view(labels.shape)


def centered_mse(outputs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """The MSE the paper's experiments minimise: :func:`li2lib.training.losses.mse_per_sample` averaged over samples."""
    return mse_per_sample(outputs, labels).mean()


SAMPLE_LOSSES = {"mse": mse_per_sample, "cross_entropy": cross_entropy_per_sample}
"""name -> per-sample loss (what the engine weights and sums over each run's samples)."""

LOSSES = {"mse": centered_mse, "cross_entropy": F.cross_entropy}
"""name -> mean loss over samples, for one run's (n, M) outputs."""
