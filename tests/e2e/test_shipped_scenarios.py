"""Every shipped scenario loads, plans and runs, and its results obey the model.

The assertions follow from the model (docs/model.md), not from the numbers a run
happens to produce: emissions are finite and never negative, a scenario without
measures is its business as usual, measures never raise a sector above business as
usual, the base year reproduces the city's inventory, and the abatement attributed to
the measures of a sector adds up to what the sector was cut by.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.config.baseline import load_data
from sim.config.library import load_library
from sim.config.loader import load_scenario
from sim.config.schema import Measure, Range, SubsectorShare
from sim.model.plan import build_plan
from sim.runner import run_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
#: folders under scenarios/ that hold data, the library and fragments, not scenarios
NOT_SCENARIOS = {"data", "library", "common"}
#: files in a city's folder that are fragments (a city's targets), not scenarios
FRAGMENTS = {"targets.yaml"}


def _scenario_files() -> list[Path]:
    return sorted(
        p
        for p in SCENARIOS.rglob("*.yaml")
        if p.relative_to(SCENARIOS).parts[0] not in NOT_SCENARIOS and p.name not in FRAGMENTS
    )


SCENARIO_FILES = _scenario_files()


def test_scenarios_are_shipped():
    names = {str(p.relative_to(ROOT)) for p in SCENARIO_FILES}
    for required in (
        "scenarios/umea/contract.yaml",
        "scenarios/malmo/contract.yaml",
        "scenarios/all23/bau.yaml",
        "scenarios/all23/contract.yaml",
    ):
        assert required in names


@pytest.mark.parametrize(
    "path", SCENARIO_FILES, ids=[str(p.relative_to(ROOT)) for p in SCENARIO_FILES]
)
def test_shipped_scenario(path: Path):
    loaded = load_scenario(path)
    plan = build_plan(loaded)
    ds = run_scenario(path).isel(scenario=0)

    assert list(ds["city"].values) == list(loaded.cities)
    assert list(ds["sector"].values) == list(loaded.sectors)
    years = ds["year"].values
    assert years[0] == loaded.base_year == plan.base_year
    assert years[-1] == loaded.scenario.years.horizon

    emissions = ds["emissions"].values  # [draw, city, sector, year]
    bau = ds["emissions_bau"].values
    removals = ds["removals"].values  # [draw, city, intervention, year]
    abatement = ds["abatement"].values
    adoption = ds["adoption"].values
    for name, values in (
        ("emissions", emissions),
        ("emissions_bau", bau),
        ("removals", removals),
        ("abatement", abatement),
        ("adoption", adoption),
    ):
        assert np.isfinite(values).all(), name
        assert (values >= 0).all(), name
    assert (adoption <= 1).all()
    for name in ("capex", "opex", "cost", "npv_cost"):
        assert np.isfinite(ds[name].values).all(), name

    # the base year reproduces each city's inventory, sector by sector
    base = loaded.base_year
    for c, code in enumerate(loaded.cities):
        city = loaded.data.cities[code]
        expected = np.array([city.emissions.get(s, {}).get(base, 0.0) for s in loaded.sectors])
        np.testing.assert_allclose(bau[:, c, :, 0], expected[None, :], rtol=1e-12)
        np.testing.assert_allclose(bau[:, c, :, 0].sum(axis=-1), expected.sum(), rtol=1e-12)
        if not adoption[:, c, :, 0].any():  # nothing acts in the base year
            np.testing.assert_allclose(emissions[:, c, :, 0].sum(axis=-1), expected.sum())

    kinds = ds["intervention_kind"].values
    sectors_of = ds["intervention_sector"].values
    if len(loaded.scenario.interventions) == 0:
        # no measures: the scenario is its business as usual, exactly
        assert np.array_equal(emissions, bau)
        assert not abatement.any()
    else:
        # each sector's factor prod(1 - scope * effect * adoption) is at most 1
        assert (emissions <= bau).all()
        total, total_bau = emissions[..., -1].sum(axis=-1), bau[..., -1].sum(axis=-1)
        assert (total <= total_bau).all()
        # attribution: the abatement of a sector's measures adds up to its cut
        for s, sector in enumerate(loaded.sectors):
            members = (kinds == "reduction") & (sectors_of == sector)
            attributed = abatement[:, :, members, :].sum(axis=2)
            cut = bau[:, :, s, :] - emissions[:, :, s, :]
            np.testing.assert_allclose(attributed, cut, rtol=1e-9, atol=1e-6)
    if len(loaded.scenario.removals) == 0:
        assert not removals.any()
    # removals are not abatement, and reductions remove nothing
    assert not removals[:, :, kinds == "reduction", :].any()
    assert not abatement[:, :, kinds == "removal", :].any()

    # targets refer to sectors of the scenario and to an observed or projected year
    for target in plan.targets:
        assert set(target.sectors) <= set(loaded.sectors)
        assert base <= target.year <= years[-1]


def _uncertain_fields(measure: Measure) -> dict[str, object]:
    """The numbers of a library measure that are uncertain by nature."""
    fields: dict[str, object] = {}
    if measure.kind == "removal":
        fields["tonnes"] = measure.tonnes
    else:
        fields["effect"] = measure.effect
        if not isinstance(measure.scope, SubsectorShare):
            fields["scope"] = measure.scope
    assert measure.rollout is not None, measure.id
    fields["rollout.planning"] = measure.rollout.planning
    fields["rollout.build"] = measure.rollout.build
    assert measure.cost is not None, measure.id
    for kind in ("capex", "opex", "capex_per_t", "opex_per_t"):
        value = getattr(measure.cost, kind)
        if value is not None:
            fields[f"cost.{kind}"] = value
    return fields


def test_library():
    library = load_library(SCENARIOS / "library")
    data = load_data(SCENARIOS / "data")
    subsectors = {(s.sector_id, s.id) for s in data.subsectors}
    measures = [Measure.model_validate(entry.data) for entry in library.entries.values()]
    assert len(measures) >= 15
    sectors = {m.sector for m in measures if m.kind == "reduction"}
    assert len(sectors) >= 6
    assert sectors <= set(data.sector_ids)
    assert any(m.kind == "removal" for m in measures)
    for entry in library.entries.values():
        assert entry.price_year == 2024
        assert entry.currency == "SEK"
    for m in measures:
        assert isinstance(m.source, str), m.id
        assert m.source.strip(), m.id
        if m.kind == "reduction":
            assert m.sector is not None, m.id
            assert m.effect is not None, m.id
            assert m.scope is not None, m.id
        else:
            assert m.tonnes is not None, m.id
        # a cost of each kind: capital and running (totals or per tonne)
        assert m.cost is not None, m.id
        assert (m.cost.capex is None) != (m.cost.capex_per_t is None), m.id
        assert (m.cost.opex is None) != (m.cost.opex_per_t is None), m.id
        for name, value in _uncertain_fields(m).items():
            assert isinstance(value, Range), f"{m.id}: {name} should be {{low, central, high}}"
        if isinstance(m.scope, SubsectorShare):
            for sub in m.scope.names:
                assert (m.sector, sub) in subsectors, f"{m.id}: unknown sub-sector {sub}"
