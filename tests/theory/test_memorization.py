"""Theorem 5's memorisation maxima (li2lib.theory.memorization) against closed forms and energy ascent."""

import math

import numpy as np
import pytest

from li2lib import cyclic, dihedral
from li2lib.theory.energy import ascend, energy
from li2lib.theory.memorization import (
    ACTIVATIONS,
    memorization_node,
    memorization_profile,
    phi,
    profile_value,
    regime,
    single_target_data,
)


def weights(M, seed=0):
    p = np.random.default_rng(seed).uniform(0.2, 1.0, M)
    return p / p.sum()


def test_regimes_follow_the_monotonicity_of_phi():
    assert [regime(a) for a in ("square", "cube")] == ["focused", "focused"]
    assert all(regime(a) == "spreading" for a in ("relu", "silu", "tanh", "sigmoid"))
    np.testing.assert_allclose(phi("square", [0.5, 1.0]), [2.0, 2.0])
    np.testing.assert_allclose(phi("relu", [0.5, 2.0]), [2.0, 0.5])


def test_profiles_satisfy_the_budget_and_the_kkt_conditions():
    p = weights(11)
    for act in ACTIVATIONS:
        s = memorization_profile(p, act)
        assert np.sum(s**2) == pytest.approx(2.0, rel=1e-9) and np.all(s >= 0), act
        if regime(act) == "focused":
            assert s[np.argmax(p)] == pytest.approx(math.sqrt(2)) and np.count_nonzero(s) == 1
        else:  # Eq. 33: p_g phi(s_g) is one constant 2 lambda on the support, here every g
            kkt = p * phi(act, s)
            np.testing.assert_allclose(kkt, kkt.mean(), rtol=1e-6)
            assert np.all(np.diff(s[np.argsort(p)]) > 0), "strictly ordered by p"


def test_relu_spreads_proportionally_to_p():
    # Cauchy-Schwarz: max sum p_g s_g over sum s^2 = 2 is s = sqrt(2) p / ||p||
    p = weights(9, seed=4)
    np.testing.assert_allclose(memorization_profile(p, "relu"), math.sqrt(2) * p / np.linalg.norm(p), rtol=1e-8)


def test_profile_beats_every_random_feasible_point():
    rng = np.random.default_rng(2)
    p = weights(8, seed=5)
    candidates = np.abs(rng.standard_normal((20000, 8)))
    candidates *= math.sqrt(2) / np.linalg.norm(candidates, axis=1, keepdims=True)
    for act in ACTIVATIONS:
        best = profile_value(memorization_profile(p, act), p, act)
        others = (p * ACTIVATIONS[act][0](candidates)).sum(axis=1)
        assert best >= others.max() - 1e-12, act


@pytest.mark.parametrize("group", [cyclic(7), dihedral(4)], ids=lambda g: g.name)
def test_energy_ascent_on_single_target_data_finds_the_kkt_node(group):
    M, h = group.order, 3
    p = weights(M, seed=1)
    p[np.argmax(p)] += 0.1  # a clear favourite: x^2's ascent converges at a rate set by the gap between the top p's
    X, Y = single_target_data(group, h, p)
    rng = np.random.default_rng(0)
    for act in ("square", "relu", "silu"):
        s = memorization_profile(p, act)
        w = memorization_node(group, h, s)
        assert np.linalg.norm(w) == pytest.approx(1.0)
        np.testing.assert_allclose(X @ w, s, atol=1e-12)
        assert energy(w, X, Y, act) == pytest.approx(profile_value(s, p, act) ** 2 / 2)
        # positive starts (all s_g > 0) climb to the KKT node; x^2 is even, so compare |s|
        climb = ascend(X, Y, np.abs(rng.standard_normal((2 * M, 4))), activation=act, steps=1200, tol=1e-10)
        np.testing.assert_allclose(np.abs(X @ climb.W), np.repeat(s[:, None], 4, axis=1), atol=2e-3)


def test_bad_input_is_rejected():
    g = cyclic(5)
    with pytest.raises(ValueError, match="activation must be one of"):
        memorization_profile([1, 2], "gelu")
    with pytest.raises(ValueError, match="p must be finite, >= 0"):
        memorization_profile([-1.0, 2.0])
    with pytest.raises(ValueError, match="p must be a 1-D array"):
        memorization_profile(np.ones((2, 2)))
    with pytest.raises(ValueError, match="x must be > 0"):
        phi("relu", [0.0])
    with pytest.raises(ValueError, match="h must be an element index"):
        single_target_data(g, 5, np.ones(5))
    with pytest.raises(ValueError, match="p must have one weight per group element"):
        single_target_data(g, 0, np.ones(4))
    with pytest.raises(ValueError, match="s must have one entry per group element"):
        memorization_node(g, 0, np.ones(3))
    with pytest.raises(ValueError, match="group must be a li2lib Group"):
        memorization_node(5, 0, np.ones(5))
