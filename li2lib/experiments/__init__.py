"""Experiments: grids of runs (sweeps), the book's named and stored sweeps, the paper's figures
(see the module map of :mod:`li2lib`)."""

from .._lazy import submodules

SUBMODULES, __getattr__, __dir__ = submodules(globals())
