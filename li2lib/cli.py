"""The ``li2lib`` console command::

    li2lib sweep NAME [--folder DIR] [--executor serial|process|dask] [--workers N]
                      [--scheduler ADDRESS] [--device DEVICE] [--runs-per-task N]
    li2lib sweeps                      list the named sweeps
    li2lib figure NAME [--scale cpu|paper] [--folder PARENT] [--out FILE] [--no-train]
                       [the executor options of sweep]
    li2lib figures                     list the paper's figures and their sweeps
    li2lib bench [bench options]       the speed benchmark (li2lib.bench)

``li2lib sweep`` re-makes, or finishes after an interruption, one of the book's named sweeps
(:data:`li2lib.experiments.registry.SWEEPS`): ``--executor process`` spreads its tasks over local worker
processes, ``--executor dask`` over a dask.distributed cluster (``--scheduler`` its address;
without one a local cluster of ``--workers`` processes is started).

``li2lib figure`` re-makes one of the paper's figures (:data:`li2lib.experiments.figures.FIGURES`): it
trains the missing runs of the figure's sweeps at the chosen scale (resumable, on the same
executors), draws the figure to ``--out`` (default ``NAME-SCALE.png``) and prints what the
data shows. ``--no-train`` draws from the runs already saved.
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


def _threads(args) -> int | None:
    return None if args.executor == "serial" else max(1, (os.cpu_count() or 1) // args.workers)


def _sweep(args) -> None:
    from .experiments.registry import run_named_sweep, stored_folder

    folder = args.folder or stored_folder(args.name)
    with _executor(args.executor, args.workers, args.scheduler) as executor:
        sweep = run_named_sweep(args.name, folder, executor=executor, device=args.device,
                                runs_per_task=args.runs_per_task, threads=_threads(args))
    groups = ", ".join(dict.fromkeys(r.group for r in sweep))
    print(f"{args.name}: {len(sweep)} runs on {groups} in {folder}")


def _figure(args) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from .experiments.figures import FIGURES, draw_figure, figure_verdict, load_figure, missing_sweeps, run_figure

    spec = FIGURES[args.name]
    pending = missing_sweeps(args.name, args.scale)
    if pending:
        raise SystemExit(f"{spec.paper} is pending at {args.scale} scale: its sweeps {pending} are not defined in "
                         f"this version of li2lib ({spec.chapter} defines them)")
    print(f"{spec.paper} at {args.scale} scale: {spec.settings[args.scale]}")
    if args.no_train:
        sweeps = load_figure(args.name, args.scale, args.folder)
    else:
        with _executor(args.executor, args.workers, args.scheduler) as executor:
            sweeps = run_figure(args.name, args.scale, folder=args.folder, executor=executor, device=args.device,
                                runs_per_task=args.runs_per_task, threads=_threads(args))
    out = args.out or f"{args.name}-{args.scale}.png"
    draw_figure(args.name, sweeps, args.scale).savefig(out, dpi=150)
    print(f"paper: {spec.claim}")
    print(f"measured: {figure_verdict(args.name, sweeps, args.scale)}")
    print(f"figure saved to {out}")


def _list_figures() -> None:
    from .experiments.figures import FIGURES, SCALES, missing_sweeps

    for name, spec in FIGURES.items():
        status = []
        for scale in SCALES:
            pending = missing_sweeps(name, scale)
            status.append(f"{scale}: {'pending ' + str(pending) if pending else ' + '.join(spec.sweeps[scale])}")
        print(f"{name} ({spec.paper}): {', '.join(status)}")


def _executor_options(parser) -> None:
    parser.add_argument("--executor", choices=["serial", "process", "dask"], default="serial",
                        help="where tasks run (default serial, in this process)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes for process/dask (default 2)")
    parser.add_argument("--scheduler", help="address of a running dask scheduler (with --executor dask)")
    parser.add_argument("--device", help="cpu, cuda or cuda:N for every run (default: each run's own, 'auto')")
    parser.add_argument("--runs-per-task", type=int, default=32, help="runs trained together in one task (default 32)")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="li2lib", description="The Li2 account of grokking: sweeps and benchmarks.")
    commands = parser.add_subparsers(dest="command", required=True)
    sweep = commands.add_parser("sweep", help="re-make or finish one of the book's named sweeps")
    sweep.add_argument("name", help="which sweep (li2lib sweeps lists them)")
    sweep.add_argument("--folder", help="where each run is saved (default: the package's stored data)")
    _executor_options(sweep)
    commands.add_parser("sweeps", help="list the named sweeps")
    figure = commands.add_parser("figure", help="re-make one of the paper's figures")
    figure.add_argument("name", help="which figure, e.g. fig9 (li2lib figures lists them)")
    figure.add_argument("--scale", choices=["cpu", "paper"], default="cpu",
                        help="cpu: the book's stored scale; paper: the paper's (default cpu)")
    figure.add_argument("--folder", help="parent folder of the sweeps' runs (default: the package's stored data "
                                         "at cpu scale, ./li2lib-runs at paper scale)")
    figure.add_argument("--out", help="image file to write (default NAME-SCALE.png)")
    figure.add_argument("--no-train", action="store_true", help="draw from the saved runs only")
    _executor_options(figure)
    commands.add_parser("figures", help="list the paper's figures, their sweeps, and which are pending")
    commands.add_parser("bench", help="the speed benchmark; li2lib bench --help for its options", add_help=False)
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"]:
        from .bench import main as bench_main

        return bench_main(argv[1:])
    args = parser.parse_args(argv)
    if args.command == "sweeps":
        from .experiments.registry import SWEEPS, runs_count

        for name, spec in SWEEPS.items():
            print(f"{name}: {runs_count(name)} runs, base settings {spec['base']}")
        return None
    if args.command == "figures":
        return _list_figures()
    if args.command == "figure":
        from .experiments.figures import FIGURES

        if args.name not in FIGURES:
            parser.error(f"NAME must be one of {sorted(FIGURES)}, got {args.name!r}")
    else:
        from .experiments.registry import SWEEPS

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
    if args.command == "figure":
        _figure(args)
    else:
        _sweep(args)
    return None


if __name__ == "__main__":
    main()
