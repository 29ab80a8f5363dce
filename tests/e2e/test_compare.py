"""`citypaths compare` and `sim.analysis.compare`, checked by hand on the toy scenario.

Toy (tests/data/toy, BAU constant at 2024): Testby (9901) emits 1000 t transport + 500 t
heating. `hp` (effect 0.9 at its central value) removes heating, built linearly 2026-2028, so
the adoption of the calendar years is 0.25 (2026), 0.75 (2027), then 1: heating is 500, 500,
387.5, 162.5, 50, 50, 50 t in 2024-2030 and the gross total 1500, 1500, 1387.5, 1162.5, 1050,
1050, 1050. The target `half` allows 50 % of 1990's 3000 t, i.e. 1500 t in 2030.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import xarray as xr

from sim.analysis.compare import align_interventions, compare, spread
from sim.cli import main
from sim.runner import run_scenario
from sim.store import write_netcdf
from tests.conftest import DATA

HEADER = f"extends: {DATA / 'toy_base.yaml'}\ndata: {DATA / 'toy'}\n"
SCENARIO_A = """
id: toy-a
cities: ["9901", "9902"]
interventions:
  - id: hp
    title: Heat pumps
    city: "9901"
    sector: heating
    effect: {low: 0.6, central: 0.9, high: 1.0}
    rollout: {start: 2026, build: 2}
    cost: {capex: 1.0e+6}
  - {id: cars, city: "9902", sector: transport, effect: 0.5, rollout: {start: 2024, build: 0}}
removals:
  - {id: sink, city: "9902", tonnes: 50, rollout: {start: 2025, build: 0}}
"""
SCENARIO_B = """
id: toy-b
cities: ["9901"]
interventions:
  - id: hp
    title: Heat pumps
    city: "9901"
    sector: heating
    effect: 0.9
    rollout: {start: 2026, build: 2}
    cost: {capex: 1.0e+6}
  - {id: buses, title: Electric buses, city: "9901", sector: transport, effect: 0.1,
     rollout: {start: 2024, build: 0}, cost: {capex: 2.0e+5}}
"""


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("compare")
    out = {}
    for name, text in (("a", SCENARIO_A), ("b", SCENARIO_B)):
        path = folder / f"{name}.yaml"
        path.write_text(HEADER + text, encoding="utf-8")
        ds = run_scenario(path)
        write_netcdf(ds, folder / f"{name}.nc")
        out[name] = (ds, folder / f"{name}.nc")
    return out


def _one(records, metric, city="9901", scenario="toy-a", **match):
    found = [
        r
        for r in records
        if r["metric"] == metric
        and r["city"] == city
        and r["scenario"] == scenario
        and all(r[k] == v for k, v in match.items())
    ]
    assert len(found) == 1, (metric, match, found)
    return found[0]


def test_figures_by_hand(results):
    ds = results["a"][0]
    rec = compare([ds], years=(2030,), period=(2025, 2030), budget=5000.0)
    assert _one(rec, "emissions_gross", year=2030)["median"] == pytest.approx(1050.0)
    # Provstad: transport 200 halved from 2024, heating 100, removal 50: net 150
    assert _one(rec, "emissions_net", city="9902", year=2030)["median"] == pytest.approx(150.0)
    assert _one(rec, "p_target_met", target="half")["value"] == 1.0
    assert _one(rec, "target_gap", target="half")["median"] == pytest.approx(1050.0 - 1500.0)
    # 2025-2030: 1500 + 1387.5 + 1162.5 + 3 x 1050
    assert _one(rec, "cumulative_gross")["median"] == pytest.approx(7200.0)
    # the trend of the total: 1500 t in 2024 falling 100/3 t a year
    trend = [1500 - 100 / 3 * k for k in range(1, 7)]
    assert _one(rec, "trend_sum")["value"] == pytest.approx(sum(trend))
    law = sum(trend[0] * (1 - 0.1172) ** k for k in range(6))
    assert _one(rec, "carbon_law_sum")["value"] == pytest.approx(law)
    assert law == pytest.approx(6591, abs=1)  # 1466.67 (1 - 0.8828^6) / 0.1172
    assert _one(rec, "p_within_carbon_law")["value"] == 0.0  # 7200 t > 6591 t
    # the budget: 1500 + 1387.5 + 1162.5 = 4050 by the end of 2027; 950 of 1050 in 2028
    assert _one(rec, "p_within_budget")["value"] == 0.0
    assert _one(rec, "budget_exhausted")["median"] == pytest.approx(2028 + 950 / 1050)
    # capex 1e6 spent 0.25, 0.5, 0.25 in 2026-2028, discounted at 5 % to 2024
    npv = 1e6 * (0.25 / 1.05**2 + 0.5 / 1.05**3 + 0.25 / 1.05**4)
    assert _one(rec, "npv_cost")["median"] == pytest.approx(npv)
    # tonnes cut: 0.9 x 500 x adoption = 112.5, 337.5, then 450 a year
    pv_t = 112.5 / 1.05**2 + 337.5 / 1.05**3 + sum(450 / 1.05**k for k in (4, 5, 6))
    assert _one(rec, "levelised_cost")["median"] == pytest.approx(npv / pv_t)


def _with_draws(ds: xr.Dataset, factors: np.ndarray) -> xr.Dataset:
    """The deterministic result as len(factors) draws, gross emissions scaled per draw."""
    many = xr.concat([ds] * len(factors), dim="draw", data_vars="minimal", join="exact")
    many = many.assign_coords(draw=np.arange(len(factors)))
    scale = xr.DataArray(factors, dims="draw", coords={"draw": many.draw})
    return many.assign(emissions=many.emissions * scale)


def test_percentiles_and_probabilities_against_numpy(results):
    ds = results["a"][0]
    factors = np.linspace(0.8, 1.8, 11)
    rec = compare([_with_draws(ds, factors)], years=(2030,), period=(2025, 2030))
    gross = 1050.0 * factors
    r = _one(rec, "emissions_gross", year=2030)
    assert [r["p05"], r["median"], r["p95"]] == pytest.approx(np.percentile(gross, [5, 50, 95]))
    # met where 1050 f <= 1500, i.e. f <= 1.43: 0.8, 0.9, ..., 1.4 -> 7 of 11
    assert _one(rec, "p_target_met", target="half")["value"] == pytest.approx(7 / 11)
    gap = _one(rec, "target_gap", target="half")
    assert gap["p95"] == pytest.approx(np.percentile(gross - 1500.0, 95))
    cum = _one(rec, "cumulative_gross")
    assert cum["median"] == pytest.approx(7200.0 * np.median(factors))
    assert cum["n_draws"] == 11


def test_spread_ignores_nan_draws():
    s = spread(np.array([1.0, np.nan, 3.0, 2.0]))
    assert (s.p05, s.median, s.p95) == pytest.approx((1.1, 2.0, 2.9))
    assert math.isnan(spread(np.array([np.nan])).median)


def test_different_interventions_line_up_on_their_union(results):
    a, b = results["a"][0], results["b"][0]
    aligned = align_interventions([a, b])
    assert [list(x.intervention.values) for x in aligned] == [["hp", "cars", "sink", "buses"]] * 2
    assert np.isnan(aligned[0]["npv_cost"].sel(intervention="buses")).all()
    assert str(aligned[0]["intervention_title"].sel(intervention="buses").item()) == (
        "Electric buses"
    )
    rec = compare([a, b], years=(2030,), measures=True)
    buses_b = _one(rec, "measure_npv_cost", scenario="toy-b", intervention="buses")
    assert buses_b["median"] == pytest.approx(2.0e5)  # built in 2024: not discounted
    buses_a = _one(rec, "measure_npv_cost", scenario="toy-a", intervention="buses")
    assert math.isnan(buses_a["median"])
    # toy-b has no Provstad: no rows for it
    assert not [r for r in rec if r["scenario"] == "toy-b" and r["city"] == "9902"]
    # same city, two scenarios: toy-b also cuts 10 % of transport (100 t)
    g_b = _one(rec, "emissions_gross", scenario="toy-b", year=2030)["median"]
    assert g_b == pytest.approx(1050.0 - 100.0)


def test_cli_formats(results, capsys):
    a, b = results["a"][1], results["b"][1]
    assert main(["compare", str(a), str(b), "--years", "2030", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    gross = [r for r in rows if r["metric"] == "emissions_gross" and r["city"] == "9901"]
    assert {r["scenario"]: r["median"] for r in gross} == pytest.approx(
        {"toy-a": 1050.0, "toy-b": 950.0}
    )
    assert main(["compare", str(a), "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("scenario,city,city_name,metric")
    assert main(["compare", str(a), str(a), "--budget", "5000"]) == 0
    text = capsys.readouterr().out
    assert "toy-a#2" in text
    assert "budget used up in (year)" in text
    assert "not by 2030" in text  # Provstad stays within 5000 t


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--years", "2060"], "--years 2060: not in the projection"),
        (["--years", "twenty"], "expected years separated by commas"),
        (["--period", "2030-2025"], "the last year is before the first"),
        (["--period", "2020-2030"], "--period 2020"),
        (["--budget", "-1"], "expected a positive number"),
        (["--format", "pdf"], "invalid choice"),
    ],
)
def test_cli_errors(results, capsys, args, message):
    assert main(["compare", str(results["a"][1]), *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_cli_missing_file(tmp_path, capsys):
    assert main(["compare", str(tmp_path / "nothing.nc")]) == 2
    assert "not found" in capsys.readouterr().err


def test_a_repeated_scenario_is_named_by_its_draws(results):
    ds = results["a"][0]
    many = _with_draws(ds, np.ones(3))
    names = [r["scenario"] for r in compare([ds, many, ds], years=(2030,))]
    assert list(dict.fromkeys(names)) == ["toy-a", "toy-a (3 draws)", "toy-a#2"]
