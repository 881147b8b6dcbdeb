"""li2lib: the Li2 account of grokking (Tian, arXiv 2509.21519) as a small library.

Modules, one per concept:

- ``li2lib.groups``: finite groups as Cayley tables (Z_M, products, D_n, S_n, A_n, your own table).
- ``li2lib.irreps``: irreducible representations of any finite group, from its table.
- ``li2lib.data``: the group-arithmetic dataset X, Y, train/test splits, centring, p_c.
- ``li2lib.model``: the two-layer network sigma(X W) V with a fast one-hot first layer.
- ``li2lib.training``: ``li2lib.train``, full-batch training with the paper's settings.
- ``li2lib.theory``: the paper's Stage I quantities (ridge readout, Eq. 4, Lemma 1, the exact flow).
- ``li2lib.energy``: the energy E(w) of Theorem 1, its gradient, ascent and Hessian on the sphere.
- ``li2lib.analysis``: irrep spectra of hidden nodes, coverage, alignment of training with grad E.
- ``li2lib.sweeps``: grids of runs saved atomically and resumable; the book's stored sweeps.
- ``li2lib.plots`` and ``li2lib.widgets``: figures and live controls used by the book.
- ``python -m li2lib.bench``: speed of the training step against plain PyTorch.
"""

from . import data, groups
from .groups import Group, alternating, cyclic, dihedral, from_table, product, symmetric
from .training import TrainConfig, TrainingDiverged, TrainResult, first_epoch, train

__version__ = "0.1.0"

__all__ = [
    "Group",
    "alternating",
    "TrainConfig",
    "TrainResult",
    "TrainingDiverged",
    "cyclic",
    "data",
    "dihedral",
    "first_epoch",
    "from_table",
    "groups",
    "product",
    "symmetric",
    "train",
]
