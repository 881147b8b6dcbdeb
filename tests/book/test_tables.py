"""li2lib.book.tables: rows of dicts as a Markdown table."""

import numpy as np
import pytest

from li2lib.book.tables import markdown_table


def test_markdown_table_formats_each_kind_of_cell():
    text = markdown_table([{"group": "Z_17", "M": np.int64(17), "p": np.float64(0.45291), "se": float("nan")},
                           {"group": "a|b", "M": 23, "p": 1.5e-5, "se": None}], digits=3).data
    lines = text.splitlines()
    assert lines[0] == "| group | M | p | se |" and lines[1] == "|---|---|---|---|"
    assert lines[2] == "| Z_17 | 17 | 0.453 | – |"  # no np.int64(...) or np.float64(...)
    assert lines[3] == r"| a\|b | 23 | 1.5e-05 | – |"


def test_markdown_table_rejects_ragged_rows():
    with pytest.raises(ValueError, match="rows must hold at least one row"):
        markdown_table([])
    with pytest.raises(ValueError, match="row 1 has"):
        markdown_table([{"a": 1, "b": 2}, {"b": 2, "a": 1}])
    with pytest.raises(ValueError, match="digits must be"):
        markdown_table([{"a": 1}], digits=-1)
