"""The book's named sweeps and the results it stores with the package.

``SWEEPS`` names every sweep a chapter reads (or a paper figure needs), as ``dict(group or
groups, base, runs)``; the runs of the CPU-scale ones are stored inside the package
(``li2lib/stored/NAME``, :func:`stored_folder`). :func:`run_named_sweep` makes or finishes one
(what ``li2lib sweep NAME`` does, in ``./li2lib-runs/NAME``), :func:`stored_sweep`,
:func:`load_named_sweep` and :func:`stored_run` read it back.
The machinery underneath (keys, saving, resuming, executors) is :mod:`li2lib.experiments.sweeps`.
"""

from __future__ import annotations

from pathlib import Path

import math

from ..groups import Group, as_group, cyclic, dicyclic, dihedral, product
from ..groups.tables import random_latin_square, random_table
from ..training import TrainResult
from .sweeps import Sweep, load_run, load_sweep, run_key, run_sweep

__all__ = [
    "SWEEPS",
    "KNOB_VALUES",
    "LAW_VALUES",
    "DEPTH_NETS",
    "SCALING_FAMILIES",
    "RUNS_FOLDER",
    "SCALING_EXT_FAMILIES",
    "SCALING_EXT_POWER",
    "SCALING_REFINE",
    "SCALING_ABOVE",
    "REFINE_SEEDS",
    "refine_runs",
    "scaling_window",
    "scaling_runs",
    "stored_folder",
    "stored_sweep",
    "stored_run",
    "missing_runs",
    "make_command",
    "run_named_sweep",
    "load_named_sweep",
    "runs_count",
]

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
        base=dict(epochs=1500, eval_every=5, stop_at_test_acc=0.99, seed=0),
        runs=[{knob: v} for knob, values in KNOB_VALUES.items() for v in values],
    ),
    # Chapter "Muon" (paper Fig. 8): Adam vs the author's Muon vs torch.optim.Muon's algorithm
    # on Z_71 with few hidden nodes (K = 40..120 against 35 frequencies), 40% of the pairs,
    # weight decay 2e-4, 2000 epochs, at learning rates the paper does not give: Adam at 1e-3
    # (the code's default), 3e-3 and 1e-2; the author's Muon at 1e-3 (the same lr as Adam, as in
    # the author's code) and 1e-2, three seeds each; torch's Muon at 1e-2, two seeds.
    "muon_fig8": dict(
        group=71,
        base=dict(epochs=2000, eval_every=20, train_fraction=0.4, weight_decay=2e-4),
        runs=[dict(optimizer=opt, hidden=K, lr=lr, seed=seed)
              for opt, rates, seeds in (("adam", (1e-3, 3e-3, 1e-2), 3), ("muon", (1e-3, 1e-2), 3),
                                        ("muon_torch", (1e-2,), 2))
              for K in (40, 60, 80, 120) for lr in rates for seed in range(seeds)],
    ),
}
"""name -> dict(group or groups, base, runs): the sweeps whose results the book stores in the
package; ``groups`` (a list of Groups or ints) runs every run on each group. A sweep whose
runs differ from group to group gives ``plan`` instead: a list of (group, runs), in the order
they are trained."""

# --- Chapter 12 (Figs. 10-13): complex weights and the readout held at its ridge solution --------
# The paper's setting of Figs. 10-13 in full (M = 23, 41, 89, 127, K = 256, lr 5e-3, weight
# decay 5e-5, 80% of the pairs for training, Adam, x^2, MSE, 5 seeds): real weights; complex
# weights as the author's code makes them (the real initialisation cast to complex, 2 seeds);
# complex weights with random imaginary parts; V held at the ridge solution (lambda = 1e-3,
# the author's default at the time). A run stops at test accuracy 0.99 or after 1500 epochs.
SWEEPS["complex-ridge"] = dict(
    groups=[23, 41, 89, 127],
    base=dict(hidden=256, lr=5e-3, weight_decay=5e-5, train_fraction=0.8, epochs=1500, eval_every=1,
              stop_at_test_acc=0.99),
    runs=[{**variant, "seed": s} for variant, seeds in (({}, 5), (dict(complex_weights=True), 2),
                                                         (dict(complex_weights=True, imag_init=1.0), 5),
                                                         (dict(ridge=1e-3), 5)) for s in range(seeds)],
)

# --- Chapter 11 (Figs. 9 and 17): deeper networks ------------------------------------------------
DEPTH_NETS = [dict(layers=2), dict(layers=3, residual="inner"), dict(layers=4, residual="inner"),
              dict(layers=3, residual=True), dict(layers=4, residual=True), dict(layers=3), dict(layers=4)]
"""The architectures of the depth sweeps: the two-layer net; 3 and 4 layers with the author's
residual blocks (``other_layers``: the Figs. 9 and 17 nets), with the Sec. 6 residual, plain."""

# Fig. 17's settings (ReLU, MSE, Adam lr 5e-3, weight decay 1e-4) on Z_23 with K = 128 and 90% of
# the pairs, at a CPU's scale: the two-layer net and the author's 3- and 4-layer nets (residual
# blocks), regular and zero-initialised V, 2 seeds. A run stops at test accuracy 0.99 or after
# 4000 epochs (about 8 CPU-minutes in all).
SWEEPS["depth"] = dict(
    group=23,
    base=dict(hidden=128, activation="relu", lr=5e-3, weight_decay=1e-4, train_fraction=0.9, epochs=4000,
              eval_every=20, stop_at_test_acc=0.99),
    runs=[{**net, "init_scale_v": v, "seed": s} for net in DEPTH_NETS[:3] for v in (1.0, 0.0) for s in range(2)],
)
# Figs. 9 and 17 at a paper-like scale for a GPU (the paper states K = 2048, lr, weight decay for
# Fig. 17, nothing for Fig. 9; M = 71 is our choice): li2lib figure fig17 --scale paper.
SWEEPS["depth-paper"] = dict(
    group=71,
    base=dict(hidden=2048, activation="relu", lr=5e-3, weight_decay=1e-4, epochs=10000, eval_every=10,
              stop_at_test_acc=0.99),
    runs=[{**net, "train_fraction": p, "init_scale_v": v, "seed": s}
          for p in (0.3, 0.5) for net in DEPTH_NETS[:3] for v in (1.0, 0.0) for s in range(5)],
)

# --- Fig. 16 (and Sec. 3.2): zero-init of the readout --------------------------------------------
# The Figs. 14-16 settings (K = 1024, x^2, MSE, Adam lr 5e-3, weight decay 5e-5) on Z_41 at three
# training fractions around and above its critical fraction (0.25), 3 seeds; and the paper's
# M = 41, 89, 127 with 5 seeds for a GPU.
SWEEPS["zero-init"] = dict(
    group=41,
    base=dict(hidden=1024, lr=5e-3, weight_decay=5e-5, epochs=3000, eval_every=5, stop_at_test_acc=0.99),
    runs=[dict(train_fraction=p, init_scale_v=v, seed=s) for p in (0.3, 0.4, 0.6) for v in (1.0, 0.0)
          for s in range(3)],
)
SWEEPS["zero-init-paper"] = dict(
    groups=[41, 89, 127],
    base=dict(hidden=1024, lr=5e-3, weight_decay=5e-5, epochs=5000, eval_every=5, stop_at_test_acc=0.99),
    runs=[dict(train_fraction=p, init_scale_v=v, seed=s) for p in (0.2, 0.3, 0.5) for v in (1.0, 0.0)
          for s in range(5)],
)

# --- Fig. 3 at the paper's scale (15 seeds, no early stop), for a GPU ----------------------------
SWEEPS["fig3-paper"] = dict(
    group=71,
    base=dict(hidden=2048, train_fraction=0.4, lr=1e-3, epochs=500, eval_every=5),
    runs=[dict(weight_decay=wd, seed=s) for wd in (2e-4, 0.0) for s in range(15)],
)

# --- Chapter 12: when does grokking happen? -------------------------------------------------------
# A law for the time between the stages: Z_23, x^2, MSE, Adam, every combination of weight
# decay, learning rate, training fraction and width (one seed); a run stops at test accuracy
# 0.95 or after 5000 epochs.
LAW_VALUES = {"weight_decay": [5e-5, 2e-4, 1e-3], "lr": [1e-3, 3e-3, 1e-2], "train_fraction": [0.5, 0.7, 0.9],
              "hidden": [128, 512]}
SWEEPS["stage-law"] = dict(
    group=23,
    base=dict(epochs=5000, eval_every=10, stop_at_test_acc=0.95, seed=0),
    runs=[dict(weight_decay=wd, lr=lr, train_fraction=p, hidden=k) for k in LAW_VALUES["hidden"]
          for wd in LAW_VALUES["weight_decay"] for lr in LAW_VALUES["lr"] for p in LAW_VALUES["train_fraction"]],
)
# The factors of Sec. 7 not in the knobs sweep, one at a time around one setting (Z_23, K = 512,
# 60% of the pairs, Adam lr 3e-3, weight decay 2e-4), 2 seeds: the scale of V at
# initialisation, the scale of W, the output scale beta, the optimizer (SGD with momentum 0.9 at
# lr 0.5: at 0.05 and 0.2 it had not generalised after 3000 epochs in a trial run).
FACTORS_BASE = dict(hidden=512, train_fraction=0.6, lr=3e-3, weight_decay=2e-4, epochs=4000, eval_every=10,
                    stop_at_test_acc=0.99)
FACTOR_VALUES = {"init_scale_v": [0.0, 0.1, 1.0, 3.0, 10.0], "init_scale_w": [0.3, 3.0], "output_scale": [0.25, 4.0],
                 "optimizer": ["adamw", "muon", "sgd"]}
SWEEPS["factors"] = dict(
    group=23,
    base=FACTORS_BASE,
    runs=[{knob: v, "seed": s, **({"lr": 0.5} if v == "sgd" else {})}
          for knob, values in FACTOR_VALUES.items() for v in values for s in range(2)],
)
# Early stopping: near the critical fraction of Z_23, long runs without stopping (does test
# accuracy rise and then fall back?).
SWEEPS["long-runs"] = dict(
    group=23,
    base=dict(hidden=512, weight_decay=2e-4, epochs=8000, eval_every=20),
    runs=[dict(train_fraction=p, lr=lr, seed=s) for p in (0.3, 0.4) for lr in (1e-3, 1e-2) for s in range(2)],
)
# Tasks without group structure (an open question of Sec. 8): Z_23, a Latin square of order 23
# that is not a group, a random table of order 23; the same network and optimizer, no early stop.
SWEEPS["tables"] = dict(
    groups=[23, random_latin_square(23, seed=0), random_table(23, seed=0)],
    base=dict(hidden=512, lr=3e-3, weight_decay=2e-4, epochs=3000, eval_every=10),
    runs=[dict(train_fraction=p, seed=s) for p in (0.5, 0.7, 0.9) for s in range(2)],
)


RUNS_FOLDER = Path("li2lib-runs")
"""Where ``li2lib sweep NAME`` and ``li2lib figure`` save the runs they train: ``./li2lib-runs/NAME``
(relative to the working directory; never inside the installed package)."""


def stored_folder(name: str) -> Path:
    """Where the named sweep's results live: ``li2lib/stored/NAME`` inside the package."""
    if name not in SWEEPS:
        raise ValueError(f"name must be one of {sorted(SWEEPS)}, got {name!r}")
    return Path(__file__).parent.parent / "stored" / name


def _spec_keys(sweep: str) -> list[tuple]:
    spec = SWEEPS[sweep]
    if "plan" in spec:
        return [(as_group(g), spec["base"], runs) for g, runs in spec["plan"]]
    groups = spec.get("groups") or [spec["group"]]
    return [(as_group(g), spec["base"], spec["runs"]) for g in groups]


def _keys(sweep: str) -> list[str]:
    """The distinct run keys of the named sweep, in its order (a run listed twice counts once)."""
    return list(dict.fromkeys(run_key(group, {**base, **run}) for group, base, runs in _spec_keys(sweep) for run in runs))


def runs_count(sweep: str) -> int:
    """How many distinct runs the named sweep has, over all its groups."""
    return len(_keys(sweep))


def missing_runs(sweep: str, folder: str | Path) -> int:
    """How many runs of the named sweep ``folder`` lacks."""
    return sum(not (Path(folder) / f"{k}.npz").exists() for k in _keys(sweep))


def make_command(sweep: str, folder: str | Path) -> str:
    """The command that trains the named sweep's runs into ``folder``."""
    default = Path(folder) == RUNS_FOLDER / sweep
    return f"li2lib sweep {sweep}" + ("" if default else f" --folder {folder}")


def stored_sweep(name: str) -> Sweep:
    """Every saved run of the named sweep: those the package stores (:func:`stored_folder`), or,
    for a sweep the package does not store (the paper-scale ones), those ``li2lib sweep NAME``
    saved in ``./li2lib-runs/NAME``."""
    for folder in (stored_folder(name), RUNS_FOLDER / name):
        if folder.is_dir() and any(folder.glob("[!.]*.npz")):
            return load_sweep(folder)
    raise FileNotFoundError(f"no run of the sweep {name} is saved, neither in the package nor in "
                            f"{RUNS_FOLDER / name}; make them with: li2lib sweep {name}")


def scaling_runs(family: str, sweeps: dict[str, Sweep] | None = None,
                 scale: str = "cpu") -> tuple[list[Group], Sweep]:
    """One panel of paper Fig. 5: the family's groups that have runs, in order of M, and their
    runs. At CPU scale over the whole stored range of M: the groups of ``SCALING_FAMILIES["cpu"]``
    then ``SCALING_EXT_FAMILIES``, with every run from ``scaling-cpu-FAMILY``,
    ``scaling-cpu-ext`` and ``scaling-cpu-refine`` (same settings). While the extension is being
    made, a group of ``scaling-cpu-ext`` enters (with its second-pass runs) once its first pass
    is complete: a half-made column would show a crossing that is not there. At paper scale: the
    runs of ``scaling-paper`` on the groups of ``SCALING_FAMILIES["paper"][family]``.

    ``sweeps``: sweep name -> its runs, already loaded (e.g. by
    :func:`li2lib.experiments.figures.load_figure`, from a folder of one's own); a sweep it
    lacks is read from the package's stored runs (at paper scale, from ``./li2lib-runs``)."""
    if scale not in ("cpu", "paper"):
        raise ValueError(f"scale must be 'cpu' or 'paper', got {scale!r}")
    if family not in SCALING_EXT_FAMILIES:
        raise ValueError(f"family must be one of {sorted(SCALING_EXT_FAMILIES)}, got {family!r}")
    sweeps = sweeps or {}
    if scale == "paper":
        runs = sweeps["scaling-paper"] if "scaling-paper" in sweeps else stored_sweep("scaling-paper")
        names = {g.name for g in SCALING_FAMILIES["paper"][family]}
        runs = Sweep(r for r in runs if r.group.name in names)
        have = {r.group.name for r in runs}
        return sorted((g for g in SCALING_FAMILIES["paper"][family] if g.name in have), key=lambda g: g.order), runs
    stored = {sweep: sweeps[sweep] if sweep in sweeps else
              load_sweep(stored_folder(sweep)) if stored_folder(sweep).is_dir() else Sweep([])
              for sweep in (f"scaling-cpu-{family}", "scaling-cpu-ext", "scaling-cpu-refine")}
    made = {r.key for r in stored["scaling-cpu-ext"]}
    complete = {group.name for group, base, runs in _spec_keys("scaling-cpu-ext")
                if all(run_key(group, {**base, **run}) in made for run in runs)}
    groups = [*SCALING_FAMILIES["cpu"][family], *(g for g in SCALING_EXT_FAMILIES[family] if g.name in complete)]
    names = {g.name for g in groups}
    runs = [r for sweep in stored.values() for r in sweep if r.group.name in names]
    return sorted(groups, key=lambda g: g.order), Sweep(runs)


def run_named_sweep(sweep: str, folder: str | Path, *, executor=None, device: str | None = None,
                    runs_per_task: int = 32, threads: int | None = None, progress: bool = True) -> Sweep:
    """Train the runs of ``SWEEPS[sweep]`` that ``folder`` lacks, on each of its groups; return
    all of its runs (what ``li2lib sweep NAME`` does). ``device`` overrides every run's device
    (it is not part of a run's key)."""
    if sweep not in SWEEPS:
        raise ValueError(f"sweep must be one of {sorted(SWEEPS)}, got {sweep!r}")
    out = Sweep()
    for group, base, runs in _spec_keys(sweep):
        base = {**base, "device": device} if device else base
        out.extend(run_sweep(group, runs, folder, base=base, executor=executor, runs_per_task=runs_per_task,
                             threads_per_task=threads, progress=progress))
    return out


def load_named_sweep(sweep: str, folder: str | Path) -> Sweep:
    """The saved runs of ``SWEEPS[sweep]`` in ``folder`` (missing runs are left out)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} does not exist; make it with: {make_command(sweep, folder)}")
    return load_sweep(folder, [k for k in _keys(sweep) if (folder / f"{k}.npz").exists()])


def stored_run(name: str, folder: str | Path | None = None, *, group: Group | int | None = None, **run) -> TrainResult:
    """One run of the named sweep, e.g. ``stored_run("knobs", train_fraction=0.2).history``;
    settings not given are the sweep's base values. A sweep over several groups needs ``group``."""
    folder = Path(folder) if folder is not None else stored_folder(name)
    spec = SWEEPS[name]
    if group is None:
        if "group" not in spec:
            raise ValueError(f"sweep {name!r} covers several groups: give group=")
        group = spec["group"]
    path = folder / f"{run_key(group, {**spec['base'], **run})}.npz"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing; make it with: {make_command(name, folder)}")
    return load_run(path)


# --- Chapter 7: the scaling law (Fig. 5) -------------------------------------------------------

def _scaling_families(scale: str) -> dict[str, list[Group]]:
    """The four families of Fig. 5 at ``scale`` ("cpu" or "paper"): family name -> groups.

    Non-abelian groups are those whose largest irrep has dimension 2: dihedral groups and
    their products with cyclic groups (a dicyclic group Dic_n joins the list as one more entry).
    """
    if scale == "cpu":
        return {
            "prime": [cyclic(m) for m in (17, 23, 31, 41, 47)],
            "composite": [cyclic(m) for m in (18, 30, 40)],
            "product": [product(4, 7), product(2, 2, 9), product(5, 2, 2, 2)],
            "nonabelian": [dihedral(9), dihedral(12), dihedral(15), dihedral(20)],
        }
    return {
        "prime": [cyclic(m) for m in (23, 31, 41, 53, 61, 71, 83, 97, 113, 127)],
        "composite": [cyclic(m) for m in (24, 36, 48, 60, 72, 90, 100, 120)],
        "product": [product(4, 7), product(5, 6), product(2, 2, 9), product(13, 11), product(5, 2, 2, 2),
                    product(6, 4, 2), product(3, 2, 17), product(2, 3, 3, 5)],
        "nonabelian": [dihedral(12), dihedral(18), dihedral(25), dihedral(32), dihedral(40), dihedral(50),
                       dihedral(63), product(dihedral(10), 3), product(dihedral(14), 4)],
    }


SCALING_FAMILIES = {scale: _scaling_families(scale) for scale in ("cpu", "paper")}
"""scale -> family -> groups of the sweeps ``scaling-cpu-FAMILY`` and ``scaling-paper``."""

SCALING_FRACTIONS = {
    # one geometric grid (ratio 1.25) for every group: it spans c ln M / M for c from about 2
    # to 11 at M = 47 and from 1.1 to 5.4 at M = 17, where the boundaries lie
    "cpu": [round(0.15 * 1.25**k, 3) for k in range(1, 9)],
    # ratio 1.2 from 0.06 to 0.92: c from about 1.6 to 25 at M = 127 and from 1.2 to 6.8 at M = 23
    "paper": [round(0.06 * 1.2**k, 3) for k in range(16)],
}
"""scale -> the training fractions p of every group's phase-diagram column."""

SCALING_BASE = {
    "cpu": dict(hidden=512, lr=5e-4, weight_decay=2e-4, epochs=3000, eval_every=50, stop_at_test_acc=0.99),
    "paper": dict(hidden=2048, lr=5e-4, weight_decay=2e-4, epochs=3000, eval_every=50, stop_at_test_acc=0.99),
}
"""scale -> base settings: the paper's Fig. 5 (lr 5e-4, weight decay 2e-4, 3000 epochs,
K = 2048), at CPU scale with K = 512; a run stops once its test accuracy reaches 0.99."""

# Chapter 7's stored phase diagrams, one sweep per panel of Fig. 5, CPU scale: K = 512, orders
# up to 47, 3 seeds for Z_M prime and the non-abelian groups (the fits of c), 2 for the others.
for _family, _seeds in (("prime", 3), ("nonabelian", 3), ("composite", 2), ("product", 2)):
    SWEEPS[f"scaling-cpu-{_family}"] = dict(
        groups=SCALING_FAMILIES["cpu"][_family],
        base=SCALING_BASE["cpu"],
        runs=[dict(train_fraction=p, seed=s) for p in SCALING_FRACTIONS["cpu"] for s in range(_seeds)],
    )
# Fig. 5 at the paper's scale (K = 2048, 20 seeds, orders up to 143), all four panels, for a
# GPU: li2lib sweep scaling-paper --device cuda. Not stored.
SWEEPS["scaling-paper"] = dict(
    groups=[g for family in SCALING_FAMILIES["paper"].values() for g in family],
    base=SCALING_BASE["paper"],
    runs=[dict(train_fraction=p, seed=s) for p in SCALING_FRACTIONS["paper"] for s in range(20)],
)

# The extension of the CPU-scale diagrams over the paper's range of M (to 127), same settings.
SCALING_EXT_FAMILIES = {
    "prime": [cyclic(m) for m in (53, 61, 71, 83, 97, 113, 127)],
    "composite": [cyclic(m) for m in (50, 64, 75, 90, 100, 120, 128)],
    "product": [product(2, 2, 13), product(3, 3, 7), product(2, 6, 6), product(4, 4, 5), product(2, 3, 3, 5),
                product(3, 2, 17), product(13, 11)],
    # largest irrep of dimension 2: dihedral D_n (order 2n), dicyclic Dic_n (order 4n, quaternionic
    # 2-dim irreps) and D_n x Z_3
    "nonabelian": [dihedral(26), dicyclic(15), dihedral(36), dicyclic(20), product(dihedral(15), 3), dihedral(52),
                   dicyclic(28), product(dihedral(20), 3), dihedral(63)],
}
"""family -> groups of the sweep ``scaling-cpu-ext``: orders 50 to 128 (143 for Z_13 x Z_11)."""

SCALING_EXT_C = 2.7
"""The constant c of p ~ c ln M / M measured on the CPU-scale diagrams (orders 17 to 47), about
which the first pass of ``scaling-cpu-ext`` places its fractions up to order 75."""

SCALING_EXT_POWER = (0.98, 0.379)
"""(b, alpha) of p ~ b M^-alpha fitted to the crossings measured at orders 40 to 75 (those of
the first pass included), about which the first pass places its fractions above order 75:
the crossings of orders 50 to 75 sat at p = 0.18-0.24, above 1.1 c ln M / M and flattening,
so the law's window would have missed them at the largest orders."""


def scaling_window(order: int, points: int = 5) -> list[float]:
    """The first-pass fractions of a group of order M: ``points`` consecutive fractions of the
    CPU-scale grid 0.15 * 1.25^k (extended below 0.15), centered on 1.1 c ln M / M up to M = 75
    (:data:`SCALING_EXT_C`) and on b M^-alpha above (:data:`SCALING_EXT_POWER`)."""
    b, alpha = SCALING_EXT_POWER
    center = 1.1 * SCALING_EXT_C * math.log(order) / order if order <= 75 else b * order**-alpha
    k0 = round(math.log(center / 0.15) / math.log(1.25))
    return [round(0.15 * 1.25**k, 3) for k in range(k0 - points // 2, k0 - points // 2 + points)]


# One sweep for the four families, trained in order of M (smaller first, families interleaved),
# so that whatever has finished is a usable diagram over the smaller orders.
SWEEPS["scaling-cpu-ext"] = dict(
    plan=[(g, [dict(train_fraction=p, seed=s) for p in scaling_window(g.order) for s in range(3)])
          for g in sorted((g for family in SCALING_EXT_FAMILIES.values() for g in family), key=lambda g: g.order)],
    base=SCALING_BASE["cpu"],
)

REFINE_SEEDS = 5
"""Seeds per fraction at each crossing after ``scaling-cpu-refine``."""

SCALING_REFINE: dict[str, tuple[float, float]] = {
    "Z_17": (0.366, 0.458),
    "Z_18": (0.366, 0.458),
    "D_9": (0.366, 0.458),
    "Z_23": (0.293, 0.366),
    "D_12": (0.293, 0.366),
    "Z_4 x Z_7": (0.293, 0.366),
    "Z_30": (0.293, 0.366),
    "D_15": (0.234, 0.293),
    "Z_31": (0.293, 0.366),
    "Z_2 x Z_2 x Z_9": (0.234, 0.293),
    "Z_40": (0.234, 0.293),
    "Z_5 x Z_2 x Z_2 x Z_2": (0.234, 0.293),
    "D_20": (0.188, 0.234),
    "Z_41": (0.234, 0.293),
    "Z_47": (0.188, 0.234),
    "Z_50": (0.188, 0.234),
    "D_26": (0.188, 0.234),
    "Z_2 x Z_2 x Z_13": (0.188, 0.234),
    "Z_53": (0.188, 0.234),
    "Dic_15": (0.234, 0.293),
    "Z_61": (0.188, 0.234),
    "Z_3 x Z_3 x Z_7": (0.188, 0.234),
    "Z_64": (0.188, 0.234),
    "Z_71": (0.188, 0.234),
    "D_36": (0.15, 0.188),
    "Z_2 x Z_6 x Z_6": (0.15, 0.188),
    "Z_75": (0.188, 0.234),
    "Z_4 x Z_4 x Z_5": (0.188, 0.234),
    "Dic_20": (0.188, 0.234),
    "Z_83": (0.188, 0.234),
    "D_15 x Z_3": (0.188, 0.234),
    "Z_2 x Z_3 x Z_3 x Z_5": (0.188, 0.234),
    "Z_90": (0.15, 0.188),
    "Z_97": (0.15, 0.188),
    "Z_100": (0.15, 0.188),
    "Z_3 x Z_2 x Z_17": (0.15, 0.188),
    "Z_113": (0.15, 0.188),
    "Z_120": (0.15, 0.188),
    "D_20 x Z_3": (0.15, 0.188),
    "Z_128": (0.12, 0.15),
    "D_52": (0.15, 0.188),
    "Z_127": (0.12, 0.15),
    "D_63": (0.12, 0.15),
    "Dic_28": (0.15, 0.188),
    "Z_13 x Z_11": (0.12, 0.15),
}
"""group name -> (p_lo, p_hi): the two grid fractions that bracket the group's crossing in its
first pass (``scaling-cpu-FAMILY`` or ``scaling-cpu-ext``): the last with mean final test
accuracy below 1/2 and the first at or above it, as :func:`li2lib.measure.scaling.second_pass`
reads them off the stored runs (a test checks every entry against them). Written out here so
that the sweep's plan does not change when runs land."""


SCALING_ABOVE: dict[str, float] = {
    "Dic_15": 0.366,
    "Dic_20": 0.366,
    "D_15 x Z_3": 0.366,
    "D_20 x Z_3": 0.293,
    "Dic_28": 0.293,
}
"""group name -> one more grid fraction above its first pass, for the groups whose first pass
has fewer than two fractions where every run grokked within the horizon (the slope k of
:func:`li2lib.measure.scaling.horizon_crossing` needs two): the dicyclic groups' boundary lies
a grid step above that of the other groups of their order, and the D_n x Z_3 groups' too
(:func:`li2lib.measure.scaling.second_pass`; the fraction is the grid's next above the first
pass's largest)."""


def _first_pass_seeds(group: Group) -> int:
    """Seeds per fraction in the group's first pass: 2 in scaling-cpu-composite and -product, else 3."""
    return 2 if any(group.name in {g.name for g in SCALING_FAMILIES["cpu"][f]} for f in ("composite", "product")) else 3


def refine_runs(group: Group, p_lo: float, p_hi: float) -> list[dict]:
    """The runs ``scaling-cpu-refine`` adds to a group's first pass: seeds up to
    :data:`REFINE_SEEDS` at the two bracketing fractions, and all of them at the grid midpoint
    sqrt(p_lo p_hi) between (half a grid step each side), so that the crossing's error comes from
    the spread over seeds on a grid half as coarse; and all of them at the fraction
    :data:`SCALING_ABOVE` names for the group, if any."""
    if not 0 < p_lo < p_hi <= 1:
        raise ValueError(f"the bracket must satisfy 0 < p_lo < p_hi <= 1, got ({p_lo!r}, {p_hi!r})")
    more = range(_first_pass_seeds(group), REFINE_SEEDS)
    middle = round(math.sqrt(p_lo * p_hi), 3)
    above = [dict(train_fraction=SCALING_ABOVE[group.name], seed=s) for s in range(REFINE_SEEDS)
             ] if group.name in SCALING_ABOVE else []
    return ([dict(train_fraction=p, seed=s) for p in (p_lo, p_hi) for s in more]
            + [dict(train_fraction=middle, seed=s) for s in range(REFINE_SEEDS)] + above)


# The second pass over every CPU-scale scaling group whose first pass has bracketed its crossing
# (orders 17 to 143), trained in order of M.
_SCALING_GROUPS = {g.name: g for g in [*(g for f in SCALING_FAMILIES["cpu"].values() for g in f),
                                       *(g for f in SCALING_EXT_FAMILIES.values() for g in f)]}
SWEEPS["scaling-cpu-refine"] = dict(
    plan=[(g, refine_runs(g, *SCALING_REFINE[g.name]))
          for g in sorted((_SCALING_GROUPS[n] for n in SCALING_REFINE), key=lambda g: g.order)],
    base=SCALING_BASE["cpu"],
)

# Is the boundary a horizon? Below and at the 3000-epoch boundary of Z_23 and Z_31, five times
# longer and without early stopping (a grokked run may also fall back).
SWEEPS["scaling-horizon"] = dict(
    groups=[23, 31],
    base={**SCALING_BASE["cpu"], "epochs": 15000, "eval_every": 100, "stop_at_test_acc": None},
    runs=[dict(train_fraction=p, seed=s) for p in (0.2, 0.234, 0.266, 0.293, 0.33) for s in range(2)],
)
# Beyond the paper: the prime panel of Fig. 5 with cross-entropy instead of MSE, everything else
# as in scaling-cpu-prime (lr 5e-4 included: one knob changed). Its boundary lies about one grid
# step higher than MSE's, so the window is shifted up; Z_17 (whose boundary would sit at the top
# of the grid) is left out to fit a 15-CPU-minute budget.
SWEEPS["scaling-cpu-prime-ce"] = dict(
    groups=SCALING_FAMILIES["cpu"]["prime"][1:],
    base={**SCALING_BASE["cpu"], "loss": "cross_entropy"},
    runs=[dict(train_fraction=p, seed=s) for p in SCALING_FRACTIONS["cpu"][1:6] for s in range(3)],
)
# Does the width move the boundary? Z_31 around its boundary at K = 128 and K = 2048 (K = 512
# is in scaling-cpu-prime).
for _width in (128, 2048):
    SWEEPS[f"scaling-width-{_width}"] = dict(
        group=31,
        base={**SCALING_BASE["cpu"], "hidden": _width},
        runs=[dict(train_fraction=p, seed=s) for p in SCALING_FRACTIONS["cpu"][1:5] for s in range(2)],
    )

# --- Chapter 8: the learning rate near the boundary (Figs. 6-7) -------------------------------

# Z_23 (a panel of Fig. 6) with K = 1024 as in Fig. 6, over training fraction x learning rate,
# from its 3000-epoch boundary (p ~ 0.37 at lr 5e-4) to twice it.
SWEEPS["lr-basin"] = dict(
    group=23,
    base=dict(hidden=1024, weight_decay=2e-4, epochs=3000, eval_every=50, stop_at_test_acc=0.99),
    runs=[dict(train_fraction=p, lr=lr, seed=s) for p in (0.293, 0.366, 0.458, 0.572, 0.715)
          for lr in (5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2) for s in range(3)],
)
# Figs. 6-7 at the paper's scale (M = 23, 71, 127, K = 1024, 15 seeds; Fig. 7 is M = 127 at
# p = 0.2, n = 3225, lr 1e-3, 2e-3 and 5e-3), for a GPU: li2lib sweep lr-basin-paper --device cuda.
SWEEPS["lr-basin-paper"] = dict(
    groups=[23, 71, 127],
    base=dict(hidden=1024, weight_decay=2e-4, epochs=3000, eval_every=50, stop_at_test_acc=0.99),
    runs=[dict(train_fraction=p, lr=lr, seed=s) for p in (0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)
          for lr in (5e-4, 1e-3, 2e-3, 5e-3, 1e-2) for s in range(15)],
)
