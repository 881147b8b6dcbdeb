"""Memorisation maxima of the energy on single-target data (Theorem 5, App. A.4 of the paper).

Collect only the pairs (g, g^-1 h) that multiply to one target h, pair g with weight p_g (how
often it was sampled). A node w = [u; v] (||w|| = 1) sees on pair g the pre-activation
s_g = u_g + v_{g^-1 h}, so its energy on these data is

    E(w) = 1/2 (sum_g p_g sigma(s_g))^2,

and maximising E is maximising F(s) = sum_g p_g sigma(s_g) subject to s_g >= 0 and
sum_g s_g^2 <= 2 (each u_g and each v entry occurs in exactly one s_g). With
phi(x) = sigma'(x) / x, the KKT conditions (Lemma 5, Eq. 33-34) give p_g phi(s_g) = 2 lambda on
the support and a tight budget, and Lemma 6 splits the answer in two:

- phi nondecreasing (sigma = x^2, x^3, ...): *focused* memorisation, s = sqrt(2) e_{g*} with
  g* = argmax p_g, i.e. w = (e_{g*}, e_{g*^-1 h}) / sqrt(2);
- phi strictly decreasing (ReLU, SiLU, tanh, sigmoid): *spreading* memorisation,
  s_g = phi^-1(2 lambda / p_g), lambda fixed by sum_g s_g^2 = 2; ReLU gives s proportional to p.

Everything here is computed from these formulas; ascent of :func:`li2lib.theory.energy.energy` on
:func:`single_target_data` is the independent check.
"""

from __future__ import annotations

import math

import numpy as np

from ..groups import Group

__all__ = ["ACTIVATIONS", "phi", "regime", "memorization_profile", "memorization_node", "single_target_data",
           "profile_value"]


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


ACTIVATIONS = {
    "square": (lambda x: x**2, lambda x: 2 * x),
    "cube": (lambda x: x**3, lambda x: 3 * x**2),
    "relu": (lambda x: np.maximum(x, 0.0), lambda x: (x > 0).astype(float)),
    "silu": (lambda x: x * _sigmoid(x), lambda x: _sigmoid(x) * (1 + x * (1 - _sigmoid(x)))),
    "tanh": (np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    "sigmoid": (_sigmoid, lambda x: _sigmoid(x) * (1 - _sigmoid(x))),
}
"""name -> (sigma, sigma') as numpy functions: the activations Theorem 5 discusses."""

BUDGET = 2.0
"""sum_g s_g^2 <= 2: the norm budget ||w|| = 1 seen through the pair sums s_g."""

_GRID = np.linspace(1e-6, math.sqrt(BUDGET), 4001)


def _check_activation(activation: str) -> None:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")


def phi(activation: str, x):
    """phi(x) = sigma'(x) / x for x > 0 (Lemma 5)."""
    _check_activation(activation)
    x = np.asarray(x, dtype=float)
    if np.any(x <= 0):
        raise ValueError("x must be > 0: phi = sigma'(x) / x is defined for positive x")
    return ACTIVATIONS[activation][1](x) / x


def regime(activation: str) -> str:
    """"focused" if phi is nondecreasing on (0, sqrt 2], "spreading" if strictly decreasing
    there (Lemma 6), read off phi on a fine grid. Raises ValueError otherwise."""
    d = np.diff(phi(activation, _GRID))
    if np.all(d >= -1e-12 * np.abs(phi(activation, _GRID[1:]))):
        return "focused"
    if np.all(d < 0):
        return "spreading"
    raise ValueError(f"activation {activation!r}: phi is neither nondecreasing nor strictly decreasing on (0, sqrt 2]")


def _check_weights(p) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    if p.ndim != 1 or p.size < 1:
        raise ValueError(f"p must be a 1-D array of pair weights, got shape {p.shape}")
    if not np.all(np.isfinite(p)) or np.any(p < 0) or p.sum() <= 0:
        raise ValueError(f"p must be finite, >= 0 and not all 0, got {p.tolist()[:6]}")
    return p


def _phi_inverse(activation: str, y: np.ndarray) -> np.ndarray:
    """x in [0, sqrt 2] with phi(x) = y, phi strictly decreasing: 0 where y >= phi(0+), sqrt 2
    where y <= phi(sqrt 2) (a value the budget never allows to be exceeded), else bisection."""
    lo = np.full_like(y, _GRID[0])
    hi = np.full_like(y, _GRID[-1])
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        above = phi(activation, mid) > y  # phi decreasing: the root lies to the right
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    x = 0.5 * (lo + hi)
    x = np.where(y >= phi(activation, _GRID[0]), 0.0, x)
    return x


def memorization_profile(p, activation: str = "square") -> np.ndarray:
    """The maximiser s* of F(s) = sum_g p_g sigma(s_g), s >= 0, sum s^2 <= 2 (Theorem 5).

    ``p``: the weights p_g of the pairs (g, g^-1 h), g = 0..M-1. Focused activations give
    sqrt(2) at argmax p (the first one if several tie, where the maximiser is not unique);
    spreading ones give s_g = phi^-1(2 lambda / p_g) (Eq. 34) with lambda found by bisection so
    that sum s_g^2 = 2 (0 for pairs with p_g = 0).
    """
    _check_activation(activation)
    p = _check_weights(p)
    if regime(activation) == "focused":
        s = np.zeros_like(p)
        s[np.argmax(p)] = math.sqrt(BUDGET)
        return s
    positive = p > 0

    def profile(lam):
        s = np.zeros_like(p)
        s[positive] = _phi_inverse(activation, 2 * lam / p[positive])
        return s

    # sum s(lambda)^2 decreases in lambda: bracket the root on a log scale, then bisect
    lo, hi = 1e-12, 1.0
    while np.sum(profile(hi) ** 2) > BUDGET:
        hi *= 10
    for _ in range(200):
        mid = math.sqrt(lo * hi)
        lo, hi = (mid, hi) if np.sum(profile(mid) ** 2) > BUDGET else (lo, mid)
    return profile(hi)


def profile_value(s, p, activation: str = "square") -> float:
    """F(s) = sum_g p_g sigma(s_g), the reduced objective."""
    _check_activation(activation)
    return float(np.sum(_check_weights(p) * ACTIVATIONS[activation][0](np.asarray(s, dtype=float))))


def _check_target(group: Group, h) -> int:
    if not isinstance(group, Group):
        raise ValueError(f"group must be a li2lib Group, got {type(group).__name__}")
    if isinstance(h, bool) or not isinstance(h, (int, np.integer)) or not 0 <= h < group.order:
        raise ValueError(f"h must be an element index in 0..{group.order - 1}, got {h!r}")
    return int(h)


def _partners(group: Group, h: int) -> np.ndarray:
    """b_g = g^-1 h for every g, so that g * b_g = h."""
    return group.table[group.inverse, h]


def memorization_node(group: Group, h: int, s) -> np.ndarray:
    """The node w = 1/2 sum_g s_g [e_g; e_{g^-1 h}] (2M,) that realises the pair sums s: its
    pre-activation on pair (g, g^-1 h) is s_g, and ||w||^2 = sum s_g^2 / 2."""
    h = _check_target(group, h)
    s = np.asarray(s, dtype=float)
    M = group.order
    if s.shape != (M,):
        raise ValueError(f"s must have one entry per group element ({M}), got shape {s.shape}")
    w = np.zeros(2 * M)
    w[:M] = s / 2
    w[M + _partners(group, h)] = s / 2
    return w


def single_target_data(group: Group, h: int, p) -> tuple[np.ndarray, np.ndarray]:
    """The single-target data of Theorem 5 as the energy functions take them: X (M, 2M) with
    row g = [e_g; e_{g^-1 h}], and the target column weighted by p, Y (M, 1) = p.

    The target is *not* centered: with one target, centering over samples would leave
    Y~ = 0 and E = 0; the paper's reduction uses the target column itself. Then
    li2lib.theory.energy.energy(w, X, Y) = 1/2 (sum_g p_g sigma(s_g))^2 = F(s)^2 / 2.
    """
    h = _check_target(group, h)
    p = _check_weights(p)
    M = group.order
    if p.shape != (M,):
        raise ValueError(f"p must have one weight per group element ({M}), got shape {p.shape}")
    X = np.zeros((M, 2 * M))
    X[np.arange(M), np.arange(M)] = 1.0
    X[np.arange(M), M + _partners(group, h)] = 1.0
    return X, p[:, None].copy()
