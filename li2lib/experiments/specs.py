"""A sweep of your own, written down in a file: ``li2lib sweep --spec FILE``.

The file is TOML, YAML or JSON (by its suffix: .toml, .yaml/.yml, .json) with these keys::

    name = "cube"                      # optional: saved in ./li2lib-runs/NAME (default: the file's stem)
    groups = [23, "D_12", "Z_4 x Z_7"]  # ints are Z_M; names as li2lib writes them (Z_n, D_n, Dic_n,
                                       # Q_8, S_n, A_n, products joined by " x "): li2lib.groups.parse_group
    imports = ["my_ideas"]             # optional: modules imported first (next to the file or on
                                       # the path), e.g. ones that call li2lib.register_activation
    metrics = {v_mean = "my_ideas:v_mean"}   # optional: extra metrics, "module:function"
    stop_when = "my_ideas:stop"        # optional: a stop rule, "module:function"
    keep_weights = false               # optional: save each run's final weights

    [base]                             # settings common to every run (TrainConfig fields)
    hidden = 256
    epochs = 2000

    [grid]                             # optional: every combination of these values
    seed = [0, 1, 2]
    activation = ["square", "cube"]

    [[runs]]                           # optional: listed runs; with a grid, each run is
    lr = 1e-3                          # combined with each grid point

:func:`load_spec` reads and checks the file (errors name the key and the file) and returns a
:class:`SweepSpec`; :meth:`SweepSpec.run` runs it with :func:`~li2lib.experiments.sweeps.run_sweep` on every group,
on any executor. The functions of ``imports``, ``metrics`` and ``stop_when`` are sent to the
workers by reference, so their module must be importable there: local process pools and dask
clusters started by ``li2lib sweep`` inherit the path (the file's folder included); on a remote
cluster, put the module on a path the workers share.
"""

from __future__ import annotations

import importlib
import itertools
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..groups import Group, parse_group
from .sweeps import Sweep, run_sweep

__all__ = ["SweepSpec", "load_spec"]

KEYS = ("name", "groups", "imports", "metrics", "stop_when", "keep_weights", "base", "grid", "runs")
"""The keys a spec file may have."""

def _read(path: Path) -> dict:
    suffix = path.suffix.lower()
    text = path.read_text()
    if suffix == ".toml":
        import tomllib

        return tomllib.loads(text)
    if suffix in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise ValueError(f"spec {path} is YAML, which needs PyYAML: pip install pyyaml") from None
        return yaml.safe_load(text)
    if suffix == ".json":
        return json.loads(text)
    raise ValueError(f"spec must be a .toml, .yaml, .yml or .json file, got {str(path)!r}")


def _resolve(reference, what: str):
    """The function named by ``"module:function"``."""
    if not isinstance(reference, str) or reference.count(":") != 1:
        raise ValueError(f"{what} must be 'module:function', got {reference!r}")
    module, name = reference.split(":")
    try:
        fn = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as err:
        raise ValueError(f"{what} {reference!r} cannot be found: {err}") from None
    if not callable(fn):
        raise ValueError(f"{what} {reference!r} is not a function")
    return fn


@dataclass
class SweepSpec:
    """A user-defined sweep: its name, groups, the runs (dicts of settings over ``base``) and
    the extras :func:`~li2lib.experiments.sweeps.run_sweep` takes."""

    name: str
    groups: list[Group]
    base: dict
    runs: list[dict]
    metrics: dict | None = None
    stop_when: object = None
    keep_weights: bool = False
    imports: list[str] = field(default_factory=list)

    def run(self, folder: str | Path, **options) -> Sweep:
        """Train what ``folder`` lacks on every group; returns all the runs. ``options``:
        executor, runs_per_task, threads_per_task, progress (see :func:`~li2lib.experiments.sweeps.run_sweep`)."""
        out = Sweep()
        for group in self.groups:
            out.extend(run_sweep(group, self.runs, folder, base=self.base, metrics=self.metrics,
                                 stop_when=self.stop_when, keep_weights=self.keep_weights, **options))
        return out


def load_spec(path: str | Path) -> SweepSpec:
    """Read and check the sweep defined in the file ``path`` (see the module docstring);
    imports its ``imports`` (the file's folder first on the path)."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"spec must be an existing file, got {str(path)!r}")
    try:
        data = _read(path)
    except ValueError:
        raise
    except Exception as err:  # noqa: BLE001 - the parsers' own errors, reported as one line
        raise ValueError(f"spec {path} cannot be read: {err}") from None
    if not isinstance(data, dict):
        raise ValueError(f"spec {path} must be a table of keys {list(KEYS)}")
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise ValueError(f"spec {path}: unknown key(s) {unknown}; known keys: {list(KEYS)}")

    def check(key, kind, default, description):
        value = data.get(key, default)
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            raise ValueError(f"spec {path}: {key} must be {description}, got {value!r}")
        return value

    name = check("name", str, path.stem, "a string")
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise ValueError(f"spec {path}: name must be letters, digits, '_', '-' or '.', got {name!r}")
    groups = check("groups", list, None, "a non-empty list of groups (ints M or names such as 'D_12')")
    if not groups:
        raise ValueError(f"spec {path}: groups must be a non-empty list, got []")
    base = check("base", dict, {}, "a table of settings")
    grid = check("grid", dict, {}, "a table of lists of values")
    runs = check("runs", list, [{}], "a list of tables of settings")
    imports = check("imports", list, [], "a list of module names")
    keep_weights = check("keep_weights", bool, False, "true or false")
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise ValueError(f"spec {path}: grid.{key} must be a non-empty list of values, got {values!r}")
    for i, run in enumerate(runs):
        if not isinstance(run, dict):
            raise ValueError(f"spec {path}: runs[{i}] must be a table of settings, got {run!r}")
    folder = str(path.parent.resolve())
    if folder not in sys.path:
        sys.path.insert(0, folder)
    for module in imports:
        try:
            importlib.import_module(module)
        except ImportError as err:
            raise ValueError(f"spec {path}: imports: {err}") from None
    metrics = data.get("metrics")
    if metrics is not None:
        if not isinstance(metrics, dict):
            raise ValueError(f"spec {path}: metrics must be a table name = 'module:function', got {metrics!r}")
        metrics = {k: _resolve(v, f"metrics.{k}") for k, v in metrics.items()}
    stop_when = _resolve(data["stop_when"], "stop_when") if "stop_when" in data else None
    points = [dict(zip(grid, values)) for values in itertools.product(*grid.values())]
    combined = [{**run, **point} for run in runs for point in points]
    return SweepSpec(name, [parse_group(g) for g in groups], base, combined, metrics, stop_when, keep_weights,
                     list(imports))
