"""Explorers over stored sweeps (chapters 11 and 12): the runs are read, not trained, so the
live panel and the static frames show the same measurements and cost nothing to draw.

Built on :class:`li2lib.book.widgets.Explorer`: a live ipywidgets panel in Jupyter and Colab, a frame
player with every combination of the knobs in the HTML book.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from ..experiments.registry import DEPTH_NETS, stored_sweep
from ..training import first_epoch
from . import plots
from .widgets import Explorer, Knob

__all__ = ["depth_explorer", "law_explorer"]

# the nets of Figs. 9 and 17: two layers, then 3 and 4 with the author's residual blocks
_DEPTH_NETS = {net["layers"]: {"residual": False, **net} for net in DEPTH_NETS[:3]}
_V_INIT = {"regular": 1.0, "zero": 0.0}


def depth_explorer(layers: int = 3, v_init: str = "zero"):
    """The stored ``depth`` sweep (Z_23, K = 128, ReLU, Fig. 17's optimizer settings): pick the
    number of layers and the initialisation of the top layer V; the figure shows the training
    and test accuracy of both seeds, and the two-layer net's test accuracy for reference."""
    if layers not in _DEPTH_NETS:
        raise ValueError(f"layers must be one of {sorted(_DEPTH_NETS)}, got {layers!r}")
    if v_init not in _V_INIT:
        raise ValueError(f"v_init must be one of {sorted(_V_INIT)}, got {v_init!r}")
    sweep = stored_sweep("depth")
    knobs = [Knob("layers", "layers", list(_DEPTH_NETS), layers, static=list(_DEPTH_NETS)),
             Knob("v_init", "top layer at init", list(_V_INIT), v_init, static=list(_V_INIT), menu=True)]

    def figure(layers, v_init):
        fig, ax = plt.subplots(figsize=(6.4, 2.9), layout="constrained")
        for r in sweep.where(**_DEPTH_NETS[2], init_scale_v=_V_INIT[v_init]):
            ax.plot(r.history["epoch"], r.history["test_acc"], color="0.6", lw=1)
        for r in sweep.where(**_DEPTH_NETS[layers], init_scale_v=_V_INIT[v_init]):
            h = r.history
            seed = r.settings["seed"]
            ax.plot(h["epoch"], h["train_acc"], "--", color=f"C{seed}", lw=1)
            ax.plot(h["epoch"], h["test_acc"], color=f"C{seed}", lw=1.8, label=f"seed {seed}: test")
        ax.set_xscale("symlog", linthresh=100)
        ax.set_xlim(0, 4000)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy")
        ax.set_title(f"{plots.math_name('Z_23')}, {layers} layers, {v_init} V: dashed train, grey the 2-layer net")
        plots.legend_beside(ax)
        return fig

    return Explorer("Deeper networks: the stored runs", figure, knobs,
                    note="Every combination is shown; the runs are read from li2lib's stored depth sweep.",
                    alt="Training and test accuracy over epochs of the stored runs for the chosen depth and top-layer initialisation")


def law_explorer(weight_decay: float = 2e-4, lr: float = 3e-3, train_fraction: float = 0.7, hidden: int = 512):
    """The stored ``stage-law`` sweep (Z_23, x^2, MSE, Adam; every combination of weight decay,
    learning rate, training fraction and width): move any knob and see the run's training and
    test accuracy, with the epochs at which it fitted its training pairs (train accuracy 0.99)
    and generalised (test accuracy 0.95) marked. Static: one knob at a time away from the
    defaults."""
    from ..experiments.registry import LAW_VALUES

    values = dict(weight_decay=weight_decay, lr=lr, train_fraction=train_fraction, hidden=hidden)
    for name, v in values.items():
        if v not in LAW_VALUES[name]:
            raise ValueError(f"{name} must be one of {LAW_VALUES[name]}, got {v!r}")
    sweep = stored_sweep("stage-law")
    labels = {"weight_decay": "weight decay", "lr": "learning rate", "train_fraction": "training fraction",
              "hidden": "width K"}
    knobs = [Knob(name, labels[name], LAW_VALUES[name], v, static=LAW_VALUES[name]) for name, v in values.items()]

    def figure(**settings):
        fig, ax = plt.subplots(figsize=(6.4, 2.9), layout="constrained")
        runs = sweep.where(**settings)
        if runs:
            h = runs[0].history
            ax.plot(h["epoch"], h["train_acc"], "--", color="C0", label="train")
            ax.plot(h["epoch"], h["test_acc"], color="C1", label="test")
            for metric, level, color in (("train_acc", 0.99, "C0"), ("test_acc", 0.95, "C1")):
                epoch = first_epoch(h, metric, level)
                if epoch is not None:
                    plots.mark_epoch(ax, epoch, color=color)
            ax.set_xscale("symlog", linthresh=100)
            plots.legend_beside(ax)
        ax.set_xlim(0, 5000)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy")
        return fig

    return Explorer("When does grokking happen? Four knobs", figure, knobs, vary="one",
                    note="Static page: one knob at a time away from the defaults; in Jupyter or Colab every combination.",
                    alt="Training and test accuracy over epochs of the stored run with the chosen weight decay, learning rate, training fraction and width")
