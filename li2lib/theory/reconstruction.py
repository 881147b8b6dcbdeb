"""Theorem 3 (Sec. 4.3): features that rebuild the target.

The feature constructions Theorem 3 reconstructs the target from (single-frequency nodes,
the complex pairs [u; +-u] over C, nodes that memorise one pair each) and the least-squares
residual that measures how well given features reconstruct the centered targets.
Conventions as in :mod:`li2lib.theory.stage1`.
"""

from __future__ import annotations

import numpy as np

from .stage1 import _check_shapes

__all__ = ["fourier_nodes", "complex_pair_nodes", "memorization_nodes", "readout_residual"]


def fourier_nodes(order: int, frequencies, phases_u=0.0, phases_v=0.0) -> np.ndarray:
    """Single-frequency nodes for Z_M, unit norm: column j is
    [cos(2 pi k_j m / M + phi_j); cos(2 pi k_j m / M + psi_j)], m = 0..M-1.

    These are the maxima of the energy on Z_M (Theorem 2) with free phases on the two halves.
    Returns a (2M, B) array for B frequencies (phases broadcast against them).
    """
    k, pu, pv = np.broadcast_arrays(np.atleast_1d(frequencies), phases_u, phases_v)
    m = np.arange(order)[:, None]
    W = np.concatenate([np.cos(2 * np.pi * k * m / order + pu), np.cos(2 * np.pi * k * m / order + pv)])
    return W / np.linalg.norm(W, axis=0)


def complex_pair_nodes(order: int) -> np.ndarray:
    """Theorem 3's construction for Z_M over C: for every nontrivial character
    u_k(m) = exp(2 pi i k m / M), the pair of nodes [u_k; u_k] and [u_k; -u_k], 2(M - 1) in all.

    (The paper writes them [u; +-Pu] in coordinates where the second operand is indexed by its
    inverse; with the inputs [e_a; e_b] used here, P conj(u_k) = u_k.) Squared, the pair differs
    by 4 u_k(a) u_k(b) = 4 u_k(a + b): a function of the target only.
    """
    m = np.arange(order)
    cols = []
    for k in range(1, order):
        u = np.exp(2j * np.pi * k * m / order)
        cols += [np.concatenate([u, u]), np.concatenate([u, -u])]
    return np.array(cols).T


def memorization_nodes(order: int, a, b) -> np.ndarray:
    """Nodes that each memorise one pair: column j is [e_{a_j}; e_{b_j}] / sqrt(2)."""
    a, b = np.asarray(a), np.asarray(b)
    W = np.zeros((2 * order, len(a)))
    W[a, np.arange(len(a))] = W[order + b, np.arange(len(a))] = 1 / np.sqrt(2)
    return W


def readout_residual(F, Yt) -> float:
    """||Y~ - F~ V*|| / ||Y~|| for the least-squares readout V* (Theorem 3 with eta = 0).

    0 means the features reconstruct the centered targets exactly. Works for complex features
    (then V* is complex, as in Theorem 3 over C).
    """
    F = np.asarray(F)
    Ft = F - F.mean(axis=0, keepdims=True)
    Yt = np.asarray(Yt)
    _check_shapes(Ft, Yt)
    V = np.linalg.lstsq(Ft, Yt.astype(Ft.dtype), rcond=None)[0]
    return float(np.linalg.norm(Yt - Ft @ V) / np.linalg.norm(Yt))
