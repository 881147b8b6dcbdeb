"""Training the paper's networks, one run or many at once.

``li2lib.train(group, ...)`` runs the paper's experiments (Sec. 8 settings: full batch, Adam
with coupled L2 weight decay on W and V, MSE loss, sigma = x^2) and returns a
:class:`TrainResult`; ``li2lib.train_many(group, runs, ...)`` trains many runs stacked on a
leading axis as one batched model. The parts, one file each:

- ``config``: :class:`TrainConfig`, every setting, checked before any work; which settings
  may differ between the runs of a batch (:data:`li2lib.training.config.PER_RUN`).
- ``losses``: the centred MSE of the paper's experiments and cross-entropy.
- ``optimizers``: Adam (coupled L2), AdamW, SGD, the author's Muon and torch's Muon, for
  stacked runs with per-run learning rates and weight decays.
- ``ridge``: the readout held at its ridge solution every step (``ridge=lambda``).
- ``batch``: each run's training and test pairs, padded to a common length.
- ``metrics``: what is logged at evaluated epochs (G_F of Eq. 2 among them), and hooks for more.
- ``memory``: how many runs fit in one batch.
- ``engine``: the loop itself, :func:`li2lib.train_many` and :func:`li2lib.train`.
- ``result``: :class:`TrainResult` (weights by name, history, snapshots; save and load).
"""

from .config import PER_RUN, TrainConfig, resolve_device
from .engine import EXPLOSION_FACTOR, train, train_many
from .losses import LOSSES, SAMPLE_LOSSES, centered_mse
from .metrics import METRICS, EvalState, gf_norm
from .optimizers import OPTIMIZERS
from .result import TrainingDiverged, TrainResult, first_epoch

__all__ = [
    "EXPLOSION_FACTOR",
    "EvalState",
    "LOSSES",
    "METRICS",
    "OPTIMIZERS",
    "PER_RUN",
    "SAMPLE_LOSSES",
    "TrainConfig",
    "TrainResult",
    "TrainingDiverged",
    "centered_mse",
    "first_epoch",
    "gf_norm",
    "resolve_device",
    "train",
    "train_many",
]
