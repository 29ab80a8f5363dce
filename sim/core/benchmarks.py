"""Reference paths a pathway is measured against (docs/model.md section 7): the trend of a
city's total emissions, the Carbon Law path, the exponential path that uses a carbon budget,
and the year a budget runs out on a path.

Plain arrays in and out. The year axis is always last; any leading axes (draw, city, ...)
are carried through, so a function applies to one path or to every draw at once.
Emissions are in t CO2e/yr, budgets and sums in t CO2e, years are calendar years.
"""

from __future__ import annotations

import numpy as np

from sim.core.trend import TREND_FROM, lad_slope_through_anchor

#: default yearly cut of the Carbon Law benchmark, a fraction per year. The Carbon Law
#: (Rockström et al. 2017, Science 355:1269) halves emissions every decade from 2020; applied
#: from 2025 instead, as Klimatkollen compares Swedish municipalities ("Applying Carbon Law
#: from 2025", June 2025: about 12 % a year), the cut is steeper. 11.72 %/yr is the value
#: citypaths' users asked for; `--rate` changes it.
CARBON_LAW_RATE = 0.1172


def observed_total(observed: np.ndarray) -> np.ndarray:
    """Total over sectors of an observed inventory [..., sector, hist_year] -> [...,
    hist_year], t CO2e/yr.

    A sector never observed (all NaN, e.g. missing from a city's file) counts as zero, as it
    does in the base year. A year in which any other sector is missing (NaN) has no total
    (NaN): a partial sum would look like a fall in emissions.
    """
    observed = np.asarray(observed, float)
    never = np.isnan(observed).all(axis=-1, keepdims=True)
    filled = np.where(never, 0.0, observed)
    return filled.sum(axis=-2)  # NaN where some observed sector is missing that year


def trend_fit(
    hist_years: np.ndarray, observed: np.ndarray, from_year: int = TREND_FROM
) -> tuple[float, float, float]:
    """(anchor year, anchor value t CO2e/yr, slope t CO2e/yr per year) of the trend of one
    series `observed[hist_year]`: the least-absolute-deviations line through the years from
    `from_year` on, anchored at the last observed value (sim.core.trend). All NaN if the
    series has no observation from `from_year` on."""
    t = np.asarray(hist_years, float)
    y = np.asarray(observed, float)
    ok = ~np.isnan(y) & (t >= from_year)
    if not ok.any():
        return np.nan, np.nan, np.nan
    t_obs, y_obs = t[ok], y[ok]
    t_a, y_a = float(t_obs[-1]), float(y_obs[-1])
    return t_a, y_a, lad_slope_through_anchor(t_obs, y_obs, t_a, y_a)


def trend_path(anchor_year: float, anchor_value: float, slope: float, years: np.ndarray):
    """The trend line at `years`, floored at zero, t CO2e/yr [year]."""
    years = np.asarray(years, float)
    return np.maximum(0.0, anchor_value + slope * (years - anchor_year))


def total_trend(
    observed: np.ndarray, hist_years: np.ndarray, years: np.ndarray, from_year: int = TREND_FROM
) -> np.ndarray:
    """Trend continuation of the TOTAL emissions: observed [city, sector, hist_year] ->
    [city, year], t CO2e/yr. The total is taken first (`observed_total`), then one line is
    fitted to it, so the result is not the sum of per-sector trends (sim.core.trend, a
    breakdown only: per-sector lines floored at zero do not add up to the total's line)."""
    totals = observed_total(observed)
    out = np.full((totals.shape[0], len(years)), np.nan)
    for c in range(totals.shape[0]):
        t_a, y_a, slope = trend_fit(hist_years, totals[c], from_year)
        if not np.isnan(t_a):
            out[c] = trend_path(t_a, y_a, slope, years)
    return out


def carbon_law_path(
    start_value: np.ndarray | float,
    start_year: int,
    years: np.ndarray,
    rate: float = CARBON_LAW_RATE,
) -> np.ndarray:
    """A path that falls by `rate` (fraction) each year from `start_value` in `start_year`:
    `start_value * (1 - rate) ** (t - start_year)`; NaN before `start_year`.
    [..., year] for `start_value` [...], t CO2e/yr."""
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"rate must be a fraction in [0, 1), got {rate}")
    start_value = np.asarray(start_value, float)[..., None]
    n = np.asarray(years, float) - start_year
    factor = np.where(n >= 0, (1.0 - rate) ** np.maximum(n, 0.0), np.nan)
    return start_value * factor


def budget_rate(level: np.ndarray | float, budget: np.ndarray | float) -> np.ndarray:
    """The constant yearly cut r = 1 - exp(-E0 / B) of the exponential path that starts at
    level E0 (t CO2e/yr) and uses the budget B (t CO2e) exactly (fraction per year)."""
    level, budget = np.asarray(level, float), np.asarray(budget, float)
    if (budget <= 0).any():
        raise ValueError("a carbon budget must be positive")
    return 1.0 - np.exp(-level / budget)


def budget_path(
    level: np.ndarray | float,
    budget: np.ndarray | float,
    start_year: int,
    years: np.ndarray,
) -> np.ndarray:
    """The exponential path that uses the budget B exactly, as calendar-year amounts
    [..., year] for `level`, `budget` [...] (t CO2e in each year, i.e. t CO2e/yr).

    The path is the continuous curve E(t) = E0 exp(-k (t - t0)), k = E0 / B, through the
    level E0 at the start of `start_year` (t0). Its integral from t0 on is E0 / k = B. A
    calendar year's value is the curve's integral over [t, t + 1), the same convention as
    the adoption of a year (the mean over the year): year t0 + n gets B r (1 - r)^n with
    r = 1 - exp(-k), so the values fall by r a year and their sum over all years is B
    exactly (over the first N years, B (1 - (1 - r)^N)). The first year's value,
    E0 (1 - exp(-k)) / k, is a little below E0 (by about E0^2 / 2B). NaN before
    `start_year`.
    """
    budget = np.asarray(budget, float)
    r = budget_rate(level, budget)
    n = np.asarray(years, float) - start_year
    factor = np.where(n >= 0, (1.0 - r[..., None]) ** np.maximum(n, 0.0), np.nan)
    return (budget * r)[..., None] * factor


def cumulative(path: np.ndarray, years: np.ndarray, start_year: int, end_year: int) -> np.ndarray:
    """Sum of a yearly path [..., year] over the years from `start_year` to `end_year`
    inclusive, t CO2e [...]. Every year in that range must be on the axis."""
    years = np.asarray(years)
    wanted = np.arange(start_year, end_year + 1)
    missing = np.setdiff1d(wanted, years)
    if missing.size:
        raise ValueError(f"years {missing.tolist()} are not on the path's year axis")
    keep = (years >= start_year) & (years <= end_year)
    return np.asarray(path, float)[..., keep].sum(axis=-1)


def budget_exhausted(
    path: np.ndarray, years: np.ndarray, budget: np.ndarray | float, start_year: int
) -> np.ndarray:
    """The moment (a fractional year) at which the cumulative emissions of a yearly path
    [..., year], counted from the start of `start_year`, reach the budget B [...] (t CO2e).

    Within a year emissions are taken as spread evenly, so the budget runs out in year t at
    t + (B - used before t) / E[t]. A budget of zero or less is gone at `start_year`;
    `inf` where the path stays within the budget over the years given.
    """
    years = np.asarray(years)
    path = np.asarray(path, float)
    budget = np.asarray(budget, float)
    keep = years >= start_year
    flows = path[..., keep]
    t = years[keep].astype(float)
    after = np.cumsum(flows, axis=-1)
    before = after - flows
    hit = after >= budget[..., None]
    first = np.argmax(hit, axis=-1)
    found = hit.any(axis=-1)
    take = np.take_along_axis
    used = take(before, first[..., None], axis=-1)[..., 0]
    flow = take(flows, first[..., None], axis=-1)[..., 0]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # clipped below
        fraction = np.clip(np.where(flow > 0, (budget - used) / flow, 0.0), 0.0, 1.0)
    out = np.where(found, t[first] + fraction, np.inf)
    return np.where(budget <= 0, float(start_year), out)
