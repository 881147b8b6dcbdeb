"""What a run produced: weights by name, the history of its metrics, snapshots; saved and loaded."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..groups import Group
from ..io import atomic_savez
from .config import TrainConfig, canonical_settings

__all__ = ["TrainResult", "TrainingDiverged", "first_epoch", "GROK_THRESHOLD"]


GROK_THRESHOLD = 0.95
"""The test accuracy whose first epoch is the book's "epoch of grokking"."""


def first_epoch(history: dict, metric: str, threshold: float, missing=None):
    """The first logged epoch of ``history`` at which ``history[metric] >= threshold``; ``missing``
    (default None) when there is none.

    ``first_epoch(h, "test_acc", GROK_THRESHOLD)`` (0.95) is the book's "epoch of grokking"; a
    sweep's summary stores it as ``grok_epoch`` with ``missing=float("nan")``, so that a run that
    never grokked is a number in tables and arrays (``np.nanmedian`` skips it).
    """
    if metric not in history:
        raise ValueError(f"metric must be one of {sorted(history)}, got {metric!r}")
    hit = np.flatnonzero(np.asarray(history[metric]) >= threshold)
    return int(history["epoch"][hit[0]]) if len(hit) else missing


@dataclass
class TrainResult:
    """What a run produced.

    ``params`` maps each weight matrix to its final value: ``W`` (2M x K) and ``V`` (K x M) in
    the paper's orientation (also as ``.W`` and ``.V``), and ``W2``, ``W3``, ... for deeper nets.
    ``history`` maps each metric to a 1-D array over the logged epochs; epoch e means "after e
    optimizer steps", so epoch 0 is the initialisation. Metrics: train_loss, test_loss,
    train_acc, test_acc (NaN when the test set is empty), gf_norm (||G_F||_F of Eq. 2 on the
    training set), and the Frobenius norm of every weight (w_norm, v_norm, ...).
    ``snapshots`` holds weights at the epochs asked for: ``epoch`` (S,) and one (S, rows, cols)
    array per weight. ``error`` is the divergence message when the run diverged (then the
    history stops at the last good epoch), else None. ``wall_time`` is the seconds from the
    start of its batch to the moment the run finished (runs trained together share a clock).

    A run a sweep saved and :func:`li2lib.experiments.sweeps.load_sweep` read back is the same object: its config
    and group as trained (the group rebuilt from its name, or from the table the file stores),
    its history, its split drawn again from its seed, the final weights if the sweep kept them
    (else ``params`` is empty) and no snapshots; besides, ``key`` is its file name
    (:func:`li2lib.experiments.sweeps.run_key`), ``summary`` its summary metrics
    (:func:`li2lib.experiments.sweeps.summarize`, with ``wall_time`` and ``diverged``) and
    ``provenance`` the versions, device, host and date it was made with. A run not saved by a
    sweep has ``key`` None and both dicts empty.
    """

    config: TrainConfig
    group: Group
    params: dict[str, np.ndarray]
    history: dict[str, np.ndarray]
    train_idx: np.ndarray
    test_idx: np.ndarray
    snapshots: dict[str, np.ndarray] = field(default_factory=dict)
    wall_time: float = 0.0
    device: str = "cpu"
    error: str | None = None
    key: str | None = None
    summary: dict = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)

    @property
    def settings(self) -> dict:
        """The run's full effective settings, ``config``'s fields as JSON-ready values (float
        settings as floats, tuples as lists): what a sweep stores and :meth:`Sweep.where` matches."""
        return canonical_settings(self.config)

    @property
    def W(self) -> np.ndarray:
        """The first layer, (2M, K)."""
        return self.params["W"]

    @property
    def V(self) -> np.ndarray:
        """The readout, (K, M)."""
        return self.params["V"]

    def first_epoch(self, metric: str, threshold: float, missing=None):
        """The first logged epoch at which ``history[metric] >= threshold``, else ``missing``."""
        return first_epoch(self.history, metric, threshold, missing)

    def history_table(self):
        """``history`` as a pandas DataFrame, one row per logged epoch (needs pandas:
        ``pip install li2lib[analysis]``)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("history_table needs pandas: pip install 'li2lib[analysis]' (or use save_history_csv)") from None
        return pd.DataFrame(self.history)

    def save_history_csv(self, path: str | Path) -> None:
        """Write ``history`` to ``path`` as CSV: a header of metric names (``epoch`` first),
        one row per logged epoch; needs no pandas."""
        names = list(self.history)
        rows = np.column_stack([np.asarray(self.history[n], dtype=np.float64) for n in names])
        fmt = ["%d" if n == "epoch" else "%.17g" for n in names]
        np.savetxt(path, rows.reshape(len(rows), len(names)), delimiter=",", header=",".join(names), comments="", fmt=fmt)

    def save(self, path: str | Path) -> None:
        """Write the whole result to ``path`` (.npz), atomically; read it with :meth:`load`."""
        arrays = {
            "train_idx": self.train_idx,
            "test_idx": self.test_idx,
            "group_table": self.group.table,
            **{f"params/{k}": v for k, v in self.params.items()},
            **{f"history/{k}": v for k, v in self.history.items()},
            **{f"snapshots/{k}": v for k, v in self.snapshots.items()},
        }
        meta = {
            "config": dataclasses.asdict(self.config),
            "group": {"name": self.group.name, "labels": self.group.labels},
            "wall_time": self.wall_time,
            "device": self.device,
            "error": self.error,
        }
        atomic_savez(path, meta=json.dumps(meta), **arrays)

    @classmethod
    def load(cls, path: str | Path) -> "TrainResult":
        """A result written by :meth:`save`."""
        with np.load(path) as data:
            meta = json.loads(str(data["meta"]))
            parts: dict[str, dict] = {"params": {}, "history": {}, "snapshots": {}}
            for key in data.files:
                head, _, name = key.partition("/")
                if head in parts:
                    parts[head][name] = data[key]
            config = dict(meta["config"])
            if isinstance(config["snapshots"], list):
                config["snapshots"] = tuple(config["snapshots"])
            group = Group(data["group_table"], meta["group"]["name"], meta["group"]["labels"])
            return cls(
                config=TrainConfig(**config),
                group=group,
                params=parts["params"],
                history=parts["history"],
                train_idx=data["train_idx"],
                test_idx=data["test_idx"],
                snapshots=parts["snapshots"],
                wall_time=meta["wall_time"],
                device=meta["device"],
                error=meta["error"],
            )

    def __repr__(self) -> str:
        h = self.history
        logged = len(h["epoch"]) > 0
        epoch = int(h["epoch"][-1]) if logged else 0
        train_acc, test_acc = (h["train_acc"][-1], h["test_acc"][-1]) if logged else (np.nan, np.nan)
        return (
            f"TrainResult({self.group.name}, K={self.config.hidden}, n_train={len(self.train_idx)}, "
            f"epochs={epoch}, train_acc={train_acc:.3f}, test_acc={test_acc:.3f}, "
            f"{self.wall_time:.1f}s on {self.device}{', diverged' if self.error else ''})"
        )

class TrainingDiverged(RuntimeError):
    """The loss became NaN/inf or exploded; ``.result`` holds the run up to the last good epoch."""

    def __init__(self, message: str, result: TrainResult):
        super().__init__(message)
        self.result = result
