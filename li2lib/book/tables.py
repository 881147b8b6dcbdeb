"""Tables of results in a chapter: rows of dicts shown as a Markdown table (no pandas needed)."""

from __future__ import annotations

import math
from numbers import Integral, Real

__all__ = ["markdown_table"]


def _cell(value, digits: int) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool) or not isinstance(value, Real):
        return str(value).replace("|", r"\|")
    if isinstance(value, Integral):
        return str(int(value))
    value = float(value)
    if not math.isfinite(value):
        return "–"
    if value != 0 and not 10**-digits <= abs(value) < 1e6:
        return f"{value:.{max(digits, 1)}g}"
    return f"{value:.{digits}f}"


def markdown_table(rows: list[dict], digits: int = 3):
    """``rows`` (dicts with the same keys, in column order) as an IPython Markdown table: numbers
    with ``digits`` decimals (very large or small ones in ``g`` format; NaN and None as a dash),
    integers as they are. Raises ValueError for no rows or rows with different keys."""
    from IPython.display import Markdown

    if not rows:
        raise ValueError("rows must hold at least one row")
    if isinstance(digits, bool) or not isinstance(digits, Integral) or digits < 0:
        raise ValueError(f"digits must be an integer >= 0, got {digits!r}")
    keys = list(rows[0])
    for i, row in enumerate(rows):
        if list(row) != keys:
            raise ValueError(f"rows must share the first row's keys {keys}; row {i} has {list(row)}")
    lines = ["| " + " | ".join(str(k).replace("|", r"\|") for k in keys) + " |",
             "|" + "|".join("---" for _ in keys) + "|"]
    lines += ["| " + " | ".join(_cell(row[k], digits) for k in keys) + " |" for row in rows]
    return Markdown("\n".join(lines))
