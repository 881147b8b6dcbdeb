"""The training loop: R runs stacked on a leading axis and trained as one batched model.

:func:`train_many` validates every run, cuts the runs into batches that fit in memory, and
trains each batch with :class:`_Batch`. :func:`train` is one run of it.

One epoch of a batch (epoch e means "after e optimizer steps"):

1. snapshot the weights, if e is a snapshot epoch;
2. forward pass on each run's training pairs, each run's mean loss;
3. a run whose loss is NaN/inf or has grown ``EXPLOSION_FACTOR``-fold has diverged: it stops
   (its weights are frozen) and its history ends at the epoch before;
4. on an evaluated epoch, every metric (:mod:`li2lib.training.metrics`); a run whose test
   accuracy reached ``stop_at_test_acc`` (or for which ``stop_when`` holds) stops;
5. one optimizer step for the runs still going.

With ``ridge`` set, the readout V is first replaced by the ridge solution for the current
hidden features (:mod:`li2lib.training.ridge`), and the step trains the hidden layers only.

Stopped runs stay frozen in the batch until the next synchronisation with the host (every
epoch on a CPU, every ``sync_every`` epochs on a GPU, so the GPU never waits on the host
between them); there they leave the batch, their results are built, and the batch shrinks.
At each synchronisation ``on_log`` (if given) receives every run's newly logged rows.
"""

from __future__ import annotations

import dataclasses
import time
from collections import defaultdict

import numpy as np
import torch
from tqdm.auto import tqdm

from ..data import seeded_split, train_count
from ..groups import Group, as_group
from ..model import Network, Workspace
from ..model.pairs import dense_backward as _dense_backward
from ..seeding import offset_seed
from .batch import Split
from .config import COMPLEX_DTYPES, DTYPES, TrainConfig, make_configs, resolve_device
from .losses import SAMPLE_LOSSES
from .memory import runs_per_batch as fitting_runs
from .metrics import EvalState, evaluate, metric_names
from .optimizers import OPTIMIZERS
from .result import TrainingDiverged, TrainResult
from .ridge import ridge_readout

__all__ = ["train", "train_many", "EXPLOSION_FACTOR"]

EXPLOSION_FACTOR = 1e6
"""A training loss this many times its initial value counts as diverged."""

GPU_SYNC_EVERY = 50
"""Default epochs between host synchronisations on a GPU."""


def _snapshot_epochs(epochs: int, snapshots: int | tuple[int, ...]) -> set[int]:
    """The epochs to snapshot: the given list, or ``snapshots`` log-spaced epochs plus epoch 0."""
    if isinstance(snapshots, tuple):
        return set(snapshots)
    if snapshots == 0:
        return set()
    return {0, *np.unique(np.round(np.geomspace(1, epochs, snapshots)).astype(int)).tolist()}


def check_hooks(metrics, names_in_use, **functions):
    """Raise ValueError unless ``metrics`` is a dict name -> function with names not in
    ``names_in_use``, and every one of ``functions`` (``stop_when``, ``callback``, ...) is a
    function or None."""
    if metrics is not None:
        if not isinstance(metrics, dict) or not all(isinstance(k, str) and callable(f) for k, f in metrics.items()):
            raise ValueError(f"metrics must be a dict of name -> function(EvalState), got {metrics!r}")
        clash = sorted(set(metrics) & set(names_in_use))
        if clash:
            raise ValueError(f"metrics must not reuse the names of logged metrics, got {clash}")
    for name, value in functions.items():
        if value is not None and not callable(value):
            raise ValueError(f"{name} must be a function or None, got {value!r}")


def _checked_stop(stop_when):
    """``stop_when`` that raises a ValueError naming it unless it returns one truth value per run."""
    def stop(state, values):
        runs = values["train_loss"].shape
        answer = torch.as_tensor(stop_when(state, values))
        if answer.shape != runs:
            raise ValueError(f"stop_when must return one truth value per run, a tensor of shape {tuple(runs)}, "
                             f"got shape {tuple(answer.shape)}")
        return answer

    return stop


def _check_splits(splits, runs: int, pairs: int) -> list:
    if splits is None:
        return [None] * runs
    if not isinstance(splits, (list, tuple)) or len(splits) != runs:
        raise ValueError(f"splits must be a list with one (train_idx, test_idx) or None per run ({runs}), got {splits!r}")
    checked = []
    for i, split in enumerate(splits):
        if split is None:
            checked.append(None)
            continue
        if not isinstance(split, (list, tuple)) or len(split) != 2:
            raise ValueError(f"splits[{i}] must be a pair (train_idx, test_idx), got {split!r}")
        train_idx, test_idx = (np.asarray(part, dtype=np.int64).ravel() for part in split)
        both = np.concatenate([train_idx, test_idx])
        if len(train_idx) == 0 or both.min() < 0 or both.max() >= pairs or len(np.unique(both)) != len(both):
            raise ValueError(f"splits[{i}] must hold a non-empty train_idx and a test_idx of distinct row indices "
                             f"in [0, {pairs}), got {len(train_idx)} and {len(test_idx)} indices")
        checked.append((np.sort(train_idx), np.sort(test_idx)))
    return checked


def _check_initial(initial, runs: int, shapes: dict) -> list:
    if initial is None:
        return [None] * runs
    if not isinstance(initial, (list, tuple)) or len(initial) != runs:
        raise ValueError(f"initial must be a list with one dict of weights or None per run ({runs}), got {initial!r}")
    for i, given in enumerate(initial):
        if given is None:
            continue
        if not isinstance(given, dict) or set(given) != set(shapes):
            raise ValueError(f"initial[{i}] must be a dict of the weights {sorted(shapes)}, got "
                             f"{sorted(given) if isinstance(given, dict) else given!r}")
        for name, shape in shapes.items():
            if tuple(np.shape(given[name])) != shape or not np.isfinite(np.asarray(given[name])).all():
                raise ValueError(f"initial[{i}][{name!r}] must be a finite array of shape {shape}, "
                                 f"got shape {tuple(np.shape(given[name]))}")
    return list(initial)


def _logged(epochs: np.ndarray, end: int, diverged: bool) -> np.ndarray:
    """Which of the logged ``epochs`` belong to a run's history: up to the epoch it stopped at
    (``end``), or before it if it diverged there."""
    return epochs < end if diverged else epochs <= end


class _Batch:
    """The state of R runs trained together; see the module docstring for one epoch."""

    def __init__(self, group: Group, configs: list[TrainConfig], net: Network, device: torch.device, dense: bool,
                 metrics, stop_when, initial: list, splits: list, on_log=None):
        c = self.config = configs[0]
        self.group, self.configs, self.net, self.device = group, configs, net, device
        self.extra, self.stop_when, self.on_log = metrics, stop_when, on_log
        m = group.order
        dtype = DTYPES[c.dtype]
        # every seed here is already offset (train_many applies LI2_SEED_OFFSET once)
        self.splits = [split or seeded_split(m * m, train_count(m * m, train_fraction=k.train_fraction,
                                                                train_size=k.train_size), k.seed)
                       for k, split in zip(configs, splits)]
        inits = [{n: torch.as_tensor(v) for n, v in given.items()} if given is not None else
                 self.net.init(torch.Generator().manual_seed(k.seed), k.init_scale_w, k.init_scale_v)
                 for k, given in zip(configs, initial)]
        weight_dtype = COMPLEX_DTYPES[c.dtype] if c.complex_weights else dtype
        self.params = {name: torch.stack([p[name] for p in inits]).to(device, weight_dtype).requires_grad_()
                       for name in self.net.shapes()}
        # a readout held at its ridge solution is set, not trained
        self.trained = [name for name in self.params if not (c.ridge is not None and name == self.net.readout)]
        self.train = Split(group, [s[0] for s in self.splits], device, dtype, dense)
        self.test = Split(group, [s[1] for s in self.splits], device, dtype, dense)
        lr = torch.tensor([k.lr for k in configs], device=device, dtype=dtype)
        wd = torch.tensor([k.weight_decay for k in configs], device=device, dtype=dtype)
        self.optimizer = OPTIMIZERS[c.optimizer](self.params, lr, wd, hidden=self.net.hidden_params,
                                                 **c.optimizer_options)
        self.loss_fn = SAMPLE_LOSSES[c.loss]
        self.names = metric_names(self.net, metrics)
        self.workspace = Workspace()
        R = len(configs)
        self.slots = list(range(R))  # slot j of the stacked tensors holds run self.slots[j]
        self.active = torch.ones(R, dtype=torch.bool, device=device)
        self.finished_at = torch.full((R,), c.epochs, dtype=torch.long, device=device)
        self.diverged = torch.zeros(R, dtype=torch.bool, device=device)
        self.bad_loss = torch.zeros(R, dtype=dtype, device=device)
        self.initial_loss = None
        self.pending: list[tuple[int, torch.Tensor]] = []  # (epoch, metrics (R, C)) not yet on the host
        self.logs = defaultdict(list)  # run -> [(epochs (E,), rows (E, C))]
        self.snaps = defaultdict(list)  # run -> [(epoch, {name: array})]
        self.snap_at = _snapshot_epochs(c.epochs, c.snapshots)
        self.start = time.perf_counter()

    def epoch(self, e: int) -> None:
        c, params = self.config, self.params
        if e in self.snap_at:
            host = {k: v.detach().cpu().numpy() for k, v in params.items()}
            for j, run in enumerate(self.slots):
                self.snaps[run].append((e, {k: v[j].copy() for k, v in host.items()}))
        final = e == c.epochs
        if c.ridge is not None:
            self._hold_ridge()
        with torch.set_grad_enabled(not final):
            outputs = self.net.outputs(params, self.train.inputs, self.workspace)
            losses = self.train.mean(self.loss_fn(outputs, self.train.y))
        with torch.no_grad():
            if self.initial_loss is None:
                self.initial_loss = losses.detach().clone()
            bad = self.active & ~(losses <= EXPLOSION_FACTOR * self.initial_loss.clamp_min(1e-12))
            self.finished_at = torch.where(bad, e, self.finished_at)
            self.bad_loss = torch.where(bad, losses.detach(), self.bad_loss)
            self.diverged |= bad
            self.active &= ~bad
        if final or e % c.eval_every == 0:
            self._evaluate(e, outputs, losses)
        if not final:
            total = torch.where(self.active, losses, torch.zeros_like(losses)).sum()
            grads = torch.autograd.grad(total, [params[name] for name in self.trained])
            self.optimizer.step(dict(zip(self.trained, grads)), self.active)

    @torch.no_grad()
    def _hold_ridge(self) -> None:
        """V <- the ridge solution for the current features on each run's training pairs."""
        train, net = self.train, self.net
        valid = (train.weight > 0).to(train.weight.dtype)[..., None]
        F = net.features(self.params, train.inputs) * valid
        Y = (torch.nn.functional.one_hot(train.y, net.order).to(F.dtype) - 1.0 / net.order) * valid
        self.params[net.readout].copy_(ridge_readout(F, Y, self.config.ridge, net.output_scale))

    def _evaluate(self, e, outputs, losses):
        with torch.no_grad():
            test_outputs = None if self.test.empty else self.net.outputs(self.params, self.test.inputs, self.workspace)
        state = EvalState(e, self.net, self.params, self.train, self.test, outputs.detach(), losses.detach(), test_outputs)
        values = evaluate(state, self.loss_fn, self.extra)
        self.pending.append((e, torch.stack([values[k] for k in self.names], dim=1)))
        stop = torch.zeros_like(self.active)
        if self.config.stop_at_test_acc is not None:
            stop |= values["test_acc"] >= self.config.stop_at_test_acc
        if self.stop_when is not None:
            stop |= torch.as_tensor(self.stop_when(state, values), device=self.device).bool()
        stop &= self.active
        self.finished_at = torch.where(stop, e, self.finished_at)
        self.active &= ~stop

    def sync(self, final: bool) -> list[tuple[int, TrainResult]]:
        """Bring the logged rows to the host; finish, and drop from the batch, the stopped runs."""
        if self.pending:
            epochs = np.array([e for e, _ in self.pending])
            rows = torch.stack([r for _, r in self.pending]).cpu().numpy().astype(np.float64)
            for j, run in enumerate(self.slots):
                self.logs[run].append((epochs, rows[:, j]))
            self.pending.clear()
            if self.on_log is not None:
                ends, diverged = self.finished_at.cpu().numpy(), self.diverged.cpu().numpy()
                for j, run in enumerate(self.slots):
                    keep = _logged(epochs, int(ends[j]), bool(diverged[j]))
                    if keep.any():
                        self.on_log(run, {"epoch": epochs[keep], **{name: rows[keep, j, i] for i, name in
                                                                    enumerate(self.names)}})
        done = np.ones(len(self.slots), dtype=bool) if final else ~self.active.cpu().numpy()
        if not done.any():
            return []
        finished = [(run, self._result(j, run)) for j, run in enumerate(self.slots) if done[j]]
        keep = torch.as_tensor(np.flatnonzero(~done), device=self.device)
        if len(keep):
            self._keep(keep)
        self.slots = [run for j, run in enumerate(self.slots) if not done[j]]
        return finished

    def _keep(self, keep: torch.Tensor) -> None:
        self.params = {k: v.detach()[keep].requires_grad_() for k, v in self.params.items()}
        self.optimizer.select(keep, self.params)
        self.train, self.test = self.train.select(keep), self.test.select(keep)
        for name in ("active", "finished_at", "diverged", "bad_loss", "initial_loss"):
            setattr(self, name, getattr(self, name)[keep])
        self.workspace = Workspace()

    def _result(self, j: int, run: int) -> TrainResult:
        config = self.configs[run]
        end, diverged = int(self.finished_at[j]), bool(self.diverged[j])
        epochs = np.concatenate([e for e, _ in self.logs[run]]) if self.logs[run] else np.zeros(0, dtype=np.int64)
        rows = np.concatenate([r for _, r in self.logs[run]]) if self.logs[run] else np.zeros((0, len(self.names)))
        keep = _logged(epochs, end, diverged)
        history = {"epoch": epochs[keep].astype(np.int64)}
        history.update({name: rows[keep, i] for i, name in enumerate(self.names)})
        snaps = [(e, w) for e, w in self.snaps.pop(run, []) if e <= end]
        snapshots = {}
        if snaps:
            snapshots = {"epoch": np.array([e for e, _ in snaps])}
            snapshots.update({k: np.stack([w[k] for _, w in snaps]) for k in self.params})
        error = None
        if diverged:
            error = (f"training diverged at epoch {end}: train loss = {float(self.bad_loss[j]):.3g} (initial "
                     f"{float(self.initial_loss[j]):.3g}); try a smaller lr (now {config.lr}). The history up to the "
                     f"last logged epoch is in the exception's .result")
        self.logs.pop(run, None)
        return TrainResult(
            config=config,
            group=self.group,
            params={k: v[j].detach().cpu().numpy().copy() for k, v in self.params.items()},
            history=history,
            train_idx=self.splits[run][0],
            test_idx=self.splits[run][1],
            snapshots=snapshots,
            wall_time=time.perf_counter() - self.start,
            device=str(self.device),
            error=error,
        )

    def progress_postfix(self) -> dict:
        if len(self.configs) == 1 and self.logs.get(0):
            _, rows = self.logs[0][-1]
            i, k = self.names.index("train_acc"), self.names.index("test_acc")
            return {"train_acc": f"{rows[-1, i]:.3f}", "test_acc": f"{rows[-1, k]:.3f}"}
        return {"running": len(self.slots)}


def train_many(
    group: Group | int,
    runs: list[dict],
    *,
    progress: bool = True,
    metrics: dict | None = None,
    stop_when=None,
    runs_per_batch: int | None = None,
    sync_every: int | None = None,
    callback=None,
    on_log=None,
    initial: list | None = None,
    splits: list | None = None,
    **base,
) -> list[TrainResult]:
    """Train many runs at once; returns one :class:`TrainResult` per entry of ``runs``, in order.

    ``runs`` is a list of dicts of per-run settings (:data:`li2lib.training.config.PER_RUN`: seed,
    train_fraction or train_size, lr, weight_decay, init_scale_w, init_scale_v); the keyword
    arguments ``base`` are the settings common to every run: every other setting of
    :class:`TrainConfig` (and defaults for per-run ones, which a run's own settings replace).
    Each result equals ``li2lib.train(group, **base, **run)`` up to float rounding: the same
    split and initialisation from the same seed.

    Runs are stacked on a leading axis and trained as one model, ``runs_per_batch`` at a time
    (default: as many as fit in the free memory of the device). A run that stops (test
    accuracy reached ``stop_at_test_acc``, ``stop_when`` true, or divergence) leaves the batch
    without affecting the others. ``stop_when(state, values)`` is called at every evaluated
    epoch: ``state`` the :class:`li2lib.training.metrics.EvalState` of the batch's R runs,
    ``values`` a dict metric name -> tensor (R,) of that epoch's metrics (the standard ones and
    ``metrics``); it returns a bool tensor (R,), True for the runs to stop there (their history
    ends at that epoch). For example ``stop_when=lambda s, v: v["train_loss"] < 1e-4``; a
    diverged run's result carries the message in ``.error`` instead of raising.
    ``callback(position, result)`` is called as each run finishes (e.g. to save it).
    ``on_log(position, rows)`` is called at every host synchronisation for each run with the
    rows of its history logged since the last one (a dict metric -> 1-D array, ``epoch``
    first), to watch long runs as they go, e.g. :class:`li2lib.training.callbacks.TensorBoard`.
    ``sync_every``: epochs between host synchronisations (default 1 on a CPU, 50 on a GPU).
    ``metrics``: extra metrics, see :mod:`li2lib.training.metrics`.

    To continue from given weights or train on given pairs (e.g. to continue a grokked run on
    a subset of its data), pass per run ``initial[i]``, a dict of weights by name such as a
    previous result's ``params`` (the optimizer starts afresh), and ``splits[i]``, a pair
    (train_idx, test_idx) of row indices of the M^2 table (the run's ``train_size`` becomes
    len(train_idx)); None entries keep the seeded defaults.

    Every seed is offset by ``LI2_SEED_OFFSET`` (:mod:`li2lib.seeding`): each result's config
    holds the seed actually used. Every setting is checked before any work; bad values raise
    ValueError naming them.
    """
    group = as_group(group)
    configs = make_configs(runs, base, pairs=group.order**2)
    configs = [dataclasses.replace(c, seed=offset_seed(c.seed)) for c in configs]
    return train_configs(group, configs, progress=progress, metrics=metrics, stop_when=stop_when,
                         runs_per_batch=runs_per_batch, sync_every=sync_every, callback=callback,
                         on_log=on_log, initial=initial, splits=splits)


def train_configs(group: Group, configs: list[TrainConfig], *, progress: bool = True, metrics: dict | None = None,
                  stop_when=None, runs_per_batch: int | None = None, sync_every: int | None = None, callback=None,
                  on_log=None, initial: list | None = None, splits: list | None = None) -> list[TrainResult]:
    """:func:`train_many` for validated configs whose seeds are used as they are (no offset is
    added: a sweep offsets its configs once, before computing their keys)."""
    splits = _check_splits(splits, len(configs), group.order**2)
    configs = [c if split is None else dataclasses.replace(c, train_fraction=None, train_size=len(split[0]))
               for c, split in zip(configs, splits)]
    network = configs[0].network(group.order)  # built once: every run of the call shares it
    initial = _check_initial(initial, len(configs), network.shapes())
    for name, value in (("runs_per_batch", runs_per_batch), ("sync_every", sync_every)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ValueError(f"{name} must be an integer >= 1 or None, got {value!r}")
    check_hooks(metrics, metric_names(network, None), stop_when=stop_when, callback=callback, on_log=on_log)
    stop_when = _checked_stop(stop_when) if stop_when is not None else None
    device = resolve_device(configs[0].device)
    dense = _dense_backward(device)  # the first layer's backward pass, decided once
    sync_every = sync_every or (1 if device.type == "cpu" else GPU_SYNC_EVERY)

    results: list[TrainResult | None] = [None] * len(configs)
    size = runs_per_batch or fitting_runs(configs, network, device, dense)
    batches = [list(range(i, min(i + size, len(configs)))) for i in range(0, len(configs), size)]
    label = f"{group.name} K={configs[0].hidden}" if len(configs) == 1 else f"{len(configs)} runs on {group.name}"
    total = sum(configs[b[0]].epochs + 1 for b in batches)
    with tqdm(total=total, disable=not progress, desc=label, leave=False) as bar:
        for positions in batches:
            log = None if on_log is None else lambda run, rows, positions=positions: on_log(positions[run], rows)
            batch = _Batch(group, [configs[i] for i in positions], network, device, dense, metrics, stop_when,
                           [initial[i] for i in positions], [splits[i] for i in positions], log)
            epochs = batch.config.epochs
            for e in range(epochs + 1):
                batch.epoch(e)
                bar.update(1)
                final = e == epochs
                if final or (e + 1) % sync_every == 0:
                    for run, result in batch.sync(final):
                        results[positions[run]] = result
                        if callback is not None:
                            callback(positions[run], result)
                    bar.set_postfix(batch.progress_postfix(), refresh=False)
                    if not batch.slots:
                        bar.update(epochs - e)
                        break
    return results


def train(group: Group | int = 71, *, progress: bool = True, metrics: dict | None = None, stop_when=None,
          on_log=None, initial: dict | None = None, split: tuple | None = None, **settings) -> TrainResult:
    """Train sigma(X W) V on ``group`` (an int M means Z_M) and return a :class:`TrainResult`.

    Settings are the fields of :class:`TrainConfig` (defaults: the paper's Fig. 3), plus
    ``progress`` (tqdm bar, default True), ``metrics``, ``stop_when``, ``on_log`` (the run is
    position 0), ``initial`` (weights to start from) and ``split`` (train and test indices), as
    in :func:`train_many`. For example::

        result = train(cyclic(71), hidden=2048, train_fraction=0.4, weight_decay=2e-4,
                       lr=1e-3, epochs=300, seed=0)

    Every epoch is one full-batch step. Metrics are logged every ``eval_every`` epochs and at
    the end; the entry for epoch e describes the weights after e steps. Training stops early
    once test accuracy reaches ``stop_at_test_acc``. A NaN or exploding loss raises
    :class:`TrainingDiverged`, which carries the result so far. The same seed on the same
    device gives an identical history.
    """
    (result,) = train_many(group, [{}], progress=progress, metrics=metrics, stop_when=stop_when, on_log=on_log,
                           initial=[initial], splits=[split], **settings)
    if result.error:
        raise TrainingDiverged(result.error, result)
    return result
