"""Commands on scenarios and their results: validate, run, show."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sim.cli._common import DATA_HELP, ENGINE_HELP, EXIT_USER_ERROR, FORCE_HELP, echo, printable
from sim.errors import CitypathsError


def _validate(args: argparse.Namespace) -> int:
    from sim.config.loader import load_scenario
    from sim.model.plan import build_plan

    failed = 0
    for path in args.files:
        try:
            plan = build_plan(load_scenario(path, args.data))
        except CitypathsError as exc:
            failed += 1
            print(f"citypaths: error: {printable(str(exc))}", file=sys.stderr)
            continue
        for warning in plan.warnings:
            print(f"citypaths: warning: {path}: {warning}", file=sys.stderr)
        echo(
            f"ok: {path} ({plan.scenario_id}: {len(plan.cities)} cities, "
            f"{len(plan.interventions)} interventions, {plan.years[0]}-{plan.years[-1]})"
        )
    return EXIT_USER_ERROR if failed else 0


def _run(args: argparse.Namespace) -> int:
    from sim.analysis.summary import format_summary
    from sim.atomic import guard_output
    from sim.runner import run_scenario
    from sim.store import write_netcdf

    if args.no_save and args.output:
        raise CitypathsError("-o/--output and --no-save contradict each other: give one of them")
    out = None
    if args.output:
        out = guard_output(args.output, "result", args.force)  # before the work
    ds = run_scenario(args.scenario, args.data, rollout_engine=args.rollout)
    for warning in json.loads(ds.attrs.get("warnings", "[]")):
        print(f"citypaths: warning: {printable(warning)}", file=sys.stderr)
    if not args.no_save:
        if out is None:
            scenario_id = str(ds["scenario"].values[0])
            out = guard_output(Path("out") / f"{scenario_id}.nc", "result", args.force)
        write_netcdf(ds, out)
    echo(format_summary(ds), end="")
    if out is not None:
        echo(f"\nResults written to {out}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from sim.analysis.summary import show_text
    from sim.store import read_results

    results = _quietly(read_results, args.result)
    try:
        text = "\n".join(show_text(ds, args) for ds in results)
    except (KeyError, ValueError, IndexError, TypeError, AttributeError) as exc:
        # the file opened and says it is a result, but its contents do not fit together
        raise CitypathsError(
            f"{args.result}: not a complete citypaths result ({type(exc).__name__}: {exc}); "
            "run the scenario again to rewrite it"
        ) from None
    echo(text, end="")
    return 0


def _quietly(func, *args):
    """Call func; if it fails, a damaged file can make the HDF5 layer's clean-up complain
    on stderr ("Exception ignored in ...") later, even at exit, after the error has been
    reported: for the rest of this process such complaints are not printed."""
    try:
        return func(*args)
    except CitypathsError:
        sys.unraisablehook = lambda unraisable: None
        raise


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="check scenario files without running them",
        description="Check scenario files: YAML syntax, keys, types, ranges, cities, sectors "
        "and `extends:`. Exit status 2 if any file is wrong.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="scenario YAML files")
    p.add_argument("--data", metavar="DIR", help=DATA_HELP)
    p.set_defaults(func=_validate)

    p = sub.add_parser(
        "run",
        help="run a scenario and print its summary",
        description="Project emissions under a scenario and under business as usual, print a "
        "summary per city and save the results as NetCDF.",
    )
    p.add_argument("scenario", metavar="SCENARIO.yaml", help="scenario file")
    p.add_argument(
        "-o",
        "--output",
        metavar="OUT.nc",
        help="where to save the results (default: out/<scenario id>.nc); an existing "
        "result is replaced only with --force",
    )
    p.add_argument("--no-save", action="store_true", help="print the summary only")
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.add_argument("--data", metavar="DIR", help=DATA_HELP)
    p.add_argument("--rollout", choices=("auto", "fast", "simpy"), default="auto", help=ENGINE_HELP)
    p.set_defaults(func=_run)

    p = sub.add_parser(
        "show",
        help="print the summary of a saved result",
        description="Print the per-city summary of a result file written by `citypaths run`: "
        "one city in detail, several cities one line each (--city for the detail).",
    )
    p.add_argument("result", metavar="OUT.nc", help="result file")
    p.add_argument(
        "--city",
        action="append",
        metavar="C",
        help="this city in detail (kommun code or name; repeat, or `all`; default: the only "
        "city in detail, several cities one line each)",
    )
    p.add_argument(
        "--year", metavar="Y,Y", help="years shown (default: base year, 2030, 2040, 2050)"
    )
    p.add_argument(
        "--format", choices=("table", "csv", "json"), default="table", help="how to print"
    )
    p.add_argument(
        "--measures",
        action="store_true",
        help="add a table per city of each measure: cut in the years shown, NPV, cost per tonne",
    )
    p.set_defaults(func=_show)
