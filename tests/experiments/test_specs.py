"""A sweep of your own in a file: the three formats, imports, metrics, the CLI on a process pool and dask."""

import json
import subprocess
import sys
import textwrap

import pytest

import li2lib
from li2lib.experiments.specs import load_spec

MODULE = textwrap.dedent('''
    import li2lib

    def cube(x):
        return x**3

    li2lib.register_activation("cube_spec", cube)

    def v_mean(state):
        return state.params["V"].mean(dim=(1, 2))

    def early(state, values):
        return values["train_acc"] >= 0.99
''')

TOML = textwrap.dedent('''
    name = "mine"
    groups = [5, "D_3"]
    imports = ["my_idea"]
    metrics = {v_mean = "my_idea:v_mean"}
    keep_weights = true

    [base]
    hidden = 8
    epochs = 4
    activation = "cube_spec"
    device = "cpu"

    [grid]
    seed = [0, 1]
    train_fraction = [0.5, 0.7]

    [[runs]]
    lr = 1e-3

    [[runs]]
    lr = 3e-3
''')


def write_spec(tmp_path, suffix):
    module = f"my_idea_{suffix[1:]}"  # one module name per test: a module is imported once per process
    (tmp_path / f"{module}.py").write_text(MODULE)
    text = TOML.replace("my_idea", module)
    data = __import__("tomllib").loads(text)
    path = tmp_path / f"mine{suffix}"
    if suffix == ".toml":
        path.write_text(text)
    elif suffix == ".json":
        path.write_text(json.dumps(data))
    else:
        path.write_text(__import__("yaml").safe_dump(data))
    return path


@pytest.mark.parametrize("suffix", [".toml", ".json", ".yaml"])
def test_the_three_formats_give_one_spec(tmp_path, suffix, own_registry):
    spec = load_spec(write_spec(tmp_path, suffix))
    assert spec.name == "mine" and [g.name for g in spec.groups] == ["Z_5", "D_3"]
    assert len(spec.runs) == 8 and {(r["lr"], r["seed"], r["train_fraction"]) for r in spec.runs} == {
        (lr, s, p) for lr in (1e-3, 3e-3) for s in (0, 1) for p in (0.5, 0.7)}
    assert spec.keep_weights and list(spec.metrics) == ["v_mean"] and spec.base["activation"] == "cube_spec"
    assert "cube_spec" in li2lib.model.ACTIVATIONS  # registered by the imported module


def test_bad_specs_name_the_key(tmp_path):
    cases = {"typo = 1\ngroups = [5]": r"unknown key\(s\) \['typo'\]",
             "groups = []": "groups must be a non-empty list",
             "groups = [5]\n[grid]\nseed = 3": "grid.seed must be a non-empty list",
             "groups = [5]\nmetrics = {m = 'nowhere:fn'}": r"metrics.m 'nowhere:fn' cannot be found",
             "groups = [5]\nkeep_weights = 'yes'": "keep_weights must be true or false"}
    for i, (text, message) in enumerate(cases.items()):
        path = tmp_path / f"bad{i}.toml"
        path.write_text(text)
        with pytest.raises(ValueError, match=message):
            load_spec(path)
    with pytest.raises(ValueError, match="spec must be a .toml, .yaml, .yml or .json file"):
        (tmp_path / "x.txt").write_text("")
        load_spec(tmp_path / "x.txt")


def test_console_runs_a_spec_on_a_process_pool(tmp_path):
    path = write_spec(tmp_path, ".toml")
    out = subprocess.run([sys.executable, "-m", "li2lib", "sweep", "--spec", str(path), "--executor", "process",
                          "--workers", "2"], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "mine: 16 runs on Z_5, D_3 in li2lib-runs/mine" in out.stdout
    sweep = li2lib.load_sweep(tmp_path / "li2lib-runs" / "mine")
    assert len(sweep) == 16
    assert all(r.settings["activation"] == "cube_spec" and "v_mean" in r.history and "W" in r.params for r in sweep)
    bad = tmp_path / "bad.toml"
    bad.write_text("groups = [5]\n[base]\nseed = -1\n")
    out = subprocess.run([sys.executable, "-m", "li2lib", "sweep", "--spec", str(bad)], capture_output=True, text=True,
                         cwd=tmp_path)
    assert out.returncode == 1 and out.stderr.strip().count("\n") == 0
    assert "li2lib: error:" in out.stderr and "seed must be an integer >= 0, got -1" in out.stderr


def test_console_runs_a_spec_on_a_dask_cluster(tmp_path):
    pytest.importorskip("dask.distributed")
    path = write_spec(tmp_path, ".json")
    out = subprocess.run([sys.executable, "-m", "li2lib", "sweep", "--spec", str(path), "--executor", "dask",
                          "--workers", "2", "--runs-per-task", "4"], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    sweep = li2lib.load_sweep(tmp_path / "li2lib-runs" / "mine")
    assert len(sweep) == 16
    assert all(r.settings["activation"] == "cube_spec" and "v_mean" in r.history and "W" in r.params for r in sweep)
