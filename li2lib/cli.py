"""The ``li2lib`` console command::

    li2lib sweep NAME [--folder DIR] [--executor serial|process|dask] [--workers N]
                      [--scheduler ADDRESS] [--device DEVICE] [--runs-per-task N]
    li2lib sweeps                      list the named sweeps
    li2lib bench [bench options]       the speed benchmark (li2lib.bench)

``li2lib sweep`` re-makes, or finishes after an interruption, one of the book's named sweeps
(:data:`li2lib.sweeps.SWEEPS`): ``--executor process`` spreads its tasks over local worker
processes, ``--executor dask`` over a dask.distributed cluster (``--scheduler`` its address;
without one a local cluster of ``--workers`` processes is started).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

__all__ = ["main"]


@contextmanager
def _executor(kind: str, workers: int, scheduler: str | None):
    if kind == "serial":
        yield None
    elif kind == "process":
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            yield pool
    else:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise SystemExit("--executor dask needs dask.distributed: pip install 'li2lib[cluster]'") from None
        if scheduler:
            with Client(scheduler) as client:
                yield client
        else:
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True) as cluster, Client(cluster) as client:
                yield client


def _sweep(args) -> None:
    from .groups import as_group
    from .sweeps import SWEEPS, run_sweep, stored_folder

    spec = SWEEPS[args.name]
    folder = args.folder or stored_folder(args.name)
    base = dict(spec["base"])
    if args.device:
        base["device"] = args.device
    threads = None if args.executor == "serial" else max(1, (os.cpu_count() or 1) // args.workers)
    groups = spec.get("groups") or [spec["group"]]
    with _executor(args.executor, args.workers, args.scheduler) as executor:
        for group in groups:
            group = as_group(group)
            sweep = run_sweep(group, spec["runs"], folder, base=base, executor=executor,
                              runs_per_task=args.runs_per_task, threads_per_task=threads)
            print(f"{args.name}: {len(sweep)} runs on {group.name} in {folder}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="li2lib", description="The Li2 account of grokking: sweeps and benchmarks.")
    commands = parser.add_subparsers(dest="command", required=True)
    sweep = commands.add_parser("sweep", help="re-make or finish one of the book's named sweeps")
    sweep.add_argument("name", help="which sweep (li2lib sweeps lists them)")
    sweep.add_argument("--folder", help="where each run is saved (default: the package's stored data)")
    sweep.add_argument("--executor", choices=["serial", "process", "dask"], default="serial",
                       help="where tasks run (default serial, in this process)")
    sweep.add_argument("--workers", type=int, default=2, help="worker processes for process/dask (default 2)")
    sweep.add_argument("--scheduler", help="address of a running dask scheduler (with --executor dask)")
    sweep.add_argument("--device", help="cpu, cuda or cuda:N for every run (default: each run's own, 'auto')")
    sweep.add_argument("--runs-per-task", type=int, default=32, help="runs trained together in one task (default 32)")
    commands.add_parser("sweeps", help="list the named sweeps")
    commands.add_parser("bench", help="the speed benchmark; li2lib bench --help for its options", add_help=False)
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"]:
        from .bench import main as bench_main

        return bench_main(argv[1:])
    args = parser.parse_args(argv)
    if args.command == "sweeps":
        from .sweeps import SWEEPS

        for name, spec in SWEEPS.items():
            print(f"{name}: {len(spec['runs'])} runs, base settings {spec['base']}")
        return None
    from .sweeps import SWEEPS

    if args.name not in SWEEPS:
        parser.error(f"NAME must be one of {sorted(SWEEPS)}, got {args.name!r}")
    if args.workers < 1 or args.runs_per_task < 1:
        parser.error(f"--workers and --runs-per-task must be >= 1, got {args.workers} and {args.runs_per_task}")
    if args.scheduler and args.executor != "dask":
        parser.error("--scheduler needs --executor dask")
    if args.device:
        from .training.config import check_device_name

        try:
            check_device_name(args.device)
        except ValueError as err:
            parser.error(str(err))
    _sweep(args)
    return None


if __name__ == "__main__":
    main()
