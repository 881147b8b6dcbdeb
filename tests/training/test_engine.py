"""The training engine: train against a plain PyTorch loop, train_many against train, batch hygiene."""

import numpy as np
import pytest
import torch

import li2lib
from li2lib.training import TrainConfig, TrainingDiverged, TrainResult, gf_norm, train, train_many
from li2lib.training import engine
from li2lib.training.reference import PlainLoop

FAST = dict(hidden=48, epochs=25, progress=False, device="cpu")


def plain_loop(group, epochs, **settings):
    """li2lib.training.reference.PlainLoop (nn.Linear, dense one-hot X, torch.optim) for
    ``epochs`` steps, in float64: its history in li2lib's layout and its final weights."""
    return PlainLoop(group, dtype=torch.float64, **settings).run(epochs)


@pytest.mark.parametrize("optimizer, lr", [("adam", 1e-2), ("adamw", 1e-2), ("sgd", 0.05)])
def test_train_equals_plain_pytorch_loop(optimizer, lr):
    """li2lib's engine (gather, blocked pass, its own optimizers and metrics) against the
    textbook loop with torch.optim, in float64: the same numbers to rounding over 40 epochs."""
    g = li2lib.cyclic(11)
    settings = dict(hidden=40, train_fraction=0.5, lr=lr, weight_decay=1e-3, epochs=40, seed=3, optimizer=optimizer)
    ours = train(g, dtype="float64", progress=False, device="cpu", **settings)
    history, W, V = plain_loop(g, **settings)
    for key, want in history.items():
        np.testing.assert_allclose(ours.history[key], want, rtol=1e-9, atol=1e-12, err_msg=key)
    np.testing.assert_allclose(ours.W, W, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(ours.V, V, rtol=1e-8, atol=1e-12)


def test_muon_torch_equals_torch_optim_muon():
    """The batched re-implementation of torch.optim.Muon (on W, with the shape scaling of the
    nn.Linear orientation) against torch.optim.Muon itself on the author's model layout."""
    g = li2lib.cyclic(7)
    settings = dict(hidden=24, train_fraction=0.6, lr=2e-3, weight_decay=1e-2, epochs=15, seed=1, optimizer="muon_torch")
    ours = train(g, dtype="float64", progress=False, device="cpu", **settings)
    history, W, V = plain_loop(g, **settings)
    # Newton-Schulz runs in bfloat16 in both; batched and single matmuls may round differently.
    np.testing.assert_allclose(ours.history["train_loss"], history["train_loss"], rtol=2e-3)
    np.testing.assert_allclose(ours.W, W, rtol=0, atol=2e-3 * np.abs(W).max())


def test_train_many_equals_train_per_run():
    """Mixed per-run settings in one batch (seeds, fractions and a train_size, learning rates,
    weight decays, init scales): each run equals its own train() call to rounding."""
    g = li2lib.dihedral(5)
    runs = [
        dict(seed=0),
        dict(seed=1, train_fraction=0.3, lr=3e-3),
        dict(seed=2, train_size=61, weight_decay=0.0),
        dict(seed=3, init_scale_v=0.0, init_scale_w=0.5),
        dict(seed=4, train_fraction=1.0),
    ]
    base = dict(FAST, lr=1e-2, weight_decay=1e-3, snapshots=[0, 7, 25], eval_every=3)
    many = train_many(g, runs, dtype="float64", **base)
    for run, got in zip(runs, many):
        solo = train(g, dtype="float64", **{**base, **run})
        assert got.config == solo.config
        assert np.array_equal(got.train_idx, solo.train_idx) and np.array_equal(got.test_idx, solo.test_idx)
        assert set(got.history) == set(solo.history)
        for key in solo.history:
            np.testing.assert_allclose(got.history[key], solo.history[key], rtol=1e-10, atol=1e-12, err_msg=key)
        for key in solo.snapshots:
            np.testing.assert_allclose(got.snapshots[key], solo.snapshots[key], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(got.W, solo.W, rtol=1e-10, atol=1e-12)
    assert np.isnan(many[4].history["test_acc"]).all() and not np.isnan(many[0].history["test_acc"]).any()


def test_train_many_float32_agrees_with_train_to_rounding():
    g = li2lib.cyclic(13)
    runs = [dict(seed=s, lr=lr) for s, lr in [(0, 1e-2), (1, 3e-3), (2, 1e-2)]]
    many = train_many(g, runs, **FAST)
    for run, got in zip(runs, many):
        solo = train(g, **FAST, **run)
        np.testing.assert_allclose(got.history["train_loss"], solo.history["train_loss"], rtol=1e-4)
        np.testing.assert_allclose(got.W, solo.W, rtol=1e-4, atol=1e-6)


def test_batches_of_any_size_give_the_same_runs():
    g = li2lib.cyclic(9)
    runs = [dict(seed=s) for s in range(5)]
    whole = train_many(g, runs, dtype="float64", **FAST)
    split = train_many(g, runs, dtype="float64", runs_per_batch=2, **FAST)
    for u, v in zip(whole, split):
        np.testing.assert_allclose(u.history["train_loss"], v.history["train_loss"], rtol=1e-12)


def test_runs_stop_on_their_own_and_match_train():
    """Early stopping per run: each leaves the batch at its own epoch, the others go on."""
    g = li2lib.cyclic(23)
    base = dict(hidden=256, train_fraction=0.9, lr=0.01, weight_decay=1e-4, epochs=200, stop_at_test_acc=0.99,
                  progress=False, device="cpu")
    runs = [dict(seed=5), dict(seed=6), dict(seed=7, lr=3e-3)]
    many = train_many(g, runs, **base)
    ends = [int(r.history["epoch"][-1]) for r in many]
    assert len(set(ends)) > 1, ends
    for run, got in zip(runs, many):
        solo = train(g, **{**base, **run})
        assert got.history["epoch"][-1] == solo.history["epoch"][-1]
        assert got.history["test_acc"][-1] >= 0.99 or got.history["epoch"][-1] == 200


def test_sync_every_keeps_results_identical():
    """Synchronising with the host every 7 epochs (the GPU mode) changes nothing: stopped runs
    stay frozen in the batch until they leave it."""
    g = li2lib.cyclic(23)
    base = dict(hidden=128, train_fraction=0.9, lr=0.02, weight_decay=1e-4, epochs=150, stop_at_test_acc=0.9,
                  progress=False, device="cpu", dtype="float64", snapshots=[0, 40, 150])
    runs = [dict(seed=s) for s in range(3)]
    every, sparse = train_many(g, runs, **base), train_many(g, runs, sync_every=7, **base)
    for u, v in zip(every, sparse):
        assert np.array_equal(u.history["epoch"], v.history["epoch"])
        np.testing.assert_array_equal(u.W, v.W)
        assert np.array_equal(u.snapshots["epoch"], v.snapshots["epoch"])


def test_dense_backward_engine_path_on_cpu(monkeypatch):
    """The GPU's dense one-hot backward, forced on the CPU, trains the same runs."""
    g = li2lib.cyclic(7)
    runs = [dict(seed=0), dict(seed=1, train_fraction=0.3)]
    reference = train_many(g, runs, dtype="float64", **FAST)
    monkeypatch.setattr(engine, "_dense_backward", lambda device: True)
    dense = train_many(g, runs, dtype="float64", **FAST)
    for u, v in zip(reference, dense):
        np.testing.assert_allclose(u.history["train_loss"], v.history["train_loss"], rtol=1e-10)


def test_a_nan_run_leaves_the_batch_and_spares_the_others():
    g = li2lib.cyclic(11)
    base = dict(FAST, optimizer="sgd", weight_decay=0.0, epochs=60, dtype="float64")
    runs = [dict(seed=0, lr=0.05), dict(seed=1, lr=50.0), dict(seed=2, lr=0.05)]
    many = train_many(g, runs, **base)
    assert many[1].error and "diverged at epoch" in many[1].error and "lr (now 50.0)" in many[1].error
    assert np.isfinite(many[1].history["train_loss"]).all()
    with pytest.raises(TrainingDiverged) as info:
        train(g, **base, **runs[1])
    solo_bad = info.value.result
    assert solo_bad.error == many[1].error
    assert np.array_equal(solo_bad.history["epoch"], many[1].history["epoch"])
    for i in (0, 2):
        assert many[i].error is None and many[i].history["epoch"][-1] == 60
        solo = train(g, **base, **runs[i])
        np.testing.assert_allclose(many[i].history["train_loss"], solo.history["train_loss"], rtol=1e-10)


@pytest.mark.parametrize(
    "runs, base, message",
    [
        ([dict(seed=0), dict(lr=-1.0)], {}, r"runs\[1\]: lr must be a finite number > 0, got -1.0"),
        ([dict(train_fraction=2.0)], {}, r"runs\[0\]: train_fraction must be in \(0, 1\], got 2.0"),
        ([dict(hidden=8)], {}, r"runs\[0\] sets \['hidden'\], which must be the same for every run"),
        ([dict(seed=0)], dict(epochs=0), r"^epochs must be an integer >= 1, got 0"),
        ([dict(seed=0)], dict(optimizer="lion"), r"optimizer must be one of"),
        ([dict(seed=0)], dict(optimizer="adam", optimizer_options={"beta": 0.9}), r"unknown optimizer option\(s\) \['beta'\]"),
        ([dict(seed=0)], dict(optimizer="muon", optimizer_options={"momentum": 1.5}), r"momentum must be a number in \[0, 1\)"),
        ([dict(seed=0)], dict(layers=2, residual=True), r"residual=True needs layers >= 3"),
        ([dict(seed=0)], dict(dtype="float16"), r"dtype must be one of"),
        ([dict(train_size=10**5)], {}, r"runs\[0\]: train_size must be at most 5041"),
        ([dict(seed=0), "x"], {}, r"runs\[1\] must be a dict"),
        ({"seed": 0}, {}, r"runs must be a non-empty list"),
        ([], {}, r"runs must be a non-empty list"),
        ([dict(seed=0)], dict(hiden=3), r"unknown setting\(s\) \['hiden'\]"),
    ],
)
def test_bad_settings_fail_before_any_work(runs, base, message, monkeypatch):
    def no_work(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(engine, "_Batch", no_work)
    with pytest.raises(ValueError, match=message):
        train_many(71, runs, progress=False, **base)


def test_bad_hooks_and_batch_options(monkeypatch):
    monkeypatch.setattr(engine, "_Batch", lambda *a, **k: pytest.fail("training started"))
    with pytest.raises(ValueError, match="runs_per_batch must be an integer >= 1"):
        train_many(7, [{}], runs_per_batch=0, progress=False)
    with pytest.raises(ValueError, match="metrics must not reuse the names"):
        train_many(7, [{}], metrics={"test_acc": lambda s: 0}, progress=False)
    with pytest.raises(ValueError, match="stop_when must be a function"):
        train_many(7, [{}], stop_when=3, progress=False)


def test_machine_checks_wait_until_training_starts():
    config = TrainConfig(device="cuda:0")  # a config for a GPU can be made anywhere
    assert config.device == "cuda:0"
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            train(7, device="cuda", progress=False)


def test_extra_metrics_and_stop_when():
    g = li2lib.cyclic(9)
    seen = []

    def v_mean(state):
        seen.append(state.epoch)
        return state.params["V"].mean(dim=(1, 2))

    res = train_many(g, [dict(seed=0), dict(seed=1)], metrics={"v_mean": v_mean},
                     stop_when=lambda s, values: values["train_acc"] >= 0.3, eval_every=2, lr=0.01, **FAST)
    for r in res:
        assert "v_mean" in r.history
        last = r.history["epoch"][-1]
        assert r.history["train_acc"][-1] >= 0.3 and (r.history["train_acc"][:-1] < 0.3).all()
        assert last < 25
    np.testing.assert_allclose(res[0].history["v_mean"][-1], res[0].V.mean(), rtol=1e-5)
    assert seen[0] == 0 and all(e % 2 == 0 for e in seen)


def test_batched_gf_norm_equals_single_run_formula():
    torch.manual_seed(0)
    R, n, K, M = 3, 10, 6, 5
    out, V = torch.randn(R, n, M, dtype=torch.float64), torch.randn(R, K, M, dtype=torch.float64)
    y = torch.randint(0, M, (R, n))
    counts = [10, 7, 4]
    weight = torch.zeros(R, n, dtype=torch.float64)
    for r, c in enumerate(counts):
        weight[r, :c] = 1.0 / c
    batched = gf_norm(out, y, V, weight, output_scale=2.0)
    for r, c in enumerate(counts):
        torch.testing.assert_close(batched[r], 2.0 * gf_norm(out[r, :c], y[r, :c], V[r]))


def test_result_save_and_load_round_trip(tmp_path):
    res = train(li2lib.dihedral(3), snapshots=3, optimizer_options={"betas": (0.8, 0.99)}, **FAST)
    res.save(tmp_path / "run.npz")
    back = TrainResult.load(tmp_path / "run.npz")
    assert back.config == res.config and back.group.name == "D_3"
    assert np.array_equal(back.group.table, res.group.table)
    for k in res.params:
        assert np.array_equal(back.params[k], res.params[k])
    for k in res.history:
        assert np.array_equal(back.history[k], res.history[k], equal_nan=True)
    assert np.array_equal(back.snapshots["W"], res.snapshots["W"])
    assert back.error is None and back.wall_time == res.wall_time
    assert [p.name for p in tmp_path.iterdir()] == ["run.npz"]


def test_deep_residual_net_trains():
    res = train(li2lib.cyclic(7), layers=3, residual=True, activation="relu", lr=3e-3, init_scale_v=0.0,
                **{**FAST, "epochs": 60})
    assert set(res.params) == {"W", "W2", "V"} and "w2_norm" in res.history
    assert res.history["train_loss"][-1] < 0.5 * res.history["train_loss"][0]


def test_continue_from_weights_on_a_subset():
    """initial= and split=: the second stage starts from the first stage's weights and trains
    on the pairs it is given (the set-up of ungrokking experiments)."""
    g = li2lib.cyclic(11)
    first = train(g, hidden=64, epochs=30, lr=1e-2, progress=False, device="cpu")
    subset = (first.train_idx[::2], first.test_idx)
    second = train(g, hidden=64, epochs=5, lr=1e-2, progress=False, device="cpu", initial=first.params, split=subset)
    assert np.array_equal(second.train_idx, subset[0]) and np.array_equal(second.test_idx, subset[1])
    assert second.config.train_size == len(subset[0]) and second.config.train_fraction is None
    assert second.history["w_norm"][0] == pytest.approx(np.linalg.norm(first.W), rel=1e-6)
    assert second.history["test_acc"][0] == pytest.approx(first.history["test_acc"][-1])
    mixed = train_many(g, [dict(seed=0), dict(seed=1)], hidden=64, epochs=5, lr=1e-2, progress=False, device="cpu",
                       initial=[first.params, None], splits=[subset, None])
    np.testing.assert_allclose(mixed[0].history["train_loss"], second.history["train_loss"], rtol=1e-5)
    assert len(mixed[1].train_idx) == int(0.4 * 121)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(initial=[{"W": np.zeros((14, 8))}]), r"initial\[0\] must be a dict of the weights \['V', 'W'\]"),
        (dict(initial=[{"W": np.zeros((14, 9)), "V": np.zeros((8, 7))}]), r"initial\[0\]\['W'\] must be a finite array of shape \(14, 8\)"),
        (dict(splits=[(np.arange(5), np.arange(3, 9))]), r"splits\[0\] must hold a non-empty train_idx and a test_idx of distinct"),
        (dict(splits=[(np.arange(5), [60])]), r"row indices in \[0, 49\)"),
        (dict(splits=[]), r"splits must be a list with one"),
    ],
)
def test_bad_initial_weights_and_splits(kwargs, message):
    with pytest.raises(ValueError, match=message):
        train_many(7, [{}], hidden=8, progress=False, **kwargs)


def test_accuracies_are_exact_fractions():
    """Accuracy is (correct count) / n, so a perfect fit logs exactly 1.0 (a weighted float32
    sum of 1/n would not)."""
    runs = [dict(seed=0, train_fraction=0.6), dict(seed=1, train_fraction=0.9)]
    for r in train_many(11, runs, hidden=128, epochs=150, lr=0.01, progress=False, device="cpu"):
        n, n_test = len(r.train_idx), len(r.test_idx)
        for acc, size in ((r.history["train_acc"], n), (r.history["test_acc"], n_test)):
            np.testing.assert_allclose(acc * size, np.round(acc * size), rtol=0, atol=1e-4)
        assert r.history["train_acc"][-1] == 1.0
