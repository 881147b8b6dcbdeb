"""Speed of li2lib's training step, measured side by side with plain PyTorch in one run.

    python -m li2lib.bench [--device cpu|cuda] [--rounds 5] [--steps 10]

For each setting it times, in interleaved rounds (so machine noise hits both alike):

- li2lib: one full-batch step as ``li2lib.train`` takes it (gather first layer, Adam);
- plain: the textbook implementation of the same model: dense one-hot inputs through
  ``nn.Linear`` layers, autograd, ``torch.optim.Adam``;
- matmul: one plain (n x K) @ (K x M) product, the step's dominant operation.

It prints the median ms per step, the speed-up, and the step's achieved GFLOP/s (counting its
three n x K x M matmuls, 6 n K M flops) against the plain matmul's, i.e. how close the step
runs to what this machine does on the same shapes. Ratios, not absolute times, are the result:
the machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F

from .groups import cyclic
from .training import LOSSES, TrainConfig, _prepare, _step

SETTINGS = [
    # (label, M, K, n_train): the paper's Fig. 3 model, and a small model as used in widgets.
    ("paper Fig. 3: Z_71, K=2048, n=2016", 71, 2048, 2016),
    ("small: Z_23, K=256, n=211", 23, 256, 211),
]


class PlainNet(torch.nn.Module):
    """The straightforward implementation: Y_hat = sigma(X W) V with dense one-hot X."""

    def __init__(self, M, K):
        super().__init__()
        self.W = torch.nn.Linear(2 * M, K, bias=False)
        self.V = torch.nn.Linear(K, M, bias=False)

    def forward(self, X):
        return self.V(self.W(X) ** 2)


def _plain_loss(out, onehot):
    target = onehot - 1.0 / out.shape[1]
    return ((out - out.mean(1, keepdim=True)) - target).pow(2).sum(1).mean()


def _setups(M, K, n, device):
    """The li2lib step and the plain step for one setting, from the same initial weights."""
    config = TrainConfig(hidden=K, train_size=n, train_fraction=None, device=device, seed=0)
    _, _, _, (a, b, y), _, net, opt = _prepare(cyclic(M), config)
    loss_fn = LOSSES["mse"]

    def li2lib_step():
        _step(opt, loss_fn(net(a, b), y))

    plain = PlainNet(M, K).to(device)
    with torch.no_grad():
        plain.W.weight.copy_(net.W.T)
        plain.V.weight.copy_(net.V.T)
    X = torch.cat([F.one_hot(a, M), F.one_hot(b, M)], 1).float()
    onehot = F.one_hot(y, M).float()
    plain_opt = torch.optim.Adam(plain.parameters(), lr=config.lr, weight_decay=config.weight_decay)

    def plain_step():
        plain_opt.zero_grad()
        _plain_loss(plain(X), onehot).backward()
        plain_opt.step()

    def losses():
        with torch.no_grad():
            return loss_fn(net(a, b), y).item(), _plain_loss(plain(X), onehot).item()

    A = torch.randn(n, K, device=device)
    B = torch.randn(K, M, device=device)

    def matmul():
        A @ B

    return li2lib_step, plain_step, matmul, losses


def _time(fn, steps, device):
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / steps


def measure(M, K, n, device, rounds=5, steps=10):
    """Median seconds per call of (li2lib step, plain step, matmul), interleaved over rounds,
    and the two implementations' losses after the timed steps (they train the same model)."""
    li2lib_step, plain_step, matmul, losses = _setups(M, K, n, device)
    for fn in (li2lib_step, plain_step, matmul):  # warm-up (first optimizer step, allocator)
        fn()
    times = {"li2lib": [], "plain": [], "matmul": []}
    for _ in range(rounds):
        times["li2lib"].append(_time(li2lib_step, steps, device))
        times["plain"].append(_time(plain_step, steps, device))
        times["matmul"].append(_time(matmul, steps * 3, device))
    return {k: float(np.median(v)) for k, v in times.items()}, losses()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="auto", help="auto (default), cpu or cuda")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved timing rounds (default 5)")
    parser.add_argument("--steps", type=int, default=10, help="steps per round (default 10)")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.steps < 1:
        parser.error(f"--rounds and --steps must be >= 1, got {args.rounds} and {args.steps}")
    from .training import resolve_device

    try:
        device = resolve_device(args.device)
    except ValueError as err:
        parser.error(str(err))
    print(f"li2lib.bench: torch {torch.__version__}, device {device}, {torch.get_num_threads()} CPU threads")
    print(f"{'setting':38s} {'li2lib ms':>10s} {'plain ms':>10s} {'speed-up':>9s} {'step GF/s':>10s} "
          f"{'matmul GF/s':>12s} {'of matmul':>10s}")
    for label, M, K, n in SETTINGS:
        t, (loss_a, loss_b) = measure(M, K, n, device, args.rounds, args.steps)
        mm_flops = 2.0 * n * K * M
        step_gflops = 3 * mm_flops / t["li2lib"] / 1e9
        matmul_gflops = mm_flops / t["matmul"] / 1e9
        print(
            f"{label:38s} {t['li2lib'] * 1e3:10.2f} {t['plain'] * 1e3:10.2f} {t['plain'] / t['li2lib']:8.2f}x "
            f"{step_gflops:10.1f} {matmul_gflops:12.1f} {step_gflops / matmul_gflops:9.0%}"
        )
        if not np.isclose(loss_a, loss_b, rtol=1e-3):
            print(f"  warning: the two implementations disagree after training: loss {loss_a:.6g} vs {loss_b:.6g}")


if __name__ == "__main__":
    main()
