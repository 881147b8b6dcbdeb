"""Grids of training runs that save as they go and resume where they stopped.

A sweep is a list of settings for :func:`li2lib.train` (one dict per run). :func:`run_sweep`
trains each run whose result file is missing, writes its history atomically to
``folder/<key>.npz`` (temporary file + rename, so an interrupted sweep never leaves a broken
file), and skips runs already on disk. :func:`load_sweep` reads a folder back.

The sweeps behind the book's stored data are named in ``SWEEPS``; each one is re-made
(or finished, after an interruption) with::

    python -m li2lib.sweeps NAME [--folder data/sweeps/NAME]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from .groups import Group, cyclic
from .training import TrainConfig, train

__all__ = ["SWEEPS", "stored_run", "run_key", "run_sweep", "load_sweep", "save_history", "load_history"]


def run_key(settings: dict) -> str:
    """A readable, file-safe name for a run: its settings that differ from TrainConfig's defaults.

    ``run_key({"lr": 0.003, "seed": 1, "hidden": 2048})`` is ``"lr=0.003_seed=1"`` (2048 is the
    default width); a run with only default settings is ``"defaults"``. Two runs with the same
    effective settings therefore share a file.
    """
    defaults = asdict(TrainConfig())
    parts = [f"{k}={settings[k]}" for k in sorted(settings) if k not in defaults or settings[k] != defaults[k]]
    return "_".join(parts).replace("/", "-").replace(" ", "") or "defaults"


def save_history(path: str | Path, history: dict, settings: dict) -> None:
    """Write one run's history and settings to ``path`` (.npz) atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp.npz")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez_compressed(f, settings=json.dumps(settings), **history)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_history(path: str | Path) -> tuple[dict, dict[str, np.ndarray]]:
    """``(settings, history)`` from a file written by :func:`save_history`."""
    with np.load(path) as data:
        settings = json.loads(str(data["settings"]))
        history = {k: data[k] for k in data.files if k != "settings"}
    return settings, history


def run_sweep(
    group: Group | int,
    runs: list[dict],
    folder: str | Path,
    *,
    base: dict | None = None,
    progress: bool = True,
) -> list[tuple[dict, dict[str, np.ndarray]]]:
    """Train every run in ``runs`` (merged over ``base``) that has no file in ``folder`` yet.

    Returns ``[(settings, history), ...]`` in the order of ``runs``, finished and loaded alike.
    Interrupt it at any point: finished runs are on disk and are not redone next time.
    """
    group = cyclic(group) if isinstance(group, int) else group
    base = dict(base or {})
    folder = Path(folder)
    out = []
    bar = tqdm(runs, disable=not progress, desc=f"sweep {group.name}")
    for run in bar:
        settings = {**base, **run}
        path = folder / f"{run_key(settings)}.npz"
        if path.exists():
            out.append(load_history(path))
            continue
        result = train(group, progress=False, **settings)
        record = {"group": group.name, **asdict(result.config), "wall_time": result.wall_time}
        save_history(path, result.history, record)
        out.append((record, result.history))
    return out


def load_sweep(folder: str | Path) -> list[tuple[dict, dict[str, np.ndarray]]]:
    """Every ``(settings, history)`` saved in ``folder``, sorted by file name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"folder must be an existing sweep folder, got {str(folder)!r}")
    return [load_history(p) for p in sorted(folder.glob("*.npz")) if not p.name.endswith(".tmp.npz")]


KNOB_VALUES = {
    "weight_decay": [0.0, 5e-5, 2e-4, 5e-4, 1e-3],
    "lr": [3e-4, 1e-3, 3e-3],
    "train_fraction": [0.2, 0.3, 0.4, 0.6],
    "hidden": [256, 512, 2048, 8192],
}

SWEEPS = {
    # Chapter 1's small multiples: the Fig. 3 setting (Z_71, K=2048, 40%, x^2, MSE, Adam,
    # lr 1e-3, wd 2e-4) with one knob changed at a time; a run stops once test acc >= 0.99.
    "knobs": dict(
        group=71,
        base=dict(epochs=1500, eval_every=5, stop_at_test_acc=0.99, seed=0, device="cpu"),
        runs=[{knob: v} for knob, values in KNOB_VALUES.items() for v in values],
    ),
}
"""name -> dict(group, base, runs): the sweeps whose results the book stores under data/sweeps."""


def default_folder(name: str) -> Path:
    """Where the named sweep's results live, relative to the repository root."""
    return Path("data") / "sweeps" / name


def stored_run(name: str, folder: str | Path | None = None, **run) -> tuple[dict, dict[str, np.ndarray]]:
    """``(settings, history)`` of one run of the named sweep, e.g.
    ``stored_run("knobs", train_fraction=0.2)``; settings not given are the sweep's base values."""
    if name not in SWEEPS:
        raise ValueError(f"name must be one of {sorted(SWEEPS)}, got {name!r}")
    folder = Path(folder) if folder is not None else default_folder(name)
    path = folder / f"{run_key({**SWEEPS[name]['base'], **run})}.npz"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing; make it with: python -m li2lib.sweeps {name}")
    return load_history(path)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run, or resume, one of the book's named sweeps.")
    parser.add_argument("name", choices=sorted(SWEEPS), help="which sweep")
    parser.add_argument("--folder", help="where each run's history is saved (default data/sweeps/NAME)")
    args = parser.parse_args(argv)
    spec = SWEEPS[args.name]
    folder = args.folder or default_folder(args.name)
    run_sweep(spec["group"], spec["runs"], folder, base=spec["base"])


if __name__ == "__main__":
    main()
