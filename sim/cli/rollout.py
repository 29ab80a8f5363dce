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
    echo(_reworded(text, rows, plan, [t.id for t in chosen], args.rollout), end="")
    return 0


NOT_NEEDED_ALONE = (
    "any (or never): the other measures meet the targets without this one alone; that does "
    "not mean it can be dropped together with others"
)


def _shortfall(plan, intervention: str, targets: list[str], engine: str) -> str:
    """The largest gap (t CO2e/yr) left when `intervention` starts at the base year and
    everything else is as written: which target, city and year."""
    import numpy as np

    from sim.analysis.summary import target_figures
    from sim.runner import run_plan
    from sim.store import to_dataset

    i = list(plan.interventions).index(intervention)
    members = np.flatnonzero(plan.projects.intervention == i)
    theta = plan.params.central_design()
    theta[:, int(plan.projects.start[members[0]])] = float(plan.base_year)
    ds = to_dataset(run_plan(plan, theta, rollout_engine=engine)).isel(scenario=0)
    worst = None
    for t in plan.targets:
        if t.id not in targets:
            continue
        for c, code in enumerate(plan.cities):
            fig = target_figures(ds, code, t.id)
            gap = float(fig.value[0]) - (1.0 - t.threshold) * fig.reference
            if worst is None or gap > worst[0]:
                worst = (gap, t.id, plan.city_names[c], t.year)
    if worst is None or worst[0] <= 0:
        return ""
    gap, target, city, year = worst
    return (
        f"cannot meet the targets even starting in {plan.base_year}: {target} is then still "
        f"missed by {gap / 1000:,.1f} kt CO2e ({gap:,.0f} t) in {year} in {city}"
    )


def _reworded(text: str, rows, plan, targets: list[str], engine: str) -> str:
    """The latest-start table with its verdicts in words that cannot be misread: a measure
    the others can do without is not 'not needed at all', and a target that cannot be met
    says by how many tonnes."""
    lines = text.splitlines()
    for r in rows:
        for k, line in enumerate(lines):
            if not line.startswith(f"{r.intervention} "):
                continue
            if r.met_without:
                old = "any: the targets are met even if it never starts"
                lines[k] = line.replace(old, NOT_NEEDED_ALONE)
            elif r.latest is None:
                gap = _shortfall(plan, r.intervention, targets, engine)
                if gap:
                    old = "cannot meet the target even at the earliest start"
                    lines[k] = line.replace(old, gap)
    return "\n".join(lines) + "\n"


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
