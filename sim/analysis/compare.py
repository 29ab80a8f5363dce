"""Compare scenarios, per city (docs/cli.md, `citypaths compare`).

For each result (one or more files, each with one or more scenarios) and each of its cities:

- gross and net emissions in chosen years (t CO2e/yr);
- for each target: the share of draws that meet it and the gap in its year (emissions on
  the target's basis minus the level it allows, t CO2e/yr: positive is what is still to be
  cut, negative a margin), with removals counted as the target counts them (`max_removals`);
- cumulative gross emissions over a period (t CO2e), against the Carbon Law path and the
  trend of the total over the same years and, if given, a carbon budget: the share of draws
  that stay within each and when the budget runs out;
- the NPV of the measures' costs and their levelised cost per tonne.

A figure that varies between draws is given as its median and its 5th and 95th percentiles
over the draws (numpy's linear interpolation); with one draw the three are the same.
Scenarios from different files line up by city (kommun code) and intervention id: the
intervention axes are aligned on their union (`align_interventions`), NaN where a scenario
does not have an intervention.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from sim import dims
from sim.analysis.summary import target_figures
from sim.core import benchmarks as bm
from sim.errors import CitypathsError

FORMATS = ("table", "csv", "json")
DEFAULT_YEARS = (2030, 2040, 2050)
PERCENTILES = (5.0, 95.0)
COLUMNS = (
    "scenario",
    "city",
    "city_name",
    "metric",
    "target",
    "intervention",
    "year",
    "period",
    "unit",
    "value",
    "median",
    "p05",
    "p95",
    "n_draws",
)
#: metric -> what it is (docs/cli.md lists the same)
METRICS = {
    "emissions_gross": "gross territorial emissions in the year, all the scenario's sectors",
    "emissions_net": "gross emissions minus all removals credited to the city, in the year",
    "p_target_met": "share of draws that meet the target (removals counted up to its cap)",
    "target_gap": "emissions on the target's basis minus the level it allows, in its year",
    "cumulative_gross": "gross emissions summed over the period",
    "trend_sum": "the trend of the observed total summed over the period",
    "carbon_law_sum": "the Carbon Law path from the trend's value in the first year, summed",
    "p_within_carbon_law": "share of draws whose cumulative gross emissions are at most the "
    "Carbon Law sum",
    "carbon_budget": "the carbon budget given, from the start of the period",
    "p_within_budget": "share of draws whose cumulative gross emissions stay within the budget",
    "budget_exhausted": "when the budget runs out (fractional year; empty: not in the period)",
    "npv_cost": "net present value of the measures' costs, discounted to the base year",
    "levelised_cost": "present value of the costs over present value of the tonnes cut or removed",
    "measure_abatement": "t CO2e/yr the measure cuts or removes in the year",
    "measure_npv_cost": "net present value of the measure's costs",
    "measure_levelised_cost": "the measure's levelised cost of abatement",
}


@dataclass(frozen=True)
class Spread:
    """Median and 5th-95th percentiles of a figure over the draws (NaN where no draw has a
    finite value)."""

    median: float
    p05: float
    p95: float


def spread(values: np.ndarray | float) -> Spread:
    """Median, 5th and 95th percentile of the finite values (np.percentile, linear)."""
    v = np.asarray(values, float).ravel()
    v = v[np.isfinite(v)]
    if not v.size:
        return Spread(math.nan, math.nan, math.nan)
    p05, med, p95 = np.percentile(v, [PERCENTILES[0], 50.0, PERCENTILES[1]])
    return Spread(float(med), float(p05), float(p95))


def parse_years(text: str | None, option: str = "--years") -> tuple[int, ...] | None:
    """`2030,2040` -> (2030, 2040); a clear error for anything else."""
    if text is None:
        return None
    try:
        years = tuple(int(y) for y in text.split(",") if y.strip())
    except ValueError:
        raise CitypathsError(
            f"{option} {text}: expected years separated by commas, e.g. 2030,2040"
        ) from None
    if not years:
        raise CitypathsError(f"{option} {text}: expected at least one year")
    return years


def parse_period(text: str | None) -> tuple[int, int] | None:
    """`2025-2050` -> (2025, 2050)."""
    if text is None:
        return None
    parts = text.split("-")
    try:
        first, last = (int(p) for p in parts)
    except ValueError:
        raise CitypathsError(
            f"--period {text}: expected two years joined by a dash, e.g. 2025-2050"
        ) from None
    if last < first:
        raise CitypathsError(f"--period {text}: the last year is before the first")
    return first, last


def scenarios(result: xr.Dataset) -> list[xr.Dataset]:
    """The single-scenario results of a Dataset (one per entry of its scenario axis)."""
    if dims.SCENARIO not in result.dims:
        return [result]
    return [result.isel({dims.SCENARIO: i}) for i in range(result.sizes[dims.SCENARIO])]


def label(ds: xr.Dataset) -> str:
    """The scenario id of a single-scenario result."""
    return str(ds[dims.SCENARIO].values) if dims.SCENARIO in ds.coords else "scenario"


def split_results(results: Sequence[xr.Dataset]) -> list[tuple[str, xr.Dataset]]:
    """(label, single-scenario result) of every scenario of every result, in order; a
    scenario id that appears again is labelled with its number of draws (`umea-contract
    (1000 draws)`) or, failing that, `#2`, `#3`, ... so that each column is named once."""
    out: list[tuple[str, xr.Dataset]] = []
    used: set[str] = set()
    for result in results:
        for one in scenarios(result):
            name = label(one)
            n_draws = int(one.sizes.get(dims.DRAW, 1))
            candidates = [name, *([f"{name} ({n_draws} draws)"] if n_draws > 1 else [])]
            candidates += [f"{name}#{k}" for k in range(2, len(used) + 3)]
            chosen = next(c for c in candidates if c not in used)
            used.add(chosen)
            out.append((chosen, one))
    return out


_TEXT_COORDS = ("intervention_title", "intervention_kind", "intervention_sector")


def align_interventions(results: Sequence[xr.Dataset]) -> list[xr.Dataset]:
    """Each result on the union of the interventions of all (in the order first seen): the
    values of an intervention a result does not have are NaN, its title and kind are taken
    from the result that has it. Cities are left as they are."""
    union: list[str] = []
    text: dict[str, dict[str, str]] = {name: {} for name in _TEXT_COORDS}
    for ds in results:
        for i, iv in enumerate(str(v) for v in ds[dims.INTERVENTION].values):
            if iv not in text[_TEXT_COORDS[0]]:
                union.append(iv)
            for name in _TEXT_COORDS:
                if name in ds.coords:
                    text[name].setdefault(iv, str(ds[name].values[i]))
    out = []
    for ds in results:
        have = [str(v) for v in ds[dims.INTERVENTION].values]
        if have == union:
            out.append(ds)
            continue
        plain = ds.drop_vars([c for c in _TEXT_COORDS if c in ds.coords])
        aligned = plain.reindex({dims.INTERVENTION: union}, fill_value=np.nan)
        for name in ("needs_capacity", "needs_budget"):
            if name in ds:
                aligned[name] = (
                    ds[name]
                    .reindex({dims.INTERVENTION: union}, fill_value="")
                    .transpose(*ds[name].dims)
                )
        coords = {
            name: (dims.INTERVENTION, [text[name].get(iv, iv) for iv in union])
            for name in _TEXT_COORDS
            if text[name]
        }
        out.append(aligned.assign_coords(coords))
    return out


def _draws(da: xr.DataArray) -> np.ndarray:
    """Values [draw, ...] of a DataArray with or without a draw axis."""
    if dims.DRAW in da.dims:
        return da.transpose(dims.DRAW, ...).values
    return da.values[None, ...]


def _record(**fields) -> dict:
    out = dict.fromkeys(COLUMNS)
    out.update(fields)
    return out


def _spread_record(values, **fields) -> dict:
    s = spread(values)
    return _record(median=s.median, p05=s.p05, p95=s.p95, **fields)


def check_years(ds: xr.Dataset, years: Sequence[int], what: str) -> None:
    have = ds[dims.YEAR].values
    missing = [y for y in years if y not in have]
    if missing:
        shown = ",".join(map(str, missing)) if len(missing) < 4 else f"{missing[0]}-{missing[-1]}"
        raise CitypathsError(
            f"{what} {shown}: not in the projection of scenario "
            f"{label(ds)} ({int(have[0])}-{int(have[-1])})"
        )


def default_period(ds: xr.Dataset) -> tuple[int, int]:
    """The year after the base year to the horizon (2025-2050 for the shipped scenarios)."""
    years = ds[dims.YEAR].values
    first = int(years[1]) if len(years) > 1 else int(years[0])
    return first, int(years[-1])


def city_records(
    name: str,
    ds: xr.Dataset,
    code: str,
    years: Sequence[int],
    period: tuple[int, int],
    budget: float | None = None,
    rate: float = bm.CARBON_LAW_RATE,
) -> list[dict]:
    """The comparison figures of one city of a single-scenario result, as records."""
    sel = {dims.CITY: code}
    n_draws = int(ds.sizes.get(dims.DRAW, 1))
    base = {
        "scenario": name,
        "city": code,
        "city_name": str(ds["city_name"].sel(sel).item()),
        "n_draws": n_draws,
    }
    currency = str(ds.attrs.get("currency", "SEK"))
    all_years = ds[dims.YEAR].values
    gross = _draws(ds["emissions"].sel(sel).sum(dims.SECTOR).transpose(..., dims.YEAR))
    removals = _draws(ds["removals"].sel(sel).sum(dims.INTERVENTION).transpose(..., dims.YEAR))
    out = []
    for y in years:
        k = int(np.flatnonzero(all_years == y)[0])
        unit = "t CO2e/yr"
        out.append(_spread_record(gross[:, k], metric="emissions_gross", year=y, unit=unit, **base))
        out.append(
            _spread_record(
                gross[:, k] - removals[:, k], metric="emissions_net", year=y, unit=unit, **base
            )
        )
    for t in ds[dims.TARGET].values:
        tsel = {dims.TARGET: t}
        fig = target_figures(ds, code, str(t))
        allowed = (1.0 - float(ds["target_threshold"].sel(tsel))) * fig.reference
        year = int(ds["target_year"].sel(tsel))
        value = np.asarray(fig.value, float)
        common = {"target": str(t), "year": year, **base}
        out.append(
            _record(
                metric="p_target_met", unit="1", value=float(np.mean(value <= allowed)), **common
            )
        )
        out.append(_spread_record(value - allowed, metric="target_gap", unit="t CO2e/yr", **common))

    first, last = period
    span = f"{first}-{last}"
    cum = bm.cumulative(gross, all_years, first, last)  # [draw]
    out.append(_spread_record(cum, metric="cumulative_gross", period=span, unit="t CO2e", **base))
    if "emissions_trend_total" in ds:
        trend = ds["emissions_trend_total"].sel(sel).values
        level = float(trend[int(np.flatnonzero(all_years == first)[0])])
        law = bm.carbon_law_path(level, first, all_years, rate)
        law_sum = float(bm.cumulative(law, all_years, first, last))
        trend_sum = float(bm.cumulative(trend, all_years, first, last))
        common = {"period": span, **base}
        out.append(_record(metric="trend_sum", unit="t CO2e", value=trend_sum, **common))
        out.append(_record(metric="carbon_law_sum", unit="t CO2e", value=law_sum, **common))
        out.append(
            _record(
                metric="p_within_carbon_law",
                unit="1",
                value=float(np.mean(cum <= law_sum)) if np.isfinite(law_sum) else math.nan,
                **common,
            )
        )
    if budget is not None:
        common = {"period": span, **base}
        out.append(_record(metric="carbon_budget", unit="t CO2e", value=float(budget), **common))
        out.append(
            _record(
                metric="p_within_budget", unit="1", value=float(np.mean(cum <= budget)), **common
            )
        )
        keep = (all_years >= first) & (all_years <= last)
        when = bm.budget_exhausted(gross[:, keep], all_years[keep], budget, first)
        finite = np.where(np.isfinite(when), when, np.inf)
        s = spread(np.where(np.isfinite(finite), finite, 1e9))
        out.append(
            _record(
                metric="budget_exhausted",
                unit="year",
                median=_year_or_nan(s.median),
                p05=_year_or_nan(s.p05),
                p95=_year_or_nan(s.p95),
                **common,
            )
        )
    if "npv_cost" in ds:
        npv = _draws(ds["npv_cost"].sel(sel).sum(dims.INTERVENTION, skipna=True))
        out.append(_spread_record(npv, metric="npv_cost", unit=currency, **base))
    if "levelised_cost_total" in ds:
        lc = _draws(ds["levelised_cost_total"].sel(sel))
        out.append(_spread_record(lc, metric="levelised_cost", unit=f"{currency}/t CO2e", **base))
    return out


def _year_or_nan(v: float) -> float:
    """A year from the budget figures, NaN for 'not within the period' (stored as 1e9)."""
    return math.nan if not v < 1e8 else v


def measure_records(name: str, ds: xr.Dataset, code: str, years: Sequence[int]) -> list[dict]:
    """Per intervention of one city: abatement (or removals) in the years, NPV and levelised
    cost. An intervention the scenario has but does not run in the city is left out; one it
    does not have at all (after `align_interventions`) gives NaN."""
    sel = {dims.CITY: code}
    currency = str(ds.attrs.get("currency", "SEK"))
    n_draws = int(ds.sizes.get(dims.DRAW, 1))
    base = {
        "scenario": name,
        "city": code,
        "city_name": str(ds["city_name"].sel(sel).item()),
        "n_draws": n_draws,
    }
    planned = ds["planned_start"].sel(sel) if "planned_start" in ds else None
    flows = _draws((ds["abatement"] + ds["removals"]).sel(sel).transpose(..., dims.YEAR))
    npv = _draws(ds["npv_cost"].sel(sel))
    lc = _draws(ds["levelised_cost"].sel(sel))
    all_years = ds[dims.YEAR].values
    out = []
    for i, iv in enumerate(str(v) for v in ds[dims.INTERVENTION].values):
        absent = np.isnan(flows[:, i]).all()
        if not absent and planned is not None and np.isnan(_draws(planned)[:, i]).all():
            continue  # it does not run in this city
        common = {"intervention": iv, **base}
        for y in years:
            k = int(np.flatnonzero(all_years == y)[0])
            out.append(
                _spread_record(
                    flows[:, i, k], metric="measure_abatement", year=y, unit="t CO2e/yr", **common
                )
            )
        out.append(_spread_record(npv[:, i], metric="measure_npv_cost", unit=currency, **common))
        out.append(
            _spread_record(
                lc[:, i], metric="measure_levelised_cost", unit=f"{currency}/t CO2e", **common
            )
        )
    return out


def compare(
    results: Sequence[xr.Dataset],
    years: Sequence[int] | None = None,
    period: tuple[int, int] | None = None,
    budget: float | None = None,
    rate: float = bm.CARBON_LAW_RATE,
    measures: bool = False,
    cities: Sequence[str] | None = None,
) -> list[dict]:
    """The comparison records (COLUMNS) of every scenario and city of `results`.

    `years` default to 2030, 2040, 2050 where every scenario projects them; `period` to
    the years after the base year that every scenario projects (`default_period`); `budget`
    in t CO2e from the start of the period;
    `cities` (kommun codes) limits the cities."""
    if budget is not None and not budget > 0:
        raise CitypathsError(f"--budget {budget}: expected a positive number of t CO2e")
    if not 0.0 <= rate < 1.0:
        raise CitypathsError(f"--rate {rate}: expected a fraction from 0 to below 1")
    named = split_results(results)
    aligned = align_interventions([ds for _, ds in named])
    if years is None:
        common = set.intersection(*({int(y) for y in ds[dims.YEAR].values} for ds in aligned))
        years = tuple(y for y in DEFAULT_YEARS if y in common)
    if period is None:  # the years every scenario projects
        spans = [default_period(ds) for ds in aligned]
        period = (max(a for a, _ in spans), min(b for _, b in spans))
    records: list[dict] = []
    for (name, _), ds in zip(named, aligned, strict=True):
        check_years(ds, years, "--years")
        check_years(ds, list(range(period[0], period[1] + 1)), "--period")
        for code in (str(c) for c in ds[dims.CITY].values):
            if cities is not None and code not in cities:
                continue
            records += city_records(name, ds, code, years, period, budget, rate)
            if measures:
                records += measure_records(name, ds, code, years)
    return records


# ------------------------------------------------------------------ output


def _clean(v):
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, np.generic):
        return _clean(v.item())
    return v


def to_json(records: list[dict]) -> str:
    """Records as a JSON list (NaN and infinities as null)."""
    rows = [{k: _clean(v) for k, v in r.items()} for r in records]
    return json.dumps(rows, ensure_ascii=False, indent=1)


def to_csv(records: list[dict]) -> str:
    """Records as CSV with the columns COLUMNS (empty where a column does not apply)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for r in records:
        writer.writerow({k: "" if _clean(v) is None else _clean(v) for k, v in r.items()})
    return buf.getvalue()


def _kt(v: float | None) -> str:
    return "-" if v is None or not math.isfinite(v) else f"{v / 1000:,.1f}"


def _range(r: dict, fmt) -> str:
    """`median (p05-p95)`, or the median alone when the draws agree."""
    med, lo, hi = r["median"], r["p05"], r["p95"]
    if med is None or not math.isfinite(med):
        return "-"
    text = fmt(med)
    if r["n_draws"] > 1 and lo is not None and math.isfinite(lo) and hi - lo > 1e-9 * abs(med):
        text += f" ({fmt(lo)} to {fmt(hi)})"
    return text


def _money(v: float) -> str:
    return f"{v / 1e6:,.1f} M" if abs(v) < 1e9 else f"{v / 1e9:,.2f} bn"


def _pct(v: float | None) -> str:
    return "-" if v is None or not math.isfinite(v) else f"{100 * v:.0f} %"


def _cell(r: dict) -> str:
    metric = r["metric"]
    if metric.startswith("p_"):
        return _pct(r["value"])
    if metric in ("trend_sum", "carbon_law_sum", "carbon_budget"):
        return _kt(r["value"])
    if metric == "budget_exhausted":
        med = r["median"]
        if med is None or not math.isfinite(med):
            return f"not by {str(r['period'])[-4:]}"
        return _range(r, lambda v: f"{v:.1f}")
    if metric in ("npv_cost", "measure_npv_cost"):
        return _range(r, _money)
    if metric in ("levelised_cost", "measure_levelised_cost"):
        return _range(r, lambda v: f"{v:,.0f}")
    return _range(r, lambda v: f"{v / 1000:,.1f}")


def _row_label(r: dict, currency: str) -> str:
    m, t, y, p = r["metric"], r["target"], r["year"], r["period"]
    return {
        "emissions_gross": f"gross emissions {y}, kt/yr",
        "emissions_net": f"net emissions {y}, kt/yr",
        "p_target_met": f"chance of meeting {t} ({y})",
        "target_gap": f"gap to {t} in {y}, kt/yr (+ short)",
        "cumulative_gross": f"cumulative gross {p}, kt",
        "trend_sum": f"trend of the total {p}, kt",
        "carbon_law_sum": f"Carbon Law path {p}, kt",
        "p_within_carbon_law": "chance within the Carbon Law",
        "carbon_budget": "carbon budget, kt",
        "p_within_budget": "chance within the budget",
        "budget_exhausted": "budget used up in (year)",
        "npv_cost": f"NPV of the measures, {currency}",
        "levelised_cost": f"levelised cost, {currency}/t CO2e",
        "measure_abatement": f"  {r['intervention']}: cut {y}, kt/yr",
        "measure_npv_cost": f"  {r['intervention']}: NPV, {currency}",
        "measure_levelised_cost": f"  {r['intervention']}: {currency}/t CO2e",
    }[m]


def format_table(records: list[dict], currency: str = "SEK") -> str:
    """One block per city, one column per scenario; figures that vary over draws as
    `median (5th to 95th percentile)`."""
    names = list(dict.fromkeys(r["scenario"] for r in records))
    cities = list(dict.fromkeys((r["city"], r["city_name"]) for r in records))
    draws = {r["scenario"]: r["n_draws"] for r in records}
    lines = [
        "Scenarios: "
        + "; ".join(
            f"{n} ({draws[n]} draws)" if draws[n] > 1 else f"{n} (central values)" for n in names
        ),
        "Ranges are the 5th to 95th percentile over the draws; emissions in kt CO2e.",
        "",
    ]
    for code, city_name in cities:
        rows: dict[str, dict[str, str]] = {}
        for r in records:
            if r["city"] != code:
                continue
            key = _row_label(r, currency)
            rows.setdefault(key, {})[r["scenario"]] = _cell(r)
        width = max([len(k) for k in rows] + [20]) + 2
        cols = [max([len(n)] + [len(v.get(n, "-")) for v in rows.values()]) + 2 for n in names]
        lines.append(
            f"{city_name} ({code})".ljust(width)
            + "".join(n.rjust(w) for n, w in zip(names, cols, strict=True))
        )
        for key, cells in rows.items():
            lines.append(
                key.ljust(width)
                + "".join(cells.get(n, "-").rjust(w) for n, w in zip(names, cols, strict=True))
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render(records: list[dict], fmt: str, currency: str = "SEK") -> str:
    if fmt == "json":
        return to_json(records) + "\n"
    if fmt == "csv":
        return to_csv(records)
    return format_table(records, currency)


def read_results(paths: Sequence[str | Path]) -> tuple[list[xr.Dataset], list[str]]:
    """Every scenario of each result (a NetCDF file, or a Monte Carlo store with one or more
    scenarios; `sim.store.read_results`), and the path each came from."""
    from sim.store import read_results as read

    results, sources = [], []
    for p in paths:
        for ds in read(p):
            results.append(ds)
            sources.append(str(p))
    return results, sources
