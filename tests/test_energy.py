"""The energy E(w) = 1/2 ||Y~^T sigma(Xw)||^2, its gradient, ascent, Hessian and E_S."""

import numpy as np
import pytest

from li2lib.analysis import covered_irreps, dominant_irrep, inverse_participation_ratio, irrep_spectrum
from li2lib.data import centered_targets, full_dataset
from li2lib.energy import (
    ascend,
    energy,
    energy_grad,
    missing_irrep_projector,
    modulated_energy,
    sphere_hessian,
)
from li2lib.groups import cyclic, dihedral, symmetric
from li2lib.theory import fourier_nodes


def table(g):
    X, y = full_dataset(g)
    return X, centered_targets(y, g.order)


def fourier_node(M, k, phase_u=0.3, phase_v=1.1):
    return fourier_nodes(M, k, phase_u, phase_v)[:, 0]


@pytest.mark.parametrize("M", [7, 11, 23])
def test_fourier_nodes_have_energy_M_over_4(M):
    """Theorem 2 / Corollary 2 with ||w|| = 1: E = M/4 at every frequency (the paper says M/16)."""
    X, Yt = table(cyclic(M))
    for k in range(1, M // 2 + 1):
        assert energy(fourier_node(M, k), X, Yt) == pytest.approx(M / 4, rel=1e-12)


@pytest.mark.parametrize("M", [8, 12])
def test_alternating_sign_node_has_energy_M_over_2(M):
    X, Yt = table(cyclic(M))
    s = (-1.0) ** np.arange(M)
    w = np.concatenate([s, s]) / np.sqrt(2 * M)
    assert energy(w, X, Yt) == pytest.approx(M / 2, rel=1e-12)


def test_linear_activation_has_zero_energy_on_a_full_table():
    rng = np.random.default_rng(0)
    for g in (cyclic(9), dihedral(4)):
        X, Yt = table(g)
        assert np.abs(energy(rng.standard_normal((2 * g.order, 5)), X, Yt, "linear")).max() < 1e-20


def test_gradient_matches_finite_differences():
    X, Yt = table(symmetric(3))
    rng = np.random.default_rng(1)
    w = rng.standard_normal(12)
    for activation in ("square", "quadratic", "silu"):
        g = energy_grad(w, X, Yt, activation)
        e = np.eye(12) * 1e-6
        fd = np.array([(energy(w + d, X, Yt, activation) - energy(w - d, X, Yt, activation)) / 2e-6 for d in e])
        np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
    # Theorem 1: grad E = X^T [sigma'(Xw) * Y~ Y~^T sigma(Xw)]
    h = X @ w
    np.testing.assert_allclose(energy_grad(w, X, Yt), X.T @ (2 * h * (Yt @ (Yt.T @ h**2))), rtol=1e-10)


def test_batch_and_single_agree():
    X, Yt = table(cyclic(7))
    W = np.random.default_rng(2).standard_normal((14, 4))
    np.testing.assert_allclose(energy(W, X, Yt), [energy(W[:, j], X, Yt) for j in range(4)], rtol=1e-12)
    np.testing.assert_allclose(energy_grad(W, X, Yt)[:, 2], energy_grad(W[:, 2], X, Yt), rtol=1e-12)


def test_ascent_climbs_to_single_frequencies():
    M = 11
    X, Yt = table(cyclic(M))
    result = ascend(X, Yt, np.random.default_rng(3).standard_normal((2 * M, 12)), steps=2000)
    assert result.converged.all()
    assert (np.diff(result.energy, axis=0) >= -1e-9).all(), "ascent never lowers E"
    np.testing.assert_allclose(np.linalg.norm(result.W, axis=0), 1, atol=1e-12)
    np.testing.assert_allclose(result.energy[-1], M / 4, rtol=1e-6)
    index, share = dominant_irrep(irrep_spectrum(result.W, cyclic(M)))
    assert (share > 0.999).all() and (index[0] == index[1]).all() and (index[0] > 0).all()


def test_sphere_hessian_at_a_maximum_is_negative_semidefinite_and_flat():
    M = 11
    X, Yt = table(cyclic(M))
    H, basis = sphere_hessian(fourier_node(M, 3), X, Yt)
    assert H.shape == (2 * M - 1, 2 * M - 1)
    np.testing.assert_allclose(basis.T @ basis, np.eye(2 * M - 1), atol=1e-12)
    eig = np.linalg.eigvalsh(H)
    assert eig.max() < 1e-8 * abs(eig.min())
    assert (np.abs(eig) < 1e-8 * abs(eig.min())).sum() >= 1  # Corollary 1: a flat direction
    # second derivative along a geodesic through w equals the Hessian's quadratic form
    w, d = fourier_node(M, 3), basis @ np.random.default_rng(4).standard_normal(2 * M - 1)
    d /= np.linalg.norm(d)
    curve = lambda t: energy(np.cos(t) * w + np.sin(t) * d, X, Yt)
    t = 1e-3
    second = (curve(t) - 2 * curve(0) + curve(-t)) / t**2
    assert second == pytest.approx(d @ basis @ H @ basis.T @ d, rel=1e-4, abs=1e-6)


def test_modulated_energy_removes_learned_irreps():
    M = 13
    g = cyclic(M)
    X, Yt = table(g)
    learned = [1, 2, 3]
    for k in range(1, M // 2 + 1):
        e = modulated_energy(fourier_node(M, k), X, Yt, g, learned)
        assert e == pytest.approx(0 if k in learned else M / 4, abs=1e-10)
    P = missing_irrep_projector(g, learned)
    np.testing.assert_allclose(P @ P, P, atol=1e-12)
    assert round(np.trace(P)) == M - 1 - 2 * len(learned)
    with pytest.raises(ValueError, match="indices of real irreps"):
        missing_irrep_projector(g, [99])


def test_spectrum_tools():
    M = 15
    g = cyclic(M)
    W = np.column_stack([fourier_node(M, 5), fourier_node(M, 2), np.random.default_rng(5).standard_normal(2 * M)])
    S = irrep_spectrum(W, g)
    assert S.shape == (2, 8, 3)
    np.testing.assert_allclose(S.sum(axis=1), [np.sum(W[:M] ** 2, 0), np.sum(W[M:] ** 2, 0)], rtol=1e-12)
    index, share = dominant_irrep(S)
    assert list(index[0, :2]) == [5, 2] and np.allclose(share[:, :2], 1)
    ipr = inverse_participation_ratio(S)
    np.testing.assert_allclose(ipr[:, :2], 1)
    assert (ipr[:, 2] < 0.6).all()
    assert covered_irreps(S) == {2: 1, 5: 1}
    with pytest.raises(ValueError, match="2M = 30 rows"):
        irrep_spectrum(np.ones((10, 2)), g)


def test_bad_energy_inputs_raise():
    X, Yt = table(cyclic(5))
    with pytest.raises(ValueError, match="activation must be one of"):
        energy(np.ones(10), X, Yt, "tanh")
    with pytest.raises(ValueError, match="w must have 10 entries"):
        energy(np.ones(9), X, Yt)
    with pytest.raises(ValueError, match="same number of rows"):
        energy(np.ones(10), X, Yt[:-1])
    with pytest.raises(ValueError, match="unit norm"):
        sphere_hessian(np.ones(10), X, Yt)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        ascend(X, Yt, np.ones(10), steps=0)
