"""`citypaths import-baseline` and `citypaths cities` end to end.

The CSVs are written here, in a temporary data folder that holds copies of the shipped
sectors.csv and subsectors.csv; the expected values are the ones written into the CSVs.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main
from sim.config.baseline import load_data

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "scenarios" / "data"

SECTORS = (
    "agriculture",
    "electricity_district_heating",
    "individual_heating",
    "industry",
    "international_transport",
    "machinery",
    "product_use",
    "transport",
    "waste",
)
HEADER = "kommun_code,kommun,lan,sector_id,sector,year,tonnes_co2e"
CITIES = {"0114": ("Upplands Väsby", "Stockholms län"), "2480": ("Umeå", "Västerbottens län")}
YEARS = (2015, 2022)


def value(code: str, sector_index: int, year: int) -> float:
    """The made-up emissions the test CSV holds, t CO2e: distinct for every cell."""
    return int(code) + 1000.0 * (sector_index + 1) + (year - 2000) + 0.25


def emission_lines(cities: dict[str, tuple[str, str]] = CITIES) -> list[str]:
    """The CSV as lines: a header, then every sector and year of each city in turn
    (by default 0114, then 2480)."""
    lines = [HEADER]
    for code, (name, county) in cities.items():
        for i, sector in enumerate(SECTORS):
            for year in YEARS:
                lines.append(f"{code},{name},{county},{sector},x,{year},{value(code, i, year)}")
    return lines


def line_of(lines: list[str], code: str, sector: str, year: int) -> int:
    """The 1-based line number of a row in `lines`."""
    prefix = f"{code},"
    for n, text in enumerate(lines, start=1):
        parts = text.split(",")
        if text.startswith(prefix) and parts[3] == sector and parts[5] == str(year):
            return n
    raise AssertionError("row not found")


@pytest.fixture
def data_dir(tmp_path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("sectors.csv", "subsectors.csv"):
        shutil.copy(SHIPPED / name, folder / name)
    return folder


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def city_files(folder: Path) -> list[Path]:
    """Everything in the cities folder, temporary files included."""
    cities = folder / "cities"
    return sorted(cities.iterdir()) if cities.exists() else []


# --- round trip ---------------------------------------------------------------------------


def test_import_round_trip(tmp_path, data_dir, capsys):
    csv_path = write(tmp_path / "emissions.csv", emission_lines())
    population = write(
        tmp_path / "population.csv",
        [
            "kommun_code,kommun,year,population,source",
            "0114,Upplands Väsby,2010,40000,scb",  # before the first inventory year: dropped
            "0114,Upplands Väsby,2015,42000,scb",
            "0114,Upplands Väsby,2022,48000,scb",
            "2480,Umeå,2022,132235,scb",
            "1280,Malmö,2022,357377,scb",  # a city not imported: ignored
        ],
    )
    kommuner = write(
        tmp_path / "kommuner.csv",
        [
            "kommun_code,kommun,lan_code,lan,viable_cities_climate_contract,"
            "climate_contract_cohort,eu_100_mission_city",
            "0114,Upplands Väsby,01,Stockholms län,False,,False",
            "2480,Umeå,24,Västerbottens län,True,2019 (first 9),True",
        ],
    )
    subsectors = write(
        tmp_path / "co2.csv",
        [
            "kommun_code,kommun,sector_id,subsector,year,tonnes_co2",
            "0114,Upplands Väsby,total,Alla,2022,999.0",
            "0114,Upplands Väsby,transport,Alla,2021,50.0",  # older year: not kept
            "0114,Upplands Väsby,transport,Alla,2022,100.0",
            "0114,Upplands Väsby,transport,Personbilar,2022,60.5",
            "0114,Upplands Väsby,transport,Bussar,2022,4.0",
            "2480,Umeå,machinery,Alla,2022,10.0",
            "2480,Umeå,machinery,Skotrar och fyrhjulingar,2022,2.5",
        ],
    )
    rc = main(
        [
            "import-baseline",
            str(csv_path),
            "--kommun",
            "0114",
            "2480",
            "--population",
            str(population),
            "--kommuner",
            str(kommuner),
            "--subsectors",
            str(subsectors),
            "--data",
            str(data_dir),
        ]
    )
    out = capsys.readouterr()
    assert rc == 0, out.err
    assert out.err == ""
    for code in CITIES:
        assert str(data_dir / "cities" / f"{code}.yaml") in out.out
    assert [p.name for p in city_files(data_dir)] == ["0114.yaml", "2480.yaml"]

    data = load_data(data_dir)
    assert set(data.cities) == {"0114", "2480"}
    for code, (name, county) in CITIES.items():
        city = data.cities[code]
        assert city.code == code
        assert city.name == name
        assert city.county == county
        assert city.unit == "t CO2e/yr"
        assert set(city.emissions) == set(SECTORS)
        for i, sector in enumerate(SECTORS):
            assert city.emissions[sector] == {y: value(code, i, y) for y in YEARS}

    vasby, umea = data.cities["0114"], data.cities["2480"]
    assert vasby.population == {2015: 42000, 2022: 48000}
    assert umea.population == {2022: 132235}
    assert (vasby.climate_contract_cohort, vasby.eu_mission_city) == (None, False)
    assert (umea.climate_contract_cohort, umea.eu_mission_city) == ("2019 (first 9)", True)
    assert vasby.co2_subsectors is not None
    assert vasby.co2_subsectors.year == 2022
    assert vasby.co2_subsectors.sectors == {"transport": {"all": 100.0, "cars": 60.5, "buses": 4.0}}
    assert vasby.subsector_share("transport", ["cars"]) == pytest.approx(0.605)
    assert umea.co2_subsectors is not None
    assert umea.co2_subsectors.sectors == {"machinery": {"all": 10.0, "snowmobiles_atvs": 2.5}}


def test_import_without_optional_files_replaces_existing(tmp_path, data_dir, capsys):
    csv_path = write(tmp_path / "emissions.csv", emission_lines())
    (data_dir / "cities").mkdir()
    stale = data_dir / "cities" / "2480.yaml"
    stale.write_text("# Written by `citypaths import-baseline`\nstale: true\n", encoding="utf-8")
    args = ["import-baseline", str(csv_path), "--kommun", "2480", "--data", str(data_dir)]
    # an earlier import is replaced only when asked to
    assert main(args) == 2
    assert "give --force to replace it" in capsys.readouterr().err
    assert "stale: true" in stale.read_text(encoding="utf-8")
    rc = main([*args, "--force"])
    assert rc == 0, capsys.readouterr().err
    city = load_data(data_dir).cities["2480"]
    assert city.population == {}
    assert city.co2_subsectors is None
    assert city.emissions["waste"] == {2015: 2480 + 9000 + 15 + 0.25, 2022: 2480 + 9000 + 22 + 0.25}


# --- failure modes ------------------------------------------------------------------------


def test_import_never_replaces_a_file_it_did_not_write(tmp_path, data_dir, capsys):
    csv_path = write(tmp_path / "emissions.csv", emission_lines())
    (data_dir / "cities").mkdir()
    mine = data_dir / "cities" / "2480.yaml"
    mine.write_text("# my own notes\n", encoding="utf-8")
    args = ["import-baseline", str(csv_path), "--kommun", "2480", "--data", str(data_dir)]
    assert main([*args, "--force"]) == 2
    assert "is not a citypaths baseline file" in capsys.readouterr().err
    assert mine.read_text(encoding="utf-8") == "# my own notes\n"


def run_failing(args: list[str], capsys) -> str:
    rc = main(args)
    err = capsys.readouterr().err
    assert rc == 2
    assert "Traceback" not in err
    assert err.startswith("citypaths: error: ")
    return err


def import_args(csv_path: Path, data_dir: Path) -> list[str]:
    """Both cities at once: the bad rows are in the second, so nothing may be written for
    the first either."""
    return ["import-baseline", str(csv_path), "--kommun", "0114", "2480", "--data", str(data_dir)]


def corrupt(lines: list[str], line: int, column: int, text: str) -> list[str]:
    out = list(lines)
    parts = out[line - 1].split(",")
    parts[column] = text
    out[line - 1] = ",".join(parts)
    return out


BAD_VALUES = {
    # name: (column index, column name, bad text, what the message says)
    "negative": (6, "tonnes_co2e", "-12.5", "non-negative"),
    "missing": (6, "tonnes_co2e", "", "missing value"),
    "non_numeric": (6, "tonnes_co2e", "12 t", "expected a number"),
    "unknown_sector": (3, "sector_id", "aviation", "unknown sector 'aviation'"),
    "bad_year": (5, "year", "20x2", "expected a whole number"),
}


@pytest.mark.parametrize("case", sorted(BAD_VALUES))
def test_bad_value_names_file_line_column(tmp_path, data_dir, capsys, case):
    column, column_name, text, message = BAD_VALUES[case]
    lines = emission_lines()
    line = line_of(lines, "2480", "transport", 2022)
    csv_path = write(tmp_path / "emissions.csv", corrupt(lines, line, column, text))
    err = run_failing(import_args(csv_path, data_dir), capsys)
    assert f"{csv_path}:{line}: {column_name}: " in err
    assert message in err
    assert city_files(data_dir) == []


def test_wrong_columns(tmp_path, data_dir, capsys):
    lines = emission_lines()
    lines[0] = "kommun_code,kommun,lan,sector_id,sector,year,value"
    csv_path = write(tmp_path / "emissions.csv", lines)
    err = run_failing(import_args(csv_path, data_dir), capsys)
    assert f"{csv_path}:1: tonnes_co2e: " in err
    assert "missing column(s) tonnes_co2e" in err
    assert city_files(data_dir) == []


def test_semicolon_separated_file_gets_a_hint(tmp_path, data_dir, capsys):
    lines = [text.replace(",", ";") for text in emission_lines()]
    csv_path = write(tmp_path / "emissions.csv", lines)
    err = run_failing(import_args(csv_path, data_dir), capsys)
    assert f"{csv_path}:1: " in err
    assert "';'" in err
    assert city_files(data_dir) == []


def test_unknown_kommun_code(tmp_path, data_dir, capsys):
    csv_path = write(tmp_path / "emissions.csv", emission_lines())
    args = ["import-baseline", str(csv_path), "--kommun", "2480", "9999", "--data", str(data_dir)]
    err = run_failing(args, capsys)
    # no line holds an unknown code: the message names the file and the column
    assert f"{csv_path}: kommun_code: " in err
    assert "9999" in err
    assert city_files(data_dir) == []


def test_malformed_kommun_code_argument(tmp_path, data_dir, capsys):
    csv_path = write(tmp_path / "emissions.csv", emission_lines())
    args = ["import-baseline", str(csv_path), "--kommun", "248", "--data", str(data_dir)]
    err = run_failing(args, capsys)
    assert "'248'" in err
    assert "four digits" in err
    assert city_files(data_dir) == []


def test_code_that_lost_its_leading_zero(tmp_path, data_dir, capsys):
    lines = emission_lines()
    line = line_of(lines, "0114", "waste", 2015)
    csv_path = write(tmp_path / "emissions.csv", corrupt(lines, line, 0, "114"))
    err = run_failing(import_args(csv_path, data_dir), capsys)
    assert f"{csv_path}:{line}: kommun_code: " in err
    assert "leading zero" in err
    assert city_files(data_dir) == []


def test_missing_row(tmp_path, data_dir, capsys):
    lines = emission_lines()
    del lines[line_of(lines, "2480", "industry", 2015) - 1]
    csv_path = write(tmp_path / "emissions.csv", lines)
    err = run_failing(import_args(csv_path, data_dir), capsys)
    assert str(csv_path) in err
    assert "2480" in err
    assert "industry" in err
    assert "2015" in err
    assert city_files(data_dir) == []


def test_short_row(tmp_path, data_dir, capsys):
    lines = emission_lines()
    line = line_of(lines, "2480", "waste", 2022)
    lines[line - 1] = lines[line - 1].rsplit(",", 1)[0]
    csv_path = write(tmp_path / "emissions.csv", lines)
    err = run_failing(import_args(csv_path, data_dir), capsys)
    assert f"{csv_path}:{line}: " in err
    assert "6 field(s), expected 7" in err
    assert city_files(data_dir) == []


def test_not_utf8(tmp_path, data_dir, capsys):
    lines = emission_lines()
    csv_path = tmp_path / "emissions.csv"
    csv_path.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))  # 'Umeå', 'Väsby'
    err = run_failing(import_args(csv_path, data_dir), capsys)
    assert f"{csv_path}:2: " in err  # line 2 is the first with 'ä'
    assert "UTF-8" in err
    assert city_files(data_dir) == []


def test_unknown_subsector(tmp_path, data_dir, capsys):
    csv_path = write(tmp_path / "emissions.csv", emission_lines())
    subsectors = write(
        tmp_path / "co2.csv",
        [
            "kommun_code,kommun,sector_id,subsector,year,tonnes_co2",
            "0114,Upplands Väsby,transport,Alla,2022,100.0",
            "2480,Umeå,transport,Alla,2022,100.0",
            "2480,Umeå,transport,Hyrcyklar,2022,1.0",
        ],
    )
    args = [*import_args(csv_path, data_dir), "--subsectors", str(subsectors)]
    err = run_failing(args, capsys)
    assert f"{subsectors}:4: subsector: " in err
    assert "'Hyrcyklar'" in err
    assert "Personbilar" in err  # what was expected
    assert city_files(data_dir) == []


def test_unknown_sector_in_subsector_file(tmp_path, data_dir, capsys):
    csv_path = write(tmp_path / "emissions.csv", emission_lines())
    subsectors = write(
        tmp_path / "co2.csv",
        [
            "kommun_code,kommun,sector_id,subsector,year,tonnes_co2",
            "0114,Upplands Väsby,transport,Alla,2022,100.0",
            "2480,Umeå,aviation,Alla,2022,100.0",
        ],
    )
    args = [*import_args(csv_path, data_dir), "--subsectors", str(subsectors)]
    err = run_failing(args, capsys)
    assert f"{subsectors}:3: sector_id: " in err
    assert city_files(data_dir) == []


def test_negative_population(tmp_path, data_dir, capsys):
    csv_path = write(tmp_path / "emissions.csv", emission_lines())
    population = write(
        tmp_path / "population.csv",
        [
            "kommun_code,kommun,year,population",
            "0114,Upplands Väsby,2022,48000",
            "2480,Umeå,2022,-5",
        ],
    )
    args = [*import_args(csv_path, data_dir), "--population", str(population)]
    err = run_failing(args, capsys)
    assert f"{population}:3: population: " in err
    assert city_files(data_dir) == []


def test_bad_eu_flag(tmp_path, data_dir, capsys):
    csv_path = write(tmp_path / "emissions.csv", emission_lines())
    kommuner = write(
        tmp_path / "kommuner.csv",
        [
            "kommun_code,kommun,lan,climate_contract_cohort,eu_100_mission_city",
            "0114,Upplands Väsby,Stockholms län,,False",
            "2480,Umeå,Västerbottens län,2019 (first 9),maybe",
        ],
    )
    args = [*import_args(csv_path, data_dir), "--kommuner", str(kommuner)]
    err = run_failing(args, capsys)
    assert f"{kommuner}:3: eu_100_mission_city: " in err
    assert city_files(data_dir) == []


def test_missing_file(tmp_path, data_dir, capsys):
    err = run_failing(import_args(tmp_path / "nope.csv", data_dir), capsys)
    assert f"{tmp_path / 'nope.csv'}: file not found" in err
    assert city_files(data_dir) == []


def test_failure_through_subprocess(tmp_path, data_dir):
    lines = emission_lines()
    line = line_of(lines, "2480", "transport", 2022)
    csv_path = write(tmp_path / "emissions.csv", corrupt(lines, line, 6, "-1"))
    done = subprocess.run(
        [sys.executable, "-m", "sim.cli", *import_args(csv_path, data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"citypaths: error: {csv_path}:{line}: tonnes_co2e: expected a non-negative number, got -1"
    ]
    assert city_files(data_dir) == []


# --- cities -------------------------------------------------------------------------------

# the 23 climate-contract cities in Swedish alphabetical order (å, ä, ö after z)
ORDER = [
    "Borlänge", "Borås", "Enköping", "Eskilstuna", "Gävle", "Göteborg", "Helsingborg",
    "Järfälla", "Kalmar", "Karlstad", "Kristianstad", "Linköping", "Lund", "Malmö",
    "Mariestad", "Nacka", "Skellefteå", "Stockholm", "Umeå", "Uppsala", "Växjö", "Örebro",
    "Östersund",
]  # fmt: skip


def test_cities_lists_the_shipped_cities(capsys):
    rc = main(["cities", "--data", str(SHIPPED)])
    out = capsys.readouterr().out
    assert rc == 0
    rows = [line for line in out.splitlines() if line[:4].isdigit()]
    assert [row.split()[1] for row in rows] == ORDER
    (umea,) = [row for row in rows if row.startswith("2480 ")]
    # population.csv: 135,273 residents at the end of 2025 (the latest year);
    # cities.md: 365,010 t CO2e in 2024 = 365.0 kt
    for text in ("Umeå", "Västerbottens län", "2019 (first 9)", "135,273 (2025)", "365.0 (2024)"):
        assert text in umea
    assert re.search(r"\(first 9\)\s+yes\s", umea)  # EU mission, after the cohort
    (goteborg,) = [row for row in rows if row.startswith("1480 ")]
    assert "2,252.7 (2024)" in goteborg  # cities.md: 2,252,707 t
    (nacka,) = [row for row in rows if row.startswith("0182 ")]
    assert "2021 (14 added)" in nacka
    assert re.search(r"\(14 added\)\s+no\s", nacka)
    assert "23 cities" in out


def test_cities_on_imported_folder(tmp_path, data_dir, capsys):
    cities = {
        "1880": ("Örebro", "Örebro län"),
        "2321": ("Åre", "Jämtlands län"),
        "2039": ("Älvdalen", "Dalarnas län"),
        "0114": ("Upplands Väsby", "Stockholms län"),
    }
    csv_path = write(tmp_path / "emissions.csv", emission_lines(cities))
    args = ["import-baseline", str(csv_path), "--kommun", *cities, "--data", str(data_dir)]
    assert main(args) == 0
    capsys.readouterr()
    assert main(["cities", "--data", str(data_dir)]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line[:4].isdigit()]
    # Swedish order: å, ä, ö after z, in that order (code-point order would put Ä before Å)
    assert [row[:4] for row in rows] == ["0114", "2321", "2039", "1880"]
    (row,) = [line for line in out.splitlines() if line.startswith("0114 ")]
    # 9 * 114 + 1000 * (1 + ... + 9) + 9 * 22 + 9 * 0.25 = 46,226.25 t
    assert sum(value("0114", i, 2022) for i in range(len(SECTORS))) == 46_226.25
    assert "46.2 (2022)" in row
    assert "Upplands Väsby" in row
    assert "Stockholms län" in row
    assert re.search(r"\s-\s+46\.2 \(2022\)", row)  # no population
    assert row.split()[-2:] == ["-", "-"]  # no targets, no scenarios for Upplands Väsby


def test_cities_bad_folder(tmp_path, capsys):
    err = run_failing(["cities", "--data", str(tmp_path / "missing")], capsys)
    assert "data folder not found" in err
