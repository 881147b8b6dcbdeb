"""Every chapter's MyST text and its paired .ipynb hold the same notebook.

The .md is what authors edit and the book builds from; the .ipynb is what Colab opens and nbval
executes. After editing a chapter, run `make sync`.
"""

from pathlib import Path

import jupytext
import pytest

CHAPTERS = Path(__file__).resolve().parent.parent / "chapters"
NOTEBOOKS = sorted(p for p in CHAPTERS.glob("*.md") if p.read_text().startswith("---\njupytext:"))


def test_there_are_chapters():
    assert len(NOTEBOOKS) >= 2


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.name)
def test_text_and_ipynb_are_in_sync(source):
    paired = source.with_suffix(".ipynb")
    assert paired.exists(), f"{paired.name} is missing: run `make sync`"
    as_text = jupytext.writes(jupytext.read(paired), fmt="md:myst")
    assert as_text == source.read_text(), f"{source.name} and {paired.name} differ: run `make sync`"


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.name)
def test_ipynb_is_committed_without_outputs(source):
    nb = jupytext.read(source.with_suffix(".ipynb"))
    assert not any(cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")
