"""Numbers that a chapter's prose quotes from its own live run, and tables of them.

``glue("name", value)`` hands ``value`` to the book build, where ``{glue:text}`name:.2f``` in the
prose renders it, so the text shows what the reader's run computed, never a number typed in from
another machine. Outside a book build (Jupyter, Colab) it does nothing visible; the cell that
calls it also prints the value.

``Table(columns, rows)`` shows a run's numbers as a table: an HTML table in the book and in
Jupyter, aligned text in a terminal, numbers as numbers (never ``np.int64(512)``).
"""

from __future__ import annotations

import html
import math
from numbers import Number


def glue(name: str, value) -> None:
    """Record ``value`` under ``name`` for the book's ``{glue:text}`` roles (MyST-NB), if available."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be an identifier-like string, got {name!r}")
    try:
        from myst_nb import glue as myst_glue
    except ImportError:  # Colab or plain Jupyter: the printed output carries the value
        return
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        value = value.item()  # a numpy scalar's text is "np.float64(...)", which cannot be formatted
    if isinstance(value, str):
        value = _Words(value)  # shown as the words themselves, not their repr in quotes
    myst_glue(name, value, display=False)


class _Words(str):
    """A string whose text form (what ``{glue:text}`` shows) is itself, without quotes."""

    def __repr__(self) -> str:
        return str(self)


def _plain(value):
    """A numpy scalar as the Python number it holds; anything else unchanged."""
    return value.item() if hasattr(value, "item") and getattr(value, "ndim", 1) == 0 else value


class Table:
    """Rows of values under a header, shown as a table.

    ``columns``: the header, one string per column. ``rows``: one sequence per row, as long as
    ``columns``, of numbers (numpy scalars included) or text. ``formats``: optional, one format
    spec per column for its numbers (``".3f"``, ``"d"``, ``""`` for the default); without one a
    float shows 4 significant digits. A number that rounds to zero shows no sign. ``caption``:
    optional line above the table. ``na``: what a missing value (None or a NaN) shows, a dash
    unless given. Numbers are right-aligned, text left-aligned."""

    def __init__(self, columns, rows, formats=None, caption: str | None = None, na: str = "–"):
        self.columns = [str(c) for c in columns]
        if not self.columns:
            raise ValueError("columns must name at least one column, got none")
        self.rows = [[_plain(v) for v in row] for row in rows]
        for i, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise ValueError(f"rows[{i}] has {len(row)} values for {len(self.columns)} columns: {row!r}")
        self.formats = list(formats) if formats is not None else [""] * len(self.columns)
        if len(self.formats) != len(self.columns):
            raise ValueError(f"formats has {len(self.formats)} entries for {len(self.columns)} columns")
        self.caption = caption
        self.na = str(na)

    @staticmethod
    def _numeric(value) -> bool:
        return value is None or isinstance(value, Number) and not isinstance(value, bool)

    def _text(self, value, spec: str) -> str:
        if value is None or isinstance(value, float) and math.isnan(value):
            return self.na
        if self._numeric(value):
            text = format(value, spec or (".4g" if isinstance(value, float) else ""))
            # a value that rounds to zero shows no sign ("-0.0" and "+0" read as 0.0 and 0)
            return text[1:] if text[:1] in "+-" and not any(d in text.split("e")[0] for d in "123456789") else text
        return str(value)

    def cells(self) -> list[list[str]]:
        """The rows as the table shows them: each value formatted as text."""
        return [[self._text(v, f) for v, f in zip(row, self.formats)] for row in self.rows]

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f'<td class="{"num" if self._numeric(v) else "text"}">{html.escape(s)}</td>'
                             for v, s in zip(row, shown)) + "</tr>"
            for row, shown in zip(self.rows, self.cells()))
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        return (f'<div class="li2-table-wrap"><table class="li2-table">{caption}<thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table></div>")

    def __repr__(self) -> str:
        cells = self.cells()
        widths = [max(len(s) for s in column) for column in zip(self.columns, *cells)]
        numeric = [all(self._numeric(row[j]) for row in self.rows) for j in range(len(self.columns))]
        lines = ["  ".join(c.rjust(w) if n else c.ljust(w) for c, w, n in zip(self.columns, widths, numeric))]
        for row, shown in zip(self.rows, cells):
            lines.append("  ".join(s.rjust(w) if self._numeric(v) else s.ljust(w)
                                   for v, s, w in zip(row, shown, widths)))
        return "\n".join(([self.caption] if self.caption else []) + lines)
