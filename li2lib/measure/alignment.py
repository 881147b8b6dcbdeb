"""How closely real training follows the energy ascent of Theorem 1, node by node.

:func:`energy_alignment` compares, at pairs of consecutive snapshot epochs, each node's loss
gradient and its actual update with grad E(w_j) (Eq. 7); :func:`alignment_snapshots` picks
the epochs to snapshot.
"""

from __future__ import annotations

import numpy as np

__all__ = ["alignment_snapshots", "energy_alignment"]


def alignment_snapshots(epochs: int, count: int = 20) -> list[int]:
    """Snapshot epochs for :func:`energy_alignment`: ``count`` log-spaced epochs e in
    [1, epochs - 1], each with its successor e + 1 (pass as ``train(..., snapshots=...)``)."""
    if epochs < 2:
        raise ValueError(f"epochs must be >= 2, got {epochs}")
    base = np.unique(np.round(np.geomspace(1, epochs - 1, count)).astype(int))
    return sorted(set(base.tolist()) | set((base + 1).tolist()))


def energy_alignment(result) -> dict[str, np.ndarray]:
    """How closely real training follows the energy ascent of Theorem 1, node by node.

    ``result`` is a :class:`li2lib.TrainResult` with snapshots at pairs of consecutive epochs
    (see :func:`alignment_snapshots`). For each such epoch e and node j it returns the cosine
    between grad E(w_j) (Eq. 7, with Y~ centered over the training set) and

    - ``grad_cos``: the loss gradient -dL/dw_j at W(e), V(e), and
    - ``update_cos``: the optimizer's actual step W(e+1) - W(e) (Adam's rescaling and weight
      decay included),

    plus ``norm`` = ||w_j(e)||. Arrays are (T, K), with ``epoch`` (T,).
    """
    import torch

    from ..data import centered_targets, one_hot_inputs, pairs
    from ..model import TwoLayerNet
    from ..theory.energy import energy_grad
    from ..training import LOSSES

    snaps = result.snapshots
    if not snaps:
        raise ValueError("result has no snapshots: train with snapshots=alignment_snapshots(epochs)")
    epochs = list(snaps["epoch"])
    starts = [e for e in epochs if e + 1 in epochs]
    if not starts:
        raise ValueError("no two consecutive snapshot epochs: train with snapshots=alignment_snapshots(epochs)")
    group, config = result.group, result.config
    M = group.order
    a, b, y = pairs(group, result.train_idx)
    X, Yt = one_hot_inputs(a, b, M), centered_targets(y, M)
    net = TwoLayerNet(M, config.hidden, config.activation).double()
    ta, tb, ty = (torch.as_tensor(v) for v in (a, b, y))

    def cosine(A, B):
        denom = np.linalg.norm(A, axis=0) * np.linalg.norm(B, axis=0)
        return (A * B).sum(axis=0) / np.where(denom > 0, denom, 1.0)

    out = {"epoch": [], "grad_cos": [], "update_cos": [], "norm": []}
    for e in starts:
        W, V = snaps["W"][epochs.index(e)].astype(np.float64), snaps["V"][epochs.index(e)]
        with torch.no_grad():
            net.W.copy_(torch.as_tensor(W))
            net.V.copy_(torch.as_tensor(V, dtype=torch.float64))
        (dL,) = torch.autograd.grad(LOSSES[config.loss](net(ta, tb), ty), net.W)
        ascent = energy_grad(W, X, Yt, config.activation)
        out["epoch"].append(e)
        out["grad_cos"].append(cosine(-dL.numpy(), ascent))
        out["update_cos"].append(cosine(snaps["W"][epochs.index(e + 1)] - W, ascent))
        out["norm"].append(np.linalg.norm(W, axis=0))
    return {k: np.array(v) for k, v in out.items()}
