"""Full-batch training of the two-layer network on a group-arithmetic task.

``train(group, ...)`` runs the paper's experiments (Sec. 8 settings: full batch, Adam with
coupled L2 weight decay on W and V, MSE loss, sigma = x^2) and returns a :class:`TrainResult`
with the weights in the paper's orientation and a per-epoch history, including the norm of
the backpropagated gradient G_F of Eq. (2).
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .data import _check_fraction, pairs, split_indices
from .groups import Group, cyclic
from .model import ACTIVATIONS, TwoLayerNet

__all__ = ["TrainConfig", "TrainResult", "TrainingDiverged", "train", "first_epoch", "LOSSES", "OPTIMIZERS", "resolve_device"]


# --- losses ---------------------------------------------------------------------------------


def centered_mse(outputs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """The MSE the paper's experiments minimise (author's code), a mean over samples.

    Per sample: || C (y_hat - e_y) ||^2 with C = I - 1 1^T / M centring over classes, i.e. the
    squared distance between the class-centred output and the centred one-hot e_y - 1/M.
    This differs from Eq. (1), which centres over samples and has a factor 1/2; the theory's
    quantities (e.g. G_F below) use Eq. (1) exactly.
    """
    diff = outputs - F.one_hot(labels, outputs.shape[1]).to(outputs.dtype)
    diff = diff - diff.mean(dim=1, keepdim=True)
    return diff.pow(2).sum(dim=1).mean()


LOSSES = {"mse": centered_mse, "cross_entropy": F.cross_entropy}


# --- optimizers -----------------------------------------------------------------------------


def _adam(params, lr, weight_decay):
    # Coupled L2 (weight_decay * p added to the gradient), as in the paper's experiments.
    return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)


def _adamw(params, lr, weight_decay):
    return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)


def _sgd(params, lr, weight_decay):
    return torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=weight_decay)


OPTIMIZERS = {"adam": _adam, "adamw": _adamw, "sgd": _sgd}
"""name -> factory(parameters, lr, weight_decay) returning a torch optimizer."""


# --- configuration --------------------------------------------------------------------------


def _is_int(x) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def _is_real(x) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


def resolve_device(device: str | torch.device) -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; any other value must name a usable device."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}") from err
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} was asked for but CUDA is not available")
    if dev.type not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}")
    return dev


@dataclass(frozen=True)
class TrainConfig:
    """Every setting of a run. Validated on creation, so a bad value fails before training.

    Defaults are the paper's Fig. 3 setting (Z_71 is the group): K = 2048 hidden nodes, 40% of
    the table for training (n = 2016), sigma = x^2, MSE, Adam with lr 1e-3 and weight decay 2e-4.
    """

    hidden: int = 2048
    train_fraction: float | None = 0.4
    train_size: int | None = None
    weight_decay: float = 2e-4
    lr: float = 1e-3
    epochs: int = 500
    seed: int = 0
    activation: str = "square"
    loss: str = "mse"
    optimizer: str = "adam"
    init_scale_w: float = 1.0
    init_scale_v: float = 1.0
    device: str = "auto"
    eval_every: int = 1
    snapshots: int | tuple[int, ...] = 0
    stop_at_test_acc: float | None = None

    def __post_init__(self):
        for name in ("hidden", "epochs", "eval_every"):
            value = getattr(self, name)
            if not _is_int(value) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        if not _is_int(self.seed):
            raise ValueError(f"seed must be an integer, got {self.seed!r}")
        if isinstance(self.snapshots, (list, tuple, np.ndarray)):
            if not all(_is_int(e) and 0 <= e <= self.epochs for e in self.snapshots):
                raise ValueError(f"snapshots must list epochs in [0, {self.epochs}], got {self.snapshots!r}")
            object.__setattr__(self, "snapshots", tuple(int(e) for e in self.snapshots))
        elif not _is_int(self.snapshots) or self.snapshots < 0:
            raise ValueError(f"snapshots must be an integer >= 0 or a list of epochs, got {self.snapshots!r}")
        if self.train_fraction is not None and self.train_size is not None:
            raise ValueError(
                f"give train_fraction or train_size, not both (got {self.train_fraction!r} and {self.train_size!r})"
            )
        if self.train_size is None:
            _check_fraction(self.train_fraction, "train_fraction")
        elif not _is_int(self.train_size) or self.train_size < 1:
            raise ValueError(f"train_size must be an integer >= 1, got {self.train_size!r}")
        if not _is_real(self.lr) or not self.lr > 0 or not math.isfinite(self.lr):
            raise ValueError(f"lr must be a finite number > 0, got {self.lr!r}")
        for name in ("weight_decay", "init_scale_w", "init_scale_v"):
            value = getattr(self, name)
            if not _is_real(value) or not value >= 0 or not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
        for name, table in (("activation", ACTIVATIONS), ("loss", LOSSES), ("optimizer", OPTIMIZERS)):
            value = getattr(self, name)
            if value not in table:
                raise ValueError(f"{name} must be one of {sorted(table)}, got {value!r}")
        if self.stop_at_test_acc is not None and (
            not _is_real(self.stop_at_test_acc) or not 0 < self.stop_at_test_acc <= 1
        ):
            raise ValueError(f"stop_at_test_acc must be in (0, 1] or None, got {self.stop_at_test_acc!r}")
        resolve_device(self.device)


# --- results --------------------------------------------------------------------------------


@dataclass
class TrainResult:
    """What a run produced.

    ``W`` (2M x K) and ``V`` (K x M) are the final weights in the paper's orientation.
    ``history`` maps each metric to a 1-D array over the logged epochs; epoch e means "after e
    optimizer steps", so epoch 0 is the initialisation. Metrics: train_loss, test_loss,
    train_acc, test_acc (NaN when the test set is empty), gf_norm (||G_F||_F of Eq. 2 on the
    training set), w_norm and v_norm (Frobenius norms).
    ``snapshots`` holds weights at the epochs asked for (``snapshots=N``: N log-spaced epochs
    and epoch 0; or an explicit list): arrays ``epoch`` (S,), ``W`` (S, 2M, K), ``V`` (S, K, M).
    """

    config: TrainConfig
    group: Group
    W: np.ndarray
    V: np.ndarray
    history: dict[str, np.ndarray]
    train_idx: np.ndarray
    test_idx: np.ndarray
    snapshots: dict[str, np.ndarray] = field(default_factory=dict)
    wall_time: float = 0.0
    device: str = "cpu"

    def first_epoch(self, metric: str, threshold: float) -> int | None:
        """The first logged epoch at which ``history[metric] >= threshold``, or None."""
        return first_epoch(self.history, metric, threshold)

    def __repr__(self) -> str:
        h = self.history
        return (
            f"TrainResult({self.group.name}, K={self.config.hidden}, n_train={len(self.train_idx)}, "
            f"epochs={int(h['epoch'][-1])}, train_acc={h['train_acc'][-1]:.3f}, "
            f"test_acc={h['test_acc'][-1]:.3f}, {self.wall_time:.1f}s on {self.device})"
        )


def first_epoch(history: dict, metric: str, threshold: float) -> int | None:
    """The first logged epoch of ``history`` at which ``history[metric] >= threshold``, or None.

    ``first_epoch(h, "test_acc", 0.95)`` is the book's "epoch of grokking".
    """
    if metric not in history:
        raise ValueError(f"metric must be one of {sorted(history)}, got {metric!r}")
    hit = np.flatnonzero(np.asarray(history[metric]) >= threshold)
    return int(history["epoch"][hit[0]]) if len(hit) else None


class TrainingDiverged(RuntimeError):
    """The loss became NaN/inf or exploded; ``.result`` holds the run up to the last good epoch."""

    def __init__(self, message: str, result: TrainResult):
        super().__init__(message)
        self.result = result


METRICS = ("train_loss", "test_loss", "train_acc", "test_acc", "gf_norm", "w_norm", "v_norm")
EXPLOSION_FACTOR = 1e6
"""A training loss this many times its initial value counts as diverged."""


# --- the training loop ----------------------------------------------------------------------


def gf_norm(outputs: torch.Tensor, labels: torch.Tensor, V: torch.Tensor) -> torch.Tensor:
    """||G_F||_F with G_F = P_1^perp (Y - F V) V^T (Eq. 2), for outputs F V on n samples.

    Uses ||R V^T||_F^2 = <R^T R, V^T V>_F (R = P_1^perp (Y - F V)), which costs O(n M^2 + K M^2)
    instead of forming the n x K matrix G_F.
    """
    R = F.one_hot(labels, outputs.shape[1]).to(outputs.dtype) - outputs
    R = R - R.mean(dim=0, keepdim=True)
    return ((R.T @ R) * (V.T @ V)).sum().clamp_min(0).sqrt()


def _snapshot_epochs(epochs: int, snapshots: int | tuple[int, ...]) -> set[int]:
    """The epochs to snapshot: the given list, or ``snapshots`` log-spaced epochs plus epoch 0."""
    if isinstance(snapshots, tuple):
        return set(snapshots)
    if snapshots == 0:
        return set()
    return {0, *np.unique(np.round(np.geomspace(1, epochs, snapshots)).astype(int)).tolist()}


def _prepare(group: Group, config: TrainConfig):
    """Split, tensors, network and optimizer for a run: everything the loop needs."""
    device = resolve_device(config.device)
    m = group.order
    n_total = m * m
    if config.train_size is not None and config.train_size > n_total:
        raise ValueError(f"train_size must be at most {n_total} (= {m}^2 pairs of {group.name}), got {config.train_size}")
    train_idx, test_idx = split_indices(
        n_total, train_fraction=config.train_fraction, train_size=config.train_size, seed=config.seed
    )

    def tensors(idx):
        return tuple(torch.as_tensor(v, device=device) for v in pairs(group, idx))

    generator = torch.Generator().manual_seed(config.seed)
    net = TwoLayerNet(
        m,
        config.hidden,
        config.activation,
        init_scale_w=config.init_scale_w,
        init_scale_v=config.init_scale_v,
        generator=generator,
    ).to(device)
    optimizer = OPTIMIZERS[config.optimizer]([net.W, net.V], config.lr, config.weight_decay)
    return device, train_idx, test_idx, tensors(train_idx), tensors(test_idx), net, optimizer


def _step(optimizer, loss):
    """Backpropagate ``loss`` and take one optimizer step."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()


@torch.no_grad()
def _metrics(net, loss_fn, outputs, loss, y, test):
    """The logged metrics (in ``METRICS`` order) for the current weights, as one tensor."""
    train_acc = (outputs.argmax(1) == y).float().mean()
    if test is None:
        test_loss = test_acc = torch.full((), float("nan"), device=outputs.device)
    else:
        ta, tb, ty = test
        test_out = net(ta, tb)
        test_loss, test_acc = loss_fn(test_out, ty), (test_out.argmax(1) == ty).float().mean()
    return torch.stack(
        [loss, test_loss, train_acc, test_acc, gf_norm(outputs, y, net.V), net.W.norm(), net.V.norm()]
    )


def train(group: Group | int = 71, **settings) -> TrainResult:
    """Train sigma(X W) V on ``group`` (an int M means Z_M) and return a :class:`TrainResult`.

    Settings are the fields of :class:`TrainConfig` (defaults: the paper's Fig. 3), plus
    ``progress`` (tqdm bar, default True). For example::

        result = train(cyclic(71), hidden=2048, train_fraction=0.4, weight_decay=2e-4,
                       lr=1e-3, epochs=300, seed=0)

    Every epoch is one full-batch step. Metrics are logged every ``eval_every`` epochs and at
    the end; the entry for epoch e describes the weights after e steps. Training stops early
    once test accuracy reaches ``stop_at_test_acc``. A NaN or exploding loss raises
    :class:`TrainingDiverged`, which carries the result so far. The same seed on the same
    device gives an identical history.
    """
    progress = settings.pop("progress", True)
    if _is_int(group):
        group = cyclic(group)
    if not isinstance(group, Group):
        raise ValueError(f"group must be a li2lib Group or an int M (for Z_M), got {type(group).__name__}")
    known = [f.name for f in dataclasses.fields(TrainConfig)]
    unknown = sorted(set(settings) - set(known))
    if unknown:
        raise ValueError(f"unknown setting(s) {unknown}; known settings: {known}")
    if "train_size" in settings and "train_fraction" not in settings:
        settings["train_fraction"] = None
    config = TrainConfig(**settings)

    device, train_idx, test_idx, (a, b, y), test, net, optimizer = _prepare(group, config)
    loss_fn = LOSSES[config.loss]
    test = test if len(test_idx) else None
    snap_at = _snapshot_epochs(config.epochs, config.snapshots)
    snaps: dict[str, list] = {"epoch": [], "W": [], "V": []}
    rows: list[list[float]] = []

    def result():
        values = np.array(rows, dtype=np.float64).reshape(len(rows), 1 + len(METRICS))
        history = {"epoch": values[:, 0].astype(np.int64)}
        history.update({k: values[:, i + 1] for i, k in enumerate(METRICS)})
        return TrainResult(
            config=config,
            group=group,
            W=net.W.detach().cpu().numpy().copy(),
            V=net.V.detach().cpu().numpy().copy(),
            history=history,
            train_idx=train_idx,
            test_idx=test_idx,
            snapshots={k: np.array(v) for k, v in snaps.items()} if snaps["epoch"] else {},
            wall_time=time.perf_counter() - start,
            device=str(device),
        )

    start = time.perf_counter()
    bar = tqdm(range(config.epochs + 1), disable=not progress, desc=f"{group.name} K={config.hidden}", leave=False)
    initial_loss = None
    for epoch in bar:
        if epoch in snap_at:
            snaps["epoch"].append(epoch)
            snaps["W"].append(net.W.detach().cpu().numpy().copy())
            snaps["V"].append(net.V.detach().cpu().numpy().copy())
        last = epoch == config.epochs
        with torch.set_grad_enabled(not last):
            outputs = net(a, b)
            loss = loss_fn(outputs, y)
        loss_value = loss.item()
        initial_loss = loss_value if initial_loss is None else initial_loss
        if not math.isfinite(loss_value) or loss_value > EXPLOSION_FACTOR * max(initial_loss, 1e-12):
            raise TrainingDiverged(
                f"training diverged at epoch {epoch}: train loss = {loss_value:.3g} (initial "
                f"{initial_loss:.3g}); try a smaller lr (now {config.lr}). The history up to the last "
                f"logged epoch is in the exception's .result",
                result(),
            )
        if last or epoch % config.eval_every == 0:
            rows.append([epoch, *_metrics(net, loss_fn, outputs.detach(), loss.detach(), y, test).tolist()])
            if progress and (last or epoch % max(1, config.epochs // 100) == 0):
                bar.set_postfix(train_acc=f"{rows[-1][3]:.3f}", test_acc=f"{rows[-1][4]:.3f}", refresh=False)
            if config.stop_at_test_acc is not None and rows[-1][4] >= config.stop_at_test_acc:
                break
        if not last:
            _step(optimizer, loss)
    bar.close()
    return result()
