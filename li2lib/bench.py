"""Speed of li2lib's training, measured side by side with plain PyTorch in one run.

    li2lib bench [--device auto|cpu|cuda] [--rounds 3] [--threads 1,2]   (or python -m li2lib.bench)

Every comparison times both contenders in interleaved rounds, so machine noise hits both
alike, and reports the median and the ratio; ratios, not absolute times, are the result.

1. **Step**: one full-batch training step of ``li2lib.train`` (gather first layer, blocked
   evaluation, Adam) against :class:`PlainLoop`'s (``nn.Linear`` on a dense one-hot X,
   autograd, ``torch.optim.Adam``) and a bare (n x K) @ (K x M) matmul: the achieved GFLOP/s.
2. **Epoch**: a whole epoch of ``li2lib.train`` with the test set evaluated every epoch
   (``eval_every=1``) against :class:`PlainLoop` doing the same, on 1 and 2 CPU threads, with
   the FLOPs of both counted (their ratio is the speed-up that less arithmetic alone buys).
3. **Many runs**: ``li2lib.train_many`` per run-epoch against sequential ``li2lib.train``
   (CPU: Z_23, K=256, 16 runs; GPU: Z_71 and Z_127, K=2048, 64 runs), and on a GPU an estimate
   of the paper's Fig. 5 grid from the measured cost.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F

from .data import pairs, split_indices
from .groups import cyclic
from .model import ACTIVATIONS
from .training import TrainConfig, resolve_device, train, train_many

__all__ = ["PlainLoop", "epoch_flops", "main"]


class PlainLoop:
    """The textbook implementation of the paper's experiment, as a reference for speed and
    for correctness: ``nn.Linear`` layers without bias on a dense one-hot X, autograd, a
    ``torch.optim`` optimizer, the centred MSE written out, the test set evaluated every epoch.

    ``optimizer`` is "adam", "adamw", "sgd" (momentum 0.9) or "muon_torch"
    (``torch.optim.Muon`` on the first layer, Adam on the readout). Weights start as li2lib's
    do for the same seed (same draws, ``nn.Linear``'s (out, in) layout).
    """

    def __init__(self, group, *, hidden, train_fraction=None, train_size=None, lr=1e-3, weight_decay=2e-4, seed=0,
                 optimizer="adam", activation="square", init_scale_v=1.0, dtype=torch.float32, device="cpu"):
        M = self.order = group.order
        tr, te = split_indices(M * M, train_fraction=train_fraction, train_size=train_size, seed=seed)

        def tensors(idx):
            a, b, y = (torch.as_tensor(v, device=device) for v in pairs(group, idx))
            return torch.cat([F.one_hot(a, M), F.one_hot(b, M)], 1).to(dtype), y

        (self.X, self.y), (self.X_test, self.y_test) = tensors(tr), tensors(te)
        gen = torch.Generator().manual_seed(seed)
        W = (torch.rand(2 * M, hidden, generator=gen) * 2 - 1) * (1 / np.sqrt(2 * M))
        V = (torch.rand(hidden, M, generator=gen) * 2 - 1) * (init_scale_v / np.sqrt(hidden))
        self.first = torch.nn.Linear(2 * M, hidden, bias=False).to(device, dtype)
        self.readout = torch.nn.Linear(hidden, M, bias=False).to(device, dtype)
        with torch.no_grad():
            self.first.weight.copy_(W.T)
            self.readout.weight.copy_(V.T)
        self.sigma = ACTIVATIONS[activation]
        both = [self.first.weight, self.readout.weight]
        if optimizer == "muon_torch":
            self.optimizers = [torch.optim.Muon([self.first.weight], lr=lr, weight_decay=weight_decay),
                               torch.optim.Adam([self.readout.weight], lr=lr, weight_decay=weight_decay)]
        elif optimizer == "sgd":
            self.optimizers = [torch.optim.SGD(both, lr=lr, momentum=0.9, weight_decay=weight_decay)]
        else:
            cls = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[optimizer]
            self.optimizers = [cls(both, lr=lr, weight_decay=weight_decay)]

    @property
    def W(self) -> torch.Tensor:
        return self.first.weight.detach().T

    @property
    def V(self) -> torch.Tensor:
        return self.readout.weight.detach().T

    def loss_and_accuracy(self, X, y):
        out = self.readout(self.sigma(self.first(X)))
        target = F.one_hot(y, self.order).to(out.dtype) - 1.0 / self.order
        loss = ((out - out.mean(1, keepdim=True)) - target).pow(2).sum(1).mean()
        return loss, (out.argmax(1) == y).to(out.dtype).mean()

    def step(self, loss=None):
        """One full-batch optimizer step (from ``loss`` if already computed)."""
        if loss is None:
            loss, _ = self.loss_and_accuracy(self.X, self.y)
        for opt in self.optimizers:
            opt.zero_grad()
        loss.backward()
        for opt in self.optimizers:
            opt.step()

    def epoch(self, step: bool = True) -> list[float]:
        """[train loss, test loss, train acc, test acc] of the current weights, then one step."""
        with torch.set_grad_enabled(step):
            loss, acc = self.loss_and_accuracy(self.X, self.y)
        with torch.no_grad():
            test_loss, test_acc = self.loss_and_accuracy(self.X_test, self.y_test)
        row = torch.stack([loss.detach(), test_loss, acc, test_acc]).tolist()
        if step:
            self.step(loss)
        return row


def epoch_flops(M: int, K: int, n: int, n_test: int) -> tuple[float, float]:
    """Multiply-add FLOPs of one epoch with evaluation: (li2lib, plain).

    li2lib gathers X W (no arithmetic), then F V forward, (dV, dF) backward, and F V on the
    test pairs; the plain loop also multiplies the dense one-hot X (2M wide) by W forward, by
    dH backward, and on the test pairs.
    """
    readout = 2.0 * K * M
    first = 2.0 * 2 * M * K
    ours = readout * (3 * n + n_test)
    plain = ours + first * (2 * n + n_test)
    return ours, plain


def _timed(fn, device):
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def _interleaved(contenders: dict, rounds: int, device) -> dict[str, float]:
    """Median seconds of each zero-argument function over ``rounds`` interleaved rounds."""
    for fn in contenders.values():  # warm-up: first optimizer step, allocator, caches
        fn()
    times = {k: [] for k in contenders}
    for _ in range(rounds):
        for k, fn in contenders.items():
            times[k].append(_timed(fn, device))
    return {k: float(np.median(v)) for k, v in times.items()}


def bench_step(M, K, n, device, rounds):
    config = dict(hidden=K, train_size=n, device=str(device), seed=0, epochs=10, eval_every=10**6, progress=False)
    plain = PlainLoop(cyclic(M), hidden=K, train_size=n, device=device)
    A, B = torch.randn(n, K, device=device), torch.randn(K, M, device=device)

    def plain_steps():
        for _ in range(10):
            plain.step()

    t = _interleaved({"li2lib": lambda: train(M, **config), "plain": plain_steps,
                      "matmul": lambda: [A @ B for _ in range(30)]}, rounds, device)
    # train(epochs=10) takes 10 steps plus 2 evaluations; the evaluations are ~5% of it here.
    per_step = {"li2lib": t["li2lib"] / 10, "plain": t["plain"] / 10, "matmul": t["matmul"] / 30}
    flops = 2.0 * n * K * M
    return per_step, 3 * flops / per_step["li2lib"] / 1e9, flops / per_step["matmul"] / 1e9


def bench_epoch(M, K, fraction, device, rounds, epochs):
    n = int(np.floor(fraction * M * M + 1e-9))
    plain = PlainLoop(cyclic(M), hidden=K, train_fraction=fraction, device=device)

    def plain_epochs():
        for _ in range(epochs):
            plain.epoch()

    settings = dict(hidden=K, train_fraction=fraction, epochs=epochs - 1, eval_every=1, progress=False, device=str(device))
    t = _interleaved({"li2lib": lambda: train(M, **settings), "plain": plain_epochs}, rounds, device)
    ours, theirs = epoch_flops(M, K, n, M * M - n)
    return {k: v / epochs for k, v in t.items()}, theirs / ours


def bench_many(M, K, R, epochs, device, rounds):
    settings = dict(hidden=K, train_fraction=0.4, epochs=epochs - 1, progress=False, device=str(device))
    runs = [dict(seed=s) for s in range(R)]

    def sequential():
        for run in runs:
            train(M, **settings, **run)

    t = _interleaved({"train_many": lambda: train_many(M, runs, **settings), "sequential": sequential}, rounds, device)
    return {k: v / (R * epochs) for k, v in t.items()}


FIG5_SIZES = {
    # The four families of Fig. 5 with sizes up to 127 (Chapter on the scaling law): group orders.
    "Z_M prime": [23, 31, 41, 53, 61, 71, 83, 97, 113, 127],
    "Z_M composite": [24, 32, 40, 50, 60, 72, 84, 96, 112, 126],
    "products": [28, 30, 36, 143, 40, 48, 102, 90],
    "non-abelian, d=2": [24, 32, 40, 48, 60, 72, 84, 96],
}


def fig5_estimate(cost_at: dict[int, float], fractions=10, seeds=20, epochs=3000) -> float:
    """Seconds for the Fig. 5 grid (every run to ``epochs``, no early stop: an upper bound),
    scaling the measured per-run-epoch cost at the orders in ``cost_at`` as M^3 (M^2 pairs x K x M)."""
    ref_m = max(cost_at)
    per_m3 = cost_at[ref_m] / ref_m**3
    return sum(per_m3 * m**3 * fractions * seeds * epochs for sizes in FIG5_SIZES.values() for m in sizes)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="auto", help="auto (default), cpu or cuda")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved timing rounds (default 3)")
    parser.add_argument("--threads", default="1,2", help="CPU thread counts for the epoch comparison (default 1,2)")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error(f"--rounds must be >= 1, got {args.rounds}")
    try:
        device = resolve_device(args.device)
        threads = [int(t) for t in args.threads.split(",")]
    except ValueError as err:
        parser.error(str(err))
    TrainConfig(device=args.device)
    print(f"li2lib.bench: torch {torch.__version__}, device {device}, {torch.get_num_threads()} CPU threads")

    print("\n1. One training step (ms), paper size Z_71, K=2048, n=2016")
    step, ours_gf, mm_gf = bench_step(71, 2048, 2016, device, args.rounds)
    print(f"   li2lib {step['li2lib'] * 1e3:.2f}   plain {step['plain'] * 1e3:.2f}   speed-up "
          f"{step['plain'] / step['li2lib']:.2f}x   step {ours_gf:.1f} GFLOP/s = {ours_gf / mm_gf:.0%} of a bare matmul")

    print("\n2. A whole epoch with test evaluation every epoch (ms), Z_71, K=2048, 40% train")
    thread_counts = threads if device.type == "cpu" else [torch.get_num_threads()]
    for t in thread_counts:
        torch.set_num_threads(t)
        epoch, flop_ratio = bench_epoch(71, 2048, 0.4, device, args.rounds, epochs=6)
        speed = epoch["plain"] / epoch["li2lib"]
        print(f"   {t} thread(s): li2lib {epoch['li2lib'] * 1e3:.1f}   plain {epoch['plain'] * 1e3:.1f}   speed-up "
              f"{speed:.2f}x   (FLOP ratio {flop_ratio:.2f}x: {speed / flop_ratio:.0%} of it)")
    torch.set_num_threads(max(thread_counts))

    print("\n3. Many runs: train_many against sequential train (ms per run-epoch)")
    settings = [(23, 256, 16, 60)] if device.type == "cpu" else [(71, 2048, 64, 100), (127, 2048, 64, 50)]
    cost = {}
    for M, K, R, epochs in settings:
        many = bench_many(M, K, R, epochs, device, args.rounds)
        cost[M] = many["train_many"]
        print(f"   Z_{M}, K={K}, {R} runs: train_many {many['train_many'] * 1e3:.3f}   sequential "
              f"{many['sequential'] * 1e3:.3f}   speed-up {many['sequential'] / many['train_many']:.1f}x")
    if device.type == "cuda":
        hours = fig5_estimate(cost) / 3600
        print(f"   Fig. 5 grid (4 families, 10 fractions, 20 seeds, 3000 epochs, no early stop): <= {hours:.2f} h")


if __name__ == "__main__":
    main()
