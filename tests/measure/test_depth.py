"""Per-layer measures of deep nets (li2lib.measure.depth) on functions whose answer is known."""

import numpy as np
import pytest
import torch

import li2lib
from li2lib.data import full_dataset
from li2lib.measure.depth import layer_features, layer_trajectory, learning_epochs, target_share, target_spectrum


def table_functions(M):
    a, b = np.divmod(np.arange(M * M), M)
    return a, b


def test_target_share_of_known_functions():
    M = 11
    g = li2lib.cyclic(M)
    a, b = table_functions(M)
    rng = np.random.default_rng(0)
    F = np.stack([
        np.cos(2 * np.pi * 3 * (a + b) / M),          # a feature of the target: 1
        np.cos(2 * np.pi * 3 * a / M),                # of one operand: 0
        np.cos(2 * np.pi * 2 * (a - b) / M),          # of a - b: 0
        np.cos(2 * np.pi * (a + b) / M) + np.cos(2 * np.pi * a / M),  # half and half
        np.ones(M * M),                               # constant: 0
    ], axis=1)
    np.testing.assert_allclose(target_share(F, g), [1, 0, 0, 0.5, 0], atol=1e-12)
    noise = target_share(rng.standard_normal((M * M, 4000)), g)
    assert abs(noise.mean() - (M - 1) / (M * M - 1)) < 0.005


def test_target_share_is_group_agnostic():
    g = li2lib.dihedral(4)
    _, y = full_dataset(g)
    rng = np.random.default_rng(1)
    values = rng.standard_normal(g.order)
    F = np.stack([values[y], values[y] + rng.standard_normal(len(y))], axis=1)
    share = target_share(F, g)
    assert share[0] == pytest.approx(1.0) and 0 < share[1] < 1


def test_target_spectrum_finds_the_frequency():
    M = 13
    g = li2lib.cyclic(M)
    a, b = table_functions(M)
    F = np.stack([np.sin(2 * np.pi * k * (a + b) / M + 0.3) for k in (1, 4, 6)], axis=1)
    power = target_spectrum(F, g)
    assert power.shape == (M // 2 + 1, 3)
    assert list(power.argmax(axis=0)) == [1, 4, 6]
    np.testing.assert_allclose(power.max(axis=0) / power.sum(axis=0), 1, atol=1e-12)


def test_layer_features_reproduce_the_network():
    """The last hidden layer times V is the network's output on every pair (the result's
    accuracies are recomputed from it), for a 3-layer residual net and a two-layer net."""
    g = li2lib.cyclic(7)
    for settings in (dict(layers=3, residual="inner", activation="relu"), dict()):
        res = li2lib.train(g, hidden=16, epochs=30, lr=1e-2, progress=False, device="cpu", dtype="float64", **settings)
        layers = layer_features(res.params, res.config, g)
        assert len(layers) == res.config.layers - 1 and layers[0].shape == (49, 16)
        predicted = (layers[-1] @ res.V).argmax(axis=1)
        correct = predicted == g.table.ravel()
        assert correct[res.train_idx].mean() == pytest.approx(res.history["train_acc"][-1])
        assert correct[res.test_idx].mean() == pytest.approx(res.history["test_acc"][-1])


def test_layer_trajectory_and_learning_epochs():
    g = li2lib.cyclic(7)
    res = li2lib.train(g, hidden=16, epochs=20, layers=4, residual=True, activation="relu", snapshots=[0, 10, 20],
                       progress=False, device="cpu")
    traj = layer_trajectory(res)
    assert traj["share"].shape == (3, 3) and traj["spectrum"].shape == (3, 3, 3)
    np.testing.assert_allclose(traj["spectrum"].sum(axis=2), 1, atol=1e-9)
    epochs = np.array([0, 10, 20, 30])
    share = np.array([[0.1, 0.2, 0.3], [0.5, 0.2, 0.3], [0.9, 0.7, 0.3], [0.9, 1.0, 0.2]])
    assert list(learning_epochs(epochs, share)) == [10, 20, -1]
    with pytest.raises(ValueError, match="share must be"):
        learning_epochs(epochs, share[:2])
    with pytest.raises(ValueError, match="no snapshots"):
        layer_trajectory(li2lib.train(g, hidden=8, epochs=2, progress=False, device="cpu"))
    with pytest.raises(ValueError, match=r"params\['W'\] must have shape"):
        layer_features({"W": np.zeros((3, 3)), "V": np.zeros((8, 7))}, res.config.__class__(hidden=8), g)


def test_layer_gradients_match_the_logged_norms_and_alignment_bounds():
    """G_{F_l} on the training pairs has the norms the engine logs (gf1_norm, ..., gf_norm);
    the alignment of the top layer of a two-layer net with V at its ridge solution and weight
    decay is high (Lemma 1: G_F(+inf) ~ eta Y~ Y~^T F~), and every alignment is a cosine."""
    from li2lib.measure.depth import layer_gradients, signal_alignment

    g = li2lib.cyclic(7)
    res = li2lib.train(g, hidden=12, epochs=20, lr=1e-2, layers=4, residual="inner", activation="relu",
                       progress=False, device="cpu", dtype="float64")
    _, grads = layer_gradients(res.params, res.config, g, res.train_idx)
    logged = [res.history[k][-1] for k in ("gf1_norm", "gf2_norm", "gf_norm")]
    np.testing.assert_allclose([np.linalg.norm(G) for G in grads], logged, rtol=1e-9)
    cos = signal_alignment(res.params, res.config, g, res.train_idx)
    assert cos.shape == (3,) and np.all(np.abs(cos) <= 1 + 1e-12)
    ridge = li2lib.train(g, hidden=256, epochs=1, ridge=1.0, progress=False, device="cpu", dtype="float64",
                         train_fraction=1.0)
    assert signal_alignment(ridge.params, ridge.config, g, ridge.train_idx)[0] > 0.9


def test_held_out_share_separates_features_from_memorisation():
    """On held-out pairs a feature of the target keeps its share; a node that equals the
    target's feature on the fit pairs only (noise elsewhere) does not."""
    M = 13
    g = li2lib.cyclic(M)
    a, b = table_functions(M)
    rng = np.random.default_rng(3)
    order = rng.permutation(M * M)
    fit, score = order[: M * M * 3 // 4], order[M * M * 3 // 4 :]
    feature = np.cos(2 * np.pi * 2 * (a + b) / M)
    memorised = rng.standard_normal(M * M)
    memorised[fit] = feature[fit]
    share = target_share(np.stack([feature, memorised], axis=1), g, fit, score)
    assert share[0] == pytest.approx(1.0) and share[1] < 0.1
    assert target_share(memorised[:, None], g)[0] > 0.3  # in-sample it looks target-like
    with pytest.raises(ValueError, match="give both fit and score"):
        target_share(feature[:, None], g, fit=fit)


def test_probe_reads_features_of_the_target_and_nothing_else():
    """A layer of cosines of the target (k (a + b)) probes at accuracy 1 on held-out pairs; a
    layer that depends on a alone probes at chance; bad input is refused."""
    from li2lib.measure.depth import probe_accuracy

    g = li2lib.groups.cyclic(11)
    a, b = np.divmod(np.arange(121), 11)
    k = np.arange(1, 6)
    target = np.concatenate([np.cos(2 * np.pi * np.outer(a + b, k) / 11), np.sin(2 * np.pi * np.outer(a + b, k) / 11)], 1)
    only_a = np.concatenate([np.cos(2 * np.pi * np.outer(a, k) / 11), np.sin(2 * np.pi * np.outer(a, k) / 11)], 1)
    rng = np.random.default_rng(0)
    order = rng.permutation(121)
    fit, score = order[:80], order[80:]
    assert probe_accuracy(target, g, fit, score) == 1.0
    assert probe_accuracy(only_a, g, fit, score) < 0.3
    with pytest.raises(ValueError, match="ridge"):
        probe_accuracy(target, g, fit, score, ridge=0)
    with pytest.raises(ValueError, match="F must be"):
        probe_accuracy(target[:10], g, fit, score)
