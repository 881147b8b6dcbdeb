"""The book's knobs: live controls in Jupyter and Colab, precomputed frames in the static book.

An :class:`Explorer` couples a figure function with its :class:`Knob` s. Displayed in Jupyter or
Colab it is an ipywidgets panel that recomputes the figure for any setting. A static page cannot
run Python, so every explorer also has a static form, a :class:`FramePlayer`: the figure
precomputed for a few values of each knob, behind plain HTML sliders and menus, in one
self-contained block of HTML (images inline, a few lines of script, nothing loaded from a file
or the network). The HTML book shows that form, so every control a reader sees responds.

Both forms travel in one display bundle: ``application/vnd.jupyter.widget-view+json`` for
frontends with a widget manager (Jupyter, Colab), ``text/html`` for the book (its configuration
ranks HTML above widget views) and for any viewer without widgets. Animations
(:func:`animate_ascent`) are frame players with a play button.

The explorers themselves (:func:`training_explorer`, ...) wire li2lib computations to li2lib
plots; the computing and drawing live in their own modules.
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np

from .. import seeding
from ..data import split_indices
from ..groups import alternating, cyclic, dihedral, product, symmetric
from ..training import train
from . import plots

__all__ = [
    "Knob",
    "Explorer",
    "FramePlayer",
    "animate_ascent",
    "frame_keys",
    "share_limits",
    "unicode_name",
    "training_explorer",
    "alignment_explorer",
    "group_explorer",
    "stage1_explorer",
    "ascent_explorer",
    "reconstruction_explorer",
    "modulation_explorer",
    "muon_explorer",
    "GROUP_FAMILIES",
    "ASCENT_GROUPS",
]

WEIGHT_DECAYS = [0.0, 1e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 3e-3]
LEARNING_RATES = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]
WIDTHS = [64, 128, 256, 512, 1024, 2048]
FRAME_DPI = 240
"""Resolution of precomputed frames: a 6.4 in wide figure is 1536 px, twice the book's column
(about 772 px at desktop), which the page scales to the column width."""

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def unicode_name(name: str) -> str:
    """A group name for places without math markup (menus, slider labels): "Z_4 x Z_6" -> "ℤ₄ × ℤ₆"."""
    name = re.sub(r"\bZ_", "ℤ_", name).replace(" x ", " × ")
    return re.sub(r"_(\d+)", lambda m: m.group(1).translate(_SUBSCRIPTS), name)


def _fmt(value) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{value:g}"
    return str(value)


def _require_ipywidgets():
    try:
        import ipywidgets
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("the live explorers need ipywidgets: pip install ipywidgets") from err
    return ipywidgets


def _png(fig, dpi: int = FRAME_DPI) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# The static form: precomputed frames behind HTML controls
# --------------------------------------------------------------------------------------------

_PLAYER_COUNT = itertools.count()

_PLAYER_CSS = """<style>
.li2-player{margin:.5em 0 1em;max-width:100%}
.li2-player .li2-title{font-weight:600;margin-bottom:.3em}
.li2-player .li2-controls{display:flex;flex-wrap:wrap;gap:.3em 1.4em;align-items:center;margin-bottom:.4em}
.li2-player label{display:flex;align-items:center;gap:.5em;margin:0;white-space:nowrap}
.li2-player input[type=range]{width:9em}
.li2-player output{min-width:4.5em;font-variant-numeric:tabular-nums;font-weight:600;color:inherit}
.li2-player select,.li2-player button{font:inherit;color:inherit;background:transparent;border:1px solid currentColor;border-radius:4px;padding:.1em .4em}
.li2-player select option{color:#222;background:#fff}
.li2-player button{padding:.1em .8em}
.li2-player .li2-frame{max-width:100%;overflow-x:auto}
.li2-player img{display:block;max-width:100%;height:auto}
@media (max-width:600px){.li2-player .li2-frame img{min-width:540px}
.li2-player input[type=range]{width:6.5em}.li2-player output{min-width:3em}}
.li2-player .li2-note{font-size:.85em;opacity:.8;margin-top:.2em}
</style>"""

_PLAYER_JS = """(function () {
  var root = document.getElementById(%(id)s), spec = %(spec)s;
  var ctrls = root.querySelectorAll("[data-knob]");
  var img = root.querySelector("img"), play = root.querySelector("button[data-play]"), timer = null;
  function pos(c) { return c.tagName === "SELECT" ? c.selectedIndex : Number(c.value); }
  function put(c, i) { if (c.tagName === "SELECT") c.selectedIndex = i; else c.value = String(i); }
  function show(changed) {
    var key = [], words = [];
    for (var k = 0; k < ctrls.length; k++) {
      if (spec.vary === "one" && changed !== undefined && k !== changed) put(ctrls[k], spec.start[k]);
      var i = pos(ctrls[k]);
      key.push(i);
      words.push(spec.labels[k] + " " + spec.values[k][i]);
      // a slider's readout is the <output> named after its knob (a menu shows its own value)
      var out = root.querySelector('output[data-for="' + k + '"]');
      if (out) out.textContent = spec.values[k][i];
    }
    img.src = "data:image/png;base64," + spec.frames[key.join(",")];
    img.alt = spec.alt + " (" + words.join(", ") + ")";
  }
  for (var k = 0; k < ctrls.length; k++) {
    (function (k) {
      ctrls[k].addEventListener(ctrls[k].tagName === "SELECT" ? "change" : "input", function () { show(k); });
    })(k);
  }
  if (play) play.addEventListener("click", function () {
    if (timer) { clearInterval(timer); timer = null; play.textContent = "\\u25B6 play"; return; }
    var c = ctrls[0], last = spec.values[0].length - 1;
    if (pos(c) >= last) { put(c, 0); show(0); }
    play.textContent = "\\u23F8 pause";
    timer = setInterval(function () {
      put(c, pos(c) + 1); show(0);
      if (pos(c) >= last) { clearInterval(timer); timer = null; play.textContent = "\\u25B6 play"; }
    }, spec.interval);
  });
})();"""


class FramePlayer:
    """Precomputed images behind HTML controls, in one self-contained block of HTML.

    Parameters
    ----------
    controls : list of (label, value labels)
        One control per knob: a slider for numbers, a menu when ``menu`` names it.
    frames : dict
        PNG bytes for each combination of value positions, keyed by a tuple of indices.
    start : tuple of int
        The positions shown first.
    vary : "grid" or "one"
        ``"grid"``: a frame for every combination. ``"one"``: one knob at a time away from
        ``start`` (moving a control puts the others back at their start).
    play : bool
        Add a play button that steps the first control (an animation).
    """

    def __init__(self, controls, frames, *, start, vary: str = "grid", play: bool = False,
                 menus: Sequence[str] = (), interval_ms: int = 200, title: str = "", alt: str = "",
                 note: str = ""):
        if vary not in ("grid", "one"):
            raise ValueError(f"vary must be 'grid' or 'one', got {vary!r}")
        if not controls:
            raise ValueError("controls must name at least one knob, got none")
        self.controls = [(str(label), [str(v) for v in values]) for label, values in controls]
        self.start = tuple(int(i) for i in start)
        if len(self.start) != len(self.controls) or any(
                not 0 <= i < len(v) for i, (_, v) in zip(self.start, self.controls)):
            raise ValueError(f"start must give one valid position per control, got {start!r}")
        missing = [key for key in frame_keys([len(v) for _, v in self.controls], self.start, vary)
                   if key not in frames]
        if missing:
            raise ValueError(f"frames is missing {len(missing)} combination(s), e.g. {missing[0]}")
        self.frames = frames
        self.vary, self.play, self.menus = vary, play, set(menus)
        self.interval_ms, self.title, self.alt, self.note = interval_ms, title, alt, note

    def _repr_html_(self) -> str:
        return self.html()

    def html(self) -> str:
        """The player as an HTML fragment."""
        ident = f"li2-player-{next(_PLAYER_COUNT)}"
        labels = [label for label, _ in self.controls]
        words = ", ".join(f"{label} {values[i]}" for (label, values), i in zip(self.controls, self.start))
        spec = {
            "vary": self.vary, "start": list(self.start), "labels": labels,
            "values": [values for _, values in self.controls], "alt": self.alt or self.title,
            "interval": self.interval_ms,
            "frames": {",".join(map(str, key)): base64.b64encode(png).decode("ascii")
                       for key, png in self.frames.items()},
        }
        parts = [_PLAYER_CSS, f'<div class="li2-player" id="{ident}" data-li2-player>']
        if self.title:
            parts.append(f'<div class="li2-title">{self.title}</div>')
        parts.append('<div class="li2-controls">')
        if self.play:
            parts.append('<button type="button" data-play>\u25B6 play</button>')
        for k, ((label, values), i) in enumerate(zip(self.controls, self.start)):
            name = html.escape(label)
            if label in self.menus:
                options = "".join(f'<option{" selected" if j == i else ""}>{html.escape(v)}</option>'
                                  for j, v in enumerate(values))
                parts.append(f'<label>{name} <select data-knob="{k}" aria-label="{name}">{options}</select></label>')
            else:
                parts.append(f'<label>{name} <input type="range" data-knob="{k}" aria-label="{name}" min="0" '
                             f'max="{len(values) - 1}" step="1" value="{i}" data-values="{html.escape(json.dumps(values))}">'
                             f'<output data-for="{k}">{html.escape(values[i])}</output></label>')
        parts.append("</div>")
        first = base64.b64encode(self.frames[self.start]).decode("ascii")
        alt = html.escape(f"{self.alt or self.title} ({words})")
        # the frame sits in its own box, which scrolls sideways where the column is narrower than
        # the frame's legible width (li2book.css)
        parts.append(f'<div class="li2-frame"><img src="data:image/png;base64,{first}" alt="{alt}"></div>')
        if self.note:
            parts.append(f'<div class="li2-note">{self.note}</div>')
        parts.append("<script>" + _PLAYER_JS % {"id": json.dumps(ident), "spec": json.dumps(spec)} + "</script>")
        parts.append("</div>")
        return "".join(parts)


def frame_keys(sizes: Sequence[int], start: Sequence[int], vary: str) -> list[tuple[int, ...]]:
    """The value positions a player needs frames for: every combination (``"grid"``), or
    ``start`` and every position reached by moving one knob away from it (``"one"``)."""
    if vary == "grid":
        return list(itertools.product(*(range(n) for n in sizes)))
    keys = [tuple(start)]
    for k, n in enumerate(sizes):
        keys += [tuple(start[:k]) + (i,) + tuple(start[k + 1:]) for i in range(n) if i != start[k]]
    return keys


def share_limits(figures: Sequence[plt.Figure], share: str = "xy") -> None:
    """Give the frames of a player common axis limits, so that moving a control changes the data
    and not the scale: for every plot position (the i-th axes of each figure), the limits become
    the union of the frames' limits, on the axes named in ``share`` ("xy", "x", "y" or "").

    Left alone: images (a heat map or table keeps its own extent), colour bars, and a position
    whose frames differ in their number of plots or in an axis' scale (linear in one frame,
    logarithmic in another), where no common range exists.
    """
    if share not in ("xy", "x", "y", ""):
        raise ValueError(f"share must be 'xy', 'x', 'y' or '', got {share!r}")
    if not figures or not share or len({len(fig.axes) for fig in figures}) != 1:
        return
    for axes in zip(*(fig.axes for fig in figures)):
        if any(ax.images or getattr(ax, "_colorbar", None) is not None for ax in axes):
            continue
        for name in share:
            if len({getattr(ax, f"get_{name}scale")() for ax in axes}) != 1:
                continue
            limits = np.array([getattr(ax, f"get_{name}lim")() for ax in axes])
            descending = limits[0, 0] > limits[0, 1]
            low, high = np.sort(limits, axis=1).T
            union = (low.min(), high.max())
            for ax in axes:
                getattr(ax, f"set_{name}lim")(union[::-1] if descending else union)


# --------------------------------------------------------------------------------------------
# Knobs and explorers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Knob:
    """One control of an explorer.

    ``values`` are the live control's positions and ``value`` its first one; ``static`` the few
    values precomputed for the static page (None: the knob is live only, e.g. a seed box), with
    ``static_value`` shown first (default ``value``). ``menu`` makes it a drop-down menu,
    ``free_int`` a free integer box in the live panel.
    """

    name: str
    label: str
    values: Sequence[Any] = ()
    value: Any = None
    static: Sequence[Any] | None = None
    static_value: Any = None
    menu: bool = False
    free_int: bool = False
    fmt: Callable[[Any], str] = _fmt

    def __post_init__(self):
        if not self.free_int and self.value not in list(self.values):
            raise ValueError(f"value of knob {self.name!r} must be one of {list(self.values)}, got {self.value!r}")
        if self.static is not None:
            first = self.value if self.static_value is None else self.static_value
            if first not in list(self.static):
                raise ValueError(f"static values of knob {self.name!r} must include {first!r}, got {list(self.static)}")
            if len(set(self.static)) < 2:
                raise ValueError(f"static values of knob {self.name!r} must hold two or more values (a control "
                                 f"with one position is frozen; use static=None for a live-only knob), "
                                 f"got {list(self.static)}")

    @property
    def static_start(self):
        return self.value if self.static_value is None else self.static_value

    def live_control(self):
        w = _require_ipywidgets()
        common = dict(description=self.label, style={"description_width": "initial"},
                      layout=w.Layout(width="auto", min_width="22em"))
        if self.free_int:
            return w.IntText(value=int(self.value), **common)
        options = [(self.fmt(v), v) for v in self.values]
        if self.menu:
            return w.Dropdown(options=options, value=self.value, **common)
        return w.SelectionSlider(options=options, value=self.value, continuous_update=False, **common)


class Explorer:
    """A figure function with knobs: a live ipywidgets panel in Jupyter and Colab, a
    :class:`FramePlayer` of precomputed frames in static pages.

    Parameters
    ----------
    title : str
        Shown above the controls (HTML allowed).
    figure : callable
        ``figure(**values) -> matplotlib.figure.Figure``, called with one value per knob.
    knobs : list of Knob
    static_figure : callable, optional
        Draws the static frames instead of ``figure`` (for example from stored results);
        called with the knobs that have static values.
    vary : "grid" or "one"
        Which combinations of static values are precomputed (see :class:`FramePlayer`).
    button : str, optional
        Label of a button that recomputes the live figure (for slow figures); without it the
        live figure follows every change.
    note : str
        A sentence under the static player saying what was precomputed.
    alt : str
        What the figure shows, for its alt text (the knob values are appended).
    share : "xy", "x", "y" or ""
        Which axis limits the static frames share (see :func:`share_limits`): the default keeps
        every plot's axes fixed while the reader moves a control, so that frames compare.
    """

    def __init__(self, title: str, figure: Callable, knobs: Sequence[Knob], *,
                 static_figure: Callable | None = None, vary: str = "grid", button: str | None = None,
                 note: str = "", alt: str = "", share: str = "xy"):
        if vary not in ("grid", "one"):
            raise ValueError(f"vary must be 'grid' or 'one', got {vary!r}")
        if share not in ("xy", "x", "y", ""):
            raise ValueError(f"share must be 'xy', 'x', 'y' or '', got {share!r}")
        self.title, self.figure, self.knobs = title, figure, list(knobs)
        self.static_figure = static_figure or figure
        self.vary, self.button, self.note, self.alt, self.share = vary, button, note, alt, share
        self._player = None

    # the live form -------------------------------------------------------------------------
    def widget(self):
        """The live panel (needs ipywidgets and a kernel)."""
        w = _require_ipywidgets()
        controls = {k.name: k.live_control() for k in self.knobs}
        title = w.HTML(f"<b>{self.title}</b>")

        def draw(**values):
            fig = self.figure(**values)
            plt.show()
            plt.close(fig)

        if self.button is None:
            return w.VBox([title, *controls.values(), w.interactive_output(draw, controls)])
        out = w.Output()

        def run(_):
            with out:
                out.clear_output(wait=True)
                draw(**{name: c.value for name, c in controls.items()})

        button = w.Button(description=self.button, button_style="primary", icon="play")
        button.on_click(run)
        hint = w.HTML(f"Set the controls, then press <i>{html.escape(self.button)}</i>.")
        return w.VBox([title, hint, *controls.values(), button, out])

    # the static form -----------------------------------------------------------------------
    def player(self) -> FramePlayer:
        """The static form, computed on first use: one frame per static combination."""
        if self._player is None:
            knobs = [k for k in self.knobs if k.static is not None]
            values = [list(k.static) for k in knobs]
            start = tuple(v.index(k.static_start) for k, v in zip(knobs, values))
            # every frame stays open until the limits are shared: no warning about many figures
            with plt.rc_context(plots.BOOK_STYLE), plt.rc_context({"figure.max_open_warning": 0}):
                figures = {}
                try:
                    for key in frame_keys([len(v) for v in values], start, self.vary):
                        figures[key] = self.static_figure(**{k.name: v[i] for k, v, i in zip(knobs, values, key)})
                    share_limits(list(figures.values()), self.share)
                    frames = {key: _png(fig) for key, fig in figures.items()}
                finally:
                    for fig in figures.values():
                        plt.close(fig)
            self._player = FramePlayer(
                [(k.label, [k.fmt(x) for x in v]) for k, v in zip(knobs, values)], frames, start=start,
                vary=self.vary, menus=[k.label for k in knobs if k.menu], title=self.title,
                alt=self.alt or self.title, note=self.note)
        return self._player

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": f"{type(self).__name__}: {re.sub('<[^>]+>', '', self.title)}",
                  "text/html": self.player().html()}
        try:
            live = self.widget()
        except ImportError:
            return bundle
        data = live._repr_mimebundle_()
        data = data[0] if isinstance(data, tuple) else data
        bundle.update({k: v for k, v in data.items() if k != "text/plain"})
        return bundle


# --------------------------------------------------------------------------------------------
# The book's explorers
# --------------------------------------------------------------------------------------------


def _accuracy_and_gf(history, title):
    fig, (ax_acc, ax_gf) = plt.subplots(1, 2, figsize=(6.4, 2.9), layout="constrained")
    plots.plot_accuracy([history], ax=ax_acc, label="run")
    plots.plot_metric([history], "gf_norm", ax=ax_gf, color="C3")
    ax_gf.set_ylabel(r"$\|G_F\|_F$")
    for ax in (ax_acc, ax_gf):
        # linear to 100 epochs, logarithmic beyond: a run that groks near epoch 100 and one that
        # runs 1500 epochs without grokking share one axis (a player's frames share their limits)
        ax.set_xscale("symlog", linthresh=100)
        ax.set_xlim(0, history["epoch"][-1])
        ax.set_xlabel("epoch")
    fig.suptitle(title)
    plots.figure_legend(fig, ax_acc, ncols=2)
    return fig


def training_explorer(order: int = 71, *, hidden: int = 512, train_fraction: float = 0.4,
                      weight_decay: float = 2e-4, lr: float = 1e-3, epochs: int = 300, seed: int = 0):
    """Weight decay, learning rate, train fraction and width as controls over a Z_M run.

    Live: press "Train" to run ``li2lib.train`` with the chosen settings and plot train/test
    accuracy and ||G_F|| (Eq. 2). Static (M = 71 only): the stored ``knobs`` sweep
    (the paper's Fig. 3 setting with one knob changed at a time), one frame per stored run.
    """
    from ..experiments.registry import KNOB_VALUES, stored_run

    fractions = [round(f, 2) for f in np.arange(0.1, 0.91, 0.05)]
    static = order == 71
    knobs = [
        Knob("weight_decay", "weight decay η", WEIGHT_DECAYS, weight_decay,
             static=KNOB_VALUES["weight_decay"] if static else None, static_value=2e-4),
        Knob("lr", "learning rate", LEARNING_RATES, lr, static=KNOB_VALUES["lr"] if static else None,
             static_value=1e-3),
        Knob("train_fraction", "train fraction p", fractions, round(train_fraction, 2),
             static=KNOB_VALUES["train_fraction"] if static else None, static_value=0.4),
        Knob("hidden", "width K", WIDTHS, hidden, static=KNOB_VALUES["hidden"] if static else None,
             static_value=2048),
        Knob("epochs", "epochs", list(range(50, 2001, 50)), epochs),
        Knob("seed", "seed", value=seed, free_int=True),
    ]
    name = plots.math_name(cyclic(order).name)

    def figure(**settings):
        result = train(cyclic(order), eval_every=5, progress=True, **settings)
        return _accuracy_and_gf(result.history, f"{name}, K = {settings['hidden']}, "
                                f"η = {settings['weight_decay']:g}, lr = {settings['lr']:g}, "
                                f"p = {settings['train_fraction']:g}")

    def stored_figure(**changed):
        base = {"weight_decay": 2e-4, "lr": 1e-3, "train_fraction": 0.4, "hidden": 2048}
        history = stored_run("knobs", **{k: v for k, v in changed.items() if v != base[k]}).history
        return _accuracy_and_gf(history, f"{name}, K = {changed['hidden']}, η = {changed['weight_decay']:g}, "
                                f"lr = {changed['lr']:g}, p = {changed['train_fraction']:g} (stored)")

    return Explorer(
        f"Grokking on ℤ<sub>{order}</sub>: change a knob", figure, knobs,
        static_figure=stored_figure if static else None, vary="one", button="Train",
        note="Precomputed: the stored sweep at the paper's Fig. 3 setting (K = 2048, seed 0), one knob "
             "changed at a time. In Jupyter or Colab the live panel trains with any setting.",
        alt="Train (dashed) and test (solid) accuracy and the norm of G_F over epochs")


def alignment_explorer(order: int = 23, *, hidden: int = 512, train_fraction: float = 0.6, epochs: int = 400):
    """Train a small Z_M network with the chosen weight decay and learning rate and plot how
    closely its gradients and Adam updates follow grad E (``li2lib.measure.alignment.energy_alignment``).
    Static: weight decay 0, 2e-4 and 1e-3 at learning rate 3e-3, and learning rate 1e-3."""
    from ..measure.alignment import alignment_snapshots, energy_alignment

    knobs = [
        Knob("weight_decay", "weight decay η", WEIGHT_DECAYS, 2e-4, static=[0.0, 2e-4, 1e-3]),
        Knob("lr", "learning rate", LEARNING_RATES, 3e-3, static=[1e-3, 3e-3]),
        Knob("seed", "seed", value=0, free_int=True),
    ]

    def figure(weight_decay, lr, seed=0):
        result = train(cyclic(order), hidden=hidden, train_fraction=train_fraction, weight_decay=weight_decay, lr=lr,
                       epochs=epochs, eval_every=5, seed=seed, progress=False,
                       snapshots=alignment_snapshots(epochs, 20))
        align = energy_alignment(result)
        fig, ax = plt.subplots(figsize=(6.4, 3.0), layout="constrained")
        ax.semilogx(align["epoch"], np.median(align["grad_cos"], axis=1), "o-", label="gradient")
        ax.semilogx(align["epoch"], np.median(align["update_cos"], axis=1), "s-", label="Adam update")
        ax.axhline(0, color="0.6", lw=0.8)
        ax.set_ylim(-1, 1)
        ax.set_xlabel("epoch")
        ax.set_ylabel(r"median cosine with $\nabla\mathcal{E}$")
        ax2 = ax.twinx()
        ax2.semilogx(result.history["epoch"][1:], result.history["test_acc"][1:], color="0.5", lw=1,
                     label="test accuracy (right axis)")
        ax2.set_ylabel("test accuracy")
        ax2.set_ylim(-0.03, 1.03)
        plots.figure_legend(fig, [ax, ax2], ncols=3)
        ax.set_title(f"{plots.math_name(f'Z_{order}')}, K = {hidden}, η = {weight_decay:g}, lr = {lr:g}")
        return fig

    return Explorer(
        f"Energy alignment on ℤ<sub>{order}</sub>", figure, knobs, vary="one", button="Train",
        note=f"Precomputed: four training runs (seed 0, {epochs} epochs), one knob changed at a time.",
        alt="Median cosine between each node's gradient or Adam update and the energy gradient, over epochs")


GROUP_FAMILIES = {
    "cyclic Z_n": lambda n: cyclic(n),
    "Z_2 x Z_n": lambda n: product(2, n),
    "dihedral D_n": lambda n: dihedral(n),
    "symmetric S_n": lambda n: symmetric(min(n, 5)),
}
"""Label -> constructor from a size n, for the group explorer (S_n stops at n = 5)."""


def group_explorer(family: str = "dihedral D_n", n: int = 5, train_fraction: float = 0.4, seed: int = 0):
    """Pick a group family and size: see its Cayley table and a seeded train/test split of it.
    Static: every family at n = 3, 4, 5 (or the given n) and train fractions 0.2, 0.4, 0.7 (seed 0)."""
    if family not in GROUP_FAMILIES:
        raise ValueError(f"family must be one of {sorted(GROUP_FAMILIES)}, got {family!r}")
    knobs = [
        Knob("family", "family", list(GROUP_FAMILIES), family, static=list(GROUP_FAMILIES), menu=True,
             fmt=unicode_name),
        Knob("n", "n", list(range(2, 25)), n, static=sorted({3, 4, 5, n} if n <= 5 else {3, 4, n})),
        Knob("train_fraction", "train fraction p", [round(f, 2) for f in np.arange(0.05, 1.0001, 0.05)],
             round(train_fraction, 2), static=sorted({0.2, 0.4, 0.7, round(train_fraction, 2)})),
        Knob("seed", "seed", value=seed, free_int=True),
    ]

    def figure(family, n, train_fraction, seed=seed):
        group = GROUP_FAMILIES[family](n)
        train_idx, _ = split_indices(group.order**2, train_fraction=train_fraction, seed=seed)
        fig, (ax_t, ax_s) = plt.subplots(1, 2, figsize=(6.4, 3.3), layout="constrained")
        plots.plot_cayley_table(group, ax=ax_t)
        plots.plot_split(group, train_idx, ax=ax_s)
        return fig

    return Explorer("A group's table and a training split", figure, knobs,
                    note="Precomputed: four families, three sizes, three train fractions (seed 0).",
                    alt="The Cayley table of the group as a colour image, and which of its pairs are training pairs")


def stage1_explorer(order: int = 23, train_fraction: float = 0.4, seed: int = 0):
    """Stage I with a frozen random hidden layer: ||G_F(t)|| under the exact flow on V
    (``li2lib.theory.stage1.stage1_trajectory``), with weight decay, output scale, initial scale of V
    and width as controls. Static: each knob moved alone from log10 eta = -3, beta = 1,
    log10 alpha = -5, K = 512."""
    from ..data import centered_targets, pairs
    from ..theory.stage1 import gf_fixed_point, signal_term, stage1_trajectory

    group = cyclic(order)
    train_idx, _ = split_indices(order * order, train_fraction=train_fraction, seed=seed)
    a, b, y = pairs(group, train_idx)
    Yt = centered_targets(y, order)
    times = np.geomspace(1e-6, 1e6, 200)
    knobs = [
        Knob("log10_eta", "log₁₀ η (−6: η = 0)", list(np.arange(-6.0, 1.01, 0.5)), -3.0,
             static=[-6.0, -4.0, -3.0, -2.0, 0.0]),
        Knob("beta", "output scale β", list(np.arange(0.25, 4.01, 0.25)), 1.0, static=[0.5, 1.0, 2.0, 4.0]),
        Knob("log10_alpha", "log₁₀ α (scale of V(0))", list(np.arange(-8.0, 0.01, 0.5)), -5.0,
             static=[-8.0, -5.0, -2.0, 0.0]),
        Knob("K", "width K", [32, 64, 128, 256, 512, 1024], 512, static=[64, 256, 512, 1024]),
    ]

    def figure(log10_eta, beta, log10_alpha, K):
        rng = seeding.rng(seed)
        W = rng.standard_normal((2 * order, K))
        F = (W[a] + W[order + b]) ** 2
        F /= np.linalg.norm(F - F.mean(axis=0), 2)  # time unit: sigma_max(F~) = 1
        V0 = 10.0**log10_alpha * rng.standard_normal((K, order))
        eta = 0.0 if log10_eta <= -6 else 10.0**log10_eta
        g = stage1_trajectory(F, Yt, eta, V0, times, beta=beta)["gf_norm"]
        fig, ax = plt.subplots(figsize=(6.4, 3.2), layout="constrained")
        ax.loglog(times, g, lw=2, label=r"$\|G_F(t)\|$")
        ax.loglog(times, beta**2 * times * np.linalg.norm(signal_term(F, Yt)), "k--", lw=1,
                  label=r"$t\,\beta^2\,\|\tilde Y\tilde Y^\top\tilde F\|$")
        if eta > 0 and beta == 1.0:
            ax.axhline(np.linalg.norm(gf_fixed_point(F, Yt, eta)), color="C1", ls=":", label="paper Eq. (4)")
        ax.set_ylim(max(g.min() / 10, 1e-8), g.max() * 10)
        ax.set_xlabel("time t")
        plots.legend_beside(ax)
        ax.set_title(rf"{plots.math_name(group.name)}, n = {len(train_idx)}, K = {K}, "
                     rf"$\eta$ = {eta:g}, $\beta$ = {beta:g}, $\alpha = 10^{{{log10_alpha:g}}}$")
        return fig

    return Explorer("Stage I: the gradient reaching the frozen hidden layer", figure, knobs, vary="one",
                    note="Precomputed: each knob moved alone from η = 10⁻³, β = 1, α = 10⁻⁵, K = 512.",
                    alt="The norm of G_F over time on log-log axes, with the early-growth line and the fixed point")


ASCENT_GROUPS = {
    "Z_23": lambda: cyclic(23),
    "Z_15": lambda: cyclic(15),
    "Z_24": lambda: cyclic(24),
    "Z_4 x Z_6": lambda: product(4, 6),
    "S_3": lambda: symmetric(3),
    "D_5": lambda: dihedral(5),
    "A_4": lambda: alternating(4),
    "S_4": lambda: symmetric(4),
}
"""Label -> group, for the ascent explorer."""


def ascent_explorer(group: str = "Z_23", seed: int = 0):
    """Pick a group and a seed: one node climbs the energy of Theorem 1 from a random start,
    and the figure shows its energy per step and where its power ends up, irrep by irrep.
    Static: every group with seeds 0, 1, 2."""
    from ..data import centered_targets, full_dataset
    from ..measure.spectra import irrep_spectrum
    from ..theory.energy import ascend

    if group not in ASCENT_GROUPS:
        raise ValueError(f"group must be one of {sorted(ASCENT_GROUPS)}, got {group!r}")
    knobs = [
        Knob("group", "group", list(ASCENT_GROUPS), group, static=list(ASCENT_GROUPS), menu=True, fmt=unicode_name),
        Knob("seed", "seed", list(range(10)), seed, static=sorted({0, 1, 2, seed})),
    ]

    def figure(group, seed):
        g = ASCENT_GROUPS[group]()
        X, y = full_dataset(g)
        Yt = centered_targets(y, g.order)
        w0 = seeding.rng(seed).standard_normal(2 * g.order)
        result = ascend(X, Yt, w0, steps=2000, record_every=1, keep_trajectory=True)
        spectra = irrep_spectrum(result.trajectory[:, :, 0].T, g)  # (2, R, T)
        real = g.real_irreps()
        fig, (ax_e, ax_s) = plt.subplots(1, 2, figsize=(6.4, 3.0), layout="constrained")
        ax_e.plot(result.steps, result.energy[:, 0], lw=2)
        ax_e.set_xlabel("ascent step")
        ax_e.set_ylabel(r"energy $\mathcal{E}(w)$")
        ax_e.set_title(f"{plots.math_name(g.name)}: final " + r"$\mathcal{E}$" + f" = {result.energy[-1, 0]:.3f}")
        shares = spectra[0] / spectra[0].sum(axis=0, keepdims=True)
        ax_s.imshow(shares, aspect="auto", cmap="magma", vmin=0, vmax=1, interpolation="nearest",
                    extent=(result.steps[0], result.steps[-1], len(real) - 0.5, -0.5))
        ticks = range(len(real)) if len(real) <= 13 else range(0, len(real), 2)
        ax_s.set_yticks(list(ticks), [f"{k} (d={real[k].dim})" for k in ticks])
        ax_s.set_xlabel("ascent step")
        ax_s.set_title("share of power per real irrep")
        return fig

    return Explorer("One node climbs the energy", figure, knobs,
                    note="Precomputed: every group with seeds 0, 1 and 2.",
                    alt="A node's energy over ascent steps, and the share of its power in each real irrep over steps")


def reconstruction_explorer(order: int = 11, per_frequency: int = 4, seed: int = 0):
    """Theorem 3 with generic real Fourier nodes: choose M and the number of random-phase nodes per
    frequency; see the least-squares reconstruction of the table and its residual.
    Static: M in 7, 11, 13, 17, 23 and 1, 2, 3, 4, 6, 10 nodes per frequency (seed 0)."""
    from ..data import centered_targets, full_dataset
    from ..theory.reconstruction import fourier_nodes, readout_residual
    from ..theory.stage1 import center

    knobs = [
        Knob("order", "M", [7, 11, 13, 17, 23], order, static=[7, 11, 13, 17, 23], menu=True),
        Knob("per_frequency", "nodes per frequency", list(range(1, 11)), per_frequency,
             static=sorted({1, 2, 3, 4, 6, 10, per_frequency})),
        Knob("seed", "seed", value=seed, free_int=True),
    ]

    def figure(order, per_frequency, seed=seed):
        X, y = full_dataset(cyclic(order))
        Yt = centered_targets(y, order)
        rng = seeding.rng(seed)
        ks = np.repeat(np.arange(1, order // 2 + 1), per_frequency)
        W = fourier_nodes(order, ks, rng.uniform(0, 2 * np.pi, len(ks)), rng.uniform(0, 2 * np.pi, len(ks)))
        F = (X @ W) ** 2
        Ft = center(F)
        V = np.linalg.lstsq(Ft, Yt, rcond=None)[0]
        predicted = (Ft @ V).argmax(axis=1).reshape(order, order)
        fig, (ax_p, ax_t) = plt.subplots(1, 2, figsize=(6.4, 3.4), layout="constrained")
        ax_p.imshow(predicted, cmap="twilight", vmin=0, vmax=order - 1, interpolation="nearest")
        ax_p.set_title(f"argmax of the readout, K = {len(ks)}")
        ax_t.imshow(cyclic(order).table, cmap="twilight", vmin=0, vmax=order - 1, interpolation="nearest")
        ax_t.set_title(r"the table $a + b$ mod $M$")
        for ax in (ax_p, ax_t):
            ax.set_xlabel("b")
            ax.set_ylabel("a")
        fig.suptitle(f"relative residual {readout_residual(F, Yt):.4f}, "
                     f"accuracy {(predicted == cyclic(order).table).mean():.3f}")
        return fig

    return Explorer("Rebuilding the table from Fourier nodes", figure, knobs,
                    note="Precomputed: five values of M and six node counts (seed 0).",
                    alt="The readout's predicted table next to the true table of sums mod M")


MODULATION_CASES = {
    "Z_23, nothing learned": ("Z_23", ()),
    "Z_23, learned 1-4": ("Z_23", (1, 2, 3, 4)),
    "Z_23, learned 1-8": ("Z_23", tuple(range(1, 9))),
    "Z_23, learned odd 1-11": ("Z_23", (1, 3, 5, 7, 9, 11)),
    "Z_23, learned 1-10": ("Z_23", tuple(range(1, 11))),
    "S_4, nothing learned": ("S_4", ()),
    "S_4, learned 1, 2": ("S_4", (1, 2)),
    "S_4, learned 3, 4": ("S_4", (3, 4)),
    "A_4, learned 1": ("A_4", (1,)),
}
"""The learned sets offered by :func:`modulation_explorer` (irreps numbered as in ``real_irreps()``)."""


def modulation_explorer(case: str = "Z_23, learned 1-8", starts: int = 30, seed: int = 0):
    """Theorem 7: pick a group and a set S of irreps already learned; ``starts`` nodes climb the
    modified energy E_S (the energy with Y~ replaced by Y~ P_missing) from random starts, and the
    figure shows where they end, irrep by irrep, and their final energies against the unmodulated
    peak heights M / (2 d_R). Static: every case with 30 starts and the given seed."""
    from ..data import centered_targets, full_dataset
    from ..measure.spectra import dominant_irrep, irrep_spectrum
    from ..theory.energy import ascend, missing_irrep_projector, peak_energy

    if case not in MODULATION_CASES:
        raise ValueError(f"case must be one of {list(MODULATION_CASES)}, got {case!r}")
    knobs = [
        Knob("case", "learned set", list(MODULATION_CASES), case, static=list(MODULATION_CASES), menu=True),
        Knob("starts", "random starts", [10, 20, 30, 60], starts),
        Knob("seed", "seed", list(range(10)), seed),  # live only
    ]
    groups = {"Z_23": lambda: cyclic(23), "S_4": lambda: symmetric(4), "A_4": lambda: alternating(4)}

    def figure(case, seed, starts=starts):
        name, learned = MODULATION_CASES[case]
        g = groups[name]()
        X, y = full_dataset(g)
        Yt = centered_targets(y, g.order) @ missing_irrep_projector(g, list(learned))
        W0 = seeding.rng(seed).standard_normal((2 * g.order, starts))
        climb = ascend(X.astype(np.float64), Yt, W0, steps=3000)
        index = dominant_irrep(irrep_spectrum(climb.W, g))[0][0]
        real = g.real_irreps()
        counts = np.bincount(index, minlength=len(real))
        fig, (ax_c, ax_e) = plt.subplots(1, 2, figsize=(6.4, 2.8), layout="constrained")
        for k in learned:
            ax_c.axvspan(k - 0.5, k + 0.5, color="0.85")
        ax_c.bar(np.arange(len(real)), counts, color="C0")
        ax_c.set_xticks(range(len(real)))
        ax_c.set_xlabel(f"irrep of {plots.math_name(g.name)} (grey: learned)")
        ax_c.set_ylabel("nodes ending there")
        peaks = [peak_energy(ir, g.order) for ir in real[1:]]
        ax_e.scatter(index + np.random.default_rng(1).uniform(-0.2, 0.2, len(index)), climb.energy[-1], s=10, color="C0",
                     label=r"final $\mathcal{E}_{\mathcal{S}}$ of a node")
        ax_e.scatter(range(1, len(real)), peaks, marker="_", s=200, color="C3", label=r"$M/(2d_R)$")
        ax_e.set_xticks(range(len(real)))
        ax_e.set_xlabel("irrep where the node ends")
        ax_e.set_ylabel("energy")
        ax_e.set_ylim(0, 1.1 * max(max(peaks), climb.energy[-1].max()))
        ax_e.ticklabel_format(axis="y", useOffset=False)
        plots.figure_legend(fig, ax_e, ncols=2)
        fig.suptitle(f"{plots.math_name(g.name)}: nodes on learned irreps: {int(counts[list(learned)].sum())} of {starts}")
        return fig

    def static_figure(case):
        return figure(case, seed, starts=30)

    # the irreps on the x axes differ from group to group; the counts and energies compare
    return Explorer("Climbing the modulated energy", figure, knobs, static_figure=static_figure, share="y",
                    note=f"Precomputed: every learned set, 30 starts, seed {seed}.",
                    alt="Where nodes climbing the modified energy end, irrep by irrep, and their final energies")


MUON_OPTIMIZERS = {"adam": "Adam", "muon": "Muon (author's)", "muon_torch": "Muon (torch)"}


def _optimizer_curves(curves, title):
    """curves: optimizer -> list of histories (seeds); test loss and test accuracy over epochs."""
    fig, (ax_l, ax_a) = plt.subplots(1, 2, figsize=(6.4, 2.9), layout="constrained")
    for i, (opt, histories) in enumerate(curves.items()):
        for j, h in enumerate(histories):
            label = MUON_OPTIMIZERS[opt] if j == 0 else None
            ax_l.plot(h["epoch"], h["test_loss"], color=f"C{i}", lw=1.2, alpha=0.8, label=label)
            ax_a.plot(h["epoch"], h["test_acc"], color=f"C{i}", lw=1.2, alpha=0.8)
    ax_l.set_xlabel("epoch")
    ax_l.set_ylabel("test loss (MSE)")
    ax_a.set_xlabel("epoch")
    ax_a.set_ylabel("test accuracy")
    ax_a.set_ylim(0, 1.02)
    fig.suptitle(title)
    plots.figure_legend(fig, ax_l)
    return fig


def muon_explorer(hidden: int = 40, lr: float = 1e-2, epochs: int = 500, seed: int = 0):
    """Adam against Muon (the author's variant and torch.optim.Muon's algorithm) on Z_71 with few
    hidden nodes (paper Fig. 8; 40% of the pairs, weight decay 2e-4).

    Live: press "Train" to train the three optimizers at the chosen width, learning rate, epochs
    and seed, and plot test loss and test accuracy. Static: the stored ``muon_fig8`` sweep
    (2000 epochs, every seed stored), for each width and the learning rates 1e-3 and 1e-2."""
    from ..experiments.registry import stored_sweep

    knobs = [
        Knob("hidden", "width K", [24, 32, 40, 60, 80, 120, 160], hidden, static=[40, 60, 80, 120], static_value=40),
        Knob("lr", "learning rate", [1e-3, 3e-3, 1e-2], lr, static=[1e-3, 1e-2], static_value=1e-2),
        Knob("epochs", "epochs", list(range(100, 2001, 100)), epochs),
        Knob("seed", "seed", value=seed, free_int=True),
    ]
    setting = dict(train_fraction=0.4, weight_decay=2e-4, eval_every=20)

    def figure(hidden, lr, epochs, seed):
        curves = {opt: [train(cyclic(71), optimizer=opt, hidden=hidden, lr=lr, epochs=epochs, seed=seed,
                              progress=True, **setting).history] for opt in MUON_OPTIMIZERS}
        return _optimizer_curves(curves, f"ℤ₇₁, K = {hidden}, lr = {lr:g}, seed {seed}")

    def stored_figure(hidden, lr):
        sweep = stored_sweep("muon_fig8")
        curves = {opt: [r.history for r in sweep.where(optimizer=opt, hidden=hidden, lr=lr)] for opt in MUON_OPTIMIZERS}
        missing = [MUON_OPTIMIZERS[o] for o, c in curves.items() if not c]
        title = f"ℤ₇₁, K = {hidden}, lr = {lr:g}, all stored seeds"
        return _optimizer_curves({o: c for o, c in curves.items() if c},
                                 title + (f" (not run: {', '.join(missing)})" if missing else ""))

    return Explorer("Adam or Muon with few hidden nodes", figure, knobs, static_figure=stored_figure,
                    button="Train",
                    note="Precomputed: the stored muon_fig8 sweep (2000 epochs, every stored seed). In Jupyter or "
                         "Colab the live panel trains the three optimizers with any setting.",
                    alt="Test loss and test accuracy over epochs for Adam and the two Muon variants")


def animate_ascent(spectra, energies, steps, target=None, interval=200):
    """Energy ascent as a playable animation: per frame, the spectrum heat map of the
    first-operand halves (irreps x nodes) and every node's energy so far.

    ``spectra`` is (T, R, B) power per irrep and node at each recorded step, ``energies``
    (T, B), ``steps`` (T,). ``target`` draws a horizontal line (e.g. M/4). Returns a
    :class:`FramePlayer`: display it (the cell's value) to get a play button and a
    step slider that work in Jupyter, Colab and the static book, offline.
    """
    spectra, energies, steps = np.asarray(spectra), np.asarray(energies), np.asarray(steps)
    if spectra.ndim != 3 or energies.shape != (spectra.shape[0], spectra.shape[2]) or steps.shape != spectra.shape[:1]:
        raise ValueError(f"spectra must be (T, R, B), energies (T, B) and steps (T,), got shapes "
                         f"{spectra.shape}, {energies.shape}, {steps.shape}")
    with plt.rc_context(plots.BOOK_STYLE):
        fig, (ax_s, ax_e) = plt.subplots(1, 2, figsize=(6.4, 3.0), gridspec_kw={"width_ratios": [1.4, 1]},
                                         layout="constrained")
        total = spectra.sum(axis=1, keepdims=True)
        shares = spectra / np.where(total > 0, total, 1)
        image = ax_s.imshow(shares[0], aspect="auto", cmap="magma", vmin=0, vmax=1, interpolation="nearest")
        ax_s.set_xlabel("node")
        ax_s.set_ylabel("irrep / frequency")
        ax_e.set_xlim(steps[0], steps[-1])
        ax_e.set_ylim(0, energies.max() * 1.08)
        if target is not None:
            ax_e.axhline(target, color="k", ls="--", lw=1)
        ax_e.set_xlabel("ascent step")
        ax_e.set_ylabel("energy")
        lines = [ax_e.plot([], [], color="C0", alpha=0.4, lw=1)[0] for _ in range(energies.shape[1])]
        frames = {}
        for t in range(len(steps)):
            image.set_data(shares[t])
            ax_s.set_title(f"step {steps[t]}: share of power per irrep")
            for j, line in enumerate(lines):
                line.set_data(steps[: t + 1], energies[: t + 1, j])
            frames[(t,)] = _png(fig)
        plt.close(fig)
    return FramePlayer([("step", [str(s) for s in steps])], frames, start=(0,), play=True, interval_ms=interval,
                       alt="Share of each node's power per frequency (left) and every node's energy (right) "
                           "during energy ascent")
