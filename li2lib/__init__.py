"""li2lib: the Li2 account of grokking (Tian, arXiv 2509.21519) as a small library.

The module map below is the one place the library's layout is written down (README.md and
the API page show this text; a test checks it against the files). The folders follow the
book: the setup, the paper's results (``theory``), measurements on runs (``measure``),
experiments, and the book's presentation (``book``). After ``import li2lib`` every package
and module is reachable as ``li2lib.<package>.<module>``, imported on first use.

- ``li2lib.groups``: finite groups as Cayley tables: Z_M, products, D_n, Dic_n, Q_8, S_n, A_n, any
  table (axioms checked). Chapter 2.

  - ``li2lib.groups.irreps``: irreducible representations of any finite group, from its table
    (characters, types, isotypic projectors). Chapter 5.
  - ``li2lib.groups.tables``: tasks that are not groups: Latin squares, random tables, the
    group-isotope test. Chapter 12.

- ``li2lib.data``: the dataset of one-hot pairs, seeded splits, centering, the critical fraction.
  Chapter 2.
- ``li2lib.model``: the network sigma(X W) V (and deeper nets) on one-hot pairs. Chapter 2.

  - ``li2lib.model.activations``: sigma and its derivative (x^2, x + x^2, ReLU, SiLU, linear); your
    own with ``li2lib.register_activation``.
  - ``li2lib.model.pairs``: the first layer X W as a row gather, for one run or R runs stacked; the
    blocked evaluation of sigma(X W) V.
  - ``li2lib.model.nets``: ``TwoLayer`` and ``DeepNet`` as functions of stacked parameters (what the
    engine trains), ``TwoLayerNet`` as a ``torch.nn.Module``.

- ``li2lib.training``: ``li2lib.train`` and ``li2lib.train_many`` (many runs as one batched model).

  - ``li2lib.training.reference``: the paper's experiment in plain PyTorch, the loops the engine is
    tested against: the first file to read.
  - ``li2lib.training.config``: ``TrainConfig``, every setting, checked before any work; which
    settings may differ between the runs of a batch.
  - ``li2lib.training.losses``: the centered MSE of the paper's experiments and cross-entropy; your own
    with ``li2lib.register_loss``.
  - ``li2lib.training.optimizers``: Adam (coupled L2), AdamW, SGD, the author's Muon and torch's
    Muon, with per-run learning rates and weight decays.
  - ``li2lib.training.ridge``: the readout held at its ridge solution every step (``ridge=eta``).
  - ``li2lib.training.batch``: each run's training and test pairs, padded to a common length.
  - ``li2lib.training.metrics``: what is logged at evaluated epochs (G_F of Eq. 2 among them), and
    hooks for more.
  - ``li2lib.training.memory``: how many runs fit in one batch.
  - ``li2lib.training.engine``: the loop itself, ``train_many`` and ``train``.
  - ``li2lib.training.result``: ``TrainResult`` (weights by name, history, snapshots; save and
    load).
  - ``li2lib.training.callbacks``: runs watched as they train, their histories written to
    TensorBoard (``on_log``).

- ``li2lib.seeding``: ``LI2_SEED_OFFSET``: every training, split and random-start seed shifted by
  one switch.
- ``li2lib.io``: files written atomically.
- ``li2lib.theory``: the paper's results, one module per result in chapter order, exact for given
  features or weights.

  - ``li2lib.theory.stage1``: Stage I: ridge readout, the fixed point of Eq. 4, Lemma 1, the exact
    frozen-feature flow. Chapter 3.
  - ``li2lib.theory.energy``: the energy E(w) of Theorem 1, its gradient, vectorised ascent on the
    sphere, the Hessian, E_S of Theorem 7. Chapter 4.
  - ``li2lib.theory.reconstruction``: Theorem 3: the feature constructions that rebuild the target,
    the least-squares residual. Chapter 6.
  - ``li2lib.theory.memorization``: Theorem 5's memorisation maxima on single-target data (focused
    and spreading). Chapter 8.
  - ``li2lib.theory.interaction``: Theorem 6: the interaction matrix B, projected overlaps, the sign
    rule over node pairs. Chapter 9.
  - ``li2lib.theory.muon``: Lemma 2 and Theorem 8: polar factor and joint ascent, Frechet argmax
    law, winner-takes-all ODE, node counts. Chapter 10.

- ``li2lib.measure``: measurements on training runs.

  - ``li2lib.measure.diagnostics``: paper Fig. 3's own diagnostics: the cosine distance between
    consecutive weights, how diagonal F~^T F~ and P_1^perp F F^T stay; as training metrics. Chapter 1.
  - ``li2lib.measure.alignment``: how closely training follows the ascent of the energy (grad E
    against the loss gradient and the update). Chapter 4.
  - ``li2lib.measure.spectra``: irrep spectra of hidden nodes, dominant irrep, IPR, coverage,
    translation rank. Chapter 5.
  - ``li2lib.measure.scaling``: the critical fraction from runs: crossings, fitted laws (c ln M / M,
    a / M, b M^-alpha). Chapter 7.
  - ``li2lib.measure.modulation``: Theorem 7 on a run: residual, layer and gradient spectra over
    irreps, coverage over snapshots. Chapter 9.
  - ``li2lib.measure.depth``: deeper networks: what each hidden layer has learned (target spectrum,
    linear probes), per-layer gradients. Chapter 11.

- ``li2lib.experiments``: grids of runs and the book's stored data.

  - ``li2lib.experiments.sweeps``: grids of runs saved atomically and resumable on any executor; run
    keys, saving and loading.
  - ``li2lib.experiments.specs``: a sweep of your own in a TOML, YAML or JSON file (``li2lib sweep
    --spec FILE``).
  - ``li2lib.experiments.registry``: the book's named sweeps (``SWEEPS``) and their stored runs in
    ``li2lib/stored/``.
  - ``li2lib.experiments.figures``: every paper figure as one command, ``li2lib figure NAME --scale
    cpu|paper``.

- ``li2lib.book``: what the chapters draw and show.

  - ``li2lib.book.plots``: figures in the book's style (accuracy curves, Cayley tables, splits,
    inputs).
  - ``li2lib.book.scaling_plots``: the scaling law's figures: phase diagrams, boundaries.
  - ``li2lib.book.widgets``: live controls (``Explorer``, ``Knob``) and their static frame players,
    the chapters' explorers, ``animate_ascent``.
  - ``li2lib.book.stored_explorers``: explorers over stored sweeps (chapters 11 and 12).
  - ``li2lib.book.glue``: numbers a chapter's prose quotes from its own live run, handed to the book
    build.

- ``li2lib.cli``: the ``li2lib`` console command (``li2lib sweep``, ``li2lib figure``, ``li2lib
  bench``).
- ``li2lib.bench``: speed of training against plain PyTorch (``li2lib bench``).
"""

import os

# MKL, which does torch's matrix products on x86, picks its code path by processor, and an Intel
# processor with AVX-512 rounds differently from an AMD one; grokking amplifies that into a
# different run. Its AVX2 branch gives the same bits on every x86 processor with AVX2 (read at
# MKL's first call, so this works even after ``import torch``). Set MKL_CBWR yourself to choose.
os.environ.setdefault("MKL_CBWR", "AVX2")

from . import data, groups, training  # noqa: E402
from ._lazy import submodules  # noqa: E402
from .groups import Group, alternating, cyclic, dicyclic, dihedral, from_table, product, quaternion, symmetric
from .experiments.sweeps import load_sweep, run_sweep  # noqa: E402
from .model.activations import register_activation  # noqa: E402
from .training import GROK_THRESHOLD, TrainConfig, TrainingDiverged, TrainResult, first_epoch, train, train_many  # noqa: E402
from .training.losses import register_loss  # noqa: E402

__version__ = "0.2.0"

SUBMODULES, __getattr__, __dir__ = submodules(globals())
"""Every package and module of li2lib, each reachable as ``li2lib.<name>`` (loaded on first use)."""


__all__ = [
    "GROK_THRESHOLD",
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
    "load_sweep",
    "product",
    "quaternion",
    "register_activation",
    "register_loss",
    "run_sweep",
    "symmetric",
    "train",
    "train_many",
]
