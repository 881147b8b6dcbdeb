"""The book's Sphinx extension (book_ext/li2book.py): the one-page build behind `make pdf`."""

import sys
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[2]


def test_singlehtml_gets_the_html_handlers_an_extension_hid():
    """Sphinx takes node handlers by builder name before format: once one extension registers a
    node for "singlehtml", every "html" handler is hidden from that builder unless copied."""
    sys.path.insert(0, str(ROOT / "book_ext"))
    import li2book

    hidden_cell, exercise = object(), object()
    handlers = {"html": {"HiddenCellNode": (hidden_cell, None), "exercise": ("html-visit", None)},
                "singlehtml": {"exercise": (exercise, None)}}
    app = SimpleNamespace(registry=SimpleNamespace(translation_handlers=handlers),
                          builder=SimpleNamespace(name="singlehtml"))
    li2book._singlehtml_knows_html_nodes(app)
    assert handlers["singlehtml"] == {"exercise": (exercise, None), "HiddenCellNode": (hidden_cell, None)}
    app.builder.name = "html"  # other builders are left alone
    handlers["singlehtml"].pop("HiddenCellNode")
    li2book._singlehtml_knows_html_nodes(app)
    assert "HiddenCellNode" not in handlers["singlehtml"]
