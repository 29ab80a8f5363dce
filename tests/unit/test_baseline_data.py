"""The shipped baselines of Umeå and Malmö hold exactly the published figures.

Every number below was copied by hand from the reference data, not from the city files or
from anything citypaths computes:
  * emissions: municipal_emissions_by_sector.csv (SMHI/RUS, GHG release with data to 2024),
    column tonnes_co2e, t CO2e per year;
  * population: population.csv (SCB, residents on 31 December);
  * CO2 sub-sectors: municipal_co2_by_subsector_smhi2024.csv (SMHI, CO2 only, 2022);
  * 2024 totals, county, cohort, EU-mission flag: the table in cities.md.
"""

import pytest

from sim.config.baseline import load_data

YEARS = (1990, 2000, 2005, 2010, 2015, 2020, 2021, 2022, 2023, 2024)

# t CO2e per year, in the order of YEARS, copied from municipal_emissions_by_sector.csv
UMEA = {
    "agriculture": (34696.01, 27232.12, 25070.54, 25766.04, 24334.48,
                    21199.89, 20352.88, 20524.21, 20308.88, 20161.01),
    "electricity_district_heating": (79576.56, 57969.14, 98473.82, 95546.13, 92301.84,
                                     71096.81, 80966.62, 76728.35, 78675.25, 82603.2),
    "individual_heating": (48129.89, 33018.01, 16886.83, 8218.79, 4806.01,
                           3149.04, 3500.57, 3354.28, 2799.22, 2801.23),
    "industry": (66045.37, 83397.13, 94931.46, 58788.27, 39086.42,
                 34993.94, 37871.48, 32122.35, 39190.68, 38705.89),
    "international_transport": (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 362.15, 313.19),
    "machinery": (39143.33, 30243.54, 27075.85, 28378.57, 29335.2,
                  30088.49, 31442.11, 30676.85, 28768.11, 36913.74),
    "product_use": (3996.86, 11995.09, 16267.51, 16410.49, 18377.35,
                    15415.99, 12639.81, 12209.06, 11507.24, 13835.47),
    "transport": (193123.59, 202244.57, 217061.04, 208426.38, 199994.48,
                  147310.75, 148279.49, 135383.89, 142688.7, 164349.08),
    "waste": (17095.62, 14600.43, 12247.8, 9140.73, 6853.73,
              6465.24, 5921.86, 5773.64, 5524.61, 5326.71),
}  # fmt: skip

MALMO = {
    "agriculture": (9138.62, 7088.97, 6493.0, 6307.64, 6161.7,
                    7166.14, 6833.25, 6872.77, 6396.75, 6722.99),
    "electricity_district_heating": (421633.59, 411865.22, 396535.16, 1303142.1, 591096.11,
                                     268694.21, 326239.01, 304549.8, 285569.91, 295035.15),
    "individual_heating": (65197.18, 45767.62, 24575.12, 19882.87, 10876.81,
                           9940.02, 9609.67, 8440.13, 7424.86, 7412.7),
    "industry": (183692.79, 181139.89, 93920.88, 104577.88, 94951.08,
                 79823.53, 119688.37, 103107.48, 97871.9, 96175.51),
    "international_transport": (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1065.28, 921.25),
    "machinery": (44515.63, 41594.34, 42700.12, 39395.78, 36621.99,
                  37293.84, 35860.76, 31479.79, 34466.69, 47133.01),
    "product_use": (10843.05, 31091.82, 42013.66, 42246.75, 48704.75,
                    40882.46, 33654.1, 32703.76, 30970.63, 37485.02),
    "transport": (404884.52, 417623.25, 447124.86, 390057.85, 309252.69,
                  234915.08, 234186.07, 209207.89, 207451.47, 308074.57),
    "waste": (93195.89, 80968.66, 68029.69, 46192.31, 31605.22,
              20251.21, 17714.67, 16744.54, 15574.67, 14034.77),
}  # fmt: skip

# residents on 31 December, copied from population.csv (SCB)
POPULATION = {
    "2480": {1990: 91258, 2010: 115473, 2020: 130224, 2024: 134249, 2025: 135273},
    "1280": {1990: 233887, 2010: 298963, 2020: 347949, 2024: 365644, 2025: 367924},
}

# from the table in cities.md: GHG 2024 in t CO2e (rounded to whole tonnes there)
TOTAL_2024 = {"2480": 365_010, "1280": 812_995}
META = {
    "2480": ("Umeå", "Västerbottens län", "2019 (first 9)", True),
    "1280": ("Malmö", "Skåne län", "2019 (first 9)", True),
}


@pytest.fixture(scope="module")
def data():
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("CITYPATHS_DATA", raising=False)  # the shipped data, whatever the shell says
        return load_data()


def _cases():
    for code, table in (("2480", UMEA), ("1280", MALMO)):
        for sector, values in table.items():
            for year, value in zip(YEARS, values, strict=True):
                yield pytest.param(code, sector, year, value, id=f"{code}-{sector}-{year}")


@pytest.mark.parametrize(("code", "sector", "year", "expected"), list(_cases()))
def test_emissions_equal_source(data, code, sector, year, expected):
    assert data.cities[code].emissions[sector][year] == expected


@pytest.mark.parametrize(("code", "table"), [("2480", UMEA), ("1280", MALMO)])
def test_sectors_and_years_are_exactly_the_source(data, code, table):
    city = data.cities[code]
    assert set(city.emissions) == set(table) == set(data.sector_ids)
    for sector in table:
        assert tuple(sorted(city.emissions[sector])) == YEARS, sector
    assert city.unit == "t CO2e/yr"


@pytest.mark.parametrize("code", ["2480", "1280"])
def test_total_2024_matches_cities_table(data, code):
    total = sum(v[2024] for v in data.cities[code].emissions.values())
    assert round(total) == TOTAL_2024[code]


@pytest.mark.parametrize("code", ["2480", "1280"])
def test_population(data, code):
    population = data.cities[code].population
    for year, residents in POPULATION[code].items():
        assert population[year] == residents, year
    # kept from the first inventory year on, every year
    assert min(population) == 1990
    assert sorted(population) == list(range(1990, 2026))


@pytest.mark.parametrize("code", ["2480", "1280"])
def test_metadata(data, code):
    city = data.cities[code]
    assert (city.name, city.county, city.climate_contract_cohort, city.eu_mission_city) == META[
        code
    ]
    assert data.resolve_city(META[code][0].lower()) == code


def test_umea_transport_subsectors(data):
    # municipal_co2_by_subsector_smhi2024.csv, 2480, transport, 2022, t CO2
    subs = data.cities["2480"].co2_subsectors
    assert subs is not None
    assert subs.year == 2022
    assert subs.unit == "t CO2/yr"
    assert subs.sectors["transport"] == {
        "all": 130294.055,
        "buses": 1876.872,
        "domestic_aviation": 10477.613,
        "rail": 155.347,
        "light_trucks": 12008.547,
        "mopeds_motorcycles": 760.448,
        "cars": 75908.549,
        "heavy_trucks": 21110.934,
        "domestic_shipping": 7995.752,
    }
    share = data.cities["2480"].subsector_share("transport", ["cars", "light_trucks"])
    assert share == pytest.approx((75908.549 + 12008.547) / 130294.055)
