"""Stage I (Sec. 3, App. C), computed exactly for given features: lazy learning.

The ridge readout, the fixed point of G_F (Eq. 4), Lemma 1's prediction (Eq. 5, with the one
consistent constant: see :func:`lemma1_prediction`) and the exact frozen-feature flow, as norms
of G_F or as the readout V(t). Theorem 3's constructions are in :mod:`li2lib.theory.reconstruction`.

Stage I freezes the hidden features F = sigma(X W) and asks what training the output layer V
alone does to the backpropagated gradient G_F (Eq. 2). Conventions used throughout:

- ``F`` (n x K) are hidden features as computed, *uncentered*; the functions center them,
  F~ = P_1^perp F, themselves.
- ``Yt`` (n x M) are centered targets Y~ = P_1^perp Y (``li2lib.data.centered_targets``).
- ``eta`` is the weight decay on V; the loss is J(V) = 1/2 ||Y~ - beta F~ V||^2 + eta/2 ||V||^2
  (App. C, Eq. 47; beta is the output scale of App. C.3, 1 unless given).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "center",
    "ridge_readout",
    "backprop_gradient",
    "gf_fixed_point",
    "lemma1_prediction",
    "signal_term",
    "diagonality",
    "stage1_readout",
    "stage1_trajectory",
]


def center(A) -> np.ndarray:
    """P_1^perp A: subtract each column's mean over the samples (rows)."""
    A = np.asarray(A, dtype=np.float64)
    return A - A.mean(axis=0, keepdims=True)


def _check_eta(eta, allow_zero=True):
    if not np.isfinite(eta) or eta < 0 or (eta == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"eta must be a finite number {bound}, got {eta!r}")


def _check_shapes(F, Yt):
    if F.ndim != 2 or Yt.ndim != 2 or F.shape[0] != Yt.shape[0]:
        raise ValueError(f"F (n x K) and Yt (n x M) must have the same number of rows, got {F.shape} and {Yt.shape}")


def ridge_readout(F, Yt, eta: float) -> np.ndarray:
    """V_ridge = (F~^T F~ + eta I)^-1 F~^T Y~, the output layer Stage I converges to (Prop. 1).

    For eta = 0 this is the minimum-norm least-squares solution.
    """
    Ft, Yt = center(F), np.asarray(Yt, dtype=np.float64)
    _check_shapes(Ft, Yt)
    _check_eta(eta)
    if eta == 0:
        return np.linalg.lstsq(Ft, Yt, rcond=None)[0]
    K = Ft.shape[1]
    return np.linalg.solve(Ft.T @ Ft + eta * np.eye(K), Ft.T @ Yt)


def backprop_gradient(F, Yt, V, beta: float = 1.0) -> np.ndarray:
    """G_F = -dJ/dF = beta P_1^perp (Y - beta F V) V^T = beta (Y~ - beta F~ V) V^T (Eq. 2)."""
    Ft = center(F)
    return beta * (np.asarray(Yt) - beta * Ft @ V) @ np.asarray(V).T


def gf_fixed_point(F, Yt, eta: float) -> np.ndarray:
    """G_F(+inf) = eta (F~ F~^T + eta I)^-1 Y~ Y~^T F~ (F~^T F~ + eta I)^-1  (Eq. 4), eta > 0.

    Computed through the smaller of the two Gram matrices: with B = (F~^T F~ + eta I)^-1
    (K x K), Woodbury gives eta (F~ F~^T + eta I)^-1 = I - F~ B F~^T; with A = F~ F~^T + eta I
    (n x n), F~ B = A^-1 F~ turns the right factor into one more solve with A.
    """
    Ft, Yt = center(F), np.asarray(Yt, dtype=np.float64)
    _check_shapes(Ft, Yt)
    _check_eta(eta, allow_zero=False)
    n, K = Ft.shape
    if K <= n:
        B = np.linalg.inv(Ft.T @ Ft + eta * np.eye(K))
        right = Yt @ (Yt.T @ Ft) @ B  # Y~ Y~^T F~ B
        return right - Ft @ (B @ (Ft.T @ right))
    A = Ft @ Ft.T + eta * np.eye(n)
    inner = np.linalg.solve(A, Yt)  # A^-1 Y~
    # eta A^-1 Y~ Y~^T A^-1 F~  (A is symmetric, so Y~^T A^-1 = (A^-1 Y~)^T)
    return eta * inner @ (inner.T @ Ft)


def signal_term(F, Yt) -> np.ndarray:
    """Y~ Y~^T F~, the label-carrying term that G_F acquires in Stage I (Eqs. 3 and 5)."""
    Ft, Yt = center(F), np.asarray(Yt, dtype=np.float64)
    _check_shapes(Ft, Yt)
    return Yt @ (Yt.T @ Ft)


def lemma1_prediction(F, Yt, eta: float) -> np.ndarray:
    """Lemma 1 (Eq. 5) with one consistent constant: G_F(+inf) ~ eta / (lambda + eta)^2 Y~ Y~^T F~.

    Derivation. The push-through identity F~ (F~^T F~ + eta I)^-1 = (F~ F~^T + eta I)^-1 F~
    turns Eq. (4) into an expression in the n x n Gram matrix alone,

        G_F(+inf) = eta A^-1 Y~ Y~^T A^-1 F~,    A = F~ F~^T + eta I.

    Lemma 1 assumes F~ F~^T ~ lambda P_1^perp (the paper's lambda = K c1). The columns of Y~ and
    F~ are centered, so A^-1 Y~ = Y~ / (lambda + eta) and A^-1 F~ = F~ / (lambda + eta), and

        G_F(+inf) ~ eta / (lambda + eta)^2  Y~ Y~^T F~.

    The paper's Eq. (5) writes the prefactor eta / ((K c1 + eta)(n c2 + eta)), using also
    F~^T F~ ~ n c2 I. The two assumptions hold together only when K = n - 1: F~ F~^T and F~^T F~
    have the same nonzero eigenvalues, so both are multiples of the identity (on R^K, and on the
    (n - 1)-dimensional centered subspace of R^n) only with equal ranks K = n - 1 and equal
    constants. Both traces equal ||F~||_F^2, so K c1 (n - 1) = n c2 K; for K > n - 1 the paper's
    prefactor is too large by the factor (K c1 + eta) / (n c2 + eta), up to K / (n - 1) as
    eta -> 0, and for K < n - 1 it is too small.

    lambda is read off the given features through the trace: lambda = ||F~||_F^2 / (n - 1).
    For K < n - 1 the assumption cannot hold (F~ F~^T has rank at most K), and the part of
    Y~ Y~^T F~ outside the column space of F~ makes G_F(+inf) differ from any multiple of
    Y~ Y~^T F~; the formula is returned all the same, for comparison.
    """
    Ft = center(F)
    _check_eta(eta, allow_zero=False)
    n = Ft.shape[0]
    if n < 2:
        raise ValueError(f"F must have at least 2 rows (samples), got {n}")
    lam = float((Ft**2).sum()) / (n - 1)
    return eta / (lam + eta) ** 2 * signal_term(F, Yt)


def diagonality(A) -> float:
    """The mean absolute off-diagonal entry over the mean absolute diagonal entry of a square matrix.

    Lemma 1 says F~^T F~ and F~ F~^T are close to multiples of the identity for random W;
    Fig. 3 reports this ratio stays within about 8% during training.
    """
    A = np.asarray(A)
    if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] < 2:
        raise ValueError(f"A must be a square matrix of size >= 2, got shape {A.shape}")
    diag = np.abs(np.diag(A)).mean()
    off = (np.abs(A).sum() - np.abs(np.diag(A)).sum()) / (A.size - len(A))
    return float(off / diag)


def _stage1_flow(F, Yt, eta, V0, times, beta):
    """Checked inputs of the frozen-feature flow and the eigenbasis of A = beta^2 F~^T F~ + eta I."""
    Ft, Yt = center(F), np.asarray(Yt, dtype=np.float64)
    _check_shapes(Ft, Yt)
    _check_eta(eta)
    if not np.isfinite(beta) or beta <= 0:
        raise ValueError(f"beta must be a finite number > 0, got {beta!r}")
    V0 = np.asarray(V0, dtype=np.float64)
    if V0.shape != (Ft.shape[1], Yt.shape[1]):
        raise ValueError(f"V0 must have shape (K, M) = {(Ft.shape[1], Yt.shape[1])}, got {V0.shape}")
    times = np.asarray(times, dtype=np.float64)
    if times.ndim != 1 or (times < 0).any():
        raise ValueError("times must be a 1-D array of times >= 0")
    s, Q = np.linalg.eigh(Ft.T @ Ft)
    s = np.clip(s, 0, None)  # eigenvalues of F~^T F~
    lam = beta**2 * s + eta  # eigenvalues of A
    return Ft, Yt, times, s, Q, lam, Q.T @ V0


def _stage1_readout_eigen(lam, V0e, Be, t):
    """V(t) in the eigenbasis of A: e^{-lam t} V0 + (1 - e^{-lam t}) / lam B."""
    safe = np.where(lam > 1e-12, lam, 1.0)
    # (1 - e^{-lam t}) / lam, which tends to t as lam -> 0
    grow = np.where(lam > 1e-12, -np.expm1(-lam * t) / safe, t)[:, None]
    return np.exp(-lam * t)[:, None] * V0e + grow * Be


def stage1_readout(F, Yt, eta: float, V0, times, beta: float = 1.0) -> np.ndarray:
    """V(t) while V alone follows gradient flow on J(V) with F frozen (Prop. 1, App. C): (T, K, M).

    The same flow as :func:`stage1_trajectory`, dV/dt = -A V + B with A = beta^2 F~^T F~ + eta I
    and B = beta F~^T Y~, returned as the readout itself at every time.
    """
    Ft, Yt, times, _, Q, lam, V0e = _stage1_flow(F, Yt, eta, V0, times, beta)
    Be = beta * (Q.T @ (Ft.T @ Yt))
    return np.stack([Q @ _stage1_readout_eigen(lam, V0e, Be, t) for t in times])


def stage1_trajectory(F, Yt, eta: float, V0, times, beta: float = 1.0) -> dict[str, np.ndarray]:
    """||G_F(t)|| while V alone follows gradient flow on J(V), with F frozen (Prop. 1, App. C).

    dV/dt = -A V + B with A = beta^2 F~^T F~ + eta I and B = beta F~^T Y~, solved exactly in
    the eigenbasis of A: V(t) = e^{-A t} V0 + (1 - e^{-A t}) A^-1 B. Returns a dict with
    ``times``, ``gf_norm`` (||G_F(t)||_F, G_F = beta (Y~ - beta F~ V) V^T) and ``V_final``
    (V at the last time). Costs O(K^3) once and O(K M^2) per time point.
    """
    Ft, Yt, times, s, Q, lam, V0e = _stage1_flow(F, Yt, eta, V0, times, beta)
    C = Q.T @ (Ft.T @ Yt)  # F~^T Y~ in the eigenbasis
    Be = beta * C
    # Split R = Y~ - beta F~ V into the part outside the column space of F~ (fixed in time)
    # and the part inside, D = U^T Y~ - beta S V in the singular basis F~ = U S Q^T.
    # Both are computed directly, so ||G_F|| stays accurate as it decays to zero.
    nz = s > 1e-12 * max(s.max(), 1e-300)
    root = np.sqrt(s[nz])
    c = C[nz] / root[:, None]  # U^T Y~
    outside = Yt - (Ft @ Q[:, nz] / root) @ c
    outside_gram = outside.T @ outside
    norms = np.empty(len(times))
    Ve = V0e
    for i, t in enumerate(times):
        Ve = _stage1_readout_eigen(lam, V0e, Be, t)
        D = c - beta * root[:, None] * Ve[nz]
        RtR = outside_gram + D.T @ D  # R^T R
        norms[i] = beta * np.sqrt(max(float((RtR * (Ve.T @ Ve)).sum()), 0.0))
    return {"times": times, "gf_norm": norms, "V_final": Q @ Ve}
