"""Sweeps: canonical keys, saving as runs finish, resuming, executors, and surviving kills."""

import dataclasses
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch

import li2lib
import li2lib.experiments.sweeps as sweeps
from li2lib.experiments.registry import SWEEPS, stored_folder, stored_run
from li2lib.experiments.sweeps import Sweep, load_sweep, run_key, run_sweep, summarize
from li2lib.groups import from_table

BASE = dict(hidden=16, epochs=6, train_fraction=0.5, device="cpu")
RUNS = [dict(seed=0), dict(seed=1), dict(weight_decay=0.0), dict(hidden=8), dict(seed=2, lr=3e-3)]


def histories_equal(a: Sweep, b: Sweep, rtol=0.0):
    assert [r.key for r in a] == [r.key for r in b]
    for u, v in zip(a, b):
        assert set(u.history) == set(v.history)
        for k in u.history:
            np.testing.assert_allclose(u.history[k], v.history[k], rtol=rtol, atol=0, equal_nan=True)


def test_run_key_is_canonical():
    g = li2lib.cyclic(7)
    assert run_key(g, {"weight_decay": 0}) == run_key(g, {"weight_decay": 0.0})
    assert run_key(g, {}) == run_key(g, {"lr": 1e-3, "hidden": 2048})  # defaults filled in
    assert run_key(g, {"device": "cpu"}) == run_key(g, {"device": "cuda"})  # the device is not the experiment
    assert run_key(g, {"seed": 1}) != run_key(g, {"seed": 2})
    assert run_key(7, {}) == run_key(g, {}) and run_key(g, {}).startswith("Z_7-")
    # two groups with one name but different tables never share a file; one table, one name: one group
    assert run_key(from_table(li2lib.symmetric(3).table, name="Z_6"), {}) != run_key(li2lib.cyclic(6), {})
    assert run_key(from_table(g.table, name="Z_7"), {}) == run_key(g, {})


def test_run_key_follows_the_major_version(monkeypatch):
    before = run_key(7, {})
    monkeypatch.setattr(li2lib, "__version__", "1.0.0")
    assert run_key(7, {}) != before


def test_sweep_saves_resumes_and_loads(tmp_path, monkeypatch):
    first = run_sweep(7, RUNS, tmp_path, base=BASE, progress=False)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) == 5 and all(f.endswith(".npz") and not f.startswith(".") for f in files)
    assert [r.settings["seed"] for r in first] == [0, 1, 0, 0, 2]
    assert [r.settings["hidden"] for r in first] == [16, 16, 16, 8, 16]

    monkeypatch.setattr(sweeps, "train_configs", lambda *a, **k: pytest.fail("a finished run was trained again"))
    again = run_sweep(7, RUNS, tmp_path, base=BASE, progress=False)
    histories_equal(first, again)
    assert len(load_sweep(tmp_path)) == 5

    record = first[1]
    assert record.group.name == "Z_7" and np.array_equal(record.group.table, li2lib.cyclic(7).table) and record.error is None
    assert set(record.provenance) >= {"li2lib", "torch", "device", "date"} and record.provenance["device"] == "cpu"
    assert list(record.history["epoch"]) == [0, 1, 2, 3, 4, 5, 6]
    expected = summarize(record.history)
    assert all(record.summary[k] == v or (np.isnan(v) and np.isnan(record.summary[k])) for k, v in expected.items())
    assert record.summary["final_test_acc"] == record.history["test_acc"][-1]


def test_a_saved_run_loads_with_the_group_it_was_trained_on(tmp_path):
    """A group li2lib builds from its name is saved by that name; any other (an unknown name,
    a known name on another table, a table that is no group) with its table too. Each loads
    back as itself, and a file whose group is not the one its digest records is refused."""
    from li2lib.groups.tables import Table, random_table

    cases = {"named": li2lib.dihedral(3), "same name, other table": from_table(li2lib.symmetric(3).table, name="Z_6"),
             "own name": from_table(li2lib.cyclic(6).table, name="mine", labels=list("abcdef")),
             "own table": Table(random_table(6, seed=4).table, "noise")}
    for case, group in cases.items():
        run = run_sweep(group, [dict(seed=0)], tmp_path / case, base=BASE, progress=False)[0]
        with np.load(tmp_path / case / f"{run.key}.npz") as data:
            assert ("group_table" in data.files) == (case != "named"), case
        assert type(run.group) is type(group) and run.group.name == group.name, case
        assert np.array_equal(run.group.table, group.table) and run.group.labels == group.labels, case
    path = next((tmp_path / "named").glob("*.npz"))
    with np.load(path) as data:
        arrays = dict(data)
    meta = json.loads(str(arrays["meta"]))
    meta["group"]["name"] = "Z_6"  # a name li2lib builds, but not on the table the run was trained on
    np.savez(tmp_path / "renamed.npz", **{**arrays, "meta": json.dumps(meta)})
    with pytest.raises(ValueError, match="is not the one the run was trained on"):
        sweeps.load_run(tmp_path / "renamed.npz")
    meta["group"]["name"] = "nobody"
    np.savez(tmp_path / "unknown.npz", **{**arrays, "meta": json.dumps(meta)})
    with pytest.raises(ValueError, match="cannot build it from its name"):
        sweeps.load_run(tmp_path / "unknown.npz")


def test_sweep_table_and_selection(tmp_path):
    sweep = run_sweep(7, RUNS, tmp_path, base=BASE, progress=False)
    table = sweep.table()
    assert len(table["key"]) == 5
    assert table["hidden"].dtype.kind == "i" and table["weight_decay"].dtype.kind == "f"
    np.testing.assert_array_equal(table["final_test_acc"], [r.history["test_acc"][-1] for r in sweep])
    assert set(sweep.varying()) == {"seed", "weight_decay", "hidden", "lr"}
    assert [r.settings["seed"] for r in sweep.where(hidden=16, weight_decay=2e-4)] == [0, 1, 2]
    with pytest.raises(ValueError, match="settings must name TrainConfig fields"):
        sweep.where(hiden=3)


class InlineExecutor:
    """An executor that runs each task at once; the task with index ``fail`` raises instead."""

    def __init__(self, fail=None):
        self.fail, self.calls = fail, 0

    def submit(self, fn, *args):
        future = Future()
        try:
            if self.calls == self.fail:
                raise OSError("node lost")
            future.set_result(fn(*args))
        except OSError as err:
            future.set_exception(err)
        self.calls += 1
        return future


def test_any_executor_and_failed_tasks(tmp_path):
    runs = [dict(seed=s) for s in range(6)]
    with pytest.raises(RuntimeError, match=r"1 of 3 tasks failed.*node lost"):
        run_sweep(5, runs, tmp_path, base=BASE, executor=InlineExecutor(fail=1), runs_per_task=2, progress=False)
    assert len(list(tmp_path.glob("*.npz"))) == 4
    done = run_sweep(5, runs, tmp_path, base=BASE, executor=InlineExecutor(), runs_per_task=2, progress=False)
    assert len(done) == 6 and len(list(tmp_path.glob("*.npz"))) == 6


def test_process_pool_gives_the_serial_results(tmp_path):
    serial = run_sweep(7, RUNS, tmp_path / "serial", base=BASE, progress=False)
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        parallel = run_sweep(7, RUNS, tmp_path / "pool", base=BASE, executor=pool, runs_per_task=2, progress=False)
    histories_equal(serial, parallel, rtol=1e-5)


SCRIPT = """
import li2lib.experiments.sweeps as s
runs = [dict(seed=i) for i in range({n})]
s.run_sweep(5, runs, {folder!r}, base=dict(hidden=16, epochs=500, train_fraction=0.5, device="cpu",
            eval_every=50), runs_per_task=1, progress=False)
"""


def test_sigkill_mid_sweep_then_resume(tmp_path):
    """A sweep killed with SIGKILL keeps its finished runs and leaves no broken file; the
    next run trains only what is missing and leaves no temporary files."""
    folder = tmp_path / "sweep"
    n = 8
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT.format(n=n, folder=str(folder))])
    deadline = time.time() + 120
    while time.time() < deadline and len(list(folder.glob("[!.]*.npz"))) < 2:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = {p.name: p.stat().st_mtime_ns for p in folder.glob("[!.]*.npz")}
    assert 2 <= len(finished) < n
    for name in finished:  # every file on disk is complete
        sweeps.load_run(folder / name)

    trained = []
    real_task = sweeps._train_task

    def recording_task(group, configs, paths, *rest, **kw):
        trained.extend(Path(p).name for p in paths)
        return real_task(group, configs, paths, *rest, **kw)

    sweeps._train_task = recording_task
    try:
        runs = [dict(seed=i) for i in range(n)]
        done = run_sweep(5, runs, folder, base=dict(hidden=16, epochs=500, train_fraction=0.5, device="cpu",
                                                      eval_every=50), runs_per_task=1, progress=False)
    finally:
        sweeps._train_task = real_task
    assert len(done) == n and not set(trained) & set(finished)
    assert len(trained) == n - len(finished)
    assert {p.name: p.stat().st_mtime_ns for p in folder.glob("[!.]*.npz") if p.name in finished} == finished
    assert not list(folder.glob(".*"))  # no temporary file is left




# Your own activation, loss and metric, at the top level of this module so a process pool can
# pickle them by reference. They are registered inside the tests, never at import: a worker
# that imports this module to unpickle them learns the names only from the task itself.

def cube(x):
    return x**3


def cube_derivative(x):
    return 3 * x**2


def l1_loss(outputs, labels):
    return (outputs - torch.nn.functional.one_hot(labels, outputs.shape[-1]).to(outputs.dtype)).abs().sum(-1)


def v_mean(state):
    return state.params["V"].mean(dim=(1, 2))


OWN = dict(BASE, activation="cube", loss="l1", epochs=8, init_scale_w=0.5)


def register_own():
    li2lib.register_activation("cube", cube, cube_derivative)
    li2lib.register_loss("l1", l1_loss)


def check_own_sweep(sweep: Sweep, runs: int):
    assert len(sweep) == runs
    for r in sweep:
        assert r.settings["activation"] == "cube" and r.settings["loss"] == "l1"
        assert set(r.params) == {"W", "V"} and r.params["V"].shape == (16, 7)
        # the metric logged at the last epoch is the mean of the weights saved at the end
        assert r.history["v_mean"][-1] == pytest.approx(float(r.params["V"].mean()), rel=1e-5)
        assert r.summary["final_v_mean"] == r.history["v_mean"][-1]


def test_own_activation_loss_and_metric_on_a_process_pool(tmp_path, own_registry):
    register_own()
    runs = [dict(seed=s) for s in range(3)]
    options = dict(base=OWN, metrics={"v_mean": v_mean}, keep_weights=True, progress=False)
    serial = run_sweep(7, runs, tmp_path / "serial", **options)
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        parallel = run_sweep(7, runs, tmp_path / "pool", executor=pool, runs_per_task=1, **options)
    # without the registry that travels with the task, a fresh worker does not know the names
    config = li2lib.TrainConfig(**{**OWN, "seed": 5})
    bare = sweeps._Extras(activations={}, losses={})
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        with pytest.raises(ValueError, match="activation must be one of"):
            pool.submit(sweeps._train_task, li2lib.cyclic(7), [config], [str(tmp_path / "x.npz")], ("W", "V"), None, bare).result()
    check_own_sweep(parallel, 3)
    histories_equal(serial, parallel, rtol=1e-5)
    loaded = li2lib.load_sweep(tmp_path / "pool")
    assert sorted(r.key for r in loaded) == sorted(r.key for r in parallel)


def test_a_sweep_adds_missing_metrics_and_weights_and_lists_a_run_once(tmp_path):
    runs = [dict(seed=0), dict(seed=1), dict(seed=0)]
    plain = run_sweep(5, runs, tmp_path, base=BASE, progress=False)
    assert len(plain) == 2 and plain[0].params == {} and "v_mean" not in plain[0].history
    richer = run_sweep(5, runs, tmp_path, base=BASE, progress=False, metrics={"v_mean": v_mean}, keep_weights=True)
    assert [r.key for r in richer] == [r.key for r in plain] and len(list(tmp_path.glob("*.npz"))) == 2
    assert all("v_mean" in r.history and set(r.params) == {"W", "V"} for r in richer)
    histories_equal(plain, Sweep(dataclasses.replace(r, history={k: v for k, v in r.history.items() if k != "v_mean"})
                                 for r in richer))


def test_own_functions_enter_the_key(own_registry):
    builtin = run_key(7, {})
    li2lib.register_activation("cube", cube)
    first = run_key(7, {"activation": "cube"})
    li2lib.register_activation("cube", lambda x: x * x * x)  # another function under the same name
    assert run_key(7, {"activation": "cube"}) != first
    assert run_key(7, {}, stop_when=v_mean) != builtin and run_key(7, {}) == builtin
    # a lambda is keyed by its code, not by the statement around it
    rules = [lambda s, v: v["train_acc"] > 0.9, lambda s, v: v["train_acc"] > 0.9, lambda s, v: v["train_acc"] > 0.8]
    keys = [run_key(7, {}, stop_when=rule) for rule in rules]
    assert keys[0] == keys[1] != keys[2]


dask_distributed = pytest.importorskip("dask.distributed")


def test_dask_cluster_gives_the_serial_results_and_survives_a_killed_worker(tmp_path):
    runs = [dict(seed=s) for s in range(8)]
    base = dict(BASE, epochs=400, eval_every=50)
    serial = run_sweep(5, runs, tmp_path / "serial", base=base, progress=False)
    folder = tmp_path / "dask"
    with dask_distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            dask_distributed.Client(cluster) as client:
        pids = list(client.run(os.getpid).values())
        out = {}
        worker = threading.Thread(target=lambda: out.setdefault("sweep", run_sweep(
            5, runs, folder, base=base, executor=client, runs_per_task=1, progress=False)))
        worker.start()
        deadline = time.time() + 120
        while time.time() < deadline and len(list(folder.glob("[!.]*.npz"))) < 2:
            time.sleep(0.05)
        before = {p.name: p.stat().st_mtime_ns for p in folder.glob("[!.]*.npz")}
        os.kill(pids[0], signal.SIGKILL)
        worker.join(timeout=300)
        assert not worker.is_alive()
    assert len(before) >= 2
    histories_equal(serial, out["sweep"], rtol=1e-5)
    after = {p.name: p.stat().st_mtime_ns for p in folder.glob("[!.]*.npz")}
    assert all(after[name] == t for name, t in before.items())  # no finished run was redone


def test_bad_sweep_input(tmp_path):
    with pytest.raises(ValueError, match="executor must have a submit"):
        run_sweep(5, [{}], tmp_path, executor=object(), progress=False)
    with pytest.raises(ValueError, match="runs must be a non-empty list"):
        run_sweep(5, {"seed": 1}, tmp_path, progress=False)
    with pytest.raises(ValueError, match=r"runs\[1\]: lr must be a finite number > 0"):
        run_sweep(5, [{}, {"lr": 0}], tmp_path, progress=False)
    with pytest.raises(ValueError, match=r"runs\[0\]: train_size must be at most 25"):
        run_sweep(5, [{"train_size": 26}], tmp_path, progress=False)
    with pytest.raises(ValueError, match="runs_per_task must be an integer >= 1"):
        run_sweep(5, [{}], tmp_path, runs_per_task=0, progress=False)
    with pytest.raises(ValueError, match="folder must be an existing sweep folder"):
        load_sweep(tmp_path / "nope")
    assert not list(tmp_path.iterdir())


def test_named_sweeps_are_stored_in_the_package():
    for name, spec in SWEEPS.items():
        folder = stored_folder(name)
        assert folder.parent.name == "stored" and folder.parent.parent == Path(li2lib.__file__).parent
        for run in spec["runs"] if "runs" in spec else [run for _, runs in spec["plan"] for run in runs]:
            li2lib.TrainConfig(**{**spec["base"], **run})
    record = stored_run("knobs", train_fraction=0.2)
    assert record.settings["train_fraction"] == 0.2 and record.group.name == "Z_71"
    assert record.history["epoch"][-1] <= 1500
    with pytest.raises(ValueError, match="name must be one of"):
        stored_run("nope")


def test_console_command(tmp_path):
    out = subprocess.run([sys.executable, "-m", "li2lib", "sweeps"], capture_output=True, text=True, check=True)
    assert "knobs: 13 runs" in out.stdout  # 16 listed, 4 of them the base setting itself
    bad = subprocess.run([sys.executable, "-m", "li2lib", "sweep", "nope"], capture_output=True, text=True)
    assert bad.returncode == 2 and "NAME must be one of" in bad.stderr
    script = textwrap.dedent("""
        import sys, li2lib.experiments.registry as registry
        registry.SWEEPS["tiny"] = dict(group=5, base=dict(hidden=8, epochs=3), runs=[dict(seed=0), dict(seed=1)])
        from li2lib.cli import main
        main(["sweep", "tiny", "--folder", sys.argv[1], "--executor", "process", "--workers", "2"])
    """)
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, check=True)
    assert "tiny: 2 runs on Z_5" in out.stdout and len(list(tmp_path.glob("*.npz"))) == 2


def test_submitit_executor_interface(tmp_path):
    """submitit's jobs (done(), result()) work as futures; the "debug" cluster runs them in this
    process, the way a Slurm cluster would run them on its nodes."""
    submitit = pytest.importorskip("submitit")
    executor = submitit.AutoExecutor(folder=tmp_path / "logs", cluster="debug")
    sweep = run_sweep(5, [dict(seed=0), dict(seed=1), dict(seed=2)], tmp_path / "sweep", base=BASE, executor=executor,
                      runs_per_task=2, progress=False)
    assert [r.settings["seed"] for r in sweep] == [0, 1, 2]


def test_own_activation_loss_and_metric_on_a_dask_cluster(tmp_path, own_registry):
    """Lambdas travel too: dask pickles them by value."""
    li2lib.register_activation("cube", lambda x: x**3)
    li2lib.register_loss("l1", lambda out, y: (out - torch.nn.functional.one_hot(y, out.shape[-1]).to(out.dtype)).abs().sum(-1))
    runs = [dict(seed=s) for s in range(3)]
    options = dict(base=OWN, metrics={"v_mean": lambda s: s.params["V"].mean(dim=(1, 2))}, keep_weights=True,
                   progress=False)
    serial = run_sweep(7, runs, tmp_path / "serial", **options)
    with dask_distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            dask_distributed.Client(cluster) as client:
        parallel = run_sweep(7, runs, tmp_path / "dask", executor=client, runs_per_task=1, **options)
    check_own_sweep(parallel, 3)
    histories_equal(serial, parallel, rtol=1e-5)
