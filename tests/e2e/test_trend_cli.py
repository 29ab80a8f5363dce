"""`citypaths trend` and `sim.analysis.benchmarks` on the toy data, checked by hand.

Testby (9901) in tests/data/toy: transport + heating = 1800 (2015), 1650 (2020), 1500 (2024)
t CO2e/yr (1990, 3000, is before 2015 and not used). Anchored at (2024, 1500), the slopes to
the anchor are (1800 - 1500) / (2015 - 2024) = -33.33 (weight 9) and (1650 - 1500) / (2020 -
2024) = -37.5 (weight 4); total weight 13, half 6.5, cumulative weight in slope order 4, 13:
the weighted median is -33.33 = -100/3 t CO2e/yr per year.
"""

import json
import math

import pytest

from sim.analysis.benchmarks import benchmark_for
from sim.cli import main
from tests.conftest import DATA

TOY = str(DATA / "toy")
SLOPE = -100.0 / 3.0
# from 2025: 1500 - 100/3 = 1466.667; 2050: 1500 - 26 * 100/3 = 633.333; the 26 values
# 2025..2050 form an arithmetic series: 26 * (1466.667 + 633.333) / 2 = 27,300 t
TREND_2025, TREND_2050, TREND_SUM = 1500 + SLOPE, 1500 + 26 * SLOPE, 27_300.0
# Carbon Law at 11.72 %/yr from 1466.667: 1466.667 * (1 - 0.8828^26) / 0.1172.
# ln 0.8828 = -0.1246566; x 26 = -3.241072; exp = 0.0391219; (1 - 0.0391219) / 0.1172 =
# 8.198618; x 1466.667 = 12,024.64 t
LAW_SUM = 12_024.64


def test_benchmark_by_hand():
    b = benchmark_for("9901", TOY)
    assert (b.code, b.name, b.anchor_year, b.anchor_value) == ("9901", "Testby", 2024, 1500.0)
    assert b.slope == pytest.approx(SLOPE)
    assert b.years[0] == 2025
    assert b.years[-1] == 2050
    assert b.trend[0] == pytest.approx(TREND_2025)
    assert b.trend[-1] == pytest.approx(TREND_2050)
    assert b.trend_sum == pytest.approx(TREND_SUM)
    assert b.carbon_law[0] == pytest.approx(TREND_2025)
    assert b.carbon_law[1] == pytest.approx(TREND_2025 * 0.8828)
    assert b.carbon_law_sum == pytest.approx(LAW_SUM, abs=0.01)
    assert not b.within_carbon_law


def test_a_slower_carbon_law_is_met_by_the_trend():
    # rate 0: the benchmark stays at 1466.667 for 26 years = 38,133.3 t > 27,300 t
    b = benchmark_for("testby", TOY, rate=0.0)
    assert b.carbon_law_sum == pytest.approx(26 * TREND_2025)
    assert b.within_carbon_law


def test_budget_by_hand():
    # Budget 10,000 t from 2025. Trend used after n years: n 1466.667 - (100/3) n (n-1) / 2:
    # n = 7 -> 10,266.67 - 700 = 9,566.67; n = 8 -> 11,733.33 - 933.33 = 10,800. It runs
    # out in 2032 (value 1466.667 - 7 * 33.333 = 1233.333): 2032 + (10,000 - 9,566.67) /
    # 1233.333 = 2032 + 0.35135 = 2032.351.
    # Budget path: r = 1 - exp(-1466.667 / 10,000) = 1 - exp(-0.1466667) = 0.136418.
    b = benchmark_for("9901", TOY, budget=10_000.0)
    assert b.trend_exhausts_budget == pytest.approx(2032.35135, abs=1e-5)
    assert b.budget_rate == pytest.approx(0.136418, abs=1e-6)
    # the path's first year is B r = 1364.18 t and its sum to 2050 is B (1 - (1 - r)^26)
    assert b.budget_path[0] == pytest.approx(1364.18, abs=0.01)
    assert b.budget_path_sum == pytest.approx(10_000 * (1 - (1 - 0.136418) ** 26), rel=1e-5)


def test_from_year_moves_the_start():
    # from 2020: trend 1500 + 4 * 100/3 = 1633.33 (the fitted line, not the observed 1650)
    b = benchmark_for("9901", TOY, from_year=2020)
    assert b.years[0] == 2020
    assert len(b.years) == 31
    assert b.trend[0] == pytest.approx(1633.333, abs=1e-3)
    assert b.carbon_law[0] == pytest.approx(b.trend[0])


def test_sector_breakdown_is_fitted_per_sector():
    # transport 1200, 1100, 1000: slopes -22.2 (w 9), -25 (w 4) -> -22.2 = -200/9;
    # heating 600, 550, 500: half of it -> -100/9
    b = benchmark_for("9901", TOY)
    slopes = {s.id: s.slope for s in b.sectors}
    assert slopes == {
        "transport": pytest.approx(-200 / 9),
        "heating": pytest.approx(-100 / 9),
    }


def test_cli_text(capsys):
    assert main(["trend", "Testby", "--data", TOY, "--budget", "10000"]) == 0
    out = capsys.readouterr().out
    assert "Testby (9901)" in out
    assert "-0.03 kt CO2e/yr per year (-33 t)" in out
    assert "Sum 2025-2050: trend 27.3 kt CO2e; Carbon Law (11.72 %/yr from 2025) 12.0 kt" in out
    assert "exceeds the Carbon Law sum" in out
    assert "the trend uses it up in 2032.4" in out


def test_cli_json(capsys):
    assert main(["trend", "9901", "--data", TOY, "--json", "--rate", "0.2", "--from", "2030"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["city"] == "9901"
    assert doc["from_year"] == 2030
    assert doc["trend"]["slope"] == pytest.approx(SLOPE)
    # from 2030: 1500 - 6 * 33.33 = 1300 falling by 20 %: 1300, 1040
    assert doc["carbon_law"]["path"]["2030"] == pytest.approx(1300.0)
    assert doc["carbon_law"]["path"]["2031"] == pytest.approx(1040.0)
    # 2030..2050: 21 values from 1300 to 633.33: 21 * (1300 + 633.33) / 2 = 20,300
    assert doc["trend"]["sum"] == pytest.approx(20_300.0)
    assert doc["within_carbon_law"] is False
    assert "budget" not in doc


def test_cli_json_budget_never_used_up(capsys):
    assert main(["trend", "9901", "--data", TOY, "--json", "--budget", "1e9"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["budget"]["trend_exhausts"] is None  # not by 2050
    assert math.isclose(doc["budget"]["budget"], 1e9)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Nowhere"], "Nowhere: no such city"),
        (["9901", "--from", "2060"], "--from 2060: expected a year from 2015 to 2050"),
        (["9901", "--rate", "11.72"], "--rate 11.72: expected the yearly cut as a fraction"),
        (["9901", "--budget", "-5"], "--budget -5.0: expected a positive number"),
        (["9901", "--rate", "fast"], "argument --rate: invalid float value"),
    ],
)
def test_cli_errors(args, message, capsys):
    assert main(["trend", *args, "--data", TOY]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_cli_missing_data_folder(capsys, tmp_path):
    assert main(["trend", "9901", "--data", str(tmp_path / "none")]) == 2
    assert "data folder not found" in capsys.readouterr().err


def test_shipped_data_by_name(capsys):
    # the shipped data is read by default; a name with or without å works
    assert main(["trend", "umea", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["city"] == "2480"
    assert doc["name"] == "Umeå"
    assert doc["from_year"] == doc["trend"]["anchor_year"] + 1


def test_result_stores_the_total_trend(write_scenario):
    # Testby's total trend (above): 1500 in 2024, -100/3 a year -> 2030: 1500 - 200 = 1300.
    # Stored without the scenario axis, like the per-sector trend.
    from sim.runner import run_scenario

    ds = run_scenario(write_scenario(""))
    total = ds["emissions_trend_total"]
    assert total.dims == ("city", "year")
    assert total.attrs["units"] == "t CO2e/yr"
    assert float(total.sel(city="9901", year=2024)) == pytest.approx(1500.0)
    assert float(total.sel(city="9901", year=2030)) == pytest.approx(1300.0)
