"""Grids of training runs, saved as they finish, resumable, on one machine or a cluster.

:func:`run_sweep` trains every run of a list that has no file in the sweep's folder yet and
saves each one, the moment it finishes, to ``folder/<key>.npz`` (atomically: a killed sweep
leaves no partial file). Run it again after an interruption and it trains only what is
missing. The key (:func:`run_key`) is a digest of everything that defines the run: the full
effective settings, the group (name and table) and the library's major version; so two runs
with the same key are the same experiment, and two groups can share a folder.

Runs that differ only in per-run settings (seed, fraction, lr, weight decay, init scales) are
trained together by :func:`li2lib.train_many`; a *task* is a batch of up to ``runs_per_task``
such runs. Tasks go to any executor with ``submit(fn, *args) -> future``:

- none (the default): in this process, one after the other;
- ``concurrent.futures.ProcessPoolExecutor(max_workers=N, mp_context=get_context("spawn"))``;
- a ``dask.distributed.Client`` (``pip install li2lib[cluster]``), local or on a cluster;
- ``submitit.AutoExecutor(folder=...)`` for Slurm;
- Ray: any object whose ``submit`` returns something with ``done()`` and ``result()`` works,
  so a two-line adapter does it (an ObjectRef's ``future()`` is a concurrent.futures.Future)::

      class RayExecutor:
          def submit(self, fn, *args):
              return ray.remote(fn).remote(*args).future()

Workers write the files themselves, so the folder must be visible to all of them (a shared
file system on a cluster). A worker that dies loses only the runs it had not finished.

:func:`load_sweep` reads a folder back as a :class:`Sweep`: one :class:`li2lib.TrainResult`
per run (config, group, history, summary, provenance, and the final weights if the sweep kept
them) and a :meth:`Sweep.table` of settings and summary metrics.

Your own measurements travel with the sweep: ``metrics={"name": fn}`` are logged like the
standard ones (:mod:`li2lib.training.metrics`) and saved in every run (their final values
in the summary too), ``keep_weights=True`` saves each run's final weights, ``stop_when``
ends runs early. Activations and losses you registered
(:func:`li2lib.register_activation`, :func:`li2lib.register_loss`) are sent with every task
and registered again in the worker, so process pools and dask workers know them. Every
function given must be picklable by the executor: a ``ProcessPoolExecutor`` pickles by
reference (functions defined at the top level of a module), dask also takes lambdas and
functions defined in a notebook.

The sweeps behind the book's stored data are named in :mod:`li2lib.experiments.registry`;
re-make or finish one with ``li2lib sweep NAME``.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import hashlib
import inspect
import json
import platform
import sys
import time
import types
import typing
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from ..data import seeded_split, train_count
from ..groups import Group, as_group, parse_group
from ..groups.tables import Table, parse_table
from ..io import atomic_savez, remove_stale_temporaries
from ..model import activations
from ..seeding import offset_seed
from ..training import PER_RUN, TrainConfig, TrainResult, first_epoch, losses
from ..training.config import KEY_NEUTRAL, canonical_settings, make_configs
from ..training.engine import check_hooks, train_configs
from ..training.metrics import metric_names
from ..training.result import GROK_THRESHOLD

__all__ = [
    "Sweep",
    "run_key",
    "run_sweep",
    "load_sweep",
    "summarize",
    "save_run",
    "load_run",
]

def _version() -> str:
    # read from the package at call time (it imports this module: no import back, no cycle)
    return sys.modules[__name__.split(".")[0]].__version__


def _major_version() -> str:
    return _version().split(".")[0]


def _config(settings: dict | TrainConfig, where: str = "", pairs: int | None = None) -> TrainConfig:
    if isinstance(settings, TrainConfig):
        return settings
    try:
        return make_configs([{}], settings, pairs)[0]
    except ValueError as err:
        raise ValueError(f"{where}{err}") from None


def _group_id(group: Group) -> dict:
    digest = hashlib.sha1(np.ascontiguousarray(group.table, dtype=np.int64).tobytes()).hexdigest()[:16]
    return {"name": group.name, "order": group.order, "table_sha1": digest}


def _code_bytes(code: types.CodeType) -> bytes:
    """A code object's bytecode, names and constants (nested code objects likewise, never by
    their memory address)."""
    parts = [code.co_code, repr(code.co_names).encode()]
    parts += [_code_bytes(c) if isinstance(c, types.CodeType) else repr(c).encode() for c in code.co_consts]
    return b"\x00".join(parts)


def _function_id(fn) -> str:
    """A function as a key can name it: its qualified name and a digest of its source, or of
    its bytecode for a lambda (whose source is the whole statement around it) or where the
    source is not available."""
    name = f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', type(fn).__name__)}"
    code = getattr(fn, "__code__", None)
    try:
        if "<lambda>" in name:
            raise OSError
        body = inspect.getsource(fn).encode()
    except (OSError, TypeError):
        body = _code_bytes(code) if code is not None else repr(fn).encode()
    return f"{name}:{hashlib.sha1(body).hexdigest()[:12]}"


def _custom_functions(config: TrainConfig, stop_when=None) -> dict:
    """The user's functions a run depends on (a registered activation or loss, ``stop_when``),
    by :func:`_function_id`: empty for the built-in ones, so their keys are unchanged."""
    out = {}
    if config.activation in activations.registered_activations():
        out["activation"] = _function_id(activations.registered_activations()[config.activation][0])
    if config.loss in losses.registered_losses():
        out["loss"] = _function_id(losses.registered_losses()[config.loss])
    if stop_when is not None:
        out["stop_when"] = _function_id(stop_when)
    return out


def run_key(group: Group | int, settings: dict | TrainConfig, stop_when=None) -> str:
    """The file name (without .npz) of a run: ``<group>-<digest>``, the digest over the full
    effective settings (defaults filled in, the device left out: it does not change the
    experiment; settings added later left out at their neutral values, ``KEY_NEUTRAL``, so
    adding a setting keeps every stored key), the group's name and table, and li2lib's major
    version. A registered activation or loss, and ``stop_when``, enter by their source code
    (two functions registered under one name never share a file)."""
    group = as_group(group)
    config = _config(settings)
    settings = canonical_settings(config)
    settings.pop("device")
    for name, neutral in KEY_NEUTRAL.items():
        if settings[name] == neutral:
            del settings[name]
    payload = {"group": _group_id(group), "settings": settings, "li2lib": _major_version()}
    custom = _custom_functions(config, stop_when)
    if custom:
        payload["functions"] = custom
    payload = json.dumps(payload, sort_keys=True)
    slug = "".join(ch if ch.isalnum() else "_" for ch in group.name)
    return f"{slug}-{hashlib.sha1(payload.encode()).hexdigest()[:16]}"


def summarize(history: dict, extra: tuple[str, ...] = ()) -> dict:
    """Summary metrics of one run's history: the first epoch at test accuracy >= 0.95
    (``grok_epoch``: :func:`li2lib.first_epoch` at ``GROK_THRESHOLD``, NaN if never), final
    accuracies and losses, the last logged epoch, and ``final_NAME`` for each metric of ``extra``."""
    logged = len(history["epoch"]) > 0

    def last(name):
        return float(history[name][-1]) if logged else float("nan")

    return {
        "grok_epoch": float(first_epoch(history, "test_acc", GROK_THRESHOLD, missing=float("nan"))),
        "final_train_acc": last("train_acc"),
        "final_test_acc": last("test_acc"),
        "final_train_loss": last("train_loss"),
        "final_test_loss": last("test_loss"),
        "epochs_run": int(history["epoch"][-1]) if logged else 0,
        **{f"final_{name}": last(name) for name in extra},
    }


def _provenance(result: TrainResult) -> dict:
    return {
        "li2lib": _version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "device": result.device,
        "host": platform.node(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


@functools.lru_cache(maxsize=None)
def _named_group(name: str) -> tuple[Group, str] | None:
    """The group (or table, :func:`li2lib.groups.tables.parse_table`) li2lib builds from
    ``name``, with its table's digest; None when the name names none. Cached: the runs of a
    sweep share a few groups."""
    for parse in (parse_group, parse_table):
        try:
            group = parse(name)
        except ValueError:
            continue
        return group, _group_id(group)["table_sha1"]
    return None


def _rebuilds(group: Group) -> bool:
    """Whether ``group`` is the one li2lib builds from its name (same table)."""
    named = _named_group(group.name)
    return named is not None and named[1] == _group_id(group)["table_sha1"]


def save_run(path: str | Path, result: TrainResult, extra: tuple[str, ...] = (), keep_weights: bool = False) -> None:
    """Write one finished run (settings, summary, provenance, history; its final weights if
    ``keep_weights``) to ``path`` atomically; read it with :func:`load_run`. The group is stored
    by name, and by its table too when li2lib cannot build it from its name (your own groups).
    ``extra``: the names of the user's metrics, summarised by their final values."""
    path = Path(path)
    group, arrays = _group_id(result.group), {}
    if not _rebuilds(result.group):
        group.update(kind="table" if isinstance(result.group, Table) else "group", labels=result.group.labels)
        arrays["group_table"] = result.group.table
    meta = {
        "key": path.stem,
        "group": group,
        "settings": canonical_settings(result.config),
        "summary": {**summarize(result.history, extra), "wall_time": result.wall_time,
                    "diverged": result.error is not None},
        "provenance": _provenance(result),
        "error": result.error,
    }
    if keep_weights:
        arrays.update({f"params/{k}": v for k, v in result.params.items()})
    atomic_savez(path, meta=json.dumps(meta), **{f"history/{k}": v for k, v in result.history.items()}, **arrays)


def _has(path: Path, names: list[str]) -> bool:
    """Whether the saved run at ``path`` holds every array of ``names``."""
    with np.load(path) as data:
        return set(names) <= set(data.files)


def _stored_group(meta: dict, data, path: Path) -> Group:
    """The group a saved run was trained on: from the table the file stores, else built from
    its name; either way checked against the table digest the file records."""
    ident = meta["group"]
    if "group_table" in data.files:
        kind = Table if ident.get("kind") == "table" else Group
        group = kind(data["group_table"], ident["name"], ident.get("labels"))
    else:
        named = _named_group(ident["name"])
        if named is None:
            raise ValueError(f"{path}: the run's group {ident['name']!r} is not stored in the file and li2lib "
                             f"cannot build it from its name")
        group = named[0]
    if _group_id(group)["table_sha1"] != ident["table_sha1"]:
        raise ValueError(f"{path}: the group li2lib builds as {ident['name']!r} is not the one the run was trained on "
                         f"(table digest {_group_id(group)['table_sha1']}, the file records {ident['table_sha1']})")
    return group


def _stored_config(settings: dict, path: Path) -> TrainConfig:
    """The :class:`li2lib.TrainConfig` a run was trained with, from the settings its file
    records (checked when it was trained, so not again: a run stays readable where the
    activation or loss it used is not registered); settings added since take their defaults."""
    fields = {f.name: f for f in dataclasses.fields(TrainConfig)}
    if not set(settings) <= set(fields):
        raise ValueError(f"{path}: settings must name TrainConfig fields, got {sorted(set(settings) - set(fields))}")
    config = object.__new__(TrainConfig)
    for name, f in fields.items():
        value = settings[name] if name in settings else (
            f.default if f.default is not dataclasses.MISSING else f.default_factory())
        object.__setattr__(config, name, tuple(value) if isinstance(value, list) else value)
    return config


def load_run(path: str | Path) -> TrainResult:
    """A run written by :func:`save_run`, as the :class:`li2lib.TrainResult` it was (see there:
    its split is drawn again from its seed; ``params`` is empty unless the sweep kept the weights)."""
    path = Path(path)
    with np.load(path) as data:
        meta = json.loads(str(data["meta"]))
        group = _stored_group(meta, data, path)
        history = {k.split("/", 1)[1]: data[k] for k in data.files if k.startswith("history/")}
        params = {k.split("/", 1)[1]: data[k] for k in data.files if k.startswith("params/")}
    config = _stored_config(meta["settings"], path)
    pairs = group.order**2
    train_idx, test_idx = seeded_split(pairs, train_count(pairs, train_fraction=config.train_fraction,
                                                          train_size=config.train_size), config.seed)
    return TrainResult(config=config, group=group, params=params, history=history, train_idx=train_idx,
                       test_idx=test_idx, wall_time=meta["summary"].get("wall_time", 0.0),
                       device=meta["provenance"].get("device", "cpu"), error=meta["error"], key=meta["key"],
                       summary=meta["summary"], provenance=meta["provenance"])


class Sweep(list):
    """The runs of a sweep (a list of :class:`li2lib.TrainResult`), with a table view."""

    def table(self) -> dict[str, np.ndarray]:
        """One row per run, columns: key, group, every setting, every summary metric, device
        and date. Settings that are lists or dicts are JSON strings."""
        rows = []
        for r in self:
            row = {"key": r.key, "group": r.group.name}
            row.update({k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in r.settings.items()})
            row.update(r.summary)
            row.update(device=r.provenance.get("device"), date=r.provenance.get("date"))
            rows.append(row)
        columns = list(dict.fromkeys(k for row in rows for k in row))
        table = {}
        for c in columns:
            values = [row.get(c) for row in rows]
            kinds = {type(v) for v in values}
            numeric = kinds <= {int, float} or kinds <= {bool}
            table[c] = np.array(values, dtype=None if numeric else object)
        return table

    def varying(self) -> list[str]:
        """The settings (and the group) that differ between the runs."""
        names = ["group", *(self[0].settings if self else [])]
        settings = [r.settings for r in self]
        return [n for n in names if len({json.dumps(r.group.name if n == "group" else s[n]) for r, s in zip(self, settings)}) > 1]

    def to_pandas(self):
        """:meth:`table` as a pandas DataFrame (needs pandas: ``pip install li2lib[analysis]``)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("to_pandas needs pandas: pip install 'li2lib[analysis]' (Sweep.table() needs nothing)") from None

        return pd.DataFrame(self.table())

    def where(self, group: str | None = None, **settings) -> "Sweep":
        """The runs whose settings equal all of ``settings`` (and whose group is named ``group``)."""
        def match(r):
            if group is not None and r.group.name != group:
                return False
            stored = r.settings
            return all(json.dumps(stored[k]) == json.dumps(v) for k, v in settings.items())
        for k in settings:
            if self and k not in self[0].settings:
                raise ValueError(f"settings must name TrainConfig fields, got {k!r}")
        return Sweep(r for r in self if match(r))


def load_sweep(folder: str | Path, keys: list[str] | None = None) -> Sweep:
    """The runs saved in ``folder`` (sorted by key), or those of ``keys`` in that order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"folder must be an existing sweep folder, got {str(folder)!r}")
    paths = [folder / f"{k}.npz" for k in keys] if keys is not None else sorted(folder.glob("[!.]*.npz"))
    return Sweep(load_run(p) for p in paths)


@dataclasses.dataclass(frozen=True)
class _Extras:
    """What a task carries besides its runs: the user's metrics, stop rule, whether to keep
    the weights, and the activations and losses registered in the submitting process."""

    metrics: dict | None = None
    stop_when: typing.Callable | None = None
    keep_weights: bool = False
    activations: dict = dataclasses.field(default_factory=activations.registered_activations)
    losses: dict = dataclasses.field(default_factory=losses.registered_losses)

    def install(self) -> None:
        """Register, in this (worker) process, what the submitting process had registered."""
        for name, (fn, derivative) in self.activations.items():
            if activations.registered_activations().get(name) != (fn, derivative):
                activations.register_activation(name, fn, derivative)
        for name, fn in self.losses.items():
            if losses.registered_losses().get(name) is not fn:
                losses.register_loss(name, fn)

    def arrays(self, names: tuple[str, ...]) -> list[str]:
        """The arrays a saved run must hold to satisfy this sweep (``names``: its weights)."""
        return [f"history/{m}" for m in self.metrics or {}] + [f"params/{n}" for n in names if self.keep_weights]

    def complete(self, path: Path, names: tuple[str, ...]) -> bool:
        return path.exists() and (not self.arrays(names) or _has(path, self.arrays(names)))


def _family(config: TrainConfig) -> str:
    """The settings a batch shares (all but :data:`PER_RUN`), as a key: runs of one family
    train as one network."""
    return json.dumps(canonical_settings(config) | {k: None for k in PER_RUN}, sort_keys=True)


def _train_task(group: Group, configs: list[TrainConfig], paths: list[str], names: tuple[str, ...],
                threads: int | None = None, extras: _Extras = _Extras(), progress: bool = False) -> list[str]:
    """One task of a sweep: train ``configs`` (one family, so they can share a batch; ``names``:
    their weights) with train_configs and save each run to its path as soon as it finishes.
    Runs in a worker process. Runs already saved (with what ``extras`` asks for) are skipped,
    so an executor may retry a task (e.g. after losing a worker) safely."""
    extras.install()
    todo = [i for i, path in enumerate(paths) if not extras.complete(Path(path), names)]
    if not todo:
        return paths
    configs, saved, paths = [configs[i] for i in todo], paths, [paths[i] for i in todo]
    if threads:
        torch.set_num_threads(threads)
    extra = tuple(extras.metrics or {})
    train_configs(group, configs, progress=progress, metrics=extras.metrics, stop_when=extras.stop_when,
                  callback=lambda i, result: save_run(paths[i], result, extra, extras.keep_weights))
    return saved


def _tasks(configs: list[TrainConfig], positions: list[int], runs_per_task: int) -> list[list[int]]:
    """``positions`` grouped by family (:func:`_family`), each family cut into tasks of runs_per_task."""
    families: dict[str, list[int]] = {}
    for i in positions:
        families.setdefault(_family(configs[i]), []).append(i)
    return [f[i : i + runs_per_task] for f in families.values() for i in range(0, len(f), runs_per_task)]


def run_sweep(
    group: Group | int,
    runs: list[dict],
    folder: str | Path,
    *,
    base: dict | None = None,
    executor=None,
    runs_per_task: int = 32,
    threads_per_task: int | None = None,
    progress: bool = True,
    metrics: dict | None = None,
    stop_when=None,
    keep_weights: bool = False,
) -> Sweep:
    """Train every run of ``runs`` (dicts of settings over ``base``, the settings common to every
    run) not yet saved in ``folder``.

    Returns the :class:`Sweep` of all of them, one result per distinct run (a run listed twice
    is trained and returned once) in the order of ``runs``, finished and loaded alike.
    ``executor``: None, or any object with ``submit(fn, *args)`` (see the module docstring).
    ``metrics``: extra metrics, name -> function of an :class:`li2lib.training.metrics.EvalState`
    returning one number per run, logged at every evaluated epoch and saved with each run
    (their final values in the summary as ``final_NAME``); a saved run that lacks one of them
    is trained again. ``stop_when(state, values)``: see :func:`li2lib.train_many`; it enters
    the runs' keys by its source. ``keep_weights``: save each run's final weights too
    (``result.params``). Every setting is checked before any work. If tasks fail, the others
    still run, their runs are saved, and a RuntimeError reports the failures at the end.
    """
    group = as_group(group)
    if not isinstance(keep_weights, bool):
        raise ValueError(f"keep_weights must be True or False, got {keep_weights!r}")
    extras = _Extras(dict(metrics) if metrics is not None else None, stop_when, keep_weights)
    if isinstance(runs, dict) or not isinstance(runs, (list, tuple)) or not runs:
        raise ValueError(f"runs must be a non-empty list of dicts of settings, got {runs!r}")
    if isinstance(runs_per_task, bool) or not isinstance(runs_per_task, int) or runs_per_task < 1:
        raise ValueError(f"runs_per_task must be an integer >= 1, got {runs_per_task!r}")
    if executor is not None and not callable(getattr(executor, "submit", None)):
        raise ValueError(f"executor must have a submit(fn, *args) method, got {executor!r}")
    base = dict(base or {})
    configs = []
    for i, run in enumerate(runs):
        if not isinstance(run, dict):
            raise ValueError(f"runs[{i}] must be a dict of settings, got {run!r}")
        configs.append(_config({**base, **run}, f"runs[{i}]: ", pairs=group.order**2))
    # the seeds actually used (LI2_SEED_OFFSET), so each key and saved run names its real seed
    configs = [dataclasses.replace(c, seed=offset_seed(c.seed)) for c in configs]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(folder)
    # the weights' names of each family, from one small network per family (the real one is
    # built once per task, by train_configs)
    families, networks = [_family(c) for c in configs], {}
    for family, c in zip(families, configs):
        if family not in networks:
            networks[family] = c.network(group.order, hidden=1)
    names = [tuple(networks[family].shapes()) for family in families]
    check_hooks(metrics, metric_names(networks[families[0]], None), stop_when=stop_when)
    keys = [run_key(group, c, stop_when) for c in configs]
    missing = {}
    for i, key in enumerate(keys):
        if not extras.complete(folder / f"{key}.npz", names[i]):
            missing.setdefault(key, i)
    tasks = _tasks(configs, list(missing.values()), runs_per_task)

    def arguments(task):
        return (group, [configs[i] for i in task], [str(folder / f"{keys[i]}.npz") for i in task], names[task[0]],
                threads_per_task, extras)

    bar = tqdm(total=len(missing), disable=not progress, desc=f"sweep {group.name}")
    failures = []
    if executor is None:
        for task in tasks:
            _train_task(*arguments(task), progress=progress)
            bar.update(len(task))
    else:
        futures = [executor.submit(_train_task, *arguments(task)) for task in tasks]
        failures = _wait(futures, [len(t) for t in tasks], bar)
    bar.close()
    if failures:
        raise RuntimeError(
            f"{len(failures)} of {len(tasks)} tasks failed; the runs that finished are saved in {folder}, "
            f"run the sweep again to finish the rest. First failure: {failures[0]!r}"
        ) from failures[0]
    return load_sweep(folder, list(dict.fromkeys(keys)))


def _wait(futures: list, sizes: list[int], bar) -> list[BaseException]:
    """Wait for every future (anything with done() and result()); return their exceptions."""
    pending, failures = set(range(len(futures))), []
    while pending:
        for i in [i for i in pending if futures[i].done()]:
            pending.discard(i)
            try:
                futures[i].result()
            except BaseException as err:  # noqa: BLE001 - reported after all tasks ran
                failures.append(err)
            futures[i] = None  # let the executor forget it (dask would recompute a lost result)
            bar.update(sizes[i])
        if pending:
            time.sleep(0.1)
    return failures
