"""Figures for the book. Each function draws data it is given onto a matplotlib Axes and
returns it; nothing here trains or computes results.

Histories are the dicts in ``TrainResult.history`` (or loaded from a sweep): arrays keyed by
``epoch``, ``train_acc``, ``test_acc``, ``gf_norm``, ...
"""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np

from ..groups import Group

__all__ = [
    "BOOK_STYLE",
    "use_book_style",
    "math_name",
    "TRAIN_STYLE",
    "TEST_STYLE",
    "plot_accuracy",
    "plot_metric",
    "plot_cayley_table",
    "plot_split",
    "plot_inputs",
    "mark_epoch",
    "legend_beside",
    "figure_legend",
]

BOOK_STYLE = {
    # The book's column is about 772 px wide at desktop. Figures are drawn at 240 dpi, so a default
    # 6.4 in figure is 1536 px, twice the column, and the page scales it to the column width: its
    # smallest text (ticks, legends, 9 pt) is then about 15 px on screen. (The inline backend saves
    # at the figure's dpi, so figure.dpi sets the resolution of every notebook output.)
    "figure.figsize": (6.4, 3.4),
    "figure.dpi": 240,
    "savefig.dpi": "figure",
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.title_fontsize": 9,
    "figure.titlesize": 11,
    "lines.linewidth": 1.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "image.interpolation": "nearest",
}
"""The matplotlib settings of every figure in the book (see :func:`use_book_style`)."""


def use_book_style():
    """Apply :data:`BOOK_STYLE` to matplotlib for the rest of the session: figures sized for the
    book's column (6.4 in wide by default, never more than 6.5 in in the chapters), rendered at
    twice the column's resolution, with legible fonts (9-11 pt). Each chapter calls it in its
    setup cell."""
    plt.rcParams.update(BOOK_STYLE)


def math_name(name: str) -> str:
    """A group name as matplotlib math: "Z_71" -> $\\mathbb{Z}_{71}$, "Z_4 x Z_6" ->
    $\\mathbb{Z}_{4} \\times \\mathbb{Z}_{6}$, "D_5" -> $D_{5}$."""
    body = re.sub(r"\b([A-Za-z]+)_(\d+)", lambda m: ("\\mathbb{Z}" if m.group(1) == "Z" else m.group(1))
                  + "_{" + m.group(2) + "}", name)
    return "$" + body.replace(" x ", " \\times ") + "$"


TRAIN_STYLE = dict(ls="--", lw=1.2)
TEST_STYLE = dict(ls="-", lw=1.8)


def _ax(ax):
    return ax if ax is not None else plt.gca()


def plot_accuracy(histories, ax=None, color="C0", label=None, alpha=0.9):
    """Train (dashed) and test (solid) accuracy over epochs, one pair of lines per history."""
    ax = _ax(ax)
    for i, h in enumerate(histories):
        ax.plot(h["epoch"], h["train_acc"], color=color, alpha=alpha, **TRAIN_STYLE,
                label=f"{label}: train" if label and i == 0 else None)
        ax.plot(h["epoch"], h["test_acc"], color=color, alpha=alpha, **TEST_STYLE,
                label=f"{label}: test" if label and i == 0 else None)
    ax.set_xlabel("epoch (full-batch steps)")
    ax.set_ylabel("accuracy")
    ax.set_ylim(-0.03, 1.03)
    return ax


def plot_metric(histories, metric, ax=None, color="C0", label=None, log=False, alpha=0.9):
    """One history metric (e.g. ``"gf_norm"``) over epochs, one line per history."""
    ax = _ax(ax)
    for i, h in enumerate(histories):
        ax.plot(h["epoch"], h[metric], color=color, alpha=alpha, label=label if i == 0 else None)
    ax.set_xlabel("epoch (full-batch steps)")
    ax.set_ylabel(metric)
    if log:
        ax.set_yscale("log")
    return ax


def legend_beside(ax, **kwargs):
    """The legend of ``ax`` to the right of its frame, off the data. Keyword arguments go to
    ``ax.legend`` (e.g. ``title``)."""
    return ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0, **kwargs)


def figure_legend(fig, axes=None, ncols=None, **kwargs):
    """One legend for the whole figure, below its panels, off the data: the labelled artists of
    ``axes`` (default: every axes of ``fig``), each label once. ``fig`` must use constrained
    layout (``layout="constrained"``), which makes room for the legend."""
    entries = {}
    for ax in fig.axes if axes is None else np.ravel(axes):
        for handle, label in zip(*ax.get_legend_handles_labels()):
            entries.setdefault(label, handle)
    if not entries:
        raise ValueError("figure_legend: the axes have no labelled artists")
    return fig.legend(list(entries.values()), list(entries), loc="outside lower center",
                      ncols=ncols or min(len(entries), 3), **kwargs)


def mark_epoch(ax, epoch, text=None, color="0.4", y=0.5, side="auto", fontsize=9):
    """A vertical dotted line at ``epoch`` with an optional label beside it.

    The label sits at height ``y`` (a fraction of the axes height), on a white box, to the
    right of the line (``side="right"``) or to its left (``"left"``); ``"auto"`` picks the side
    with more room, so the label stays inside the frame. Call it after plotting the data, so
    that the x-limits are final; pick ``y`` where no curve runs.
    """
    if epoch is None:
        return ax
    if side not in ("auto", "left", "right"):
        raise ValueError(f"side must be 'auto', 'left' or 'right', got {side!r}")
    if not 0 <= y <= 1:
        raise ValueError(f"y must be a fraction of the axes height in [0, 1], got {y!r}")
    ax.axvline(epoch, color=color, ls=":", lw=1)
    if text:
        x_frac = ax.transAxes.inverted().transform(ax.transData.transform((epoch, 0)))[0]
        right = x_frac < 0.6 if side == "auto" else side == "right"
        ax.annotate(text, (epoch, y), xycoords=("data", "axes fraction"), xytext=(4 if right else -4, 0),
                    textcoords="offset points", ha="left" if right else "right", va="center",
                    fontsize=fontsize, color=color,
                    bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.85))
    return ax


def _math_name(name: str) -> str:
    """A group name like ``"Z_3 x Z_4"``, ``"S_4"`` or ``"Dic_3"`` as mathtext; other names as they are."""
    token = r"[A-Za-z]+(?:_\d+)?"
    if not re.fullmatch(rf"{token}(?: x {token})*", name):
        return name

    def one(part):
        base, _, sub = part.partition("_")
        base = r"\mathbb{Z}" if base == "Z" else base if len(base) == 1 else rf"\mathrm{{{base}}}"
        return f"{base}_{{{sub}}}" if sub else base

    return "$" + r" \times ".join(one(part) for part in name.split(" x ")) + "$"


def plot_cayley_table(group: Group, ax=None, cmap="twilight", labels: bool | None = None, fontsize=9):
    """The multiplication table as an image: cell (a, b) is coloured by the index of a*b.

    With ``labels`` (default: for orders <= 8) the element labels are drawn on the axes and the
    product's label in every cell, at ``fontsize`` points; larger tables show colours only.
    """
    ax = _ax(ax)
    m = group.order
    image = ax.imshow(group.table, cmap=cmap, interpolation="nearest", vmin=0, vmax=max(m - 1, 1))
    show = m <= 8 if labels is None else labels
    if show:
        ticks = np.arange(m)
        short = max(len(label) for label in group.labels) <= 3
        ax.set_xticks(ticks, group.labels, rotation=0 if short else 90, fontsize=fontsize)
        ax.set_yticks(ticks, group.labels, fontsize=fontsize)
        ax.tick_params(length=0)
        for a in range(m):
            for b in range(m):
                r, g, b_, _ = image.cmap(image.norm(group.table[a, b]))
                dark = 0.299 * r + 0.587 * g + 0.114 * b_ < 0.5
                ax.text(b, a, group.labels[group.table[a, b]], ha="center", va="center",
                        fontsize=fontsize, color="white" if dark else "black")
    else:
        ax.set_xticks([])
        ax.set_yticks([])
    ax.set_title(f"{_math_name(group.name)}, order {m}")
    ax.set_xlabel("b")
    ax.set_ylabel("a")
    return ax


def plot_split(group: Group, train_idx, ax=None):
    """Which pairs (a, b) of the Cayley table are training samples (dark) and which are test."""
    ax = _ax(ax)
    m = group.order
    mask = np.zeros(m * m)
    mask[np.asarray(train_idx)] = 1
    ax.imshow(mask.reshape(m, m), cmap="Greys", vmin=0, vmax=1.4, interpolation="nearest")
    ax.set_title(f"{len(train_idx)} of {m * m} pairs for training ({len(train_idx) / m**2:.0%})")
    ax.set_xlabel("b")
    ax.set_ylabel("a")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def plot_inputs(X, y, order: int, ax=None, rows: int = 24):
    """The first ``rows`` rows of X (two one-hot blocks) next to their one-hot targets Y."""
    ax = _ax(ax)
    Y = np.eye(order)[np.asarray(y[:rows])]
    image = np.concatenate([X[:rows], np.full((rows, 1), 0.35), Y], axis=1)
    ax.imshow(image, cmap="Greys", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
    ax.set_xticks([order / 2 - 0.5, 1.5 * order - 0.5, 2 * order + order / 2], ["e_a", "e_b", "y = e_(a*b)"])
    ax.set_ylabel("sample i")
    return ax
