"""Files written atomically: a temporary file beside the target, then a rename.

A reader never sees a half-written file, and a writer killed mid-write (even by SIGKILL)
leaves only its temporary file, named ``.<target>.<host>.<pid>.tmp``, which
:func:`remove_stale_temporaries` deletes once that process is gone.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import numpy as np

__all__ = ["atomic_savez", "remove_stale_temporaries"]


def _host() -> str:
    return socket.gethostname().replace(".", "-")


def atomic_savez(path: str | Path, **arrays) -> None:
    """``np.savez_compressed(path, **arrays)``, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{_host()}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            np.savez_compressed(f, **arrays)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(folder: str | Path) -> list[Path]:
    """Delete the temporary files in ``folder`` left by writers on this host that no longer run."""
    removed = []
    for tmp in Path(folder).glob(".*.tmp"):
        *_, host, pid = tmp.name[: -len(".tmp")].rsplit(".", 2)
        if host == _host() and pid.isdigit() and not _alive(int(pid)):
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed
