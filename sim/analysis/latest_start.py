"""How late can each intervention start and the scenario still meet its targets?

For one intervention at a time, every other number unchanged, the start year is moved
over the whole years from the base year to the last target year; each candidate is one
draw of a single run. The answer is the latest candidate for which every city meets every
target, found by trying them all (a later start can help when it frees a shared capacity,
so the answer is not assumed to be monotone).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.analysis.summary import targets_met
from sim.model.plan import Plan
from sim.runner import run_plan
from sim.store import to_dataset


@dataclass(frozen=True)
class LatestStart:
    intervention: str
    cities: tuple[str, ...]  # names
    planned: float  # the scenario's start year
    latest: int | None  # None: the targets are missed at every candidate year
    met_without: bool  # the targets are met even if it never starts


def latest_starts(
    plan: Plan, rollout_engine: str = "auto", targets: list[str] | None = None
) -> list[LatestStart]:
    """The latest start of each intervention that meets every target (or those named)."""
    chosen = [t for t in plan.targets if targets is None or t.id in targets]
    if not chosen:
        raise ValueError("no target to meet")
    last = max(t.year for t in chosen)
    candidates = np.arange(plan.base_year, last + 1, dtype=float)
    never = float(plan.years[-1]) + 1000.0  # a start after the run: as if it never starts
    central = plan.params.central_design()
    out = []
    for i, name in enumerate(plan.interventions):
        members = np.flatnonzero(plan.projects.intervention == i)
        column = int(plan.projects.start[members[0]])
        theta = np.repeat(central, len(candidates) + 1, axis=0)
        theta[:, column] = np.append(candidates, never)
        result = to_dataset(run_plan(plan, theta, rollout_engine=rollout_engine))
        met = targets_met(result, only=targets)
        ok = np.flatnonzero(met[:-1])
        cities = tuple(plan.city_names[c] for c in plan.projects.city[members])
        out.append(
            LatestStart(
                intervention=name,
                cities=cities,
                planned=float(central[0, column]),
                latest=int(candidates[ok[-1]]) if len(ok) else None,
                met_without=bool(met[-1]),
            )
        )
    return out


def format_latest_starts(rows: list[LatestStart], last_target_year: int, targets: str) -> str:
    width = max([len(r.intervention) for r in rows] + [12])
    lines = [f"Targets: {targets}"]
    lines.append(f"{'intervention'.ljust(width)}  {'start':>7}  latest start that meets them")
    for r in rows:
        if r.met_without:
            verdict = "any: the targets are met even if it never starts"
        elif r.latest is None:
            verdict = "cannot meet the target even at the earliest start"
        else:
            verdict = str(r.latest)
            if r.latest < r.planned:
                verdict += " (earlier than planned: the plan as written misses the targets)"
        cities = ", ".join(r.cities) if len(r.cities) <= 3 else f"{len(r.cities)} cities"
        lines.append(f"{r.intervention.ljust(width)}  {r.planned:7.1f}  {verdict}  [{cities}]")
    lines.append(f"(start years tried: the base year to {last_target_year}, whole years)")
    return "\n".join(lines) + "\n"
