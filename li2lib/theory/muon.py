"""Stage III, part 3: why Muon diversifies features (Sec. 5.3, App. B.3: Lemmas 2, 7-9, Theorem 8).

Muon replaces a gradient G = U D V^T by its polar factor U V^T (:func:`polar_factor`).

- Lemma 2: on the joint energy E_joint(W) = sum_j E(w_j), the step along U V^T rises to first
  order by <U V^T, G> = tr(D) = ||G||_* (the nuclear norm), which is >= 0 and is 0 only at
  G = 0; so Muon ascends E_joint and stops exactly where gradient ascent stops.
  :func:`muon_ascent` climbs E_joint this way, node norms held at 1.
- Theorem 8 works on a model of one node: w = sum_l alpha_l zeta_l with orthonormal zeta_l,
  dw/dt = A(w) w, A(w) = sum_l mu_l alpha_l zeta_l zeta_l^T (so d alpha_l/dt = mu_l alpha_l^2
  inside the ball), ||w|| <= 1, and initial alpha_l(0) i.i.d. Frechet: CDF exp(-x^-a), a > 1
  (:func:`frechet`). Lemma 8: the mode with the largest mu_l alpha_l(0) wins
  (:func:`winner_takes_all` integrates the ODE); Lemma 7: with Frechet inits that happens with
  probability p_l = mu_l^a / sum_k mu_k^a (:func:`argmax_law`).
- Independent nodes are then coupons: the expected number T_0 of nodes until every mode has a
  node is the coupon-collector time of p (:func:`coupon_collector_time`), at least
  max(1 / min_l p_l, L H_L) (:func:`paper_node_counts`).
- Muon trains the nodes jointly: a new node's update is the last column of the polar factor
  of [Q, v], Q the (orthonormal) directions already found, v its gradient. Lemma 9: that
  column is about v_perp / ||v_perp|| + v_par / (1 + ||v_perp||), so modes already found grow
  at least 2 times slower, as if their mu were halved. Theorem 8: with nodes optimised one
  after the other, T_a <= 2^-a T_0 + (1 - 2^-a) L nodes suffice, about L for large a.
  :func:`sequential_node_counts` simulates both the halving model and the actual
  orthogonalised ODE.

All computations are numpy float64. Random draws take a ``numpy.random.Generator``.
"""

from __future__ import annotations

import numpy as np

from .energy import _check, _columns, energy, energy_grad

__all__ = [
    "polar_factor",
    "muon_ascent",
    "frechet",
    "argmax_law",
    "muon_direction",
    "winner_takes_all",
    "coupon_collector_time",
    "paper_node_counts",
    "sequential_node_counts",
]


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {rng!r}")


def _check_mu(mu) -> np.ndarray:
    mu = np.asarray(mu, dtype=np.float64)
    if mu.ndim != 1 or len(mu) < 1 or not np.isfinite(mu).all() or (mu <= 0).any():
        raise ValueError(f"mu must be a 1-D array of positive numbers (one per mode), got {mu!r}")
    return mu


def _check_a(a) -> float:
    if isinstance(a, bool) or not isinstance(a, (int, float, np.number)) or not np.isfinite(a) or a <= 0:
        raise ValueError(f"a must be a finite number > 0 (Theorem 8 takes a > 1), got {a!r}")
    return float(a)


def _positive_int(name, value, low=1):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def polar_factor(G) -> np.ndarray:
    """U V^T for G = U D V^T (thin SVD): what Muon's Newton-Schulz iteration approximates.
    Works on (m, n) or a stack (..., m, n)."""
    G = np.asarray(G, dtype=np.float64)
    if G.ndim < 2 or not np.isfinite(G).all():
        raise ValueError(f"G must be a finite array with at least 2 dimensions, got shape {G.shape}")
    U, _, Vt = np.linalg.svd(G, full_matrices=False)
    return U @ Vt


def muon_ascent(X, Yt, W0, *, lr: float, steps: int, activation: str = "square",
                record_every: int = 10) -> dict[str, np.ndarray]:
    """Climb the joint energy E_joint(W) = sum_j E(w_j) (Eq. 7 per node) with Muon's step.

    Each step is W <- normalise_columns(W + lr * U V^T), with U V^T the polar factor of the
    gradient G = [grad E(w_1), ..., grad E(w_K)] = U D V^T (Lemma 2); the column norms are held
    at 1, as weight decay does in the paper's model (compare :func:`li2lib.theory.energy.ascend`, which
    climbs every node independently). ``W0`` is one layer (2M, K) or S independent layers
    stacked (S, 2M, K), climbed side by side.
    Returns ``W`` (final, unit columns, the shape of W0) and ``energy`` (T, K) or (T, S, K) per
    node at ``steps`` (T,).
    """
    W = np.array(W0, dtype=np.float64)
    stacked = W.ndim == 3
    if not stacked:
        W = W[None]
    if W.ndim != 3:
        raise ValueError(f"W0 must be (2M, K) or (S, 2M, K), got shape {np.shape(W0)}")
    S, d, K = W.shape
    _check(X, Yt, W[0], activation)
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0:
        raise ValueError(f"lr must be a number > 0, got {lr!r}")
    steps = _positive_int("steps", steps)
    record_every = _positive_int("record_every", record_every)

    def flat(A):  # (S, d, K) -> (d, S K): every node a column, as energy() takes them
        return A.transpose(1, 0, 2).reshape(d, S * K)

    def unflat(A):
        return A.reshape(d, S, K).transpose(1, 0, 2)

    W = W / np.linalg.norm(W, axis=1, keepdims=True)
    energies, at = [], []
    for step in range(steps + 1):
        if step % record_every == 0 or step == steps:
            energies.append(energy(flat(W), X, Yt, activation).reshape(S, K))
            at.append(step)
        if step == steps:
            break
        W = W + lr * polar_factor(unflat(energy_grad(flat(W), X, Yt, activation)))
        W = W / np.linalg.norm(W, axis=1, keepdims=True)
    energies = np.array(energies)
    if not stacked:
        return {"W": W[0], "energy": energies[:, 0], "steps": np.array(at)}
    return {"W": W, "energy": energies, "steps": np.array(at)}


def frechet(a: float, size, rng) -> np.ndarray:
    """Samples of the Frechet law with CDF exp(-x^-a), x > 0 (Theorem 8's initial alpha_l), by
    inversion: x = (-ln U)^(-1/a) for U uniform on (0, 1)."""
    a = _check_a(a)
    _check_rng(rng)
    u = rng.uniform(size=size)
    u = np.where(u > 0, u, np.nextafter(0.0, 1.0))
    return (-np.log(u)) ** (-1.0 / a)


def argmax_law(mu, a: float) -> np.ndarray:
    """p_l = mu_l^a / sum_k mu_k^a: the probability that mode l has the largest mu_l x_l when
    the x_l are i.i.d. Frechet(a) (Lemma 7), i.e. that an independent node learns mode l."""
    mu, a = _check_mu(mu), _check_a(a)
    w = (mu / mu.max()) ** a
    return w / w.sum()


def _found_mask(found, B: int, L: int) -> np.ndarray:
    """``found`` as a (B, L) boolean mask: None (nothing found), a list of mode indices shared
    by every node, or a (B, L) mask already."""
    if found is None:
        return np.zeros((B, L), dtype=bool)
    arr = np.asarray(found)
    if arr.dtype == bool:
        if arr.shape != (B, L):
            raise ValueError(f"found as a mask must have shape {(B, L)}, got {arr.shape}")
        return arr
    arr = arr.astype(np.int64).ravel()
    if len(arr) and (arr.min() < 0 or arr.max() >= L):
        raise ValueError(f"found must hold mode indices in [0, {L}), got {arr.tolist()}")
    mask = np.zeros((B, L), dtype=bool)
    mask[:, arr] = True
    return mask


def muon_direction(g, found, orthogonalizer: str = "exact") -> np.ndarray:
    """The update Muon gives a node with gradient g when the directions Q = {zeta_l : l found}
    are already taken: the last column of the orthogonalised [Q, g] (Lemma 9).

    ``g`` (B, L) in the zeta basis, ``found`` a (B, L) mask. ``orthogonalizer``:

    - ``"exact"``: the polar factor, in closed form. With c = Q^T g (so g_par = Q c),
      g_perp = g - g_par, r = ||g_perp|| and rho = sqrt((1 + r)^2 + ||c||^2), the last column
      is (g_par + (1 + r) g_perp / r) / rho: the 2 x 2 polar factor of [[1, ||c||], [0, r]]
      (a rotation) in the basis (c / ||c||, g_perp / r). Lemma 9's approximation
      g_perp / r + g_par / (1 + r) is its first order in ||c||. With nothing found it is
      g / ||g||.
    - ``"newton_schulz"``: five Newton-Schulz steps with the author's coefficients (as the
      ``muon`` optimizer of :mod:`li2lib.training.optimizers`), applied to the L x (L + 1)
      matrix [diag(found), g] (zero columns for modes not found leave the iteration exact).
    """
    g = np.asarray(g, dtype=np.float64)
    found = np.asarray(found, dtype=bool)
    if g.ndim != 2 or found.shape != g.shape:
        raise ValueError(f"g and found must be (B, L) arrays of the same shape, got {g.shape} and {found.shape}")
    if orthogonalizer == "exact":
        par = np.where(found, g, 0.0)
        perp = g - par
        r = np.linalg.norm(perp, axis=1, keepdims=True)
        s = np.linalg.norm(par, axis=1, keepdims=True)
        rho = np.sqrt((1 + r) ** 2 + s**2)
        safe = np.where(r > 0, r, 1.0)
        return np.where(r > 0, (par + (1 + r) * perp / safe) / rho, par / np.maximum(s, 1e-300))
    if orthogonalizer == "newton_schulz":
        import torch

        from ..training.optimizers import AUTHOR_NS_COEFFICIENTS, newton_schulz

        B, L = g.shape
        stack = np.zeros((B, L, L + 1))
        stack[:, np.arange(L), np.arange(L)] = found
        stack[:, :, -1] = g
        out = newton_schulz(torch.as_tensor(stack), AUTHOR_NS_COEFFICIENTS, eps=1e-7)
        return out[:, :, -1].numpy()
    raise ValueError(f"orthogonalizer must be 'exact' or 'newton_schulz', got {orthogonalizer!r}")


def _velocity(alpha, mu, found, muon, orthogonalizer):
    g = mu * alpha**2
    u = muon_direction(g, found, orthogonalizer) if muon else g
    on_sphere = (alpha**2).sum(axis=1, keepdims=True) >= 1 - 1e-12
    return np.where(on_sphere, u - (u * alpha).sum(axis=1, keepdims=True) * alpha, u)


def winner_takes_all(mu, alpha0, *, found=None, muon: bool = False, orthogonalizer: str = "exact",
                     step: float = 0.01, max_steps: int = 100_000, tol: float = 1e-4,
                     record: bool = False) -> dict[str, np.ndarray]:
    """Integrate Theorem 8's node dynamics for a batch of nodes until each has converged.

    Coordinates are alpha_l (the orthonormal basis zeta_l is the identity). The gradient is
    g_l = mu_l alpha_l^2 (that is, A(w) w). Inside the unit ball a node moves along its
    update u: g itself, or with ``muon`` :func:`muon_direction` given the modes already
    ``found`` (None, a list of modes, or a (B, L) mask). On the sphere ||w|| = 1 it moves along
    the tangential part of u. Midpoint (second-order) steps with dt = step * min_l alpha_l / abs(u_l),
    so every coordinate changes by at most a fraction ``step`` per step (a step that reaches the
    sphere is an Euler step, projected back onto it). ``record=True``
    returns the coordinates and elapsed time every 10 steps (for checks against the closed
    form 1 / alpha_l(t) = 1 / alpha_l(0) - mu_l t inside the ball, gradient flow).

    ``alpha0``: (B, L) positive initial coordinates with norms < 1. Returns ``winner`` (B,),
    the largest final coordinate; ``alpha`` (B, L); ``converged`` (B,): on the sphere with the
    winner holding all but ``tol`` of the squared norm; with ``record``, ``trace`` (S, B, L)
    and ``time`` (S, B).
    """
    mu = _check_mu(mu)
    alpha = np.array(alpha0, dtype=np.float64, ndmin=2)
    if alpha.ndim != 2 or alpha.shape[1] != len(mu) or not np.isfinite(alpha).all() or (alpha <= 0).any():
        raise ValueError(f"alpha0 must be a (B, {len(mu)}) array of positive numbers, got shape {alpha.shape}")
    if (alpha**2).sum(axis=1).max() >= 1:
        raise ValueError("alpha0 must start inside the unit ball (every row of norm < 1)")
    if not 0 < step < 1:
        raise ValueError(f"step must be in (0, 1), got {step!r}")
    if orthogonalizer not in ("exact", "newton_schulz"):
        raise ValueError(f"orthogonalizer must be 'exact' or 'newton_schulz', got {orthogonalizer!r}")
    max_steps = _positive_int("max_steps", max_steps)
    found = _found_mask(found, *alpha.shape)
    clock = np.zeros(len(alpha))
    trace, clocks = [], []
    for k in range(max_steps + 1):
        norm2 = (alpha**2).sum(axis=1)
        done = (norm2 >= 1 - 1e-9) & (alpha.max(axis=1) ** 2 >= (1 - tol) * norm2)
        if record and k % 10 == 0:
            trace.append(alpha.copy())
            clocks.append(clock.copy())
        if done.all() or k == max_steps:
            break
        u = _velocity(alpha, mu, found, muon, orthogonalizer)
        dt = step / np.maximum((np.abs(u) / alpha).max(axis=1), 1e-300)
        dt = np.where(done, 0.0, dt)[:, None]
        mid = np.maximum(alpha + 0.5 * dt * u, 1e-300)
        crossing = (np.linalg.norm(mid, axis=1, keepdims=True) >= 1) & (norm2[:, None] < 1 - 1e-12)
        mid = mid / np.maximum(np.linalg.norm(mid, axis=1, keepdims=True), 1.0)
        # a step that reaches the sphere is an Euler step, then projected onto it
        velocity = np.where(crossing, u, _velocity(mid, mu, found, muon, orthogonalizer))
        alpha = np.maximum(alpha + dt * velocity, 1e-300)
        alpha = alpha / np.maximum(np.linalg.norm(alpha, axis=1, keepdims=True), 1.0)
        clock += dt[:, 0]
    out = {"winner": alpha.argmax(axis=1), "alpha": alpha, "converged": done}
    if record:
        out["trace"], out["time"] = np.array(trace), np.array(clocks)
    return out


def coupon_collector_time(p, points: int = 200_001) -> float:
    """E[T], the expected number of independent draws from p (one mode per draw) until every
    mode has been drawn: E[T] = int_0^inf (1 - prod_l (1 - exp(-p_l t))) dt (Poissonisation),
    by the trapezoid rule on [0, 60 / min p] in the variable s = log(1 + t). For uniform p it
    is L H_L = L (1 + 1/2 + ... + 1/L)."""
    p = np.asarray(p, dtype=np.float64)
    if p.ndim != 1 or len(p) < 1 or (p <= 0).any() or not np.isclose(p.sum(), 1.0, atol=1e-9):
        raise ValueError(f"p must be a 1-D probability vector with positive entries, got {p!r}")
    points = _positive_int("points", points, low=101)
    s = np.linspace(0.0, np.log1p(60.0 / p.min()), points)
    t = np.expm1(s[1:])
    integrand = np.concatenate([[1.0], -np.expm1(np.log1p(-np.exp(-np.outer(t, p))).sum(axis=1))])
    f = integrand * np.exp(s)  # dt = e^s ds
    return float(np.sum((f[1:] + f[:-1]) * np.diff(s)) / 2)


def paper_node_counts(p, a: float) -> dict[str, float]:
    """Theorem 8's node counts for L = len(p) modes: the lower bound on independent nodes,
    T0_bound = max(1 / min_l p_l, L H_L) (the coupon-collector bound as it should read: the
    main text prints sum_l 1/l without the factor L, Lemma 10 prints min_l 1/p_l), and
    T_a = 2^-a T_0 + (1 - 2^-a) L with T_0 the exact coupon-collector time."""
    p = np.asarray(p, dtype=np.float64)
    a = _check_a(a)
    T0 = coupon_collector_time(p)
    L = len(p)
    harmonic = float(np.sum(1.0 / np.arange(1, L + 1)))
    return {"T0": T0, "T0_bound": max(1.0 / p.min(), L * harmonic), "Ta": 2.0**-a * T0 + (1 - 2.0**-a) * L}


def sequential_node_counts(mu, a: float, trials: int, rng, *, model: str = "halving",
                           orthogonalizer: str = "exact", init_scale: float = 0.01,
                           max_nodes: int = 100_000) -> np.ndarray:
    """Nodes trained one after the other until every one of the L = len(mu) modes has a node;
    returns the count for each of ``trials`` repetitions (simulated side by side).

    Each node starts from alpha_l(0) = Frechet(a) draws (scaled so the largest is
    ``init_scale``; the winner of plain gradient flow depends only on their ratios). ``model``:

    - ``"independent"``: no interaction; the node learns argmax_l mu_l alpha_l(0) (Lemma 8),
      so the count is a coupon-collector time.
    - ``"halving"``: the paper's model of Muon: every mode already found has its mu_l halved
      for the new node (Lemma 9's suppression, at its bound), the node learns the argmax.
    - ``"ode"``: the new node follows :func:`winner_takes_all` with ``muon=True`` and the
      modes found so far taken (``orthogonalizer`` "exact" or "newton_schulz").
    """
    mu, a = _check_mu(mu), _check_a(a)
    _check_rng(rng)
    trials = _positive_int("trials", trials)
    max_nodes = _positive_int("max_nodes", max_nodes)
    if model not in ("independent", "halving", "ode"):
        raise ValueError(f"model must be 'independent', 'halving' or 'ode', got {model!r}")
    if orthogonalizer not in ("exact", "newton_schulz"):
        raise ValueError(f"orthogonalizer must be 'exact' or 'newton_schulz', got {orthogonalizer!r}")
    if not 0 < init_scale < 1:
        raise ValueError(f"init_scale must be in (0, 1), got {init_scale!r}")
    L = len(mu)
    found = np.zeros((trials, L), dtype=bool)
    counts = np.zeros(trials, dtype=np.int64)
    while not found.all():
        going = np.flatnonzero(~found.all(axis=1))
        if counts[going].max() >= max_nodes:
            raise RuntimeError(f"more than max_nodes = {max_nodes} nodes without covering all {L} modes")
        x = frechet(a, (len(going), L), rng)
        if model == "ode":
            alpha0 = init_scale * x / x.max(axis=1, keepdims=True)
            winners = winner_takes_all(mu, alpha0, found=found[going], muon=True,
                                       orthogonalizer=orthogonalizer)["winner"]
        else:
            effective = np.where(found[going] & (model == "halving"), mu / 2.0, mu)
            winners = (effective * x).argmax(axis=1)
        found[going, winners] = True
        counts[going] += 1
    return counts
