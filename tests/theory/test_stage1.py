"""Stage I identities: ridge fixed point (Eq. 4), the exact Stage I flow, Lemma 1's structure."""

import numpy as np
import pytest

from li2lib.theory.stage1 import (
    backprop_gradient,
    center,
    diagonality,
    gf_fixed_point,
    lemma1_prediction,
    ridge_readout,
    signal_term,
    stage1_readout,
    stage1_trajectory,
)


def random_problem(n=60, K=12, M=5, seed=0):
    rng = np.random.default_rng(seed)
    F = rng.standard_normal((n, K)) ** 2  # features of x^2 nodes, not centered
    y = rng.integers(0, M, n)
    Yt = center(np.eye(M)[y])
    return F, Yt


def test_centre_removes_sample_means():
    F, _ = random_problem()
    np.testing.assert_allclose(center(F).mean(axis=0), 0, atol=1e-12)


def test_eq4_is_the_gradient_at_the_ridge_readout():
    """Prop. 4: G_F at V_ridge equals the closed form of Eq. (4)."""
    F, Yt = random_problem()
    for eta in (1e-3, 0.5, 10.0):
        V = ridge_readout(F, Yt, eta)
        Ft = center(F)
        # V is the ridge solution: the gradient of J(V) vanishes
        np.testing.assert_allclose(Ft.T @ (Yt - Ft @ V) - eta * V, 0, atol=1e-9)
        np.testing.assert_allclose(gf_fixed_point(F, Yt, eta), backprop_gradient(F, Yt, V), rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("K", [8, 50])  # both the K x K and the n x n route
def test_eq4_against_the_literal_formula(K):
    F, Yt = random_problem(n=30, K=K)
    Ft, eta = center(F), 0.3
    n = Ft.shape[0]
    inv = np.linalg.inv
    literal = eta * inv(Ft @ Ft.T + eta * np.eye(n)) @ Yt @ Yt.T @ Ft @ inv(Ft.T @ Ft + eta * np.eye(K))
    np.testing.assert_allclose(gf_fixed_point(F, Yt, eta), literal, rtol=1e-8, atol=1e-12)


def test_stage1_flow_matches_euler_integration_and_converges_to_eq4():
    F, Yt = random_problem()
    rng = np.random.default_rng(1)
    V0 = 0.01 * rng.standard_normal((F.shape[1], Yt.shape[1]))
    eta, dt = 0.5, 1e-4
    Ft = center(F)
    V, t_end = V0.copy(), 0.05
    for _ in range(int(round(t_end / dt))):
        V += dt * (Ft.T @ (Yt - Ft @ V) - eta * V)
    out = stage1_trajectory(F, Yt, eta, V0, [0.0, t_end, 1e4])
    assert out["gf_norm"][0] == pytest.approx(np.linalg.norm(backprop_gradient(F, Yt, V0)), rel=1e-10)
    assert out["gf_norm"][1] == pytest.approx(np.linalg.norm(backprop_gradient(F, Yt, V)), rel=1e-3)
    assert out["gf_norm"][2] == pytest.approx(np.linalg.norm(gf_fixed_point(F, Yt, eta)), rel=1e-9)
    np.testing.assert_allclose(out["V_final"], ridge_readout(F, Yt, eta), rtol=1e-7, atol=1e-10)


def test_stage1_starts_linearly_along_the_signal_term():
    """Prop. 1/2: from V0 = 0, G_F(t) = t Y~ Y~^T F~ + O(t^2)."""
    F, Yt = random_problem()
    V0 = np.zeros((F.shape[1], Yt.shape[1]))
    t = np.array([1e-6, 2e-6])
    g = stage1_trajectory(F, Yt, 0.1, V0, t)["gf_norm"]
    np.testing.assert_allclose(g / t, np.linalg.norm(signal_term(F, Yt)), rtol=1e-3)


def test_without_weight_decay_gf_vanishes_when_features_can_interpolate():
    """Prop. 3: eta = 0 and Y~ in the column space of F~ (here K > n): G_F -> 0."""
    F, Yt = random_problem(n=20, K=40)
    V0 = 0.01 * np.random.default_rng(2).standard_normal((40, Yt.shape[1]))
    g = stage1_trajectory(F, Yt, 0.0, V0, [0.0, 1e3, 1e5])["gf_norm"]
    assert g[2] < 1e-8 * g[0] + 1e-10


def test_output_scale_beta():
    F, Yt = random_problem()
    V0 = np.zeros((F.shape[1], Yt.shape[1]))
    beta, eta = 3.0, 0.2
    end = stage1_trajectory(F, Yt, eta, V0, [1e5], beta=beta)
    # beta F~ V is a ridge fit of Y~ with penalty eta on V: V = beta^-1 V_ridge(eta / beta^2)
    V = ridge_readout(F, Yt, eta / beta**2) / beta
    np.testing.assert_allclose(end["V_final"], V, rtol=1e-7, atol=1e-10)
    assert end["gf_norm"][0] == pytest.approx(np.linalg.norm(backprop_gradient(F, Yt, V, beta)), rel=1e-8)


def exact_gram_features(n, K, lam, seed=0):
    """Centred features with F~ F~^T = lam P_1^perp (K >= n - 1) or F~^T F~ = lam I (K <= n - 1)."""
    rng = np.random.default_rng(seed)
    r = min(n - 1, K)
    U = np.linalg.qr(center(rng.standard_normal((n, r))))[0]  # centered orthonormal columns
    Q = np.linalg.qr(rng.standard_normal((K, r)))[0]
    return np.sqrt(lam) * U @ Q.T


@pytest.mark.parametrize("K", [29, 60])  # K = n - 1 and K = 2n
def test_lemma1_prediction_is_exact_when_its_hypothesis_holds(K):
    """Eq. (5'): F~ F~^T = lam P_1^perp gives G_F(inf) = eta / (lam + eta)^2 Y~ Y~^T F~ exactly;
    the paper's Eq. (5) prefactor is off by (lam + eta) / (n c2 + eta), n c2 = lam (n - 1) / K."""
    n, lam, eta = 30, 2.5, 0.4
    F = exact_gram_features(n, K, lam)
    _, Yt = random_problem(n=n)
    np.testing.assert_allclose(center(F) @ center(F).T, lam * (np.eye(n) - 1 / n), atol=1e-12)
    exact = gf_fixed_point(F, Yt, eta)
    np.testing.assert_allclose(lemma1_prediction(F, Yt, eta), exact, rtol=1e-9, atol=1e-14)
    nc2 = lam * (n - 1) / K
    paper = eta / ((lam + eta) * (nc2 + eta)) * signal_term(F, Yt)
    np.testing.assert_allclose(paper, exact * (lam + eta) / (nc2 + eta), rtol=1e-9, atol=1e-14)
    if K > n - 1:
        assert np.linalg.norm(paper) > 1.3 * np.linalg.norm(exact)


def test_narrow_features_leave_a_part_of_the_signal_outside_the_lemma():
    """K < n - 1 with F~^T F~ = mu I: G_F(inf) = eta/(mu+eta)^2 Pi S + (I - Pi) S/(mu+eta), Pi the
    projection on the columns of F~; not a multiple of S = Y~ Y~^T F~, so Eq. (5') cannot hold."""
    n, K, mu, eta = 40, 10, 1.7, 0.05
    F = exact_gram_features(n, K, mu, seed=3)
    _, Yt = random_problem(n=n, seed=3)
    Ft = center(F)
    np.testing.assert_allclose(Ft.T @ Ft, mu * np.eye(K), atol=1e-12)
    S = signal_term(F, Yt)
    Pi = Ft @ Ft.T / mu
    expected = eta / (mu + eta) ** 2 * Pi @ S + (S - Pi @ S) / (mu + eta)
    np.testing.assert_allclose(gf_fixed_point(F, Yt, eta), expected, rtol=1e-9, atol=1e-14)
    cosine = (expected * S).sum() / np.linalg.norm(expected) / np.linalg.norm(S)
    assert cosine < 0.99


def test_stage1_readout_null_space_part_decays_at_rate_eta():
    """Prop. 1 without full column rank (K > n): the part of V(0) in the null space of F~ is
    e^{-eta t} times its initial value, and G_F approaches Eq. (4) at rate eta."""
    F, Yt = random_problem(n=12, K=30)
    Ft, eta = center(F), 0.05
    V0 = np.random.default_rng(4).standard_normal((30, Yt.shape[1]))
    null = np.eye(30) - np.linalg.pinv(Ft) @ Ft  # projection on the null space of F~
    times = np.array([0.0, 10.0, 60.0, 200.0, 400.0])
    V = stage1_readout(F, Yt, eta, V0, times)
    for t, Vt in zip(times, V):
        np.testing.assert_allclose(null @ Vt, np.exp(-eta * t) * null @ V0, rtol=1e-8, atol=1e-12)
    limit = gf_fixed_point(F, Yt, eta)
    d = [np.linalg.norm(backprop_gradient(F, Yt, Vt) - limit) for Vt in V[2:]]
    rates = -np.diff(np.log(d)) / np.diff(times[2:])
    np.testing.assert_allclose(rates, eta, rtol=1e-3)


def test_stage1_readout_full_column_rank_rate():
    """Prop. 1 with full column rank (K < n): G_F -> Eq. (4) at rate >= sigma_min(F~)^2 + eta."""
    F, Yt = random_problem(n=60, K=12)
    eta = 0.05
    sigma_min = np.linalg.svd(center(F), compute_uv=False).min()
    V0 = np.random.default_rng(5).standard_normal((12, Yt.shape[1]))
    times = np.linspace(0, 5 / (sigma_min**2 + eta), 6)
    limit = gf_fixed_point(F, Yt, eta)
    d = np.array([np.linalg.norm(backprop_gradient(F, Yt, V) - limit) for V in stage1_readout(F, Yt, eta, V0, times)])
    bound = d[0] * np.exp(-(sigma_min**2 + eta) * times) * 10  # rate, up to a constant
    assert (d[1:] <= bound[1:]).all()
    slow = -np.log(d[-1] / d[-2]) / (times[-1] - times[-2])
    assert slow >= 0.99 * (sigma_min**2 + eta)


def test_stage1_readout_agrees_with_trajectory():
    F, Yt = random_problem()
    V0 = 0.1 * np.random.default_rng(6).standard_normal((F.shape[1], Yt.shape[1]))
    times = [0.0, 0.3, 5.0]
    V = stage1_readout(F, Yt, 0.2, V0, times, beta=1.5)
    norms = stage1_trajectory(F, Yt, 0.2, V0, times, beta=1.5)["gf_norm"]
    np.testing.assert_allclose([np.linalg.norm(backprop_gradient(F, Yt, v, 1.5)) for v in V], norms, rtol=1e-9)
    np.testing.assert_allclose(V[0], V0, atol=1e-12)


def test_diagonality():
    assert diagonality(np.eye(4)) == 0
    assert diagonality(np.ones((3, 3))) == 1
    with pytest.raises(ValueError, match="square"):
        diagonality(np.ones((2, 3)))


def test_bad_inputs_raise():
    F, Yt = random_problem()
    with pytest.raises(ValueError, match="eta must be a finite number > 0"):
        gf_fixed_point(F, Yt, 0.0)
    with pytest.raises(ValueError, match="eta must be a finite number >= 0"):
        ridge_readout(F, Yt, -1.0)
    with pytest.raises(ValueError, match="same number of rows"):
        ridge_readout(F, Yt[:-1], 0.1)
    with pytest.raises(ValueError, match="V0 must have shape"):
        stage1_trajectory(F, Yt, 0.1, np.zeros((3, 3)), [0.0])
    with pytest.raises(ValueError, match="beta must be a finite number > 0"):
        stage1_readout(F, Yt, 0.1, np.zeros((F.shape[1], Yt.shape[1])), [0.0], beta=0.0)
    with pytest.raises(ValueError, match="eta must be a finite number > 0"):
        lemma1_prediction(F, Yt, 0.0)
    with pytest.raises(ValueError, match="times"):
        stage1_trajectory(F, Yt, 0.1, np.zeros((F.shape[1], Yt.shape[1])), [-1.0])
