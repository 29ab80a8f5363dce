"""A whole run of a toy scenario, checked against hand calculations."""

import numpy as np
import pytest

from sim.config.loader import load_scenario
from sim.model.plan import build_plan
from sim.runner import run_plan, run_scenario

SCENARIO = """
bau:
  sectors:
    transport: {activity: {rate: 0.02}}
    heating: {intensity: {path: {2026: 0.9}}}
interventions:
  - id: heat-pumps
    city: "9901"
    sector: heating
    scope: 0.4
    effect: 0.5
    rollout: {start: 2025, planning: 0, build: 2, shape: linear}
    cost: {capex: 1000.0, opex: -10.0}
  - id: e-buses
    city: Testby
    sector: transport
    scope: {subsector: buses}
    effect: {low: 0.9, central: 1.0, high: 1.0}
    rollout: {start: 2024, planning: 1, build: 0}
    cost: {capex_per_t: 2000.0}
removals:
  - id: beccs
    city: "9901"
    tonnes: 100.0
    rollout: {start: 2025, planning: 1, build: 0, shape: step}
"""


@pytest.fixture
def ds(write_scenario):
    return run_scenario(write_scenario(SCENARIO)).isel(scenario=0, draw=0).sel(city="9901")


def test_bau_follows_rates_and_paths(ds):
    bau = ds.emissions_bau
    # transport: 1000 t in 2024 growing 2 %/yr: 1000 * 1.02^2 = 1040.4 in 2026
    assert float(bau.sel(sector="transport", year=2026)) == pytest.approx(1040.4)
    # heating: 500 t, intensity path 1 -> 0.9 by 2026 (0.95 in 2025), flat after
    assert bau.sel(sector="heating").values[:4] == pytest.approx([500, 475, 450, 450])


def test_emissions_apply_adoption_times_scope_times_effect(ds):
    # heat pumps: adoption 2025 0.25, 2026 0.75, 2027 1 (linear over 2025-2027);
    # heating 2027 = 450 * (1 - 0.4 * 0.5 * 1) = 360 t
    heating = ds.emissions.sel(sector="heating")
    assert float(heating.sel(year=2027)) == pytest.approx(360.0)
    assert float(heating.sel(year=2025)) == pytest.approx(475 * (1 - 0.2 * 0.25))
    # buses: scope = 50 / 1000 t CO2 (toy sub-sector data), effect 1, in full from 2025.0
    transport = ds.emissions.sel(sector="transport")
    assert float(transport.sel(year=2025)) == pytest.approx(1020.0 * 0.95)
    assert float(transport.sel(year=2024)) == pytest.approx(1000.0)


def test_removals_are_reported_apart_from_gross_emissions(ds):
    removals = ds.removals.sel(intervention="beccs")
    assert removals.values[:4] == pytest.approx([0, 0, 100, 100])  # from 2026.0
    assert float(ds.abatement.sel(intervention="beccs").sum()) == 0.0


def test_costs_and_npv(ds):
    capex = ds.capex.sel(intervention="heat-pumps")
    assert capex.values[:4] == pytest.approx([0, 250, 500, 250])
    opex = ds.opex.sel(intervention="heat-pumps")
    assert opex.values[:4] == pytest.approx([0, -2.5, -7.5, -10])
    # npv over 2024-2030 at 5 %, discounted to 2024
    years = np.arange(2024, 2031)
    cost = np.array([0, 250 - 2.5, 500 - 7.5, 250 - 10, -10, -10, -10])
    expected = (cost / 1.05 ** (years - 2024)).sum()
    assert float(ds.npv_cost.sel(intervention="heat-pumps")) == pytest.approx(expected)
    # capex per tonne: 2000 SEK per t/yr of full effect; full effect = 0.05 * 1.0 * 1000 t
    assert float(ds.capex.sel(intervention="e-buses").sum()) == pytest.approx(100_000.0)


def test_abatement_adds_up_to_bau_minus_emissions(ds):
    cut = (ds.emissions_bau - ds.emissions).sum("sector")
    attributed = ds.abatement.sum("intervention")
    np.testing.assert_allclose(attributed.values, cut.values, rtol=1e-12, atol=1e-9)


def test_timing_is_recorded(ds):
    assert float(ds.start.sel(intervention="heat-pumps")) == 2025.0
    assert float(ds.completion.sel(intervention="heat-pumps")) == 2027.0
    assert float(ds.completion.sel(intervention="beccs")) == 2026.0


def test_draws_are_independent_rows_of_the_design(write_scenario):
    plan = build_plan(load_scenario(write_scenario(SCENARIO)))
    theta = np.repeat(plan.params.central_design(), 3, axis=0)
    effect = plan.params.names.index("interventions.heat-pumps.effect")
    theta[1, effect] = 0.0  # draw 1: the heat pumps do nothing
    result = run_plan(plan, theta)
    assert np.array_equal(result.emissions[0], result.emissions[2])
    assert np.array_equal(result.emissions[1, :, 1], result.emissions_bau[1, :, 1])
    # central values of ranges are what a deterministic run uses
    bus_effect = plan.params.names.index("interventions.e-buses.effect")
    assert plan.params.central[bus_effect] == 1.0
    assert (plan.params.low[bus_effect], plan.params.high[bus_effect]) == (0.9, 1.0)


def test_a_scenario_with_nothing_that_varies_runs(write_scenario):
    """No BAU change, no measures: the projection is the base year, flat (1500 t)."""
    ds = run_scenario(write_scenario("id: flat\n"))
    totals = ds.emissions.sum("sector").isel(scenario=0, draw=0, city=0).values
    assert totals == pytest.approx([1500.0] * 7)
