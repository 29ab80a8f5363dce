"""Commands that analyse data and results: trend, export, plot, compare, sensitivity, report."""

from __future__ import annotations

import argparse
import json

from sim.cli.data import DATA_DIR_HELP

#: sim.analysis.export.FORMATS and sim.report.plots.KINDS, spelled here so that building the
#: parser imports neither pandas nor matplotlib
EXPORT_FORMATS = ("iamc", "csv", "xlsx")
PLOT_KINDS = ("fan", "wedges", "gantt", "mac", "probability", "tornado")
#: sim.analysis.compare.FORMATS and sim.analysis.sensitivity.OUTCOMES
TABLE_FORMATS = ("table", "csv", "json")
OUTCOMES = ("cumulative", "emissions", "npv", "gap")


def _trend(args: argparse.Namespace) -> int:
    from sim.analysis.benchmarks import benchmark_for, benchmark_json, format_benchmark

    b = benchmark_for(args.city, args.data, args.from_year, args.rate, args.budget)
    if args.json:
        print(json.dumps(benchmark_json(b), ensure_ascii=False, indent=2))
    else:
        print(format_benchmark(b), end="")
    return 0


def _export(args: argparse.Namespace) -> int:
    from sim.analysis.export import describe, guard_output, write_export
    from sim.store import read_result

    guard_output(args.output, args.format, args.force)  # before reading: fail fast
    ds = read_result(args.result)
    path = write_export(ds, args.output, args.format, force=args.force)
    print(describe(path, ds, args.format))
    return 0


def _plot(args: argparse.Namespace) -> int:
    from sim.atomic import guard_output
    from sim.report.plots import CHARTS, figure_format, pick_city, save_figure
    from sim.store import read_result

    guard_output(args.output, figure_format(args.output), args.force)
    ds = read_result(args.result)
    city = pick_city(ds, args.city)
    extra = {}
    if args.kind == "tornado":
        from sim.analysis.compare import parse_period

        extra = {
            "outcome": args.outcome,
            "period": parse_period(args.period),
            "year": args.year,
            "target": args.target,
        }
    path = save_figure(CHARTS[args.kind](ds, city, **extra), args.output)
    print(f"{args.kind} chart of {city} -> {path}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from sim.analysis.compare import compare, parse_period, parse_years, read_results, render

    years = parse_years(args.years)
    period = parse_period(args.period)
    results, _ = read_results(args.results)
    records = compare(results, years, period, args.budget, args.rate, measures=args.measures)
    currency = str(results[0].attrs.get("currency", "SEK"))
    print(render(records, args.format, currency), end="")
    return 0


def _outcome_options(p: argparse.ArgumentParser, many: bool) -> None:
    """--outcome, --period, --year, --target: the outcome of a tornado or Sobol analysis."""
    if many:
        p.add_argument(
            "--outcome",
            action="append",
            choices=OUTCOMES,
            help="outcome to analyse (repeat for several; default: all four)",
        )
    else:
        p.add_argument(
            "--outcome",
            choices=OUTCOMES,
            default="cumulative",
            help="tornado only: the outcome (default: cumulative)",
        )
    p.add_argument(
        "--period",
        metavar="FIRST-LAST",
        help="years of the cumulative emissions (default: the year after the base year to the "
        "horizon)",
    )
    p.add_argument(
        "--year",
        type=int,
        metavar="YEAR",
        help="year of the emissions outcome (default: the first target's year, else 2030)",
    )
    p.add_argument(
        "--target", metavar="ID", help="target of the gap outcome (default: the first target)"
    )


def _sensitivity(args: argparse.Namespace) -> int:
    from sim.analysis.compare import parse_period
    from sim.analysis.sensitivity import (
        OUTCOMES,
        design_of,
        format_table,
        records,
        sensitivity,
    )
    from sim.report.plots import pick_city
    from sim.store import read_result

    period = parse_period(args.period)
    ds = read_result(args.result)
    design_of(ds, args.result)  # the sampler's message before anything else
    city = pick_city(ds, args.city)
    outcomes = list(dict.fromkeys(args.outcome or OUTCOMES))
    found = sensitivity(
        ds,
        city,
        outcomes,
        period,
        args.year,
        args.target,
        source=args.result,
        skip_gap_without_targets=args.outcome is None,
    )
    if args.format == "json":
        print(json.dumps(records(found, city), ensure_ascii=False, indent=1))
    elif args.format == "csv":
        import csv
        import sys

        rows = records(found, city)
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        name = str(ds["city_name"].sel(city=city).item())
        print(format_table(found, f"{name} ({city})"), end="")
    return 0


def _report(args: argparse.Namespace) -> int:
    from sim.analysis.compare import parse_period, parse_years, read_results
    from sim.atomic import guard_output
    from sim.report.html import build_report, check_suffix, write_report
    from sim.report.plots import pick_city

    check_suffix(args.output)
    guard_output(args.output, "html", args.force)
    years, period = parse_years(args.years), parse_period(args.period)
    results, sources = read_results(args.results)
    cities = None
    if args.city:
        cities = [pick_city(results[0], c) for c in args.city]
    text = build_report(results, sources, years, period, args.budget, args.rate, cities)
    path = write_report(text, args.output)
    print(f"report of {len(args.results)} result file(s) -> {path} ({len(text) / 1e6:.1f} MB)")
    return 0


def _rate_option(p: argparse.ArgumentParser) -> None:
    from sim.core.benchmarks import CARBON_LAW_RATE

    p.add_argument(
        "--rate",
        type=float,
        default=CARBON_LAW_RATE,
        metavar="R",
        help=f"Carbon Law yearly cut as a fraction (default {CARBON_LAW_RATE}: "
        f"{100 * CARBON_LAW_RATE:.2f} %%/yr)",
    )


def register(sub: argparse._SubParsersAction) -> None:
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
    _rate_option(p)
    p.add_argument(
        "--budget",
        type=float,
        metavar="B",
        help="carbon budget in t CO2e from the start of the first year",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--data", metavar="DIR", help=DATA_DIR_HELP)
    p.set_defaults(func=_trend)

    p = sub.add_parser(
        "export",
        help="write a result as an IAMC table, a tidy CSV or an Excel workbook",
        description="Export a result file: iamc (the IAMC long format: model, scenario, "
        "region, variable, unit, year, value), csv (every variable in one long table) or "
        "xlsx (the IAMC table with one column per year, and the result's provenance). Over "
        "several draws the IAMC tables hold the 5th, 50th and 95th percentiles. The file is "
        "written atomically; an existing file is replaced only with --force.",
    )
    p.add_argument("result", metavar="RESULT.nc", help="result file written by `citypaths run`")
    p.add_argument("--format", required=True, choices=EXPORT_FORMATS, help="what to write")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="where to write it")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    p.set_defaults(func=_export)

    p = sub.add_parser(
        "plot",
        help="draw a chart of one city of a result (PNG or SVG)",
        description="Draw one city of a result: fan (emissions: observed, scenario with its "
        "5-95 % band over draws, business as usual, trend, Carbon Law, targets), wedges "
        "(what each intervention cuts), gantt (planned and actual rollout, and waits for "
        "capacity, budget and the interventions it comes after), mac (cost per tonne of each "
        "measure against its discounted tonnes), probability (the chance of meeting each "
        "target, by year) or tornado (what moves an outcome most, Monte Carlo results). "
        "The format follows FILE's "
        "suffix, .png or .svg; the file is written atomically and an existing file is "
        "replaced only with --force.",
    )
    p.add_argument("result", metavar="RESULT.nc", help="result file written by `citypaths run`")
    p.add_argument("--kind", required=True, choices=PLOT_KINDS, help="which chart")
    p.add_argument(
        "--city",
        metavar="C",
        help="kommun code or name (default: the only city of the result)",
    )
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="FILE.png or FILE.svg")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    _outcome_options(p, many=False)
    p.set_defaults(func=_plot)

    p = sub.add_parser(
        "compare",
        help="compare scenarios per city: emissions, targets, budgets, costs",
        description="Per city and scenario of one or more result files: gross and net "
        "emissions in chosen years, the chance of meeting each target and the gap to it, "
        "cumulative emissions over a period against the Carbon Law path and a carbon budget, "
        "and the NPV and levelised cost of the measures. Over several draws: the median and "
        "the 5th to 95th percentile. Scenarios from different files line up by city and "
        "intervention id.",
    )
    p.add_argument("results", nargs="+", metavar="RESULT", help="result files (.nc or .zarr)")
    p.add_argument(
        "--years",
        metavar="Y,Y",
        help="years of the emissions figures, comma-separated (default: 2030,2040,2050 where "
        "projected)",
    )
    p.add_argument(
        "--period",
        metavar="FIRST-LAST",
        help="years of the cumulative emissions, both included (default: the year after the "
        "base year to the horizon, e.g. 2025-2050)",
    )
    p.add_argument(
        "--budget", type=float, metavar="B", help="carbon budget in t CO2e from the period's start"
    )
    _rate_option(p)
    p.add_argument(
        "--measures",
        action="store_true",
        help="add each measure's abatement, NPV and levelised cost",
    )
    p.add_argument("--format", choices=TABLE_FORMATS, default="table", help="how to print")
    p.set_defaults(func=_compare)

    p = sub.add_parser(
        "sensitivity",
        help="Sobol indices: which uncertain numbers matter most (Saltelli results)",
        description="Sobol first- and total-order indices with 95 % confidence intervals "
        "(SALib) of one city's outcomes, for every uncertain parameter, ranked by total "
        "order: the list of what to pin down next. The result must be drawn with SALib's "
        "Saltelli design (sampler: saltelli in the scenario's experiment).",
    )
    p.add_argument("result", metavar="RESULT", help="result file (.nc or .zarr)")
    p.add_argument(
        "--city",
        metavar="C",
        help="kommun code or name (default: the only city of the result)",
    )
    _outcome_options(p, many=True)
    p.add_argument("--format", choices=TABLE_FORMATS, default="table", help="how to print")
    p.set_defaults(func=_sensitivity)

    p = sub.add_parser(
        "report",
        help="write one self-contained HTML report of results",
        description="One HTML file, viewable without a network (charts inline, no external "
        "style or script): per city, the targets in words, the comparison table, each "
        "measure, the charts (fan, wedges, cost curve, chance of meeting the targets, "
        "rollout, tornado for Monte Carlo results), the trend and the Carbon Law, and each "
        "result's provenance. Written atomically; an existing report is replaced only with "
        "--force.",
    )
    p.add_argument("results", nargs="+", metavar="RESULT", help="result files (.nc or .zarr)")
    p.add_argument("-o", "--output", required=True, metavar="FILE.html", help="where to write")
    p.add_argument("--force", action="store_true", help="replace FILE.html if it exists")
    p.add_argument("--years", metavar="Y,Y", help="years of the emissions figures (as compare)")
    p.add_argument("--period", metavar="FIRST-LAST", help="years of the cumulative emissions")
    p.add_argument("--budget", type=float, metavar="B", help="carbon budget in t CO2e")
    _rate_option(p)
    p.add_argument(
        "--city",
        action="append",
        metavar="C",
        help="only this city (kommun code or name; repeat for several; default: every city)",
    )
    p.set_defaults(func=_report)
