"""`citypaths export` and `sim.analysis.export`: IAMC, tidy CSV and Excel, read back.

The IAMC file is read back with pandas (by hand) and with pyam (pyam-iamc, a test
dependency, with SQLAlchemy < 2.1: its database layer does not import beside 2.1), which
checks that it is a valid IAMC table and that the sectors add up to the total.

The toy scenario, by hand (tests/data/toy; BAU constant at the 2024 inventory):
- Testby (9901): transport 1000, heating 500 t CO2e/yr. `hp` removes all heating, built
  linearly from 2026 to 2028: mean adoption 0.25 in 2026, 0.75 in 2027, 1 from 2028. Capex
  1e6 SEK is spent as adoption grows: 250,000 (2026), 500,000 (2027), 250,000 (2028); opex
  -1e4 SEK/yr x adoption. In 2030: emissions 1000, abatement 500.
- Provstad (9902): transport 200, heating 100. `cars` halves transport from 2024 (-100);
  the removal `sink` takes 50 t/yr from 2025. In 2030: gross 200, removals 50, net 150.
"""

import pandas as pd
import pytest
import xarray as xr

from sim.analysis.export import SECTOR_NAMES, iamc_frame, tidy_frame, write_export
from sim.cli import main
from sim.runner import run_scenario
from tests.conftest import DATA, REPO

SCENARIO = """
id: toy-export
cities: ["9901", "9902"]
interventions:
  - id: hp
    city: "9901"
    sector: heating
    effect: 1.0
    rollout: {start: 2026, build: 2}
    cost: {capex: 1.0e+6, opex: -1.0e+4}
  - {id: cars, city: "9902", sector: transport, effect: 0.5, rollout: {start: 2024, build: 0}}
removals:
  - {id: sink, city: "9902", tonnes: 50, rollout: {start: 2025, build: 0}}
"""
IAMC = ["model", "scenario", "region", "variable", "unit", "year", "value"]


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    """(Dataset, path of its NetCDF file) of the toy scenario."""
    folder = tmp_path_factory.mktemp("export")
    scenario = folder / "toy.yaml"
    header = f"extends: {DATA / 'toy_base.yaml'}\ndata: {DATA / 'toy'}\n"
    scenario.write_text(header + SCENARIO, encoding="utf-8")
    path = folder / "toy.nc"
    assert main(["run", str(scenario), "-o", str(path)]) == 0
    return run_scenario(scenario), path


def _value(frame, scenario, region, variable, year):
    rows = frame[
        (frame.scenario == scenario)
        & (frame.region == region)
        & (frame.variable == variable)
        & (frame.year == year)
    ]
    assert len(rows) == 1, (scenario, region, variable, year, len(rows))
    return float(rows.value.iloc[0])


def test_iamc_file_by_hand(result, tmp_path, capsys):
    _, nc = result
    out = tmp_path / "toy-iamc.csv"
    assert main(["export", str(nc), "--format", "iamc", "-o", str(out)]) == 0
    assert "iamc export of toy-export (one draw)" in capsys.readouterr().out
    frame = pd.read_csv(out)
    assert list(frame.columns) == IAMC
    assert set(frame.model) == {"citypaths 0.1.0"}
    assert set(frame.scenario) == {"toy-export", "toy-export|bau"}
    assert set(frame.region) == {"Testby", "Provstad"}

    def v(region, variable, year=2030, scenario="toy-export"):
        return _value(frame, scenario, region, variable, year)

    assert v("Testby", "Emissions|Kyoto Gases") == pytest.approx(1000.0)
    assert v("Testby", "Emissions|Kyoto Gases|Heating") == pytest.approx(0.0)
    assert v("Testby", "Abatement|Kyoto Gases|hp") == pytest.approx(500.0)
    assert v("Testby", "Emissions|Kyoto Gases", scenario="toy-export|bau") == pytest.approx(1500)
    assert [v("Testby", "Capital Cost|hp", y) for y in (2025, 2026, 2027, 2028)] == pytest.approx(
        [0.0, 250_000.0, 500_000.0, 250_000.0]
    )
    assert v("Testby", "Operating Cost|hp", 2026) == pytest.approx(-2_500.0)
    assert v("Testby", "Cost|hp", 2030) == pytest.approx(-10_000.0)
    assert v("Provstad", "Emissions|Kyoto Gases") == pytest.approx(200.0)
    assert v("Provstad", "Carbon Removal|sink") == pytest.approx(50.0)
    assert v("Provstad", "Carbon Removal") == pytest.approx(50.0)
    assert v("Provstad", "Net Emissions|Kyoto Gases") == pytest.approx(150.0)
    assert v("Provstad", "Abatement|Kyoto Gases|cars") == pytest.approx(100.0)
    # an intervention appears only in the cities it runs in
    assert not ((frame.region == "Provstad") & frame.variable.str.endswith("|hp")).any()
    assert not ((frame.region == "Testby") & frame.variable.str.endswith("|sink")).any()
    units = dict(zip(frame.variable, frame.unit, strict=False))
    assert units["Emissions|Kyoto Gases"] == "t CO2-equiv/yr"
    assert units["Cost|hp"] == "SEK_2024/yr"


def test_iamc_totals_agree_with_the_dataset(result):
    ds, _ = result
    frame = iamc_frame(ds)
    one = ds.isel(scenario=0, draw=0)
    for code, name in zip(one.city.values, one.city_name.values, strict=True):
        rows = frame[(frame.scenario == "toy-export") & (frame.region == name)]
        total = rows[rows.variable == "Emissions|Kyoto Gases"].set_index("year").value
        expected = one.emissions.sel(city=code).sum("sector").to_series()
        pd.testing.assert_series_equal(total, expected, check_names=False)
        # the sectors add up to the total, and the interventions to the abatement
        sectors = rows[rows.variable.str.count(r"\|") == 2]
        sectors = sectors[sectors.variable.str.startswith("Emissions|Kyoto Gases|")]
        summed = sectors.groupby("year").value.sum()
        pd.testing.assert_series_equal(summed, total, check_names=False)
        parts = rows[rows.variable.str.startswith("Abatement|Kyoto Gases|")]
        abatement = rows[rows.variable == "Abatement|Kyoto Gases"].set_index("year").value
        pd.testing.assert_series_equal(
            parts.groupby("year").value.sum(), abatement, check_names=False
        )


def _five_draws(ds: xr.Dataset) -> xr.Dataset:
    """The result with five draws: every flow of draw k scaled by 0.8, 0.9, 1.0, 1.1, 1.2
    (taken out of order, so the percentiles cannot come from the draw index)."""
    factors = xr.DataArray([1.0, 1.2, 0.8, 1.1, 0.9], dims="draw")
    out = ds.isel(draw=[0] * 5).assign_coords(draw=range(5))
    for name in ("emissions", "emissions_bau", "removals", "abatement", "cost", "capex", "opex"):
        out[name] = out[name] * factors
    return out


def test_percentiles_over_draws(result):
    # Numpy's linear percentiles of the sorted factors 0.8, 0.9, 1.0, 1.1, 1.2: the 5th at
    # position 0.05 x 4 = 0.2 -> 0.8 + 0.2 x 0.1 = 0.82; the 50th at 2 -> 1.0; the 95th at
    # 3.8 -> 1.1 + 0.8 x 0.1 = 1.18. Testby emits 1000 t in 2030 at factor 1.
    ds = _five_draws(result[0])
    frame = iamc_frame(ds)
    assert set(frame.scenario) == {
        f"toy-export{bau}|{p}" for bau in ("", "|bau") for p in ("p05", "p50", "p95")
    }
    for suffix, factor in (("p05", 0.82), ("p50", 1.0), ("p95", 1.18)):
        scenario = f"toy-export|{suffix}"
        got = _value(frame, scenario, "Testby", "Emissions|Kyoto Gases", 2030)
        assert got == pytest.approx(1000.0 * factor)
        bau = _value(frame, f"toy-export|bau|{suffix}", "Testby", "Emissions|Kyoto Gases", 2030)
        assert bau == pytest.approx(1500.0 * factor)


def test_tidy_csv_holds_every_variable(result, tmp_path):
    ds, nc = result
    out = tmp_path / "toy-tidy.csv"
    assert main(["export", str(nc), "--format", "csv", "-o", str(out)]) == 0
    frame = pd.read_csv(out, dtype={"city": str}, low_memory=False)
    # every variable that has cells (a result without split sectors has no sources)
    assert set(frame.variable) == {name for name, da in ds.data_vars.items() if da.size}
    # one row per cell of every variable
    counts = frame.variable.value_counts()
    for name, da in ds.data_vars.items():
        assert counts.get(name, 0) == da.size, name
    rows = frame[(frame.variable == "emissions") & (frame.city == "9902")]
    rows = rows[(rows.sector == "transport") & (rows.year == 2030)]
    assert float(rows.value.iloc[0]) == pytest.approx(100.0)
    assert set(frame[frame.variable == "npv_cost"].unit) == {"SEK"}


def test_tidy_frame_keeps_whole_numbers_and_text(result):
    frame = tidy_frame(result[0])
    assert str(frame.year.dtype) == "Int64"
    basis = frame[frame.variable == "target_basis"]
    assert list(basis.value) == ["gross"]
    assert basis.year.isna().all()


def test_xlsx_has_the_iamc_table_and_provenance(result, tmp_path):
    ds, nc = result
    out = tmp_path / "toy.xlsx"
    assert main(["export", str(nc), "--format", "xlsx", "-o", str(out)]) == 0
    sheets = pd.read_excel(out, sheet_name=None)
    assert set(sheets) == {"data", "meta"}
    data = sheets["data"]
    assert list(data.columns[:5]) == IAMC[:5]
    assert [int(c) for c in data.columns[5:]] == list(range(2024, 2031))
    row = data[
        (data.scenario == "toy-export")
        & (data.region == "Provstad")
        & (data.variable == "Net Emissions|Kyoto Gases")
    ]
    assert float(row[2030].iloc[0]) == pytest.approx(150.0)
    meta = dict(zip(sheets["meta"].attribute, sheets["meta"].value, strict=True))
    assert meta["format"] == "citypaths-result-1"
    assert meta["inputs_sha256"] == ds.attrs["inputs_sha256"]


def test_refuses_to_overwrite_without_force(result, tmp_path, capsys):
    """A file of the user's is never replaced, not even with --force; an earlier export of
    the same kind only with --force."""
    _, nc = result
    out = tmp_path / "taken.csv"
    out.write_text("mine\n", encoding="utf-8")
    assert main(["export", str(nc), "--format", "iamc", "-o", str(out), "--force"]) == 2
    assert "never replaces it" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "mine\n"
    ours = tmp_path / "ours.csv"
    assert main(["export", str(nc), "--format", "iamc", "-o", str(ours)]) == 0
    assert main(["export", str(nc), "--format", "iamc", "-o", str(ours)]) == 2
    assert "give --force to replace it" in capsys.readouterr().err
    assert main(["export", str(nc), "--format", "iamc", "-o", str(ours), "--force"]) == 0
    assert ours.read_text(encoding="utf-8").startswith("model,scenario,region")
    assert not list(tmp_path.glob(".*.part"))  # written through a temporary file


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.nc", "--format", "iamc"], "missing.nc: file not found"),
        (["not-a-result.txt", "--format", "iamc"], "not a readable NetCDF file"),
        (["RESULT", "--format", "pdf"], "argument --format: invalid choice: 'pdf'"),
        (["RESULT"], "the following arguments are required: --format"),
    ],
)
def test_bad_input_exits_2(args, message, result, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "not-a-result.txt").write_text("hello\n", encoding="utf-8")
    args = [str(result[1]) if a == "RESULT" else a for a in args]
    assert main(["export", *args, "-o", "out.csv"]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert not (tmp_path / "out.csv").exists()


def test_a_folder_is_not_an_output(result, tmp_path, capsys):
    assert main(["export", str(result[1]), "--format", "csv", "-o", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_write_export_refuses_an_unknown_format(result, tmp_path):
    from sim.errors import CitypathsError

    with pytest.raises(CitypathsError, match="unknown format 'pdf'"):
        write_export(result[0], tmp_path / "x", "pdf")


def test_every_shipped_sector_has_an_iamc_name():
    ids = [
        line.split(",")[0]
        for line in (REPO / "scenarios" / "data" / "sectors.csv").read_text().splitlines()[1:]
    ]
    assert sorted(ids) == sorted(SECTOR_NAMES)
    assert len(set(SECTOR_NAMES.values())) == len(SECTOR_NAMES)
    assert not any("|" in name for name in SECTOR_NAMES.values())


def test_cli_formats_match_the_library():
    from sim.analysis.export import FORMATS
    from sim.cli.analysis import EXPORT_FORMATS

    assert EXPORT_FORMATS == FORMATS


# pyam itself still calls pandas APIs that pandas 3.1 deprecates; that is pyam's, not ours
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.filterwarnings("ignore:.*deprecated:Warning")
def test_pyam_reads_the_iamc_file_and_the_sectors_add_up(result, tmp_path):
    """pyam reads the export as an IAMC table: its index columns, the model, the regions,
    and `check_aggregate`: the sectors' emissions add up to `Emissions|Kyoto Gases` in
    every region, scenario and year (pyam returns None where nothing disagrees)."""
    pyam = pytest.importorskip("pyam")
    _, nc = result
    out = tmp_path / "toy-iamc.csv"
    assert main(["export", str(nc), "--format", "iamc", "-o", str(out)]) == 0
    df = pyam.IamDataFrame(str(out))
    assert list(df.dimensions) == ["model", "scenario", "region", "variable", "unit", "year"]
    assert df.model == ["citypaths 0.1.0"]
    assert sorted(df.region) == ["Provstad", "Testby"]
    assert df.check_aggregate("Emissions|Kyoto Gases") is None
    # and the total by hand: Testby 1000 + Provstad 200 t in 2030 under the scenario
    total = df.filter(scenario="toy-export", variable="Emissions|Kyoto Gases", year=2030)
    assert total.data.value.sum() == pytest.approx(1200.0)
