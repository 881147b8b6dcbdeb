"""Training core: the fast path is exact, G_F is Eq. (2), runs are reproducible, bad input fails early."""

import numpy as np
import pytest
import torch

import li2lib
from li2lib.data import full_dataset, one_hot_inputs
from li2lib.model import ACTIVATIONS, TwoLayerNet, dense_preactivation, pair_preactivation
from li2lib.training import LOSSES, OPTIMIZERS, TrainingDiverged, gf_norm, resolve_device, train

SMALL = dict(hidden=64, train_fraction=0.5, epochs=20, progress=False, device="cpu")


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_gather_path_equals_dense_reference(activation, loss):
    """Loss and both gradients agree with the dense one-hot X W formulation."""
    torch.manual_seed(0)
    g = li2lib.dihedral(5)
    m = g.order
    idx = torch.randperm(m * m)[:60]
    a, b = idx // m, idx % m
    y = torch.as_tensor(g.table[a.numpy(), b.numpy()])
    X = torch.as_tensor(one_hot_inputs(a.numpy(), b.numpy(), m), dtype=torch.float64)
    net = TwoLayerNet(m, 32, activation, generator=torch.Generator().manual_seed(1)).double()
    sigma, loss_fn = ACTIVATIONS[activation], LOSSES[loss]

    fast = loss_fn(sigma(pair_preactivation(net.W, a, b)) @ net.V, y)
    gW_fast, gV_fast = torch.autograd.grad(fast, [net.W, net.V])
    dense = loss_fn(sigma(dense_preactivation(net.W, X)) @ net.V, y)
    gW_dense, gV_dense = torch.autograd.grad(dense, [net.W, net.V])

    torch.testing.assert_close(fast, dense, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(gW_fast, gW_dense, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(gV_fast, gV_dense, rtol=1e-10, atol=1e-12)
    assert gW_fast.abs().sum() > 0 or activation == "relu"


def autograd_gf_norm(F, V, y, m):
    """||G_F|| with G_F = -dJ/dF for J = 1/2 ||P_1^perp (Y - F V)||_F^2 (Eq. 1-2), by autograd."""
    F = F.detach().clone().requires_grad_(True)
    Y = torch.nn.functional.one_hot(y, m).to(F.dtype)
    n = len(y)
    P = torch.eye(n, dtype=F.dtype) - torch.ones(n, n, dtype=F.dtype) / n
    J = 0.5 * (P @ (Y - F @ V)).pow(2).sum()
    (grad,) = torch.autograd.grad(J, F)
    return (-grad).norm()


def test_gf_norm_is_eq2_by_autograd():
    torch.manual_seed(0)
    n, K, m = 50, 20, 7
    F = torch.randn(n, K, dtype=torch.float64)
    V = torch.randn(K, m, dtype=torch.float64)
    y = torch.randint(0, m, (n,))
    torch.testing.assert_close(gf_norm(F @ V, y, V), autograd_gf_norm(F, V, y, m), rtol=1e-10, atol=0)


def test_logged_gf_norm_matches_eq2_on_the_weights_of_that_epoch():
    res = train(li2lib.cyclic(11), **{**SMALL, "epochs": 8, "snapshots": 8})
    m = 11
    a, b = np.divmod(res.train_idx, m)
    y = torch.as_tensor(res.group.table[a, b])
    for epoch, W, V in zip(res.snapshots["epoch"], res.snapshots["W"], res.snapshots["V"]):
        W, V = torch.as_tensor(W, dtype=torch.float64), torch.as_tensor(V, dtype=torch.float64)
        F = pair_preactivation(W, torch.as_tensor(a), torch.as_tensor(b)).pow(2)
        expected = autograd_gf_norm(F, V, y, m).item()
        logged = res.history["gf_norm"][res.history["epoch"] == epoch][0]
        assert logged == pytest.approx(expected, rel=1e-4)


def test_same_seed_same_history_and_different_seed_differs():
    r1 = train(li2lib.cyclic(13), seed=4, **SMALL)
    r2 = train(li2lib.cyclic(13), seed=4, **SMALL)
    for key in r1.history:
        assert np.array_equal(r1.history[key], r2.history[key], equal_nan=True), key
    assert np.array_equal(r1.W, r2.W) and np.array_equal(r1.V, r2.V)
    r3 = train(li2lib.cyclic(13), seed=5, **SMALL)
    assert not np.array_equal(r1.history["train_loss"], r3.history["train_loss"])
    assert not np.array_equal(r1.train_idx, r3.train_idx)


def test_history_layout_and_shapes():
    res = train(li2lib.cyclic(9), **{**SMALL, "epochs": 10, "eval_every": 3})
    h = res.history
    assert list(h["epoch"]) == [0, 3, 6, 9, 10]
    assert set(h) == {"epoch", "train_loss", "test_loss", "train_acc", "test_acc", "gf_norm", "w_norm", "v_norm"}
    assert all(v.shape == (5,) for v in h.values())
    assert res.W.shape == (18, 64) and res.V.shape == (64, 9)
    assert len(res.train_idx) == 40 and len(res.test_idx) == 41
    assert h["w_norm"][-1] == pytest.approx(np.linalg.norm(res.W), rel=1e-5)
    assert res.wall_time > 0 and res.device == "cpu"
    assert "Z_9" in repr(res)


def test_small_group_groks_and_early_stop_stops():
    # Z_23, K=512, lr 0.01, wd 1e-4, 90% train: the author's logged run groks by epoch ~45.
    res = train(23, hidden=512, train_fraction=0.9, lr=0.01, weight_decay=1e-4, epochs=300,
                stop_at_test_acc=0.99, progress=False, device="cpu", seed=5)
    assert res.history["test_acc"][-1] >= 0.99
    assert res.history["epoch"][-1] < 300
    assert res.first_epoch("train_acc", 1.0) <= res.first_epoch("test_acc", 0.99)


def test_zero_init_of_v_and_snapshots():
    res = train(li2lib.cyclic(7), **{**SMALL, "init_scale_v": 0.0, "epochs": 50, "snapshots": 6})
    snaps = res.snapshots
    assert snaps["epoch"][0] == 0 and snaps["epoch"][-1] == 50
    assert np.all(np.diff(snaps["epoch"]) > 0)
    assert np.all(snaps["V"][0] == 0)
    assert np.array_equal(snaps["W"][-1], res.W)
    assert snaps["W"].shape == (len(snaps["epoch"]), 14, 64)
    explicit = train(li2lib.cyclic(7), **{**SMALL, "epochs": 50, "snapshots": [3, 4, 40]})
    assert list(explicit.snapshots["epoch"]) == [3, 4, 40]
    with pytest.raises(ValueError, match=r"snapshots must list epochs in \[0, 50\]"):
        train(li2lib.cyclic(7), **{**SMALL, "epochs": 50, "snapshots": [3, 60]})


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_every_optimizer_and_activation_lowers_the_loss(optimizer, activation):
    lr = {"adam": 1e-2, "adamw": 1e-2, "sgd": 0.05, "muon": 1e-2, "muon_torch": 1e-2}[optimizer]
    res = train(li2lib.dihedral(4), optimizer=optimizer, activation=activation, lr=lr, **SMALL)
    assert res.history["train_loss"][-1] < res.history["train_loss"][0]


def test_cross_entropy_loss_runs():
    res = train(li2lib.cyclic(7), loss="cross_entropy", lr=1e-2, **SMALL)
    assert res.history["train_loss"][-1] < res.history["train_loss"][0]


def test_full_training_set_has_nan_test_metrics():
    res = train(li2lib.cyclic(5), **{**SMALL, "train_fraction": 1.0})
    assert np.isnan(res.history["test_acc"]).all()
    assert len(res.test_idx) == 0


def test_divergence_raises_with_history_so_far():
    with pytest.raises(TrainingDiverged, match="diverged at epoch") as info:
        train(li2lib.cyclic(11), optimizer="sgd", lr=50.0, weight_decay=0.0, **{**SMALL, "epochs": 200})
    partial = info.value.result
    assert len(partial.history["epoch"]) >= 1
    assert np.isfinite(partial.history["train_loss"]).all()


@pytest.mark.parametrize(
    "settings, message",
    [
        (dict(train_fraction=1.5), r"train_fraction must be in \(0, 1\], got 1.5"),
        (dict(train_fraction=0), r"train_fraction must be in \(0, 1\], got 0"),
        (dict(train_size=0), r"train_size must be an integer >= 1, got 0"),
        (dict(train_size=10**6), r"train_size must be at most 5041"),
        (dict(train_fraction=0.5, train_size=10), "not both"),
        (dict(hidden=0), r"hidden must be an integer >= 1, got 0"),
        (dict(hidden=2.5), r"hidden must be an integer >= 1, got 2.5"),
        (dict(epochs=0), r"epochs must be an integer >= 1, got 0"),
        (dict(eval_every=0), r"eval_every must be an integer >= 1"),
        (dict(lr=0), r"lr must be a finite number > 0, got 0"),
        (dict(weight_decay=-1e-4), r"weight_decay must be a finite number >= 0"),
        (dict(init_scale_v=float("nan")), r"init_scale_v must be a finite number >= 0"),
        (dict(activation="tanh"), r"activation must be one of .*got 'tanh'"),
        (dict(optimizer="lbfgs"), r"optimizer must be one of .*got 'lbfgs'"),
        (dict(loss="hinge"), r"loss must be one of .*got 'hinge'"),
        (dict(stop_at_test_acc=2), r"stop_at_test_acc must be in \(0, 1\]"),
        (dict(device="tpu"), r"device must be 'auto'"),
        (dict(hiden=10), r"unknown setting\(s\) \['hiden'\]"),
    ],
)
def test_bad_settings_raise_before_training(settings, message):
    with pytest.raises(ValueError, match=message):
        train(71, progress=False, **settings)


def test_bad_group_raises():
    with pytest.raises(ValueError, match="group must be a li2lib Group"):
        train("Z_71", progress=False)
    with pytest.raises(ValueError, match="n must be an integer >= 1, got 0"):
        train(0, progress=False)


def test_resolve_device():
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            resolve_device("cuda")


def test_model_rejects_unknown_activation():
    with pytest.raises(ValueError, match="activation must be one of"):
        TwoLayerNet(5, 4, "tanh")


def test_full_dataset_and_gather_agree_on_a_trained_net():
    res = train(li2lib.symmetric(3), **SMALL)
    X, y = full_dataset(res.group)
    m = res.group.order
    a, b = np.divmod(np.arange(m * m), m)
    W = torch.as_tensor(res.W)
    torch.testing.assert_close(
        pair_preactivation(W, torch.as_tensor(a), torch.as_tensor(b)), torch.as_tensor(X) @ W
    )


def hand_mse(outputs, labels):
    """The paper's centred MSE per sample, written out: || C (y_hat - e_y) ||^2."""
    diff = outputs - torch.nn.functional.one_hot(labels, outputs.shape[-1]).to(outputs.dtype)
    return ((diff - diff.mean(-1, keepdim=True)) ** 2).sum(-1)


def test_a_registered_loss_trains_as_the_builtin_one(own_registry):
    li2lib.register_loss("mse_by_hand", hand_mse)
    settings = dict(hidden=24, epochs=25, train_fraction=0.5, device="cpu", progress=False)
    builtin = train(7, loss="mse", **settings).history
    own = train(7, loss="mse_by_hand", **settings).history
    for metric in ("train_loss", "test_loss", "test_acc", "gf_norm"):
        np.testing.assert_allclose(own[metric], builtin[metric], rtol=1e-6, atol=0)


def test_registration_checks_the_loss_once(own_registry):
    with pytest.raises(ValueError, match=r"loss 'mean_mse' must return one value per sample, shape labels.shape"):
        li2lib.register_loss("mean_mse", lambda out, y: hand_mse(out, y).mean())
    with pytest.raises(ValueError, match=r"name must not be a built-in loss"):
        li2lib.register_loss("mse", hand_mse)
    with pytest.raises(ValueError, match=r"loss 'detached' is not differentiable"):
        li2lib.register_loss("detached", lambda out, y: hand_mse(out.detach(), y))
    with pytest.raises(ValueError, match=r"loss must be one of .*got 'mean_mse'"):
        train(5, loss="mean_mse", hidden=8, epochs=2, progress=False)


def test_a_metric_or_stop_rule_of_the_wrong_shape_is_named_and_seed_is_checked():
    with pytest.raises(ValueError, match=r"metric 'v_mean' must return one number per run, a tensor of shape \(1,\), "
                                         r"got shape \(\)"):
        train(5, hidden=8, epochs=2, progress=False, metrics={"v_mean": lambda s: s.params["V"].mean()})
    with pytest.raises(ValueError, match=r"stop_when must return one truth value per run, a tensor of shape \(1,\), "
                                         r"got shape \(\)"):
        train(5, hidden=8, epochs=2, progress=False, stop_when=lambda s, v: bool(v["train_acc"].mean() > 2))
    with pytest.raises(ValueError, match=r"seed must be an integer >= 0, got -1"):
        train(5, hidden=8, epochs=2, progress=False, seed=-1)


def test_stop_when_sees_the_state_and_the_values():
    seen = []

    def stop(state, values):
        seen.append((state.epoch, set(values)))
        return values["train_acc"] >= 0.5

    result = train(7, hidden=32, epochs=300, train_fraction=0.5, lr=1e-2, progress=False, device="cpu", stop_when=stop)
    h = result.history
    assert {"train_loss", "test_acc", "gf_norm", "w_norm"} <= seen[0][1] and seen[0][0] == 0
    assert h["train_acc"][-1] >= 0.5 and (h["train_acc"][:-1] < 0.5).all() and h["epoch"][-1] < 300


def test_help_of_trainconfig_lists_the_allowed_names():
    doc = li2lib.TrainConfig.__doc__
    for name in [*ACTIVATIONS, *LOSSES, *OPTIMIZERS]:
        assert f"'{name}'" in doc, name
    assert "register_activation" in doc and "register_loss" in doc


def test_history_to_csv_and_pandas(tmp_path):
    result = train(5, hidden=8, epochs=6, progress=False, device="cpu", metrics={"v_sum": lambda s: s.params["V"].sum(dim=(1, 2))})
    result.save_history_csv(tmp_path / "h.csv")
    back = np.genfromtxt(tmp_path / "h.csv", delimiter=",", names=True)
    assert list(back.dtype.names) == list(result.history)
    for name, values in result.history.items():
        np.testing.assert_array_equal(back[name], values)  # %.17g: exact
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match=r"li2lib\[analysis\]"):
            result.history_table()
    else:
        assert list(result.history_table().columns) == list(result.history)
