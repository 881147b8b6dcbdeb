"""Training the paper's networks, one run or many at once.

``li2lib.train(group, ...)`` runs the paper's experiments (Sec. 8 settings: full batch, Adam
with coupled L2 weight decay on W and V, MSE loss, sigma = x^2) and returns a
:class:`TrainResult`; ``li2lib.train_many(group, runs, ...)`` trains many runs stacked on a
leading axis as one batched model. Its files, one part each, are listed in the module map
of :mod:`li2lib`; read :mod:`li2lib.training.reference` first: the same training as a plain
PyTorch loop, which the engine is tested against.
"""

from .._lazy import submodules
from .config import PER_RUN, TrainConfig, resolve_device
from .engine import EXPLOSION_FACTOR, train, train_many
from .losses import LOSSES, SAMPLE_LOSSES, centered_mse
from .metrics import METRICS, EvalState, gf_norm
from .optimizers import OPTIMIZERS
from .result import GROK_THRESHOLD, TrainingDiverged, TrainResult, first_epoch

SUBMODULES, __getattr__, __dir__ = submodules(globals())

__all__ = [
    "EXPLOSION_FACTOR",
    "GROK_THRESHOLD",
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
