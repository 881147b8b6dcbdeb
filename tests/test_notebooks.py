"""Every chapter's MyST text and its paired .ipynb hold the same notebook, and every chapter
installs li2lib from the one repository the book names.

The .md is what authors edit and the book builds from; the .ipynb is what Colab opens and the
test run executes. After editing a chapter, or the repository in _config.yml, run `make sync`.
"""

import re
import sys
from pathlib import Path

import jupytext
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "book_ext"))
import install_cell  # noqa: E402

NOTEBOOKS = install_cell.chapters()


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


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.name)
def test_install_cell_follows_the_repository_setting(source):
    """The hidden first cell installs li2lib from _config.yml's repository.url and branch, in
    the .md and (through the sync test above) in the .ipynb that Colab opens."""
    url, branch = install_cell.repository()
    body = install_cell.install_cell(source.read_text())
    assert body is not None, f"{source.name} has no hidden install cell"
    assert f"git+{url}@{branch}" in body
    assert body == install_cell.cell_source(), f"{source.name}: run `make sync`"
    first_code = next(c for c in jupytext.read(source.with_suffix(".ipynb")).cells if c.cell_type == "code")
    assert first_code.source == install_cell.cell_source()


def test_launch_buttons_follow_the_repository_setting():
    """Colab and Binder buttons are built by the theme from repository.url; both are switched
    on, and nothing else in the book's configuration names another repository."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    url = config["repository"]["url"]
    assert url.startswith("https://github.com/")
    assert config["launch_buttons"]["colab_url"] and config["launch_buttons"]["binderhub_url"]
    text = (ROOT / "_config.yml").read_text()
    assert text.count("github.com/") == 1, "_config.yml names a repository twice"


def test_no_chapter_names_another_repository():
    url, _ = install_cell.repository()
    for source in NOTEBOOKS:
        for line in source.read_text().splitlines():
            if "git+" in line:
                assert f"git+{url}@" in line, f"{source.name}: {line.strip()}"


def test_browser_pass_knows_a_launch_button_from_a_stray_one():
    sys.path.insert(0, str(ROOT / "book_ext"))
    import check_pages

    url, branch = install_cell.repository()
    slug = url.removeprefix("https://github.com/")
    good = [f"https://colab.research.google.com/github/{slug}/blob/{branch}/{NOTEBOOKS[0].with_suffix('.ipynb').relative_to(ROOT)}",
            f"https://mybinder.org/v2/gh/{slug}/{branch}?urlpath=lab/tree/{NOTEBOOKS[0].with_suffix('.ipynb').relative_to(ROOT)}"]
    assert [check_pages.launch_problem(u) for u in good] == [None, None]
    assert check_pages.launch_problem(good[0].replace(slug, "someone/else"))
    assert check_pages.launch_problem(good[0].replace(".ipynb", ".md"))


def test_reader_environment_pins_follow_requirements():
    """`make jupyter` installs requirements-jupyter.txt: every package it shares with
    requirements.txt (the tested toolchain) has the same version specifier there."""
    def specs(name):
        out = {}
        for line in (ROOT / name).read_text().splitlines():
            line = line.split("#")[0].strip()
            if line and not line.startswith("-"):
                package = re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0].lower()
                out[package] = line[len(package):].strip()
        return out

    full, reader = specs("requirements.txt"), specs("requirements-jupyter.txt")
    shared = set(full) & set(reader)
    assert {"torch", "matplotlib", "ipywidgets", "jupytext"} <= shared
    assert {p: reader[p] for p in shared} == {p: full[p] for p in shared}


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.name)
def test_setup_cell_applies_the_book_style(source):
    """One figure style for the book: the first cell after the install cell calls
    li2lib.book.plots.use_book_style()."""
    code = [c for c in jupytext.read(source).cells if c.cell_type == "code"]
    assert len(code) >= 2 and "use_book_style()" in code[1].source, f"{source.name}: no use_book_style() in its setup cell"
