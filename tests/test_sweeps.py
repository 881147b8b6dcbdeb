"""Sweeps save each run atomically and resume without redoing finished runs."""

import numpy as np
import pytest

import li2lib.sweeps as sweeps
from li2lib.sweeps import SWEEPS, load_history, load_sweep, run_key, run_sweep, save_history

BASE = dict(hidden=16, epochs=5, train_fraction=0.5, device="cpu")


def test_run_key_names_only_non_default_settings():
    assert run_key({"lr": 0.003, "seed": 1, "hidden": 2048}) == "lr=0.003_seed=1"
    assert run_key({"hidden": 2048}) == "defaults"
    assert run_key({"seed": 0, "lr": 0.001}) == run_key({})


def test_sweep_saves_resumes_and_loads(tmp_path, monkeypatch):
    runs = [{"seed": 0}, {"seed": 1}, {"weight_decay": 0.0}]
    first = run_sweep(7, runs, tmp_path, base=BASE, progress=False)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) == 3 and not any(".tmp" in f for f in files)

    def no_training(*args, **kwargs):
        raise AssertionError("a finished run was trained again")

    monkeypatch.setattr(sweeps, "train", no_training)
    again = run_sweep(7, runs, tmp_path, base=BASE, progress=False)
    for (s1, h1), (s2, h2) in zip(first, again):
        assert s1 == s2
        assert all(np.array_equal(h1[k], h2[k], equal_nan=True) for k in h1)
    assert len(load_sweep(tmp_path)) == 3
    settings, history = load_history(tmp_path / f"{run_key({**BASE, 'seed': 1})}.npz")
    assert settings["seed"] == 1 and settings["group"] == "Z_7"
    assert list(history["epoch"]) == [0, 1, 2, 3, 4, 5]


def test_interrupted_sweep_keeps_finished_runs(tmp_path, monkeypatch):
    calls = []
    real_train = sweeps.train

    def train_then_fail(*args, **kwargs):
        if calls:
            raise KeyboardInterrupt
        calls.append(1)
        return real_train(*args, **kwargs)

    monkeypatch.setattr(sweeps, "train", train_then_fail)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(5, [{"seed": 0}, {"seed": 1}], tmp_path, base=BASE, progress=False)
    assert [p.name for p in tmp_path.iterdir()] == [f"{run_key({**BASE, 'seed': 0})}.npz"]


def test_failed_save_leaves_no_partial_file(tmp_path):
    with pytest.raises(TypeError):
        save_history(tmp_path / "x.npz", {"epoch": np.arange(3)}, {"bad": object()})
    assert list(tmp_path.iterdir()) == []


def test_load_sweep_rejects_missing_folder(tmp_path):
    with pytest.raises(ValueError, match="existing sweep folder"):
        load_sweep(tmp_path / "nope")


def test_named_sweeps_are_valid_settings():
    from li2lib.training import TrainConfig

    for spec in SWEEPS.values():
        for run in spec["runs"]:
            TrainConfig(**{**spec["base"], **run})
