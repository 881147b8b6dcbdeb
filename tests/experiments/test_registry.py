"""The book's named sweeps and their stored runs (li2lib.experiments.registry)."""

import pytest

from li2lib.experiments.registry import SWEEPS, _spec_keys, load_named_sweep, stored_folder, stored_sweep
from li2lib.experiments.sweeps import load_run, load_sweep, run_key

STORED = sorted(name for name in SWEEPS if stored_folder(name).is_dir())


def test_some_sweeps_are_stored():
    assert {"knobs", "scaling-cpu-prime", "tables", "muon_fig8"} <= set(STORED)


@pytest.mark.parametrize("name", STORED)
def test_stored_runs_keep_their_keys(name):
    """Every stored file is a run of its named sweep, and the key recomputed from the settings
    and group the file records is its file name: keys hash settings, never module paths, so a
    stored run stays valid when the library's modules move."""
    folder = stored_folder(name)
    groups = {group.name: group for group, _, _ in _spec_keys(name)}
    files = sorted(folder.glob("[!.]*.npz"))
    assert files
    for path in files:
        record = load_run(path)
        assert record.key == path.stem
        assert run_key(groups[record.group], record.settings) == path.stem, path.name
        assert run_key(groups[record.group], record.config) == path.stem and record.order == groups[record.group].order
    assert {r.key for r in load_named_sweep(name, folder)} == {p.stem for p in files}


def test_stored_sweep_reads_the_package_or_li2lib_runs(tmp_path, monkeypatch):
    assert [r.key for r in stored_sweep("knobs")] == [r.key for r in load_sweep(stored_folder("knobs"))]
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"li2lib-runs/fig3-paper; make them with: li2lib sweep fig3-paper"):
        stored_sweep("fig3-paper")


def test_a_stored_run_is_a_train_result(monkeypatch):
    """A stored run becomes the TrainResult it was: its config and group, and its split drawn
    again from its seed, the one the run was trained on (one run retrained for a few epochs)."""
    import numpy as np

    import li2lib

    monkeypatch.delenv("LI2_SEED_OFFSET", raising=False)  # the stored seed is the one used
    record = load_sweep(stored_folder("depth"))[0]
    result = record.to_result()
    assert result.group.name == record.group and result.config == record.config
    assert result.params == {} and result.history is record.history
    again = li2lib.train(result.group, **{**record.settings, "epochs": 2, "eval_every": 1, "stop_at_test_acc": None,
                                           "device": "cpu"}, progress=False)
    np.testing.assert_array_equal(again.train_idx, result.train_idx)
    np.testing.assert_array_equal(again.test_idx, result.test_idx)
    np.testing.assert_allclose(again.history["train_loss"][0], record.history["train_loss"][0], rtol=1e-5)
    with pytest.raises(ValueError, match="group must be the one run .* was trained on"):
        record.to_result(li2lib.cyclic(24))
    table_run = load_sweep(stored_folder("tables"))
    latin = next(r for r in table_run if not r.group.startswith("Z_"))
    with pytest.raises(ValueError, match=f"group must be given for run {latin.key}"):
        latin.to_result()
