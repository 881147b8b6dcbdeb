"""``python -m li2lib ...`` is the ``li2lib`` console command (see :mod:`li2lib.cli`)."""

from .cli import main

main()
