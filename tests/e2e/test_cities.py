"""Every climate-contract city has its own targets and contract scenario, on the shipped data.

- each of the 23 cities has `scenarios/<city>/contract.yaml`, for that city alone, which
  validates and runs;
- every target and every measure of those scenarios names a source;
- no two cities' contract scenarios are the same once the city is taken out;
- the all-23 scenarios, composed of the city files with `include:`, give each city exactly
  what its own file gives (nothing is shared there), and their totals are the sums of the
  23 separate runs; the constrained variant keeps its shared pools;
- docs/cities.md is what sim/analysis/overview.py produces.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from sim.analysis.overview import overview_rows, render
from sim.config.baseline import load_data
from sim.config.cities import scan
from sim.config.loader import load_scenario, resolve_raw
from sim.runner import run_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
DATA = load_data(SCENARIOS / "data")
CODES = sorted(DATA.cities)


@cache
def _found():
    return scan(SCENARIOS, DATA)


@cache
def _run(path: Path):
    return run_scenario(path).isel(scenario=0)


def _contract(code: str) -> Path:
    info = _found()[code]
    assert info.folder is not None, f"{DATA.cities[code].name} has no folder of its own"
    return SCENARIOS / info.folder / "contract.yaml"


def test_the_23_contract_cities_are_in_the_data():
    assert len(CODES) == 23
    assert all(DATA.cities[c].climate_contract_cohort for c in CODES)


@pytest.mark.parametrize("code", CODES, ids=[DATA.cities[c].name for c in CODES])
def test_every_city_has_a_contract_scenario_that_runs(code):
    path = _contract(code)
    loaded = load_scenario(path)
    assert loaded.cities == (code,)
    assert loaded.scenario.interventions, "a contract scenario takes measures"
    assert loaded.scenario.targets, "a contract scenario checks targets"
    ds = _run(path)
    emissions, bau = ds["emissions"].values, ds["emissions_bau"].values
    assert np.isfinite(emissions).all()
    # the measures cut emissions below business as usual by 2030
    year = list(ds["year"].values).index(2030)
    assert emissions[..., year].sum() < bau[..., year].sum()


@pytest.mark.parametrize("code", CODES, ids=[DATA.cities[c].name for c in CODES])
def test_every_target_and_measure_names_a_source(code):
    sc = load_scenario(_contract(code)).scenario
    for item in (*sc.interventions, *sc.removals):
        assert (item.source or "").strip(), f"{item.id} has no source"
    for target in _found()[code].targets:
        assert (target.source or "").strip(), f"{target.id} has no source"
        if not target.generic:  # a city's own decision: the document's address
            assert "http" in target.source, f"{target.id}: the source names no address"


@pytest.mark.parametrize("code", CODES, ids=[DATA.cities[c].name for c in CODES])
def test_a_city_without_a_decision_of_its_own_says_so(code):
    info = _found()[code]
    targets_file = SCENARIOS / info.folder / "targets.yaml"
    assert targets_file.exists(), "every city writes its targets in targets.yaml"
    says_generic = "GENERIC TARGET" in targets_file.read_text(encoding="utf-8")
    # a city keeps only the generic contract target exactly when its file says it found none
    assert says_generic == (not info.own_targets)
    assert any(t.generic and t.id == "contract-2030" for t in info.targets)


def _signature(code: str) -> str:
    """The contract scenario without what names the city: measures, removals, targets
    and BAU, as they are after `extends:` (the library's values are the same for all)."""
    raw, _, _ = resolve_raw(_contract(code))

    def strip(value):
        if isinstance(value, dict):
            return {
                k: strip(v)
                for k, v in value.items()
                if k not in {"id", "title", "city", "source", "description"}
            }
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    parts = {k: raw.get(k) for k in ("interventions", "removals", "targets")}
    bau = raw.get("bau") or {}
    parts["bau"] = {k: v for k, v in bau.items() if k != "cities"}
    parts["bau_city"] = list((bau.get("cities") or {}).values())
    return json.dumps(strip(parts), sort_keys=True, default=str)


def test_no_two_cities_have_the_same_contract_scenario():
    signatures = {code: _signature(code) for code in CODES}
    seen: dict[str, str] = {}
    for code, signature in signatures.items():
        assert signature not in seen, (
            f"{DATA.cities[code].name} and {DATA.cities[seen[signature]].name} have the same "
            "contract scenario"
        )
        seen[signature] = code


@pytest.mark.parametrize("kind", ["bau", "contract"])
def test_all23_is_the_sum_of_the_23_city_runs(kind):
    batch = _run(SCENARIOS / "all23" / f"{kind}.yaml")
    assert sorted(str(c) for c in batch["city"].values) == CODES
    total, total_bau, total_removed = 0.0, 0.0, 0.0
    for code in CODES:
        info = _found()[code]
        alone = _run(SCENARIOS / info.folder / f"{kind}.yaml")
        for var in ("emissions", "emissions_bau"):
            np.testing.assert_allclose(
                batch[var].sel(city=code).values, alone[var].sel(city=code).values, rtol=1e-12
            )
        removed = alone["removals"].sel(city=code).sum("intervention")
        np.testing.assert_allclose(
            batch["removals"].sel(city=code).sum("intervention").values, removed.values
        )
        for ident in alone["intervention"].values:
            np.testing.assert_allclose(
                # the batch names each measure as the city's own file does (its label)
                batch["abatement"].sel(city=code, intervention=ident).values,
                alone["abatement"].sel(city=code, intervention=ident).values,
                rtol=1e-12,
            )
        total += float(alone["emissions"].sel(city=code).sum())
        total_bau += float(alone["emissions_bau"].sel(city=code).sum())
        total_removed += float(removed.sum())
    assert float(batch["emissions"].sum()) == pytest.approx(total, rel=1e-12)
    assert float(batch["emissions_bau"].sum()) == pytest.approx(total_bau, rel=1e-12)
    assert float(batch["removals"].sum()) == pytest.approx(total_removed, rel=1e-12, abs=1e-6)


def test_all23_constrained_keeps_the_shared_capacities_and_budgets():
    loaded = load_scenario(SCENARIOS / "all23" / "contract-constrained.yaml")
    sc = loaded.scenario
    assert {c.id for c in sc.capacities} == {"project-office", "heat-pump-installers"}
    assert {b.id for b in sc.budgets} == {"national-investment-support", "city-climate-investments"}
    installers = [
        i
        for i in sc.interventions
        if i.rollout.needs and i.rollout.needs.capacity == "heat-pump-installers"
    ]
    # every city's heat-pump programme (all 23 files have one) queues for the national pool
    assert sorted(i.id.split(".")[0] for i in installers) == sorted(
        _found()[c].folder for c in CODES
    )
    assert len(set(loaded.layout.city_group)) == 1  # shared pools: one group of 23 cities


def test_the_overview_page_is_what_the_script_produces():
    page = (ROOT / "docs" / "cities.md").read_text(encoding="utf-8")
    assert page == render(overview_rows(SCENARIOS)), (
        "docs/cities.md is out of date: run `python3 tasks.py cities-doc`"
    )


def test_cities_command_json_gives_each_target_with_its_source(capsys):
    from sim.cli import main

    assert main(["cities", "--data", str(SCENARIOS / "data"), "--scenarios", str(SCENARIOS),
                 "--format", "json"]) == 0  # fmt: skip
    doc = json.loads(capsys.readouterr().out)
    by_code = {c["code"]: c for c in doc["cities"]}
    assert sorted(by_code) == CODES
    lund = by_code["1281"]
    assert lund["scenarios"] == ["lund/bau.yaml", "lund/contract.yaml"]
    assert "all23/contract.yaml" in lund["batches"]
    assert (lund["population_year"], lund["population"]) == (2025, 132_333)  # data file
    targets = {t["id"]: t for t in lund["targets"]}
    # Lund's own decision (scenarios/lund/targets.yaml): net zero in 2030
    own = targets["lund-climate-neutral-2030"]
    assert (own["threshold"], own["year"], own["basis"], own["generic"]) == (
        1.0,
        2030,
        "net",
        False,
    )
    assert "lund.se" in own["source"]
    # the contract's shared target comes from common/sweden-bau.yaml: generic
    assert targets["contract-2030"]["generic"] is True
    # a city without a decision of its own has only the generic target
    assert [t["generic"] for t in by_code["0381"]["targets"]] == [True]  # Enköping


def test_cities_command_csv_has_one_row_per_city(capsys):
    import csv
    import io

    from sim.cli import main

    assert main(["cities", "--data", str(SCENARIOS / "data"), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 23
    (goteborg,) = [r for r in rows if r["code"] == "1480"]
    # Göteborg: 10.3 %/yr for ten years from 2020 = 1 - 0.897**10 = 66.3 % below 2020
    assert "-66.3 % gross by 2030 vs 2020" in goteborg["targets"]
    assert "goteborg.se" in goteborg["target_sources"]
    assert goteborg["scenarios"] == "goteborg/bau.yaml; goteborg/contract.yaml"


def test_cities_command_refuses_a_missing_scenarios_folder(tmp_path, capsys):
    from sim.cli import main

    assert main(["cities", "--scenarios", str(tmp_path / "none")]) == 2
    assert "--scenarios: folder not found" in capsys.readouterr().err
