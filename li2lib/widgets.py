"""Live controls for Jupyter and Colab (ipywidgets). Each explorer wires sliders to a
li2lib computation and a li2lib plot; the computing and drawing live in their own modules.

In a static HTML page a widget cannot run Python, so the book pairs every explorer with a
precomputed figure that shows what its knobs do.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from . import plots
from .data import split_indices
from .groups import alternating, cyclic, dihedral, product, symmetric
from .training import train

__all__ = [
    "training_explorer",
    "alignment_explorer",
    "group_explorer",
    "stage1_explorer",
    "ascent_explorer",
    "reconstruction_explorer",
    "GROUP_FAMILIES",
    "ASCENT_GROUPS",
]

WEIGHT_DECAYS = [0.0, 1e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 3e-3]
LEARNING_RATES = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]
WIDTHS = [64, 128, 256, 512, 1024, 2048]


def _require_ipywidgets():
    try:
        import ipywidgets
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("the explorers need ipywidgets: pip install ipywidgets") from err
    return ipywidgets


def _run_panel(title: str, controls: dict, draw, run_now: bool):
    """Controls, a Run button and an output area; pressing Run calls ``draw(**values)``."""
    w = _require_ipywidgets()
    button = w.Button(description="Train", button_style="primary", icon="play")
    out = w.Output()

    def run(_=None):
        with out:
            out.clear_output(wait=True)
            draw(**{k: c.value for k, c in controls.items()})
            plt.show()

    button.on_click(run)
    if run_now:
        run()
    return w.VBox([w.HTML(title), *controls.values(), button, out])


def _slider_style():
    w = _require_ipywidgets()
    return dict(style={"description_width": "110px"}, layout=w.Layout(width="420px"))


def training_explorer(
    M: int = 71,
    *,
    hidden: int = 512,
    train_fraction: float = 0.4,
    weight_decay: float = 2e-4,
    lr: float = 1e-3,
    epochs: int = 300,
    seed: int = 0,
    run_now: bool = False,
):
    """Weight decay, learning rate, train fraction and width as controls over a Z_M run.

    Press "Train" to run ``li2lib.train`` with the chosen settings and plot train/test accuracy
    and ||G_F|| (Eq. 2). ``run_now=True`` runs once with the initial settings.
    Returns the widget (display it, or let Jupyter do so as the cell's value).
    """
    w = _require_ipywidgets()
    kw = _slider_style()
    controls = {
        "weight_decay": w.SelectionSlider(options=WEIGHT_DECAYS, value=weight_decay, description="weight decay", **kw),
        "lr": w.SelectionSlider(options=LEARNING_RATES, value=lr, description="learning rate", **kw),
        "train_fraction": w.FloatSlider(value=train_fraction, min=0.1, max=0.9, step=0.05,
                                        description="train fraction", **kw),
        "hidden": w.SelectionSlider(options=WIDTHS, value=hidden, description="width K", **kw),
        "epochs": w.IntSlider(value=epochs, min=50, max=2000, step=50, description="epochs", **kw),
        "seed": w.IntText(value=seed, description="seed", **kw),
    }

    def draw(**settings):
        result = train(cyclic(M), eval_every=5, progress=True, **settings)
        fig, (ax_acc, ax_gf) = plt.subplots(1, 2, figsize=(10, 3.2))
        h = [result.history]
        plots.plot_accuracy(h, ax=ax_acc, label="run")
        plots.mark_epoch(ax_acc, result.first_epoch("test_acc", 0.95), "test acc 0.95")
        plots.plot_metric(h, "gf_norm", ax=ax_gf, color="C3")
        ax_gf.set_ylabel(r"$\|G_F\|_F$")
        ax_acc.legend(loc="center right", fontsize=8)
        fig.suptitle(f"Z_{M}, " + ", ".join(f"{k}={v}" for k, v in settings.items()), fontsize=9)
        fig.tight_layout()

    return _run_panel(f"<b>Grokking on Z_{M}</b>: change a knob, press Train", controls, draw, run_now)


def alignment_explorer(M: int = 23, *, hidden: int = 512, train_fraction: float = 0.6, epochs: int = 400,
                       run_now: bool = False):
    """Train a small Z_M network with the chosen weight decay and learning rate and plot how
    closely its gradients and Adam updates follow grad E (``li2lib.analysis.energy_alignment``)."""
    import numpy as np

    from .analysis import alignment_snapshots, energy_alignment

    w = _require_ipywidgets()
    kw = _slider_style()
    controls = {
        "weight_decay": w.SelectionSlider(options=WEIGHT_DECAYS, value=2e-4, description="weight decay", **kw),
        "lr": w.SelectionSlider(options=LEARNING_RATES, value=3e-3, description="learning rate", **kw),
        "seed": w.IntText(value=0, description="seed", **kw),
    }

    def draw(weight_decay, lr, seed):
        result = train(cyclic(M), hidden=hidden, train_fraction=train_fraction, weight_decay=weight_decay, lr=lr,
                       epochs=epochs, eval_every=5, seed=seed, progress=True,
                       snapshots=alignment_snapshots(epochs, 20))
        align = energy_alignment(result)
        fig, ax = plt.subplots(figsize=(8, 3.4))
        ax.semilogx(align["epoch"], np.median(align["grad_cos"], axis=1), "o-", label="gradient")
        ax.semilogx(align["epoch"], np.median(align["update_cos"], axis=1), "s-", label="Adam update")
        ax.axhline(0, color="0.6", lw=0.8)
        ax.set_ylim(-1, 1)
        ax.set_xlabel("epoch")
        ax.set_ylabel("median cosine with grad E")
        ax2 = ax.twinx()
        ax2.semilogx(result.history["epoch"][1:], result.history["test_acc"][1:], color="0.5", lw=1)
        ax2.set_ylabel("test accuracy (grey)")
        ax.legend(fontsize=8, loc="lower left")
        fig.tight_layout()

    return _run_panel(f"<b>Energy alignment on Z_{M}</b>", controls, draw, run_now)


GROUP_FAMILIES = {
    "cyclic Z_n": lambda n: cyclic(n),
    "Z_2 x Z_n": lambda n: product(2, n),
    "dihedral D_n": lambda n: dihedral(n),
    "symmetric S_n": lambda n: symmetric(min(n, 5)),
}
"""Label -> constructor from a size n, for the group explorer."""


def group_explorer(family: str = "dihedral D_n", n: int = 5, train_fraction: float = 0.4, seed: int = 0):
    """Pick a group family and size: see its Cayley table and a seeded train/test split of it."""
    w = _require_ipywidgets()
    if family not in GROUP_FAMILIES:
        raise ValueError(f"family must be one of {sorted(GROUP_FAMILIES)}, got {family!r}")

    def show(family, n, train_fraction, seed):
        group = GROUP_FAMILIES[family](n)
        train_idx, _ = split_indices(group.order**2, train_fraction=train_fraction, seed=seed)
        fig, (ax_t, ax_s) = plt.subplots(1, 2, figsize=(9, 4.2))
        plots.plot_cayley_table(group, ax=ax_t)
        plots.plot_split(group, train_idx, ax=ax_s)
        fig.tight_layout()
        plt.show()

    return w.interactive(
        show,
        family=w.Dropdown(options=list(GROUP_FAMILIES), value=family),
        n=w.IntSlider(value=n, min=2, max=24),
        train_fraction=w.FloatSlider(value=train_fraction, min=0.05, max=1.0, step=0.05),
        seed=w.IntText(value=seed),
    )


def stage1_explorer(M: int = 23, train_fraction: float = 0.4, seed: int = 0):
    """Stage I with a frozen random hidden layer: ||G_F(t)|| under the exact flow on V
    (``li2lib.theory.stage1_trajectory``), with weight decay, output scale, initial scale of V
    and width as controls."""
    import numpy as np

    from .data import centered_targets, pairs
    from .theory import gf_fixed_point, signal_term, stage1_trajectory

    w = _require_ipywidgets()
    group = cyclic(M)
    train_idx, _ = split_indices(M * M, train_fraction=train_fraction, seed=seed)
    a, b, y = pairs(group, train_idx)
    Yt = centered_targets(y, M)
    times = np.geomspace(1e-6, 1e6, 200)

    def show(log10_eta, beta, log10_alpha, K):
        rng = np.random.default_rng(seed)
        W = rng.standard_normal((2 * M, K))
        F = (W[a] + W[M + b]) ** 2
        F /= np.linalg.norm(F - F.mean(axis=0), 2)  # time unit: sigma_max(F~) = 1
        V0 = 10.0**log10_alpha * rng.standard_normal((K, M))
        eta = 0.0 if log10_eta <= -6 else 10.0**log10_eta
        g = stage1_trajectory(F, Yt, eta, V0, times, beta=beta)["gf_norm"]
        fig, ax = plt.subplots(figsize=(7, 3.6))
        ax.loglog(times, g, lw=2, label=r"$\|G_F(t)\|$")
        ax.loglog(times, beta**2 * times * np.linalg.norm(signal_term(F, Yt)), "k--", lw=1,
                  label=r"$t\,\beta^2\,\|\tilde Y\tilde Y^\top\tilde F\|$")
        if eta > 0 and beta == 1.0:
            ax.axhline(np.linalg.norm(gf_fixed_point(F, Yt, eta)), color="C1", ls=":", label="Eq. (4)")
        ax.set_ylim(max(g.min() / 10, 1e-8), g.max() * 10)
        ax.set_xlabel("time t")
        ax.legend(fontsize=8)
        ax.set_title(f"Z_{M}, n={len(train_idx)}, K={K}, eta={eta:g}, beta={beta:g}")
        fig.tight_layout()
        plt.show()

    return w.interactive(
        show,
        log10_eta=w.FloatSlider(value=-3.0, min=-6, max=1, step=0.5, description="log10 eta (-6: 0)"),
        beta=w.FloatSlider(value=1.0, min=0.25, max=4, step=0.25, description="beta"),
        log10_alpha=w.FloatSlider(value=-5, min=-8, max=0, step=0.5, description="log10 alpha"),
        K=w.SelectionSlider(options=[32, 64, 128, 256, 512, 1024], value=512, description="width K"),
    )


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
    and the figure shows its energy per step and where its power ends up, irrep by irrep."""
    import numpy as np

    from .analysis import irrep_spectrum
    from .data import centered_targets, full_dataset
    from .energy import ascend

    w = _require_ipywidgets()
    if group not in ASCENT_GROUPS:
        raise ValueError(f"group must be one of {sorted(ASCENT_GROUPS)}, got {group!r}")

    def show(group, seed):
        g = ASCENT_GROUPS[group]()
        X, y = full_dataset(g)
        Yt = centered_targets(y, g.order)
        w0 = np.random.default_rng(seed).standard_normal(2 * g.order)
        result = ascend(X, Yt, w0, steps=2000, record_every=1, keep_trajectory=True)
        spectra = irrep_spectrum(result.trajectory[:, :, 0].T, g)  # (2, R, T)
        real = g.real_irreps()
        fig, (ax_e, ax_s) = plt.subplots(1, 2, figsize=(10, 3.4))
        ax_e.plot(result.steps, result.energy[:, 0], lw=2)
        ax_e.set_xlabel("ascent step")
        ax_e.set_ylabel("energy E(w)")
        ax_e.set_title(f"{g.name}: final E = {result.energy[-1, 0]:.4f} (M = {g.order})")
        shares = spectra[0] / spectra[0].sum(axis=0, keepdims=True)
        ax_s.imshow(shares, aspect="auto", cmap="magma", vmin=0, vmax=1, interpolation="nearest",
                    extent=(result.steps[0], result.steps[-1], len(real) - 0.5, -0.5))
        ax_s.set_yticks(range(len(real)), [f"{k}: d={ir.dim}" for k, ir in enumerate(real)], fontsize=7)
        ax_s.set_xlabel("ascent step")
        ax_s.set_title("share of the first half's power per real irrep")
        fig.tight_layout()
        plt.show()

    return w.interactive(show, group=w.Dropdown(options=list(ASCENT_GROUPS), value=group),
                         seed=w.IntText(value=seed))


def reconstruction_explorer(M: int = 11, per_frequency: int = 4, seed: int = 0):
    """Theorem 3 with generic real Fourier nodes: choose M and the number of random-phase nodes per
    frequency; see the least-squares reconstruction of the table and its residual."""
    import numpy as np

    from .data import centered_targets, full_dataset
    from .theory import centre, fourier_nodes, readout_residual

    w = _require_ipywidgets()

    def show(M, per_frequency, seed):
        X, y = full_dataset(cyclic(M))
        Yt = centered_targets(y, M)
        rng = np.random.default_rng(seed)
        ks = np.repeat(np.arange(1, M // 2 + 1), per_frequency)
        W = fourier_nodes(M, ks, rng.uniform(0, 2 * np.pi, len(ks)), rng.uniform(0, 2 * np.pi, len(ks)))
        F = (X @ W) ** 2
        Ft = centre(F)
        V = np.linalg.lstsq(Ft, Yt, rcond=None)[0]
        predicted = (Ft @ V).argmax(axis=1).reshape(M, M)
        fig, (ax_p, ax_t) = plt.subplots(1, 2, figsize=(8, 3.8))
        ax_p.imshow(predicted, cmap="twilight", vmin=0, vmax=M - 1, interpolation="nearest")
        ax_p.set_title(f"argmax of the readout, K = {len(ks)}")
        ax_t.imshow(cyclic(M).table, cmap="twilight", vmin=0, vmax=M - 1, interpolation="nearest")
        ax_t.set_title("the table a + b mod M")
        for ax in (ax_p, ax_t):
            ax.set_xlabel("b")
            ax.set_ylabel("a")
        fig.suptitle(f"relative residual {readout_residual(F, Yt):.4f}; "
                     f"accuracy {(predicted == cyclic(M).table).mean():.3f}")
        fig.tight_layout()
        plt.show()

    return w.interactive(
        show,
        M=w.Dropdown(options=[7, 11, 13, 17, 23], value=M),
        per_frequency=w.IntSlider(value=per_frequency, min=1, max=10, description="nodes per freq."),
        seed=w.IntText(value=seed),
    )
