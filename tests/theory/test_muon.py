"""Sec. 5.3 (li2lib.theory.muon): Lemma 2, the Frechet argmax law (Lemma 7), the
winner-takes-all ODE (Lemma 8), the closed-form Muon direction (Lemma 9) and the node counts
of Theorem 8, each checked by a route that does not share the formula."""

import numpy as np
import pytest
import torch

from li2lib import cyclic
from li2lib.data import centered_targets, full_dataset
from li2lib.theory.energy import energy, energy_grad
from li2lib.theory.muon import (
    argmax_law,
    coupon_collector_time,
    frechet,
    muon_ascent,
    muon_direction,
    paper_node_counts,
    polar_factor,
    sequential_node_counts,
    winner_takes_all,
)
from li2lib.training.optimizers import AUTHOR_NS_COEFFICIENTS, newton_schulz


def _table(M):
    X, y = full_dataset(cyclic(M))
    return X.astype(np.float64), centered_targets(y, M)


def test_lemma2_first_order_rise_is_the_nuclear_norm():
    X, Yt = _table(11)
    W = np.random.default_rng(0).standard_normal((22, 6))
    G = energy_grad(W, X, Yt)
    D = polar_factor(G)
    h = 1e-6
    rise = (energy(W + h * D, X, Yt).sum() - energy(W - h * D, X, Yt).sum()) / (2 * h)
    assert rise == pytest.approx(np.linalg.svd(G, compute_uv=False).sum(), rel=1e-5)
    assert rise > 0


def test_polar_factor_against_newton_schulz():
    G = np.random.default_rng(1).standard_normal((3, 8, 5))
    exact = polar_factor(G)
    np.testing.assert_allclose(np.swapaxes(exact, 1, 2) @ exact, np.broadcast_to(np.eye(5), (3, 5, 5)), atol=1e-12)
    steps = [(3.4445, -4.7750, 2.0315)] * 30  # many fixed-coefficient steps converge near the polar factor
    approx = newton_schulz(torch.as_tensor(G), steps, eps=1e-12).numpy()
    s = np.linalg.svd(approx, compute_uv=False)
    assert s.min() > 0.6 and s.max() < 1.3  # the quintic iteration only brings singular values near 1
    # ... and keeps the singular vectors: its own polar factor is U V^T
    np.testing.assert_allclose(polar_factor(approx), exact, atol=1e-8)


def test_muon_ascent_raises_joint_energy_to_single_irreps():
    X, Yt = _table(11)
    W0 = np.random.default_rng(2).standard_normal((3, 22, 5))
    r = muon_ascent(X, Yt, W0, lr=0.05, steps=400)
    total = r["energy"].sum(axis=2)
    assert np.all(np.diff(total, axis=0) > -1e-9 * total[1:])
    assert r["energy"][-1].min() > 0.99 * 11 / 4  # every node at a Fourier maximum, E = M / 4
    single = muon_ascent(X, Yt, W0[1], lr=0.05, steps=400)  # one layer alone: the same climb
    np.testing.assert_allclose(single["W"], r["W"][1], atol=1e-12)


def test_frechet_cdf():
    x = frechet(2.5, 200_000, np.random.default_rng(3))
    for q in (0.5, 1.0, 2.0):
        assert np.mean(x <= q) == pytest.approx(np.exp(-(q**-2.5)), abs=0.005)


@pytest.mark.parametrize("a", [1.5, 3.0])
def test_argmax_law_monte_carlo(a):
    mu = np.array([1.0, 0.8, 0.6, 0.3])
    x = frechet(a, (200_000, 4), np.random.default_rng(4))
    freq = np.bincount((mu * x).argmax(axis=1), minlength=4) / 200_000
    p = argmax_law(mu, a)
    assert np.all(np.abs(freq - p) <= 4 * np.sqrt(p * (1 - p) / 200_000))


def test_winner_takes_all_ode():
    mu = np.array([1.0, 0.7, 0.5])
    x = frechet(2.0, (200, 3), np.random.default_rng(5))
    alpha0 = 0.01 * x / x.max(axis=1, keepdims=True)
    r = winner_takes_all(mu, alpha0)
    assert r["converged"].all()
    np.testing.assert_array_equal(r["winner"], (mu * alpha0).argmax(axis=1))
    # inside the ball, 1 / alpha_l(t) = 1 / alpha_l(0) - mu_l t
    r = winner_takes_all(mu, alpha0[:2], step=1e-3, record=True)
    inside = (r["trace"] ** 2).sum(axis=2) < 0.25
    for b in range(2):
        t = r["time"][inside[:, b], b][:, None]
        np.testing.assert_allclose(1 / r["trace"][inside[:, b], b], 1 / alpha0[b] - mu * t, rtol=2e-3)


def test_muon_direction_closed_form_against_svd():
    rng = np.random.default_rng(6)
    g = rng.random((20, 6))
    found = rng.random((20, 6)) < 0.5
    found[0] = False
    exact = muon_direction(g, found)
    for b in range(20):
        Q = np.eye(6)[:, found[b]]
        np.testing.assert_allclose(polar_factor(np.column_stack([Q, g[b]]))[:, -1], exact[b], atol=1e-12)
    ns = muon_direction(g, found, "newton_schulz")
    assert np.all(np.sum(ns * exact, axis=1) / np.linalg.norm(ns, axis=1) > 0.9)
    # Lemma 9: found components shrink by at least 1 + ||g_perp|| relative to normalised ones
    b = 3
    perp = np.where(found[b], 0, g[b])
    r = np.linalg.norm(perp)
    assert np.all(np.abs(exact[b][found[b]]) <= np.abs(g[b][found[b]]) / (1 + r) + 1e-12)


def test_coupon_collector_time():
    for L in (1, 5, 20):
        assert coupon_collector_time(np.ones(L) / L) == pytest.approx(L * np.sum(1 / np.arange(1, L + 1)), rel=1e-6)
    # two coupons with p, 1 - p: E[T] = 1 / p + 1 / (1 - p) - 1
    assert coupon_collector_time(np.array([0.2, 0.8])) == pytest.approx(1 / 0.2 + 1 / 0.8 - 1, rel=1e-6)


def test_node_counts():
    rng = np.random.default_rng(7)
    L, a = 8, 2.0
    counts = paper_node_counts(np.ones(L) / L, a)
    independent = sequential_node_counts(np.ones(L), a, 2000, rng, model="independent")
    halving = sequential_node_counts(np.ones(L), a, 2000, rng, model="halving")
    for sample, expected in ((independent, counts["T0"]), (halving, counts["Ta"])):
        assert sample.mean() == pytest.approx(expected, abs=4 * sample.std() / np.sqrt(len(sample)))
    ode = sequential_node_counts(np.ones(L), a, 20, rng, model="ode")
    assert (ode == L).all()


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: argmax_law([1.0, -1.0], 2.0), "mu must be"),
        (lambda: argmax_law([1.0], 0), "a must be"),
        (lambda: frechet(2.0, 3, rng=1), "rng must be"),
        (lambda: winner_takes_all([1.0, 1.0], np.array([[0.9, 0.9]])), "inside the unit ball"),
        (lambda: winner_takes_all([1.0, 1.0], np.array([[0.1, -0.1]])), "alpha0 must be"),
        (lambda: muon_direction(np.ones((2, 3)), np.ones((2, 3), bool), "svd"), "orthogonalizer"),
        (lambda: coupon_collector_time(np.array([0.5, 0.6])), "probability vector"),
        (lambda: sequential_node_counts([1.0], 2.0, 1, np.random.default_rng(0), model="x"), "model must be"),
        (lambda: muon_ascent(np.ones((4, 6)), np.ones((4, 3)), np.ones((6, 2)), lr=-0.1, steps=1), "lr must be"),
        (lambda: muon_ascent(np.ones((4, 6)), np.ones((4, 3)), np.ones((2, 2, 6, 2)), lr=0.1, steps=1), "W0 must be"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
