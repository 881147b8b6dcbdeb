"""Runs watched as they train: the TensorBoard event files read back equal the histories."""

import numpy as np
import pytest
import torch

import li2lib
from li2lib.training import callbacks


def test_tensorboard_event_files_hold_each_runs_history(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    # eval_every=1 and sync_every=4: the rows reach the writer in several pieces; every run
    # stops at epoch 10 (stop_when), and the rows the batch logged after that until its
    # synchronisation at epoch 11 are not part of its history, nor of its event file
    def stop(state, values):
        return torch.full_like(values["train_loss"], state.epoch >= 10, dtype=torch.bool)

    with callbacks.TensorBoard(tmp_path, names=["a", "b"]) as log:
        results = li2lib.train_many(11, [dict(seed=0), dict(seed=1, lr=3e-3)], hidden=16, epochs=30, eval_every=1,
                                    sync_every=4, stop_when=stop, on_log=log, progress=False, device="cpu")
    for name, result in zip(["a", "b"], results):
        assert result.history["epoch"][-1] == 10
        events = EventAccumulator(str(tmp_path / name)).Reload()
        assert set(events.Tags()["scalars"]) == set(result.history) - {"epoch"}
        for metric, values in result.history.items():
            if metric == "epoch":
                continue
            scalars = events.Scalars(metric)
            np.testing.assert_array_equal([s.step for s in scalars], result.history["epoch"], err_msg=metric)
            # TensorBoard stores float32
            np.testing.assert_array_equal([s.value for s in scalars], values.astype(np.float32), err_msg=metric)


def test_tensorboard_without_the_package_names_the_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # as if tensorboard were not installed
    with pytest.raises(ImportError, match=r"li2lib\[tensorboard\]"):
        callbacks.TensorBoard("unused")


def test_on_log_must_be_a_function():
    with pytest.raises(ValueError, match="on_log must be a function or None"):
        li2lib.train(7, hidden=4, epochs=1, on_log="tb", progress=False)


@pytest.mark.parametrize("names", ["a", ["a", "a"], ["a", ""], [["a"]]])
def test_tensorboard_names_must_be_distinct_folder_names(names):
    pytest.importorskip("tensorboard")
    with pytest.raises(ValueError, match="names must be a list of distinct non-empty folder names"):
        callbacks.TensorBoard("unused", names=names)
