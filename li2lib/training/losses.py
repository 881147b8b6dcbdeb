"""Training losses, per sample (so a batch of runs can weight and sum them) and as means.

``mse`` is the loss of the paper's experiments (author's code): per sample
|| C (y_hat - e_y) ||^2 with C = I - 1 1^T / M centering over classes, i.e. the squared
distance between the class-centered output and the centered one-hot e_y - 1/M. It differs from
Eq. (1), which centers over samples and has a factor 1/2; the theory's quantities (G_F in
:mod:`li2lib.training.metrics`) use Eq. (1) exactly. ``cross_entropy`` is softmax
cross-entropy; ``stablemax_cross_entropy`` replaces the softmax by the StableMax of Prieto et
al. (2025), whose probabilities round to exactly 1 in float32 only at outputs far larger than
the softmax's (the "stable softmax" of paper Sec. 7.2).

:func:`register_loss` adds one of your own, per sample::

    li2lib.register_loss("hinge", lambda out, y: (1 - out.gather(-1, y[..., None])[..., 0] + out).clamp_min(0).sum(-1))
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["LOSSES", "SAMPLE_LOSSES", "centered_mse", "mse_per_sample", "cross_entropy_per_sample", "stablemax",
           "stablemax_cross_entropy", "stablemax_cross_entropy_per_sample", "register_loss", "registered_losses"]


def mse_per_sample(outputs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """|| C (y_hat_i - e_{y_i}) ||^2 for each sample; outputs (..., M), labels (...)."""
    diff = outputs - F.one_hot(labels, outputs.shape[-1]).to(outputs.dtype)
    diff = diff - diff.mean(dim=-1, keepdim=True)
    return diff.pow(2).sum(dim=-1)


def cross_entropy_per_sample(outputs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """-log softmax(y_hat_i)[y_i] for each sample; outputs (..., M), labels (...)."""
    flat = F.cross_entropy(outputs.reshape(-1, outputs.shape[-1]), labels.reshape(-1), reduction="none")
    return flat.view(labels.shape)


def _stable_s(x: torch.Tensor) -> torch.Tensor:
    """s(x) = x + 1 for x >= 0 and 1 / (1 - x) for x < 0 (each branch evaluated only where it
    applies, so that the unused one puts no inf or NaN into the gradient)."""
    return torch.where(x >= 0, x.clamp_min(0) + 1, 1 / (1 - x.clamp_max(0)))


def stablemax(outputs: torch.Tensor) -> torch.Tensor:
    """StableMax (Prieto et al. 2025): s(y_hat_ic) / sum_c' s(y_hat_ic') over the classes
    (last axis), with s(x) = x + 1 for x >= 0 and 1 / (1 - x) for x < 0.

    s is positive, increasing and C^1 (value and slope 1 at 0), like exp, but grows linearly
    for large outputs and decays like 1/abs(x) for very negative ones, so a probability reaches 1
    only when the other classes' outputs are about 1/eps times further out than with the
    softmax.
    """
    s = _stable_s(outputs)
    return s / s.sum(dim=-1, keepdim=True)


def stablemax_cross_entropy_per_sample(outputs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """-log StableMax(y_hat_i)[y_i] = log sum_c s(y_hat_ic) - log s(y_hat_{i y_i}) for each
    sample (see :func:`stablemax`), in the dtype of ``outputs``; outputs (..., M), labels (...)."""
    s = _stable_s(outputs)
    return s.sum(dim=-1).log() - s.gather(-1, labels[..., None])[..., 0].log()


def stablemax_cross_entropy(outputs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """:func:`stablemax_cross_entropy_per_sample` averaged over samples."""
    return stablemax_cross_entropy_per_sample(outputs, labels).mean()


def centered_mse(outputs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """The MSE the paper's experiments minimise: :func:`li2lib.training.losses.mse_per_sample` averaged over samples."""
    return mse_per_sample(outputs, labels).mean()


SAMPLE_LOSSES = {"mse": mse_per_sample, "cross_entropy": cross_entropy_per_sample,
                 "stablemax_cross_entropy": stablemax_cross_entropy_per_sample}
"""name -> per-sample loss (what the engine weights and sums over each run's samples)."""

LOSSES = {"mse": centered_mse, "cross_entropy": F.cross_entropy,
          "stablemax_cross_entropy": stablemax_cross_entropy}
"""name -> mean loss over samples, for one run's (n, M) outputs."""

BUILT_IN = tuple(LOSSES)
"""The losses li2lib defines; :func:`register_loss` cannot replace them."""

_REGISTERED: dict = {}
"""name -> the per-sample loss as the user gave it (what a sweep sends to its workers)."""


def _mean_of(fn):
    def mean_loss(outputs, labels):
        return fn(outputs, labels).mean()

    return mean_loss


def register_loss(name: str, fn) -> None:
    """Make ``fn`` a training loss named ``name`` (``train(..., loss=name)``, sweeps).

    ``fn(outputs, labels)`` is the loss of each sample: outputs (..., M) the network's
    Y_hat, labels (...) integer classes, returning a tensor of shape ``labels.shape`` (the
    engine averages it over each run's own samples; autograd differentiates it). It is tried
    once, now, on a small batch: a wrong shape, a non-finite value or a loss autograd cannot
    differentiate raises ValueError naming the loss. Registering a name again replaces your
    earlier function; the built-in names (``BUILT_IN``) cannot be replaced. The ridge
    readout needs ``loss="mse"``. Sweeps send registered losses to their workers (see
    :func:`li2lib.register_activation` on picklability).
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be an identifier-like string, got {name!r}")
    if name in BUILT_IN:
        raise ValueError(f"name must not be a built-in loss ({list(BUILT_IN)}), got {name!r}")
    if not callable(fn):
        raise ValueError(f"loss {name!r} must be a function of (outputs, labels), got {fn!r}")
    gen = torch.Generator().manual_seed(0)
    outputs = torch.randn(2, 5, 7, generator=gen, dtype=torch.float64, requires_grad=True)
    labels = torch.randint(0, 7, (2, 5), generator=gen)
    try:
        value = fn(outputs, labels)
    except Exception as err:
        raise ValueError(f"loss {name!r} failed on outputs (2, 5, 7) and labels (2, 5): {err!r}") from err
    if not isinstance(value, torch.Tensor) or value.shape != labels.shape:
        got = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
        raise ValueError(f"loss {name!r} must return one value per sample, shape labels.shape = (2, 5) for outputs "
                         f"(2, 5, 7), got {got}")
    if not torch.isfinite(value).all():
        raise ValueError(f"loss {name!r} is not finite on a random batch")
    try:
        torch.autograd.grad(value.sum(), outputs)
    except RuntimeError as err:
        raise ValueError(f"loss {name!r} is not differentiable by autograd: {err}") from err
    SAMPLE_LOSSES[name] = fn
    LOSSES[name] = _mean_of(fn)
    _REGISTERED[name] = fn


def registered_losses() -> dict:
    """The losses registered in this process: name -> per-sample function."""
    return dict(_REGISTERED)
