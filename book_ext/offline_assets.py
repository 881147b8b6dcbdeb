"""Serve MathJax and the ipywidgets renderer from the book itself when they were vendored.

``make vendor`` (part of ``make book``) downloads MathJax 3, RequireJS and the
``@jupyter-widgets/html-manager`` embedder from the npm registry into ``book_static/vendor``.
When that folder exists, the built pages load them from there, so formulas and widgets render
without internet access (offline readers, headless checks). Otherwise the CDN defaults stay.
"""

from pathlib import Path

VENDOR = Path(__file__).resolve().parent.parent / "book_static" / "vendor"
FILES = {
    "mathjax": "mathjax/es5/tex-svg.js",
    "require": "require.js",
    "widgets": "html-manager/embed-amd.js",
}


def _use_vendored(app, config):
    if not all((VENDOR / f).is_file() for f in FILES.values()):
        return
    config.html_static_path = [*config.html_static_path, str(VENDOR)]
    config.mathjax_path = FILES["mathjax"]
    config.nb_ipywidgets_js = {
        FILES["require"]: {},
        # no crossorigin attribute: it would block the script on file:// pages
        FILES["widgets"]: {"data-jupyter-widgets-cdn": "https://cdn.jsdelivr.net/npm/"},
    }


def setup(app):
    app.connect("config-inited", _use_vendored)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
