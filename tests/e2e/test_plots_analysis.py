"""The charts of `citypaths plot --kind mac|probability|tornado` and the fan chart's band,
checked against hand calculations on the toy data (see test_compare.py for the numbers)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from matplotlib.collections import PolyCollection
from matplotlib.patches import Rectangle

from sim.analysis.sensitivity import swings
from sim.cli import main
from sim.report.plots import fan_chart, mac_chart, target_probability, tornado_chart
from sim.runner import run_scenario
from sim.store import write_netcdf
from tests.conftest import DATA
from tests.mc import mc_result

HEADER = f"extends: {DATA / 'toy_base.yaml'}\ndata: {DATA / 'toy'}\n"
SCENARIO = """
id: toy-p
cities: ["9901", "9902"]
targets:
  - {id: half, threshold: 0.5, reference_year: 1990, year: 2030}
  - {id: net-capped, threshold: 0.66, reference_year: 1990, year: 2030, basis: net,
     max_removals: 0.05}
interventions:
  - id: hp
    title: Heat pumps
    city: "9901"
    sector: heating
    effect: {low: 0.6, central: 0.9, high: 1.0}
    rollout: {start: 2026, build: 2}
    cost: {capex: {low: 0.5e+6, central: 1.0e+6, high: 2.0e+6}}
  - {id: cars, city: "9902", sector: transport, effect: 0.5, rollout: {start: 2024, build: 0}}
removals:
  - {id: sink, city: "9902", tonnes: 50, rollout: {start: 2025, build: 0}}
"""


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    path = tmp_path_factory.mktemp("plots2") / "toy.yaml"
    path.write_text(HEADER + SCENARIO, encoding="utf-8")
    return path


def _bars(fig):
    return [p for p in fig.axes[0].patches if isinstance(p, Rectangle) and p.get_width() > 0]


def test_mac_bar_is_levelised_cost_over_discounted_tonnes(scenario):
    ds = run_scenario(scenario)
    (bar,) = _bars(mac_chart(ds, "9901"))
    npv = 1e6 * (0.25 / 1.05**2 + 0.5 / 1.05**3 + 0.25 / 1.05**4)
    pv_t = 112.5 / 1.05**2 + 337.5 / 1.05**3 + sum(450 / 1.05**k for k in (4, 5, 6))
    assert bar.get_height() == pytest.approx(npv / pv_t)  # SEK/t
    assert bar.get_width() == pytest.approx(pv_t / 1000)  # kt
    assert bar.get_width() * 1000 * bar.get_height() == pytest.approx(npv)  # area = NPV


def test_probability_by_year_counts_draws_and_respects_the_cap(scenario):
    ds = run_scenario(scenario)
    factors = np.linspace(0.8, 1.8, 11)
    many = xr.concat([ds] * 11, dim="draw", data_vars="minimal", join="exact")
    many = many.assign_coords(draw=np.arange(11))
    many = many.assign(emissions=many.emissions * xr.DataArray(factors, dims="draw"))
    years, p = target_probability(many, "9901", "half")
    at = dict(zip(years.tolist(), p.tolist(), strict=True))
    # 2030: 1050 f <= 1500 for f <= 1.43 (7 of 11); 2026: 1387.5 f <= 1500 for f <= 1.08 (3)
    assert at[2030] == pytest.approx(7 / 11)
    assert at[2026] == pytest.approx(3 / 11)
    # Provstad, net target: 1990 500 t, allowed 0.34 x 500 = 170 t; in 2030 gross 200 t,
    # removals 50 t of which 0.05 x 500 = 25 t count: 175 t > 170 t, missed; without the
    # cap 150 t would meet it
    _, p_net = target_probability(ds, "9902", "net-capped")
    assert p_net[-1] == 0.0


def test_tornado_bars_are_the_swings(scenario):
    ds = mc_result(scenario, 60, "lhs", seed=2)
    fig = tornado_chart(ds, "9901", outcome="emissions", year=2030)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    theta, names = ds["theta"].values, list(ds["parameter"].values)
    y = ds["emissions"].isel(scenario=0).sel(city="9901", year=2030).sum("sector").values
    expected = swings(theta, y, names)
    assert labels == [s.parameter for s in expected]
    assert labels[0] == "interventions.hp.effect"  # the capex does not change emissions
    # a higher effect cuts more: the high end is below the low end
    assert expected[0].high < expected[0].low


def test_fan_chart_band_is_the_5_95_percentile(scenario):
    ds = mc_result(scenario, 40, "lhs", seed=3)
    fig = fan_chart(ds, "9901")
    (band,) = [c for c in fig.axes[0].collections if isinstance(c, PolyCollection)]
    gross = ds["emissions"].isel(scenario=0).sel(city="9901").sum("sector").values / 1000
    path = band.get_paths()[0].vertices
    top = dict(zip(path[:, 0].tolist(), path[:, 1].tolist(), strict=False))
    k = list(ds["year"].values).index(2030)
    # the band's vertices include the 95th percentile in 2030 (the upper edge)
    upper = [yv for xv, yv in path.tolist() if xv == 2030]
    assert max(upper) == pytest.approx(np.percentile(gross[:, k], 95))
    assert min(upper) == pytest.approx(np.percentile(gross[:, k], 5))
    assert top  # drawn


@pytest.mark.parametrize("kind", ["mac", "probability", "tornado"])
@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_cli_writes_each_kind(scenario, tmp_path, kind, suffix, capsys):
    nc = tmp_path / "mc.nc"
    write_netcdf(mc_result(scenario, 30, "lhs"), nc)
    out = tmp_path / f"{kind}{suffix}"
    assert main(["plot", str(nc), "--kind", kind, "--city", "Testby", "-o", str(out)]) == 0
    assert out.stat().st_size > 1000
    assert main(["plot", str(nc), "--kind", kind, "--city", "9901", "-o", str(out)]) == 2
    assert "give --force to replace it" in capsys.readouterr().err


def test_cli_tornado_needs_draws(scenario, tmp_path, capsys):
    nc = tmp_path / "one.nc"
    write_netcdf(run_scenario(scenario), nc)
    args = ["plot", str(nc), "--kind", "tornado", "--city", "9901", "-o", str(tmp_path / "t.png")]
    assert main(args) == 2
    assert "no Monte Carlo draws" in capsys.readouterr().err


def test_wedges_add_up_to_bau_minus_scenario_per_draw_and_in_the_chart(scenario):
    ds = mc_result(scenario, 40, "lhs", seed=4).isel(scenario=0)
    # per draw, city and year: the measures' abatement is exactly BAU minus the scenario
    gap = ds["emissions_bau"].sum("sector") - ds["emissions"].sum("sector")
    wedges = ds["abatement"].sum("intervention")
    assert float(abs(gap - wedges).max()) < 1e-9
    assert float(gap.std("draw").max()) > 0  # the draws differ: a real check
    # the chart stacks means over draws, so its top is the mean BAU in every year
    from matplotlib.collections import PolyCollection

    from sim.report.plots import wedge_chart

    fig = wedge_chart(ds, "9901")
    polys = [c for c in fig.axes[0].collections if isinstance(c, PolyCollection)]
    top = max(float(p.get_paths()[0].vertices[:, 1].max()) for p in polys)
    bau = ds["emissions_bau"].sel(city="9901").sum("sector").mean("draw").values / 1000
    assert top == pytest.approx(bau.max(), rel=1e-9)
    (hp,) = [p for p in polys if p.get_label() == "Heat pumps"]
    vertices = hp.get_paths()[0].vertices
    years = ds["year"].values
    for k, year in enumerate(years):  # the wedge's upper edge is the mean BAU in each year
        assert vertices[vertices[:, 0] == year, 1].max() == pytest.approx(bau[k], rel=1e-9)
