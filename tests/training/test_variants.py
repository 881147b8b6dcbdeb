"""The engine's variants of the author's code against independent references.

Deep nets (three kinds of hidden-to-hidden layer), complex weights and a readout held at its
ridge solution, each against a plain PyTorch loop written the way the author's code is
(``nn.Linear``-style matrices on a dense one-hot X, ``torch.optim``, the ridge readout by an
SVD); the per-layer ||G_F|| against the chain rule written out in NumPy; and train_many
against per-run train for every new path.
"""

import numpy as np
import pytest
import torch

import li2lib
from li2lib.data import pairs
from li2lib.training import TrainConfig, engine, gf_norm, train, train_many
from li2lib.training.reference import AuthorLoop
from li2lib.training.ridge import ridge_readout

FAST = dict(progress=False, device="cpu", dtype="float64")


def check_against_author_loop(group, rtol=1e-8, **settings):
    ours = train(group, **FAST, **settings)
    reference_losses, reference_params = AuthorLoop(group, ours.config).run()
    np.testing.assert_allclose(ours.history["train_loss"], reference_losses, rtol=rtol, atol=1e-12)
    for name, value in reference_params.items():
        np.testing.assert_allclose(ours.params[name], value, rtol=1e-6, atol=1e-9 * np.abs(value).max(), err_msg=name)
    return ours


@pytest.mark.parametrize("residual", [False, True, "inner"])
@pytest.mark.parametrize("activation, layers", [("relu", 3), ("square", 3), ("relu", 4)])
def test_deep_nets_equal_the_author_loop(activation, layers, residual):
    ours = check_against_author_loop(li2lib.cyclic(7), hidden=12, train_fraction=0.6, lr=5e-3, weight_decay=1e-3,
                                     epochs=25, seed=2, activation=activation, layers=layers, residual=residual)
    assert ours.history["train_loss"][-1] < ours.history["train_loss"][0]


def numpy_layer_gradients(group, result):
    """||G_{F_l}|| of every hidden layer by the chain rule written out, from the final weights."""
    c, p = result.config, {k: v.astype(np.float64) for k, v in result.params.items()}
    a, b, y = pairs(group, result.train_idx)
    M = group.order
    relu = c.activation == "relu"
    sigma = (lambda h: np.maximum(h, 0)) if relu else (lambda h: h * h)
    dsigma = (lambda h: (h > 0).astype(float)) if relu else (lambda h: 2 * h)
    H = p["W"][a] + p["W"][M + b]
    Fs, pre = [sigma(H)], [H]
    for l in range(2, c.layers):
        F = Fs[-1]
        H = F + F @ p[f"W{l}"] if c.residual == "inner" else F @ p[f"W{l}"]
        pre.append(H)
        Fs.append(F + sigma(H) if c.residual is True else sigma(H))
    out = Fs[-1] @ p["V"]
    R = np.eye(M)[y] - out
    R -= R.mean(axis=0)
    G = R @ p["V"].T  # G_{F_{L-1}}
    norms = [np.linalg.norm(G)]
    for l in range(c.layers - 1, 1, -1):  # from G_{F_l} to G_{F_{l-1}}
        U, D = p[f"W{l}"], dsigma(pre[l - 1])
        if c.residual == "inner":
            G = (G * D) + (G * D) @ U.T
        elif c.residual is True:
            G = G + (G * D) @ U.T
        else:
            G = (G * D) @ U.T
        norms.append(np.linalg.norm(G))
    return norms[::-1]  # layers 1..L-1


@pytest.mark.parametrize("residual", [False, True, "inner"])
def test_per_layer_gf_norms_follow_the_chain_rule(residual):
    g = li2lib.cyclic(7)
    res = train(g, hidden=10, train_fraction=0.5, lr=1e-2, weight_decay=1e-3, epochs=15, seed=1, activation="relu",
                layers=4, residual=residual, **FAST)
    expected = numpy_layer_gradients(g, res)
    got = [res.history["gf1_norm"][-1], res.history["gf2_norm"][-1], res.history["gf_norm"][-1]]
    np.testing.assert_allclose(got, expected, rtol=1e-9)
    assert "gf3_norm" not in res.history and "gf1_norm" not in train(g, hidden=8, epochs=2, **FAST).history


def test_complex_weights_from_a_real_start_stay_real():
    """The author's complex weights start as the real initialisation cast to complex; at a
    real point the gradient of a loss on Re(outputs) has no imaginary part (sigma is a real
    polynomial), so the imaginary parts stay exactly 0 and the run is the real run."""
    g = li2lib.cyclic(11)
    settings = dict(hidden=32, train_fraction=0.5, lr=5e-3, weight_decay=5e-5, epochs=40, seed=3, **FAST)
    real = train(g, **settings)
    cplx = train(g, complex_weights=True, **settings)
    assert cplx.W.dtype == np.complex128 and np.all(cplx.W.imag == 0) and np.all(cplx.V.imag == 0)
    for key in ("train_loss", "test_loss", "test_acc", "gf_norm"):
        np.testing.assert_allclose(cplx.history[key], real.history[key], rtol=1e-9, atol=1e-12, err_msg=key)
    np.testing.assert_allclose(cplx.W.real, real.W, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("optimizer", ["adam", "adamw", "sgd"])
def test_complex_weights_equal_torch_optim(optimizer):
    """Genuinely complex weights (imag_init=1): the engine against torch.optim on complex
    parameters (which updates real and imaginary parts as separate real numbers)."""
    lr = 0.05 if optimizer == "sgd" else 5e-3
    ours = check_against_author_loop(li2lib.cyclic(7), hidden=16, train_fraction=0.6, lr=lr, weight_decay=1e-3,
                                     epochs=30, seed=4, complex_weights=True, imag_init=1.0, optimizer=optimizer)
    assert np.abs(ours.W.imag).max() > 0.05


def test_complex_initialisation_shares_the_real_draws():
    net = TrainConfig(hidden=8, complex_weights=True, imag_init=0.5).network(5)
    real = TrainConfig(hidden=8).network(5).init(torch.Generator().manual_seed(7))
    cplx = net.init(torch.Generator().manual_seed(7))
    for name in real:
        assert torch.equal(cplx[name].real, real[name])
        bound = 0.5 / np.sqrt(real[name].shape[0])
        assert 0.5 * bound < cplx[name].imag.abs().max() <= bound


def test_gf_norm_of_complex_readout_is_the_wirtinger_gradient():
    """For Y_hat = Re(F V), -dJ/dF (as torch reports complex gradients, d/dRe + i d/dIm) is
    P(Y - Y_hat) V^H; its norm against autograd."""
    torch.manual_seed(0)
    n, K, M = 12, 5, 4
    F = torch.randn(n, K, dtype=torch.complex128, requires_grad=True)
    V = torch.randn(K, M, dtype=torch.complex128)
    y = torch.randint(0, M, (n,))
    out = (F @ V).real
    R = torch.nn.functional.one_hot(y, M).double() - out
    J = 0.5 * (R - R.mean(0)).pow(2).sum()
    (dF,) = torch.autograd.grad(J, F)
    torch.testing.assert_close(gf_norm(out.detach(), y, V), dF.norm())


@pytest.mark.parametrize("n, K", [(30, 8), (9, 20)])
def test_ridge_readout_primal_dual_and_least_squares(n, K):
    """Both forms against the augmented least-squares problem [F; sqrt(lam) I] V = [Y; 0],
    for K < n (primal) and K > n (dual), with zero padding rows in one run."""
    rng = np.random.default_rng(0)
    R, M, lam, beta = 2, 5, 0.3, 1.7
    F, Y = rng.standard_normal((R, n, K)), rng.standard_normal((R, n, M))
    F[1, n - 3 :] = Y[1, n - 3 :] = 0.0
    got = ridge_readout(torch.as_tensor(F), torch.as_tensor(Y), lam, beta).numpy()
    for r in range(R):
        rows = n - 3 if r == 1 else n
        A = np.vstack([beta * F[r, :rows], np.sqrt(lam) * np.eye(K)])
        B = np.vstack([Y[r, :rows], np.zeros((K, M))])
        np.testing.assert_allclose(got[r], np.linalg.lstsq(A, B, rcond=None)[0], rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("hidden", [12, 64])  # primal (K < n) and dual (K > n)
def test_ridge_training_equals_the_author_loop(hidden):
    ours = check_against_author_loop(li2lib.cyclic(7), hidden=hidden, train_fraction=0.8, lr=5e-3, weight_decay=5e-5,
                                     epochs=25, seed=0, ridge=1e-3, rtol=1e-7)
    assert ours.history["v_norm"][0] > 0 and ours.history["train_loss"][-1] < ours.history["train_loss"][0]


def test_new_paths_in_train_many_equal_train():
    g = li2lib.cyclic(9)
    cases = [
        (dict(hidden=16, complex_weights=True, imag_init=1.0, lr=5e-3),
         [dict(seed=0), dict(seed=1, train_fraction=0.3), dict(seed=2, weight_decay=0.0)]),
        (dict(hidden=16, ridge=1e-2, lr=5e-3), [dict(seed=0), dict(seed=1, train_fraction=0.25), dict(seed=2, lr=1e-2)]),
        (dict(hidden=12, layers=3, residual="inner", activation="relu", lr=5e-3),
         [dict(seed=0), dict(seed=1, init_scale_v=0.0), dict(seed=2, train_fraction=0.6)]),
    ]
    for base, runs in cases:
        base = {**base, **FAST, "epochs": 20}
        for run, got in zip(runs, train_many(g, runs, **base)):
            solo = train(g, **{**base, **run})
            for key in solo.history:
                np.testing.assert_allclose(got.history[key], solo.history[key], rtol=1e-9, atol=1e-12, err_msg=key)
            for key in solo.params:
                np.testing.assert_allclose(got.params[key], solo.params[key], rtol=1e-9, atol=1e-12)


def test_complex_result_saves_and_loads(tmp_path):
    res = train(li2lib.cyclic(5), hidden=6, epochs=3, complex_weights=True, imag_init=1.0, snapshots=[0, 3], **FAST)
    res.save(tmp_path / "run.npz")
    back = li2lib.TrainResult.load(tmp_path / "run.npz")
    assert back.config == res.config and np.array_equal(back.W, res.W) and back.W.dtype == np.complex128
    assert np.array_equal(back.snapshots["V"], res.snapshots["V"])


@pytest.mark.parametrize(
    "settings, message",
    [
        (dict(layers=3, residual="outer"), r"residual must be one of \[False, True, 'inner'\], got 'outer'"),
        (dict(residual="inner"), r"residual='inner' needs layers >= 3"),
        (dict(complex_weights=1), r"complex_weights must be True or False, got 1"),
        (dict(imag_init=0.5), r"imag_init=0.5 needs complex_weights=True"),
        (dict(complex_weights=True, imag_init=-1.0), r"imag_init must be a finite number >= 0"),
        (dict(complex_weights=True, activation="relu"), r"complex_weights=True needs activation in"),
        (dict(complex_weights=True, optimizer="muon"), r"complex_weights=True needs optimizer in"),
        (dict(complex_weights=True, layers=3), r"complex_weights=True needs layers in \[2\]"),
        (dict(ridge=0.0), r"ridge must be None or a finite number > 0, got 0.0"),
        (dict(ridge=1e-3, loss="cross_entropy"), r"ridge needs loss='mse'"),
        (dict(ridge=1e-3, complex_weights=True), r"ridge and complex_weights=True cannot be combined"),
    ],
)
def test_bad_variant_settings_fail_before_any_work(settings, message, monkeypatch):
    monkeypatch.setattr(engine, "_Batch", lambda *a, **k: pytest.fail("training started"))
    with pytest.raises(ValueError, match=message):
        train(7, progress=False, **settings)


def test_new_settings_keep_stored_keys():
    """Settings added after the stored sweeps were made leave their keys alone at their
    neutral values (the stored knobs runs are still found), and change them otherwise."""
    from li2lib.experiments.registry import SWEEPS, stored_folder
    from li2lib.experiments.sweeps import run_key

    base = SWEEPS["knobs"]["base"]
    assert (stored_folder("knobs") / f"{run_key(71, base)}.npz").exists()
    assert run_key(71, {**base, "complex_weights": False, "imag_init": 0.0, "ridge": None}) == run_key(71, base)
    keys = {run_key(71, {**base, **extra}) for extra in
            ({}, dict(complex_weights=True), dict(complex_weights=True, imag_init=1.0), dict(ridge=1e-3))}
    assert len(keys) == 4
