"""Charts of one city of a result, for a city council (docs/cli.md, `citypaths plot`):

- `fan_chart`: emissions over time: the observed history, the scenario (its median and the
  5-95 % band over the draws when there are several), business as usual, the trend of the
  total, the Carbon Law path and the targets;
- `wedge_chart`: how much each intervention cuts (abatement wedges between the scenario and
  business as usual) and the removals below zero;
- `gantt_chart`: the rollout: planned and actual build of each intervention, and what it
  waited for (interventions it comes after, a budget, a capacity);
- `mac_chart`: the marginal abatement cost curve (levelised cost per tonne against the
  present value of the tonnes, so a bar's area is the measure's NPV);
- `probability_chart`: the chance of meeting each target if it were due in each year;
- `tornado_chart`: which uncertain numbers move an outcome most (Monte Carlo results).

Figures are built with matplotlib's object interface (`Figure`, no pyplot), so nothing is
shown on a screen and no global state is touched; saving uses the Agg renderer (PNG) or the
SVG one. Emissions are drawn in kt CO2e per year. Over several draws the lines are medians.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from sim import dims
from sim.analysis.summary import target_values
from sim.atomic import replacing
from sim.core.benchmarks import CARBON_LAW_RATE, carbon_law_path, observed_total
from sim.errors import CitypathsError

KINDS = ("fan", "wedges", "gantt", "mac", "probability", "tornado")
FORMATS = {".png": "png", ".svg": "svg"}
KT = 1000.0  # t per kt
SIZE = (11.0, 6.5)  # inches
DPI = 150
#: most interventions drawn as their own wedge; the rest are summed as "other measures"
MAX_WEDGES = 10

COLORS = {
    "observed": "#222222",
    "scenario": "#1f6fb4",
    "band": "#9cc3e6",
    "net": "#1f6fb4",
    "bau": "#b2182b",
    "trend": "#8c6d31",
    "law": "#1a9850",
    "target": "#6a3d9a",
    "planned": "#bdbdbd",
    "build": "#1f6fb4",
    "wait_after": "#fdb863",
    "wait_budget": "#e66101",
    "wait_capacity": "#b2abd2",
    "removals": "#35978f",
}


def _style(fig: Figure) -> None:
    for ax in fig.axes:
        ax.spines["top"].set_visible(False)
        ax.spines["right"].set_visible(False)
        ax.grid(axis="y", color="#dddddd", linewidth=0.8)
        ax.set_axisbelow(True)
        ax.tick_params(labelsize=11)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))  # years


def one_scenario(ds: xr.Dataset) -> xr.Dataset:
    """The result of its first scenario (a chart shows one)."""
    return ds.isel({dims.SCENARIO: 0}) if dims.SCENARIO in ds.dims else ds


def pick_city(ds: xr.Dataset, ref: str | None) -> str:
    """The kommun code of the city to draw: `ref` (code or name), or the only city."""
    codes = [str(c) for c in ds[dims.CITY].values]
    names = [str(n) for n in ds["city_name"].values]
    if ref is None:
        if len(codes) == 1:
            return codes[0]
        raise CitypathsError(
            f"the result has {len(codes)} cities; choose one with --city "
            f"(e.g. --city {codes[0]} or --city {names[0]})"
        )
    from sim.config.baseline import fold

    for code, name in zip(codes, names, strict=True):
        if ref == code or fold(ref) == fold(name):
            return code
    raise CitypathsError(
        f"--city {ref}: not a city of this result; it has: "
        + ", ".join(f"{n} ({c})" for c, n in zip(codes, names, strict=True))
    )


def _median(da: xr.DataArray) -> xr.DataArray:
    return da.median(dims.DRAW) if dims.DRAW in da.dims else da


def _city_name(ds: xr.Dataset, code: str) -> str:
    return str(ds["city_name"].sel({dims.CITY: code}).item())


def _mean(da: xr.DataArray) -> xr.DataArray:
    return da.mean(dims.DRAW) if dims.DRAW in da.dims else da


def _caption(ds: xr.Dataset, statistic: str = "median") -> str:
    """Which scenario and run the chart shows."""
    n_draw = ds.sizes.get(dims.DRAW, 1)
    draws = f"{statistic} of {n_draw} draws" if n_draw > 1 else "central values"
    scenario = ds[dims.SCENARIO].item() if dims.SCENARIO in ds.coords else ""
    return (
        f"Scenario {scenario}: {ds.attrs.get('title', '')} ({draws}). "
        f"citypaths {ds.attrs.get('citypaths_version', '')}, inputs "
        f"{str(ds.attrs.get('inputs_sha256', ''))[:12]}."
    )


def fan_chart(
    ds: xr.Dataset, city: str, *, rate: float = CARBON_LAW_RATE, law_from: int | None = None
) -> Figure:
    """Emissions of one city (kommun code), kt CO2e/yr. The Carbon Law path starts in
    `law_from` (default: the year after the last observed year) at the trend's value."""
    ds = one_scenario(ds)
    sel = {dims.CITY: city}
    years = ds[dims.YEAR].values
    fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()

    hist = ds[dims.HIST_YEAR].values
    observed = observed_total(ds["emissions_observed"].sel(sel).values)
    ok = ~np.isnan(observed)
    ax.plot(
        hist[ok], observed[ok] / KT, "o-", color=COLORS["observed"], lw=1.8, ms=4, label="observed"
    )

    gross = ds["emissions"].sel(sel).sum(dims.SECTOR)
    n_draw = ds.sizes.get(dims.DRAW, 1)
    if n_draw > 1:
        low, high = (gross.quantile(q, dims.DRAW).values / KT for q in (0.05, 0.95))
        ax.fill_between(
            years,
            low,
            high,
            color=COLORS["band"],
            alpha=0.6,
            lw=0,
            label=f"5-95 % of {n_draw} draws",
        )
    label = "scenario (median)" if n_draw > 1 else "scenario"
    ax.plot(years, _median(gross).values / KT, color=COLORS["scenario"], lw=2.6, label=label)
    removals = ds["removals"].sel(sel).sum(dims.INTERVENTION)
    if float(np.abs(removals).max()) > 0:
        net = _median(gross - removals).values / KT
        ax.plot(years, net, color=COLORS["net"], lw=1.8, ls="--", label="scenario, net of removals")
    bau = _median(ds["emissions_bau"].sel(sel).sum(dims.SECTOR)).values / KT
    ax.plot(years, bau, color=COLORS["bau"], lw=2, label="business as usual")

    if "emissions_trend_total" in ds:
        trend = ds["emissions_trend_total"].sel(sel).values
        ax.plot(years, trend / KT, color=COLORS["trend"], lw=1.8, ls=":", label="trend since 2015")
        start = int(hist[ok][-1]) + 1 if law_from is None and ok.any() else law_from
        if start is not None and years[0] <= start <= years[-1]:
            level = float(trend[list(years).index(start)])
            law = carbon_law_path(level, start, years, rate)
            ax.plot(
                years,
                law / KT,
                color=COLORS["law"],
                lw=2,
                ls="-.",
                label=f"Carbon Law ({100 * rate:.1f} %/yr from {start})",
            )

    for t in ds[dims.TARGET].values:
        tsel = {dims.TARGET: t}
        reference, _ = target_values(ds, city, str(t))
        allowed = (1.0 - float(ds["target_threshold"].sel(tsel))) * reference / KT
        year = int(ds["target_year"].sel(tsel))
        ax.plot([year], [allowed], marker="v", ms=11, color=COLORS["target"], ls="none")
        threshold = float(ds["target_threshold"].sel(tsel))
        ref_year = int(ds["target_reference_year"].sel(tsel))
        basis = " (net)" if str(ds["target_basis"].sel(tsel).item()) == "net" else ""
        near_end = year > years[-1] - 0.25 * (years[-1] - years[0])
        ax.annotate(
            f"target{basis}: -{100 * threshold:.0f} % vs {ref_year}",
            (year, allowed),
            xytext=(-10 if near_end else 10, -4),
            ha="right" if near_end else "left",
            textcoords="offset points",
            fontsize=10,
            color=COLORS["target"],
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85},
        )
    if ds.sizes.get(dims.TARGET, 0):
        ax.plot([], [], marker="v", ms=9, color=COLORS["target"], ls="none", label="target level")

    lowest = min(
        0.0, *(np.nanmin(line.get_ydata()) for line in ax.get_lines() if line.get_xydata().size)
    )
    ax.set_ylim(bottom=1.08 * lowest if lowest < 0 else 0.0)
    if lowest < 0:
        ax.axhline(0, color="#333333", lw=0.8)
    ax.set_xlim(min(hist[ok][0] if ok.any() else years[0], years[0]) - 1, years[-1] + 1)
    ax.set_ylabel("kt CO2e per year", fontsize=12)
    ax.set_title(
        f"{_city_name(ds, city)}: territorial greenhouse-gas emissions", fontsize=15, loc="left"
    )
    fig.supxlabel(_caption(ds), fontsize=9, color="#555555", x=0.01, ha="left")
    ax.legend(fontsize=10, frameon=False, loc="upper right", ncols=2)
    _style(fig)
    return fig


def wedge_chart(ds: xr.Dataset, city: str) -> Figure:
    """Abatement of each intervention stacked between the scenario and business as usual,
    removals below zero; kt CO2e/yr; over several draws the means (which add up). The
    largest MAX_WEDGES interventions (by abatement summed over the years) are drawn on their
    own, the others as "other measures"."""
    ds = one_scenario(ds)
    sel = {dims.CITY: city}
    years = ds[dims.YEAR].values
    # means over draws, not medians: means add up, so the wedges fill exactly the space
    # between the scenario and business as usual (medians of the parts would not)
    scen = _mean(ds["emissions"].sel(sel).sum(dims.SECTOR)).values / KT
    bau = _mean(ds["emissions_bau"].sel(sel).sum(dims.SECTOR)).values / KT
    abatement = _mean(ds["abatement"].sel(sel)).values / KT  # [intervention, year]
    removals = _mean(ds["removals"].sel(sel)).values / KT
    titles = [str(t) for t in ds["intervention_title"].values]
    kinds = ds["intervention_kind"].values

    totals = abatement.sum(axis=1)
    order = [
        i for i in np.argsort(-totals, kind="stable") if totals[i] > 0 and kinds[i] != "removal"
    ]
    shown, rest = order[:MAX_WEDGES], order[MAX_WEDGES:]
    layers = [abatement[i] for i in shown]
    labels = [titles[i] for i in shown]
    if rest:
        layers.append(abatement[rest].sum(axis=0))
        labels.append(f"other measures ({len(rest)})")

    fig = Figure(figsize=(13.0, SIZE[1]), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    palette = [
        "#1f78b4", "#33a02c", "#ff7f00", "#6a3d9a", "#e31a1c",
        "#a6cee3", "#b2df8a", "#fdbf6f", "#cab2d6", "#fb9a99", "#999999",
    ]  # fmt: skip
    ax.fill_between(years, 0, scen, color="#d9d9d9", lw=0, label="remaining emissions")
    ax.stackplot(
        years,
        scen,
        *layers,
        colors=["none", *palette[: len(layers)]],
        labels=["_", *labels],
        lw=0,
    )
    ax.plot(years, bau, color=COLORS["bau"], lw=2.2, label="business as usual")
    ax.plot(years, scen, color="#333333", lw=1.6, label="scenario")
    removal_idx = [i for i in range(len(titles)) if kinds[i] == "removal" and removals[i].any()]
    if removal_idx:
        ax.stackplot(
            years,
            *(-removals[i] for i in removal_idx),
            colors=[COLORS["removals"], "#80cdc1", "#01665e"][: len(removal_idx)],
            labels=[f"removal: {titles[i]}" for i in removal_idx],
            lw=0,
        )
        ax.axhline(0, color="#333333", lw=0.8)
        net = scen - removals[removal_idx].sum(axis=0)
        ax.plot(years, net, color="#333333", lw=1.4, ls="--", label="net of removals")
    ax.set_xlim(years[0], years[-1])
    ax.set_ylabel("kt CO2e per year", fontsize=12)
    ax.set_title(
        f"{_city_name(ds, city)}: what each measure cuts, against business as usual",
        fontsize=15,
        loc="left",
    )
    # the legend in the order the layers are seen, top to bottom
    handles, names = ax.get_legend_handles_labels()
    by_name = dict(zip(names, handles, strict=True))
    visual = ["business as usual", *reversed(labels), "scenario", "remaining emissions"]
    visual += [n for n in names if n not in visual]
    ax.legend(
        [by_name[n] for n in visual],
        visual,
        fontsize=9,
        frameon=False,
        loc="center left",
        bbox_to_anchor=(1.01, 0.5),
    )
    fig.supxlabel(_caption(ds, "mean"), fontsize=9, color="#555555", x=0.01, ha="left")
    _style(fig)
    return fig


def gantt_chart(ds: xr.Dataset, city: str) -> Figure:
    """The rollout of each intervention in one city: planned build (grey), actual build
    (blue), and before it the delay, split as the summary splits it: waiting for a capacity
    (right before the build starts), before that for a budget, and the rest of the delay
    passed on by the interventions it comes after. Medians over draws."""
    ds = one_scenario(ds)
    sel = {dims.CITY: city}

    def get(name: str) -> np.ndarray:
        return _median(ds[name].sel(sel)).values

    planned_start, planned_end = get("planned_start"), get("planned_completion")
    start, end = get("start"), get("completion")
    w_cap, w_budget = get("wait_capacity"), get("wait_budget")
    titles = [str(t) for t in ds["intervention_title"].values]
    runs = [i for i in range(len(titles)) if not np.isnan(planned_start[i])]
    if not runs:
        raise CitypathsError(f"{_city_name(ds, city)}: no intervention runs in this city")
    runs.sort(key=lambda i: (planned_start[i], titles[i]))
    horizon = float(ds[dims.YEAR].values[-1]) + 1.0

    height = max(4.0, 0.42 * len(runs) + 2.4)
    fig = Figure(figsize=(13.0, height), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    for row, i in enumerate(runs):
        ps, pe = planned_start[i], planned_end[i]
        ax.barh(row - 0.22, max(pe - ps, 0.08), left=ps, height=0.3, color=COLORS["planned"])
        s, e = start[i], end[i]
        if not np.isfinite(s):
            ax.barh(
                row + 0.12,
                horizon - ps,
                left=ps,
                height=0.4,
                color=COLORS["wait_budget"],
                alpha=0.5,
            )
            ax.text(horizon, row + 0.12, " never starts", va="center", fontsize=9)
            continue
        delay = max(0.0, s - ps)
        cap = min(w_cap[i], delay) if np.isfinite(w_cap[i]) else 0.0
        budget = min(w_budget[i], delay - cap) if np.isfinite(w_budget[i]) else 0.0
        after = max(0.0, delay - cap - budget)
        left = ps
        for width, key in ((after, "wait_after"), (budget, "wait_budget"), (cap, "wait_capacity")):
            if width > 1e-9:
                ax.barh(row + 0.12, width, left=left, height=0.4, color=COLORS[key])
                left += width
        end_x = e if np.isfinite(e) else horizon
        ax.barh(row + 0.12, max(end_x - s, 0.08), left=s, height=0.4, color=COLORS["build"])
        if np.isfinite(e) and e - (pe if np.isfinite(pe) else e) > 1.0:
            ax.text(end_x + 0.2, row + 0.12, f"+{e - pe:.1f} yr", va="center", fontsize=9)
    ax.set_yticks(range(len(runs)), [titles[i] for i in runs], fontsize=10)
    ax.set_ylim(len(runs) - 0.3, -0.7)  # the first to start on top
    ends = [v for v in (*end[runs], *planned_end[runs]) if np.isfinite(v)]
    ax.set_xlim(float(ds[dims.YEAR].values[0]), min(horizon, max(ends, default=horizon) + 3))
    ax.set_xlabel("year", fontsize=12)
    ax.grid(axis="x", color="#dddddd", linewidth=0.8)
    legend = [
        Patch(color=COLORS["planned"], label="planned build (nothing to wait for)"),
        Patch(color=COLORS["build"], label="actual build"),
        Patch(color=COLORS["wait_after"], label="waiting for measures it comes after"),
        Patch(color=COLORS["wait_budget"], label="waiting for a budget"),
        Patch(color=COLORS["wait_capacity"], label="waiting for capacity"),
    ]
    fig.legend(handles=legend, fontsize=10, frameon=False, loc="outside right upper")
    fig.supxlabel(_caption(ds), fontsize=9, color="#555555", x=0.01, ha="left")
    ax.set_title(f"{_city_name(ds, city)}: rollout of the measures", fontsize=15, loc="left")
    _style(fig)
    ax.grid(axis="y", visible=False)
    return fig


def _spread(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(median, 5th, 95th percentile) over the first axis, ignoring NaN."""
    from sim.analysis.compare import spread

    rows = [spread(values[:, i]) for i in range(values.shape[1])]
    return tuple(np.array([getattr(r, k) for r in rows]) for k in ("median", "p05", "p95"))


def mac_chart(ds: xr.Dataset, city: str) -> Figure:
    """Marginal abatement cost curve of one city: one bar per measure (removals included),
    cheapest first; its height is the levelised cost (currency per t CO2e, median over draws,
    with the 5-95 % range as a line), its width the present value of the tonnes it cuts or
    removes (kt CO2e, discounted at the scenario's rate, median), so that a bar's area is
    the NPV of its cost. Measures that cut nothing within the horizon are left out."""
    ds = one_scenario(ds)
    sel = {dims.CITY: city}
    currency = str(ds.attrs.get("currency", "SEK"))

    def draws(name: str) -> np.ndarray:
        da = ds[name].sel(sel)
        return da.transpose(dims.DRAW, ...).values if dims.DRAW in da.dims else da.values[None]

    cost, cost_lo, cost_hi = _spread(draws("levelised_cost"))
    width, _, _ = _spread(draws("pv_tonnes"))
    titles = [str(t) for t in ds["intervention_title"].values]
    kinds = ds["intervention_kind"].values
    keep = [i for i in range(len(titles)) if np.isfinite(cost[i]) and width[i] > 0]
    if not keep:
        raise CitypathsError(f"{_city_name(ds, city)}: no measure cuts or removes any tonnes")
    keep.sort(key=lambda i: cost[i])
    n_draw = ds.sizes.get(dims.DRAW, 1)
    fig = Figure(figsize=(13.0, 7.0), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    from matplotlib import colormaps

    palette = [colormaps["tab20"](k) for k in (0, 4, 2, 8, 6, 10, 16, 18, 1, 5, 3, 9, 7, 11, 17)]
    total = float(np.sum(width[keep])) / KT
    left = 0.0
    handles = []
    for k, i in enumerate(keep):
        w = width[i] / KT
        color = COLORS["removals"] if kinds[i] == "removal" else palette[k % len(palette)]
        ax.bar(left, cost[i], width=w, align="edge", color=color, edgecolor="white", lw=0.8)
        if n_draw > 1 and cost_hi[i] > cost_lo[i]:
            ax.plot([left + w / 2] * 2, [cost_lo[i], cost_hi[i]], color="#333333", lw=1.3)
        if w > 0.012 * total:  # narrower bars are named in the legend only
            below = cost[i] < 0
            top = cost_hi[i] if n_draw > 1 else cost[i]
            bottom = cost_lo[i] if n_draw > 1 else cost[i]
            ax.text(
                left + w / 2,
                min(bottom, 0.0) if below else max(top, 0.0),
                f"{k + 1}",
                ha="center",
                va="top" if below else "bottom",
                fontsize=10,
            )
        handles.append(
            Patch(color=color, label=f"{k + 1}  {titles[i]}: {cost[i]:,.0f} {currency}/t")
        )
        left += w
    ax.axhline(0, color="#333333", lw=0.8)
    ax.set_xlim(0, left * 1.02)
    ax.set_xlabel(
        "cumulative abatement, kt CO2e (present value of the tonnes cut or removed, "
        f"discounted at {100 * float(ds.attrs.get('discount_rate', 0.0)):.1f} %/yr)",
        fontsize=11,
    )
    ax.set_ylabel(f"levelised cost, {currency} per t CO2e", fontsize=12)
    ranges = " Lines: 5-95 % of the draws." if n_draw > 1 else ""
    ax.set_title(
        f"{_city_name(ds, city)}: cost of each measure per tonne, cheapest first",
        fontsize=15,
        loc="left",
    )
    fig.legend(
        handles=handles,
        fontsize=9,
        frameon=False,
        loc="outside right upper",
        title=f"Bar area = NPV of the measure's cost.{ranges}",
        title_fontsize=9,
    )
    fig.supxlabel(_caption(ds), fontsize=9, color="#555555", x=0.01, ha="left")
    _style(fig)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=10))  # kt, not years
    return fig


def target_probability(ds: xr.Dataset, city: str, target: str) -> tuple[np.ndarray, np.ndarray]:
    """(years, share of draws [year]) in which the city's emissions on the target's basis
    (its sectors; removals up to its cap on a net target) are at most the level it allows:
    the chance of meeting the target if it were due in that year."""
    from sim.analysis.summary import target_series

    series = target_series(one_scenario(ds), city, target)
    return series.years, (series.value <= series.allowed).mean(axis=0)


def probability_chart(ds: xr.Dataset, city: str) -> Figure:
    """The chance of meeting each target, by year (as if it were due that year), with the
    target's own year marked."""
    ds = one_scenario(ds)
    targets = [str(t) for t in ds[dims.TARGET].values]
    if not targets:
        raise CitypathsError("the result has no targets: no probability to draw")
    n_draw = ds.sizes.get(dims.DRAW, 1)
    fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    palette = [COLORS["target"], "#1f78b4", "#e66101", "#1a9850", "#b2182b"]
    for k, t in enumerate(targets):
        tsel = {dims.TARGET: t}
        years, p = target_probability(ds, city, t)
        color = palette[k % len(palette)]
        basis = str(ds["target_basis"].sel(tsel).item())
        cap = float(ds["target_max_removals"].sel(tsel)) if "target_max_removals" in ds else np.nan
        what = basis if basis == "gross" or np.isnan(cap) else f"net, removals up to {cap:.0%}"
        title = str(ds["target_title"].sel(tsel).item()) or t
        rule = (
            f"-{100 * float(ds['target_threshold'].sel(tsel)):.0f} % vs "
            f"{int(ds['target_reference_year'].sel(tsel))}"
        )
        label = f"{title} [{what}]" if title != t else f"{t}: {rule} ({what})"
        ax.step(years, 100 * p, where="mid", color=color, lw=2.4, label=label)
        year = int(ds["target_year"].sel(tsel))
        if year in years:
            at = 100 * float(p[list(years).index(year)])
            ax.plot([year], [at], "o", ms=9, color=color)
            ax.annotate(
                f"{at:.0f} % in {year}",
                (year, at),
                xytext=(8, 8 if at < 90 else -16),
                textcoords="offset points",
                fontsize=11,
                color=color,
            )
    ax.set_ylim(-3, 103)
    ax.set_xlim(float(ds[dims.YEAR].values[0]), float(ds[dims.YEAR].values[-1]))
    ax.set_ylabel("chance of meeting the target's level, %", fontsize=12)
    note = f"share of {n_draw} draws" if n_draw > 1 else "one draw (central values): 0 or 100 %"
    ax.set_title(
        f"{_city_name(ds, city)}: would the target be met if it were due that year? ({note})",
        fontsize=14,
        loc="left",
    )
    ax.legend(fontsize=10, frameon=False, loc="upper left", bbox_to_anchor=(0.0, -0.07))
    fig.supxlabel(_caption(ds), fontsize=9, color="#555555", x=0.01, ha="left")
    _style(fig)
    return fig


TORNADO_BARS = 12


def tornado_chart(
    ds: xr.Dataset,
    city: str,
    outcome: str = "cumulative",
    period: tuple[int, int] | None = None,
    year: int | None = None,
    target: str | None = None,
) -> Figure:
    """Which uncertain numbers move an outcome most: for each parameter, the outcome's mean
    over the draws where the parameter is in its lowest fifth and where it is in its highest
    fifth (`sim.analysis.sensitivity.swings`), widest on top, around the median outcome."""
    from sim.analysis.sensitivity import outcome_values, result_theta, swings

    ds = one_scenario(ds)
    theta, names = result_theta(ds)
    y, what = outcome_values(ds, city, outcome, period, year, target)
    bars = swings(theta, y, names)[:TORNADO_BARS]
    if not bars:
        raise CitypathsError("no parameter varies between the draws: no tornado to draw")
    scale, unit = (KT, "kt") if outcome != "npv" else (1e6, "M")
    centre = float(np.mean(y)) / scale  # the swings are conditional means around it
    fig = Figure(figsize=(13.0, max(4.5, 0.5 * len(bars) + 2.5)), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    for row, s in enumerate(bars):
        lo, hi = s.low / scale, s.high / scale
        ax.barh(row, lo - centre, left=centre, color="#1f78b4", height=0.6)
        ax.barh(row, hi - centre, left=centre, color="#e66101", height=0.6)
    ax.axvline(centre, color="#333333", lw=1)
    ax.set_yticks(range(len(bars)), [s.parameter for s in bars], fontsize=10)
    ax.set_ylim(len(bars) - 0.4, -0.6)
    what_unit = what.rsplit(", ", 1)
    ax.set_xlabel(f"{what_unit[0]}, {unit} {what_unit[-1].split(' ', 1)[-1]}".strip(), fontsize=11)
    ax.set_title(f"{_city_name(ds, city)}: what moves {what_unit[0]} most", fontsize=15, loc="left")
    ax.legend(
        handles=[
            Patch(color="#1f78b4", label="parameter in its lowest fifth of draws"),
            Patch(color="#e66101", label="parameter in its highest fifth of draws"),
        ],
        fontsize=10,
        frameon=False,
        ncols=2,
        loc="upper left",
        bbox_to_anchor=(0.0, -0.09),
        title=f"bars: mean outcome over those draws; line: mean of all draws ({centre:,.1f})",
        title_fontsize=10,
    )
    fig.supxlabel(_caption(ds), fontsize=9, color="#555555", x=0.01, ha="left")
    _style(fig)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=8))
    ax.grid(axis="x", color="#dddddd", linewidth=0.8)
    ax.grid(axis="y", visible=False)
    return fig


CHARTS = {
    "fan": fan_chart,
    "wedges": wedge_chart,
    "gantt": gantt_chart,
    "mac": mac_chart,
    "probability": probability_chart,
    "tornado": tornado_chart,
}


def figure_format(path: str | Path) -> str:
    """png or svg, from the file name's suffix."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise CitypathsError(f"{path}: expected a file name ending in .png or .svg")
    return FORMATS[suffix]


def save_figure(fig: Figure, path: str | Path) -> Path:
    """Write the figure atomically; the format follows the suffix (.png or .svg)."""
    fmt = figure_format(path)
    path = Path(path)
    with replacing(path) as tmp:
        fig.savefig(tmp, format=fmt, dpi=DPI, metadata=_metadata(fmt))
    return path


def _metadata(fmt: str) -> dict:
    # no creation date in the file, so the same result draws the same bytes
    return {"Software": "citypaths"} if fmt == "png" else {"Date": None, "Creator": "citypaths"}
