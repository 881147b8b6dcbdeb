"""LI2_SEED_OFFSET: under offset k, seed s is exactly the run of seed s + k without it."""

import numpy as np
import pytest

import li2lib
from li2lib import seeding
from li2lib.data import split_indices
from li2lib.experiments.sweeps import load_sweep, run_sweep

SMALL = dict(hidden=16, train_fraction=0.5, epochs=12, eval_every=4, lr=1e-2, progress=False)


def test_offset_reads_the_environment(monkeypatch):
    monkeypatch.delenv(seeding.VARIABLE, raising=False)
    assert seeding.seed_offset() == 0 and seeding.offset_seed(3) == 3
    monkeypatch.setenv(seeding.VARIABLE, "2")
    assert seeding.seed_offset() == 2 and seeding.offset_seed(3) == 5
    assert np.array_equal(seeding.rng(0).standard_normal(4), np.random.default_rng(2).standard_normal(4))


@pytest.mark.parametrize("text", ["x", "-1", "1.5"])
def test_bad_offset_names_the_variable(monkeypatch, text):
    monkeypatch.setenv(seeding.VARIABLE, text)
    with pytest.raises(ValueError, match="LI2_SEED_OFFSET"):
        seeding.seed_offset()


def test_train_under_offset_is_the_next_seed(monkeypatch):
    monkeypatch.delenv(seeding.VARIABLE, raising=False)
    plain = li2lib.train(7, seed=1, **SMALL)
    monkeypatch.setenv(seeding.VARIABLE, "1")
    shifted = li2lib.train(7, seed=0, **SMALL)
    assert shifted.config.seed == 1
    for name in plain.history:
        np.testing.assert_array_equal(shifted.history[name], plain.history[name], err_msg=name)
    for name in plain.params:
        np.testing.assert_array_equal(np.asarray(shifted.params[name]), np.asarray(plain.params[name]))
    shifted_split = split_indices(49, train_fraction=0.5, seed=0)[0]
    monkeypatch.delenv(seeding.VARIABLE)
    np.testing.assert_array_equal(shifted_split, split_indices(49, train_fraction=0.5, seed=1)[0])


def test_sweep_under_offset_saves_the_seed_it_used(monkeypatch, tmp_path):
    monkeypatch.setenv(seeding.VARIABLE, "2")
    settings = {k: v for k, v in SMALL.items() if k != "progress"}
    sweep = run_sweep(7, [{"seed": 0}, {"seed": 1}], tmp_path, base=settings, progress=False)
    assert sorted(r.settings["seed"] for r in sweep) == [2, 3]
    monkeypatch.delenv(seeding.VARIABLE)
    # read back without the offset, and trained again without it: the same runs, same keys
    again = run_sweep(7, [{"seed": 2}, {"seed": 3}], tmp_path, base=settings, progress=False)
    assert [r.key for r in again] == [r.key for r in sweep]
    assert len(load_sweep(tmp_path)) == 2
    direct = li2lib.train(7, seed=3, **SMALL)
    np.testing.assert_array_equal(sweep.where(seed=3)[0].history["test_acc"], direct.history["test_acc"])


def test_negative_seed_is_named():
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        li2lib.train(7, seed=-1, **SMALL)


def test_import_pins_mkl_branch():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "MKL_CBWR"}
    code = "import os, li2lib; print(os.environ['MKL_CBWR'])"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "AVX2"
    env["MKL_CBWR"] = "COMPATIBLE"  # a user's own choice is kept
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "COMPATIBLE"
