"""The paper's results, one module per result in the order of the book's chapters: each computes
the theorem's quantities exactly, for given features or weights (see the module map of :mod:`li2lib`)."""

from .._lazy import submodules

SUBMODULES, __getattr__, __dir__ = submodules(globals())
