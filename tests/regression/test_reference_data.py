"""The shipped baselines of the 23 climate-contract cities equal the reference CSVs.

The reference data live outside the repository, in ../shared/reference. Where that folder
is absent (e.g. in a source distribution), these tests are skipped.
"""

import csv
import re
from pathlib import Path

import pytest

from sim.config.baseline import load_data

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO.parent / "shared" / "reference"
EMISSIONS = REFERENCE / "emissions"
SHIPPED = REPO / "scenarios" / "data"

# the 23 Klimatkontrakt 2030 cities, as listed in cities.md
CONTRACT_CITIES = {
    "0381": "Enköping", "1480": "Göteborg", "0123": "Järfälla", "1281": "Lund",
    "1280": "Malmö", "0180": "Stockholm", "2480": "Umeå", "0380": "Uppsala",
    "0780": "Växjö", "2081": "Borlänge", "1490": "Borås", "0484": "Eskilstuna",
    "2180": "Gävle", "1283": "Helsingborg", "0880": "Kalmar", "1780": "Karlstad",
    "1290": "Kristianstad", "0580": "Linköping", "1493": "Mariestad", "0182": "Nacka",
    "2482": "Skellefteå", "1880": "Örebro", "2380": "Östersund",
}  # fmt: skip
CODES = sorted(CONTRACT_CITIES)


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"reference data not available: {path} is absent")
    return path


def _read(path: Path) -> list[dict[str, str]]:
    with _need(path).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def data():
    return load_data(SHIPPED)


@pytest.fixture(scope="module")
def emissions() -> dict[str, dict[str, dict[int, float]]]:
    """code -> sector -> year -> t CO2e, for the 23 cities."""
    out: dict[str, dict[str, dict[int, float]]] = {}
    for row in _read(EMISSIONS / "municipal_emissions_by_sector.csv"):
        if row["kommun_code"] in CONTRACT_CITIES:
            per_sector = out.setdefault(row["kommun_code"], {}).setdefault(row["sector_id"], {})
            per_sector[int(row["year"])] = float(row["tonnes_co2e"])
    return out


@pytest.fixture(scope="module")
def population() -> dict[str, dict[int, int]]:
    """code -> year -> residents, for the 23 cities, from 1990 (the first inventory year)."""
    out: dict[str, dict[int, int]] = {}
    for row in _read(EMISSIONS / "population.csv"):
        if row["kommun_code"] in CONTRACT_CITIES and int(row["year"]) >= 1990:
            out.setdefault(row["kommun_code"], {})[int(row["year"])] = int(row["population"])
    return out


@pytest.fixture(scope="module")
def co2_rows() -> dict[str, list[dict[str, str]]]:
    """code -> its rows of the CO2 sub-sector table, without the municipal totals."""
    out: dict[str, list[dict[str, str]]] = {}
    for row in _read(EMISSIONS / "municipal_co2_by_subsector_smhi2024.csv"):
        if row["kommun_code"] in CONTRACT_CITIES and row["sector_id"] != "total":
            out.setdefault(row["kommun_code"], []).append(row)
    return out


@pytest.fixture(scope="module")
def kommuner() -> list[dict[str, str]]:
    return _read(EMISSIONS / "kommuner.csv")


@pytest.mark.parametrize("code", CODES)
def test_every_sector_and_year_equals_reference(data, emissions, code):
    expected = emissions[code]
    city = data.cities[code]
    assert set(city.emissions) == set(expected)
    assert len(expected) == 9
    for sector, by_year in expected.items():
        assert city.emissions[sector] == by_year, sector
    assert city.name == CONTRACT_CITIES[code]


@pytest.mark.parametrize("code", CODES)
def test_population_equals_reference(data, population, code):
    assert data.cities[code].population == population[code]
    assert min(population[code]) == 1990


@pytest.mark.parametrize("code", CODES)
def test_co2_subsectors_equal_reference_latest_year(data, co2_rows, code):
    rows = co2_rows[code]
    latest = max(int(r["year"]) for r in rows)
    names = {(s.sector_id, s.name_sv): s.id for s in data.subsectors}
    expected: dict[str, dict[str, float]] = {}
    for r in rows:
        if int(r["year"]) == latest:
            sub = "all" if r["subsector"] == "Alla" else names[(r["sector_id"], r["subsector"])]
            expected.setdefault(r["sector_id"], {})[sub] = float(r["tonnes_co2"])
    subs = data.cities[code].co2_subsectors
    assert subs is not None
    assert subs.year == latest == 2022
    assert subs.sectors == expected


def test_shipped_contract_cities_are_exactly_the_23(data, kommuner):
    flagged = {r["kommun_code"] for r in kommuner if r["viable_cities_climate_contract"] == "True"}
    assert flagged == set(CONTRACT_CITIES)
    assert flagged <= set(data.cities)
    with_cohort = {c for c, city in data.cities.items() if city.climate_contract_cohort}
    assert with_cohort == flagged
    eu = {r["kommun_code"] for r in kommuner if r["eu_100_mission_city"] == "True"}
    assert {c for c, city in data.cities.items() if city.eu_mission_city} == eu
    assert len(eu) == 7


def _cities_md_table() -> list[list[str]]:
    text = _need(REFERENCE / "cities.md").read_text(encoding="utf-8")
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 7 and re.fullmatch(r"\d{4}", cells[1]):
            rows.append(cells)
    return rows


def test_matches_cities_md_table(data):
    """Population 2024, GHG 2024, county, cohort and EU flag as compiled in cities.md."""
    rows = _cities_md_table()
    assert len(rows) == 23
    for name, code, county, cohort, eu, population, ghg in rows:
        city = data.cities[code]
        assert city.name == name
        assert city.county == county
        assert city.climate_contract_cohort == cohort
        assert city.eu_mission_city is (eu == "yes")
        assert city.population[2024] == int(population.replace(",", ""))
        total = sum(v[2024] for v in city.emissions.values())
        assert round(total) == int(ghg.replace(",", "")), name
