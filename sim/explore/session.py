"""A loaded scenario with levers: a lever state -> the scenario file it means -> the answer.

The scenario file is the reference: `overlay(state)` is a mapping that `extends` the
scenario with only the changed values, the same text "save as scenario" downloads.
`answer(state)` gives the numbers `citypaths run` of that file gives, by a faster road:
switching measures off removes them (the plan is rebuilt through the normal loader from the
overlay, held in memory, and cached per set of measures switched off); ambition, start year
and budget sizes are columns of the design matrix theta, capacity sizes the plan's slots.
tests/e2e/test_explore_api.py checks the two roads give the same numbers.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections import OrderedDict
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.analysis.summary import DELAY_SHOWN
from sim.config import yamlio
from sim.config.loader import LoadedScenario, load_resolved, resolve_raw
from sim.config.merge import merge
from sim.config.schema import Range, central
from sim.core.benchmarks import carbon_law_path
from sim.errors import InputError
from sim.model.plan import Plan, build_plan

#: what the page's levers may hold (the request's limits; the scenario schema checks more)
MAX_LEVERS = 500
MAX_SLOTS = 1000
MAX_MONEY = 1e15
PLANS_CACHED = 16  # plans kept per set of measures switched off
REQUEST_NAME = "levers.yaml"  # how errors in a request's scenario name it


class MeasureLever(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    on: bool = True
    ambition: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)] = 1.0
    start: Annotated[float, Field(ge=1900, le=2200, allow_inf_nan=False)] | None = None


class LeverState(BaseModel):
    """The request: levers that differ from the scenario (absent: the scenario's value)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    measures: Annotated[dict[str, MeasureLever], Field(max_length=MAX_LEVERS)] = {}
    capacities: Annotated[
        dict[str, Annotated[int, Field(ge=1, le=MAX_SLOTS)]], Field(max_length=MAX_LEVERS)
    ] = {}
    budgets: Annotated[
        dict[str, Annotated[float, Field(ge=0.0, le=MAX_MONEY, allow_inf_nan=False)]],
        Field(max_length=MAX_LEVERS),
    ] = {}


@dataclasses.dataclass(frozen=True)
class Measure:
    id: str
    section: str  # "interventions" or "removals"
    title: str
    sector: str
    size_key: str  # "effect" (share cut) or "tonnes" (t CO2e/yr removed)
    size: Any  # the scenario's value (number or {low, central, high})
    start: float  # the scenario's start year (central)
    cities: tuple[str, ...]


def _parse_text(text: str, name: str) -> tuple[Any, yamlio.Loc]:
    """YAML text held in memory -> (data, locations), read as a scenario file is read."""
    doc = yamlio.read_yaml_text(text, name)
    return doc.data, doc.loc


def _scaled(value: Any, share: float) -> Any:
    """A number, or a {low, central, high} range, times `share`."""
    if isinstance(value, Range):
        return {
            "low": value.low * share,
            "central": value.central * share,
            "high": value.high * share,
        }
    if isinstance(value, int | float):
        return float(value) * share
    return central(value) * share  # another distribution: its central value only


class Explorer:
    """One scenario, one city, and the levers the page shows for it."""

    def __init__(
        self, path: str | Path, city: str | None = None, data_dir: str | Path | None = None
    ) -> None:
        self.path = Path(path).resolve()
        self.data_dir = data_dir
        self._raw, self._loc, self._files = resolve_raw(self.path)
        self.base: LoadedScenario = load_resolved(
            self.path, copy.deepcopy(self._raw), self._loc, self._files, data_dir
        )
        data = self.base.data
        if city is None:
            self.city = self.base.cities[0]
        else:
            code = data.resolve_city(city)
            if code is None or code not in self.base.cities:
                names = ", ".join(f"{c} ({data.cities[c].name})" for c in self.base.cities)
                raise InputError(
                    self.path,
                    f"--city {city!r} is not a city of this scenario; its cities: {names}",
                )
            self.city = code
        self.plan = build_plan(self.base)
        self._plans: OrderedDict[frozenset[str], Plan] = OrderedDict({frozenset(): self.plan})
        self.measures = self._find_measures()
        sc = self.base.scenario
        self.capacities = {
            c.id: c.slots for c in sc.capacities if self._serves(c.cities, c.per_city)
        }
        self.budgets = {b.id: b.per_year for b in sc.budgets if self._serves(b.cities, b.per_city)}
        # how far a pool's lever reaches: the city's own pool, or one shared by several
        self._reach = {
            group: {
                x.id: "each city its own" if x.per_city or x.cities == [self.city] else "shared"
                for x in items
            }
            for group, items in (("capacities", sc.capacities), ("budgets", sc.budgets))
        }

    # ------------------------------------------------------------------ levers

    def _serves(self, cities: Any, per_city: bool) -> bool:
        if cities == "all":
            return True
        return self.city in {self.base.city_of(c) for c in cities}

    def _find_measures(self) -> dict[str, Measure]:
        sc = self.base.scenario
        out: dict[str, Measure] = {}
        for section, items, size_key in (
            ("interventions", sc.interventions, "effect"),
            ("removals", sc.removals, "tonnes"),
        ):
            written = {i.get("id") for i in self._raw.get(section, []) if isinstance(i, dict)}
            for item in items:
                refs = item.city if isinstance(item.city, list) else [item.city]
                cities = tuple(self.base.city_of(c) for c in refs)
                if self.city not in cities or item.id not in written:
                    continue  # only measures a file extending this one can address
                out[item.id] = Measure(
                    id=item.id,
                    section=section,
                    title=item.title or item.id,
                    sector=getattr(item, "sector", "removals"),
                    size_key=size_key,
                    size=getattr(item, size_key),
                    start=central(item.rollout.start),
                    cities=cities,
                )
        return out

    def levers(self) -> dict:
        """The levers and their scenario values, for the page."""
        years = self.plan.years
        return {
            "scenario": self.base.scenario.id,
            "title": self.base.scenario.title or self.base.scenario.id,
            "file": str(self.path),
            "city": self.city,
            "city_name": self.base.data.cities[self.city].name,
            "years": [int(years[0]), int(years[-1])],
            "measures": [
                {
                    "id": m.id,
                    "title": m.title,
                    "kind": m.section,
                    "sector": m.sector,
                    "start": m.start,
                    "other_cities": [c for c in m.cities if c != self.city],
                }
                for m in self.measures.values()
            ],
            "capacities": [
                {"id": k, "slots": v, "reach": self._reach["capacities"][k]}
                for k, v in self.capacities.items()
            ],
            "budgets": [
                {"id": k, "per_year": v, "reach": self._reach["budgets"][k]}
                for k, v in self.budgets.items()
            ],
            "currency": self.plan.currency,
        }

    def parse_state(self, payload: Any) -> LeverState:
        """Validate a request's lever state; unknown ids are errors naming the known ones."""
        try:
            state = LeverState.model_validate(payload)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(k) for k in first["loc"])
            raise InputError(Path("request"), f"{first['msg']}", key=where or None) from None
        for group, known in (
            ("measures", self.measures),
            ("capacities", self.capacities),
            ("budgets", self.budgets),
        ):
            for key in getattr(state, group):
                if key not in known:
                    raise InputError(
                        Path("request"),
                        f"no {group[:-1] if group != 'capacities' else 'capacity'} {key!r} "
                        f"for this city; expected one of: {', '.join(known) or '(none)'}",
                        key=f"{group}.{key}",
                    )
        return state

    # ------------------------------------------------------------------ the scenario file

    def overlay(self, state: LeverState) -> dict:
        """The scenario that `extends` this one with only the changed values."""
        out: dict[str, Any] = {
            "extends": str(self.path),
            "id": f"{self.base.scenario.id}-explored",
            "title": f"{self.base.scenario.title or self.base.scenario.id} (explored)",
        }
        for section in ("interventions", "removals"):
            items = []
            for mid, lever in state.measures.items():
                m = self.measures[mid]
                if m.section != section:
                    continue
                if not lever.on:
                    items.append({"id": mid, "remove": True})
                    continue
                item: dict[str, Any] = {"id": mid}
                if lever.ambition != 1.0:
                    item[m.size_key] = _scaled(m.size, lever.ambition)
                if lever.start is not None and lever.start != m.start:
                    item["rollout"] = {"start": lever.start}
                if len(item) > 1:
                    items.append(item)
            if items:
                out[section] = items
        caps = [
            {"id": k, "slots": v} for k, v in state.capacities.items() if v != self.capacities[k]
        ]
        buds = [{"id": k, "per_year": v} for k, v in state.budgets.items() if v != self.budgets[k]]
        if caps:
            out["capacities"] = caps
        if buds:
            out["budgets"] = buds
        return out

    def overlay_yaml(self, state: LeverState) -> str:
        """The text of `overlay(state)`, as "save as scenario" downloads it."""
        head = (
            f"# Made with `citypaths explore` from {self.path.name}, city {self.city}: only the\n"
            "# changed levers; `citypaths run` of this file gives the numbers the page showed.\n"
        )
        return head + yaml.safe_dump(self.overlay(state), sort_keys=False, allow_unicode=True)

    def load_overlay(self, state: LeverState) -> LoadedScenario:
        """The overlay loaded by the normal loader (schema, checks, located errors), from
        memory: errors name `levers.yaml`, its line and key."""
        data, loc = _parse_text(self.overlay_yaml(state), REQUEST_NAME)
        data.pop("extends")
        children = {k: v for k, v in (loc.children or {}).items() if k != "extends"}  # type: ignore[union-attr]
        merged, mloc = merge(
            copy.deepcopy(self._raw), self._loc, data, yamlio.Loc(loc.file, loc.line, children), ""
        )
        return load_resolved(
            Path(REQUEST_NAME), merged, mloc, (Path(REQUEST_NAME), *self._files), self.data_dir
        )

    def validate(self, state: LeverState) -> None:
        """Check the scenario file the state means as `citypaths validate` does (loader,
        schema, checks against the data, plan); raises InputError naming levers.yaml."""
        build_plan(self.load_overlay(state))

    # ------------------------------------------------------------------ the answer

    def plan_for(self, state: LeverState) -> Plan:
        """The plan with the measures switched off removed (loaded from the overlay), cached."""
        off = frozenset(k for k, v in state.measures.items() if not v.on)
        if off in self._plans:
            self._plans.move_to_end(off)
            return self._plans[off]
        only_off = LeverState(measures={k: MeasureLever(on=False) for k in off})
        plan = build_plan(self.load_overlay(only_off))
        self._plans[off] = plan
        if len(self._plans) > PLANS_CACHED:
            self._plans.popitem(last=False)
        return plan

    def design(self, state: LeverState) -> tuple[Plan, np.ndarray]:
        """(plan, theta [1, parameter]) of the lever state, at central values."""
        plan = self.plan_for(state)
        names = {n: i for i, n in enumerate(plan.params.names)}
        theta = plan.params.central_design().copy()
        for mid, lever in state.measures.items():
            m = self.measures[mid]
            if not lever.on:
                continue
            if lever.ambition != 1.0:
                theta[:, names[f"{m.section}.{mid}.{m.size_key}"]] = (
                    central(_scaled(m.size, lever.ambition))
                    if not isinstance(m.size, Range)
                    else m.size.central * lever.ambition
                )
            if lever.start is not None and lever.start != m.start:
                theta[:, names[f"{m.section}.{mid}.rollout.start"]] = lever.start
        for bid, per_year in state.budgets.items():
            theta[:, names[f"budgets.{bid}.per_year"]] = per_year
        if state.capacities:
            slots = plan.pools.capacity_slots.copy()
            for cid, n in state.capacities.items():
                for i, name in enumerate(plan.pools.capacity_names):
                    # a per-city capacity has one pool per city, `id@city`, each of `slots`
                    if name == cid or name.startswith(f"{cid}@"):
                        slots[i] = n
            plan = dataclasses.replace(
                plan, pools=dataclasses.replace(plan.pools, capacity_slots=slots)
            )
        return plan, theta

    def answer(self, state: LeverState) -> dict:
        """The city's pathway and figures under the lever state (see `figures`), computed
        from the run's arrays (`run_figures`): the same numbers, without labelling a
        Dataset, which takes longer than the run."""
        from sim.runner import run_plan

        plan, theta = self.design(state)
        return run_figures(run_plan(plan, theta), self.city)


def _json(obj: Any) -> Any:
    """The same data with every non-finite float (a wait that never ends) as None (JSON null)."""
    if isinstance(obj, dict):
        return {k: _json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _list(values: np.ndarray) -> list[float | None]:
    return [None if not math.isfinite(v) else float(v) for v in np.asarray(values, float)]


def figures(ds: Any, city: str) -> dict:
    """What the page shows of one city of a one-scenario, one-draw result: t CO2e/yr by
    year (scenario, BAU, removals, observed, the Carbon Law path from the base year),
    wedges (t CO2e/yr cut or removed by each measure), targets (met, shortfall in t CO2e/yr),
    NPV (currency of the price year), levelised cost (currency per t CO2e) and delays (yr).
    The same numbers as `citypaths run` prints (sim.analysis.summary)."""
    from sim.analysis.summary import summarize

    one = ds.sel(city=[city])
    (s,) = summarize(one)
    run = one.isel(scenario=0, draw=0, city=0)
    observed = run["emissions_observed"].sum("sector", min_count=1).values
    hist = [int(y) for y in run["hist_year"].values]
    years = run["year"].values
    base = int(years[0])
    scenario = run["emissions"].sum("sector").values
    bau = run["emissions_bau"].sum("sector").values
    removals = run["removals"].sum("intervention").values
    abatement = run["abatement"].values  # [intervention, year]
    wedges = []
    for i, mid in enumerate(run["intervention"].values):
        if np.any(abatement[i] != 0):
            wedges.append({"id": str(mid), "values": _list(abatement[i])})
    return _json(
        {
            "city": city,
            "city_name": s.name,
            "years": [int(y) for y in years],
            "bau": _list(bau),
            "scenario": _list(scenario),
            "removals": _list(removals),
            "observed": {"years": hist, "values": _list(observed)},
            "carbon_law": _list(carbon_law_path(float(bau[0]), base, years)),
            "wedges": wedges,
            "targets": [
                {
                    "id": t.id,
                    "title": t.title,
                    "year": t.year,
                    "reference_year": t.reference_year,
                    "threshold": t.threshold,
                    "allowed": t.allowed,
                    "value": t.value,
                    "met": bool(t.p_met >= 0.5),
                    "shortfall": max(0.0, t.value - t.allowed),
                }
                for t in s.targets
            ],
            "npv": s.npv,
            "levelised": None if not math.isfinite(s.levelised) else s.levelised,
            "currency": s.currency,
            "delays": [dataclasses.asdict(d) for d in s.delays],
        }
    )


def run_figures(result: Any, city: str) -> dict:
    """`figures` of a one-draw run, from its arrays (RunResult) rather than its Dataset.
    Follows sim.analysis.summary line by line; tests/e2e/test_explore_api.py checks that
    both give the same numbers."""
    plan = result.plan
    c = plan.cities.index(city)
    p, ro = plan.projects, result.rollout
    years = plan.years
    scenario = result.emissions[0, c].sum(axis=0)
    bau = result.emissions_bau[0, c].sum(axis=0)
    removals = result.city_removals[0, c].sum(axis=0)
    observed_cs = np.asarray(plan.observed[c], float)  # [sector, hist_year]
    observed = np.where(np.isnan(observed_cs).all(axis=0), np.nan, np.nansum(observed_cs, axis=0))
    hist = [int(y) for y in plan.hist_years]
    mine = sorted(np.flatnonzero(p.city == c), key=lambda k: p.intervention[k])
    wedges = [
        {
            "id": plan.interventions[p.intervention[k]],
            "values": _list(result.project_abatement[0, k]),
        }
        for k in mine
        if np.any(result.project_abatement[0, k] != 0)
    ]
    sector_index = {s: i for i, s in enumerate(plan.sectors)}
    year_index = {int(y): i for i, y in enumerate(years)}
    hist_index = {int(y): i for i, y in enumerate(plan.hist_years)}
    targets = []
    for t in plan.targets:
        rows = [sector_index[x] for x in t.sectors]
        if t.reference_year in hist_index:
            reference = float(np.nansum(observed_cs[rows, hist_index[t.reference_year]]))
        else:
            reference = float(result.emissions[0, c, rows, year_index[t.reference_year]].sum())
        gross = float(result.emissions[0, c, rows, year_index[t.year]].sum())
        removed = float(removals[year_index[t.year]])
        if t.basis == "net":
            cap = None if t.max_removals is None else t.max_removals * reference
            counted = removed if cap is None else min(removed, cap)
        else:
            counted = 0.0
        value = gross - counted
        allowed = (1.0 - t.threshold) * reference
        targets.append(
            {
                "id": t.id,
                "title": t.title or t.id,
                "year": t.year,
                "reference_year": t.reference_year,
                "threshold": t.threshold,
                "allowed": allowed,
                "value": value,
                "met": bool(value <= allowed),
                "shortfall": max(0.0, value - allowed),
            }
        )
    npv = float(result.project_npv[0, mine].sum()) if len(plan.interventions) else None
    pv_t = float(result.project_pv_tonnes[0, mine].sum())
    levelised = float(result.project_npv[0, mine].sum()) / pv_t if pv_t > 0 else None
    delays = []
    for k in mine:
        planned, actual = float(ro.planned_completion[0, k]), float(ro.completion[0, k])
        delay = actual - planned
        if not delay > DELAY_SHOWN:
            continue
        caps = p.capacity[p.capacity_ptr[k] : p.capacity_ptr[k + 1]]
        wait_c, wait_b = float(ro.wait_capacity[0, k]), float(ro.wait_budget[0, k])
        delays.append(
            {
                "intervention": plan.interventions[p.intervention[k]],
                "planned": planned,
                "actual": actual if math.isfinite(actual) else None,
                "capacity": ",".join(plan.pools.capacity_names[i] for i in caps),
                "budget": plan.pools.budget_names[p.budget[k]] if p.budget[k] >= 0 else "",
                "wait_capacity": wait_c,
                "wait_budget": wait_b,
                "wait_after": max(0.0, delay - wait_c - wait_b),
            }
        )
    return _json(
        {
            "city": city,
            "city_name": plan.city_names[c],
            "years": [int(y) for y in years],
            "bau": _list(bau),
            "scenario": _list(scenario),
            "removals": _list(removals),
            "observed": {"years": hist, "values": _list(observed)},
            "carbon_law": _list(carbon_law_path(float(bau[0]), int(years[0]), years)),
            "wedges": wedges,
            "targets": targets,
            "npv": npv,
            "levelised": levelised,
            "currency": plan.currency,
            "delays": delays,
        }
    )
