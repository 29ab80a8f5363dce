"""The per-city summary that `citypaths run` and `citypaths show` print.

Computed from a result Dataset alone, so a stored file gives the same summary as the run
that wrote it. Over several draws the figures are medians and a target's outcome is the
share of draws that meet it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from sim import dims
from sim.core.targets import reduction_vs_reference
from sim.errors import CitypathsError

SUMMARY_YEARS = (2030, 2040, 2050)


@dataclass(frozen=True)
class TargetOutcome:
    id: str
    title: str
    threshold: float
    reference_year: int
    year: int
    basis: str
    reference: float  # t CO2e/yr in the reference year
    value: float  # t CO2e/yr in the target year on the target's basis (median over draws)
    reduction: float  # fraction below the reference (median)
    p_met: float  # share of draws that meet the target
    gross: float = 0.0  # t CO2e/yr on the target's sectors, before removals (median)
    removals: float = 0.0  # t CO2e/yr credited to the city in the target year (median)
    counted: float = 0.0  # t CO2e/yr of removals the target counts (median)
    cap: float | None = None  # t CO2e/yr: the most removals the target counts (None: no cap)
    p_met_gross: float = 0.0  # share of draws whose gross emissions alone meet it
    source_file: str = ""  # the scenario file that writes the target

    value_p5: float = float("nan")  # 5th percentile over draws of the value on its basis
    value_p95: float = float("nan")

    @property
    def allowed(self) -> float:
        return (1.0 - self.threshold) * self.reference


@dataclass(frozen=True)
class Delay:
    """A project that completes more than a year after its plan (medians over draws)."""

    intervention: str
    planned: float  # completion if nothing had to wait, year
    actual: float  # completion, year (inf: not within the run)
    capacity: str  # what it took slots of
    budget: str  # what it took money from
    wait_capacity: float  # years
    wait_budget: float  # years
    wait_after: float  # years of delay passed on by the interventions it comes after


@dataclass(frozen=True)
class CitySummary:
    code: str
    name: str
    years: tuple[int, ...]
    bau: tuple[float, ...]  # t CO2e/yr, median over draws
    scenario: tuple[float, ...]
    removals: tuple[float, ...]
    reference_year: int | None
    change: tuple[float, ...]  # scenario vs the first target's reference year
    targets: tuple[TargetOutcome, ...]
    delays: tuple[Delay, ...] = ()
    partial_sectors: tuple[str, ...] = ()  # sectors the first target leaves out
    npv: float | None = None  # net present value of the measures' costs (median)
    levelised: float = float("nan")  # currency per t CO2e cut or removed (median)
    currency: str = "SEK"
    #: 5th and 95th percentiles over draws of the scenario's gross emissions (empty: one draw)
    scenario_p5: tuple[float, ...] = ()
    scenario_p95: tuple[float, ...] = ()


DELAY_SHOWN = 1.0  # years: delays longer than this are listed


def _delays(ds: xr.Dataset, code: str) -> tuple[Delay, ...]:
    if "completion" not in ds:
        return ()
    sel = {dims.CITY: code}
    planned = ds["planned_completion"].sel(sel)
    actual = ds["completion"].sel(sel)
    out = []
    for name in ds[dims.INTERVENTION].values:
        one = {dims.INTERVENTION: name}
        p = np.atleast_1d(planned.sel(one).values)
        if np.isnan(p).all():  # the intervention does not run in this city
            continue
        a = np.atleast_1d(actual.sel(one).values)
        delay = float(np.median(a - p))
        if not delay > DELAY_SHOWN:
            continue
        waits = {
            v: float(np.median(ds[v].sel(sel).sel(one).values))
            for v in ("wait_capacity", "wait_budget")
        }
        out.append(
            Delay(
                intervention=str(name),
                planned=float(np.median(p)),
                actual=float(np.median(a)),
                capacity=str(ds["needs_capacity"].sel(sel).sel(one).item()),
                budget=str(ds["needs_budget"].sel(sel).sel(one).item()),
                wait_capacity=waits["wait_capacity"],
                wait_budget=waits["wait_budget"],
                wait_after=max(0.0, delay - waits["wait_capacity"] - waits["wait_budget"]),
            )
        )
    return tuple(out)


def _city_npv(ds: xr.Dataset, code: str) -> float | None:
    if "npv_cost" not in ds or ds.sizes[dims.INTERVENTION] == 0:
        return None
    total = ds["npv_cost"].sel({dims.CITY: code}).sum(dims.INTERVENTION)
    return float(_median_over_draws(total))


def _city_levelised(ds: xr.Dataset, code: str) -> float:
    if "levelised_cost_total" not in ds:
        return float("nan")
    values = np.atleast_1d(ds["levelised_cost_total"].sel({dims.CITY: code}).values)
    return float(np.median(values)) if np.isfinite(values).all() else float("nan")


def _percentiles(da: xr.DataArray, years, q: float) -> tuple[float, ...]:
    """The q-th percentile over draws in each of `years` (empty for a single draw)."""
    if dims.DRAW not in da.dims or da.sizes[dims.DRAW] < 2:
        return ()
    values = da.sel({dims.YEAR: list(years)}).transpose(dims.DRAW, dims.YEAR).values
    return tuple(float(v) for v in np.percentile(values, q, axis=0))


def _median_over_draws(da: xr.DataArray) -> xr.DataArray:
    return da.median(dims.DRAW) if dims.DRAW in da.dims else da


def _total(ds: xr.Dataset, var: str, sectors: list[str]) -> xr.DataArray:
    return ds[var].sel({dims.SECTOR: sectors}).sum(dims.SECTOR)


def _reference(ds: xr.Dataset, city: str, sectors: list[str], year: int) -> float:
    """Gross emissions of the reference year: observed if it was, else projected (median)."""
    if year in ds[dims.HIST_YEAR].values:
        obs = ds["emissions_observed"].sel({dims.CITY: city, dims.HIST_YEAR: year})
        return float(obs.sel({dims.SECTOR: sectors}).sum())
    proj = _total(ds, "emissions", sectors).sel({dims.CITY: city, dims.YEAR: year})
    return float(_median_over_draws(proj))


@dataclass(frozen=True)
class TargetValues:
    """One city's figures for one target, t CO2e/yr; arrays are per draw."""

    reference: float  # emissions of the reference year on the target's sectors
    gross: np.ndarray  # emissions of the target year on the target's sectors
    removals: np.ndarray  # removals credited to the city in the target year
    counted: np.ndarray  # removals the target counts: 0 (gross), up to the cap (net)
    cap: float | None  # the most removals a net target counts (None: no cap)

    @property
    def value(self) -> np.ndarray:
        """Emissions on the target's basis: gross minus the removals counted."""
        return self.gross - self.counted


def target_figures(ds: xr.Dataset, code: str, target: str) -> TargetValues:
    """The figures of one city and target of a single-scenario result (docs/model.md
    section 3): on the net basis, removals count up to `max_removals` x the reference."""
    tsel = {dims.TARGET: target}
    sectors = str(ds["target_sectors"].sel(tsel).item()).split(",")
    year = int(ds["target_year"].sel(tsel))
    reference = _reference(ds, code, sectors, int(ds["target_reference_year"].sel(tsel)))
    where = {dims.CITY: code, dims.YEAR: year}
    gross = np.atleast_1d(_total(ds, "emissions", sectors).sel(where).values)
    removals = np.atleast_1d(ds["removals"].sum(dims.INTERVENTION).sel(where).values)
    removals = np.broadcast_to(removals, gross.shape)
    cap = None
    if str(ds["target_basis"].sel(tsel).item()) == "net":
        share = (
            float(ds["target_max_removals"].sel(tsel)) if "target_max_removals" in ds else np.nan
        )
        cap = None if np.isnan(share) else share * reference
        counted = removals if cap is None else np.minimum(removals, cap)
    else:
        counted = np.zeros_like(gross)
    return TargetValues(reference, gross, removals, counted, cap)


@dataclass(frozen=True)
class TargetSeries:
    """One city's emissions on a target's basis in every year of the projection, as if the
    target were due in that year (the same sectors, basis and cap on removals)."""

    reference: float  # t CO2e/yr, emissions of the reference year on the target's sectors
    allowed: float  # t CO2e/yr, the most the target allows: (1 - threshold) x reference
    years: np.ndarray  # [year]
    value: np.ndarray  # [draw, year] t CO2e/yr, gross minus the removals counted


def target_series(ds: xr.Dataset, code: str, target: str) -> TargetSeries:
    """`target_figures` for every year of a single-scenario result: on the net basis the
    removals of each year count up to `max_removals` x the reference (docs/model.md
    section 3)."""
    tsel = {dims.TARGET: target}
    sectors = str(ds["target_sectors"].sel(tsel).item()).split(",")
    reference = _reference(ds, code, sectors, int(ds["target_reference_year"].sel(tsel)))
    where = {dims.CITY: code}
    gross = _total(ds, "emissions", sectors).sel(where).transpose(dims.DRAW, dims.YEAR).values
    removals = ds["removals"].sum(dims.INTERVENTION).sel(where)
    removals = np.broadcast_to(removals.transpose(dims.DRAW, dims.YEAR).values, gross.shape)
    counted = np.zeros_like(gross)
    if str(ds["target_basis"].sel(tsel).item()) == "net":
        share = (
            float(ds["target_max_removals"].sel(tsel)) if "target_max_removals" in ds else np.nan
        )
        counted = removals if np.isnan(share) else np.minimum(removals, share * reference)
    threshold = float(ds["target_threshold"].sel(tsel))
    return TargetSeries(
        reference=reference,
        allowed=(1.0 - threshold) * reference,
        years=ds[dims.YEAR].values,
        value=gross - counted,
    )


def target_values(ds: xr.Dataset, code: str, target: str) -> tuple[float, np.ndarray]:
    """(emissions of the reference year, emissions in the target year per draw on the
    target's basis) for one city and target of a single-scenario result, t CO2e/yr."""
    fig = target_figures(ds, code, target)
    return fig.reference, fig.value


def targets_met(ds: xr.Dataset, only: list[str] | None = None) -> np.ndarray:
    """Per draw: does every city meet every target (or the targets named in `only`)?
    (bool [draw])"""
    if dims.SCENARIO in ds.dims:
        ds = ds.isel({dims.SCENARIO: 0})
    met = np.ones(ds.sizes[dims.DRAW], dtype=bool)
    chosen = [t for t in ds[dims.TARGET].values if only is None or str(t) in only]
    for code in ds[dims.CITY].values:
        for t in chosen:
            threshold = float(ds["target_threshold"].sel({dims.TARGET: t}))
            reference, value = target_values(ds, str(code), str(t))
            met &= value <= (1.0 - threshold) * reference
    return met


def check_years(ds: xr.Dataset, years: Sequence[int]) -> None:
    """A clear error for a year outside the projection (`--year`)."""
    have = ds[dims.YEAR].values
    wrong = [y for y in years if y not in have]
    if wrong:
        raise CitypathsError(
            f"--year {','.join(map(str, wrong))}: not in the projection "
            f"({int(have[0])}-{int(have[-1])})"
        )


def summarize(ds: xr.Dataset, years: Sequence[int] | None = None) -> list[CitySummary]:
    """One summary per city of a single-scenario result, in `years` (default: the base year
    and 2030, 2040, 2050 where projected)."""
    if dims.SCENARIO in ds.dims:
        ds = ds.isel({dims.SCENARIO: 0})
    all_years = ds[dims.YEAR].values
    if years is None:
        first, last = all_years[0], all_years[-1]
        shown = tuple(int(y) for y in (first, *SUMMARY_YEARS) if first <= y <= last)
    else:
        check_years(ds, years)
        shown = tuple(int(y) for y in years)
    shown = tuple(dict.fromkeys(shown))
    gross = ds["emissions"].sum(dims.SECTOR)
    removals = ds["removals"].sum(dims.INTERVENTION)
    bau = _median_over_draws(ds["emissions_bau"].sum(dims.SECTOR))
    out = []
    for c, code in enumerate(ds[dims.CITY].values):
        code = str(code)
        targets = []
        for t in ds[dims.TARGET].values:
            tsel = {dims.TARGET: t}
            ref_year = int(ds["target_reference_year"].sel(tsel))
            threshold = float(ds["target_threshold"].sel(tsel))
            fig = target_figures(ds, code, str(t))
            value, reference = fig.value, fig.reference
            allowed = (1.0 - threshold) * reference
            targets.append(
                TargetOutcome(
                    id=str(t),
                    title=str(ds["target_title"].sel(tsel).item()) or str(t),
                    threshold=threshold,
                    reference_year=ref_year,
                    year=int(ds["target_year"].sel(tsel)),
                    basis=str(ds["target_basis"].sel(tsel).item()),
                    reference=reference,
                    value=float(np.median(value)),
                    value_p5=float(np.percentile(value, 5)),
                    value_p95=float(np.percentile(value, 95)),
                    reduction=float(np.median(reduction_vs_reference(value, reference))),
                    p_met=float(np.mean(value <= allowed)),
                    gross=float(np.median(fig.gross)),
                    removals=float(np.median(fig.removals)),
                    counted=float(np.median(fig.counted)),
                    cap=fig.cap,
                    p_met_gross=float(np.mean(fig.gross <= allowed)),
                    source_file=str(ds["target_file"].sel(tsel).item())
                    if "target_file" in ds
                    else "",
                )
            )
        ref_year = targets[0].reference_year if targets else None
        scen = _median_over_draws(gross.sel({dims.CITY: code}))
        change: tuple[float, ...] = ()
        left_out: tuple[str, ...] = ()
        if ref_year is not None:
            # on the first target's sectors, so that it agrees with the target line
            sectors = str(ds["target_sectors"].isel({dims.TARGET: 0}).item()).split(",")
            counted = _median_over_draws(_total(ds, "emissions", sectors).sel({dims.CITY: code}))
            ref = _reference(ds, code, sectors, ref_year)
            left_out = tuple(str(x) for x in ds[dims.SECTOR].values if str(x) not in sectors)
            change = tuple(
                float(reduction_vs_reference(float(counted.sel({dims.YEAR: y})), ref))
                for y in shown
            )
        out.append(
            CitySummary(
                code=code,
                name=str(ds["city_name"].values[c]),
                years=shown,
                bau=tuple(float(bau.sel({dims.CITY: code, dims.YEAR: y})) for y in shown),
                scenario=tuple(float(scen.sel({dims.YEAR: y})) for y in shown),
                scenario_p5=_percentiles(gross.sel({dims.CITY: code}), shown, 5),
                scenario_p95=_percentiles(gross.sel({dims.CITY: code}), shown, 95),
                removals=tuple(
                    float(_median_over_draws(removals.sel({dims.CITY: code, dims.YEAR: y})))
                    for y in shown
                ),
                reference_year=ref_year,
                change=change,
                targets=tuple(targets),
                delays=_delays(ds, code),
                partial_sectors=left_out,
                npv=_city_npv(ds, code),
                levelised=_city_levelised(ds, code),
                currency=str(ds.attrs.get("currency", "SEK")),
            )
        )
    return out


def _kt(value: float) -> str:
    return f"{value / 1000:,.1f}"


def pick_cities(ds: xr.Dataset, refs: Sequence[str] | None) -> list[str] | None:
    """Kommun codes of the cities named (code or name; `all`: every city), None if none."""
    if not refs:
        return None
    if any(r.lower() == "all" for r in refs):
        return [str(c) for c in ds[dims.CITY].values]
    from sim.config.baseline import fold

    codes = [str(c) for c in ds[dims.CITY].values]
    names = [str(n) for n in ds["city_name"].values]
    out = []
    for ref in refs:
        found = [c for c, n in zip(codes, names, strict=True) if ref == c or fold(ref) == fold(n)]
        if not found:
            raise CitypathsError(
                f"--city {ref}: not a city of this result; it has: "
                + ", ".join(f"{n} ({c})" for c, n in zip(codes, names, strict=True))
            )
        out += found
    return list(dict.fromkeys(out))


def _header(ds: xr.Dataset) -> list[str]:
    scenario = str(ds[dims.SCENARIO].values[0]) if dims.SCENARIO in ds.dims else ""
    n_draw = ds.sizes.get(dims.DRAW, 1)
    n_sectors = ds.sizes.get(dims.SECTOR, 0)
    what = (
        f"Territorial emissions, kt CO2e per year: gross over the scenario's {n_sectors} "
        "sectors unless a row says otherwise"
    )
    if n_draw > 1:
        what += f" (median of {n_draw} draws)"
    return [f"Scenario {scenario}: {ds.attrs.get('title', '')}", what, ""]


def _targets_cell(s: CitySummary, n_draw: int) -> str:
    if not s.targets:
        return "-"
    if n_draw > 1:
        return ", ".join(f"{100 * t.p_met:.0f} %" for t in s.targets)
    return f"{sum(t.p_met >= 1.0 for t in s.targets)} of {len(s.targets)}"


def format_city_table(ds: xr.Dataset, summaries: list[CitySummary]) -> str:
    """One line per city: the scenario's gross emissions in the years shown, its targets
    and the NPV of its measures."""
    n_draw = ds.sizes.get(dims.DRAW, 1)
    years = summaries[0].years
    width = max(len(f"{s.name} ({s.code})") for s in summaries) + 2
    targets = "chance of each target" if n_draw > 1 else "targets met"
    lines = [
        "city".ljust(width)
        + "".join(f"{y:>10}" for y in years)
        + f"  {targets:<22}{'NPV of the measures':>20}{'delayed':>9}",
    ]
    for s in summaries:
        npv = "-" if s.npv is None else _money(s.npv, s.currency)
        lines.append(
            f"{s.name} ({s.code})".ljust(width)
            + "".join(f"{_kt(v):>10}" for v in s.scenario)
            + f"  {_targets_cell(s, n_draw):<22}{npv:>20}{len(s.delays) or '-':>9}"
        )
    ids = ", ".join(str(t) for t in ds[dims.TARGET].values)
    lines += [
        "",
        "Each line: the scenario's gross emissions (all its sectors)"
        + (f"; targets: {ids}" if ids else "")
        + f"; delayed: measures completed more than {DELAY_SHOWN:g} year late.",
        "One city in detail: citypaths show RESULT --city NAME (or --city all).",
    ]
    return "\n".join(lines) + "\n"


def format_summary(
    ds: xr.Dataset,
    cities: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
) -> str:
    """The summary as text, emissions in kt CO2e per year: a result of one city, or the
    `cities` (kommun codes) asked for, in detail; several cities one line each."""
    summaries = summarize(ds, years)
    n_draw = ds.sizes.get(dims.DRAW, 1)
    lines = _header(ds)
    if cities is None and len(summaries) > 1:
        return "\n".join(lines) + "\n" + format_city_table(ds, summaries)
    if cities is not None:
        summaries = [s for s in summaries if s.code in cities]
    label_width = 27
    for s in summaries:
        header = f"{s.name} ({s.code})".ljust(label_width) + "".join(f"{y:>10}" for y in s.years)
        lines.append(header)
        rows = [("business as usual, gross", s.bau), ("scenario, gross", s.scenario)]
        if any(r > 0 for r in s.removals):
            rows.append(("removals", tuple(-r if r else 0.0 for r in s.removals)))
            net = tuple(g - r for g, r in zip(s.scenario, s.removals, strict=True))
            rows.append(("net (gross - removals)", net))
        for label, values in rows:
            lines.append(f"  {label}".ljust(label_width) + "".join(f"{_kt(v):>10}" for v in values))
            if label == "scenario, gross" and s.scenario_p5:
                ranges = "".join(
                    f"{f'{lo / 1000:,.0f}-{hi / 1000:,.0f}':>10}"
                    for lo, hi in zip(s.scenario_p5, s.scenario_p95, strict=True)
                )
                lines.append("    5-95 % of draws".ljust(label_width) + ranges)
        if s.reference_year is not None:
            label = f"  change vs {s.reference_year}, gross"
            if s.partial_sectors:
                label += "*"
            lines.append(label.ljust(label_width) + "".join(f"{-100 * c:>9.1f}%" for c in s.change))
        for t in s.targets:
            lines += _target_lines(t, n_draw)
        if s.partial_sectors:
            lines.append(f"  * of the target's sectors (without {', '.join(s.partial_sectors)})")
        if s.npv is not None:
            lcoa = (
                "no tonnes cut or removed"
                if not np.isfinite(s.levelised)
                else f"{s.levelised:,.0f} {s.currency}/t CO2e levelised (present value of "
                "costs over present value of tonnes cut or removed)"
            )
            lines.append(f"  cost of the measures: NPV {_money(s.npv, s.currency)}; {lcoa}")
        if s.delays:
            lines.append(
                f"  delayed more than {DELAY_SHOWN:g} year (completion planned -> actual):"
            )
        for d in s.delays:
            actual = "not within the run" if not np.isfinite(d.actual) else f"{d.actual:.1f}"
            waited = []
            if d.wait_budget > 0:
                waited.append(f"{_years(d.wait_budget)} for budget {d.budget}")
            if d.wait_capacity > 0:
                waited.append(f"{_years(d.wait_capacity)} for capacity {d.capacity}")
            if d.wait_after > 0:
                waited.append(f"{_years(d.wait_after)} for interventions it comes after")
            lines.append(
                f"    {d.intervention}: {d.planned:.1f} -> {actual}; waited " + ", ".join(waited)
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _money(value: float, currency: str) -> str:
    if abs(value) >= 1e9:
        return f"{value / 1e9:,.2f} bn {currency}"
    return f"{value / 1e6:,.1f} M{currency}"


def _verdict(p: float, n_draw: int) -> str:
    if n_draw > 1:
        return f"met in {100 * p:.0f} % of draws"
    return "MET" if p >= 1.0 else "MISSED"


def _target_lines(t: TargetOutcome, n_draw: int) -> list[str]:
    """A target's outcome in words: gross and net side by side on a net target, and what the
    removals do."""
    inherited = f" [from {Path(t.source_file).name}]" if t.source_file else ""
    head = (
        f"  target {t.id}{inherited}: {100 * t.threshold:.0f} % below {t.reference_year} "
        f"by {t.year}"
    )
    spread = f"; 5-95 % of draws {_kt(t.value_p5)}-{_kt(t.value_p95)} kt" if n_draw > 1 else ""
    if t.basis == "gross":
        return [
            f"{head} (gross, {_kt(t.gross)} kt projected{spread}, at most {_kt(t.allowed)} kt "
            f"allowed): {-100 * t.reduction:+.1f} % -> {_verdict(t.p_met, n_draw)}"
        ]
    cap = (
        "removals count without limit" if t.cap is None else f"removals count up to {_kt(t.cap)} kt"
    )
    gross_change = -100 * float(reduction_vs_reference(t.gross, t.reference))
    lines = [
        f"{head} (net; {cap}): {-100 * t.reduction:+.1f} % net -> {_verdict(t.p_met, n_draw)}",
        f"    gross {_kt(t.gross)} kt ({gross_change:+.1f} %), removals {_kt(t.removals)} kt, "
        f"counted {_kt(t.counted)} kt, net {_kt(t.value)} kt{spread}; at most {_kt(t.allowed)} kt "
        "allowed",
    ]
    if t.cap is not None and t.removals > t.cap + 1e-6:
        lines.append(
            f"    removals exceed the cap by {_kt(t.removals - t.cap)} kt, which the target "
            "does not count"
        )
    if t.p_met > t.p_met_gross:
        if n_draw > 1:
            lines.append(
                f"    on gross emissions alone it is met in {100 * t.p_met_gross:.0f} % of draws: "
                "the rest is met only thanks to removals"
            )
        else:
            lines.append(
                f"    met only thanks to removals: gross emissions alone exceed the allowed "
                f"level by {_kt(t.gross - t.allowed)} kt"
            )
    return lines


def _years(value: float) -> str:
    return "forever" if not np.isfinite(value) else f"{value:.1f} yr"


def _num(v):
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def summary_records(ds: xr.Dataset, summaries: list[CitySummary]) -> list[dict]:
    """The summary as long records: city, city_name, figure, year, target, value, unit."""
    cur = str(ds.attrs.get("currency", "SEK"))
    out = []

    def add(s: CitySummary, figure: str, value, unit: str, year=None, target=None) -> None:
        out.append(
            {
                "city": s.code,
                "city_name": s.name,
                "figure": figure,
                "year": year,
                "target": target,
                "value": _num(float(value)) if value is not None else None,
                "unit": unit,
            }
        )

    for s in summaries:
        for k, y in enumerate(s.years):
            add(s, "emissions_bau_gross", s.bau[k], "t CO2e/yr", y)
            add(s, "emissions_gross", s.scenario[k], "t CO2e/yr", y)
            add(s, "removals", s.removals[k], "t CO2e/yr", y)
            add(s, "emissions_net", s.scenario[k] - s.removals[k], "t CO2e/yr", y)
        for t in s.targets:
            add(s, "target_reference", t.reference, "t CO2e/yr", t.reference_year, t.id)
            add(s, "target_allowed", t.allowed, "t CO2e/yr", t.year, t.id)
            add(s, f"target_value_{t.basis}", t.value, "t CO2e/yr", t.year, t.id)
            add(s, "target_gross", t.gross, "t CO2e/yr", t.year, t.id)
            add(s, "target_removals_counted", t.counted, "t CO2e/yr", t.year, t.id)
            add(s, "target_p_met", t.p_met, "1", t.year, t.id)
        if s.npv is not None:
            add(s, "npv_cost", s.npv, cur)
        add(s, "levelised_cost", s.levelised, f"{cur}/t CO2e")
    return out


def summary_json(summaries: list[CitySummary]) -> str:
    """Every city's summary as JSON (t CO2e/yr, fractions, currency)."""

    def clean(v):
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [clean(x) for x in v]
        return _num(v)

    return json.dumps([clean(asdict(s)) for s in summaries], ensure_ascii=False, indent=1)


def format_measures(ds: xr.Dataset, cities: Sequence[str], years: Sequence[int]) -> str:
    """Per city, one line per measure: what it cuts (or removes) in the years shown, kt CO2e
    per year; its NPV; its levelised cost (medians over draws)."""
    from sim.analysis.compare import measure_records

    one = ds.isel({dims.SCENARIO: 0}) if dims.SCENARIO in ds.dims else ds
    cur = str(ds.attrs.get("currency", "SEK"))
    titles = dict(
        zip(
            (str(v) for v in one[dims.INTERVENTION].values),
            (str(v) for v in one["intervention_title"].values),
            strict=True,
        )
    )
    lines = []
    for code in cities:
        recs = measure_records("", one, code, years)
        ivs = list(dict.fromkeys(r["intervention"] for r in recs))
        name = str(one["city_name"].sel({dims.CITY: code}).item())
        head = f"{name} ({code}): measures"
        width = max([len(titles[i]) + 4 for i in ivs] + [len(head) + 2])
        lines.append(
            head.ljust(width)
            + "".join(f"{y:>9}" for y in years)
            + f"{'NPV':>16}{cur + '/t CO2e':>14}"
        )
        for iv in ivs:
            mine = {(r["metric"], r["year"]): r["median"] for r in recs if r["intervention"] == iv}
            cuts = "".join(f"{_kt(mine[('measure_abatement', y)]):>9}" for y in years)
            npv = mine[("measure_npv_cost", None)]
            lc = mine[("measure_levelised_cost", None)]
            lc_text = "-" if not math.isfinite(lc) else f"{lc:,.0f}"
            lines.append(
                f"  {titles[iv]}".ljust(width) + cuts + f"{_money(npv, cur):>16}{lc_text:>14}"
            )
        lines.append("")
    lines.append(
        "Cut: t CO2e per year the measure cuts (or removes), in kt; NPV discounted to the base "
        "year; per tonne: present value of costs over present value of tonnes."
    )
    return "\n".join(lines) + "\n"


def show_text(ds: xr.Dataset, args) -> str:
    """What `citypaths show` prints for its options (city, year, format, measures)."""
    from sim.analysis.compare import parse_years

    years = parse_years(args.year, "--year")
    cities = pick_cities(ds, args.city)
    if args.format == "table":
        text = format_summary(ds, cities, years)
        if args.measures:
            chosen = cities or [str(c) for c in ds[dims.CITY].values]
            shown = summarize(ds, years)[0].years
            text += "\n" + format_measures(ds, chosen, shown)
        return text
    summaries = summarize(ds, years)
    if cities is not None:
        summaries = [s for s in summaries if s.code in cities]
    if args.format == "json":
        return summary_json(summaries) + "\n"
    import csv
    import io

    rows = summary_records(ds, summaries)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in r.items()} for r in rows)
    return buf.getvalue()
