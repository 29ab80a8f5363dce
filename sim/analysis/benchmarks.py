"""Benchmarks of one city from its observed inventory (docs/model.md section 7): the trend of
its total emissions, the Carbon Law path and a carbon budget, as `citypaths trend` prints
them. The numerics are in `sim.core.benchmarks`; this module reads the data and labels."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.config.baseline import BaselineData, load_data
from sim.core import benchmarks as bm
from sim.core.trend import TREND_FROM
from sim.errors import CitypathsError

#: the last year of every benchmark sum (inclusive)
END_YEAR = 2050


@dataclass(frozen=True)
class SectorTrend:
    """The trend of one sector: a breakdown; sector trends do not add up to the total's."""

    id: str
    name: str
    slope: float  # t CO2e/yr per year
    value_from: float  # t CO2e/yr in the first benchmark year
    value_end: float  # t CO2e/yr in END_YEAR


@dataclass(frozen=True)
class Benchmark:
    """A city's trend and the paths it is compared with, from `from_year` to `end_year`."""

    code: str
    name: str
    from_year: int
    end_year: int
    hist_years: tuple[int, ...]
    observed_total: tuple[float, ...]  # t CO2e/yr, NaN where a sector is missing
    anchor_year: int
    anchor_value: float  # t CO2e/yr
    slope: float  # t CO2e/yr per year
    years: tuple[int, ...]  # from_year .. end_year
    trend: tuple[float, ...]  # t CO2e/yr
    trend_sum: float  # t CO2e
    rate: float  # Carbon Law yearly cut, fraction
    carbon_law: tuple[float, ...]  # t CO2e/yr
    carbon_law_sum: float  # t CO2e
    budget: float | None = None  # t CO2e from the start of from_year
    budget_rate: float | None = None  # fraction per year
    budget_path: tuple[float, ...] | None = None  # t CO2e in each year
    budget_path_sum: float | None = None  # t CO2e to end_year
    trend_exhausts_budget: float | None = None  # fractional year; inf: not by end_year
    sectors: tuple[SectorTrend, ...] = field(default=())

    @property
    def within_carbon_law(self) -> bool:
        """Does the trend stay within the Carbon Law path's sum to `end_year`?"""
        return self.trend_sum <= self.carbon_law_sum


def city_observed(data: BaselineData, ref: str) -> tuple[str, np.ndarray, np.ndarray]:
    """(kommun code, hist years, observed [sector, hist_year] t CO2e/yr with NaN where not
    observed) of a city given by kommun code or name; the sectors are those of the data."""
    code = data.resolve_city(ref)
    if code is None:
        raise CitypathsError(
            f"{ref}: no such city in {data.root / 'cities'}; expected a kommun code or a "
            "name (see `citypaths cities`)"
        )
    city = data.cities[code]
    hist = np.array(sorted(set().union(*(set(v) for v in city.emissions.values()))))
    observed = np.full((len(data.sector_ids), len(hist)), np.nan)
    for s, sector in enumerate(data.sector_ids):
        for h, year in enumerate(hist):
            value = city.emissions.get(sector, {}).get(int(year))
            if value is not None:
                observed[s, h] = float(value)  # a plain number in a baseline file
    return code, hist, observed


def city_benchmark(
    data: BaselineData,
    ref: str,
    from_year: int | None = None,
    rate: float = bm.CARBON_LAW_RATE,
    budget: float | None = None,
    end_year: int = END_YEAR,
) -> Benchmark:
    """Benchmarks of a city (kommun code or name) from its observed data.

    The trend is fitted on the city's total (sectors summed first). The Carbon Law path and
    the budget path start in `from_year` (default: the year after the last observed year)
    at the trend's value of that year; sums run from `from_year` to `end_year` inclusive.
    """
    code, hist, observed = city_observed(data, ref)
    total = bm.observed_total(observed)
    anchor_year, anchor_value, slope = bm.trend_fit(hist, total)
    if math.isnan(anchor_year):
        raise CitypathsError(
            f"{ref}: no year from {TREND_FROM} on in which every sector is observed; "
            "the trend needs at least one"
        )
    if from_year is None:
        from_year = int(anchor_year) + 1
    if not TREND_FROM <= from_year <= end_year:
        raise CitypathsError(f"--from {from_year}: expected a year from {TREND_FROM} to {end_year}")
    if not 0.0 <= rate < 1.0:
        raise CitypathsError(
            f"--rate {rate}: expected the yearly cut as a fraction from 0 to below 1 "
            "(0.1172 is 11.72 % a year)"
        )
    if budget is not None and not budget > 0:
        raise CitypathsError(f"--budget {budget}: expected a positive number of t CO2e")
    years = np.arange(from_year, end_year + 1)
    trend = bm.trend_path(anchor_year, anchor_value, slope, years)
    start = float(trend[0])
    law = bm.carbon_law_path(start, from_year, years, rate)
    extra: dict = {}
    if budget is not None:
        if start > 0:
            path = bm.budget_path(start, budget, from_year, years)
            extra = {
                "budget_rate": float(bm.budget_rate(start, budget)),
                "budget_path": tuple(float(v) for v in path),
                "budget_path_sum": float(path.sum()),
            }
        extra["trend_exhausts_budget"] = float(bm.budget_exhausted(trend, years, budget, from_year))
    sectors = []
    for s, sector in enumerate(data.sectors):
        t_a, y_a, b = bm.trend_fit(hist, observed[s])
        if math.isnan(t_a):
            continue
        ends = bm.trend_path(t_a, y_a, b, np.array([from_year, end_year]))
        sectors.append(SectorTrend(sector.id, sector.name_en, b, float(ends[0]), float(ends[1])))
    return Benchmark(
        code=code,
        name=data.cities[code].name,
        from_year=from_year,
        end_year=end_year,
        hist_years=tuple(int(y) for y in hist),
        observed_total=tuple(float(v) for v in total),
        anchor_year=int(anchor_year),
        anchor_value=anchor_value,
        slope=slope,
        years=tuple(int(y) for y in years),
        trend=tuple(float(v) for v in trend),
        trend_sum=float(trend.sum()),
        rate=rate,
        carbon_law=tuple(float(v) for v in law),
        carbon_law_sum=float(law.sum()),
        budget=budget,
        sectors=tuple(sectors),
        **extra,
    )


def benchmark_for(
    ref: str,
    data_dir: str | Path | None = None,
    from_year: int | None = None,
    rate: float = bm.CARBON_LAW_RATE,
    budget: float | None = None,
) -> Benchmark:
    """`city_benchmark` on a data folder (default: the shipped data)."""
    return city_benchmark(load_data(data_dir), ref, from_year, rate, budget)


def _kt(value: float) -> str:
    return f"{value / 1000:,.1f}"


def _year(value: float) -> str:
    return f"not by {END_YEAR}" if not math.isfinite(value) else f"{value:.1f}"


def _verdict(b: Benchmark) -> str:
    if b.within_carbon_law:
        return "The trend stays within the Carbon Law sum."
    over = f"The trend exceeds the Carbon Law sum by {_kt(b.trend_sum - b.carbon_law_sum)} kt CO2e"
    if b.carbon_law_sum > 0:
        over += f" ({b.trend_sum / b.carbon_law_sum:.1f} times it)"
    return over + "."


def format_benchmark(b: Benchmark) -> str:
    """The benchmark as text, emissions in kt CO2e per year, sums in kt CO2e."""
    first = next(
        (y for y, v in zip(b.hist_years, b.observed_total, strict=True) if y >= TREND_FROM), None
    )
    lines = [
        f"{b.name} ({b.code}): trend of the total territorial emissions",
        f"  fitted on {first}-{b.anchor_year} (least absolute deviations, through "
        f"{_kt(b.anchor_value)} kt in {b.anchor_year}): {b.slope / 1000:+,.2f} kt CO2e/yr per "
        f"year ({b.slope:+,.0f} t)",
        "",
        f"{'year':>6}{'trend':>10}{'Carbon Law':>12}"
        + (f"{'budget':>10}" if b.budget_path else ""),
    ]
    for i, year in enumerate(b.years):
        row = f"{year:>6}{_kt(b.trend[i]):>10}{_kt(b.carbon_law[i]):>12}"
        if b.budget_path:
            row += f"{_kt(b.budget_path[i]):>10}"
        lines.append(row)
    span = f"{b.from_year}-{b.end_year}"
    lines += [
        "",
        f"Sum {span}: trend {_kt(b.trend_sum)} kt CO2e; Carbon Law ({100 * b.rate:.2f} %/yr "
        f"from {b.from_year}) {_kt(b.carbon_law_sum)} kt CO2e",
        _verdict(b),
    ]
    if b.budget is not None:
        lines.append(f"Budget {_kt(b.budget)} kt CO2e from the start of {b.from_year}:")
        if b.budget_rate is not None:
            lines.append(
                f"  the exponential path that uses it exactly falls {100 * b.budget_rate:.2f} % "
                f"a year ({_kt(b.budget_path_sum or 0.0)} kt of it by {b.end_year})"
            )
        exhausted = b.trend_exhausts_budget
        lines.append(
            f"  the trend uses it up in {_year(exhausted)}"
            if exhausted is not None and math.isfinite(exhausted)
            else f"  the trend stays within it to {b.end_year}"
        )
    lines += ["", "Per sector (a breakdown: sector trends do not add up to the total's trend):"]
    width = max((len(s.name) for s in b.sectors), default=0) + 2
    lines.append(
        f"  {'sector':<{width}}{'t CO2e/yr per yr':>17}{b.from_year:>10}{b.end_year:>10}  (kt)"
    )
    for s in b.sectors:
        lines.append(
            f"  {s.name:<{width}}{s.slope:>+17,.0f}{_kt(s.value_from):>10}{_kt(s.value_end):>10}"
        )
    return "\n".join(lines) + "\n"


def benchmark_json(b: Benchmark) -> dict:
    """The benchmark as plain JSON values (units in the keys' descriptions of docs/cli.md)."""

    def num(v: float | None):
        return None if v is None or not math.isfinite(v) else v

    out = {
        "city": b.code,
        "name": b.name,
        "unit": "t CO2e/yr",
        "from_year": b.from_year,
        "end_year": b.end_year,
        "observed_total": {
            str(y): num(v) for y, v in zip(b.hist_years, b.observed_total, strict=True)
        },
        "trend": {
            "anchor_year": b.anchor_year,
            "anchor_value": b.anchor_value,
            "slope": b.slope,
            "path": dict(zip(map(str, b.years), b.trend, strict=True)),
            "sum": b.trend_sum,
        },
        "carbon_law": {
            "rate": b.rate,
            "path": dict(zip(map(str, b.years), b.carbon_law, strict=True)),
            "sum": b.carbon_law_sum,
        },
        "within_carbon_law": b.within_carbon_law,
        "sectors": [
            {
                "id": s.id,
                "name": s.name,
                "slope": s.slope,
                "value_from": s.value_from,
                "value_end": s.value_end,
            }
            for s in b.sectors
        ],
    }
    if b.budget is not None:
        out["budget"] = {
            "budget": b.budget,
            "rate": b.budget_rate,
            "path": None
            if b.budget_path is None
            else dict(zip(map(str, b.years), b.budget_path, strict=True)),
            "sum": b.budget_path_sum,
            "trend_exhausts": num(b.trend_exhausts_budget),
        }
    return out
