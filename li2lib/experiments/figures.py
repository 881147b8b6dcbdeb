"""The paper's figures, each re-made by one command: ``li2lib figure NAME --scale cpu|paper``.

Every experimental figure of the paper is a :class:`FigureSpec` in :data:`FIGURES`: which named
sweeps of :data:`li2lib.experiments.registry.SWEEPS` hold its runs at each scale, the settings, the claim it
supports, how to draw it and how to read the claim off the data. ``cpu`` is the scale the book
stores (in ``li2lib/stored/NAME``, shipped with the package); ``paper`` is the paper's own
setting, for a GPU or a cluster. Runs trained by ``li2lib figure`` or ``li2lib sweep`` go to
``./li2lib-runs/NAME`` (never into the installed package).

:func:`run_figure` trains whatever runs of the figure's sweeps are missing (resumable: finished
runs are files, an interrupted command picks up where it stopped; on any executor and device
the sweeps support) and returns the sweeps; :func:`draw_figure` draws it and
:func:`figure_verdict` states what the data shows next to what the paper says.

A figure whose sweeps are not (yet) defined in ``SWEEPS`` is *pending*: it is listed, and
``li2lib figure`` says which sweep names it waits for. Figures 5-8 are registered this way,
by the names of the sweeps of the chapters that reproduce them.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .registry import RUNS_FOLDER, SWEEPS, load_named_sweep, missing_runs, run_named_sweep, stored_folder
from .sweeps import Sweep

__all__ = ["SCALES", "FigureSpec", "FIGURES", "missing_sweeps", "sweep_folder", "run_figure", "load_figure",
           "draw_figure", "figure_verdict"]

SCALES = ("cpu", "paper")


@dataclass(frozen=True)
class FigureSpec:
    """One figure of the paper and how the book re-makes it.

    ``sweeps`` maps each scale to the names of the sweeps (keys of ``SWEEPS``) it is drawn
    from; ``settings`` describes each scale in words; ``draw(sweeps, scale)`` returns a
    matplotlib figure and ``verdict(sweeps, scale)`` a sentence of measured numbers, both from
    a dict name -> :class:`li2lib.experiments.sweeps.Sweep` (None: the generic drawing of the sweeps'
    final test accuracies, and no verdict).
    """

    name: str
    paper: str
    claim: str
    chapter: str
    sweeps: dict
    settings: dict
    draw: Callable | None = None
    verdict: Callable | None = None


def _check(name: str, scale: str) -> FigureSpec:
    if name not in FIGURES:
        raise ValueError(f"name must be one of {sorted(FIGURES)}, got {name!r}")
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {list(SCALES)}, got {scale!r}")
    return FIGURES[name]


def missing_sweeps(name: str, scale: str) -> list[str]:
    """The sweeps figure ``name`` needs at ``scale`` that ``SWEEPS`` does not define (pending)."""
    return [s for s in _check(name, scale).sweeps[scale] if s not in SWEEPS]


def _defined(name: str, scale: str) -> FigureSpec:
    """The figure's spec, after checking that ``SWEEPS`` defines every sweep it needs at ``scale``."""
    spec = _check(name, scale)
    pending = missing_sweeps(name, scale)
    if pending:
        raise ValueError(f"{spec.paper} is pending at {scale} scale: SWEEPS does not define {pending} yet")
    return spec


def sweep_folder(sweep: str, scale: str, folder: str | Path | None = None) -> Path:
    """Where a figure reads a sweep's runs: ``folder/sweep`` if a parent folder is given; else
    ``./li2lib-runs/sweep`` (:data:`li2lib.experiments.registry.RUNS_FOLDER`), except at cpu
    scale while that folder does not exist: then the package's stored data."""
    if folder is not None:
        return Path(folder) / sweep
    own = RUNS_FOLDER / sweep
    return stored_folder(sweep) if scale == "cpu" and not own.is_dir() else own


def _finish(sweep: str, scale: str, folder: str | Path | None, options: dict) -> Sweep:
    """The sweep's runs, trained where missing. Training never writes into the package: at cpu
    scale the stored runs are read as they are when complete, else copied to the folder that
    receives the missing ones (so they are not trained again)."""
    target = sweep_folder(sweep, scale, folder)
    stored = stored_folder(sweep)
    if target == stored:
        if not missing_runs(sweep, stored):
            return load_named_sweep(sweep, stored)
        target = RUNS_FOLDER / sweep
    if scale == "cpu" and stored.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        for path in stored.glob("[!.]*.npz"):
            if not (target / path.name).exists():
                shutil.copy2(path, target / path.name)
    return run_named_sweep(sweep, target, **options)


def run_figure(name: str, scale: str = "cpu", *, folder: str | Path | None = None, **options) -> dict[str, Sweep]:
    """Train (or finish) every sweep of figure ``name`` at ``scale``; returns name -> Sweep.
    ``options``: executor, device, runs_per_task, threads, progress (see
    :func:`li2lib.experiments.registry.run_named_sweep`). New runs go to ``folder/SWEEP``, by
    default ``./li2lib-runs/SWEEP``, never into the package."""
    spec = _defined(name, scale)
    return {s: _finish(s, scale, folder, options) for s in spec.sweeps[scale]}


def load_figure(name: str, scale: str = "cpu", folder: str | Path | None = None) -> dict[str, Sweep]:
    """The saved runs of every sweep of figure ``name`` (no training); name -> Sweep."""
    spec = _defined(name, scale)
    return {s: load_named_sweep(s, sweep_folder(s, scale, folder)) for s in spec.sweeps[scale]}


def draw_figure(name: str, sweeps: dict[str, Sweep], scale: str = "cpu"):
    """The figure drawn from its sweeps (a matplotlib Figure, at most 6.5 in wide)."""
    spec = _check(name, scale)
    return (spec.draw or _draw_generic)(sweeps, scale)


def figure_verdict(name: str, sweeps: dict[str, Sweep], scale: str = "cpu") -> str:
    """What the figure's data shows, in numbers, next to the paper's claim."""
    spec = _check(name, scale)
    return spec.verdict(sweeps, scale) if spec.verdict else "no verdict defined: see the figure"


# --- reading sweeps -----------------------------------------------------------------------------

def _mean_curve(records, metric: str, epochs: np.ndarray) -> np.ndarray:
    """Mean of ``metric`` over runs on a common epoch grid; a run that stopped early (at its
    stopping accuracy) keeps its last value."""
    rows = []
    for r in records:
        e, v = r.history["epoch"], r.history[metric]
        rows.append(np.interp(epochs, e, v, right=v[-1]))
    return np.mean(rows, axis=0)


def _grok(records) -> np.ndarray:
    """grok_epoch of each run (NaN when it never reached test accuracy 0.95)."""
    return np.array([r.summary["grok_epoch"] for r in records], dtype=float)


def _median_grok(records) -> float:
    """Median grok epoch, counting runs that never grokked as infinitely late."""
    g = _grok(records)
    return float(np.median(np.where(np.isnan(g), np.inf, g))) if len(g) else float("nan")


def _groups(sweep) -> list[str]:
    """The names of the sweep's groups, by order M (then name)."""
    return [name for _, name in sorted({(r.group.order, r.group.name) for r in sweep})]


def _order(sweep, group: str) -> int:
    """The order M of the sweep's group named ``group``."""
    return next(r.group.order for r in sweep if r.group.name == group)


def _fmt_epoch(e: float) -> str:
    return "never" if not np.isfinite(e) else f"{e:.0f}"


def _figure(ncols: int, nrows: int = 1, height: float = 2.6):
    import matplotlib.pyplot as plt

    width = 6.5
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height * nrows), squeeze=False, constrained_layout=True)
    return fig, axes


# --- Fig. 3 ---------------------------------------------------------------------------------------

def _fig3_runs(sweeps, scale):
    if scale == "cpu":
        knobs = sweeps["knobs"]
        return {2e-4: knobs.where(lr=1e-3, weight_decay=2e-4, train_fraction=0.4, hidden=2048),
                0.0: knobs.where(weight_decay=0.0)}
    paper = sweeps["fig3-paper"]
    return {wd: paper.where(weight_decay=wd) for wd in (2e-4, 0.0)}


def _draw_fig3(sweeps, scale):
    fig, axes = _figure(2)
    for ax, (wd, records) in zip(axes[0], _fig3_runs(sweeps, scale).items()):
        end = max(int(r.history["epoch"][-1]) for r in records)
        epochs = np.arange(0, min(end, 600) + 1)
        ax.plot(epochs, _mean_curve(records, "train_acc", epochs), "--", color="C0", label="train acc")
        ax.plot(epochs, _mean_curve(records, "test_acc", epochs), color="C0", label="test acc")
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("epoch")
        ax.set_title(f"weight decay {wd:g} ({len(records)} seed{'s' * (len(records) > 1)})", fontsize=10)
        twin = ax.twinx()
        twin.plot(epochs, _mean_curve(records, "gf_norm", epochs), color="C3", lw=1)
        twin.set_ylabel(r"$\|G_F\|$", color="C3")
    axes[0, 0].set_ylabel("accuracy")
    axes[0, 0].legend(fontsize=9, loc="center right")
    return fig


def _verdict_fig3(sweeps, scale):
    runs = _fig3_runs(sweeps, scale)
    with_wd, without = runs[2e-4], runs[0.0]
    best = max(float(np.max(r.history["test_acc"])) for r in without)
    end = min(int(r.history["epoch"][-1]) for r in without)
    return (f"weight decay 2e-4 groks (test acc 0.95) at median epoch {_fmt_epoch(_median_grok(with_wd))} "
            f"({len(with_wd)} run(s)); weight decay 0 reaches at most test acc {best:.2f} in {end} epochs")


# --- Fig. 5: the phase diagrams over (M, p) ---------------------------------------------------

def _fig5_families(sweeps, scale):
    """family -> (groups with runs, table of their runs), from the loaded sweeps
    (:func:`li2lib.experiments.registry.scaling_runs`)."""
    from .registry import scaling_runs

    out = {}
    for family in ("prime", "composite", "product", "nonabelian"):
        groups, runs = scaling_runs(family, sweeps, scale)
        if groups:
            out[family] = (groups, runs.table())
    return out


def _draw_fig5(sweeps, scale):
    import matplotlib.pyplot as plt

    from ..book.scaling_plots import plot_phase_diagram
    from ..data import CRITICAL_RATIO_MULTIPLIER
    from ..measure.scaling import group_crossings

    families = _fig5_families(sweeps, scale)
    fig, axes = plt.subplots(2, 2, figsize=(6.5, 6.0), sharey=True, constrained_layout=True)
    for ax, (family, (groups, t)) in zip(axes.flat, families.items()):
        order = {g.name: g.order for g in groups}
        crossings = {order[g]: c for g, c in group_crossings(t).items()}
        mappable = plot_phase_diagram([order[g] for g in t["group"]], t["train_fraction"], t["final_test_acc"], ax=ax,
                                      lines={f"c = {CRITICAL_RATIO_MULTIPLIER} (code)": CRITICAL_RATIO_MULTIPLIER},
                                      crossings=crossings or None)
        ax.set_title(family)
    fig.colorbar(mappable, ax=axes, shrink=0.5, label="final test accuracy")
    return fig


def _verdict_fig5(sweeps, scale):
    from ..measure.scaling import fit_law, group_crossings, holdout

    orders, p_T, se, abelian = [], [], [], []
    for family, (groups, t) in _fig5_families(sweeps, scale).items():
        order = {g.name: g.order for g in groups}
        for g, found in group_crossings(t, horizon=int(t["epochs"][0])).items():
            orders.append(order[g])
            p_T.append(found.p)
            se.append(found.se_log)
            abelian.append(family != "nonabelian")
    M, p, s, ab = (np.array(v) for v in (orders, p_T, se, abelian))
    c = p * M / np.log(M)
    text = (f"boundary p_T (test acc 0.95 within the horizon, {len(M)} groups, M = {M.min()}-{M.max()}, median error "
            f"{100 * np.median(s):.1f}% from the seeds); c = p_T M / ln M: median {np.median(c[M <= 47]):.2f} for "
            f"M <= 47" + (f", {np.median(c[M >= 60]):.2f} for M >= 60" if np.any(M >= 60) else ""))
    if ab.sum() > 3:
        power = fit_law(M[ab], p[ab], s[ab], "b M^-alpha")
        text += f"; abelian groups fit M^-alpha with alpha = {power.params['alpha']:.2f} ± {power.se['alpha']:.2f}"
        if np.any(M[ab] > 71) and np.sum(M[ab] <= 71) > 2:
            test = holdout(M[ab], p[ab], s[ab], "c ln M / M", M[ab] <= 71)
            text += (f"; c ln M / M fitted on M <= 71 is off by {100 * np.mean(test.log_error):+.0f}% on average "
                     f"at M > 71")
    return text


# --- Fig. 8: Muon with few hidden nodes ----------------------------------------------------------

FIG8_OPTIMIZERS = {"adam": "Adam", "muon": "Muon (author's)", "muon_torch": "torch's Muon"}


def _fig8_losses(sweep, optimizer, hidden):
    """lr -> final test losses of the runs of ``optimizer`` with ``hidden`` nodes."""
    out = {}
    for r in sweep.where(optimizer=optimizer, hidden=hidden):
        out.setdefault(r.settings["lr"], []).append(float(r.summary["final_test_loss"]))
    return out


def _fig8_best(sweep, optimizer, hidden) -> float:
    """The lowest median final test loss of ``optimizer`` over its learning rates."""
    losses = _fig8_losses(sweep, optimizer, hidden)
    return min(float(np.median(v)) for v in losses.values()) if losses else float("nan")


def _draw_fig8(sweeps, scale):
    sweep = sweeps["muon_fig8"]
    widths = sorted({r.settings["hidden"] for r in sweep})
    fig, axes = _figure(1, height=2.8)
    ax = axes[0, 0]
    for i, (opt, label) in enumerate(FIG8_OPTIMIZERS.items()):
        best = [_fig8_best(sweep, opt, K) for K in widths]
        ax.plot(widths, best, "o-", color=f"C{i}", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(widths, [str(K) for K in widths])
    ax.set_xlabel("hidden nodes K")
    ax.set_ylabel("final test loss\n(median, best learning rate)")
    ax.legend(fontsize=9)
    return fig


def _verdict_fig8(sweeps, scale):
    sweep = sweeps["muon_fig8"]
    parts = []
    for K in sorted({r.settings["hidden"] for r in sweep}):
        adam, muon = _fig8_best(sweep, "adam", K), _fig8_best(sweep, "muon", K)
        parts.append(f"K={K}: Adam {adam:.3g}, Muon {muon:.3g}")
    return "median final test loss at each optimizer's best learning rate: " + "; ".join(parts)


# --- Figs. 9 and 17: deeper networks ------------------------------------------------------------

DEPTH_LABELS = {(2, False): "2 layers", (3, "inner"): "3 layers, residual block", (4, "inner"): "4 layers, residual block",
                (3, True): "3 layers, Sec. 6 residual", (4, True): "4 layers, Sec. 6 residual",
                (3, False): "3 layers, plain", (4, False): "4 layers, plain"}


def _depth_sweep(sweeps, scale):
    return sweeps["depth" if scale == "cpu" else "depth-paper"]


def _draw_fig9(sweeps, scale):
    sweep = _depth_sweep(sweeps, scale)
    fractions = sorted({r.settings["train_fraction"] for r in sweep})
    fig, axes = _figure(len(fractions))
    for ax, p in zip(axes[0], fractions):
        for i, (layers, residual) in enumerate([(2, False), (3, "inner"), (4, "inner")]):
            records = sweep.where(layers=layers, residual=residual, init_scale_v=1.0, train_fraction=p)
            if not records:
                continue
            end = max(int(r.history["epoch"][-1]) for r in records)
            epochs = np.arange(0, end + 1, 10)
            ax.plot(epochs, _mean_curve(records, "train_acc", epochs), "--", color=f"C{i}", lw=1)
            ax.plot(epochs, _mean_curve(records, "test_acc", epochs), color=f"C{i}", label=f"{layers} layers")
        ax.set_title(f"training fraction {p:g}", fontsize=10)
        ax.set_xlabel("epoch")
        ax.set_ylim(-0.02, 1.02)
    axes[0, 0].set_ylabel("accuracy (dashed: train)")
    axes[0, 0].legend(fontsize=9)
    return fig


def _verdict_fig9(sweeps, scale):
    sweep = _depth_sweep(sweeps, scale)
    parts = []
    for p in sorted({r.settings["train_fraction"] for r in sweep}):
        medians = [_median_grok(sweep.where(layers=L, residual=res, init_scale_v=1.0, train_fraction=p))
                   for L, res in [(2, False), (3, "inner"), (4, "inner")]]
        parts.append(f"p = {p:g}: median grok epoch " + " / ".join(_fmt_epoch(m) for m in medians))
    return "2 / 3 / 4 layers (residual blocks, regular init): " + "; ".join(parts)


def _draw_fig17(sweeps, scale):
    sweep = _depth_sweep(sweeps, scale)
    fractions = sorted({r.settings["train_fraction"] for r in sweep})
    fig, axes = _figure(len(fractions))
    for ax, p in zip(axes[0], fractions):
        archs = [a for a in DEPTH_LABELS if sweep.where(layers=a[0], residual=a[1], train_fraction=p)]
        for k, (v, color, label) in enumerate([(1.0, "C3", "regular init"), (0.0, "C0", "zero-init V")]):
            for i, (layers, residual) in enumerate(archs):
                g = _grok(sweep.where(layers=layers, residual=residual, init_scale_v=v, train_fraction=p))
                end = max(int(r.history["epoch"][-1]) for r in sweep)
                shown = np.where(np.isnan(g), end * 1.15, g)
                ax.scatter(np.full(len(g), i + (k - 0.5) * 0.3), shown, color=color, s=14,
                           marker="o" if v else "s", label=label if i == 0 else None,
                           facecolors=[color if np.isfinite(x) else "none" for x in g])
        ax.set_yscale("log")
        ax.set_xticks(range(len(archs)), [DEPTH_LABELS[a].replace(", ", "\n") for a in archs], fontsize=7)
        ax.set_title(f"training fraction {p:g}", fontsize=10)
    axes[0, 0].set_ylabel("epoch of test acc 0.95\n(open: never)")
    axes[0, 0].legend(fontsize=8)
    return fig


def _speedup(regular: float, zero: float) -> str:
    if np.isfinite(regular) and np.isfinite(zero):
        return f"{regular / zero:.1f}x"
    return {(False, True): "only zero-init groks", (True, False): "only regular init groks"}.get(
        (bool(np.isfinite(regular)), bool(np.isfinite(zero))), "neither groks")


def _verdict_fig17(sweeps, scale):
    sweep = _depth_sweep(sweeps, scale)
    parts = []
    for p in sorted({r.settings["train_fraction"] for r in sweep}):
        for layers, residual in DEPTH_LABELS:
            regular, zero = (_median_grok(sweep.where(layers=layers, residual=residual, init_scale_v=v,
                                                train_fraction=p)) for v in (1.0, 0.0))
            if np.isnan(regular) or np.isnan(zero):
                continue
            parts.append(f"{DEPTH_LABELS[(layers, residual)]}, p={p:g}: {_fmt_epoch(regular)} vs "
                         f"{_fmt_epoch(zero)} ({_speedup(regular, zero)})")
    return "median grok epoch, regular vs zero-init V: " + "; ".join(parts)


# --- Figs. 10-13: complex weights, ridge readout -------------------------------------------------

VARIANTS = {"real": dict(complex_weights=False, ridge=None),
            "complex (author's init)": dict(complex_weights=True, imag_init=0.0),
            "complex": dict(complex_weights=True, imag_init=1.0),
            "ridge V": dict(ridge=1e-3)}


def _variant_runs(sweep, variant, group):
    return sweep.where(group=group, **VARIANTS[variant])


def _draw_variants(sweeps, scale, variants, horizon=None):
    sweep = sweeps["complex-ridge"]
    groups = _groups(sweep)
    fig, axes = _figure(len(variants))
    for ax, variant in zip(axes[0], variants):
        for i, g in enumerate(groups):
            records = _variant_runs(sweep, variant, g)
            if not records:
                continue
            end = horizon or max(int(r.history["epoch"][-1]) for r in sweep)
            epochs = np.arange(0, end + 1)
            for r in records:
                e = r.history["epoch"]
                keep = e <= end
                ax.plot(e[keep], r.history["test_acc"][keep], color=f"C{i}", lw=0.8, alpha=0.7,
                        label=f"M = {r.group.order}" if r is records[0] else None)
        ax.set_title(variant, fontsize=10)
        ax.set_xscale("symlog", linthresh=10)
        ax.set_xlabel("epoch")
        ax.set_ylim(-0.02, 1.02)
    axes[0, 0].set_ylabel("test accuracy")
    axes[0, 0].legend(fontsize=8)
    return fig


def _verdict_variants(sweeps, scale, variants):
    sweep = sweeps["complex-ridge"]
    groups = _groups(sweep)
    parts = []
    for g in groups:
        medians = {v: _median_grok(_variant_runs(sweep, v, g)) for v in variants}
        parts.append(f"M = {_order(sweep, g)}: " + ", ".join(f"{v} {_fmt_epoch(m)}" for v, m in medians.items()))
    return "median grok epoch: " + "; ".join(parts)


def _draw_fig13(sweeps, scale):
    sweep = sweeps["complex-ridge"]
    fig, axes = _figure(1, height=2.8)
    ax = axes[0, 0]
    for variant, color in (("real", "C0"), ("ridge V", "C3")):
        for r in _variant_runs(sweep, variant, "Z_23"):
            e = r.history["epoch"]
            ax.plot(e, r.history["test_acc"], color=color, lw=1, label=variant if r.settings["seed"] == 0 else None)
            ax.plot(e, r.history["train_acc"], "--", color=color, lw=0.7)
    ax.axvline(500, color="0.5", ls=":", lw=1)
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy (dashed: train)")
    ax.set_title(r"$\mathbb{Z}_{23}$: baseline and $V$ held at the ridge solution", fontsize=10)
    ax.legend(fontsize=9)
    return fig


# --- Fig. 16: zero-init of the readout -------------------------------------------------------------

def _zero_init_sweep(sweeps, scale):
    return sweeps["zero-init" if scale == "cpu" else "zero-init-paper"]


def _draw_fig16(sweeps, scale):
    sweep = _zero_init_sweep(sweeps, scale)
    groups = _groups(sweep)
    fractions = sorted({r.settings["train_fraction"] for r in sweep})
    fig, axes = _figure(len(fractions), len(groups), height=2.2)
    for row, g in zip(axes, groups):
        for ax, p in zip(row, fractions):
            for v, color, label in ((1.0, "C3", "regular init"), (0.0, "C0", "zero-init V")):
                for r in sweep.where(group=g, train_fraction=p, init_scale_v=v):
                    ax.plot(r.history["epoch"], r.history["test_acc"], color=color, lw=0.8,
                            label=label if r.settings["seed"] == 0 else None)
            ax.set_title(f"{g}, p = {p:g}", fontsize=9)
            ax.set_ylim(-0.02, 1.02)
    for ax in axes[-1]:
        ax.set_xlabel("epoch")
    axes[0, 0].set_ylabel("test accuracy")
    axes[0, 0].legend(fontsize=8)
    return fig


def _verdict_fig16(sweeps, scale):
    sweep = _zero_init_sweep(sweeps, scale)
    parts = []
    for g in _groups(sweep):
        for p in sorted({r.settings["train_fraction"] for r in sweep}):
            regular = _median_grok(sweep.where(group=g, train_fraction=p, init_scale_v=1.0))
            zero = _median_grok(sweep.where(group=g, train_fraction=p, init_scale_v=0.0))
            parts.append(f"{g} p={p:g}: {_fmt_epoch(regular)} vs {_fmt_epoch(zero)}")
    return "median grok epoch, regular vs zero-init V: " + "; ".join(parts)


# --- pending figures: a generic drawing -----------------------------------------------------------

def _draw_generic(sweeps, scale):
    """Final test accuracy (mean over seeds) against the training fraction, one line per group
    and setting that varies; for sweeps whose own drawing lives in their chapter."""
    fig, axes = _figure(len(sweeps))
    for ax, (name, sweep) in zip(axes[0], sweeps.items()):
        table = sweep.table()
        varying = [k for k in sweep.varying() if k not in ("seed", "train_fraction", "train_size")]
        keys = sorted({tuple(str(table[k][i]) for k in varying) for i in range(len(sweep))})
        for key in keys:
            rows = [i for i in range(len(sweep)) if tuple(str(table[k][i]) for k in varying) == key]
            fractions = sorted({table["train_fraction"][i] for i in rows})
            acc = [np.mean([table["final_test_acc"][i] for i in rows if table["train_fraction"][i] == p]) for p in fractions]
            ax.plot(fractions, acc, "o-", ms=3, lw=1, label=", ".join(key))
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("training fraction")
        ax.set_ylim(-0.02, 1.02)
        if len(keys) <= 8:
            ax.legend(fontsize=7)
    axes[0, 0].set_ylabel("final test accuracy")
    return fig


# --- the registry -------------------------------------------------------------------------------------

_VARIANT_CHAPTER = "Chapter 12 (complex weights and the ridge readout)"

FIGURES: dict[str, FigureSpec] = {
    "fig3": FigureSpec(
        "fig3", "Fig. 3",
        "weight decay 2e-4 groks (train acc 1 early, test acc 1 later), weight decay 0 never generalises",
        "Chapter 1",
        {"cpu": ("knobs",), "paper": ("fig3-paper",)},
        {"cpu": "Z_71, K=2048, n=2016 (40%), x^2, MSE, Adam lr 1e-3, wd 2e-4 and 0, seed 0, up to 1500 epochs",
         "paper": "the same with 15 seeds, 500 epochs, no early stop"},
        _draw_fig3, _verdict_fig3,
    ),
    "fig5": FigureSpec(
        "fig5", "Fig. 5", "the training fraction needed to generalise falls as ln M / M",
        "the scaling-law chapter",
        {"cpu": ("scaling-cpu-prime", "scaling-cpu-composite", "scaling-cpu-product", "scaling-cpu-nonabelian",
                 "scaling-cpu-ext", "scaling-cpu-refine"),
         "paper": ("scaling-paper",)},
        {"cpu": "x^2, MSE, Adam lr 5e-4, wd 2e-4, K=512, 3000 epochs, 3-5 seeds, M = 17 to 143 as stored",
         "paper": "lr 5e-4, wd 2e-4, K=2048, 20 seeds"},
        _draw_fig5, _verdict_fig5,
    ),
    "fig6": FigureSpec(
        "fig6", "Fig. 6", "near the boundary a small learning rate finds the generalising solution more often",
        "the chapter on memorisation and the learning rate",
        {"cpu": ("lr-basin",), "paper": ("lr-basin-paper",)},
        {"cpu": "defined by that chapter", "paper": "M = 23, 71, 127, K=1024, 15 seeds"},
    ),
    "fig7": FigureSpec(
        "fig7", "Fig. 7", "lr 1e-3 and 2e-3 find Fourier features (low energy), lr 5e-3 memorises (high energy)",
        "the chapter on memorisation and the learning rate",
        {"cpu": ("lr-basin",), "paper": ("lr-basin-paper",)},
        {"cpu": "defined by that chapter", "paper": "M = 127, n = 3225 (20%), Adam"},
    ),
    "fig8": FigureSpec(
        "fig8", "Fig. 8", "with few hidden nodes Muon reaches a lower test loss than Adam", "the Muon chapter",
        {"cpu": ("muon_fig8",), "paper": ("muon-paper",)},
        {"cpu": "Z_71, K = 40, 60, 80, 120, 40% of pairs, x^2, MSE, wd 2e-4, 2000 epochs; Adam, the author's Muon "
                "and torch's Muon at several learning rates (the Muon chapter's sweep)",
         "paper": "M = 71, small K (pending: no paper-scale sweep is defined)"},
        _draw_fig8, _verdict_fig8,
    ),
    "fig9": FigureSpec(
        "fig9", "Fig. 9", "more layers: longer training and more prominent grokking (ReLU, modular addition)",
        "Chapter 11",
        {"cpu": ("depth",), "paper": ("depth-paper",)},
        {"cpu": "Z_23, K=128, 90% of pairs, ReLU, MSE, Adam lr 5e-3, wd 1e-4 (Fig. 17's), residual blocks, 2 seeds, 4000 epochs",
         "paper": "Z_71, K=2048, otherwise as cpu, 5 seeds (the paper does not state Fig. 9's M, K or lr)"},
        _draw_fig9, _verdict_fig9,
    ),
    "fig10": FigureSpec(
        "fig10", "Fig. 10", "baseline: real weights", _VARIANT_CHAPTER,
        {"cpu": ("complex-ridge",), "paper": ("complex-ridge",)},
        {"cpu": "M = 23, 41, 89, 127, K=256, lr 5e-3, wd 5e-5, 80% train, Adam, x^2, MSE, 5 seeds (the paper's own; "
                "the package stores M = 23, 41, 89, and trains M = 127 on demand)",
         "paper": "the same sweep: the cpu scale is the paper's"},
        lambda s, sc: _draw_variants(s, sc, ["real"]), lambda s, sc: _verdict_variants(s, sc, ["real"]),
    ),
    "fig11": FigureSpec(
        "fig11", "Fig. 11", "complex weights seem to grok faster", _VARIANT_CHAPTER,
        {"cpu": ("complex-ridge",), "paper": ("complex-ridge",)},
        {"cpu": "as Fig. 10, complex W and V (the author's init: 2 seeds; random imaginary parts: 5)",
         "paper": "the same sweep"},
        lambda s, sc: _draw_variants(s, sc, ["complex (author's init)", "complex"]),
        lambda s, sc: _verdict_variants(s, sc, ["real", "complex (author's init)", "complex"]),
    ),
    "fig12": FigureSpec(
        "fig12", "Fig. 12", "V at the ridge solution every step: slower for M = 23, faster for M = 41, 89, 127",
        _VARIANT_CHAPTER,
        {"cpu": ("complex-ridge",), "paper": ("complex-ridge",)},
        {"cpu": "as Fig. 10, V = ridge solution (lambda 1e-3) of the current features every step", "paper": "the same sweep"},
        lambda s, sc: _draw_variants(s, sc, ["ridge V"]), lambda s, sc: _verdict_variants(s, sc, ["real", "ridge V"]),
    ),
    "fig13": FigureSpec(
        "fig13", "Fig. 13", "M = 23 with the ridge readout groks, but slower than the baseline (500 epochs)",
        _VARIANT_CHAPTER,
        {"cpu": ("complex-ridge",), "paper": ("complex-ridge",)},
        {"cpu": "the M = 23 runs of Fig. 12 and Fig. 10", "paper": "the same sweep"},
        _draw_fig13,
        lambda s, sc: _verdict_variants({"complex-ridge": s["complex-ridge"].where(group="Z_23")}, sc, ["real", "ridge V"]),
    ),
    "fig16": FigureSpec(
        "fig16", "Fig. 16", "zero-init of V gives faster grokking, especially with scarce data", "Chapter 12",
        {"cpu": ("zero-init",), "paper": ("zero-init-paper",)},
        {"cpu": "Z_41, K=1024, x^2, MSE, Adam lr 5e-3, wd 5e-5, three training fractions, 3 seeds",
         "paper": "M = 41, 89, 127 (Figs. 14-16), K=1024, the same, 5 seeds (the paper's fractions are not readable)"},
        _draw_fig16, _verdict_fig16,
    ),
    "fig17": FigureSpec(
        "fig17", "Fig. 17", "zero-init is often 10x faster in multi-layer nets (100 versus 1000 epochs)", "Chapter 11",
        {"cpu": ("depth",), "paper": ("depth-paper",)},
        {"cpu": "the depth sweep of Fig. 9 (Z_23, K=128, ReLU, lr 5e-3, wd 1e-4): regular vs zero-init V",
         "paper": "Z_71, K=2048 (Fig. 17's K, lr and wd; its M is not stated)"},
        _draw_fig17, _verdict_fig17,
    ),
}
"""name -> :class:`FigureSpec`, for every experimental figure of the paper."""
