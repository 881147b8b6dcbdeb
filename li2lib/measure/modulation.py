"""Stage III, part 2: top-down modulation measured on a training run (Sec. 5, Theorem 7).

Theorem 7 (sigma = x^2, group data): once the hidden layer has learned a subset S of the
irreps, the residual Y~ - Y^ holds only the missing ones, so G_F = (Y~ - Y^) V^T steers the
hidden nodes towards them: the energy each node climbs becomes E_S, which has its maxima on
the missing irreps only (:func:`li2lib.theory.energy.modulated_energy`).

This module measures, at the weights (W, V) of a run:

- :func:`layer_spectrum`: how the hidden layer's power ||W||^2 splits over the real irreps
  (which irreps the layer has learned, weighted by node size);
- :func:`residual_spectrum`: how the squared residual ||P_1^perp (Y - sigma(X W) V) C||^2 on
  the training pairs splits over the real irreps of the target space (what G_F still asks for;
  C = I - 1 1^T / M centers over classes, as the loss the networks are trained with does);
- :func:`gradient_spectrum`: how the loss gradient -dL/dW splits over the irreps of the input
  space (where the update pushes the nodes);
- :func:`stage2_alignment`: the cosine between the actual G_F and Stage II's form
  Y~ Y~^T F~ (Theorem 1's premise), and between G_F and the modulated form
  Y~ P_missing Y~^T F~ of Theorem 7 for a given learned set S;

and :func:`trace` applies them to every snapshot of a :class:`li2lib.TrainResult`. All
spectra are shares (they sum to 1 over the irreps, the trivial irrep included).
"""

from __future__ import annotations

import numpy as np

from ..data import centered_targets, one_hot_inputs, pairs
from ..groups import Group
from ..model import ACTIVATIONS
from ..model.activations import check_activation
from ..theory.energy import missing_irrep_projector
from ..theory.stage1 import center
from .spectra import covered_irreps, irrep_spectrum

__all__ = [
    "layer_spectrum",
    "residual_spectrum",
    "gradient_spectrum",
    "stage2_alignment",
    "trace",
]


def _check_weights(W, V, group: Group):
    if not isinstance(group, Group):
        raise ValueError(f"group must be a li2lib Group, got {type(group).__name__}")
    W, V = np.asarray(W, dtype=np.float64), np.asarray(V, dtype=np.float64)
    M = group.order
    if W.ndim != 2 or W.shape[0] != 2 * M:
        raise ValueError(f"W must be (2M, K) = ({2 * M}, K) for {group.name}, got shape {W.shape}")
    if V.shape != (W.shape[1], M):
        raise ValueError(f"V must be (K, M) = {(W.shape[1], M)}, got shape {V.shape}")
    return W, V


def _data(group: Group, idx):
    idx = np.asarray(idx, dtype=np.int64)
    if idx.ndim != 1 or len(idx) < 2 or idx.min() < 0 or idx.max() >= group.order**2:
        raise ValueError(f"idx must be at least 2 row indices of the {group.order}^2 pairs, got {idx!r}")
    a, b, y = pairs(group, idx)
    return one_hot_inputs(a, b, group.order).astype(np.float64), y


def _sigma(activation):
    check_activation(activation)
    import torch

    f = ACTIVATIONS[activation]
    return lambda x: f(torch.as_tensor(x)).numpy()


def _shares(power: np.ndarray) -> np.ndarray:
    total = power.sum()
    return power / total if total > 0 else power


def layer_spectrum(W, group: Group) -> np.ndarray:
    """(R,) share of the layer's power sum_j ||w_j||^2 in each real irrep (both operand halves,
    ``group.real_irreps()`` order; for Z_M: frequency k)."""
    W = np.asarray(W, dtype=np.float64)
    return _shares(irrep_spectrum(W, group).sum(axis=(0, 2)))


def _residual(W, V, group, idx, activation):
    """(R_loss, R, F, Y~): R_loss = (Y - F V) C, the residual of the loss the networks are
    trained with (centered over classes by C = I - 1 1^T / M: the class mean of the output is
    not trained), and R = P_1^perp R_loss, also centered over the samples as in Eq. (1)."""
    X, y = _data(group, idx)
    F = _sigma(activation)(X @ W)
    Yt = centered_targets(y, group.order)
    Y = np.eye(group.order)[y]
    R_loss = Y - F @ V
    R_loss = R_loss - R_loss.mean(axis=1, keepdims=True)
    return R_loss, center(R_loss), F, Yt


def residual_spectrum(W, V, group: Group, idx, activation: str = "square") -> np.ndarray:
    """(R,) share of ||R||^2, R = P_1^perp (Y - sigma(X W) V) C on the pairs ``idx`` (Eq. 1,
    centered over classes too), in each real irrep of the target space: ||R P_k||^2 / ||R||^2
    with P_k the isotypic projector of irrep k in R^M (the trivial irrep's share is 0).
    Theorem 7: once S is learned, R lives on the irreps outside S."""
    W, V = _check_weights(W, V, group)
    _, R, _, _ = _residual(W, V, group, idx, activation)
    return _shares(np.array([np.sum((R @ ir.projector) ** 2) for ir in group.real_irreps()]))


def gradient_spectrum(W, V, group: Group, idx, activation: str = "square", nodes=None) -> np.ndarray:
    """(R,) share of the hidden layer's gradient step X^T [sigma'(X W) * (Y - F V) C V^T] (the
    negative gradient, up to a factor 2/n, of the class-centered MSE the networks are trained
    with, on the pairs ``idx``) in each real irrep of the input space, both operand halves;
    over the nodes (columns) ``nodes`` only when given (the residual is the whole network's)."""
    import torch

    from ..model import DERIVATIVES

    W, V = _check_weights(W, V, group)
    R_loss, _, _, _ = _residual(W, V, group, idx, activation)
    X, _ = _data(group, idx)
    d_sigma = DERIVATIVES[activation](torch.as_tensor(X @ W)).numpy()
    G_W = X.T @ (d_sigma * (R_loss @ V.T))
    if nodes is not None:
        nodes = np.asarray(nodes, dtype=np.int64)
        if nodes.ndim != 1 or len(nodes) == 0 or nodes.min() < 0 or nodes.max() >= W.shape[1]:
            raise ValueError(f"nodes must be a non-empty list of node indices in [0, {W.shape[1]}), got {nodes!r}")
        G_W = G_W[:, nodes]
    return _shares(irrep_spectrum(G_W, group).sum(axis=(0, 2)))


def _cosine(A, B) -> float:
    denom = np.linalg.norm(A) * np.linalg.norm(B)
    return float(np.sum(A * B) / denom) if denom > 0 else 0.0


def stage2_alignment(W, V, group: Group, idx, activation: str = "square", learned=None) -> float:
    """cos(G_F, Y~ Q Y~^T F~) on the pairs ``idx``, with G_F = P_1^perp (Y - F V) C V^T (Eq. 2,
    centered over classes too) and
    Q = I (Stage II, Theorem 1) or, given ``learned`` (indices into ``group.real_irreps()``),
    Q = P_missing, the projector onto the irreps not in S (Theorem 7's modulated form)."""
    W, V = _check_weights(W, V, group)
    _, R, F, Yt = _residual(W, V, group, idx, activation)
    Ft = center(F)
    Q = np.eye(group.order) if learned is None else missing_irrep_projector(group, learned)
    return _cosine(R @ V.T, Yt @ (Q @ (Yt.T @ Ft)))


def trace(result, learned_share: float | None = None, node_share: float = 0.8) -> dict[str, np.ndarray]:
    """Every quantity above at each snapshot of ``result`` (a :class:`li2lib.TrainResult`
    trained with ``snapshots=...``), on its training pairs. Returns ``epoch`` (T,),
    ``layer``, ``residual``, ``gradient`` (T, R) spectra, ``nodes`` (T, R): the number of nodes
    that have learned each irrep (:func:`li2lib.measure.spectra.covered_irreps` with ``node_share``),
    and ``stage2`` (T,) alignments; with
    ``learned_share``, also ``modulated`` (T,): the alignment with Theorem 7's form, taking
    S = the nontrivial irreps holding at least ``learned_share`` of the layer's power."""
    snaps = getattr(result, "snapshots", None)
    if not snaps:
        raise ValueError("result has no snapshots: train with snapshots=[epochs]")
    if learned_share is not None and not 0 < learned_share < 1:
        raise ValueError(f"learned_share must be in (0, 1) or None, got {learned_share!r}")
    group, idx, act = result.group, result.train_idx, result.config.activation
    if not 0 < node_share <= 1:
        raise ValueError(f"node_share must be in (0, 1], got {node_share!r}")
    out = {k: [] for k in ("layer", "residual", "gradient", "nodes", "stage2", "modulated")}
    for W, V in zip(snaps["W"], snaps["V"]):
        layer = layer_spectrum(W, group)
        out["layer"].append(layer)
        counts = np.zeros(len(layer), dtype=np.int64)
        for k, c in covered_irreps(irrep_spectrum(W, group), node_share).items():
            counts[k] = c
        out["nodes"].append(counts)
        out["residual"].append(residual_spectrum(W, V, group, idx, act))
        out["gradient"].append(gradient_spectrum(W, V, group, idx, act))
        out["stage2"].append(stage2_alignment(W, V, group, idx, act))
        if learned_share is not None:
            learned = [k for k in range(1, len(layer)) if layer[k] >= learned_share]
            out["modulated"].append(stage2_alignment(W, V, group, idx, act, learned))
    if learned_share is None:
        del out["modulated"]
    return {"epoch": np.asarray(snaps["epoch"]), **{k: np.array(v) for k, v in out.items()}}
