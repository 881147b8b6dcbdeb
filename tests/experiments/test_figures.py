"""The figure registry (li2lib.experiments.figures) and the explorers over stored sweeps, on the stored data."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from pathlib import Path  # noqa: E402

from li2lib.experiments.figures import FIGURES, draw_figure, figure_verdict, load_figure, missing_sweeps, run_figure  # noqa: E402
from li2lib.book.stored_explorers import depth_explorer, law_explorer  # noqa: E402


def test_every_figure_names_sweeps_at_both_scales():
    for name, spec in FIGURES.items():
        assert set(spec.sweeps) == {"cpu", "paper"} and set(spec.settings) == {"cpu", "paper"}, name


def test_fig17_is_drawn_and_read_from_the_stored_depth_sweep():
    sweeps = load_figure("fig17", "cpu")
    assert len(sweeps["depth"]) == 12
    fig = draw_figure("fig17", sweeps, "cpu")
    plt.close(fig)
    verdict = figure_verdict("fig17", sweeps, "cpu")
    assert "2 layers" in verdict and "only zero-init groks" in verdict


def test_fig5_spans_the_stored_range_and_reports_seed_errors_and_the_law_test():
    """Fig. 5 at CPU scale joins the first sweeps with the extension: its panels reach beyond
    M = 47, and the verdict quotes the boundary's seed error, c over the range and alpha."""
    import re

    sweeps = load_figure("fig5", "cpu")
    fig = draw_figure("fig5", sweeps, "cpu")
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert len(panels) == 4
    assert max(int(t.get_text()) for ax in panels for t in ax.get_xticklabels()) > 47
    plt.close(fig)
    verdict = figure_verdict("fig5", sweeps, "cpu")
    error = float(re.search(r"median error ([0-9.]+)% from the seeds", verdict).group(1))
    alpha = float(re.search(r"alpha = ([0-9.]+)", verdict).group(1))
    assert 0 < error < 3 and 0.3 < alpha < 1, verdict


def test_pending_figures_and_bad_names_are_refused():
    assert missing_sweeps("fig8", "paper")
    with pytest.raises(ValueError, match="pending"):
        run_figure("fig8", "paper")
    with pytest.raises(ValueError):
        load_figure("fig99", "cpu")


def test_explorers_over_stored_sweeps():
    with pytest.raises(ValueError, match="layers"):
        depth_explorer(layers=5)
    with pytest.raises(ValueError, match="weight_decay"):
        law_explorer(weight_decay=0.5)
    player = law_explorer().player()
    assert len(player.frames) == 1 + 2 + 2 + 2 + 1  # one knob at a time away from the defaults
    assert "<img" in player.html()


def test_figures_read_stored_runs_and_train_into_li2lib_runs(tmp_path, monkeypatch):
    from li2lib.experiments import figures, registry

    monkeypatch.chdir(tmp_path)
    assert figures.sweep_folder("knobs", "cpu") == registry.stored_folder("knobs")
    assert figures.sweep_folder("fig3-paper", "paper") == Path("li2lib-runs/fig3-paper")
    monkeypatch.setattr(figures, "run_named_sweep", lambda *a, **k: pytest.fail("a complete stored sweep was trained"))
    assert len(figures.run_figure("fig3", "cpu")["knobs"]) == 13
    # a stored sweep with runs missing: its stored runs are copied to ./li2lib-runs, the rest trained there
    trained = {}
    monkeypatch.setattr(figures, "missing_runs", lambda sweep, folder: 1)
    monkeypatch.setattr(figures, "run_named_sweep", lambda sweep, folder, **k: trained.setdefault(sweep, folder))
    figures.run_figure("fig3", "cpu")
    assert trained == {"knobs": Path("li2lib-runs/knobs")}
    assert len(list(Path("li2lib-runs/knobs").glob("*.npz"))) == 13
    assert figures.sweep_folder("knobs", "cpu") == Path("li2lib-runs/knobs")
