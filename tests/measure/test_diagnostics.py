"""Paper Fig. 3's diagnostics: each function against a closed form or a plain computation, Lemma 1's
diagonality on random weights, and the training metrics against the run's own snapshots."""

import math

import numpy as np
import pytest
import torch

import li2lib
from li2lib.data import pairs
from li2lib.measure.diagnostics import (cosine_distance, distance_from_ideal, feature_grams, fig3_metrics,
                                        gram_diagonality, off_diagonal_ratio)


def test_cosine_distance_is_one_minus_cos_of_the_angle():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((3, 5, 4))
    Q = rng.standard_normal((3, 5, 4))
    flat_a, flat_q = A.reshape(3, -1), Q.reshape(3, -1)
    flat_q -= (flat_q * flat_a).sum(1, keepdims=True) / (flat_a**2).sum(1, keepdims=True) * flat_a  # Q _|_ A
    angles = np.array([0.1, 1.0, 2.5])
    unit_a = flat_a / np.linalg.norm(flat_a, axis=1, keepdims=True)
    unit_q = flat_q / np.linalg.norm(flat_q, axis=1, keepdims=True)
    B = (np.cos(angles)[:, None] * unit_a + np.sin(angles)[:, None] * unit_q) * np.array([[2.0], [0.3], [7.0]])
    got = cosine_distance(A, B.reshape(A.shape)).numpy()
    np.testing.assert_allclose(got, 1 - np.cos(angles), rtol=1e-12)
    np.testing.assert_allclose(cosine_distance(A[0], -3 * A[0]).item(), 2.0, rtol=1e-14)
    # complex weights: the real inner product of the entries as pairs of reals
    Z = torch.tensor(A[0] + 1j * Q[0])
    np.testing.assert_allclose(cosine_distance(Z, 1j * Z).item(), 1.0, atol=1e-14)
    with pytest.raises(ValueError, match="a and b"):
        cosine_distance(A, A[0])


def test_off_diagonal_ratio_closed_form():
    d, o, N = 2.5, -0.4, 6
    G = d * np.eye(N) + o * (np.ones((N, N)) - np.eye(N))
    np.testing.assert_allclose(off_diagonal_ratio(G).item(), abs(o) / d, rtol=1e-14)
    # by hand: |diag| mean (1 + 3) / 2 = 2, |off| mean (1 + 2) / 2 = 1.5
    np.testing.assert_allclose(off_diagonal_ratio(np.array([[1.0, -1.0], [2.0, -3.0]])).item(), 0.75, rtol=1e-14)
    stacked = off_diagonal_ratio(np.stack([G, np.eye(N)]))
    np.testing.assert_allclose(stacked.numpy(), [abs(o) / d, 0.0], atol=1e-15)
    with pytest.raises(ValueError, match="square"):
        off_diagonal_ratio(np.ones((3, 4)))


def test_distance_from_ideal():
    N = 7
    ideal = 3.0 * np.eye(N) + 0.5 * np.ones((N, N))
    assert distance_from_ideal(ideal).item() < 1e-15
    # a perturbation with zero diagonal and zero mean off the diagonal leaves d and o unchanged
    rng = np.random.default_rng(1)
    E = rng.standard_normal((N, N))
    E = E + E.T
    np.fill_diagonal(E, 0)
    E[~np.eye(N, dtype=bool)] -= E[~np.eye(N, dtype=bool)].mean()
    G = ideal + 0.1 * E
    np.testing.assert_allclose(distance_from_ideal(G).item(), np.linalg.norm(0.1 * E) / np.linalg.norm(G), rtol=1e-12)


def test_feature_grams_equal_the_explicit_products():
    rng = np.random.default_rng(2)
    n, K = 30, 12
    F = rng.standard_normal((n, K)) ** 2
    P = np.eye(n) - np.ones((n, n)) / n                    # P_1^perp
    ftf, pfft, fft = (g.numpy() for g in feature_grams(F))
    np.testing.assert_allclose(ftf, (P @ F).T @ (P @ F), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(pfft, P @ F @ F.T, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fft, F @ F.T, rtol=1e-12, atol=1e-12)
    nodes, samples = np.array([1, 4, 5, 9]), np.array([0, 3, 7, 8, 20])
    sub = [g.numpy() for g in feature_grams(F, nodes, samples)]
    np.testing.assert_allclose(sub[0], ftf[np.ix_(nodes, nodes)], rtol=1e-12)
    np.testing.assert_allclose(sub[1], pfft[np.ix_(samples, samples)], rtol=1e-12)
    np.testing.assert_allclose(sub[2], fft[np.ix_(samples, samples)], rtol=1e-12)


def test_iid_features_off_diagonal_ratio_is_sqrt_2_over_pi_n():
    """F with i.i.d. N(0, 1) entries: (F~^T F~)_jl ~ N(0, n - 1) off the diagonal and ~ n - 1 on it,
    so the ratio of mean absolute values is sqrt(2 / (pi (n - 1)))."""
    rng = np.random.default_rng(3)
    for n in (300, 3000):
        ratio = gram_diagonality(rng.standard_normal((n, 400)))["ftf_offdiag"].item()
        np.testing.assert_allclose(ratio, math.sqrt(2 / (math.pi * (n - 1))), rtol=0.03)


def test_lemma1_random_weights_on_the_table_diagonal_like_one_over_sqrt_M():
    """Random N(0, 1) W, sigma = x^2, the full table of Z_M: F~^T F~ ~ c I (Lemma 1). Its off-diagonal
    entries are dominated by M sum_a (u_a^2 centred)_j (u_a^2 centred)_l ~ M^{3/2} against diagonal
    entries ~ M^2, so the ratio falls like M^{-1/2}: fit the exponent over M = 15 .. 121."""
    rng = np.random.default_rng(4)
    orders = np.array([15, 31, 61, 121])
    ratios = []
    for M in orders:
        a, b = np.divmod(np.arange(M * M), M)
        W = rng.standard_normal((2 * M, 200))
        ratios.append(gram_diagonality((W[a] + W[M + b]) ** 2)["ftf_offdiag"].item())
    slope = np.polyfit(np.log(orders), np.log(ratios), 1)[0]
    assert abs(slope + 0.5) < 0.06, slope
    assert max(ratios) < 0.1


def test_block_estimates_track_the_full_matrices():
    """Random blocks of 128 of 512 nodes and samples land near the full ratios (same expectation)."""
    rng = np.random.default_rng(5)
    M = 23
    a, b = np.divmod(rng.permutation(M * M)[:512], M)
    W = rng.standard_normal((2 * M, 512))
    F = torch.tensor((W[a] + W[M + b]) ** 2)
    full = gram_diagonality(F)
    gen = torch.Generator().manual_seed(0)
    block = gram_diagonality(F, torch.randperm(512, generator=gen)[:128], torch.randperm(512, generator=gen)[:128])
    for key in full:
        np.testing.assert_allclose(block[key].item(), full[key].item(), rtol=0.1)


def features_from(result, W):
    """F = (W[a] + W[M + b])^2 on the run's training pairs, recomputed from a weight snapshot."""
    a, b, _ = pairs(result.group, result.train_idx)
    return (W[a] + W[result.group.order + b]) ** 2


def test_metrics_match_the_snapshots_of_the_same_epochs():
    """Logged every 3 epochs: the update cosine equals cosine_distance of consecutive snapshots and the
    Gram numbers equal gram_diagonality of the snapshot's features, for runs of different n."""
    epochs = list(range(0, 13, 3))
    runs = li2lib.train_many(11, [dict(train_fraction=0.4, seed=0), dict(train_fraction=0.7, seed=1)], hidden=32,
                             epochs=12, eval_every=3, lr=1e-2, snapshots=tuple(epochs), progress=False, device="cpu",
                             metrics=fig3_metrics(nodes=None, samples=None))
    for r in runs:
        h, snaps = r.history, r.snapshots
        assert list(h["epoch"]) == epochs and np.isnan(h["w_update_cos"][0]) and np.isnan(h["v_update_cos"][0])
        for t in range(1, len(epochs)):
            for name in ("W", "V"):
                expected = cosine_distance(snaps[name][t - 1].astype(float), snaps[name][t].astype(float)).item()
                np.testing.assert_allclose(h[f"{name.lower()}_update_cos"][t], expected, rtol=1e-3, atol=1e-7)
        for t in range(len(epochs)):
            expected = gram_diagonality(features_from(r, snaps["W"][t].astype(float)))
            for key, value in expected.items():
                np.testing.assert_allclose(h[key][t], value.item(), rtol=1e-4)


def test_metrics_skip_epochs_and_restart_when_the_batch_changes():
    """Gram numbers only at multiples of gram_every; the update cosine is NaN right after a run leaves."""
    def stop(state, values):
        """Stop run 0 at epoch 4 (while both runs are in the batch)."""
        return torch.tensor([state.epoch >= 4, False]) if len(values["train_loss"]) == 2 else torch.tensor([False])

    runs = li2lib.train_many(7, [dict(seed=0), dict(seed=1)], hidden=16, train_fraction=0.5, epochs=10, eval_every=2,
                             progress=False, device="cpu", stop_when=stop,
                             metrics=fig3_metrics(nodes=4, samples=8, gram_every=4))
    first, second = (r.history for r in runs)
    assert list(first["epoch"]) == [0, 2, 4]
    assert np.isfinite(second["ftf_offdiag"][second["epoch"] % 4 == 0]).all()
    assert np.isnan(second["ftf_offdiag"][second["epoch"] % 4 != 0]).all()
    # run 0 left after epoch 4: at epoch 6 run 1 has no previous weights it can be matched to
    cos = dict(zip(second["epoch"], second["w_update_cos"]))
    assert np.isfinite([cos[2], cos[4], cos[8], cos[10]]).all() and np.isnan(cos[0]) and np.isnan(cos[6])


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="nodes"):
        fig3_metrics(nodes=1)
    with pytest.raises(ValueError, match="gram_every"):
        fig3_metrics(gram_every=0)
    with pytest.raises(ValueError, match="weights"):
        fig3_metrics(weights="W")
