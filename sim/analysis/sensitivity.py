"""Which uncertain numbers matter most (docs/cli.md, `citypaths sensitivity`).

Sobol first-order (S1) and total-order (ST) indices with 95 % confidence intervals, computed
by SALib (`SALib.analyze.sobol`, Saltelli 2002 / Jansen estimators, bootstrap intervals) for
outcomes of one city of a Monte Carlo result drawn with SALib's Saltelli design (`sampler:
saltelli`): S1 is the share of the outcome's variance that a parameter explains on its own,
ST the share it has a hand in, interactions included. Parameters ranked by ST are the list
of what to pin down next: fixing a parameter with ST near 0 changes almost nothing.

Outcomes (`OUTCOMES`), per draw, for one city:

- `cumulative`: gross emissions summed over a period (t CO2e);
- `emissions`: gross emissions in a year (t CO2e/yr);
- `npv`: the NPV of the measures' costs (currency);
- `gap`: emissions on a target's basis in its year minus the level it allows (t CO2e/yr;
  removals counted up to the target's cap).

The Saltelli design's rows come in blocks of 2D + 2 (D + 2 without second-order indices)
for D parameters: A, then A with column j taken from B for each j, [then B with column j
from A,] then B. The parameter of each block is found from the design itself (the one
column in which it differs from A), so the design may hold further columns that do not vary.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import xarray as xr

from sim import dims
from sim.analysis.summary import target_figures
from sim.core import benchmarks as bm
from sim.errors import CitypathsError

OUTCOMES = ("cumulative", "emissions", "npv", "gap")
OUTCOME_UNITS = {
    "cumulative": "t CO2e",
    "emissions": "t CO2e/yr",
    "npv": "{currency}",
    "gap": "t CO2e/yr",
}
SALTELLI = "saltelli"
NUM_RESAMPLES = 200  # bootstrap resamples of SALib's confidence intervals
CONF_LEVEL = 0.95


@dataclass(frozen=True)
class Index:
    """Sobol indices of one parameter for one outcome (fractions of the variance)."""

    outcome: str
    parameter: str
    s1: float
    s1_conf: float  # half-width of the 95 % confidence interval
    st: float
    st_conf: float
    rank: int  # 1: the largest total-order index


def saltelli_columns(theta: np.ndarray, n: int, second_order: bool) -> np.ndarray:
    """The theta column of each of the D parameters of a Saltelli design with base sample
    `n` (rows [draw, parameter] in SALib's order); raises CitypathsError if the rows are not
    such a design."""
    rows = theta.shape[0]
    if n < 1 or rows % n:
        raise CitypathsError(
            f"{rows} draws are not a Saltelli design with base sample {n} (expected a multiple)"
        )
    step = rows // n
    d = (step - 2) // 2 if second_order else step - 2
    if d < 1 or step != (2 * d + 2 if second_order else d + 2):
        raise CitypathsError(
            f"{rows} draws with base sample {n}: not a Saltelli design "
            f"({'2D + 2' if second_order else 'D + 2'} draws per base sample)"
        )
    a, b = theta[0::step], theta[step - 1 :: step]
    columns = np.empty(d, dtype=int)
    for j in range(d):
        ab = theta[1 + j :: step]
        changed = np.flatnonzero((ab != a).any(axis=0))
        if len(changed) != 1 or not np.array_equal(ab[:, changed[0]], b[:, changed[0]]):
            raise CitypathsError(
                f"draws 1+{j}, ...: not in the order of SALib's Saltelli design (block {j + 1} "
                "should differ from the first draw of its base sample in one parameter)"
            )
        columns[j] = changed[0]
    return columns


def sobol_indices(
    theta: np.ndarray,
    y: np.ndarray,
    n: int,
    second_order: bool,
    names: Sequence[str],
    outcome: str = "y",
    seed: int = 0,
) -> list[Index]:
    """Sobol indices of outcome `y` [draw] for each parameter of a Saltelli design
    `theta` [draw, parameter] (base sample `n`), ranked by total-order index."""
    from SALib.analyze import sobol

    columns = saltelli_columns(theta, n, second_order)
    y = np.asarray(y, float)
    if not np.isfinite(y).all():
        raise CitypathsError(f"{outcome}: not finite in every draw; Sobol indices need it to be")
    problem = {
        "num_vars": len(columns),
        "names": [str(names[c]) for c in columns],
        "bounds": [[0.0, 1.0]] * len(columns),
    }
    if np.ptp(y) == 0.0:  # the outcome does not vary: no variance to share out
        out = [
            Index(outcome, problem["names"][j], 0.0, 0.0, 0.0, 0.0, 0) for j in range(len(columns))
        ]
        return [Index(**{**vars(r), "rank": k + 1}) for k, r in enumerate(out)]
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        si = sobol.analyze(
            problem,
            y,
            calc_second_order=second_order,
            num_resamples=NUM_RESAMPLES,
            conf_level=CONF_LEVEL,
            seed=seed,
        )
    rows = [
        (problem["names"][j], *(float(si[k][j]) for k in ("S1", "S1_conf", "ST", "ST_conf")))
        for j in range(len(columns))
    ]
    rows.sort(key=lambda r: -r[3] if math.isfinite(r[3]) else math.inf)
    return [
        Index(outcome, name, s1, c1, st, ct, k + 1) for k, (name, s1, c1, st, ct) in enumerate(rows)
    ]


def design_of(
    ds: xr.Dataset, source: str = "the result"
) -> tuple[np.ndarray, list[str], int, bool]:
    """(theta [draw, parameter], parameter names, base sample N, second order?) of a result
    drawn with the Saltelli sampler; a clear error naming the sampler to use otherwise."""
    sampler = str(ds.attrs.get("sampler", "none"))
    if sampler != SALTELLI or "theta" not in ds:
        raise CitypathsError(
            f"{source}: drawn with sampler {sampler!r}; Sobol indices need SALib's Saltelli "
            "design: write `sampler: saltelli` in the scenario's experiment and run it again"
        )
    theta = ds["theta"]
    if dims.SCENARIO in theta.dims:
        theta = theta.isel({dims.SCENARIO: 0})
    theta = theta.transpose(dims.DRAW, ...)
    names = [str(v) for v in theta[theta.dims[1]].values]
    try:
        n = int(ds.attrs["saltelli_n"])
        second = bool(int(ds.attrs.get("calc_second_order", 1)))
    except (KeyError, ValueError):
        raise CitypathsError(
            f"{source}: a Saltelli result without its base sample size (attribute saltelli_n)"
        ) from None
    return theta.values, names, n, second


def _one_scenario(ds: xr.Dataset) -> xr.Dataset:
    return ds.isel({dims.SCENARIO: 0}) if dims.SCENARIO in ds.dims else ds


def default_year(ds: xr.Dataset) -> int:
    """The first target's year, else 2030 if projected, else the horizon."""
    years = [int(y) for y in ds[dims.YEAR].values]
    if ds.sizes.get(dims.TARGET, 0):
        y = int(ds["target_year"].isel({dims.TARGET: 0}))
        if y in years:
            return y
    return 2030 if 2030 in years else years[-1]


def outcome_values(
    ds: xr.Dataset,
    city: str,
    outcome: str,
    period: tuple[int, int] | None = None,
    year: int | None = None,
    target: str | None = None,
) -> tuple[np.ndarray, str]:
    """(values [draw], description with unit) of an outcome of one city (kommun code)."""
    from sim.analysis.compare import check_years, default_period

    ds = _one_scenario(ds)
    sel = {dims.CITY: city}
    currency = str(ds.attrs.get("currency", "SEK"))
    unit = OUTCOME_UNITS[outcome].format(currency=currency)
    gross = ds["emissions"].sel(sel).sum(dims.SECTOR).transpose(dims.DRAW, dims.YEAR)
    if outcome == "cumulative":
        first, last = period or default_period(ds)
        check_years(ds, list(range(first, last + 1)), "--period")
        values = bm.cumulative(gross.values, ds[dims.YEAR].values, first, last)
        return values, f"cumulative gross emissions {first}-{last}, {unit}"
    if outcome == "emissions":
        year = year or default_year(ds)
        check_years(ds, [year], "--year")
        return gross.sel({dims.YEAR: year}).values, f"gross emissions in {year}, {unit}"
    if outcome == "npv":
        npv = ds["npv_cost"].sel(sel).sum(dims.INTERVENTION).transpose(dims.DRAW)
        return npv.values, f"NPV of the measures' costs, {unit}"
    targets = [str(t) for t in ds[dims.TARGET].values]
    if not targets:
        raise CitypathsError("--outcome gap: the result has no targets")
    target = target or targets[0]
    if target not in targets:
        raise CitypathsError(
            f"--target {target}: the result has no such target; it has: {', '.join(targets)}"
        )
    fig = target_figures(ds, city, target)
    allowed = (1.0 - float(ds["target_threshold"].sel({dims.TARGET: target}))) * fig.reference
    return np.asarray(fig.value, float) - allowed, f"gap to target {target}, {unit}"


def sensitivity(
    ds: xr.Dataset,
    city: str,
    outcomes: Sequence[str] = OUTCOMES,
    period: tuple[int, int] | None = None,
    year: int | None = None,
    target: str | None = None,
    source: str = "the result",
    skip_gap_without_targets: bool = True,
) -> list[tuple[str, list[Index]]]:
    """(outcome description, ranked indices) for each outcome of one city of a Saltelli
    result. The bootstrap of the confidence intervals is seeded from the result's seed. The
    gap is left out of a result without targets, or (if `skip_gap_without_targets` is
    false) an error."""
    theta, names, n, second = design_of(ds, source)
    seed = int(ds.attrs["seed"]) if str(ds.attrs.get("seed", "")).isdigit() else 0
    out = []
    for outcome in outcomes:
        no_targets = not _one_scenario(ds).sizes.get(dims.TARGET, 0)
        if outcome == "gap" and no_targets and skip_gap_without_targets:
            continue
        y, what = outcome_values(ds, city, outcome, period, year, target)
        out.append((what, sobol_indices(theta, y, n, second, names, outcome, seed)))
    return out


def records(results: list[tuple[str, list[Index]]], city: str) -> list[dict]:
    return [
        {
            "city": city,
            "outcome": i.outcome,
            "description": what,
            "rank": i.rank,
            "parameter": i.parameter,
            "S1": i.s1,
            "S1_conf": i.s1_conf,
            "ST": i.st,
            "ST_conf": i.st_conf,
        }
        for what, indices in results
        for i in indices
    ]


def format_table(results: list[tuple[str, list[Index]]], city_label: str, top: int = 15) -> str:
    """Per outcome: the parameters ranked by total-order index, with 95 % intervals."""
    lines = [
        f"{city_label}: Sobol sensitivity indices (share of the variance; +- 95 % interval)",
        "first order: the parameter alone; total: with its interactions. Pin down the top "
        "of each list first.",
        "",
    ]
    for what, indices in results:
        width = max([len(i.parameter) for i in indices[:top]] + [9]) + 2
        lines.append(what)
        lines.append(f"  {'rank':>4}  {'parameter'.ljust(width)}{'total':>16}{'first order':>18}")
        for i in indices[:top]:
            lines.append(
                f"  {i.rank:>4}  {i.parameter.ljust(width)}"
                f"{i.st:>9.3f} +- {i.st_conf:.3f}{i.s1:>11.3f} +- {i.s1_conf:.3f}"
            )
        if len(indices) > top:
            rest = sum(1 for i in indices[top:] if i.st > 0.01)
            lines.append(f"  ... {len(indices) - top} more ({rest} with a total index above 0.01)")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


@dataclass(frozen=True)
class Swing:
    """How an outcome moves with one parameter, from any Monte Carlo result: its mean over
    the draws where the parameter is in its lowest `share` of values, and where it is in its
    highest."""

    parameter: str
    low: float  # mean outcome where the parameter is low
    high: float  # mean outcome where the parameter is high
    theta_low: float  # the parameter's mean over those draws, in its own unit
    theta_high: float

    @property
    def width(self) -> float:
        return abs(self.high - self.low)


def swings(
    theta: np.ndarray, y: np.ndarray, names: Sequence[str], share: float = 0.2
) -> list[Swing]:
    """The swing of `y` [draw] for each parameter of `theta` [draw, parameter] that varies,
    widest first. Draws are ranked by the parameter (ties in draw order) and the lowest and
    highest `share` of them are averaged."""
    n = theta.shape[0]
    k = max(1, round(share * n))
    out = []
    for j in range(theta.shape[1]):
        col = theta[:, j]
        if np.ptp(col) == 0.0:
            continue
        order = np.argsort(col, kind="stable")
        lo, hi = order[:k], order[-k:]
        out.append(
            Swing(
                str(names[j]),
                float(y[lo].mean()),
                float(y[hi].mean()),
                float(col[lo].mean()),
                float(col[hi].mean()),
            )
        )
    out.sort(key=lambda s: -s.width)
    return out


def result_theta(ds: xr.Dataset) -> tuple[np.ndarray, list[str]]:
    """(theta [draw, parameter], names) of a Monte Carlo result; a clear error without."""
    if "theta" not in ds or ds.sizes.get(dims.DRAW, 1) < 10:
        raise CitypathsError(
            "the result has no Monte Carlo draws (at least 10, with their design `theta`); "
            "run a scenario with an experiment (sampler mc, lhs, sobol or saltelli) first"
        )
    theta = ds["theta"]
    if dims.SCENARIO in theta.dims:
        theta = theta.isel({dims.SCENARIO: 0})
    theta = theta.transpose(dims.DRAW, ...)
    return theta.values, [str(v) for v in theta[theta.dims[1]].values]
