"""The per-city summary that `citypaths run` and `citypaths show` print.

Computed from a result Dataset alone, so a stored file gives the same summary as the run
that wrote it. Over several draws the figures are medians and a target's outcome is the
share of draws that meet it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from sim import dims
from sim.core.targets import reduction_vs_reference

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
    value: float  # t CO2e/yr in the target year (median over draws)
    reduction: float  # fraction below the reference (median)
    p_met: float  # share of draws that meet the target

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


def target_values(ds: xr.Dataset, code: str, target: str) -> tuple[float, np.ndarray]:
    """(emissions of the reference year, emissions in the target year per draw) for one
    city and target of a single-scenario result, t CO2e/yr, on the target's basis."""
    tsel = {dims.TARGET: target}
    sectors = str(ds["target_sectors"].sel(tsel).item()).split(",")
    year = int(ds["target_year"].sel(tsel))
    reference = _reference(ds, code, sectors, int(ds["target_reference_year"].sel(tsel)))
    value = _total(ds, "emissions", sectors).sel({dims.CITY: code, dims.YEAR: year})
    if str(ds["target_basis"].sel(tsel).item()) == "net":
        removals = ds["removals"].sum(dims.INTERVENTION)
        value = value - removals.sel({dims.CITY: code, dims.YEAR: year})
    return reference, np.atleast_1d(value.values)


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


def summarize(ds: xr.Dataset) -> list[CitySummary]:
    """One summary per city of a single-scenario result."""
    if dims.SCENARIO in ds.dims:
        ds = ds.isel({dims.SCENARIO: 0})
    years = ds[dims.YEAR].values
    shown = tuple(int(y) for y in (years[0], *SUMMARY_YEARS) if years[0] <= y <= years[-1])
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
            reference, value = target_values(ds, code, str(t))
            met = value <= (1.0 - threshold) * reference
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
                    reduction=float(np.median(reduction_vs_reference(value, reference))),
                    p_met=float(np.mean(met)),
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
                removals=tuple(
                    float(_median_over_draws(removals.sel({dims.CITY: code, dims.YEAR: y})))
                    for y in shown
                ),
                reference_year=ref_year,
                change=change,
                targets=tuple(targets),
                delays=_delays(ds, code),
                partial_sectors=left_out,
            )
        )
    return out


def _kt(value: float) -> str:
    return f"{value / 1000:,.1f}"


def format_summary(ds: xr.Dataset) -> str:
    """The summary as text: one block per city, emissions in kt CO2e per year."""
    summaries = summarize(ds)
    scenario = str(ds[dims.SCENARIO].values[0]) if dims.SCENARIO in ds.dims else ""
    n_draw = ds.sizes.get(dims.DRAW, 1)
    lines = [f"Scenario {scenario}: {ds.attrs.get('title', '')}"]
    what = "Gross territorial emissions, kt CO2e per year"
    if n_draw > 1:
        what += f" (median of {n_draw} draws)"
    lines += [what, ""]
    label_width = 22
    for s in summaries:
        header = f"{s.name} ({s.code})".ljust(label_width) + "".join(f"{y:>10}" for y in s.years)
        lines.append(header)
        rows = [("business as usual", s.bau), ("scenario", s.scenario)]
        if any(r > 0 for r in s.removals):
            rows.append(("removals", tuple(-r if r else 0.0 for r in s.removals)))
            rows.append(("net", tuple(g - r for g, r in zip(s.scenario, s.removals, strict=True))))
        for label, values in rows:
            lines.append(f"  {label}".ljust(label_width) + "".join(f"{_kt(v):>10}" for v in values))
        if s.reference_year is not None:
            label = f"  change vs {s.reference_year}"
            if s.partial_sectors:
                label += "*"
            lines.append(label.ljust(label_width) + "".join(f"{-100 * c:>9.1f}%" for c in s.change))
        for t in s.targets:
            if n_draw > 1:
                verdict = f"met in {100 * t.p_met:.0f} % of draws"
            else:
                verdict = "MET" if t.p_met >= 1.0 else "MISSED"
            lines.append(
                f"  target {t.id}: {100 * t.threshold:.0f} % below {t.reference_year} by "
                f"{t.year} ({t.basis}): {-100 * t.reduction:+.1f} % "
                f"(at most {_kt(t.allowed)} kt allowed, {_kt(t.value)} kt projected) -> {verdict}"
            )
        if s.partial_sectors:
            lines.append(f"  * of the target's sectors (without {', '.join(s.partial_sectors)})")
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


def _years(value: float) -> str:
    return "forever" if not np.isfinite(value) else f"{value:.1f} yr"
