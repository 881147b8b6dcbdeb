import numpy as np
import pytest

from li2lib.book.glue import glue


def test_glue_rejects_a_bad_name():
    with pytest.raises(ValueError, match="name"):
        glue("not a name", 1.0)


def test_glue_hands_numpy_scalars_over_as_plain_numbers(monkeypatch):
    seen = {}
    import myst_nb

    monkeypatch.setattr(myst_nb, "glue", lambda name, value, display: seen.update({name: value}))
    glue("value", np.float64(0.25))
    assert type(seen["value"]) is float and seen["value"] == 0.25


def test_glue_hands_words_over_without_quotes(monkeypatch):
    """{glue:text} shows a value's text/plain form, its repr: a string must not come out quoted."""
    from IPython.core.formatters import PlainTextFormatter

    seen = {}
    import myst_nb

    monkeypatch.setattr(myst_nb, "glue", lambda name, value, display: seen.update({name: value}))
    glue("words", "real: 0.99 (6 groups)")
    assert PlainTextFormatter()(seen["words"]) == "real: 0.99 (6 groups)"
    assert seen["words"] == "real: 0.99 (6 groups)"


def test_table_shows_numpy_numbers_as_numbers():
    from li2lib.book.glue import Table

    table = Table(["group", "nodes", "E"], [["Z_23", np.int64(512), np.float64(5.75)], ["D_5", 3, 1.0 / 3]],
                  formats=["", "d", ".3f"])
    assert table.cells() == [["Z_23", "512", "5.750"], ["D_5", "3", "0.333"]]
    shown = table._repr_html_() + repr(table)
    assert "np.int64" not in shown and "np.float64" not in shown
    assert '<td class="num">512</td>' in table._repr_html_() and "<th>group</th>" in table._repr_html_()
    assert repr(table).splitlines() == ["group  nodes      E", "Z_23     512  5.750", "D_5        3  0.333"]


def test_table_escapes_text_and_rejects_ragged_rows():
    from li2lib.book.glue import Table

    assert "&lt;b&gt;" in Table(["x"], [["<b>"]])._repr_html_()
    with pytest.raises(ValueError, match=r"rows\[1\] has 1 values for 2 columns"):
        Table(["a", "b"], [[1, 2], [3]])
    with pytest.raises(ValueError, match="formats"):
        Table(["a", "b"], [[1, 2]], formats=[".2f"])


def test_table_shows_a_missing_number_as_its_na_text_in_a_numeric_column():
    from li2lib.book.glue import Table

    table = Table(["M", "c"], [[17, float("nan")], [23, None], [31, np.float64(2.5)]], formats=["d", ".2f"])
    assert table.cells() == [["17", "–"], ["23", "–"], ["31", "2.50"]]
    assert repr(table).splitlines()[1:] == ["17     –", "23     –", "31  2.50"]  # still right-aligned
    assert Table(["c"], [[np.nan]], na="n/a").cells() == [["n/a"]]


def test_table_shows_no_sign_on_a_number_that_rounds_to_zero():
    from li2lib.book.glue import Table

    rows = [[-0.04, 0, -0.04, 1e-9], [0.06, -3, -0.5, -2e-3], [-0.0, 7, 0.0, -0.0]]
    got = Table(["d", "n", "pct", "e"], rows, formats=["+.1f", "+d", "+.0%", ".1e"]).cells()
    assert got == [["0.0", "0", "-4%", "1.0e-09"], ["+0.1", "-3", "-50%", "-2.0e-03"], ["0.0", "+7", "0%", "0.0e+00"]]
