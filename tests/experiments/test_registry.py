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
