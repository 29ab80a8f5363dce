"""How late can each intervention start and the scenario still meet its targets?

For one intervention at a time, every other number unchanged, the start year is moved
over the whole years from the base year to the last target year; each candidate is one
draw. The answer is the latest candidate for which every city meets every target, found
by trying them all (a later start can help when it frees a shared capacity, so the answer
is not assumed to be monotone).

Two ways compute the same answer (tests/unit/test_latest_start.py checks they agree):

- `latest_starts_reference`: one run of the whole scenario per intervention, with the
  candidates as draws. Its time grows with the square of the number of interventions.
- `latest_starts` (used by the command): one run of the whole scenario at the planned
  starts, then, for an intervention that shares no capacity or budget and that no other
  waits for (`after`), only its own projects are scheduled again; the emissions of its
  cities and sector are re-combined from the planned run (interventions combine
  multiplicatively, docs/model.md section 2) and the targets are checked on a dataset of
  its cities alone. Its time per intervention does not grow with the number of
  interventions, so the whole is linear in it. An intervention that does share a pool or
  has dependents is moved in a whole run, as in the reference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import core, dims
from sim.analysis.summary import targets_met
from sim.model.plan import NO_PARAM, Plan
from sim.result import RunResult
from sim.rollout import RolloutInputs, run_rollout
from sim.runner import intervention_inputs, run_plan
from sim.store import to_dataset

#: what the target check reads from a result (sim.analysis.summary.target_values)
_TARGET_VARIABLES = (
    "emissions",
    "emissions_observed",
    "target_threshold",
    "target_reference_year",
    "target_year",
    "target_basis",
    "target_sectors",
)


@dataclass(frozen=True)
class LatestStart:
    intervention: str
    cities: tuple[str, ...]  # names
    planned: float  # the scenario's start year
    latest: int | None  # None: the targets are missed at every candidate year
    met_without: bool  # the targets are met even if it never starts


def _setup(plan: Plan, targets: list[str] | None) -> tuple[np.ndarray, np.ndarray]:
    chosen = [t for t in plan.targets if targets is None or t.id in targets]
    if not chosen:
        raise ValueError("no target to meet")
    last = max(t.year for t in chosen)
    candidates = np.arange(plan.base_year, last + 1, dtype=float)
    never = float(plan.years[-1]) + 1000.0  # a start after the run: as if it never starts
    return candidates, np.append(candidates, never)


def _row(plan: Plan, i: int, central: np.ndarray, candidates: np.ndarray, met) -> LatestStart:
    members = np.flatnonzero(plan.projects.intervention == i)
    column = int(plan.projects.start[members[0]])
    ok = np.flatnonzero(met[:-1])
    return LatestStart(
        intervention=plan.interventions[i],
        cities=tuple(plan.city_names[c] for c in plan.projects.city[members]),
        planned=float(central[0, column]),
        latest=int(candidates[ok[-1]]) if len(ok) else None,
        met_without=bool(met[-1]),
    )


def _whole_run(plan, i, central, starts, rollout_engine, targets) -> np.ndarray:
    """Targets met per candidate start of intervention i, from whole runs."""
    members = np.flatnonzero(plan.projects.intervention == i)
    column = int(plan.projects.start[members[0]])
    theta = np.repeat(central, len(starts), axis=0)
    theta[:, column] = starts
    return targets_met(to_dataset(run_plan(plan, theta, rollout_engine=rollout_engine)), targets)


def latest_starts_reference(
    plan: Plan, rollout_engine: str = "auto", targets: list[str] | None = None
) -> list[LatestStart]:
    """The latest start of each intervention, from one whole run per intervention."""
    candidates, starts = _setup(plan, targets)
    central = plan.params.central_design()
    return [
        _row(plan, i, central, candidates, met)
        for i, met in (
            (i, _whole_run(plan, i, central, starts, rollout_engine, targets))
            for i in range(len(plan.interventions))
        )
    ]


def _coupled(plan: Plan) -> np.ndarray:
    """Per intervention: does moving it change other projects' schedules (a capacity or
    budget it takes, or projects that wait for it)?"""
    p = plan.projects
    coupled = np.zeros(len(plan.interventions), bool)
    needs_pool = (np.diff(p.capacity_ptr) > 0) | (p.budget >= 0)
    coupled[p.intervention[needs_pool]] = True
    coupled[p.intervention[p.after]] = True  # someone waits for it
    return coupled


def _value(central: np.ndarray, idx: np.ndarray, missing: float) -> np.ndarray:
    return np.where(idx == NO_PARAM, missing, central[0, np.where(idx == NO_PARAM, 0, idx)])


class _Incremental:
    """Targets met per candidate start of one uncoupled intervention, from the planned run."""

    def __init__(self, plan: Plan, base: RunResult, central: np.ndarray, targets) -> None:
        self.plan, self.base, self.central, self.targets = plan, base, central, targets
        # the kernel's inputs at the planned adoption: sources, shares, terms, effects
        (_, _, self.shares, _, _, self.fraction, self.effect, _) = intervention_inputs(
            plan, central, base.rollout.adoption
        )
        credits = plan.credits
        self.credit_share = _value(central, credits.share, 1.0)
        ds = to_dataset(base)
        removals = ds["removals"].sum(dims.INTERVENTION).expand_dims({dims.INTERVENTION: ["all"]})
        small = ds[list(_TARGET_VARIABLES)].assign(removals=removals)
        self.small = small.transpose(*dims.ORDER, ..., missing_dims="ignore")
        # the cities that meet the targets at the planned starts, each on its own
        self.city_ok = np.array(
            [
                bool(targets_met(self.small.isel({dims.CITY: [c]}), targets)[0])
                for c in range(len(plan.cities))
            ]
        )

    def adoption(self, members: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """[candidate, member, year] adoption with the members' start moved."""
        p, base = self.plan.projects, self.base
        n = len(starts)
        earliest = np.repeat(starts[:, None], len(members), axis=1)
        for j, k in enumerate(members):
            deps = p.after[p.after_ptr[k] : p.after_ptr[k + 1]]
            if len(deps):  # it waits for the completion of those it comes after
                earliest[:, j] = np.maximum(earliest[:, j], base.rollout.completion[0, deps].max())
        inputs = RolloutInputs(
            years=self.plan.years.astype(float),
            earliest=earliest,
            planning=np.repeat(_value(self.central, p.planning[members], 0.0)[None], n, 0),
            build=np.repeat(_value(self.central, p.build[members], 0.0)[None], n, 0),
            end=np.repeat(_value(self.central, p.end[members], np.inf)[None], n, 0),
            shape=p.shape[members],
            steepness=p.steepness[members],
        )
        return run_rollout(inputs, engine="closed").adoption

    def met(self, i: int, starts: np.ndarray) -> np.ndarray:
        """Targets met per start in `starts` of intervention i (bool [start])."""
        base, p = self.base, self.plan.projects
        members = np.flatnonzero(p.intervention == i)
        new = self.adoption(members, starts)
        credits = self.plan.credits
        credited = credits.city[np.isin(credits.project, members)]
        cities = sorted(set(p.city[members].tolist()) | set(credited.tolist()))
        sub = self.small.isel({dims.CITY: cities, dims.DRAW: [0] * len(starts)})
        emissions = sub["emissions"].values.copy()  # [scenario, draw, city, sector, year]
        removals = sub["removals"].values.copy()  # [scenario, draw, city, 1, year]
        for j, k in enumerate(members):
            ci = cities.index(int(p.city[k]))
            if p.is_removal[k]:
                tonnes = _value(self.central, p.tonnes[k : k + 1], 0.0)[0]
                delta = tonnes * (new[:, j, :] - base.rollout.adoption[0, k][None, :])
                for r in np.flatnonzero(credits.project == k):  # the cities it counts for
                    cr = cities.index(int(credits.city[r]))
                    removals[0, :, cr, 0, :] += self.credit_share[r] * delta
                continue
            s = int(p.sector[k])
            emissions[0, :, ci, s, :] = self._sector(k, new[:, j, :])
        sub = sub.assign(
            emissions=(sub["emissions"].dims, emissions),
            removals=(sub["removals"].dims, removals),
        )
        met = targets_met(sub, self.targets)
        others = np.delete(self.city_ok, cities)
        return met & bool(others.all())

    def _sector(self, k: int, adoption_k: np.ndarray) -> np.ndarray:
        """Emissions [candidate, year] of project k's city and sector with k's adoption set
        to `adoption_k` [candidate, year] and every other project at its planned adoption:
        the kernel on that sector's sources and terms alone."""
        plan, base = self.plan, self.base
        p, src, terms = plan.projects, plan.sources, plan.terms
        c, s = int(p.city[k]), int(p.sector[k])
        n = adoption_k.shape[0]
        ks = np.flatnonzero((src.city == c) & (src.sector == s))
        mask = np.isin(terms.source, ks)
        projects = np.unique(terms.project[mask])
        adoption = np.repeat(base.rollout.adoption[:, projects, :], n, axis=0)
        adoption[:, np.searchsorted(projects, k), :] = adoption_k
        e, _, _ = core.apply_interventions(
            base.emissions_bau[:, c : c + 1, s : s + 1, :],
            np.zeros(len(ks), np.int64),
            np.zeros(len(ks), np.int64),
            self.shares[:, ks],
            np.searchsorted(projects, terms.project[mask]),
            np.searchsorted(ks, terms.source[mask]),
            self.fraction[:, mask],
            self.effect[:, projects],
            adoption,
        )
        return e[:, 0, 0, :]


def latest_starts(
    plan: Plan, rollout_engine: str = "auto", targets: list[str] | None = None
) -> list[LatestStart]:
    """The latest start of each intervention that meets every target (or those named)."""
    candidates, starts = _setup(plan, targets)
    central = plan.params.central_design()
    coupled = _coupled(plan)
    incremental = None
    if not coupled.all():
        incremental = _Incremental(plan, run_plan(plan, central, rollout_engine), central, targets)
    out = []
    for i in range(len(plan.interventions)):
        if coupled[i] or incremental is None:
            met = _whole_run(plan, i, central, starts, rollout_engine, targets)
        else:
            met = incremental.met(i, starts)
        out.append(_row(plan, i, central, candidates, met))
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
