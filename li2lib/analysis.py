"""What the hidden nodes have learned, measured in the group's irreducible representations.

A node w_j = [u; v] has one half per operand (u weighs h1, v weighs h2). Theorem 2 says the
features that generalise put each half inside one isotypic subspace H_k. These functions
measure how much of each half lies in each real isotypic subspace (for Z_M: each Fourier
frequency k = 0..floor(M/2)), which irrep dominates, how concentrated the spectrum is, and
which irreps the hidden layer covers.
"""

from __future__ import annotations

import numpy as np

from .groups import Group

__all__ = [
    "irrep_basis",
    "irrep_spectrum",
    "dominant_irrep",
    "inverse_participation_ratio",
    "covered_irreps",
    "alignment_snapshots",
    "energy_alignment",
]


def irrep_basis(group: Group) -> tuple[np.ndarray, np.ndarray]:
    """An orthonormal basis of R^M adapted to the real isotypic decomposition.

    Returns ``(B, irrep)``: B is M x M orthogonal, and column c spans part of the real
    isotypic subspace ``group.real_irreps()[irrep[c]]``. For Z_M these are (up to a rotation
    within each frequency) the cosines and sines of frequency k.
    """
    columns, owner = [], []
    for k, ir in enumerate(group.real_irreps()):
        values, vectors = np.linalg.eigh(ir.projector)
        keep = values > 0.5
        columns.append(vectors[:, keep])
        owner += [k] * int(keep.sum())
    return np.concatenate(columns, axis=1), np.array(owner)


def irrep_spectrum(W, group: Group) -> np.ndarray:
    """Power of every node's two operand halves in every real isotypic subspace.

    ``W`` is (2M, K) (the hidden layer, or one node as (2M,)). Returns ``S`` of shape
    (2, R, K): ``S[h, k, j] = ||P_k w_j^(h)||^2`` for half h (0: first operand u, 1: second
    operand v) and real irrep k (``group.real_irreps()[k]``; for Z_M, frequency k). Summed over
    k it is ||w_j^(h)||^2.
    """
    W = np.asarray(W, dtype=np.float64)
    if W.ndim == 1:
        W = W[:, None]
    M = group.order
    if W.shape[0] != 2 * M:
        raise ValueError(f"W must have 2M = {2 * M} rows for {group.name}, got {W.shape[0]}")
    B, owner = irrep_basis(group)
    R = owner.max() + 1
    spectrum = np.zeros((2, R, W.shape[1]))
    for h, half in enumerate((W[:M], W[M:])):
        np.add.at(spectrum[h], owner, (B.T @ half) ** 2)
    return spectrum


def dominant_irrep(spectrum: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each half and node: the irrep with the most power, and its share of the total.

    Input: an :func:`irrep_spectrum` (2, R, K). Returns ``(index, share)``, each (2, K).
    A single-frequency Fourier node has share 1 on both halves, at the same index.
    """
    total = spectrum.sum(axis=1)
    index = spectrum.argmax(axis=1)
    share = spectrum.max(axis=1) / np.where(total > 0, total, 1.0)
    return index, share


def inverse_participation_ratio(spectrum: np.ndarray) -> np.ndarray:
    """IPR = sum_k p_k^2 / (sum_k p_k)^2 of each half's irrep powers p_k, shape (2, K).

    1 when all power is in one irrep, 1/R when it is spread evenly over R irreps.
    """
    total = spectrum.sum(axis=1)
    return (spectrum**2).sum(axis=1) / np.where(total > 0, total, 1.0) ** 2


def covered_irreps(spectrum: np.ndarray, share: float = 0.9) -> dict[int, int]:
    """Which irreps the layer has learned: irrep -> number of nodes whose two halves both have
    that irrep as their dominant one, with at least ``share`` of their power in it."""
    index, shares = dominant_irrep(spectrum)
    learned = (index[0] == index[1]) & (shares.min(axis=0) >= share)
    values, counts = np.unique(index[0][learned], return_counts=True)
    return {int(k): int(c) for k, c in zip(values, counts)}


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
    between grad E(w_j) (Eq. 7, with Y~ centred over the training set) and

    - ``grad_cos``: the loss gradient -dL/dw_j at W(e), V(e), and
    - ``update_cos``: the optimizer's actual step W(e+1) - W(e) (Adam's rescaling and weight
      decay included),

    plus ``norm`` = ||w_j(e)||. Arrays are (T, K), with ``epoch`` (T,).
    """
    import torch

    from .data import centered_targets, one_hot_inputs, pairs
    from .energy import energy_grad
    from .model import TwoLayerNet
    from .training import LOSSES

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
