"""The book's knobs: frame players (the static form of every explorer) and the book style.

The players' behaviour in a browser is checked on every built page by book_ext/check_pages.py;
here one player is also opened in headless Chromium when it is installed.
"""

import json
import re
import shutil
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from li2lib.book import plots, widgets  # noqa: E402
from li2lib.book.widgets import Explorer, FramePlayer, Knob, frame_keys  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def _spec(html: str) -> dict:
    """The JSON the player's script reads (frames, values, start)."""
    return json.loads(re.search(r"spec = (\{.*?\});\n", html, re.S).group(1))


def _text_figure(**values):
    """A figure that shows its arguments, so that different values give different pictures."""
    fig = plt.figure(figsize=(2, 1))
    fig.text(0.1, 0.5, " ".join(f"{k}={v}" for k, v in sorted(values.items())))
    return fig


def test_frame_keys_grid_and_one_at_a_time():
    assert len(frame_keys([3, 4, 2], (0, 0, 0), "grid")) == 24
    one = frame_keys([3, 4, 2], (1, 2, 0), "one")
    assert len(one) == 1 + 2 + 3 + 1 == len(set(one))
    # every key differs from the start in at most one place
    assert all(sum(a != b for a, b in zip(key, (1, 2, 0))) <= 1 for key in one)


def test_player_rejects_missing_frames_and_bad_arguments():
    frames = {(0,): b"a", (1,): b"b"}
    with pytest.raises(ValueError, match="missing 1 combination"):
        FramePlayer([("x", ["0", "1", "2"])], frames, start=(0,))
    with pytest.raises(ValueError, match="vary"):
        FramePlayer([("x", ["0", "1"])], frames, start=(0,), vary="all")
    with pytest.raises(ValueError, match="start"):
        FramePlayer([("x", ["0", "1"])], frames, start=(2,))


def test_knob_rejects_a_value_it_does_not_offer():
    with pytest.raises(ValueError, match="value of knob 'lr'"):
        Knob("lr", "learning rate", [1e-3, 3e-3], 2e-3)
    with pytest.raises(ValueError, match="static values of knob 'lr'"):
        Knob("lr", "learning rate", [1e-3, 3e-3], 1e-3, static=[3e-3])
    with pytest.raises(ValueError, match="two or more values"):  # a static control that cannot move
        Knob("seed", "seed", [0, 1, 2], 0, static=[0])


@pytest.mark.parametrize("vary", ["grid", "one"])
def test_explorer_precomputes_one_distinct_frame_per_setting(vary):
    knobs = [Knob("a", "a", [1, 2, 3], 2, static=[1, 2, 3]), Knob("b", "b", ["x", "y"], "x", static=["x", "y"], menu=True),
             Knob("seed", "seed", value=0, free_int=True)]
    explorer = Explorer("test", lambda a, b, seed=0: _text_figure(a=a, b=b), knobs, vary=vary)
    player = explorer.player()
    assert set(player.frames) == set(frame_keys([3, 2], (1, 0), vary))
    assert len(set(player.frames.values())) == len(player.frames)  # every setting draws its own picture
    html = player.html()
    spec = _spec(html)
    assert spec["start"] == [1, 0] and spec["values"] == [["1", "2", "3"], ["x", "y"]]
    assert html.count('type="range"') == 1 and html.count("<select") == 1  # the seed box is live only
    assert not plt.get_fignums(), "precomputing left figures open (they would show up in the notebook)"


def test_frames_share_their_axis_limits():
    """Moving a control changes the data, not the scale; images keep their own extent, and a
    plot whose scale differs between frames keeps its limits."""
    def figure(a, b):
        fig, (ax_line, ax_image, ax_log) = plt.subplots(1, 3)
        ax_line.plot([0, a], [0, {"x": 1.0, "y": -3.0}[b] * a])
        ax_image.imshow(np.zeros((a, a)))
        ax_log.plot([1, 2], [1, 10 * a])
        ax_log.set_yscale("log" if b == "x" else "linear")
        return fig

    knobs = [Knob("a", "a", [1, 2, 5], 2, static=[1, 2, 5]), Knob("b", "b", ["x", "y"], "x", static=["x", "y"], menu=True)]
    keys = frame_keys([3, 2], (1, 0), "grid")
    figures = [figure(a, b) for a, b in ((1, "x"), (2, "x"), (5, "x"), (1, "y"), (2, "y"), (5, "y"))]
    widgets.share_limits(figures)
    lines = [fig.axes[0] for fig in figures]
    assert len({ax.get_xlim() for ax in lines}) == len({ax.get_ylim() for ax in lines}) == 1
    x_low, x_high = lines[0].get_xlim()
    y_low, y_high = lines[0].get_ylim()
    assert x_low <= 0 and x_high >= 5 and y_low <= -15 and y_high >= 5  # the union of all frames
    assert {fig.axes[1].get_xlim() for fig in figures} == {(-0.5, a - 0.5) for a in (1, 2, 5)}  # images untouched
    assert len({fig.axes[2].get_ylim() for fig in figures}) == 6  # log in some frames, linear in others: untouched
    assert len({fig.axes[2].get_xlim() for fig in figures}) == 1  # its x axis is linear everywhere: shared
    only_y = [figure(a, "x") for a in (1, 5)]
    widgets.share_limits(only_y, "y")
    assert only_y[0].axes[0].get_xlim() != only_y[1].axes[0].get_xlim()
    assert only_y[0].axes[0].get_ylim() == only_y[1].axes[0].get_ylim()
    plt.close("all")
    with pytest.raises(ValueError, match="share must be"):
        widgets.share_limits([], "z")
    # the explorer's frames come out with common limits: every frame of the line plot is drawn
    # on the same axes, so the frames differ only in their data
    explorer = Explorer("test", figure, knobs, share="xy")
    assert set(explorer.player().frames) == set(keys)
    assert not plt.get_fignums()


def test_player_html_is_self_contained():
    knobs = [Knob("a", "a", [1, 2], 1, static=[1, 2])]
    html = Explorer("test", lambda a: _text_figure(a=a), knobs).player().html()
    assert "data:image/png;base64," in html
    assert not re.search(r"""(src|href)=["'](?!data:)""", html), "the player loads a file or URL"
    assert "http" not in html


def test_explorer_bundle_has_the_static_and_the_live_form():
    knobs = [Knob("a", "a", [1, 2], 1, static=[1, 2])]  # two frames are enough to check the two forms
    bundle = Explorer("test", lambda a: _text_figure(a=a), knobs)._repr_mimebundle_()
    assert "li2-player" in bundle["text/html"]
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert not plt.get_fignums()


def test_a_book_explorer_builds_its_player():
    """One of the static forms the chapters show (the chapters run all of them)."""
    player = widgets.stage1_explorer(order=7).player()
    assert len(player.frames) == 1 + 4 + 3 + 3 + 3  # each of four knobs moved alone


def test_animate_ascent_is_a_playable_player():
    T, R, B = 5, 3, 4
    rng = np.random.default_rng(0)
    player = widgets.animate_ascent(rng.random((T, R, B)), np.cumsum(rng.random((T, B)), axis=0), np.arange(T) * 2)
    assert isinstance(player, FramePlayer) and player.play and len(player.frames) == T
    assert "data-play" in player.html()
    with pytest.raises(ValueError, match="spectra must be"):
        widgets.animate_ascent(rng.random((T, R)), rng.random((T, B)), np.arange(T))


def test_names_for_titles_and_menus():
    assert widgets.unicode_name("Z_4 x Z_6") == "ℤ₄ × ℤ₆"
    assert plots.math_name("Z_71") == r"$\mathbb{Z}_{71}$"
    assert plots.math_name("D_5") == "$D_{5}$"


def test_book_style_fits_the_column():
    with plt.rc_context():
        plots.use_book_style()
        width = plt.rcParams["figure.figsize"][0]
        assert width <= 6.5
        assert min(plt.rcParams[k] for k in ("xtick.labelsize", "ytick.labelsize", "legend.fontsize")) >= 9


@pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("chromedriver")),
                    reason="headless Chromium not installed")
def test_player_responds_in_a_browser(tmp_path):
    sys.path.insert(0, str(ROOT / "book_ext"))
    import check_pages

    # a menu before the sliders: each slider's readout must still show that slider's value
    explorer = Explorer("test", lambda b, a, c: _text_figure(a=a, b=b, c=c),
                        [Knob("b", "b", ["x", "y"], "x", static=["x", "y"], menu=True),
                         Knob("a", "a", [1, 2, 3], 1, static=[1, 2, 3]),
                         Knob("c", "c", [0.5, 0.7], 0.5, static=[0.5, 0.7])])
    animation = widgets.animate_ascent(np.random.default_rng(0).random((4, 2, 3)), np.ones((4, 3)), np.arange(4))
    page = tmp_path / "page.html"
    # a column narrower than the test frames (2 inches at FRAME_DPI), so that they fill it
    frame_px = 2 * widgets.FRAME_DPI
    assert frame_px > 360
    page.write_text(f"<html><body><article class='bd-article' style='width: 360px'>{explorer.player().html()}"
                    f"{animation.html()}</article></body></html>")
    frozen = tmp_path / "frozen.html"
    frozen.write_text("<html><body><article class='bd-article'><input type='range'></article></body></html>")
    with check_pages.browser() as driver:
        failures, notes = check_pages.check_page(driver, page)
        assert failures == [] and "2 frame player(s) checked" in notes
        failures, _ = check_pages.check_page(driver, frozen)
        assert any("cannot respond" in f for f in failures)
        # a readout that shows another control's value (or does not follow its slider) fails
        wrong = tmp_path / "wrong.html"
        wrong.write_text(page.read_text().replace('output[data-for="\' + k + \'"]', "output"))
        failures, _ = check_pages.check_page(driver, wrong)
        assert any("readout" in f for f in failures), failures
        # a table wider than the column, and an image that does not fill it, fail
        wide = tmp_path / "wide.html"
        wide.write_text(page.read_text().replace("width: 360px", "width: 600px").replace(
            "</article>", "<table style='display:block;overflow-x:auto'><tr>" + "<td>a wide cell</td>" * 60
            + "</tr></table></article>"))
        failures, _ = check_pages.check_page(driver, wide)
        assert any("table wider than the" in f for f in failures), failures
        assert any("image narrower than the" in f and f"shown {frame_px} px, {frame_px} px wide" in f for f in failures), failures
        # a numbered reference left without its number fails; an API name that reads like one does not
        for body, expected in [("<a class='reference internal' href='#x'>Table </a>", ["reference without a number: 'Table'"]),
                               ("<a class='reference internal' href='#x'><code>Table</code></a>", [])]:
            refs = tmp_path / "refs.html"
            refs.write_text(f"<html><body><article class='bd-article'><p id='x'>{body}</p></article></body></html>")
            assert check_pages.check_page(driver, refs)[0] == expected
        # a formula on a page that never loaded MathJax stays TeX source
        raw = tmp_path / "raw.html"
        raw.write_text("<html><body><article class='bd-article'><span class='math'>\\(x^2\\)</span></article></body></html>")
        assert any("left as TeX source" in f for f in check_pages.check_page(driver, raw)[0])


def test_live_panel_calls_the_figure_with_the_controls_values():
    """The live form: sliders follow the knobs, and the button (or any change) redraws with
    the values shown."""
    calls = []

    def figure(a, seed):
        calls.append((a, seed))
        return _text_figure(a=a, seed=seed)

    knobs = [Knob("a", "a", [1, 2, 3], 2, static=[1, 2]), Knob("seed", "seed", value=0, free_int=True)]
    panel = Explorer("test", figure, knobs, button="Run").widget()
    title, hint, slider, seed_box, button, _ = panel.children
    assert "Run" in hint.value  # the live panel says to press its button (the static page has none)
    assert slider.value == 2 and slider.style.description_width == "initial"  # labels are not cut
    slider.value, seed_box.value = 3, 7
    button.click()
    assert calls == [(3, 7)]
    live = Explorer("test", figure, knobs).widget()  # no button: draws at once and on every change
    live.children[1].value = 1
    assert calls[1:] == [(2, 0), (1, 0)]
    plt.close("all")
