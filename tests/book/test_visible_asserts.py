"""The checks run in every chapter, but the reader does not wade through them: the assert lines a
reader sees (code cells whose input is not hidden) stay at a few dozen in the whole book."""

import re
from pathlib import Path

import jupytext
import pytest

CHAPTERS = Path(__file__).resolve().parents[2] / "chapters"
HIDDEN_TAGS = {"remove-input", "hide-input", "remove-cell", "hide-cell"}
ASSERT_LINE = re.compile(r"^\s*(assert\b|np\.testing\.assert|assert_)")
VISIBLE_LIMIT = 36
"""Three dozen visible assert lines in the whole book (12 when this test was written)."""


def assert_lines(source: str) -> int:
    """Lines of ``source`` that assert: ``assert ...``, ``np.testing.assert_*`` or ``assert_*(...)``."""
    return sum(bool(ASSERT_LINE.match(line)) for line in source.splitlines())


def count_asserts(path: Path) -> tuple[int, int]:
    """(visible, all) assert lines in the code cells of the MyST chapter at ``path``."""
    visible = total = 0
    for cell in jupytext.read(path, fmt="md:myst").cells:
        if cell.cell_type != "code":
            continue
        n = assert_lines(cell.source)
        total += n
        if not HIDDEN_TAGS & set(cell.metadata.get("tags", [])):
            visible += n
    return visible, total


@pytest.mark.parametrize("source, expected", [
    ("assert x\n    assert y, 'z'\nnp.testing.assert_allclose(a, b)\nassert_close(a)", 4),
    ("x = 1  # assert nothing\nprint('assert')\nassertion = 2\nif ok: pass", 0),
])
def test_assert_lines_counts_what_asserts(source, expected):
    assert assert_lines(source) == expected


def test_hidden_cells_do_not_count(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("---\njupytext:\n  text_representation:\n    format_name: myst\n---\n\n"
                    "```{code-cell} ipython3\nassert 1\n```\n\n"
                    "```{code-cell} ipython3\n---\ntags: [hide-input]\n---\nassert 2\nassert 3\n```\n")
    assert count_asserts(page) == (1, 3)


def test_the_book_shows_a_few_dozen_assert_lines_at_most():
    counts = {path.name: count_asserts(path) for path in sorted(CHAPTERS.glob("*.md"))}
    visible = sum(v for v, _ in counts.values())
    hidden = sum(t - v for v, t in counts.values())
    assert hidden > 200, f"the chapters' checks must still run (hidden, not deleted): {hidden} hidden assert lines"
    assert visible <= VISIBLE_LIMIT, (
        f"{visible} visible assert lines (limit {VISIBLE_LIMIT}): hide check cells (tags: [hide-input]); "
        + ", ".join(f"{name} {v}" for name, (v, _) in counts.items() if v))
