"""Measurements on training runs: what the hidden nodes learned, how training follows the theory,
where the critical fraction lies (see the module map of :mod:`li2lib`)."""

from .._lazy import submodules

SUBMODULES, __getattr__, __dir__ = submodules(globals())
