"""The energy of Stage II (Theorem 1) and its gradient ascent.

When the backpropagated gradient is G_F ~ Y~ Y~^T F (Stage II), each hidden node w_j moves by
gradient ascent on its own energy

    E(w) = 1/2 || Y~^T sigma(X w) ||^2                                   (Eq. 7)

with the norm of w held fixed by weight decay (the paper's ||w_j|| = 1). The functions here take
the data as the paper writes it, X (n x 2M) and Y~ (n x M, centered targets), and a node or a
batch of nodes as the columns of W (2M x B), like the hidden layer.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import torch

from ..model import ACTIVATIONS
from ..model.activations import check_activation

__all__ = [
    "energy",
    "energy_grad",
    "ascend",
    "AscentResult",
    "sphere_hessian",
    "peak_energy",
    "flat_dimension",
    "missing_irrep_projector",
    "modulated_energy",
]


def _as_tensor(a, dtype=torch.float64):
    return torch.as_tensor(np.asarray(a), dtype=dtype)


def _data_matrix(X, dtype=torch.float64):
    """X as a torch matrix; sparse (CSR) when mostly zeros, as the one-hot group inputs are."""
    Xt = _as_tensor(X, dtype)
    if Xt.numel() and (Xt != 0).float().mean() < 0.1:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "sparse CSR support is in beta"
            return Xt.to_sparse_csr()
    return Xt


def _columns(W):
    W = np.asarray(W, dtype=np.float64)
    return (W[:, None], True) if W.ndim == 1 else (W, False)


def _check(X, Yt, W, activation):
    check_activation(activation)
    X, Yt = np.asarray(X), np.asarray(Yt)
    if X.ndim != 2 or Yt.ndim != 2 or X.shape[0] != Yt.shape[0]:
        raise ValueError(f"X (n x d) and Yt (n x M) must have the same number of rows, got {X.shape} and {Yt.shape}")
    if W.shape[0] != X.shape[1]:
        raise ValueError(f"w must have {X.shape[1]} entries (one per column of X), got {W.shape[0]}")


def _energy_t(W, X, Yt, sigma):
    """Torch energies of the columns of W: 1/2 ||Y~^T sigma(X w)||^2 for each column."""
    return 0.5 * (Yt.T @ sigma(X @ W)).pow(2).sum(dim=0)


def energy(W, X, Yt, activation: str = "square"):
    """E(w) = 1/2 ||Y~^T sigma(X w)||^2 (Eq. 7) for one node w (2M,) or each column of W (2M, B)."""
    cols, single = _columns(W)
    _check(X, Yt, cols, activation)
    E = _energy_t(_as_tensor(cols), _data_matrix(X), _as_tensor(Yt), ACTIVATIONS[activation]).numpy()
    return float(E[0]) if single else E


def energy_grad(W, X, Yt, activation: str = "square"):
    """grad E(w) = X^T [sigma'(X w) * Y~ Y~^T sigma(X w)] (Theorem 1), same shape as W."""
    cols, single = _columns(W)
    _check(X, Yt, cols, activation)
    Wt = _as_tensor(cols).requires_grad_(True)
    E = _energy_t(Wt, _data_matrix(X), _as_tensor(Yt), ACTIVATIONS[activation])
    (grad,) = torch.autograd.grad(E.sum(), Wt)  # columns are independent
    grad = grad.numpy()
    return grad[:, 0] if single else grad


@dataclass
class AscentResult:
    """Projected gradient ascent of E on the unit sphere.

    ``W``: final nodes (2M, B), unit columns. ``energy``: (T, B) energies along the way, at
    ``steps`` (T,). ``converged``: (B,) whether the tangential gradient fell below ``tol``.
    ``trajectory``: (T, 2M, B) nodes at ``steps`` when asked for, else None.
    """

    W: np.ndarray
    energy: np.ndarray
    steps: np.ndarray
    converged: np.ndarray
    trajectory: np.ndarray | None = None


def ascend(
    X,
    Yt,
    W0,
    *,
    activation: str = "square",
    lr: float | None = None,
    steps: int = 2000,
    tol: float = 1e-6,
    record_every: int = 10,
    keep_trajectory: bool = False,
    dtype=torch.float64,
) -> AscentResult:
    """Climb E from each column of ``W0`` by projected gradient ascent on the unit sphere.

    Each step removes the radial part of the gradient (projection onto the tangent space),
    moves by the column's step size and renormalises:
    w <- normalise(w + lr_j (I - w w^T) grad E(w)). All columns move at once, vectorised.
    Step sizes adapt per column: a step that lowers E is undone and its size halved, a step
    that raises it grows the size by 20%, so E never decreases and no tuning is needed.
    ``lr`` is the initial size (default M / ||Y~||^2, about 1/M on a full table). Stops when
    every column's tangential gradient norm is below ``tol`` times its energy.
    """
    cols, _ = _columns(W0)
    _check(X, Yt, cols, activation)
    if not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1, got {steps!r}")
    Xt, Ytt = _data_matrix(X, dtype), _as_tensor(Yt, dtype)
    lr0 = Ytt.shape[1] / float((Ytt**2).sum()) if lr is None else lr
    if not (isinstance(lr0, (int, float)) and lr0 > 0):
        raise ValueError(f"lr must be a number > 0, got {lr!r}")
    sigma = ACTIVATIONS[activation]

    def evaluate(W):
        W = W.detach().requires_grad_(True)
        E = _energy_t(W, Xt, Ytt, sigma)
        (grad,) = torch.autograd.grad(E.sum(), W)
        W = W.detach()
        return E.detach(), grad - W * (W * grad).sum(dim=0, keepdim=True)

    W = _as_tensor(cols, dtype)
    W = W / W.norm(dim=0, keepdim=True)
    E, tangent = evaluate(W)
    step_size = torch.full((W.shape[1],), float(lr0), dtype=dtype)
    energies, at, frames = [], [], []
    for step in range(steps + 1):
        converged = tangent.norm(dim=0) <= tol * E.abs().clamp_min(1e-12)
        if step % record_every == 0 or step == steps or bool(converged.all()):
            energies.append(E.numpy().copy())
            at.append(step)
            if keep_trajectory:
                frames.append(W.numpy().copy())
        if step == steps or bool(converged.all()):
            break
        trial = W + step_size * tangent
        trial = trial / trial.norm(dim=0, keepdim=True)
        E_trial, tangent_trial = evaluate(trial)
        better = (E_trial >= E - 1e-14 * E.abs()) & ~converged  # tolerate rounding
        W = torch.where(better, trial, W)
        E = torch.where(better, E_trial, E)
        tangent = torch.where(better, tangent_trial, tangent)
        step_size = torch.where(better, step_size * 1.2, step_size * 0.5)
    return AscentResult(
        W=W.numpy(),
        energy=np.array(energies),
        steps=np.array(at),
        converged=converged.numpy(),
        trajectory=np.array(frames) if keep_trajectory else None,
    )


def sphere_hessian(w, X, Yt, activation: str = "square"):
    """The Riemannian Hessian of E on the unit sphere at a unit vector w.

    Returns ``(H, basis)``: ``basis`` (d, d-1) is an orthonormal basis of the tangent space
    {v : v . w = 0} and H = basis^T (grad^2 E(w) - (w . grad E(w)) I) basis. At a local
    maximum all eigenvalues of H are <= 0; a zero eigenvalue is a flat direction (the paper's
    Corollary 1; :func:`flat_dimension` gives their number at a maximum of each irrep kind).
    """
    w = np.asarray(w, dtype=np.float64)
    if w.ndim != 1:
        raise ValueError(f"w must be a single node (1-D), got shape {w.shape}")
    _check(X, Yt, w[:, None], activation)
    if not np.isclose(np.linalg.norm(w), 1.0, atol=1e-8):
        raise ValueError(f"w must have unit norm, got {np.linalg.norm(w):.6g}")
    Xt, Ytt, sigma = _as_tensor(X), _as_tensor(Yt), ACTIVATIONS[activation]

    def scalar(v):
        return _energy_t(v[:, None], Xt, Ytt, sigma)[0]

    wt = _as_tensor(w)
    hess = torch.autograd.functional.hessian(scalar, wt).numpy()
    grad = energy_grad(w, X, Yt, activation)
    # orthonormal basis of the orthogonal complement of w
    q, _ = np.linalg.qr(np.column_stack([w, np.eye(len(w))]))
    basis = q[:, 1 : len(w)]
    H = basis.T @ (hess - float(w @ grad) * np.eye(len(w))) @ basis
    return 0.5 * (H + H.T), basis


_DIVISION_ALGEBRA_DIM = {"real": 1, "complex": 2, "quaternionic": 4}


def _check_irrep(irrep):
    if getattr(irrep, "kind", None) not in _DIVISION_ALGEBRA_DIM or getattr(irrep, "trivial", True):
        raise ValueError(f"irrep must be a nontrivial li2lib.groups.irreps.Irrep, got {irrep!r}")


def peak_energy(irrep, order: int) -> float:
    """E* = M / (2 d_R), the energy of a unit node at a maximum in the isotypic subspace of
    ``irrep`` (sigma = x^2, full table of a group of order M = ``order``).

    d_R is ``irrep.real_rep_dim``: M / (2 d) for a real irrep, M / (4 d) for a complex pair and
    for a quaternionic irrep. These are 4 times the paper's Theorem 2 values M / (8 d) and
    M / (16 d) (the factor 2 of the cross term in (u_i + v_j)^2, squared); the paper does not
    treat quaternionic irreps. Derivation: chapter "The features are irreducible
    representations" of the book.
    """
    _check_irrep(irrep)
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 2:
        raise ValueError(f"order must be the group order, an integer >= 2, got {order!r}")
    return order / (2 * irrep.real_rep_dim)


def flat_dimension(irrep) -> int:
    """f, the dimension of the set of energy maxima of ``irrep`` through any one of them; the
    sphere Hessian there has exactly f zero eigenvalues (measured in the book, chapter 5).

    Over R the group algebra block of the irrep is the matrix algebra M_n(D), with D = R, C or
    the quaternions H (delta = dim D = 1, 2, 4 for real, complex, quaternionic type) and
    n = d_R / delta. The maxima are the pairs (u^, v^) = (x y^H, y z^H) of D-rank one with a
    shared middle vector and equal norms, a manifold of dimension delta (3n - 1) - 2:
    0 for a real 1-dimensional irrep (a strict maximum), 3(d - 1) for a real irrep,
    6d - 4 for a complex pair, 6d - 6 for a quaternionic irrep. The paper's Corollary 1
    says every maximum has a zero eigenvalue, which fails for real 1-dimensional irreps.
    """
    _check_irrep(irrep)
    delta = _DIVISION_ALGEBRA_DIM[irrep.kind]
    n = irrep.real_rep_dim // delta
    return delta * (3 * n - 1) - 2


def missing_irrep_projector(group, learned) -> np.ndarray:
    """Projector of R^M (target space) onto the nontrivial real irreps NOT in ``learned``.

    ``learned`` holds indices into ``group.real_irreps()`` (for Z_M: frequencies). This is the
    Phi_S Phi_S^* of Theorem 7, made real: the part of the target the hidden layer still lacks.
    """
    real = group.real_irreps()
    learned = set(int(k) for k in learned)
    bad = [k for k in learned if not 0 <= k < len(real)]
    if bad:
        raise ValueError(f"learned must hold indices of real irreps in 0..{len(real) - 1}, got {sorted(bad)}")
    M = group.order
    return sum((ir.projector for k, ir in enumerate(real) if k not in learned and not ir.trivial), np.zeros((M, M)))


def modulated_energy(W, X, Yt, group, learned, activation: str = "square"):
    """E_S(w) = 1/2 || P_missing Y~^T sigma(X w) ||^2 (Theorem 7), with S = ``learned``.

    Once the irreps in S are learned, the residual steers G_F to the missing ones; E_S is the
    energy with Y~ replaced by Y~ P_missing, so every tool above applies to it.
    """
    return energy(W, X, np.asarray(Yt) @ missing_irrep_projector(group, learned), activation)
