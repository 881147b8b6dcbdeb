"""Stage III, part 1: hidden nodes interact through B (Sec. 5, Theorem 6).

At the ridge point of the readout the backpropagated gradient is exactly

    G_F = P_eta Y~ Y~^T F~ B,   B = (F~^T F~ + eta I)^-1,   P_eta = eta (F~ F~^T + eta I)^-1

(Sec. 5). Stage II replaced B by a multiple of I; Stage III keeps it. Column j of F~ B mixes
node j with the others (Eq. 9):

    [F~ B]_j = b_jj f~_j + sum_{l != j} b_jl f~_l,

and Theorem 6 gives the sign of each mixing weight:

    sign(b_jl) = -sign(f~_j^T P_{eta,-jl} f~_l),
    P_{eta,-jl} = I - F~_{-jl} (F~_{-jl}^T F~_{-jl} + eta I)^-1 F~_{-jl}^T,

with F~_{-jl} the centered features without columns j and l. The proof (a Schur complement)
gives the value too:

    b_jl = -c / ((eta + a_j)(eta + a_l) - c^2),  c = f~_j^T P f~_l,  a_i = f~_i^T P f~_i,  P = P_{eta,-jl}.

Two features that still overlap once the others are projected out get b_jl < 0: each one's
gradient carries minus the other, which pushes them apart (repulsion).

Features ``F`` (n x K) are given uncentered, as the network computes them; every function
centers them (F~ = P_1^perp F, :func:`li2lib.theory.stage1.center`). ``eta >= 0``; with eta = 0
the centered features must have full column rank (else B does not exist).
"""

from __future__ import annotations

import numpy as np

from .stage1 import center

__all__ = [
    "repulsion_matrix",
    "residual_overlaps",
    "schur_coefficients",
    "most_similar_pairs",
    "sign_agreement",
]


def _features(F) -> np.ndarray:
    F = np.asarray(F, dtype=np.float64)
    if F.ndim != 2 or F.shape[1] < 2 or F.shape[0] < 2:
        raise ValueError(f"F must be an n x K matrix of features with n >= 2 and K >= 2, got shape {F.shape}")
    if not np.isfinite(F).all():
        raise ValueError("F must be finite")
    return center(F)


def _check_eta(eta, Ft) -> float:
    if isinstance(eta, bool) or not isinstance(eta, (int, float, np.number)) or not np.isfinite(eta) or eta < 0:
        raise ValueError(f"eta must be a finite number >= 0, got {eta!r}")
    if eta == 0:
        rank = np.linalg.matrix_rank(Ft)
        if rank < Ft.shape[1]:
            raise ValueError(f"eta = 0 needs centered features of full column rank {Ft.shape[1]}, got rank {rank}: "
                             f"B = (F~^T F~)^-1 does not exist; use eta > 0")
    return float(eta)


def _pairs(pairs, K) -> np.ndarray:
    if pairs is None:
        j, l = np.triu_indices(K, k=1)
        return np.stack([j, l], axis=1)
    pairs = np.asarray(pairs)
    if pairs.ndim != 2 or pairs.shape[1] != 2 or not np.issubdtype(pairs.dtype, np.integer):
        raise ValueError(f"pairs must be an integer array of shape (P, 2), got {pairs.dtype} array of shape {pairs.shape}")
    if len(pairs) and (pairs.min() < 0 or pairs.max() >= K or (pairs[:, 0] == pairs[:, 1]).any()):
        raise ValueError(f"pairs must hold two different node indices in [0, {K}) per row")
    return pairs


def repulsion_matrix(F, eta: float) -> np.ndarray:
    """B = (F~^T F~ + eta I)^-1 (Sec. 5), K x K, by a direct solve in float64."""
    Ft = _features(F)
    eta = _check_eta(eta, Ft)
    K = Ft.shape[1]
    return np.linalg.solve(Ft.T @ Ft + eta * np.eye(K), np.eye(K))


def residual_overlaps(F, eta: float, pairs=None) -> dict[str, np.ndarray]:
    """For each pair (j, l): c = f~_j^T P f~_l, a_j = f~_j^T P f~_j and a_l = f~_l^T P f~_l with
    P = P_{eta,-jl} of Theorem 6, computed from its definition: the columns j and l are deleted
    and the other K - 2 features are projected out with their own ridge solve (one solve of
    size K - 2 per pair, so O(P K^3); meant for K up to a few hundred).

    ``pairs``: an integer array (P, 2); default every pair j < l. Returns a dict with
    ``pairs``, ``overlap`` (c), ``self_j`` (a_j), ``self_l`` (a_l), each (P,).
    """
    Ft = _features(F)
    eta = _check_eta(eta, Ft)
    K = Ft.shape[1]
    pairs = _pairs(pairs, K)
    gram = Ft.T @ Ft
    out = {"overlap": np.empty(len(pairs)), "self_j": np.empty(len(pairs)), "self_l": np.empty(len(pairs))}
    for i, (j, l) in enumerate(pairs):
        rest = np.setdiff1d(np.arange(K), [j, l])
        cross = gram[np.ix_(rest, [j, l])]  # F~_{-jl}^T [f~_j, f~_l]
        inner = gram[np.ix_(rest, rest)] + eta * np.eye(len(rest))
        reduced = gram[np.ix_([j, l], [j, l])] - cross.T @ np.linalg.solve(inner, cross)  # [f~_j, f~_l]^T P [f~_j, f~_l]
        out["self_j"][i], out["overlap"][i], out["self_l"][i] = reduced[0, 0], reduced[0, 1], reduced[1, 1]
    return {"pairs": pairs, **out}


def schur_coefficients(overlaps: dict, eta: float) -> np.ndarray:
    """b_jl = -c / ((eta + a_j)(eta + a_l) - c^2), the proof of Theorem 6, from the output of
    :func:`residual_overlaps` (which must have been computed with the same ``eta``)."""
    if isinstance(eta, bool) or not isinstance(eta, (int, float, np.number)) or not np.isfinite(eta) or eta < 0:
        raise ValueError(f"eta must be a finite number >= 0, got {eta!r}")
    missing = {"overlap", "self_j", "self_l"} - set(overlaps)
    if missing:
        raise ValueError(f"overlaps must be the dict residual_overlaps returns; it lacks {sorted(missing)}")
    c, a_j, a_l = overlaps["overlap"], overlaps["self_j"], overlaps["self_l"]
    return -c / ((eta + a_j) * (eta + a_l) - c**2)


def most_similar_pairs(F, count: int) -> dict[str, np.ndarray]:
    """The ``count`` pairs j < l whose centered features have the largest absolute cosine similarity
    (the pairs the outside replication of Theorem 6 looks at). Returns ``pairs`` (count, 2)
    and ``cosine`` (count,), signed, most similar first. Features with zero norm are skipped."""
    Ft = _features(F)
    K = Ft.shape[1]
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or not 1 <= count <= K * (K - 1) // 2:
        raise ValueError(f"count must be an integer in [1, {K * (K - 1) // 2}], got {count!r}")
    norms = np.linalg.norm(Ft, axis=0)
    live = norms > 0
    unit = np.where(live, Ft / np.where(live, norms, 1.0), 0.0)
    cos = unit.T @ unit
    j, l = np.triu_indices(K, k=1)
    order = np.argsort(-np.abs(cos[j, l]), kind="stable")[:count]
    return {"pairs": np.stack([j[order], l[order]], axis=1), "cosine": cos[j[order], l[order]]}


def sign_agreement(b, predictor) -> float:
    """The fraction of pairs with sign(b_jl) = -sign(predictor_jl): Theorem 6's rule when the
    predictor is the residual overlap c, the plain "similar features repel" reading when it is
    the cosine similarity. Pairs where either is exactly 0 count as disagreements."""
    b, predictor = np.asarray(b, dtype=np.float64), np.asarray(predictor, dtype=np.float64)
    if b.shape != predictor.shape or b.ndim != 1 or len(b) == 0:
        raise ValueError(f"b and predictor must be 1-D arrays of the same nonzero length, got {b.shape} and {predictor.shape}")
    return float(np.mean((np.sign(b) == -np.sign(predictor)) & (b != 0)))
