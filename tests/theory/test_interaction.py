"""Theorem 6 (li2lib.theory.interaction): the sign rule and the Schur-complement value of b_jl,
checked against B computed by a direct inverse, on every pair, in every regime the statement
covers (eta = 0 with K < n, eta > 0 with K < n and with K > n)."""

import numpy as np
import pytest

from li2lib.theory.interaction import (
    most_similar_pairs,
    repulsion_matrix,
    residual_overlaps,
    schur_coefficients,
    sign_agreement,
)
from li2lib.theory.stage1 import center


def _features(n, K, seed, similar=0):
    rng = np.random.default_rng(seed)
    F = rng.standard_normal((n, K)) ** 2
    for j in range(similar):  # near-duplicates of column 0, some positively some negatively related
        F[:, K - 1 - j] = (1 if j % 2 else -1) * F[:, 0] + 0.3 * rng.standard_normal(n)
    return F


@pytest.mark.parametrize("n, K, eta", [(60, 12, 0.0), (60, 12, 0.5), (25, 40, 0.1), (25, 40, 2e-4)])
def test_schur_value_and_sign_rule_on_every_pair(n, K, eta):
    F = _features(n, K, seed=K, similar=3)
    B = repulsion_matrix(F, eta)
    Ft = center(F)
    np.testing.assert_allclose(B @ (Ft.T @ Ft + eta * np.eye(K)), np.eye(K), atol=1e-8)
    ov = residual_overlaps(F, eta)
    j, l = ov["pairs"].T
    assert len(j) == K * (K - 1) // 2
    b = schur_coefficients(ov, eta)
    np.testing.assert_allclose(b, B[j, l], rtol=1e-6, atol=1e-9 * np.abs(B).max())
    assert sign_agreement(B[j, l], ov["overlap"]) == 1.0


def test_overlap_from_an_explicit_projection_matrix():
    # a third route for one pair: build P_{eta,-jl} as an n x n matrix
    F, eta, (j, l) = _features(30, 8, seed=3), 0.2, (2, 5)
    Ft = center(F)
    rest = Ft[:, [c for c in range(8) if c not in (j, l)]]
    P = np.eye(30) - rest @ np.linalg.solve(rest.T @ rest + eta * np.eye(6), rest.T)
    ov = residual_overlaps(F, eta, np.array([[j, l]]))
    assert ov["overlap"][0] == pytest.approx(Ft[:, j] @ P @ Ft[:, l], rel=1e-10)
    assert ov["self_j"][0] == pytest.approx(Ft[:, j] @ P @ Ft[:, j], rel=1e-10)


def test_full_projector_gives_minus_eta_squared_b():
    # with P_eta (no columns removed): f_j^T P_eta f_l = -eta^2 b_jl exactly, a tautology
    F, eta = _features(40, 10, seed=4), 0.3
    Ft = center(F)
    P = eta * np.linalg.inv(Ft @ Ft.T + eta * np.eye(40))
    B = repulsion_matrix(F, eta)
    off = ~np.eye(10, dtype=bool)
    np.testing.assert_allclose((Ft.T @ P @ Ft)[off], -(eta**2) * B[off], rtol=1e-8)


def test_near_duplicates_repel():
    F = _features(80, 10, seed=5, similar=2)
    sim = most_similar_pairs(F, 2)
    assert {tuple(p) for p in sim["pairs"]} == {(0, 9), (0, 8)}
    B = repulsion_matrix(F, 0.1)
    j, l = sim["pairs"].T
    assert sign_agreement(B[j, l], sim["cosine"]) == 1.0
    assert np.all(np.sign(B[j, l]) == -np.sign(sim["cosine"]))


def test_sign_agreement_counts():
    assert sign_agreement(np.array([-1.0, 1.0, 2.0, 0.0]), np.array([1.0, -1.0, 1.0, 1.0])) == 0.5


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: repulsion_matrix(np.ones(5), 0.1), "F must be an n x K"),
        (lambda: repulsion_matrix(np.ones((5, 3)), -1.0), "eta must be"),
        (lambda: repulsion_matrix(np.random.default_rng(0).random((3, 6)), 0.0), "full column rank"),
        (lambda: residual_overlaps(np.random.default_rng(0).random((9, 4)), 0.1, np.array([[0, 0]])), "two different"),
        (lambda: residual_overlaps(np.random.default_rng(0).random((9, 4)), 0.1, np.array([[0, 7]])), "two different"),
        (lambda: schur_coefficients({"overlap": np.ones(2)}, 0.1), "lacks"),
        (lambda: most_similar_pairs(np.random.default_rng(0).random((9, 4)), 7), "count must be"),
        (lambda: sign_agreement(np.ones(3), np.ones(2)), "same nonzero length"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
