"""The book's named sweeps and their stored runs (li2lib.experiments.registry)."""

import dataclasses

import numpy as np
import pytest

from li2lib.experiments.registry import SWEEPS, _spec_keys, load_named_sweep, stored_folder, stored_sweep
from li2lib.experiments.sweeps import load_run, load_sweep, run_key
from li2lib.training import TrainConfig

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
        group = groups[record.group.name]
        assert record.key == path.stem
        assert run_key(group, record.settings) == path.stem, path.name
        assert run_key(record.group, record.config) == path.stem and np.array_equal(record.group.table, group.table)
        assert record.config == TrainConfig(**record.settings)  # as read, without checks: what a check gives
    assert {r.key for r in load_named_sweep(name, folder)} == {p.stem for p in files}


def test_stored_sweep_reads_the_package_or_li2lib_runs(tmp_path, monkeypatch):
    assert [r.key for r in stored_sweep("knobs")] == [r.key for r in load_sweep(stored_folder("knobs"))]
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"li2lib-runs/fig3-paper; make them with: li2lib sweep fig3-paper"):
        stored_sweep("fig3-paper")


def test_a_stored_run_is_a_train_result(monkeypatch):
    """A stored run is the TrainResult it was: its config and group equal those of the same run
    trained again (a few epochs of it), and so do its split, drawn again from its seed, and
    its first logged losses; the tables sweep's Latin square and random table (no groups, stored
    without their tables) are rebuilt from their names and are the sweep's own."""
    import li2lib

    monkeypatch.delenv("LI2_SEED_OFFSET", raising=False)  # the stored seed is the one used
    stored = load_sweep(stored_folder("depth"))[0]
    assert isinstance(stored, li2lib.TrainResult) and stored.params == {} and stored.key
    group = li2lib.groups.as_group(SWEEPS["depth"]["group"])  # the sweep's own, not rebuilt from the file
    again = li2lib.train(group, **{**stored.settings, "epochs": 2, "eval_every": 1,
                                               "stop_at_test_acc": None, "device": "cpu"}, progress=False)
    assert again.config == dataclasses.replace(stored.config, epochs=2, eval_every=1, stop_at_test_acc=None, device="cpu")
    assert again.group.name == stored.group.name and np.array_equal(again.group.table, stored.group.table)
    np.testing.assert_array_equal(again.train_idx, stored.train_idx)
    np.testing.assert_array_equal(again.test_idx, stored.test_idx)
    np.testing.assert_allclose(again.history["train_loss"][0], stored.history["train_loss"][0], rtol=1e-5)
    own = {g.name: g for g in SWEEPS["tables"]["groups"] if not isinstance(g, int)}
    tables = [r for r in load_sweep(stored_folder("tables")) if r.group.name in own]
    assert {r.group.name for r in tables} == set(own)
    for r in tables:
        assert type(r.group) is type(own[r.group.name]) and np.array_equal(r.group.table, own[r.group.name].table)


def test_extension_sweep_windows_bracket_the_law_and_families_are_what_they_say():
    """scaling-cpu-ext: each group's first-pass fractions are consecutive points of the CPU grid
    around the law they are placed by (c ln M / M to order 75, b M^-alpha above), in order of M;
    the non-abelian family's largest irrep has dimension 2, the others are abelian."""
    import math

    from li2lib.experiments.registry import SCALING_EXT_C, SCALING_EXT_FAMILIES, SCALING_EXT_POWER, scaling_window
    from li2lib.groups.irreps import irreps

    plan = _spec_keys("scaling-cpu-ext")
    orders = [g.order for g, _, _ in plan]
    assert orders == sorted(orders) and max(orders) >= 127
    b, alpha = SCALING_EXT_POWER
    for group, _, runs in plan:
        window = scaling_window(group.order)
        M = group.order
        centre = 1.1 * SCALING_EXT_C * math.log(M) / M if M <= 75 else b * M**-alpha
        assert window[1] < centre < window[-2], group.name  # the centre is inside, not at an edge
        ratios = [q / p for p, q in zip(window, window[1:])]
        assert all(abs(r - 1.25) < 0.02 for r in ratios)
        assert {(r["train_fraction"], r["seed"]) for r in runs} == {(p, s) for p in window for s in range(3)}
    for family, groups in SCALING_EXT_FAMILIES.items():
        for g in groups:
            assert max(ir.dim for ir in irreps(g)) == (2 if family == "nonabelian" else 1), g.name
    assert {g.name for g in SCALING_EXT_FAMILIES["nonabelian"]} >= {"Dic_15", "D_26", "D_15 x Z_3"}


def test_refine_pass_brings_every_bracketing_fraction_to_five_seeds_without_repeating_a_run():
    """scaling-cpu-refine: with the group's first pass, each stored bracket (p_lo, p_hi) and its
    midpoint carry seeds 0-4 exactly once, and the midpoint lies half a grid step from each."""
    import math

    from li2lib.experiments import registry

    first = {g.name: {(r["train_fraction"], r["seed"]) for r in runs}
             for name in [*(f"scaling-cpu-{f}" for f in registry.SCALING_FAMILIES["cpu"]), "scaling-cpu-ext"]
             for g, _, runs in _spec_keys(name)}
    plan = _spec_keys("scaling-cpu-refine")
    assert {g.name for g, _, _ in plan} == set(registry.SCALING_REFINE)
    for group, base, runs in plan:
        assert base == registry.SCALING_BASE["cpu"]
        p_lo, p_hi = registry.SCALING_REFINE[group.name]
        assert {p_lo, p_hi} <= {p for p, _ in first[group.name]}, group.name  # a bracket of the first pass
        added = [(r["train_fraction"], r["seed"]) for r in runs]
        assert len(added) == len(set(added)) and not set(added) & first[group.name], group.name
        both = first[group.name] | set(added)
        above = {registry.SCALING_ABOVE[group.name]} if group.name in registry.SCALING_ABOVE else set()
        assert all(q > max(p for p, _ in first[group.name]) for q in above), group.name  # a new, higher fraction
        middle = {p for p, _ in added} - {p_lo, p_hi} - above
        assert len(middle) == 1 and math.isclose(math.log(p_hi / middle.pop()), math.log(1.25) / 2, abs_tol=0.01)
        for p in {p for p, _ in added}:
            assert {s for q, s in both if q == p} == set(range(registry.REFINE_SEEDS)), (group.name, p)
    with pytest.raises(ValueError, match="bracket must satisfy"):
        registry.refine_runs(plan[0][0], 0.3, 0.2)


def test_refine_brackets_and_fractions_above_follow_the_rule_on_the_stored_first_passes():
    """SCALING_REFINE and SCALING_ABOVE, written into the registry, are what
    ``measure.scaling.second_pass`` reads off each group's stored first pass: the bracket, and a
    fraction above (the next grid fraction 0.15 * 1.25^k over the first pass's largest) exactly
    for the groups that need one. Groups whose first pass is not stored whole are skipped."""
    import math

    from li2lib.experiments import registry
    from li2lib.measure.scaling import second_pass

    horizon = registry.SCALING_BASE["cpu"]["epochs"]
    checked = set()
    for name in [*(f"scaling-cpu-{f}" for f in registry.SCALING_FAMILIES["cpu"]), "scaling-cpu-ext"]:
        planned = {g.name: len(runs) for g, _, runs in _spec_keys(name)}
        table = stored_sweep(name).table()
        for group in set(registry.SCALING_REFINE) & set(planned):
            at = table["group"] == group
            if at.sum() < planned[group]:
                continue
            got = second_pass(table["train_fraction"][at], table["final_test_acc"][at], table["grok_epoch"][at], horizon)
            assert got.bracket == registry.SCALING_REFINE[group], group
            assert got.above == (group in registry.SCALING_ABOVE), group
            if got.above:
                top = max(table["train_fraction"][at])
                k = round(math.log(top / 0.15) / math.log(1.25)) + 1
                assert registry.SCALING_ABOVE[group] == round(0.15 * 1.25**k, 3), group
            checked.add(group)
    assert len(checked) >= 40  # every group bracketed so far (44 when this test was written)


def test_scaling_runs_join_the_sweeps_and_admit_a_group_once_its_first_pass_is_stored():
    from li2lib.experiments import registry

    made = {p.stem for p in registry.stored_folder("scaling-cpu-ext").glob("*.npz")}
    first = {g.name: [registry.run_key(g, {**base, **run}) for run in runs]
             for g, base, runs in _spec_keys("scaling-cpu-ext")}
    for family in registry.SCALING_EXT_FAMILIES:
        groups, runs = registry.scaling_runs(family)
        names = [g.name for g in groups]
        assert [g.order for g in groups] == sorted(g.order for g in groups)
        assert {g.name for g in registry.SCALING_FAMILIES["cpu"][family]} <= set(names)
        for g in registry.SCALING_EXT_FAMILIES[family]:
            assert (g.name in names) == all(k in made for k in first[g.name]), g.name
        assert {r.group.name for r in runs} == set(names)
        keys = [r.key for r in runs]
        assert len(keys) == len(set(keys))  # no run counted twice across the three sweeps
    with pytest.raises(ValueError, match="family must be one of"):
        registry.scaling_runs("dihedral")


def test_scaling_runs_at_paper_scale_take_the_family_out_of_the_loaded_paper_sweep():
    """The paper-scale panel is the family's groups with runs in ``scaling-paper`` (here a sweep
    of stored CPU runs standing in for it), in order of M, and no run of another family."""
    from li2lib.experiments import registry
    from li2lib.experiments.sweeps import Sweep

    cpu = {n: registry.stored_sweep(n) for n in ("scaling-cpu-prime", "scaling-cpu-nonabelian")}
    family = registry.SCALING_FAMILIES["paper"]["prime"]
    names = {g.name for g in family}
    stand_in = Sweep([*cpu["scaling-cpu-prime"], *cpu["scaling-cpu-nonabelian"]])
    groups, runs = registry.scaling_runs("prime", {"scaling-paper": stand_in}, "paper")
    expected = {r.group.name for r in cpu["scaling-cpu-prime"]} & names
    assert expected and {g.name for g in groups} == expected == {r.group.name for r in runs}
    assert [g.order for g in groups] == sorted(g.order for g in groups)
    with pytest.raises(ValueError, match="scale must be"):
        registry.scaling_runs("prime", scale="gpu")
