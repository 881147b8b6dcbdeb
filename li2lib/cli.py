"""The ``li2lib`` console command::

    li2lib sweep NAME [--folder DIR] [--executor serial|process|dask] [--workers N]
                      [--scheduler ADDRESS] [--device DEVICE] [--runs-per-task N]
    li2lib sweep --spec FILE [--folder DIR] [the executor options]
    li2lib sweeps                      list the named sweeps
    li2lib figure NAME [--scale cpu|paper] [--folder PARENT] [--out FILE] [--no-train]
                       [the executor options of sweep]
    li2lib figures                     list the paper's figures and their sweeps
    li2lib bench [bench options]       the speed benchmark (li2lib.bench)

``li2lib sweep NAME`` re-makes, or finishes after an interruption, one of the book's named
sweeps (:data:`li2lib.experiments.registry.SWEEPS`) in ``./li2lib-runs/NAME`` (``--folder``
to choose); ``li2lib sweep --spec FILE`` runs a sweep of your own defined in a TOML, YAML or
JSON file (:mod:`li2lib.experiments.specs`), in ``./li2lib-runs/<its name>``.
``--executor process`` spreads the tasks over local worker processes, ``--executor dask``
over a dask.distributed cluster (``--scheduler`` its address; without one a local cluster of
``--workers`` processes is started).

``li2lib figure`` re-makes one of the paper's figures (:data:`li2lib.experiments.figures.FIGURES`):
at cpu scale from the runs the package stores, at paper scale from ``./li2lib-runs``; it
trains the missing runs (resumable, on the same executors, into ``./li2lib-runs``, never
into the package), draws the figure to ``--out`` (default ``NAME-SCALE.png``) and prints
what the data shows. ``--no-train`` draws from the runs already saved.

Bad input and failures are reported on one line (``li2lib: error: ...``), without a traceback.
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
    from .experiments.registry import RUNS_FOLDER, run_named_sweep

    if args.spec:
        from .experiments.specs import load_spec

        spec = load_spec(args.spec)
        if args.device:
            spec.base = {**spec.base, "device": args.device}
        name = spec.name
    else:
        name = args.name
    folder = args.folder or RUNS_FOLDER / name
    with _executor(args.executor, args.workers, args.scheduler) as executor:
        if args.spec:
            sweep = spec.run(folder, executor=executor, runs_per_task=args.runs_per_task,
                             threads_per_task=_threads(args))
        else:
            sweep = run_named_sweep(name, folder, executor=executor, device=args.device,
                                    runs_per_task=args.runs_per_task, threads=_threads(args))
    groups = ", ".join(dict.fromkeys(r.group.name for r in sweep))
    print(f"{name}: {len(sweep)} runs on {groups} in {folder}")


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
        _check_saved(args.name, args.scale, args.folder)
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


def _check_saved(name: str, scale: str, folder) -> None:
    """Before drawing with --no-train: an error if a sweep has no saved run, a note if some are missing."""
    from .experiments.figures import FIGURES, sweep_folder
    from .experiments.registry import make_command, missing_runs, runs_count

    for sweep in FIGURES[name].sweeps[scale]:
        where = sweep_folder(sweep, scale, folder)
        missing = missing_runs(sweep, where)
        if missing == runs_count(sweep):
            raise ValueError(f"--no-train: no run of the sweep {sweep} is saved in {where}; train them with: "
                             f"{make_command(sweep, where)} (or drop --no-train)")
        if missing:
            print(f"note: {missing} of {runs_count(sweep)} runs of {sweep} are not saved in {where}; drawing from "
                  f"the others")


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
    sweep = commands.add_parser("sweep", help="re-make or finish one of the book's named sweeps, or run your own")
    sweep.add_argument("name", nargs="?", help="which named sweep (li2lib sweeps lists them)")
    sweep.add_argument("--spec", help="a TOML, YAML or JSON file defining a sweep of your own, instead of NAME")
    sweep.add_argument("--folder", help="where each run is saved (default: ./li2lib-runs/NAME)")
    _executor_options(sweep)
    commands.add_parser("sweeps", help="list the named sweeps")
    figure = commands.add_parser("figure", help="re-make one of the paper's figures")
    figure.add_argument("name", help="which figure, e.g. fig9 (li2lib figures lists them)")
    figure.add_argument("--scale", choices=["cpu", "paper"], default="cpu",
                        help="cpu: the book's stored scale; paper: the paper's (default cpu)")
    figure.add_argument("--folder", help="parent folder of the sweeps' runs (default: ./li2lib-runs; at cpu scale "
                                         "the package's stored data until ./li2lib-runs/SWEEP exists)")
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

        if (args.name is None) == (args.spec is None):
            parser.error("give NAME or --spec FILE (one of them)")
        if args.name is not None and args.name not in SWEEPS:
            parser.error(f"NAME must be one of {sorted(SWEEPS)}, got {args.name!r}")
    if args.workers < 1 or args.runs_per_task < 1:
        parser.error(f"--workers and --runs-per-task must be >= 1, got {args.workers} and {args.runs_per_task}")
    if args.scheduler and args.executor != "dask":
        parser.error("--scheduler needs --executor dask")
    if args.device:
        from .training.config import resolve_device

        try:
            resolve_device(args.device)
        except ValueError as err:
            raise SystemExit(f"li2lib: error: --device: {err}") from None
    try:
        _figure(args) if args.command == "figure" else _sweep(args)
    except (ValueError, FileNotFoundError, RuntimeError) as err:
        raise SystemExit(f"li2lib: error: {err}") from None
    return None


if __name__ == "__main__":
    main()
