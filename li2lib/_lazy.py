"""``package.<name>`` for every module and subpackage of a package, imported on first use.

Each package of li2lib calls :func:`submodules` in its ``__init__``: ``li2lib.theory.energy``
then works after a bare ``import li2lib``, while ``import li2lib`` itself imports only what
training needs (no matplotlib, no ipywidgets).
"""

from __future__ import annotations

import importlib
import pkgutil


def submodules(namespace: dict):
    """(names, __getattr__, __dir__) for the package whose module globals are ``namespace``."""
    package = namespace["__name__"]
    names = tuple(sorted(m.name for m in pkgutil.iter_modules(namespace["__path__"]) if not m.name.startswith("_")))

    def __getattr__(name):
        if name in names:
            return importlib.import_module(f".{name}", package)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(set(namespace) | set(names))

    return names, __getattr__, __dir__
