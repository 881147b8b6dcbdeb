"""The energy E(w) = 1/2 ||Y~^T sigma(Xw)||^2, its gradient, ascent, Hessian and E_S."""

import functools

import numpy as np
import pytest

import li2lib

from li2lib.measure.spectra import (
    covered_irreps,
    dominant_irrep,
    inverse_participation_ratio,
    irrep_spectrum,
    translation_rank,
)
from li2lib.data import centered_targets, full_dataset
from li2lib.theory.energy import (
    ascend,
    energy,
    energy_grad,
    flat_dimension,
    missing_irrep_projector,
    modulated_energy,
    peak_energy,
    sphere_hessian,
)
from li2lib.groups import alternating, cyclic, dicyclic, dihedral, product, quaternion, symmetric
from li2lib.theory.reconstruction import fourier_nodes


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
    assert (np.abs(eig) < 1e-8 * abs(eig.min())).sum() == 2  # the two phases of a complex pair
    # second derivative along a geodesic through w equals the Hessian's quadratic form
    w, d = fourier_node(M, 3), basis @ np.random.default_rng(4).standard_normal(2 * M - 1)
    d /= np.linalg.norm(d)
    curve = lambda t: energy(np.cos(t) * w + np.sin(t) * d, X, Yt)
    t = 1e-3
    second = (curve(t) - 2 * curve(0) + curve(-t)) / t**2
    assert second == pytest.approx(d @ basis @ H @ basis.T @ d, rel=1e-4, abs=1e-6)


def test_real_one_dimensional_irrep_gives_a_strict_maximum():
    """Against the paper's Corollary 1: at u = v = (-1)^m on Z_8 no direction is flat."""
    M = 8
    X, Yt = table(cyclic(M))
    s = (-1.0) ** np.arange(M)
    eig = np.linalg.eigvalsh(sphere_hessian(np.concatenate([s, s]) / np.sqrt(2 * M), X, Yt)[0])
    E = M / 2
    assert eig.max() < -3.9 * E  # every direction curves down, by 4E or more


# Groups whose irreps, together, have every kind: real of dimension 1, 2, 3, complex of
# dimension 1 and 2 (Z_3 x S_3), quaternionic (Q_8, Dic_3)
KINDS = [cyclic(8), product(2, 2), symmetric(3), quaternion(), dicyclic(3), alternating(4), product(3, symmetric(3))]


@functools.lru_cache(maxsize=None)
def climbed(i):
    """Ascent of 24 random nodes on KINDS[i]: (result, dominant irrep index per node)."""
    g = KINDS[i]
    X, Yt = table(g)
    result = ascend(X, Yt, np.random.default_rng(0).standard_normal((2 * g.order, 24)), steps=4000)
    index, share = dominant_irrep(irrep_spectrum(result.W, g))
    assert result.converged.all()
    assert (share.min(axis=0) > 0.9999).all() and (index[0] == index[1]).all()
    return result, index[0]


@pytest.mark.parametrize("i", range(len(KINDS)), ids=[g.name for g in KINDS])
def test_maxima_by_kind_match_energy_rank_and_flatness(i):
    """Ascent from random starts; at every end point the energy is peak_energy, each half's
    translates span real_rep_dim dimensions, and the sphere Hessian (autograd) has exactly
    flat_dimension zero eigenvalues, separated from the rest by a gap of more than 10^5."""
    g = KINDS[i]
    M = g.order
    X, Yt = table(g)
    result, index = climbed(i)
    ranks = translation_rank(result.W, g, rtol=1e-4)
    for j, k in enumerate(index):
        ir = g.real_irreps()[k]
        E = result.energy[-1, j]
        assert E == pytest.approx(peak_energy(ir, M), rel=1e-7)
        assert (ranks[:, j] == ir.real_rep_dim).all()
        eig = np.abs(np.linalg.eigvalsh(sphere_hessian(result.W[:, j], X, Yt)[0])) / E
        zero = eig < 1e-3
        assert zero.sum() == flat_dimension(ir), (ir, np.sort(eig)[:10])
        assert eig[~zero].min() > 3.9 and (zero.sum() == 0 or eig[zero].max() < 1e-5)


def test_every_kind_of_irrep_is_reached():
    kinds = {(KINDS[i].real_irreps()[k].kind, KINDS[i].real_irreps()[k].dim)
             for i in range(len(KINDS)) for k in climbed(i)[1]}
    assert {("real", 1), ("real", 2), ("real", 3), ("complex", 1), ("complex", 2), ("quaternionic", 2)} <= kinds


def test_quaternionic_maxima_fill_two_three_spheres():
    """Q_8's 2-d irrep: its isotypic subspace is the quaternions, where |a b| = |a| |b|, so
    every node with both halves in it and equal norms is a maximum: 3 + 3 = 6 flat directions."""
    g = quaternion()
    X, Yt = table(g)
    P = g.real_irreps()[-1].projector
    rng = np.random.default_rng(0)
    halves = [P @ rng.standard_normal((8, 50)) for _ in range(2)]
    W = np.concatenate([h / np.linalg.norm(h, axis=0) / np.sqrt(2) for h in halves])
    np.testing.assert_allclose(energy(W, X, Yt), 1.0, rtol=1e-12)
    # the real 2-d irrep of S_3 is not like that: a random node in it is below its peak
    g = symmetric(3)
    X, Yt = table(g)
    P = g.real_irreps()[-1].projector
    halves = [P @ rng.standard_normal((6, 50)) for _ in range(2)]
    W = np.concatenate([h / np.linalg.norm(h, axis=0) / np.sqrt(2) for h in halves])
    assert energy(W, X, Yt).max() < 0.999 * peak_energy(g.real_irreps()[-1], 6)


def test_peak_energy_and_flat_dimension_reject_bad_input():
    g = symmetric(3)
    with pytest.raises(ValueError, match="nontrivial"):
        peak_energy(g.irreps()[0], 6)
    with pytest.raises(ValueError, match="nontrivial"):
        flat_dimension("real")
    with pytest.raises(ValueError, match="order must be the group order"):
        peak_energy(g.irreps()[1], 1.5)


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
    # cos and sin of one frequency span its translates; a random vector spans all M
    np.testing.assert_array_equal(translation_rank(W, g), [[2, 2, M], [2, 2, M]])
    spike = np.concatenate([np.eye(M)[0], (-1.0) ** np.arange(M)])
    assert translation_rank(spike, g)[:, 0].tolist() == [M, M]  # for odd M, (-1)^m has every frequency
    assert translation_rank(np.concatenate([(-1.0) ** np.arange(8)] * 2), cyclic(8))[:, 0].tolist() == [1, 1]
    with pytest.raises(ValueError, match="rtol"):
        translation_rank(W, g, rtol=2)
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


def test_a_registered_activation_has_the_builtin_energy(own_registry):
    """E(w) and grad E of Theorem 1 take a registered activation by name: x^2 registered again
    gives the built-in x^2's values."""
    li2lib.register_activation("square_again", lambda x: x * x)
    g = cyclic(7)
    X, y = full_dataset(g)
    Yt = centered_targets(y, g.order)
    W = np.random.default_rng(0).standard_normal((14, 5))
    np.testing.assert_allclose(energy(W, X, Yt, "square_again"), energy(W, X, Yt, "square"), rtol=1e-12)
    np.testing.assert_allclose(energy_grad(W, X, Yt, "square_again"), energy_grad(W, X, Yt, "square"), rtol=1e-12)
