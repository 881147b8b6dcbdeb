"""Every setting of a training run, checked before any work is done.

A :class:`TrainConfig` is a plain, validated record. Checks that depend on the machine (is
CUDA there?) happen when training starts (:func:`resolve_device`), so a config meant for a GPU
can be built on a CPU-only node, stored, and sent to one.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field

import numpy as np
import torch

from ..data import _check_fraction
from ..model import ACTIVATIONS, HOLOMORPHIC, Network, check_residual, make_network
from .losses import LOSSES
from .optimizers import OPTIMIZERS

__all__ = ["TrainConfig", "canonical_settings", "PER_RUN", "DTYPES", "COMPLEX_DTYPES", "KEY_NEUTRAL", "make_configs", "resolve_device", "check_device_name"]

PER_RUN = ("seed", "train_fraction", "train_size", "lr", "weight_decay", "init_scale_w", "init_scale_v")
"""Settings that may differ between the runs of one batch (:func:`li2lib.train_many`); all
other settings shape the batched model and must be shared."""

DTYPES = {"float32": torch.float32, "float64": torch.float64}

KEY_NEUTRAL = {"complex_weights": False, "imag_init": 0.0, "ridge": None}
"""Settings added after li2lib 0.2.0, with the values that reproduce the runs made before they
existed: a run that leaves them at these values keeps the sweep key it had
(:func:`li2lib.experiments.sweeps.run_key`), so stored results stay valid as settings are added."""

COMPLEX_DTYPES = {"float32": torch.complex64, "float64": torch.complex128}
"""The weights' dtype with ``complex_weights=True``, by the ``dtype`` setting."""


def _is_int(x) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def _is_real(x) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


def check_device_name(device) -> None:
    """Raise ValueError unless ``device`` names a device li2lib can use ('auto', 'cpu',
    'cuda', 'cuda:N'); whether it exists on this machine is checked at training time."""
    if device == "auto":
        return
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}") from err
    if dev.type not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}")


def resolve_device(device: str | torch.device) -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; any other value must name a usable device."""
    check_device_name(device)
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} was asked for but CUDA is not available")
    return dev


@dataclass(frozen=True)
class TrainConfig:
    """Every setting of a run. Validated on creation, so a bad value fails before training.

    Defaults are the paper's Fig. 3 setting (Z_71 is the group): K = 2048 hidden nodes, 40% of
    the table for training (n = 2016), sigma = x^2, MSE, Adam with lr 1e-3 and weight decay 2e-4.

    ``activation``: sigma, one of 'square' (x^2), 'quadratic' (x + x^2), 'relu', 'silu',
    'linear', or a name given to :func:`li2lib.register_activation`. ``loss``: 'mse' (the
    paper's centered MSE), 'cross_entropy', 'stablemax_cross_entropy' (StableMax in place of the
    softmax, Prieto et al. 2025), or a name given to :func:`li2lib.register_loss`.
    ``optimizer``: 'adam' (coupled L2 weight decay, the paper's), 'adamw', 'sgd', 'muon' (the
    author's), 'muon_torch'. Give ``train_fraction`` (p) or ``train_size`` (n), not both.

    ``optimizer_options`` are the chosen optimizer's own options (see
    :data:`li2lib.training.optimizers.OPTIMIZERS`); the config stores them completed with their defaults.
    ``layers`` counts weight matrices including the readout (2 = the paper's net, Sec. 6 for
    more); ``residual`` adds skip connections between hidden layers: ``True`` the Sec. 6 form
    F_l = F_{l-1} + sigma(F_{l-1} W_l), ``"inner"`` the author's block sigma(F_{l-1} + F_{l-1} W_l)
    (``li2lib.model.RESIDUALS``). ``output_scale`` is the beta of App. C.3 (Y_hat = beta F V).
    ``dtype`` is "float32" or "float64".

    ``complex_weights``: W and V complex (the author's ``use_complex_weights``, Figs. 10-11),
    the outputs the real part of sigma(X W) V; ``imag_init`` scales the imaginary parts at
    initialisation (0, the author's code: the real initialisation cast to complex). Needs a
    polynomial activation, two layers and Adam, AdamW or SGD.

    ``ridge``: the ridge regulariser eta > 0 (the eta of Prop. 1's V_ridge; the setting keeps
    its name, which stored runs' keys hash) that holds the readout at the ridge solution of the
    current features every step, V = (F^T F + eta I)^-1 F^T (Y - 1/M) on the training pairs
    (the author's ``set_weight_reg``, Figs. 12-13); then only the hidden layers are trained.
    Needs the MSE loss.
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
    optimizer_options: dict = field(default_factory=dict)
    init_scale_w: float = 1.0
    init_scale_v: float = 1.0
    output_scale: float = 1.0
    layers: int = 2
    residual: bool | str = False
    complex_weights: bool = False
    imag_init: float = 0.0
    ridge: float | None = None
    dtype: str = "float32"
    device: str = "auto"
    eval_every: int = 1
    snapshots: int | tuple[int, ...] = 0
    stop_at_test_acc: float | None = None

    def __post_init__(self):
        for name in ("hidden", "epochs", "eval_every"):
            value = getattr(self, name)
            if not _is_int(value) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        if not _is_int(self.seed) or self.seed < 0:
            raise ValueError(f"seed must be an integer >= 0, got {self.seed!r}")
        if not _is_int(self.layers) or self.layers < 2:
            raise ValueError(f"layers must be an integer >= 2, got {self.layers!r}")
        check_residual(self.residual)
        if self.residual is not False and self.layers < 3:
            raise ValueError(f"residual={self.residual!r} needs layers >= 3 (a hidden-to-hidden layer), "
                             f"got layers={self.layers}")
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
        if not _is_real(self.output_scale) or not self.output_scale > 0 or not math.isfinite(self.output_scale):
            raise ValueError(f"output_scale must be a finite number > 0, got {self.output_scale!r}")
        for name, table in (("activation", ACTIVATIONS), ("loss", LOSSES), ("optimizer", OPTIMIZERS), ("dtype", DTYPES)):
            value = getattr(self, name)
            if value not in table:
                raise ValueError(f"{name} must be one of {sorted(table)}, got {value!r}")
        if not isinstance(self.optimizer_options, dict):
            raise ValueError(f"optimizer_options must be a dict, got {self.optimizer_options!r}")
        object.__setattr__(self, "optimizer_options", OPTIMIZERS[self.optimizer].check_options(self.optimizer_options))
        if self.stop_at_test_acc is not None and (
            not _is_real(self.stop_at_test_acc) or not 0 < self.stop_at_test_acc <= 1
        ):
            raise ValueError(f"stop_at_test_acc must be in (0, 1] or None, got {self.stop_at_test_acc!r}")
        check_device_name(self.device)
        self._check_variants()

    def _check_variants(self) -> None:
        """Complex weights and the ridge readout: their own values and what they combine with."""
        if not isinstance(self.complex_weights, bool):
            raise ValueError(f"complex_weights must be True or False, got {self.complex_weights!r}")
        if not _is_real(self.imag_init) or not self.imag_init >= 0 or not math.isfinite(self.imag_init):
            raise ValueError(f"imag_init must be a finite number >= 0, got {self.imag_init!r}")
        if self.imag_init and not self.complex_weights:
            raise ValueError(f"imag_init={self.imag_init!r} needs complex_weights=True")
        if self.complex_weights:
            needs = {"activation": (self.activation, HOLOMORPHIC), "optimizer": (self.optimizer, ("adam", "adamw", "sgd")),
                     "layers": (self.layers, (2,))}
            for name, (value, allowed) in needs.items():
                if value not in allowed:
                    raise ValueError(f"complex_weights=True needs {name} in {list(allowed)}, got {value!r}")
        if self.ridge is not None:
            if not _is_real(self.ridge) or not self.ridge > 0 or not math.isfinite(self.ridge):
                raise ValueError(f"ridge must be None or a finite number > 0, got {self.ridge!r}")
            if self.loss != "mse":
                raise ValueError(f"ridge needs loss='mse' (the ridge solution minimises the squared error), got {self.loss!r}")
            if self.complex_weights:
                raise ValueError("ridge and complex_weights=True cannot be combined")

    def network(self, order: int, hidden: int | None = None) -> Network:
        """The network these settings train on a group of order ``order`` (``hidden`` overrides K)."""
        return make_network(order, self.hidden if hidden is None else hidden, self.activation, layers=self.layers,
                            residual=self.residual, output_scale=self.output_scale,
                            complex_weights=self.complex_weights, imag_init=self.imag_init)


SETTINGS = tuple(f.name for f in dataclasses.fields(TrainConfig))


def _one_size(settings: dict, given: dict) -> dict:
    """``settings`` with the training set's size named once: when ``given`` names one of
    train_fraction and train_size but not the other, the other is cleared (a train_size replaces
    the default or base train_fraction, and the reverse). The one place this rule is written."""
    for name, other in (("train_size", "train_fraction"), ("train_fraction", "train_size")):
        if name in given and other not in given:
            settings = {**settings, other: None}
    return settings


def _config(settings: dict, where: str, pairs: int | None) -> TrainConfig:
    unknown = sorted(set(settings) - set(SETTINGS))
    if unknown:
        raise ValueError(f"{where}unknown setting(s) {unknown}; known settings: {list(SETTINGS)}")
    settings = _one_size(settings, settings)
    try:
        config = TrainConfig(**settings)
    except ValueError as err:
        raise ValueError(f"{where}{err}") from None
    if pairs is not None and config.train_size is not None and config.train_size > pairs:
        raise ValueError(f"{where}train_size must be at most {pairs} (the number of pairs), got {config.train_size}")
    return config


def make_configs(runs, base: dict, pairs: int | None = None) -> list[TrainConfig]:
    """One validated :class:`TrainConfig` per entry of ``runs`` (dicts of :data:`PER_RUN`
    settings), each on top of the ``base`` settings (common to every run); ``pairs`` (M^2), when
    given, bounds train_size. Raises ValueError naming the run."""
    if isinstance(runs, dict) or not isinstance(runs, (list, tuple)) or not runs:
        raise ValueError(f"runs must be a non-empty list of dicts of per-run settings, got {runs!r}")
    _config(base, "", pairs)  # a bad base setting is reported as such, not as one run's
    configs = []
    for i, run in enumerate(runs):
        if not isinstance(run, dict):
            raise ValueError(f"runs[{i}] must be a dict of per-run settings, got {run!r}")
        shape_settings = sorted(k for k in run if k in SETTINGS and k not in PER_RUN)
        if shape_settings:
            raise ValueError(
                f"runs[{i}] sets {shape_settings}, which must be the same for every run of a batch: pass "
                f"them as base settings, common to every run (per-run settings are {list(PER_RUN)})"
            )
        configs.append(_config(_one_size({**base, **run}, run), f"runs[{i}]: ", pairs))
    return configs


def canonical_settings(config: TrainConfig) -> dict:
    """The settings of ``config`` as JSON-ready values, numbers of float fields as floats
    (so 0 and 0.0 are the same setting), tuples as lists."""
    out = {}
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if "float" in str(f.type) and isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
            value = float(value)
        out[f.name] = json.loads(json.dumps(value))
    return out
