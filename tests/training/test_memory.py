"""How many runs fit in one batch, and what a call builds once: the network and the device's rule."""

import pytest
import torch

import li2lib
from li2lib.model import pairs
from li2lib.training import TrainConfig, config, engine, memory


def test_run_bytes_grows_with_width_and_with_the_dense_backward_pass():
    c = TrainConfig(hidden=64)
    wide = TrainConfig(hidden=256)
    small = memory.run_bytes(c, c.network(23), dense=False)
    assert memory.run_bytes(wide, wide.network(23), dense=False) > 3 * small
    # the GPU path keeps the one-hot X (n x 2M) and every hidden unit at once
    assert memory.run_bytes(c, c.network(23), dense=True) > small


def test_cpu_batch_is_capped_by_its_training_pairs(monkeypatch):
    monkeypatch.setattr(memory, "free_bytes", lambda device: 1 << 40)  # memory is no limit
    configs = [TrainConfig(train_fraction=0.5, seed=s) for s in range(40)]
    net = configs[0].network(31)
    n = 480  # floor(0.5 * 31^2)
    assert memory.runs_per_batch(configs, net, torch.device("cpu"), False) == memory.CPU_BATCH_ROWS // n
    # and by the memory a run needs when that is the tighter bound
    monkeypatch.setattr(memory, "free_bytes", lambda device: int(3.5 * memory.run_bytes(configs[0], net, False)
                                                                  / memory.MEMORY_SHARE))
    assert memory.runs_per_batch(configs, net, torch.device("cpu"), False) == 3


@pytest.mark.parametrize("runs, per_batch", [(1, None), (4, None), (4, 2)])
def test_a_call_builds_its_network_and_decides_the_backward_pass_once(monkeypatch, runs, per_batch):
    built, decided = [], []
    make, dense = config.make_network, engine._dense_backward
    monkeypatch.setattr(config, "make_network", lambda *a, **k: built.append(a) or make(*a, **k))
    monkeypatch.setattr(engine, "_dense_backward", lambda device: decided.append(device) or dense(device))
    results = li2lib.train_many(11, [dict(seed=s) for s in range(runs)], hidden=16, epochs=3, progress=False,
                                device="cpu", runs_per_batch=per_batch)
    assert len(results) == runs and len(built) == 1 and len(decided) == 1
    assert decided == [torch.device("cpu")] and pairs.dense_backward(decided[0]) is False
