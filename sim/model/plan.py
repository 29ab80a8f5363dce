"""The frozen plan: a validated scenario turned into index arrays and a parameter table.

Every number that a draw may vary (rates, path points, scope, effect, removal tonnes,
rollout years, costs) is one column of the parameter table; the arrays of a run are
gathered from a design matrix `theta[draw, parameter]`. A deterministic run uses the
central values as a single draw; the Monte Carlo issue samples the same columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.config.distributions import practical_high, to_marginal
from sim.config.loader import LoadedScenario
from sim.config.projects import check_money
from sim.config.schema import (
    Assumptions,
    Growth,
    Removal,
    Rollout,
    SourceScope,
    SubsectorShare,
    central,
)
from sim.config.yamlio import Loc, locate
from sim.model.sources import NO_PARAM, Sources, Terms, _Reduction, build_sources, coverage
from sim.rollout.shapes import SHAPES
from sim.sampling import Marginal

#: base-year emissions of a sector that differ from the mean of the three observed years
#: before by more than this share (and by more than BASE_YEAR_MATERIAL of the city's total)
#: are reported when a scenario is validated or run
BASE_YEAR_WARN = 0.10
BASE_YEAR_MATERIAL = 0.01


@dataclass(frozen=True)
class Parameters:
    """The uncertain-able numbers of a plan: one column each in a design matrix."""

    names: tuple[str, ...]
    units: tuple[str, ...]
    central: np.ndarray  # [parameter]
    low: np.ndarray  # [parameter] least value a draw can take; NaN where certain
    high: np.ndarray  # [parameter] greatest value a draw can take; NaN where certain
    marginals: tuple[Marginal, ...] = ()  # [parameter] the distribution of each column
    #: [parameter] where each number is written (`file:line#key`): a number written once is
    #: one random variable, in every scenario that uses it (sim/batch.py)
    origins: tuple[str, ...] = ()

    def central_design(self) -> np.ndarray:
        """A design matrix of one draw, every parameter at its central value."""
        return self.central[None, :].copy()

    def __len__(self) -> int:
        return len(self.names)


def _find(loc: Loc, keys: list[Any]) -> Loc | None:
    """The location at `keys` (dict keys compared as text), or None where the tree ends."""
    here = loc
    for key in keys:
        children = here.children
        if isinstance(children, dict):
            match = next((v for k, v in children.items() if str(k) == str(key)), None)
        elif isinstance(children, list) and isinstance(key, int) and 0 <= key < len(children):
            match = children[key]
        else:
            match = None
        if match is None:
            return None
        here = match
    return here


class _ParamTable:
    def __init__(self, loc: Loc | None = None) -> None:
        self._loc = loc
        self.origins: list[str] = []
        self.names: list[str] = []
        self.units: list[str] = []
        self.values: list[float] = []
        self.lows: list[float] = []
        self.highs: list[float] = []
        self._by_name: dict[str, int] = {}
        self.marginals: list[Marginal] = []

    def add(self, name: str, value: Any, unit: str, at: list[Any] | None = None) -> int:
        """The parameter `name` (added if new); `at` is where the scenario writes it (keys of
        the resolved scenario), which names the random variable across scenarios."""
        if name in self._by_name:  # written once, used in several places: one parameter
            return self._by_name[name]
        self._by_name[name] = len(self.names)
        marginal = to_marginal(value)
        where = _find(self._loc, at) if (self._loc is not None and at is not None) else None
        last = name.rsplit(".", 1)[-1]
        self.origins.append(f"{where.file}:{where.line}#{last}" if where else name)
        self.names.append(name)
        self.units.append(unit)
        self.values.append(central(value))
        low, high = (np.nan, np.nan) if marginal.is_certain else marginal.support
        self.lows.append(low)
        self.highs.append(high)
        self.marginals.append(marginal)
        return self._by_name[name]

    def freeze(self) -> Parameters:
        return Parameters(
            tuple(self.names),
            tuple(self.units),
            np.asarray(self.values, float),
            np.asarray(self.lows, float),
            np.asarray(self.highs, float),
            tuple(self.marginals),
            tuple(self.origins),
        )


@dataclass(frozen=True)
class GrowthPlan:
    """How one BAU index (activity or intensity) is built for every (city, sector).

    `rate_param[c, s, t]` is the parameter giving the change from year t-1 to t
    (NO_PARAM: no change); channels listed in `paths` are instead interpolated from
    their points `(city, sector, point years, point parameters)`.
    """

    rate_param: np.ndarray  # [city, sector, year], int
    paths: tuple[tuple[int, int, np.ndarray, np.ndarray], ...] = ()


@dataclass(frozen=True)
class TargetSpec:
    id: str
    title: str | None
    threshold: float
    reference_year: int
    year: int
    basis: str
    sectors: tuple[str, ...]
    max_removals: float | None = None  # share of the reference emissions; None: no cap
    source: str | None = None
    file: str = ""  # the scenario file that writes the target


@dataclass(frozen=True)
class Projects:
    """One row per (city, intervention) pair: what the engine computes on.

    Parameter columns hold indices into the plan's parameters (NO_PARAM where unused).
    """

    city: np.ndarray  # [project] index into plan.cities
    intervention: np.ndarray  # [project] index into plan.interventions
    sector: np.ndarray  # [project] index into plan.sectors; NO_PARAM for a removal
    effect: np.ndarray  # [project] parameter, 1 (NO_PARAM for a removal)
    tonnes: np.ndarray  # [project] parameter, t CO2e/yr (removals)
    start: np.ndarray  # [project] parameter, year
    planning: np.ndarray  # [project] parameter, years
    build: np.ndarray  # [project] parameter, years
    end: np.ndarray  # [project] parameter, year (NO_PARAM: never retired)
    capex: np.ndarray  # [project] parameter, SEK (or SEK per t CO2e/yr, see capex_per_t)
    opex: np.ndarray  # [project] parameter, SEK/yr (or SEK per t CO2e, see opex_per_t)
    capex_per_t: np.ndarray  # [project] bool: capex is per t CO2e/yr of full effect
    opex_per_t: np.ndarray  # [project] bool: opex is per t CO2e of full effect
    shape: np.ndarray  # [project] int code, see sim.rollout.shapes.SHAPES
    steepness: np.ndarray  # [project] float, logistic steepness
    money: np.ndarray  # [project] parameter, SEK taken from the budget (NO_PARAM: capex)
    budget: np.ndarray  # [project] budget pool, -1 for none
    slots: np.ndarray  # [project] slots of each capacity it needs
    after_ptr: np.ndarray  # [project + 1] CSR pointers into `after`
    after: np.ndarray  # projects each project waits for
    capacity_ptr: np.ndarray  # [project + 1] CSR pointers into `capacity`
    capacity: np.ndarray  # capacity pools each project needs, in the order written

    def __len__(self) -> int:
        return len(self.city)

    @property
    def is_removal(self) -> np.ndarray:
        return self.sector == NO_PARAM


#: the per-project columns gathered one by one (the CSR pairs are built apart)
_PROJECT_COLUMNS = tuple(
    f
    for f in Projects.__dataclass_fields__
    if f not in ("after_ptr", "after", "capacity_ptr", "capacity")
)


@dataclass(frozen=True)
class Credits:
    """Which city each removal counts for: one row per (removal project, credited city)."""

    project: np.ndarray  # [credit] project index
    city: np.ndarray  # [credit] index into plan.cities
    share: np.ndarray  # [credit] parameter index of the share (NO_PARAM: 1)


@dataclass(frozen=True)
class Pools:
    """Capacities and budgets as the rollout sees them (one pool per city if per_city)."""

    capacity_names: tuple[str, ...]
    capacity_slots: np.ndarray  # [capacity pool] int
    budget_names: tuple[str, ...]
    budget_per_year: np.ndarray  # [budget pool] parameter, SEK/yr
    budget_carry: np.ndarray  # [budget pool] bool
    city_group: np.ndarray  # [city] group of cities that share nothing with the others


@dataclass(frozen=True, eq=False)  # compared and hashed by identity (it holds arrays)
class Plan:
    scenario_id: str
    title: str | None
    cities: tuple[str, ...]
    city_names: tuple[str, ...]
    sectors: tuple[str, ...]
    sector_names: tuple[str, ...]
    years: np.ndarray  # [year] base..horizon
    hist_years: np.ndarray  # [hist_year]
    e0: np.ndarray  # [city, sector] t CO2e/yr in the base year
    observed: np.ndarray  # [city, sector, hist_year] t CO2e/yr, NaN where not observed
    params: Parameters
    activity: GrowthPlan
    intensity: GrowthPlan
    interventions: tuple[str, ...]
    intervention_titles: tuple[str, ...]
    intervention_kinds: tuple[str, ...]  # "reduction" or "removal"
    intervention_sectors: tuple[str, ...]  # "" for removals
    projects: Projects
    sources: Sources
    terms: Terms
    credits: Credits
    pools: Pools
    currency: str
    price_year: int
    discount_rate: float
    targets: tuple[TargetSpec, ...]
    inputs_sha256: str
    files: tuple[str, ...]
    base_level_years: int = 1
    warnings: tuple[str, ...] = ()

    @property
    def base_year(self) -> int:
        return int(self.years[0])


def _growth_for(bau: Any, city_key: Any, sector: str, channel: str) -> tuple[str, Growth | None]:
    """The most specific assumption setting `channel`, and a name for where it was written."""
    city_map: dict[str, Assumptions] = bau.cities.get(city_key, {}) if city_key is not None else {}
    for where, assumptions in (
        (f"cities.{city_key}.{sector}", city_map.get(sector)),
        (f"sectors.{sector}", bau.sectors.get(sector)),
        (f"cities.{city_key}.all", city_map.get("all")),
        ("default", bau.default),
    ):
        growth = getattr(assumptions, channel, None) if assumptions is not None else None
        if growth is not None:
            return where, growth
    return "", None


def _growth_plan(
    loaded: LoadedScenario, channel: str, years: np.ndarray, table: _ParamTable
) -> GrowthPlan:
    bau = loaded.scenario.bau
    city_keys = {loaded.city_of(ref): ref for ref in bau.cities}
    n_c, n_s, n_t = len(loaded.cities), len(loaded.sectors), len(years)
    rate_param = np.full((n_c, n_s, n_t), NO_PARAM, dtype=np.int64)
    paths = []
    for c, code in enumerate(loaded.cities):
        for s, sector in enumerate(loaded.sectors):
            where, growth = _growth_for(bau, city_keys.get(code), sector, channel)
            if growth is None:
                continue
            name = f"bau.{where}.{channel}"
            at = ["bau", *where.split("."), channel]
            if growth.path is not None:
                pts = sorted(growth.path.items())
                pyears = np.array([y for y, _ in pts], dtype=float)
                pidx = np.array(
                    [table.add(f"{name}.path[{y}]", v, "1", [*at, "path", y]) for y, v in pts],
                    dtype=np.int64,
                )
                paths.append((c, s, pyears, pidx))
            elif isinstance(growth.rate, dict):
                for from_year, rate in sorted(growth.rate.items()):
                    p = table.add(
                        f"{name}.rate[{from_year}]", rate, "1/yr", [*at, "rate", from_year]
                    )
                    rate_param[c, s, years >= max(from_year, years[0] + 1)] = p
            else:
                p = table.add(f"{name}.rate", growth.rate, "1/yr", [*at, "rate"])  # type: ignore[arg-type]
                rate_param[c, s, 1:] = p
    return GrowthPlan(rate_param, tuple(paths))


def _csr(lists: list[tuple[int, ...]]) -> tuple[np.ndarray, np.ndarray]:
    ptr = np.zeros(len(lists) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(x) for x in lists])
    idx = np.asarray([i for x in lists for i in x], dtype=np.int64)
    return ptr, idx


def _projects(loaded: LoadedScenario, table: _ParamTable):
    sc = loaded.scenario
    entries = [*sc.interventions, *sc.removals]
    city_index = {code: i for i, code in enumerate(loaded.cities)}
    sector_index = {s: i for i, s in enumerate(loaded.sectors)}
    # the intervention axis of results: entries' labels (default: their ids), each once;
    # entries of one label must be of one kind and sector
    labels: list[str] = []
    label_entry: dict[str, Any] = {}
    label_index: list[int] = []
    group_index = {"interventions": 0, "removals": len(sc.interventions)}
    for k, e in enumerate(entries):
        label = e.label or e.id
        first = label_entry.get(label)
        if first is None:
            label_entry[label] = e
            labels.append(label)
        elif isinstance(first, Removal) != isinstance(e, Removal) or (
            not isinstance(e, Removal) and first.sector != e.sector
        ):
            group = "removals" if isinstance(e, Removal) else "interventions"
            raise loaded.fail(
                [group, k - group_index[group], "label"],
                f"'{label}' names entries of different kinds or sectors; give it another label",
            )
        label_index.append(labels.index(label))
    cols: dict[str, list] = {k: [] for k in _PROJECT_COLUMNS}
    reductions: list[_Reduction] = []
    credits: list[tuple[int, int, int]] = []
    for spec in loaded.layout.projects:
        item = entries[spec.entry]
        code = spec.city
        removal = isinstance(item, Removal)
        ro: Rollout = item.rollout
        cost = item.cost
        base = f"{spec.group}.{item.id}"
        at = [spec.group, spec.index]
        cols["city"].append(city_index[code])
        cols["intervention"].append(label_index[spec.entry])
        k = len(cols["city"]) - 1
        if removal:
            cols["sector"].append(NO_PARAM)
            cols["effect"].append(NO_PARAM)
            cols["tonnes"].append(
                table.add(f"{base}.tonnes", item.tonnes, "t CO2e/yr", [*at, "tonnes"])
            )
            if item.credit is None:
                credits.append((k, city_index[code], NO_PARAM))
            for ref, share in (item.credit or {}).items():
                key = next(x for x in loaded.raw[spec.group][spec.index]["credit"] if str(x) == ref)
                where = [spec.group, spec.index, "credit", key]
                target = loaded.data.resolve_city(ref)
                if target not in city_index:
                    raise loaded.fail(where, f"city '{ref}' is not among the scenario's cities")
                if any(c[0] == k and c[1] == city_index[target] for c in credits):
                    raise loaded.fail(where, f"city '{ref}' is credited twice")
                p = table.add(f"{base}.credit[{target}]", share, "1", where)
                credits.append((k, city_index[target], p))
        else:
            cols["sector"].append(sector_index[item.sector])
            if isinstance(item.scope, SubsectorShare):
                scope_param = NO_PARAM
            elif isinstance(item.scope, SourceScope):
                scope_param = table.add(
                    f"{base}.scope.fraction", item.scope.fraction, "1", [*at, "scope", "fraction"]
                )
            else:
                scope_param = table.add(f"{base}.scope", item.scope, "1", [*at, "scope"])
            reductions.append(
                _Reduction(
                    k,
                    city_index[code],
                    sector_index[item.sector],
                    [spec.group, spec.index],
                    item.scope,
                    scope_param,
                )
            )
            cols["effect"].append(table.add(f"{base}.effect", item.effect, "1", [*at, "effect"]))
            cols["tonnes"].append(NO_PARAM)
        ro_at = [*at, "rollout"]
        cols["start"].append(
            table.add(f"{base}.rollout.start", ro.start, "year", [*ro_at, "start"])
        )
        cols["planning"].append(
            table.add(f"{base}.rollout.planning", ro.planning, "yr", [*ro_at, "planning"])
        )
        cols["build"].append(table.add(f"{base}.rollout.build", ro.build, "yr", [*ro_at, "build"]))
        cols["end"].append(
            NO_PARAM
            if ro.end is None
            else table.add(f"{base}.rollout.end", ro.end, "year", [*ro_at, "end"])
        )
        for kind, unit in (("capex", "SEK"), ("opex", "SEK/yr")):
            per_t = getattr(cost, f"{kind}_per_t")
            if per_t is not None:
                cols[kind].append(
                    table.add(
                        f"{base}.cost.{kind}_per_t",
                        per_t,
                        f"{unit}/(t CO2e/yr)",
                        [*at, "cost", f"{kind}_per_t"],
                    )
                )
                cols[f"{kind}_per_t"].append(True)
            else:
                total = getattr(cost, kind)
                cols[kind].append(
                    table.add(f"{base}.cost.{kind}", total or 0.0, unit, [*at, "cost", kind])
                )
                cols[f"{kind}_per_t"].append(False)
        cols["shape"].append(SHAPES[ro.shape])
        cols["steepness"].append(ro.steepness)
        need = ro.needs
        money = need.money if need is not None else None
        cols["money"].append(
            NO_PARAM
            if money is None
            else table.add(f"{base}.rollout.needs.money", money, "SEK", [*ro_at, "needs", "money"])
        )
        cols["budget"].append(spec.budget)
        cols["slots"].append(spec.slots)
    dtypes = {"steepness": float, "capex_per_t": bool, "opex_per_t": bool}
    arrays = {k: np.asarray(v, dtype=dtypes.get(k, np.int64)) for k, v in cols.items()}
    arrays["after_ptr"], arrays["after"] = _csr([p.after for p in loaded.layout.projects])
    arrays["capacity_ptr"], arrays["capacity"] = _csr(
        [p.capacities for p in loaded.layout.projects]
    )
    meta = (
        tuple(labels),
        tuple(label_entry[x].title or label_entry[x].label or label_entry[x].id for x in labels),
        tuple("removal" if isinstance(label_entry[x], Removal) else "reduction" for x in labels),
        tuple("" if isinstance(label_entry[x], Removal) else label_entry[x].sector for x in labels),
    )
    pairs: set[tuple[int, int]] = set()
    for spec, c, x in zip(loaded.layout.projects, cols["city"], cols["intervention"], strict=True):
        if (c, x) in pairs:
            raise loaded.fail(
                [spec.group, spec.index, "label"],
                f"two entries named '{labels[x]}' run in {loaded.data.cities[spec.city].name}: "
                "a city runs a measure of one name once",
            )
        pairs.add((c, x))
    credit_arrays = Credits(
        *(np.asarray([c[i] for c in credits], dtype=np.int64) for i in range(3))
    )
    return Projects(**arrays), meta, reductions, credit_arrays


def _pools(loaded: LoadedScenario, table: _ParamTable) -> Pools:
    sc, layout = loaded.scenario, loaded.layout
    budgets = [sc.budgets[p.index] for p in layout.budget_pools]
    return Pools(
        capacity_names=tuple(p.name for p in layout.capacity_pools),
        capacity_slots=np.asarray(
            [sc.capacities[p.index].slots for p in layout.capacity_pools], dtype=np.int64
        ),
        budget_names=tuple(p.name for p in layout.budget_pools),
        budget_per_year=np.asarray(
            [
                table.add(
                    f"budgets.{b.id}.per_year",
                    b.per_year,
                    "SEK/yr",
                    ["budgets", p.index, "per_year"],
                )
                for b, p in zip(budgets, layout.budget_pools, strict=True)
            ],
            dtype=np.int64,
        ),
        budget_carry=np.asarray([b.carry_over for b in budgets], dtype=bool),
        city_group=np.asarray(layout.city_group, dtype=np.int64),
    )


def _check_money(
    loaded: LoadedScenario,
    plan_e0: np.ndarray,
    p: Projects,
    sources: Sources,
    terms: Terms,
    params: Parameters,
):
    """Stop before the run if a project needs more money than its budget ever holds (at
    the high end of each number; for an unbounded distribution its 99.9th percentile, a
    value it can really take)."""
    high = np.asarray([practical_high(m) for m in params.marginals], float)

    def at(idx: int) -> float:
        return float(high[idx]) if idx != NO_PARAM else 0.0

    covered = coverage(sources, terms, high[None, :], len(p))[0]
    money_high = []
    for k in range(len(p)):
        if p.money[k] != NO_PARAM:
            money_high.append(at(p.money[k]))
        elif p.capex_per_t[k]:
            size = (
                at(p.tonnes[k])
                if p.sector[k] == NO_PARAM
                else covered[k] * at(p.effect[k]) * plan_e0[p.city[k], p.sector[k]]
            )
            money_high.append(at(p.capex[k]) * size)
        else:
            money_high.append(at(p.capex[k]))
    check_money(loaded.layout, loaded.scenario, money_high, loaded.fail)


def _base_level(
    loaded: LoadedScenario,
    observed: np.ndarray,
    hist_years: np.ndarray,
    n_years: int,
    warnings: list[str],
) -> np.ndarray:
    """Base-year emissions [city, sector]: the base year's inventory, or the mean of the last
    `n_years` observed years up to it. Warns where the base year stands out from the three
    observed years before it."""
    upto = hist_years <= loaded.base_year
    at_base = np.nan_to_num(observed[:, :, list(hist_years).index(loaded.base_year)])
    e0 = at_base
    if n_years > 1:
        e0 = np.zeros_like(at_base)
        for c in range(observed.shape[0]):
            for s in range(observed.shape[1]):
                row = observed[c, s, upto]
                seen = row[~np.isnan(row)][-n_years:]
                e0[c, s] = seen.mean() if len(seen) else 0.0
    for c, code in enumerate(loaded.cities):
        total = at_base[c].sum()
        odd = []
        for s, sector in enumerate(loaded.sectors):
            window = (hist_years >= loaded.base_year - 3) & (hist_years < loaded.base_year)
            before = observed[c, s, window]
            if len(before) < 3 or np.isnan(before).any():
                continue
            mean = before.mean()
            gap = at_base[c, s] - mean
            if abs(gap) > BASE_YEAR_WARN * mean and abs(gap) > BASE_YEAR_MATERIAL * total:
                odd.append(f"{sector} {100 * gap / mean:+.0f} %" if mean > 0 else sector)
        if odd:
            name = loaded.data.cities[code].name
            what = "the base level (mean of the last years)" if n_years > 1 else "the projection"
            warnings.append(
                f"{name}: base year {loaded.base_year} differs from the mean of the three "
                f"observed years before by more than {100 * BASE_YEAR_WARN:.0f} % in "
                f"{', '.join(odd)}; {what} starts from it (years.base_level_years averages "
                "the base level over several years)"
            )
    return e0


def build_plan(loaded: LoadedScenario) -> Plan:
    """Freeze a loaded scenario into arrays (no draws yet)."""
    sc = loaded.scenario
    data = loaded.data
    years = np.arange(loaded.base_year, sc.years.horizon + 1)
    hist_years = np.array(
        sorted(
            set().union(
                *(
                    y
                    for c in loaded.cities
                    for y in (set(v) for v in data.cities[c].emissions.values())
                )
            )
        )
    )
    observed = np.full((len(loaded.cities), len(loaded.sectors), len(hist_years)), np.nan)
    for c, code in enumerate(loaded.cities):
        for s, sector in enumerate(loaded.sectors):
            for h, year in enumerate(hist_years):
                value = data.cities[code].emissions.get(sector, {}).get(int(year))
                if value is not None:
                    observed[c, s, h] = value
    warnings: list[str] = []
    e0 = _base_level(loaded, observed, hist_years, sc.years.base_level_years, warnings)
    table = _ParamTable(loaded.loc)
    activity = _growth_plan(loaded, "activity", years, table)
    intensity = _growth_plan(loaded, "intensity", years, table)
    projects, (ids, titles, kinds, sectors), reductions, credits = _projects(loaded, table)
    sources, terms = build_sources(loaded, reductions, table.add, warnings)
    pools = _pools(loaded, table)
    params = table.freeze()
    _check_money(loaded, e0, projects, sources, terms, params)
    names = {s.id: s.name_en for s in data.sectors}
    targets = tuple(
        TargetSpec(
            t.id,
            t.title,
            t.threshold,
            t.reference_year,
            t.year,
            t.basis,
            tuple(t.sectors) if t.sectors else loaded.sectors,
            t.max_removals,
            t.source,
            str(locate(loaded.loc, ["targets", i]).file),
        )
        for i, t in enumerate(sc.targets)
    )
    return Plan(
        scenario_id=sc.id,
        title=sc.title,
        cities=loaded.cities,
        city_names=tuple(data.cities[c].name for c in loaded.cities),
        sectors=loaded.sectors,
        sector_names=tuple(names[s] for s in loaded.sectors),
        years=years,
        hist_years=hist_years,
        e0=e0,
        observed=observed,
        params=params,
        activity=activity,
        intensity=intensity,
        interventions=ids,
        intervention_titles=titles,
        intervention_kinds=kinds,
        intervention_sectors=sectors,
        projects=projects,
        sources=sources,
        terms=terms,
        credits=credits,
        pools=pools,
        currency=sc.costs.currency,
        price_year=sc.costs.price_year,
        discount_rate=sc.costs.discount_rate,
        targets=targets,
        inputs_sha256=loaded.inputs_sha256,
        files=tuple(str(p) for p in loaded.files),
        base_level_years=sc.years.base_level_years,
        warnings=tuple(warnings),
    )
