"""Theorem 7 measured (li2lib.measure.modulation): spectra of the residual, the layer and the gradient,
checked against the energy module's missing-irrep projector and against autograd."""

import numpy as np
import pytest
import torch

import li2lib
from li2lib import cyclic, dihedral
from li2lib.measure.spectra import irrep_spectrum
from li2lib.data import centered_targets, pairs
from li2lib.theory.energy import missing_irrep_projector
from li2lib.model import TwoLayerNet
from li2lib.measure.modulation import gradient_spectrum, layer_spectrum, residual_spectrum, stage2_alignment, trace
from li2lib.theory.reconstruction import fourier_nodes
from li2lib.training import LOSSES

M = 11
S = [1, 2, 3]


def _planted(extra=0, seed=0):
    """Eight single-frequency nodes per learned frequency (enough to rebuild that part of the
    target exactly), one node with a constant feature (u = 1 / sqrt(M), v = 0: the bias the network
    lacks, so that the sample mean is fitted as Eq. 1 assumes), plus ``extra`` small random nodes;
    the readout of the learned nodes minimising the class-centred MSE on the full table (least
    squares of Y C), and a small random readout for the free nodes."""
    rng = np.random.default_rng(seed)
    k = np.repeat(S, 8)
    W = fourier_nodes(M, k, rng.uniform(0, 2 * np.pi, len(k)), rng.uniform(0, 2 * np.pi, len(k)))
    constant = np.concatenate([np.ones(M), np.zeros(M)])[:, None] / np.sqrt(M)
    W = np.concatenate([W, constant, 0.05 * rng.standard_normal((2 * M, extra))], axis=1)
    idx = np.arange(M * M)
    a, b, y = pairs(cyclic(M), idx)
    X = np.zeros((M * M, 2 * M))
    X[idx, a] = X[idx, M + b] = 1
    Y = np.eye(M)[y]
    learned = (X @ W[:, : len(k) + 1]) ** 2
    V = np.linalg.lstsq(learned, Y - Y.mean(axis=1, keepdims=True), rcond=None)[0]
    V = np.concatenate([V, 1e-3 * rng.standard_normal((extra, M))])  # free nodes: a small readout
    return W, V, idx, X, centered_targets(y, M)


def test_residual_is_the_missing_part_of_the_target():
    W, V, idx, _, Yt = _planted()
    spectrum = residual_spectrum(W, V, cyclic(M), idx)
    expected = Yt @ missing_irrep_projector(cyclic(M), S)  # Theorem 7: R = Y~ P_missing
    shares = np.array([np.sum((expected @ ir.projector) ** 2) for ir in cyclic(M).real_irreps()])
    np.testing.assert_allclose(spectrum, shares / shares.sum(), atol=1e-9)
    assert spectrum[S].max() < 1e-12 and spectrum[0] < 1e-12
    np.testing.assert_allclose(spectrum[[4, 5]], 1 / 2, atol=1e-9)


def test_layer_spectrum_sums_irrep_powers():
    W, *_ = _planted()
    spectrum = layer_spectrum(W, cyclic(M))
    np.testing.assert_allclose(spectrum[S], 8 / 25, atol=1e-12)  # 25 unit nodes, 8 per frequency
    assert spectrum[0] == pytest.approx(1 / 25)
    np.testing.assert_allclose(spectrum, irrep_spectrum(W, cyclic(M)).sum(axis=(0, 2)) / np.sum(W**2))


def test_gradient_spectrum_against_autograd():
    W, V, idx, *_ = _planted(extra=6)
    V = V + 0.01 * np.random.default_rng(1).standard_normal(V.shape)
    net = TwoLayerNet(M, W.shape[1]).double()
    with torch.no_grad():
        net.W.copy_(torch.as_tensor(W))
        net.V.copy_(torch.as_tensor(V))
    a, b, y = (torch.as_tensor(v) for v in pairs(cyclic(M), idx))
    (grad,) = torch.autograd.grad(LOSSES["mse"](net(a, b), y), net.W)
    power = irrep_spectrum(-grad.numpy(), cyclic(M)).sum(axis=(0, 2))
    np.testing.assert_allclose(gradient_spectrum(W, V, cyclic(M), idx), power / power.sum(), rtol=1e-8)


def test_free_nodes_are_pushed_to_missing_irreps():
    W, V, idx, *_ = _planted(extra=6)
    spectrum = gradient_spectrum(W, V, cyclic(M), idx, nodes=np.arange(W.shape[1] - 6, W.shape[1]))
    assert spectrum[[4, 5]].sum() > 1 - 1e-6  # on the full table the free nodes are pushed to 4 and 5 only


def test_modulated_form_fits_better_once_features_are_learned():
    W, V, idx, *_ = _planted(extra=6)
    V = V + 0.1 * np.random.default_rng(2).standard_normal(V.shape)
    plain = stage2_alignment(W, V, cyclic(M), idx)
    modulated = stage2_alignment(W, V, cyclic(M), idx, learned=S)
    assert modulated > plain


def test_trace_on_a_short_run():
    run = li2lib.train(dihedral(4), hidden=16, train_fraction=0.6, lr=5e-3, epochs=20, progress=False,
                       snapshots=[0, 10, 20])
    t = trace(run, learned_share=0.2)
    R = len(dihedral(4).real_irreps())
    assert t["layer"].shape == (3, R) and t["nodes"].shape == (3, R) and t["modulated"].shape == (3,)
    np.testing.assert_allclose(t["residual"].sum(axis=1), 1)
    with pytest.raises(ValueError, match="no snapshots"):
        trace(li2lib.train(dihedral(4), hidden=4, epochs=2, progress=False))


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: residual_spectrum(np.ones((5, 3)), np.ones((3, M)), cyclic(M), [0, 1]), "W must be"),
        (lambda: residual_spectrum(np.ones((22, 3)), np.ones((2, M)), cyclic(M), [0, 1]), "V must be"),
        (lambda: residual_spectrum(np.ones((22, 3)), np.ones((3, M)), cyclic(M), [0, 500]), "idx must be"),
        (lambda: residual_spectrum(np.ones((22, 3)), np.ones((3, M)), 11, [0, 1]), "group must be"),
        (lambda: gradient_spectrum(np.ones((22, 3)), np.ones((3, M)), cyclic(M), [0, 1], "tanh"), "activation"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_modulation_explorer_lands_off_the_learned_set_and_rejects_unknown_cases():
    import matplotlib.pyplot as plt
    import pytest

    from li2lib.book.widgets import modulation_explorer

    with pytest.raises(ValueError, match="case"):
        modulation_explorer("Z_23, learned everything")
    fig = modulation_explorer().figure("S_4, learned 3, 4", 0, starts=10)
    assert fig.texts[0].get_text().endswith("nodes on learned irreps: 0 of 10")
    plt.close(fig)


def test_muon_explorer_static_frame_reads_the_stored_sweep():
    import matplotlib.pyplot as plt

    from li2lib.book.widgets import muon_explorer

    fig = muon_explorer().static_figure(hidden=40, lr=1e-3)
    assert "not run: Muon (torch)" in fig._suptitle.get_text()
    assert len(fig.axes[0].lines) == 6  # Adam and the author's Muon, three seeds each
    plt.close(fig)
