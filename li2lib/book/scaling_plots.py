"""Figures of the scaling law (Fig. 5 and the fits of :mod:`li2lib.measure.scaling`).

Plotting only: every number drawn here is computed by :mod:`li2lib.measure.scaling` or read from runs.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FixedFormatter, FixedLocator, NullFormatter

from ..measure.scaling import LawFit

__all__ = ["plot_phase_diagram", "plot_boundary", "plain_log_ticks"]


def _ax(ax):
    return ax if ax is not None else plt.subplots(figsize=(4.5, 3.4))[1]


def plain_log_ticks(ax, x=None, y=None):
    """Label a log axis at the given values, written as plain numbers (20, not 2 x 10^1)."""
    for values, axis in ((x, ax.xaxis), (y, ax.yaxis)):
        if values is not None:
            axis.set_major_locator(FixedLocator(values))
            axis.set_major_formatter(FixedFormatter([f"{v:g}" for v in values]))
            axis.set_minor_formatter(NullFormatter())


def plot_phase_diagram(orders, fractions, accuracies, ax=None, lines: dict | None = None, crossings=None,
                       labels=None, cmap="viridis"):
    """Mean final test accuracy over (M, p), one coloured cell per group and fraction.

    ``orders``, ``fractions``, ``accuracies``: one entry per run (runs of one cell are averaged).
    Each distinct order M is one column, in increasing order (``labels`` names them, e.g. product
    groups; by default the order), whose cells span its own fractions; the fraction axis is
    logarithmic. ``lines``: label -> c, each
    drawn as p = c ln M / M through the columns. ``crossings``: order -> :class:`li2lib.measure.scaling.Crossing`,
    drawn as points with 95% error bars. Returns the colour mappable (for a colour bar).
    """
    ax = _ax(ax)
    M, p, acc = (np.asarray(v, dtype=float) for v in (orders, fractions, accuracies))
    columns = np.unique(M)
    mappable, low, high = None, np.inf, 0.0
    for i, m in enumerate(columns):
        # each column's cells span its own fractions (groups may have been run on different grids)
        levels = np.unique(p[M == m])
        mean = np.array([acc[(M == m) & (p == q)].mean() for q in levels])
        if len(levels) > 1:
            edges = np.sqrt(levels[1:] * levels[:-1])
            p_edges = np.concatenate([[levels[0] ** 2 / edges[0]], edges, [levels[-1] ** 2 / edges[-1]]])
        else:
            p_edges = levels[0] * np.array([0.9, 1.1])
        low, high = min(low, p_edges[0]), max(high, p_edges[-1])
        mappable = ax.pcolormesh([i - 0.42, i + 0.42], p_edges, mean[:, None], cmap=cmap, vmin=0, vmax=1,
                                 shading="flat")
    x = np.arange(len(columns))
    styles = iter([("w", "--"), ("C1", "-"), ("C3", ":")])
    for label, c in (lines or {}).items():
        color, ls = next(styles)
        ax.plot(x, c * np.log(columns) / columns, color=color, ls=ls, lw=1.5, marker="_", ms=12, label=label)
    if crossings:
        p50 = np.array([crossings[m].p50 for m in columns])
        lo, hi = np.array([crossings[m].interval() for m in columns]).T
        ax.errorbar(x, p50, yerr=[p50 - lo, hi - p50], fmt="o", ms=4, color="C3", mec="w", capsize=2,
                    label=r"measured $p_{50}$")
    ax.set_yscale("log")
    ax.set_xticks(x)
    # named columns slant; numbers stand upright when more than nine would run together
    ax.set_xticklabels(labels if labels is not None else [f"{m:g}" for m in columns], fontsize=8,
                       rotation=30 if labels is not None else 90 if len(columns) > 9 else 0)
    ax.set_xlim(-0.6, len(columns) - 0.4)
    ax.minorticks_off()
    ticks = [q for q in (0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 1.0) if low <= q <= high]
    ax.set_yticks(ticks)
    ax.set_yticklabels([f"{q:g}" for q in ticks])
    ax.set_ylim(low, high)
    ax.set_xlabel("group (order $M$)" if labels is not None else "group order $M$")
    ax.set_ylabel("training fraction $p$")
    return mappable


def plot_boundary(orders, crossings, fits: list[LawFit], ax=None, color="C0", label=None):
    """Measured p50 against M (log-log, 95% error bars) with fitted laws drawn over them."""
    ax = _ax(ax)
    M = np.asarray(orders, dtype=float)
    p50 = np.array([c.p50 for c in crossings])
    lo, hi = np.array([c.interval() for c in crossings]).T
    ax.errorbar(M, p50, yerr=[p50 - lo, hi - p50], fmt="o", ms=4, color=color, capsize=2, label=label)
    grid = np.geomspace(M.min() * 0.9, M.max() * 1.1, 100)
    styles = iter(["-", "--", ":"])
    for fit in fits:
        ax.plot(grid, fit(grid), color=color, ls=next(styles), lw=1, alpha=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    plain_log_ticks(ax, x=[v for v in (10, 15, 20, 30, 40, 50, 70, 100, 150) if M.min() * 0.85 <= v <= M.max() * 1.15],
                    y=[v for v in (0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7) if p50.min() * 0.7 <= v <= p50.max() * 1.4])
    ax.set_xlabel("group order $M$")
    ax.set_ylabel("$p_{50}$ (test accuracy 1/2)")
    return ax
