"""What training logs at each evaluated epoch, and how to add metrics of your own.

At every ``eval_every``-th epoch the engine computes, for each run of the batch, the
standard metrics (:data:`li2lib.training.METRICS`, plus the Frobenius norm of every weight: ``w_norm``,
``v_norm``, ...) and any extra ones passed as ``metrics={"name": fn}`` to
:func:`li2lib.train` or :func:`li2lib.train_many`. An extra metric is a function of an
:class:`EvalState` returning one number per run, a tensor of shape (R,). For example the
mean of the readout's entries::

    train(71, metrics={"v_mean": lambda s: s.params["V"].mean(dim=(1, 2))})
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..model import Network
from .batch import Split

__all__ = ["METRICS", "EvalState", "gf_norm", "metric_names", "evaluate"]

METRICS = ("train_loss", "test_loss", "train_acc", "test_acc", "gf_norm")
"""The standard metrics, logged for every run; weight norms follow them."""


@dataclass
class EvalState:
    """What a metric function sees at an evaluated epoch, for the R runs of a batch.

    ``params`` hold the weights after ``epoch`` steps, stacked (R, rows, cols);
    ``train_outputs`` and ``test_outputs`` are the network's outputs (R, n, M) on each split
    (padded; ``train.mean(values)`` averages per-sample values over each run's own samples).
    """

    epoch: int
    network: Network
    params: dict[str, torch.Tensor]
    train: Split
    test: Split
    train_outputs: torch.Tensor
    train_losses: torch.Tensor
    test_outputs: torch.Tensor | None


def gf_norm(outputs: torch.Tensor, labels: torch.Tensor, V: torch.Tensor, weight: torch.Tensor | None = None,
            output_scale: float = 1.0) -> torch.Tensor:
    """||G_F||_F with G_F = beta P_1^perp (Y - Y_hat) V^T (Eq. 2; -dJ/dF for J of Eq. 1).

    For one run: outputs Y_hat (n, M), labels (n,), V (K, M). With a leading run axis
    (outputs (R, n, M), labels (R, n), V (R, K, M)) give ``weight`` (R, n): 1/n_r for run r's
    samples, 0 for padding. Uses ||R V^T||_F^2 = <R^T R, V^T V>_F with R = P_1^perp (Y - Y_hat),
    which costs O(n M^2 + K M^2) instead of forming the n x K matrix G_F.
    """
    single = outputs.dim() == 2
    if single:
        outputs, labels, V = outputs[None], labels[None], V[None]
    valid = torch.ones_like(labels, dtype=outputs.dtype) if weight is None else (weight > 0).to(outputs.dtype)
    R = (F.one_hot(labels, outputs.shape[-1]).to(outputs.dtype) - outputs) * valid[..., None]
    count = valid.sum(dim=1).clamp_min(1)[:, None, None]
    R = (R - R.sum(dim=1, keepdim=True) / count) * valid[..., None]
    gram = R.transpose(1, 2) @ R
    norm = ((gram * (V.transpose(1, 2) @ V)).sum(dim=(1, 2))).clamp_min(0).sqrt() * output_scale
    return norm[0] if single else norm


def metric_names(network: Network, extra: dict | None) -> tuple[str, ...]:
    """The logged metrics, in order: standard, weight norms, then the extra ones."""
    norms = tuple(f"{name.lower()}_norm" for name in network.shapes())
    return METRICS + norms + tuple(extra or {})


@torch.no_grad()
def evaluate(state: EvalState, loss_fn, extra: dict | None) -> dict[str, torch.Tensor]:
    """Every logged metric for the runs of ``state``: name -> tensor (R,)."""
    net, train, test = state.network, state.train, state.test
    values = {
        "train_loss": state.train_losses.detach(),
        "train_acc": train.fraction(state.train_outputs.argmax(-1) == train.y),
    }
    if state.test_outputs is None:
        values["test_loss"] = values["test_acc"] = torch.full_like(values["train_loss"], float("nan"))
    else:
        values["test_loss"] = test.mean(loss_fn(state.test_outputs, test.y))
        values["test_acc"] = test.fraction(state.test_outputs.argmax(-1) == test.y)
    values["gf_norm"] = gf_norm(state.train_outputs.detach(), train.y, state.params[net.readout], train.weight,
                                net.output_scale)
    for name, p in state.params.items():
        values[f"{name.lower()}_norm"] = p.norm(dim=(1, 2))
    for name, fn in (extra or {}).items():
        values[name] = torch.as_tensor(fn(state), dtype=values["train_loss"].dtype, device=values["train_loss"].device)
    return values
