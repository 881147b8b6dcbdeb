"""Numbers that a chapter's prose quotes from its own live run.

``glue("name", value)`` hands ``value`` to the book build, where ``{glue:text}`name:.2f``` in the
prose renders it, so the text shows what the reader's run computed, never a number typed in from
another machine. Outside a book build (Jupyter, Colab) it does nothing visible; the cell that
calls it also prints the value.
"""

from __future__ import annotations


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
