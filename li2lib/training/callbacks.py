"""Watching runs as they train: their histories written to TensorBoard.

Pass a :class:`TensorBoard` as ``on_log`` to :func:`li2lib.train` or :func:`li2lib.train_many`
and point TensorBoard at its folder (``tensorboard --logdir FOLDER``): every logged metric
(train and test loss and accuracy, ||G_F||, the weight norms, your own metrics) appears per
run as training goes, at each synchronisation with the host::

    with TensorBoard("li2lib-runs/tb") as log:
        li2lib.train_many(71, [dict(seed=s) for s in range(4)], epochs=3000, on_log=log)

Needs the ``tensorboard`` package: ``pip install 'li2lib[tensorboard]'``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["TensorBoard"]


class TensorBoard:
    """Writes each run's history into ``log_dir/<name>``, one TensorBoard scalar per metric
    with the epoch as its step; ``names[position]`` names run ``position`` (default
    ``run<position>``). Use it as ``on_log``; :meth:`close` (or a ``with`` block) flushes and
    closes the event files."""

    def __init__(self, log_dir: str | Path, names: list[str] | None = None):
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            raise ImportError("TensorBoard needs the tensorboard package: pip install 'li2lib[tensorboard]'") from None
        if names is not None and (not isinstance(names, (list, tuple))
                                  or not all(isinstance(n, str) and n for n in names) or len(set(names)) != len(names)):
            raise ValueError(f"names must be a list of distinct non-empty folder names, got {names!r}")
        self.log_dir, self.names = Path(log_dir), names
        self._writer_class, self._writers = SummaryWriter, {}

    def _writer(self, position: int):
        if position not in self._writers:
            if self.names is not None and position >= len(self.names):
                raise ValueError(f"names must name every run, got {len(self.names)} names for run {position}")
            name = self.names[position] if self.names is not None else f"run{position}"
            self._writers[position] = self._writer_class(log_dir=str(self.log_dir / name))
        return self._writers[position]

    def __call__(self, position: int, rows: dict) -> None:
        """Write ``rows`` (metric -> values at the epochs ``rows["epoch"]``) of run ``position``."""
        writer = self._writer(position)
        epochs = [int(e) for e in rows["epoch"]]
        for name, values in rows.items():
            if name != "epoch":
                for epoch, value in zip(epochs, values):
                    writer.add_scalar(name, float(value), epoch)
        writer.flush()

    def close(self) -> None:
        """Flush and close every run's event file."""
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()

    def __enter__(self) -> "TensorBoard":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
