"""What each hidden layer of a deeper network has learned (Sec. 6).

A deep net F_1 = sigma(X W), F_l = (a block of) sigma(F_{l-1} W_l), Y_hat = F_{L-1} V has one
group-indexed layer, W (2M x K); the others are K x K and index nothing. So the layers are
compared through what they compute: every hidden node j of layer l is a function f_j(a, b)
on the M x M table, and the task asks for a function of the product h = a b alone. Two
measures, the same for every layer and every group:

- the **target share** of a node: the fraction of its variance over the table (after removing
  its mean) that is a function of the target h, ||P_H f~||^2 / ||f~||^2, where P_H replaces
  f by its mean over the pairs of each class. A random node has a share of about 1/M
  ((M - 1) of the M^2 - 1 dimensions); a node that computes a feature of h has share 1.
  Held out (class means from the training pairs, scored on the test pairs) it separates a
  feature of the target from a memorised dependence on the training labels.
- the **target spectrum** of a node: the power of its class means g_j(h) in every real irrep
  of H (:func:`li2lib.measure.spectra.irrep_basis`; for Z_M each Fourier frequency).

A node's share is small even in a network that has generalised (a first-layer node
sigma(w_a + w_b) also depends on a and b apart), so what a *layer* knows is measured as a
whole by a **linear probe** (:func:`probe_accuracy`): the test accuracy of the best ridge
readout of the layer, fitted on the training pairs. A layer whose features span the Fourier
features of the target probes at test accuracy 1 whatever the readout above it has learned.

What reaches each layer from above is the backpropagated gradient G_{F_l} = -dJ/dF_l
(:func:`layer_gradients`). Stage II needs it to be the clean signal Y~ Y~^T F~_l of Theorem 1;
Eq. (11) says a plain deep net delivers a reweighted (D~ Y~ Y~^T D~) F_l instead, and that a
residual path adds the clean top-layer term. :func:`signal_alignment` measures the cosine
between the two.

:func:`layer_trajectory` follows both over a run's snapshots, and :func:`learning_epochs`
reads off when each layer acquired its features (the order Sec. 6 predicts: lowest first).
"""

from __future__ import annotations

import numpy as np
import torch

from ..data import pairs
from ..groups import Group
from ..model import PairInputs
from ..training import metrics
from .spectra import irrep_basis

__all__ = ["layer_features", "layer_gradients", "signal_alignment", "target_share", "target_spectrum",
           "probe_accuracy", "layer_trajectory", "learning_epochs"]


def _check_params(params: dict, config, group: Group):
    net = config.network(group.order)
    if not isinstance(params, dict) or set(params) != set(net.shapes()):
        raise ValueError(f"params must be a dict of the weights {sorted(net.shapes())}, got "
                         f"{sorted(params) if isinstance(params, dict) else params!r}")
    for name, shape in net.shapes().items():
        if tuple(np.shape(params[name])) != shape:
            raise ValueError(f"params[{name!r}] must have shape {shape}, got {tuple(np.shape(params[name]))}")
    return net


def layer_features(params: dict, config, group: Group) -> list[np.ndarray]:
    """The hidden layers F_1, ..., F_{L-1} of one run on the whole table, each (M^2, K).

    ``params``: the run's weights by name (a result's ``.params``, or one snapshot);
    ``config``: its :class:`li2lib.TrainConfig`. Row a * M + b is the pair (a, b).
    """
    net = _check_params(params, config, group)
    M = group.order
    a, b = np.divmod(np.arange(M * M), M)
    x = PairInputs(torch.as_tensor(a)[None], torch.as_tensor(b)[None], M, dtype=torch.float64)
    stacked = _stacked(params)
    with torch.no_grad():
        layers = net.layer_features(stacked, x)
    return [F[0].numpy() for F in layers]


def _stacked(params: dict) -> dict:
    return {k: torch.as_tensor(np.asarray(v))[None].to(torch.complex128 if np.iscomplexobj(v) else torch.float64)
            for k, v in params.items()}


def layer_gradients(params: dict, config, group: Group, idx) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The hidden layers F_l and their backpropagated gradients G_{F_l} = -dJ/dF_l on the pairs
    ``idx`` (rows of the M^2 table, e.g. a result's ``train_idx``), J = 1/2 ||P_1^perp (Y - Y_hat)||^2
    of Eq. (1). Returns (features, gradients), two lists over l = 1..L-1 of (n, K) arrays."""
    net = _check_params(params, config, group)
    a, b, y = (torch.as_tensor(v)[None] for v in pairs(group, np.asarray(idx)))
    x = PairInputs(a, b, group.order, dtype=torch.float64)
    stacked = {k: v.requires_grad_() for k, v in _stacked(params).items()}
    layers, grads = metrics.layer_gradients(net, stacked, x, y, torch.ones(y.shape, dtype=torch.float64))
    return [F[0].detach().numpy() for F in layers], [G[0].numpy() for G in grads]


def signal_alignment(params: dict, config, group: Group, idx) -> np.ndarray:
    """For every hidden layer l, the cosine between G_{F_l} and the Stage II signal
    Y~ Y~^T F~_l (both n x K, on the pairs ``idx``; tildes: centered over those pairs). 1 means
    the layer receives exactly the signal whose ascent is the energy of Theorem 1. Shape (L-1,)."""
    features, grads = layer_gradients(params, config, group, idx)
    _, _, y = pairs(group, np.asarray(idx))
    Yt = np.eye(group.order)[y]
    Yt -= Yt.mean(axis=0)
    out = []
    for F, G in zip(features, grads):
        S = Yt @ (Yt.T @ (F - F.mean(axis=0)))
        denom = np.linalg.norm(S) * np.linalg.norm(G)
        out.append(float((S * G).sum() / denom) if denom > 0 else 0.0)
    return np.array(out)


def _table_layer(F, group: Group) -> np.ndarray:
    """F as a float64 (M^2, K) array: one hidden layer on the whole table, row a * M + b the pair (a, b)."""
    F = np.asarray(F, dtype=np.float64)
    M = group.order
    if F.ndim != 2 or F.shape[0] != M * M:
        raise ValueError(f"F must be (M^2, K) = ({M * M}, K) for {group.name}, got shape {F.shape}")
    return F


def _class_means(F: np.ndarray, group: Group) -> np.ndarray:
    """g(h) = mean of f(a, b) over the M pairs with a b = h, for every column: (M, K)."""
    F, M = _table_layer(F, group), group.order
    labels = group.table.ravel()
    sums = np.zeros((M, F.shape[1]))
    np.add.at(sums, labels, F)
    return sums / M  # each class has M pairs in a Latin square


def target_share(F: np.ndarray, group: Group, fit=None, score=None) -> np.ndarray:
    """For each node (column of F, a function on the table, rows a * M + b): the share of its
    variance that depends on the target a b alone; shape (K,).

    Without ``fit`` and ``score``: on the whole table, ||P_H f~||^2 / ||f~||^2, in [0, 1] (0 for a
    constant node). With them (row indices, e.g. a run's training and test pairs): held out,
    1 - sum_score (f - g(ab))^2 / sum_score (f - mean_fit f)^2, where g(h) is the mean of f over
    the ``fit`` pairs of class h. A node whose dependence on the target is memorised on the fit
    pairs scores about 0 or below; a genuine feature of the target scores the same as on the
    whole table.
    """
    if fit is None and score is None:
        g = _class_means(F, group)
        centered = np.asarray(F, dtype=np.float64) - np.asarray(F).mean(axis=0)
        total = (centered**2).sum(axis=0)
        explained = group.order * ((g - g.mean(axis=0)) ** 2).sum(axis=0)
        return np.where(total > 0, explained / np.where(total > 0, total, 1.0), 0.0)
    if fit is None or score is None:
        raise ValueError("give both fit and score (row indices of the table), or neither")
    F = np.asarray(F, dtype=np.float64)
    _class_means(F, group)  # checks the shape
    fit, score = np.asarray(fit), np.asarray(score)
    labels = group.table.ravel()
    sums = np.zeros((group.order, F.shape[1]))
    np.add.at(sums, labels[fit], F[fit])
    counts = np.bincount(labels[fit], minlength=group.order)[:, None]
    base = F[fit].mean(axis=0)
    means = np.where(counts > 0, sums / np.maximum(counts, 1), base)
    residual = ((F[score] - means[labels[score]]) ** 2).sum(axis=0)
    total = ((F[score] - base) ** 2).sum(axis=0)
    return np.where(total > 0, 1 - residual / np.where(total > 0, total, 1.0), 0.0)


def target_spectrum(F: np.ndarray, group: Group) -> np.ndarray:
    """Power of each node's class means g_j(h) in every real irrep of H: (R, K), R the number
    of real irreps (for Z_M, frequency k = 0..floor(M/2)); row 0 (trivial) is the mean."""
    g = _class_means(F, group)
    B, owner = irrep_basis(group)
    power = np.zeros((owner.max() + 1, g.shape[1]))
    np.add.at(power, owner, (B.T @ g) ** 2)
    return power


def probe_accuracy(F: np.ndarray, group: Group, fit, score, ridge: float = 1e-3) -> float:
    """Test accuracy of a linear probe on a layer: V = argmin ||F~_fit V - Y~_fit||^2 + ridge
    ||V||^2 (tildes: centered over the ``fit`` rows, as in Eq. (1)), scored on the ``score`` rows
    by the argmax of F V. ``F`` is (M^2, K), row a * M + b the pair (a, b); ``ridge`` is relative
    to the mean squared norm of the rows of F~_fit (so it does not depend on the layer's scale)."""
    F, M = _table_layer(F, group), group.order
    if not ridge > 0:
        raise ValueError(f"ridge must be > 0, got {ridge!r}")
    fit, score = np.asarray(fit), np.asarray(score)
    if len(fit) == 0 or len(score) == 0:
        raise ValueError("fit and score must each name at least one row of the table")
    labels = group.table.ravel()
    mean = F[fit].mean(axis=0)
    Ft = F[fit] - mean
    Y = np.eye(M)[labels[fit]]
    Y -= Y.mean(axis=0)
    lam = ridge * max((Ft**2).sum() / len(fit), 1e-300)
    V = np.linalg.solve(Ft.T @ Ft + lam * np.eye(F.shape[1]), Ft.T @ Y)
    return float((np.argmax((F[score] - mean) @ V, axis=1) == labels[score]).mean())


def layer_trajectory(result) -> dict[str, np.ndarray]:
    """Target share and target spectrum of every hidden layer at every snapshot of ``result``.

    Returns ``epoch`` (T,); ``share`` (T, L-1): the mean held-out target share of the layer's
    nodes (class means from the run's training pairs, scored on its test pairs), so
    memorising the training pairs does not count; ``table_share`` (T, L-1): the same on the
    whole table; and ``spectrum`` (T, L-1, R): the layer's target spectrum on the whole table
    summed over its nodes, without the trivial irrep, as fractions (each row sums to 1; all
    zeros for a layer with no target-dependent part); ``probe`` (T, L-1): the test accuracy of
    a linear probe on the layer (:func:`probe_accuracy`, fitted on the training pairs).
    """
    snaps = result.snapshots
    if not snaps:
        raise ValueError("result has no snapshots: train with snapshots=[...] (a list of epochs) or a count")
    if len(result.test_idx) == 0:
        raise ValueError("result has no test pairs: the held-out share needs some")
    group, config = result.group, result.config
    names = [k for k in snaps if k != "epoch"]
    shares, table_shares, spectra, probes = [], [], [], []
    for t in range(len(snaps["epoch"])):
        layers = layer_features({k: snaps[k][t] for k in names}, config, group)
        shares.append([target_share(F, group, result.train_idx, result.test_idx).mean() for F in layers])
        table_shares.append([target_share(F, group).mean() for F in layers])
        probes.append([probe_accuracy(F, group, result.train_idx, result.test_idx) for F in layers])
        rows = []
        for F in layers:
            power = target_spectrum(F, group)[1:].sum(axis=1)
            rows.append(power / power.sum() if power.sum() > 0 else power)
        spectra.append(rows)
    return {"epoch": np.asarray(snaps["epoch"]), "share": np.array(shares), "table_share": np.array(table_shares),
            "spectrum": np.array(spectra), "probe": np.array(probes)}


def learning_epochs(epoch, share, fraction: float = 0.5) -> np.ndarray:
    """For each layer (column of ``share``, (T, L-1)), the first epoch at which its target
    share has covered ``fraction`` of the way from its initial value to its largest value;
    -1 for a layer whose share never rises above its initial value."""
    epoch, share = np.asarray(epoch), np.asarray(share, dtype=np.float64)
    if share.ndim != 2 or share.shape[0] != len(epoch):
        raise ValueError(f"share must be (T, layers) with T = len(epoch) = {len(epoch)}, got shape {share.shape}")
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction!r}")
    out = np.full(share.shape[1], -1, dtype=np.int64)
    for l in range(share.shape[1]):
        start, top = share[0, l], share[:, l].max()
        if top > start:
            out[l] = epoch[np.argmax(share[:, l] >= start + fraction * (top - start))]
    return out
