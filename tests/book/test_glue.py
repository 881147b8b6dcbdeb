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
