"""Files written atomically, and the temporaries of dead writers removed."""

import os
import subprocess
import sys

import numpy as np
import pytest

from li2lib import io


def test_atomic_savez_writes_the_arrays_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "deep" / "run.npz"
    io.atomic_savez(path, a=np.arange(5), b=np.eye(2))
    with np.load(path) as data:
        np.testing.assert_array_equal(data["a"], np.arange(5))
        np.testing.assert_array_equal(data["b"], np.eye(2))
    assert sorted(p.name for p in path.parent.iterdir()) == ["run.npz"]


def test_a_failed_write_keeps_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "run.npz"
    io.atomic_savez(path, a=np.arange(3))
    class Broken:
        def __array__(self, *args, **kwargs):
            raise RuntimeError("the writer fails half-way")

    with pytest.raises(RuntimeError, match="half-way"):
        io.atomic_savez(path, a=np.arange(4), b=Broken())  # a is written, then b fails
    with np.load(path) as data:
        np.testing.assert_array_equal(data["a"], np.arange(3))
    assert [p.name for p in tmp_path.iterdir()] == ["run.npz"]


def test_only_the_temporaries_of_writers_that_are_gone_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    host = io._host()
    stale = tmp_path / f".a.npz.{host}.{dead}.tmp"
    running = tmp_path / f".b.npz.{host}.{os.getpid()}.tmp"
    elsewhere = tmp_path / f".c.npz.otherhost.{dead}.tmp"
    for p in (stale, running, elsewhere):
        p.write_bytes(b"partial")
    assert io.remove_stale_temporaries(tmp_path) == [stale]
    assert not stale.exists() and running.exists() and elsewhere.exists()
