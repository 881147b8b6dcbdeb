"""The hidden first cell of every chapter, written from the book's one repository setting.

The public repository is named once, as ``repository.url`` (and ``repository.branch``) in
``_config.yml``. The book's launch buttons (Colab, Binder, the repository link) are built from
it by the theme; the install cell of each chapter must hold it literally, because a notebook
opened alone in Colab cannot read ``_config.yml``. ``make sync`` runs this script, which
rewrites that cell in every chapter from :data:`TEMPLATE`; ``tests/test_notebooks.py`` checks
that every chapter's cell is the one this script would write.

    python book_ext/install_cell.py          # rewrite the cell in chapters/*.md
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"
TEMPLATE = """\
# Colab, Binder or a fresh kernel: install li2lib, with the data the chapters read, from the
# book's repository when it is missing (`repository` in _config.yml; `make sync` writes it here).
try:
    import li2lib
except ImportError:
    %pip install --quiet "li2lib[widgets] @ git+{url}@{branch}"
    import li2lib"""
FIRST_CELL = re.compile(r"```\{code-cell\} ipython3\n:tags: \[remove-cell\]\n\n(?P<body>.*?)\n```\n", re.S)


def repository() -> tuple[str, str]:
    """``(url, branch)`` of the public repository, from ``_config.yml``."""
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    return repo["url"].rstrip("/"), repo.get("branch", "main")


def cell_source() -> str:
    url, branch = repository()
    return TEMPLATE.format(url=url, branch=branch)


def chapters() -> list[Path]:
    """The chapters that are notebooks (MyST text with a Jupytext header)."""
    return sorted(p for p in CHAPTERS.glob("*.md") if p.read_text().startswith("---\njupytext:"))


def install_cell(text: str) -> str | None:
    """The body of a chapter's first hidden code cell if it is its install cell, else None."""
    match = FIRST_CELL.search(text)
    if match is None or "import li2lib" not in match["body"] or "%pip install" not in match["body"]:
        return None
    return match["body"]


def rewrite(path: Path) -> bool:
    """Write the current install cell into ``path``; True if the file changed."""
    text = path.read_text()
    if install_cell(text) is None:
        raise ValueError(f"{path.name} has no hidden install cell (a remove-cell that pip-installs li2lib)")
    new = FIRST_CELL.sub(lambda m: m[0].replace(m["body"], cell_source()), text, count=1)
    if new != text:
        path.write_text(new)
    return new != text


def main() -> int:
    changed = [p.name for p in chapters() if rewrite(p)]
    print(f"install cell of {len(changed)} chapter(s) rewritten" + (f": {', '.join(changed)}" if changed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
