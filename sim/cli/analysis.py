"""Commands that analyse data and results: trend, export, plot."""

from __future__ import annotations

import argparse
import json

from sim.cli.data import DATA_DIR_HELP


def _trend(args: argparse.Namespace) -> int:
    from sim.analysis.benchmarks import benchmark_for, benchmark_json, format_benchmark

    b = benchmark_for(args.city, args.data, args.from_year, args.rate, args.budget)
    if args.json:
        print(json.dumps(benchmark_json(b), ensure_ascii=False, indent=2))
    else:
        print(format_benchmark(b), end="")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    from sim.core.benchmarks import CARBON_LAW_RATE

    p = sub.add_parser(
        "trend",
        help="a city's emission trend against the Carbon Law and a carbon budget",
        description="From a city's observed inventory: the trend of its total emissions "
        "(least absolute deviations through the years from 2015 on, anchored at the last "
        "observed value, floored at zero), its path and sum to 2050, the Carbon Law path from "
        "the trend's value in the start year and its sum, and whether the trend stays within "
        "it; with --budget, the exponential path that uses the budget and the year the trend "
        "uses it up.",
    )
    p.add_argument("city", metavar="CITY", help="kommun code or name, e.g. 2480 or Umeå")
    p.add_argument(
        "--from",
        dest="from_year",
        type=int,
        metavar="YEAR",
        help="first year of the paths and sums (default: the year after the last observed)",
    )
    p.add_argument(
        "--rate",
        type=float,
        default=CARBON_LAW_RATE,
        metavar="R",
        help=f"Carbon Law yearly cut as a fraction (default {CARBON_LAW_RATE}: "
        f"{100 * CARBON_LAW_RATE:.2f} %%/yr)",
    )
    p.add_argument(
        "--budget",
        type=float,
        metavar="B",
        help="carbon budget in t CO2e from the start of the first year",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--data", metavar="DIR", help=DATA_DIR_HELP)
    p.set_defaults(func=_trend)
