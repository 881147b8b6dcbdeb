"""energy_alignment: the cosines it reports, recomputed by routes that share no code with it."""

import numpy as np
import pytest

import li2lib
from li2lib.measure.alignment import alignment_snapshots, energy_alignment
from li2lib.data import centered_targets, one_hot_inputs, pairs


def centred_mse(W, V, X, y, M):
    """The experiments' loss in numpy: mean over samples of ||C((X W)^2 V - e_y)||^2, C = I - 11^T/M."""
    diff = (X @ W) ** 2 @ V - np.eye(M)[y]
    diff -= diff.mean(axis=1, keepdims=True)
    return (diff**2).sum(axis=1).mean()


def cosine(a, b):
    return a @ b / (np.linalg.norm(a) * np.linalg.norm(b))


@pytest.fixture(scope="module")
def tiny_run():
    epochs = 6
    return li2lib.train(7, hidden=5, train_fraction=0.6, lr=1e-2, epochs=epochs, seed=3, progress=False,
                        device="cpu", snapshots=alignment_snapshots(epochs, 3))


def test_alignment_matches_finite_differences_and_closed_form(tiny_run):
    run, M = tiny_run, 7
    align = energy_alignment(run)
    a, b, y = pairs(run.group, run.train_idx)
    X, Yt = one_hot_inputs(a, b, M).astype(np.float64), centered_targets(y, M)
    epochs = list(run.snapshots["epoch"])
    assert list(align["epoch"]) == [e for e in epochs if e + 1 in epochs]
    for t, e in enumerate(align["epoch"]):
        W = run.snapshots["W"][epochs.index(e)].astype(np.float64)
        V = run.snapshots["V"][epochs.index(e)].astype(np.float64)
        W_next = run.snapshots["W"][epochs.index(e + 1)].astype(np.float64)
        h = X @ W
        grad_E = X.T @ (2 * h * (Yt @ (Yt.T @ h**2)))            # Theorem 1, node by node
        for j in range(W.shape[1]):
            step = 1e-6
            fd = np.empty(2 * M)
            for i in range(2 * M):
                Wp, Wm = W.copy(), W.copy()
                Wp[i, j] += step
                Wm[i, j] -= step
                fd[i] = (centred_mse(Wp, V, X, y, M) - centred_mse(Wm, V, X, y, M)) / (2 * step)
            assert align["grad_cos"][t, j] == pytest.approx(cosine(-fd, grad_E[:, j]), abs=1e-6)
            assert align["update_cos"][t, j] == pytest.approx(cosine(W_next[:, j] - W[:, j], grad_E[:, j]), abs=1e-6)
        np.testing.assert_allclose(align["norm"][t], np.linalg.norm(W, axis=0), rtol=1e-6)


def test_alignment_needs_consecutive_snapshots():
    run = li2lib.train(5, hidden=3, epochs=4, progress=False, device="cpu")
    with pytest.raises(ValueError, match="no snapshots"):
        energy_alignment(run)
    run = li2lib.train(5, hidden=3, epochs=4, progress=False, device="cpu", snapshots=[0, 2, 4])
    with pytest.raises(ValueError, match="no two consecutive"):
        energy_alignment(run)
    with pytest.raises(ValueError, match="epochs must be >= 2"):
        alignment_snapshots(1)
