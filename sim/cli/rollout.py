"""Commands on rollout timing: latest-start."""

from __future__ import annotations

import argparse

from sim.cli._common import DATA_HELP, ENGINE_HELP
from sim.errors import CitypathsError


def _latest_start(args: argparse.Namespace) -> int:
    from sim.analysis.latest_start import format_latest_starts, latest_starts
    from sim.config.loader import load_scenario
    from sim.model.plan import build_plan

    plan = build_plan(load_scenario(args.scenario, args.data))
    if not plan.targets:
        raise CitypathsError(f"{args.scenario}: the scenario has no targets to meet")
    rows = latest_starts(plan, rollout_engine=args.rollout)
    print(format_latest_starts(rows, max(t.year for t in plan.targets)), end="")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "latest-start",
        help="the latest start of each intervention that still meets the targets",
        description="For each intervention, with everything else unchanged, the latest whole "
        "start year that still meets every target of the scenario in every city.",
    )
    p.add_argument("scenario", metavar="SCENARIO.yaml", help="scenario file")
    p.add_argument("--data", metavar="DIR", help=DATA_HELP)
    p.add_argument("--rollout", choices=("auto", "fast", "simpy"), default="auto", help=ENGINE_HELP)
    p.set_defaults(func=_latest_start)
