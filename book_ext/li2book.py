"""The book's Sphinx extension: offline assets, one copy of each page script, executed outputs.

- **Offline.** ``make vendor`` (part of ``make book``) downloads MathJax 3 from the npm registry
  into ``book_static/vendor``; when it is there, pages load it from the book instead of a CDN,
  so formulas render without internet access. The ipywidgets embedder is not loaded at all:
  the book shows every explorer as a precomputed frame player (``li2lib.book.widgets``), and live
  widget views are left to Jupyter and Colab.
- **Clean pages.** Inline scripts that two extensions add twice (``THEBE_JS_URL``, declared
  twice, is a console error) are written once; the theme gets an explicit default colour mode
  (without one it logs an error on a reader's first visit); ``li2book.css`` lets wide outputs
  scroll with a visible scroll bar.
- **Executed once.** With ``LI2_EXECUTED=DIR`` in the environment the build takes every
  chapter's outputs from the jupyter-cache folder DIR that ``book_ext/run_chapters.py cache``
  filled, and warns (an error under ``-W``) if it had to execute a chapter itself.
"""

import json
import os
from pathlib import Path

from sphinx.util import logging

HERE = Path(__file__).resolve().parent
VENDOR = HERE.parent / "book_static" / "vendor"
MATHJAX = "mathjax/es5/tex-svg.js"
logger = logging.getLogger(__name__)


def _configure(app, config):
    if (VENDOR / MATHJAX).is_file():
        config.html_static_path = [*config.html_static_path, str(VENDOR)]
        config.mathjax_path = MATHJAX
    config.html_static_path = [*config.html_static_path, str(HERE / "static")]
    config.nb_ipywidgets_js = {}
    config.html_context = {"default_mode": "auto", **(config.html_context or {})}
    executed = os.environ.get("LI2_EXECUTED")
    if executed:
        config.nb_execution_mode = "cache"
        config.nb_execution_cache_path = str(Path(executed).resolve())


def _one_copy_of_each_script(app, pagename, templatename, context, doctree):
    seen, scripts = set(), []
    for script in context.get("script_files", []):
        # an inline script has filename None or "" depending on who added it
        key = (str(getattr(script, "filename", script) or ""), tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            scripts.append(script)
    # in place: the list is the builder's, and listeners after this one (MathJax's, which adds
    # its script only to pages with formulas) append to it
    context["script_files"][:] = scripts


def _singlehtml_knows_html_nodes(app):
    """The one-page HTML of ``make pdf`` renders every node the HTML pages render.

    Sphinx looks up an extension's node handlers by builder name and only without any by format:
    sphinx-exercise registers its nodes for "singlehtml", which hides every "html" handler from
    that builder (myst-nb's hidden code cells then stop the build). Give it the ones it lacks."""
    handlers = app.registry.translation_handlers
    if app.builder.name == "singlehtml" and "singlehtml" in handlers:
        for node, pair in handlers.get("html", {}).items():
            handlers["singlehtml"].setdefault(node, pair)


def _check_nothing_was_executed(app, exception):
    executed = os.environ.get("LI2_EXECUTED")
    if exception is not None or not executed:
        return
    from jupyter_cache import get_cache

    expected = json.loads((Path(executed) / "expected.json").read_text())["records"]
    found = len(get_cache(str(Path(executed).resolve())).list_cache_records())
    if found != expected:
        logger.warning(f"the book build executed {found - expected} chapter(s) itself instead of "
                       f"using the outputs in {executed}: run `make book` (or `make test`) again")


def setup(app):
    app.connect("config-inited", _configure)
    app.add_css_file("li2book.css")
    # the in-page lab: mounts itself on every element of class "li2-lab" (intro, chapter 1)
    app.add_css_file("li2lab.css")
    app.add_js_file("li2lab.js")
    # click or tap a figure to see it larger
    app.add_js_file("li2zoom.js")
    # early: html-page-context stops at the first listener that returns a template name
    app.connect("html-page-context", _one_copy_of_each_script, priority=100)
    app.connect("builder-inited", _singlehtml_knows_html_nodes)
    app.connect("build-finished", _check_nothing_was_executed)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
