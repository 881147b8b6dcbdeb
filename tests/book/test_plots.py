"""Figure helpers: labels stay inside the frame, tables are labelled, names become math."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from li2lib import cyclic, product, symmetric  # noqa: E402
from li2lib.book.plots import (  # noqa: E402
    BOOK_STYLE, _math_name, figure_legend, legend_beside, mark_epoch, plot_cayley_table)


@pytest.mark.parametrize("epoch", [2, 50, 97])
@pytest.mark.parametrize("xscale", ["linear", "log"])
def test_mark_epoch_label_stays_inside_the_axes(epoch, xscale):
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([1, 100], [0, 1])
    ax.set_xscale(xscale)
    ax.set_xlim(1, 100)
    mark_epoch(ax, epoch, "a long label here")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    text = ax.texts[0].get_window_extent(renderer)
    frame = ax.get_window_extent(renderer)
    assert frame.x0 <= text.x0 and text.x1 <= frame.x1 and frame.y0 <= text.y0 and text.y1 <= frame.y1
    plt.close(fig)


def test_mark_epoch_checks_its_arguments():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="side"):
        mark_epoch(ax, 3, "x", side="top")
    with pytest.raises(ValueError, match="y must be"):
        mark_epoch(ax, 3, "x", y=1.5)
    assert mark_epoch(ax, None, "x") is ax and not ax.lines
    plt.close(fig)


def test_cayley_table_writes_every_product_for_small_groups():
    g = symmetric(3)
    fig, ax = plt.subplots()
    plot_cayley_table(g, ax=ax)
    cells = {(int(round(t.get_position()[1])), int(round(t.get_position()[0]))): t.get_text() for t in ax.texts}
    assert len(cells) == 36
    assert all(cells[a, b] == g.labels[g.table[a, b]] for a in range(6) for b in range(6))
    assert [t.get_text() for t in ax.get_xticklabels()] == g.labels
    plt.close(fig)
    fig, ax = plt.subplots()
    plot_cayley_table(cyclic(12), ax=ax)
    assert not ax.texts and not len(ax.get_xticks())
    plt.close(fig)


def test_group_names_as_math():
    assert _math_name("Z_3 x Z_4") == r"$\mathbb{Z}_{3} \times \mathbb{Z}_{4}$"
    assert _math_name("Dic_3") == r"$\mathrm{Dic}_{3}$"
    assert _math_name("a table") == "a table"
    assert _math_name(product(2, 6).name).startswith("$")


def _overlaps(box, frame):
    return box.x0 < frame.x1 and frame.x0 < box.x1 and box.y0 < frame.y1 and frame.y0 < box.y1


def test_legends_stay_off_the_data():
    fig, axes = plt.subplots(1, 2, figsize=(6.4, 2.8), layout="constrained")
    for ax in axes:
        for k in range(8):  # eight lines, one label: the legend shows it once
            ax.plot([0, 1], [k, k + 1], color="C0", label="run" if k == 0 else None)
        ax.plot([0, 1], [1, 0], color="C1", label="other")
    legend = figure_legend(fig)
    beside = legend_beside(axes[1])
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    assert [t.get_text() for t in legend.get_texts()] == ["run", "other"]
    for box in (legend.get_window_extent(renderer), beside.get_window_extent(renderer)):
        assert not any(_overlaps(box, ax.get_window_extent(renderer)) for ax in axes)
    plt.close(fig)


def test_figure_legend_needs_labels():
    fig, ax = plt.subplots(layout="constrained")
    ax.plot([0, 1], [0, 1])
    with pytest.raises(ValueError, match="no labelled artists"):
        figure_legend(fig)
    plt.close(fig)


def test_book_style_renders_at_twice_the_column():
    # the column is about 772 px wide at desktop; a default figure must be at least twice that
    assert BOOK_STYLE["figure.figsize"][0] * BOOK_STYLE["figure.dpi"] >= 2 * 740
