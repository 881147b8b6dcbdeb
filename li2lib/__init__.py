"""li2lib: the Li2 account of grokking (Tian, arXiv 2509.21519) as a small library.

Modules, one per concept (each is reachable as ``li2lib.<name>`` after ``import li2lib``):

- ``li2lib.groups``: finite groups as Cayley tables (Z_M, products, D_n, S_n, A_n, your own table).
- ``li2lib.irreps``: irreducible representations of any finite group, from its table.
- ``li2lib.data``: the group-arithmetic dataset X, Y, train/test splits, centring, p_c.
- ``li2lib.model``: the two-layer network sigma(X W) V (and deeper ones) on one-hot pairs.
- ``li2lib.training``: ``li2lib.train`` and ``li2lib.train_many`` (many runs as one batched
  model), optimizers (Adam, AdamW, SGD, Muon), metrics, results.
- ``li2lib.theory``: the paper's Stage I quantities (ridge readout, Eq. 4, Lemma 1, the exact flow).
- ``li2lib.energy``: the energy E(w) of Theorem 1, its gradient, ascent and Hessian on the sphere.
- ``li2lib.analysis``: irrep spectra of hidden nodes, coverage, alignment of training with grad E.
- ``li2lib.scaling``, ``li2lib.scaling_plots``: the critical fraction from runs, fitted laws (Theorem 4).
- ``li2lib.memorization``: Theorem 5's memorisation maxima.
- ``li2lib.interaction``, ``li2lib.modulation``: Stage III (Theorems 6 and 7), exactly and on runs.
- ``li2lib.muon_theory``: Lemma 2 and Theorem 8 (Muon).
- ``li2lib.seeding``: every seed shifted by ``LI2_SEED_OFFSET``, to check claims on other seeds.
- ``li2lib.sweeps``: grids of runs saved atomically and resumable, on any executor; the book's stored sweeps.
- ``li2lib.plots`` and ``li2lib.widgets``: figures and live controls used by the book.
- ``li2lib.bench``: speed of training against plain PyTorch (``li2lib bench``).
- ``li2lib.cli``: the ``li2lib`` console command.
"""

import importlib
import os
import pkgutil

# MKL, which does torch's matrix products on x86, picks its code path by processor, and an Intel
# processor with AVX-512 rounds differently from an AMD one; grokking amplifies that into a
# different run. Its AVX2 branch gives the same bits on every x86 processor with AVX2 (read at
# MKL's first call, so this works even after ``import torch``). Set MKL_CBWR yourself to choose.
os.environ.setdefault("MKL_CBWR", "AVX2")

from . import data, groups, training  # noqa: E402
from .groups import Group, alternating, cyclic, dicyclic, dihedral, from_table, product, quaternion, symmetric
from .training import TrainConfig, TrainingDiverged, TrainResult, first_epoch, train, train_many

__version__ = "0.2.0"

SUBMODULES = tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")))
"""Every module and package of li2lib, each reachable as ``li2lib.<name>`` (loaded on first use)."""


def __getattr__(name):
    # Submodules load on first use, so ``import li2lib`` stays light (no matplotlib, no ipywidgets).
    if name in SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'li2lib' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(SUBMODULES))


__all__ = [
    "Group",
    "TrainConfig",
    "TrainResult",
    "TrainingDiverged",
    "alternating",
    "cyclic",
    "dicyclic",
    "dihedral",
    "first_epoch",
    "from_table",
    "product",
    "quaternion",
    "symmetric",
    "train",
    "train_many",
]
