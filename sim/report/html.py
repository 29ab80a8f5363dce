"""One self-contained HTML report of one or more results (docs/cli.md, `citypaths report`).

Everything the page needs is inside the file: the style sheet is inline, every chart is an
inline base64 PNG, and there is no script, so it opens without a network and prints as it
shows. For each city: what the scenarios give in words, the comparison table
(`sim.analysis.compare`), the charts (emissions fan, wedges, cost curve, chance of meeting
the targets, rollout, and a tornado for Monte Carlo results), the benchmarks (the trend of
the observed total and the Carbon Law), for a Saltelli result the uncertain numbers that
matter most, then each result's provenance and a glossary.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import xarray as xr

import sim
from sim import dims
from sim.analysis.compare import align_interventions, compare, split_results
from sim.atomic import replacing
from sim.core import benchmarks as bm
from sim.errors import CitypathsError

REPORT_DPI = 100

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       max-width: 1100px; margin: 2em auto; padding: 0 1.2em; color: #222; line-height: 1.45; }
h1 { font-size: 1.9em; margin-bottom: 0.2em; }
h2 { border-bottom: 2px solid #1f6fb4; padding-bottom: 0.2em; margin-top: 2.2em; }
h3 { margin-top: 1.6em; }
p.lead { font-size: 1.1em; color: #444; }
table { border-collapse: collapse; margin: 0.8em 0 1.4em; font-size: 0.95em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.35em 0.7em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f0f4f8; }
tr.group td { background: #fafafa; font-weight: 600; text-align: left; }
figure { margin: 1em 0 2em; }
figure img { width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.92em; }
.verdict { padding: 0.6em 0.9em; border-left: 5px solid #999; background: #f7f7f7;
           margin: 0.6em 0; }
.verdict.met { border-color: #1a9850; }
.verdict.missed { border-color: #b2182b; }
.small { font-size: 0.88em; color: #555; }
dl.prov dt { font-weight: 600; float: left; clear: left; width: 12em; }
dl.prov dd { margin-left: 12.5em; word-break: break-all; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def figure_png(fig) -> str:
    """A matplotlib Figure as a data: URI of a PNG."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=REPORT_DPI, metadata={"Software": "citypaths"})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(fig, caption: str, alt: str) -> str:
    return (
        f'<figure><img class="chart" src="{figure_png(fig)}" alt="{_e(alt)}">'
        f"<figcaption>{caption}</figcaption></figure>"
    )


def _kt(v: float | None) -> str:
    return "–" if v is None or not math.isfinite(v) else f"{v / 1000:,.1f}"


def _cells(records: list[dict], names: list[str], currency: str) -> list[tuple[str, list[str]]]:
    from sim.analysis.compare import _cell, _row_label

    rows: dict[str, dict[str, str]] = {}
    for r in records:
        rows.setdefault(_row_label(r, currency), {})[r["scenario"]] = _cell(r)
    return [(k, [v.get(n, "–") for n in names]) for k, v in rows.items()]


def _table(records: list[dict], names: list[str], currency: str) -> str:
    head = "".join(f"<th>{_e(n)}</th>" for n in names)
    body = []
    for label, cells in _cells(records, names, currency):
        tds = "".join(f"<td>{_e(c)}</td>" for c in cells)
        body.append(f"<tr><td>{_e(label.strip())}</td>{tds}</tr>")
    return (
        f"<table><thead><tr><th>figure</th>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _measure_table(records: list[dict], names: list[str], titles: dict[str, str]) -> str:
    """One row per measure; per scenario its cut in the first year shown, NPV and cost per
    tonne (medians)."""
    from sim.analysis.compare import _cell

    first_year = next((r["year"] for r in records if r["metric"] == "measure_abatement"), None)
    cells: dict[str, dict[tuple[str, str], str]] = {}
    for r in records:
        if r["metric"] == "measure_abatement" and r["year"] != first_year:
            continue
        cells.setdefault(r["intervention"], {})[(r["scenario"], r["metric"])] = _cell(r)
    metrics = ("measure_abatement", "measure_npv_cost", "measure_levelised_cost")
    top = "".join(f'<th colspan="3" style="text-align:center">{_e(n)}</th>' for n in names)
    sub = "".join(f"<th>cut {first_year}, kt/yr</th><th>NPV</th><th>per t CO2e</th>" for _ in names)
    body = []
    for iv, row in cells.items():
        tds = "".join(f"<td>{_e(row.get((n, m), '–'))}</td>" for n in names for m in metrics)
        body.append(f"<tr><td>{_e(titles.get(iv, iv))}</td>{tds}</tr>")
    return (
        f"<table><thead><tr><th></th>{top}</tr><tr><th>measure</th>{sub}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
        '<p class="small">– : the scenario does not have this measure. Negative NPV or cost '
        "per tonne: the measure saves more than it costs.</p>"
    )


def _verdicts(records: list[dict]) -> str:
    """A sentence per scenario and target: met or missed, and by how much."""
    out = []
    for r in records:
        if r["metric"] != "p_target_met":
            continue
        gap = next(
            g
            for g in records
            if g["metric"] == "target_gap"
            and g["scenario"] == r["scenario"]
            and g["target"] == r["target"]
        )
        p = r["value"]
        many = r["n_draws"] > 1
        if many:
            chance = f"met in {100 * p:.0f} % of {r['n_draws']} draws"
        else:
            chance = "met" if p >= 1.0 else "missed"
        if gap["median"] is not None and gap["median"] > 0:
            detail = f"{_kt(gap['median'])} kt CO2e too much in {r['year']}"
            if many:
                detail += f" (median; {_kt(gap['p95'])} kt in the worst 5 %)"
        else:
            detail = f"{_kt(-(gap['median'] or 0.0))} kt CO2e to spare in {r['year']}"
            if many:
                detail += " (median)"
        kind = "met" if p >= 0.5 else "missed"
        out.append(
            f'<div class="verdict {kind}"><b>{_e(r["scenario"])}</b>: target '
            f"<b>{_e(r['target'])}</b> {chance}: {detail}.</div>"
        )
    return "".join(out)


def _benchmark_table(ds: xr.Dataset, code: str, rate: float) -> str:
    """The trend of the observed total and the Carbon Law path, every fifth year."""
    sel = {dims.CITY: code}
    hist = ds[dims.HIST_YEAR].values
    total = bm.observed_total(ds["emissions_observed"].sel(sel).values)
    t_a, y_a, slope = bm.trend_fit(hist, total)
    if math.isnan(t_a) or "emissions_trend_total" not in ds:
        return "<p>No observed total from 2015 on: no trend.</p>"
    years = ds[dims.YEAR].values
    start = int(t_a) + 1
    trend = ds["emissions_trend_total"].sel(sel).values
    law = bm.carbon_law_path(float(trend[list(years).index(start)]), start, years, rate)
    gross = ds["emissions"].sel(sel).sum(dims.SECTOR)
    median = (gross.median(dims.DRAW) if dims.DRAW in gross.dims else gross).values
    shown = [y for y in years if y >= start and (y % 5 == 0 or y == start)]
    rows = "".join(
        f"<tr><td>{y}</td><td>{_kt(trend[list(years).index(y)])}</td>"
        f"<td>{_kt(law[list(years).index(y)])}</td><td>{_kt(median[list(years).index(y)])}</td></tr>"
        for y in shown
    )
    return (
        f"<p>Trend of the observed total since 2015 (least absolute deviations through the "
        f"last observation, {_kt(y_a)} kt in {int(t_a)}): <b>{slope / 1000:+,.2f} kt CO2e per "
        f"year</b>. The Carbon Law path starts at the trend's value in {start} and falls "
        f"{100 * rate:.2f} % a year.</p>"
        "<table><thead><tr><th>year</th><th>trend, kt/yr</th><th>Carbon Law, kt/yr</th>"
        f"<th>{_e(str(ds[dims.SCENARIO].values) if dims.SCENARIO in ds.coords else 'scenario')}"
        f" (median), kt/yr</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _charts(ds: xr.Dataset, code: str, name: str) -> str:
    from sim.report import plots

    n_draw = ds.sizes.get(dims.DRAW, 1)
    charts = [
        (
            "fan",
            "Emissions: observed, the scenario"
            + (" (median and 5-95 % of the draws)" if n_draw > 1 else "")
            + ", business as usual, the trend since 2015, the Carbon Law path and the "
            "targets' levels.",
        ),
        ("wedges", "What each measure cuts, between the scenario and business as usual."),
        (
            "mac",
            "Cost per tonne of each measure, cheapest first. Width: the tonnes it cuts "
            "(present value); area: the NPV of its cost.",
        ),
        (
            "probability",
            "The chance that emissions are within each target's level, year by year.",
        ),
        ("gantt", "When each measure is built, and what it waited for."),
    ]
    if n_draw >= 10 and "theta" in ds:
        charts.append(
            (
                "tornado",
                "Which uncertain numbers move cumulative emissions most (Monte Carlo).",
            )
        )
    out = []
    for kind, caption in charts:
        try:
            fig = plots.CHARTS[kind](ds, code)
        except CitypathsError as exc:  # nothing to draw for this city (no targets, ...)
            out.append(f'<p class="small">({_e(kind)}: {_e(exc)})</p>')
            continue
        out.append(_figure(fig, _e(caption), f"{name}: {kind} chart"))
    return "".join(out)


def _pin_down(ds: xr.Dataset, code: str, top: int = 8) -> str:
    """For a Saltelli result: the parameters that matter most for cumulative emissions,
    ranked by total-order Sobol index (the list of what to pin down next)."""
    from sim.analysis.sensitivity import SALTELLI, sensitivity

    if str(ds.attrs.get("sampler", "")) != SALTELLI:
        return ""
    try:
        ((what, indices),) = sensitivity(ds, code, ["cumulative"])
    except CitypathsError as exc:
        return f'<p class="small">(sensitivity: {_e(exc)})</p>'
    if all(i.st == 0.0 and i.s1 == 0.0 and i.st_conf == 0.0 for i in indices):
        return f"<p>{_e(what)}: the same in every draw; nothing to pin down.</p>"
    rows = "".join(
        f"<tr><td>{i.rank}</td><td>{_e(i.parameter)}</td><td>{i.st:.2f} ± {i.st_conf:.2f}</td>"
        f"<td>{i.s1:.2f} ± {i.s1_conf:.2f}</td></tr>"
        for i in indices[:top]
    )
    return (
        f"<h4>What to pin down next: {_e(what)}</h4>"
        "<p>Share of the uncertainty each number accounts for (Sobol indices, 95 % "
        "intervals): <i>total</i> with its interactions, <i>alone</i> by itself.</p>"
        "<table><thead><tr><th>rank</th><th>uncertain number</th><th>total</th>"
        f"<th>alone</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _provenance(label: str, source: str, ds: xr.Dataset) -> str:
    a = ds.attrs
    try:
        files = ", ".join(json.loads(a.get("scenario_files", "[]")))
    except ValueError:
        files = str(a.get("scenario_files", ""))
    n_draw = ds.sizes.get(dims.DRAW, 1)
    items = [
        ("scenario", f"{label}: {a.get('title', '')}"),
        ("result file", source),
        ("citypaths version", a.get("citypaths_version", "")),
        ("inputs (SHA-256)", a.get("inputs_sha256", "")),
        ("sampler", a.get("sampler", "")),
        ("seed", a.get("seed", "")),
        ("draws", n_draw),
        ("created", a.get("created", "")),
        ("scenario files", files),
        (
            "money",
            f"{a.get('currency', '')} at {a.get('price_year', '')} prices, discounted at "
            f"{100 * float(a.get('discount_rate', 0.0)):.1f} % a year to {a.get('base_year', '')}",
        ),
        ("rollout engine", a.get("rollout_engine", "")),
    ]
    dl = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in items)
    return f'<h3>{_e(label)}</h3><dl class="prov">{dl}</dl>'


GLOSSARY = """
<h2>How to read this report</h2>
<ul>
<li><b>Gross emissions</b>: the territorial greenhouse-gas emissions of the city's sectors
(SMHI's national emissions database), in kilotonnes (kt) of CO2 equivalent per year.
<b>Net</b>: gross emissions minus removals (carbon capture, sinks) credited to the city.</li>
<li><b>Targets</b> are checked on their own sectors and basis. A net target counts removals
only up to its cap (for example 15 % of the 1990 emissions).</li>
<li><b>Gap</b>: emissions in the target year minus what the target allows; a positive gap
is what is still to be cut, a negative one a margin.</li>
<li><b>Carbon Law</b>: a path that falls by the same share every year (11.72 % unless stated),
from the trend's level in the first year; <b>carbon budget</b>: a total amount of emissions
from the start of a period.</li>
<li><b>NPV</b>: the net present value of the measures' costs, discounted to the base year;
<b>levelised cost</b>: the present value of the costs divided by the present value of the
tonnes cut or removed (money per tonne of CO2e).</li>
<li>With several <b>draws</b> (Monte Carlo), a figure is the median, with the 5th to 95th
percentile in brackets: nine draws in ten fall in that range. A chance is the share of draws
in which something happens.</li>
</ul>
"""


def build_report(
    results: Sequence[xr.Dataset],
    sources: Sequence[str],
    years: Sequence[int] | None = None,
    period: tuple[int, int] | None = None,
    budget: float | None = None,
    rate: float = bm.CARBON_LAW_RATE,
    cities: Sequence[str] | None = None,
) -> str:
    """The HTML text of the report of `results` (read from `sources`, for the provenance)."""
    named = split_results(results)
    origin = [src for src, ds in zip(sources, results, strict=True) for _ in split_scen(ds)]
    aligned = align_interventions([ds for _, ds in named])
    records = compare(results, years, period, budget, rate, measures=True, cities=cities)
    names = [n for n, _ in named]
    titles = {
        str(iv): str(t)
        for ds in aligned
        for iv, t in zip(ds[dims.INTERVENTION].values, ds["intervention_title"].values, strict=True)
    }
    currency = str(results[0].attrs.get("currency", "SEK"))
    codes = list(dict.fromkeys(r["city"] for r in records))
    city_names = {r["city"]: r["city_name"] for r in records}
    title = "Decarbonisation pathways: " + ", ".join(names)
    created = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="citypaths {_e(sim.__version__)}">',
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="lead">{len(codes)} {"city" if len(codes) == 1 else "cities"}, '
        f"{len(names)} scenario{'s' if len(names) > 1 else ''}. Made by citypaths "
        f"{_e(sim.__version__)} on {created}. Emissions in kt CO2e; money in {_e(currency)}."
        "</p>",
        "<nav><ul>"
        + "".join(f'<li><a href="#city-{_e(c)}">{_e(city_names[c])}</a></li>' for c in codes)
        + '<li><a href="#provenance">Where the numbers come from</a></li></ul></nav>',
    ]
    for code in codes:
        recs = [r for r in records if r["city"] == code]
        city_recs = [r for r in recs if not r["metric"].startswith("measure_")]
        measure_recs = [r for r in recs if r["metric"].startswith("measure_")]
        name = city_names[code]
        parts.append(f'<h2 id="city-{_e(code)}">{_e(name)} ({_e(code)})</h2>')
        parts.append(_verdicts(city_recs))
        parts.append("<h3>The scenarios side by side</h3>")
        here = [n for n in names if any(r["scenario"] == n for r in city_recs)]
        parts.append(_table(city_recs, here, currency))
        if measure_recs:
            parts.append(f"<h3>Each measure (money in {_e(currency)})</h3>")
            parts.append(_measure_table(measure_recs, here, titles))
        for (label, _), ds in zip(named, aligned, strict=True):
            if code not in [str(c) for c in ds[dims.CITY].values]:
                continue
            parts.append(f"<h3>{_e(label)}: charts</h3>")
            parts.append(_charts(ds, code, name))
            parts.append(_pin_down(ds, code))
        first = next(ds for ds in aligned if code in [str(c) for c in ds[dims.CITY].values])
        parts.append("<h3>Benchmarks: the trend and the Carbon Law</h3>")
        parts.append(_benchmark_table(first, code, rate))
    parts.append('<h2 id="provenance">Where the numbers come from</h2>')
    for (label, ds), src in zip(named, origin, strict=True):
        parts.append(_provenance(label, src, ds))
    parts.append(GLOSSARY)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def split_scen(ds: xr.Dataset) -> range:
    return range(ds.sizes.get(dims.SCENARIO, 1))


def write_report(text: str, path: str | Path) -> Path:
    """Write the report atomically (temporary file, then rename)."""
    path = Path(path)
    with replacing(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def check_suffix(path: str | Path) -> None:
    if Path(path).suffix.lower() not in (".html", ".htm"):
        raise CitypathsError(f"{path}: expected a file name ending in .html")
