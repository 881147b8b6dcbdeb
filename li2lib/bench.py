"""Speed of li2lib's training, measured side by side with plain PyTorch in one run.

    li2lib bench [--device auto|cpu|cuda] [--rounds 3] [--threads 1,2]   (or python -m li2lib.bench)

Every comparison times both contenders in interleaved rounds, so machine noise hits both
alike, and reports the median and the ratio; ratios, not absolute times, are the result.

The plain contender is :class:`~li2lib.training.reference.PlainLoop`, the reference loop the
engine is tested against.

1. **Step**: one full-batch training step of ``li2lib.train`` (gather first layer, blocked
   evaluation, Adam) against PlainLoop's (``nn.Linear`` on a dense one-hot X, autograd,
   ``torch.optim.Adam``) and a bare (n x K) @ (K x M) matmul: the achieved GFLOP/s.
2. **Epoch**: a whole epoch of ``li2lib.train`` with the test set evaluated every epoch
   (``eval_every=1``) against PlainLoop doing the same, on 1 and 2 CPU threads, with the FLOPs
   of both counted (their ratio is the speed-up that less arithmetic alone buys).
3. **Many runs**: ``li2lib.train_many`` per run-epoch against sequential ``li2lib.train``
   (CPU: Z_23, K=256, 16 runs; GPU: Z_71 and Z_127, K=2048, 64 runs), and on a GPU an estimate
   of the paper's Fig. 5 grid from the measured cost.
4. **Scaling sweeps**: the cost of one run-epoch of ``li2lib.train_many`` in the setting of the
   CPU-scale phase diagrams (K=512, x^2, MSE, Adam lr 5e-4, weight decay 2e-4, test set every
   50 epochs) at Z_71 and Z_127 near their crossings (p = 0.162 and 0.105), 3 runs: the FLOPs
   counted from the shapes (:func:`sweep_epoch_flops`), the achieved GFLOP/s, and that as a
   fraction of a bare (n x K) @ (K x M) matmul timed in the same rounds; on a CPU *before* and
   *after*: the engine's CPU readout before the chunked one (all samples at once in blocks of
   hidden units, ``li2lib.model.pairs.cpu_readout("blocked")``) and as it is.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from .groups import cyclic
from .model.pairs import cpu_readout
from .training import TrainConfig, resolve_device, train, train_many
from .training.reference import PlainLoop

__all__ = ["epoch_flops", "sweep_epoch_flops", "main"]


def epoch_flops(order: int, hidden: int, n: int, n_test: int) -> tuple[float, float]:
    """Multiply-add FLOPs of one epoch with evaluation: (li2lib, plain).

    li2lib gathers X W (no arithmetic), then F V forward, (dV, dF) backward, and F V on the
    test pairs; the plain loop also multiplies the dense one-hot X (2M wide) by W forward, by
    dH backward, and on the test pairs.
    """
    readout = 2.0 * hidden * order
    first = 2.0 * 2 * order * hidden
    ours = readout * (3 * n + n_test)
    plain = ours + first * (2 * n + n_test)
    return ours, plain


def sweep_epoch_flops(order: int, hidden: int, n: int, eval_every: int) -> float:
    """Multiply-add FLOPs of one run-epoch of li2lib's training with the test set evaluated every
    ``eval_every`` epochs: F V forward, F^T dY and dY V^T backward on the n training pairs
    (3 x 2nKM; the first layer is a gather), and F V on the M^2 - n test pairs every
    ``eval_every`` epochs."""
    return 2.0 * hidden * order * (3 * n + (order * order - n) / eval_every)


def _timed(fn, device, clock=time.perf_counter):
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = clock()
    fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return clock() - start


def _interleaved(contenders: dict, rounds: int, device, clock=time.perf_counter) -> dict[str, float]:
    """Median seconds of each zero-argument function over ``rounds`` interleaved rounds, on
    ``clock`` (wall time by default)."""
    for fn in contenders.values():  # warm-up: first optimizer step, allocator, caches
        fn()
    times = {k: [] for k in contenders}
    for _ in range(rounds):
        for k, fn in contenders.items():
            times[k].append(_timed(fn, device, clock))
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


def bench_sweep(M, fraction, device, rounds, runs=3, epochs=100):
    """({engine: seconds per run-epoch of train_many in the scaling sweeps' setting}, its FLOPs,
    the GFLOP/s of a bare matmul of the same shapes), all timed in interleaved rounds. The
    engines: ``"after"``, as it is, and on a CPU ``"before"``, with the readout path before the
    chunked one (:func:`~li2lib.model.pairs.cpu_readout`). On a CPU in the process's CPU time
    on one thread, so that other load on a shared machine does not count."""
    from .experiments.registry import SCALING_BASE

    base = SCALING_BASE["cpu"]
    K, n = base["hidden"], int(np.floor(fraction * M * M + 1e-9))
    settings = {**base, "epochs": epochs - 1, "progress": False, "device": str(device)}
    batch = [dict(train_fraction=fraction, seed=s) for s in range(runs)]
    A, B = torch.randn(n, K, device=device), torch.randn(K, M, device=device)
    reps = 3 * runs * epochs // 10
    contenders = {"after": lambda: train_many(M, batch, **settings), "matmul": lambda: [A @ B for _ in range(reps)]}
    if device.type == "cpu":
        def before():
            with cpu_readout("blocked"):
                train_many(M, batch, **settings)

        contenders["before"] = before
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        t = _interleaved(contenders, rounds, device, clock=time.process_time)
        torch.set_num_threads(threads)
    else:
        t = _interleaved(contenders, rounds, device)
    seconds = {k: v / (runs * epochs) for k, v in t.items() if k != "matmul"}
    return seconds, sweep_epoch_flops(M, K, n, base["eval_every"]), 2.0 * n * K * M * reps / t["matmul"] / 1e9


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

    print("\n4. The scaling sweeps' setting (K=512, test set every 50 epochs), train_many, 3 runs"
          + (", 1 thread, CPU time" if device.type == "cpu" else ""))
    for M, fraction in ((71, 0.162), (127, 0.105)):
        seconds, flops, mm_gf = bench_sweep(M, fraction, device, args.rounds)
        print(f"   Z_{M}, p={fraction}: {flops / 1e9:.3f} GFLOP per run-epoch; a bare matmul {mm_gf:.1f} GFLOP/s")
        for engine in ("before", "after"):
            if engine in seconds:
                gf = flops / seconds[engine] / 1e9
                print(f"     {engine:6s} {seconds[engine] * 1e3:6.2f} ms: {gf:5.1f} GFLOP/s = {gf / mm_gf:.0%} of the matmul")
        if "before" in seconds:
            print(f"     speed-up {seconds['before'] / seconds['after']:.2f}x")


if __name__ == "__main__":
    main()
