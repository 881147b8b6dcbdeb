"""What training logs at each evaluated epoch, and how to add metrics of your own.

At every ``eval_every``-th epoch the engine computes, for each run of the batch, the
standard metrics (:data:`METRICS`, plus the Frobenius norm of every weight: ``w_norm``,
``v_norm``, ...; for a deep net also ||G_{F_l}|| of each hidden layer below the top,
``gf1_norm``, ``gf2_norm``, ..., see ``layer_gf_norms``) and any extra ones passed as ``metrics={"name": fn}`` to
:func:`li2lib.train` or :func:`li2lib.train_many`. An extra metric is a function of an
:class:`EvalState` returning one number per run, a tensor of shape (R,). For example the
mean of the readout's entries::

    train(71, metrics={"v_mean": lambda s: s.params["V"].mean(dim=(1, 2))})
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..model import DeepNet, Network
from .batch import Split

__all__ = ["METRICS", "EvalState", "gf_norm", "centered_residual", "layer_gradients", "layer_gf_norms", "metric_names", "evaluate"]

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
    R = centered_residual(outputs, labels, torch.ones_like(labels, dtype=outputs.dtype) if weight is None else weight)
    gram = R.transpose(1, 2) @ R
    norm = ((gram * (V.transpose(1, 2) @ V.conj()).real).sum(dim=(1, 2))).clamp_min(0).sqrt() * output_scale
    return norm[0] if single else norm


def centered_residual(outputs: torch.Tensor, labels: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """P_1^perp (Y - Y_hat) per run over its own samples, zero on padding: (R, n, M)."""
    valid = (weight > 0).to(outputs.dtype)[..., None]
    R = (F.one_hot(labels, outputs.shape[-1]).to(outputs.dtype) - outputs) * valid
    count = valid.sum(dim=1, keepdim=True).clamp_min(1)
    return (R - R.sum(dim=1, keepdim=True) / count) * valid


def layer_gradients(network: Network, params: dict, inputs, labels: torch.Tensor,
                    weight: torch.Tensor) -> tuple[list[torch.Tensor], tuple[torch.Tensor, ...]]:
    """Every hidden layer F_l and its backpropagated gradient G_{F_l} = -dJ/dF_l, l = 1..L-1.

    J = 1/2 ||P_1^perp (Y - Y_hat)||^2 of Eq. (1) on the pairs ``inputs`` (padding rows, weight
    0, left out): the gradient of Sec. 6 (Eq. 11 without its approximations), obtained by one
    backward pass from dJ/dY_hat = -P_1^perp (Y - Y_hat). ``params`` must require gradients.
    Returns (features, gradients), each (R, n, K) per layer.
    """
    with torch.enable_grad():
        features = network.layer_features(params, inputs)
        outputs = (features[-1] @ params[network.readout]) * network.output_scale
        residual = centered_residual(outputs.detach(), labels, weight)
        grads = torch.autograd.grad(outputs, features, grad_outputs=residual)
    return features, grads


def layer_gf_norms(network: DeepNet, params: dict, split: Split) -> torch.Tensor:
    """||G_{F_l}||_F for every hidden layer l = 1..L-1 of a deep net on the training pairs,
    (R, L-1) (see :func:`layer_gradients`). For the last hidden layer it is :func:`gf_norm`."""
    _, grads = layer_gradients(network, params, split.inputs, split.y, split.weight)
    return torch.stack([g.norm(dim=(1, 2)) for g in grads], dim=1)


def _deep(network: Network) -> bool:
    return isinstance(network, DeepNet) and network.layers >= 3


def metric_names(network: Network, extra: dict | None) -> tuple[str, ...]:
    """The logged metrics, in order: standard, weight norms, for a deep net ||G_{F_l}|| of its
    hidden layers below the top (``gf1_norm``, ..., the top one is ``gf_norm``), then the extra ones."""
    norms = tuple(f"{name.lower()}_norm" for name in network.shapes())
    layers = tuple(f"gf{l}_norm" for l in range(1, network.layers - 1)) if _deep(network) else ()
    return METRICS + norms + layers + tuple(extra or {})


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
    if _deep(net):
        per_layer = layer_gf_norms(net, state.params, train)
        for l in range(1, net.layers - 1):
            values[f"gf{l}_norm"] = per_layer[:, l - 1]
    runs = values["train_loss"].shape
    for name, fn in (extra or {}).items():
        value = torch.as_tensor(fn(state), dtype=values["train_loss"].dtype, device=values["train_loss"].device)
        if value.shape != runs:
            raise ValueError(f"metric {name!r} must return one number per run, a tensor of shape {tuple(runs)}, "
                             f"got shape {tuple(value.shape)}")
        values[name] = value
    return values
