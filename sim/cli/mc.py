"""`citypaths mc`: Monte Carlo batches of an experiment (docs/experiments.md)."""

from __future__ import annotations

import argparse
import sys
import time

from sim.errors import CitypathsError


def _progress_bar(quiet: bool):
    """A rich progress bar (draws per second, time left) on a terminal; nothing otherwise."""
    if quiet or not sys.stderr.isatty():
        return None, None
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    class DrawRate(TextColumn):
        def __init__(self) -> None:
            super().__init__("")

        def render(self, task):  # type: ignore[override]
            speed = task.finished_speed or task.speed
            return "" if not speed else f"{speed:,.0f} draws/s"

    bar = Progress(
        TextColumn("draws"),
        BarColumn(),
        MofNCompleteColumn(),
        DrawRate(),
        TimeRemainingColumn(),
        console=Console(file=sys.stderr),
        transient=True,
    )
    task = bar.add_task("draws", total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    return bar, update


def _mc(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sim.batch import list_parameters, run_experiment
    from sim.config.experiment import load_experiment

    loaded = load_experiment(args.experiment)
    if args.list_parameters:
        print(list_parameters(loaded), end="")
        return 0
    given = [
        name
        for name, on in (
            ("--workers", args.workers is not None),
            ("--scheduler", args.scheduler is not None),
            ("--dask-local", args.dask_local is not None),
        )
        if on
    ]
    if len(given) > 1:
        raise CitypathsError(f"give one of --workers, --scheduler, --dask-local, not {given}")
    for name, value in (("--workers", args.workers), ("--dask-local", args.dask_local)):
        if value is not None and value < 1:
            raise CitypathsError(f"{name}: expected a number of processes >= 1, got {value}")
    if args.draws is not None and args.draws < 1:
        raise CitypathsError(f"--draws: expected a number >= 1, got {args.draws}")
    if args.seed is not None and args.seed < 0:
        raise CitypathsError(f"--seed: expected a number >= 0, got {args.seed}")
    bar, update = _progress_bar(args.quiet)
    started = time.perf_counter()
    try:
        if bar is not None:
            bar.start()
        summary = run_experiment(
            loaded,
            output=Path(args.output) if args.output else None,
            draws=args.draws,
            seed=args.seed,
            workers=args.workers or 1,
            scheduler=args.scheduler,
            dask_local=args.dask_local,
            resume=args.resume,
            force=args.force,
            progress=update,
        )
    finally:
        if bar is not None:
            bar.stop()
    seconds = time.perf_counter() - started
    total = summary.n_draws * len(summary.scenarios)
    resumed = f" ({summary.resumed_chunks} chunks were already done)" if args.resume else ""
    if not args.quiet:
        print(
            f"{summary.n_draws:,} draws of {len(summary.scenarios)} scenarios "
            f"({', '.join(summary.scenarios)}) in {seconds:.1f} s, "
            f"{total / max(seconds, 1e-9):,.0f} draws/s{resumed}\n"
            f"Results written to {summary.output}  (citypaths show {summary.output})"
        )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "mc",
        help="run a Monte Carlo experiment into a Zarr store",
        description="Draw every uncertain number of the experiment's scenarios from its seed "
        "and sampler, run every draw of every city, and write the results, chunk by chunk, "
        "into a Zarr store that `show`, `compare`, `plot`, `export` and `report` read. The "
        "store counts as finished only once the last chunk is written.",
    )
    p.add_argument("experiment", metavar="EXPERIMENT.yaml", help="experiment file")
    p.add_argument("--draws", type=int, metavar="N", help="number of draws (default: the file's)")
    p.add_argument("--seed", type=int, metavar="S", help="seed (default: the file's)")
    p.add_argument(
        "--workers", type=int, metavar="N", help="local worker processes (default: 1, in process)"
    )
    p.add_argument(
        "--scheduler", metavar="ADDRESS", help="run on an existing Dask cluster (tcp://host:port)"
    )
    p.add_argument(
        "--dask-local", type=int, metavar="N", help="start a local Dask cluster of N processes"
    )
    p.add_argument(
        "-o", "--output", metavar="OUT.zarr", help="the store (default: the file's `output`)"
    )
    p.add_argument(
        "--resume", action="store_true", help="continue an interrupted run from its last chunk"
    )
    p.add_argument("--force", action="store_true", help="replace a store that is already there")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    p.add_argument(
        "--list-parameters",
        action="store_true",
        help="list the uncertain parameters (names for `correlations:`) and stop",
    )
    p.set_defaults(func=_mc)
