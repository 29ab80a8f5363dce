"""Commands on rollout timing: latest-start."""

from __future__ import annotations

import argparse

from sim.cli._common import DATA_HELP, ENGINE_HELP, echo
from sim.errors import CitypathsError


def _latest_start(args: argparse.Namespace) -> int:
    from sim.analysis.latest_start import format_latest_starts, latest_starts
    from sim.config.loader import load_scenario
    from sim.model.plan import build_plan

    plan = build_plan(load_scenario(args.scenario, args.data))
    if not plan.targets:
        raise CitypathsError(f"{args.scenario}: the scenario has no targets to meet")
    known = [t.id for t in plan.targets]
    for name in args.target or ():
        if name not in known:
            raise CitypathsError(
                f"--target {name}: the scenario has no such target; it has: {', '.join(known)}"
            )
    chosen = [t for t in plan.targets if not args.target or t.id in args.target]
    rows = latest_starts(plan, rollout_engine=args.rollout, targets=args.target)
    text = format_latest_starts(rows, max(t.year for t in chosen), ", ".join(t.id for t in chosen))
    echo(text, end="")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "latest-start",
        help="the latest start of each intervention that still meets the targets",
        description="For each intervention, with everything else unchanged, the latest whole "
        "start year (from the base year to the last target year) that still meets every "
        "target of the scenario, or those named with --target, in every city.",
    )
    p.add_argument("scenario", metavar="SCENARIO.yaml", help="scenario file")
    p.add_argument(
        "--target",
        metavar="ID",
        action="append",
        help="meet only this target (repeat for several; default: every target)",
    )
    p.add_argument("--data", metavar="DIR", help=DATA_HELP)
    p.add_argument("--rollout", choices=("auto", "fast", "simpy"), default="auto", help=ENGINE_HELP)
    p.set_defaults(func=_latest_start)
