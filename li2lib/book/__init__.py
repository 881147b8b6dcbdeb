"""Presentation for the book: figures, live controls and their static frames, numbers for the prose
(see the module map of :mod:`li2lib`)."""

from .._lazy import submodules

SUBMODULES, __getattr__, __dir__ = submodules(globals())
