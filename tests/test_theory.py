"""Stage I identities: ridge fixed point (Eq. 4), the exact Stage I flow, Lemma 1's structure."""

import numpy as np
import pytest

from li2lib.theory import (
    backprop_gradient,
    centre,
    diagonality,
    gf_fixed_point,
    lemma1_prediction,
    ridge_readout,
    signal_term,
    stage1_trajectory,
)


def random_problem(n=60, K=12, M=5, seed=0):
    rng = np.random.default_rng(seed)
    F = rng.standard_normal((n, K)) ** 2  # features of x^2 nodes, not centred
    y = rng.integers(0, M, n)
    Yt = centre(np.eye(M)[y])
    return F, Yt


def test_centre_removes_sample_means():
    F, _ = random_problem()
    np.testing.assert_allclose(centre(F).mean(axis=0), 0, atol=1e-12)


def test_eq4_is_the_gradient_at_the_ridge_readout():
    """Prop. 4: G_F at V_ridge equals the closed form of Eq. (4)."""
    F, Yt = random_problem()
    for eta in (1e-3, 0.5, 10.0):
        V = ridge_readout(F, Yt, eta)
        Ft = centre(F)
        # V is the ridge solution: the gradient of J(V) vanishes
        np.testing.assert_allclose(Ft.T @ (Yt - Ft @ V) - eta * V, 0, atol=1e-9)
        np.testing.assert_allclose(gf_fixed_point(F, Yt, eta), backprop_gradient(F, Yt, V), rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("K", [8, 50])  # both the K x K and the n x n route
def test_eq4_against_the_literal_formula(K):
    F, Yt = random_problem(n=30, K=K)
    Ft, eta = centre(F), 0.3
    n = Ft.shape[0]
    inv = np.linalg.inv
    literal = eta * inv(Ft @ Ft.T + eta * np.eye(n)) @ Yt @ Yt.T @ Ft @ inv(Ft.T @ Ft + eta * np.eye(K))
    np.testing.assert_allclose(gf_fixed_point(F, Yt, eta), literal, rtol=1e-8, atol=1e-12)


def test_stage1_flow_matches_euler_integration_and_converges_to_eq4():
    F, Yt = random_problem()
    rng = np.random.default_rng(1)
    V0 = 0.01 * rng.standard_normal((F.shape[1], Yt.shape[1]))
    eta, dt = 0.5, 1e-4
    Ft = centre(F)
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


def test_lemma1_prediction_is_the_signal_term_scaled():
    F, Yt = random_problem()
    Ft, eta = centre(F), 0.7
    n, K = Ft.shape
    total = (Ft**2).sum()
    expected = eta / ((total / (n - 1) + eta) * (total / K + eta)) * signal_term(F, Yt)
    np.testing.assert_allclose(lemma1_prediction(F, Yt, eta), expected, rtol=1e-12)


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
    with pytest.raises(ValueError, match="times"):
        stage1_trajectory(F, Yt, 0.1, np.zeros((F.shape[1], Yt.shape[1])), [-1.0])


def test_theorem3_constructions():
    from li2lib.data import centered_targets, full_dataset
    from li2lib.groups import cyclic
    from li2lib.theory import complex_pair_nodes, fourier_nodes, memorization_nodes, readout_residual

    M = 11
    X, y = full_dataset(cyclic(M))
    Yt = centered_targets(y, M)
    # complex +- pairs: 2(M-1) nodes reconstruct exactly
    W = complex_pair_nodes(M)
    assert W.shape == (2 * M, 2 * (M - 1))
    assert readout_residual((X @ W) ** 2, Yt) < 1e-10
    # ... and the pair's difference is 4 u(a + b)
    k, a, b = 3, np.arange(M * M) // M, np.arange(M * M) % M
    F = (X @ W[:, 2 * (k - 1) : 2 * k]) ** 2
    np.testing.assert_allclose(F[:, 0] - F[:, 1], 4 * np.exp(2j * np.pi * k * (a + b) / M), atol=1e-12)
    # generic real single-frequency nodes: 8 per frequency suffice, 4 do not
    rng = np.random.default_rng(0)
    def real(r):
        ks = np.repeat(np.arange(1, M // 2 + 1), r)
        return fourier_nodes(M, ks, rng.uniform(0, 2 * np.pi, len(ks)), rng.uniform(0, 2 * np.pi, len(ks)))
    assert readout_residual((X @ real(8)) ** 2, Yt) < 1e-10
    assert readout_residual((X @ real(4)) ** 2, Yt) > 0.3
    np.testing.assert_allclose(np.linalg.norm(real(2), axis=0), 1)
    # memorisation needs every pair
    assert readout_residual((X @ memorization_nodes(M, a, b)) ** 2, Yt) < 1e-10
    assert readout_residual((X @ memorization_nodes(M, a[:-5], b[:-5])) ** 2, Yt) > 1e-3
