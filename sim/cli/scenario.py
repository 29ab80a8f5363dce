"""Commands on scenarios and their results: validate, run, show."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sim.cli._common import DATA_HELP, ENGINE_HELP, EXIT_USER_ERROR
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
            print(f"citypaths: error: {exc}", file=sys.stderr)
            continue
        for warning in plan.warnings:
            print(f"citypaths: warning: {path}: {warning}", file=sys.stderr)
        print(
            f"ok: {path} ({plan.scenario_id}: {len(plan.cities)} cities, "
            f"{len(plan.interventions)} interventions, {plan.years[0]}-{plan.years[-1]})"
        )
    return EXIT_USER_ERROR if failed else 0


def _run(args: argparse.Namespace) -> int:
    from sim.analysis.summary import format_summary
    from sim.runner import run_scenario
    from sim.store import write_netcdf

    ds = run_scenario(args.scenario, args.data, rollout_engine=args.rollout)
    for warning in json.loads(ds.attrs.get("warnings", "[]")):
        print(f"citypaths: warning: {warning}", file=sys.stderr)
    out = None
    if not args.no_save:
        scenario_id = str(ds["scenario"].values[0])
        out = Path(args.output) if args.output else Path("out") / f"{scenario_id}.nc"
        write_netcdf(ds, out)
    print(format_summary(ds), end="")
    if out is not None:
        print(f"\nResults written to {out}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from sim.analysis.summary import show_text
    from sim.store import read_result

    print(show_text(read_result(args.result), args), end="")
    return 0


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
        help="where to save the results (default: out/<scenario id>.nc)",
    )
    p.add_argument("--no-save", action="store_true", help="print the summary only")
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
