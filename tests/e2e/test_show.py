"""`citypaths show` options (--city, --year, --format, --measures), the one-line-per-city
table of a multi-city result, the usage line of an unknown option, and the wording of
`latest-start`. Numbers by hand on the toy data (see test_compare.py)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from sim.cli import main
from sim.runner import run_scenario
from sim.store import write_netcdf
from tests.e2e.test_compare import HEADER, SCENARIO_A


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    folder = tmp_path_factory.mktemp("show")
    path = folder / "a.yaml"
    path.write_text(HEADER + SCENARIO_A, encoding="utf-8")
    nc = folder / "a.nc"
    write_netcdf(run_scenario(path), nc)
    return nc


def test_several_cities_one_line_each(result, capsys):
    assert main(["show", str(result)]) == 0
    out = capsys.readouterr().out
    (testby,) = [ln for ln in out.splitlines() if ln.startswith("Testby (9901)")]
    # gross 1500 t in 2024 and 1050 t in 2030; the one target met; NPV 0.86 MSEK
    assert testby.split()[2:5] == ["1.5", "1.1", "1"]
    assert "1 of 1" in testby
    assert "0.9 MSEK" in testby
    assert "business as usual" not in out  # no detail unless asked
    assert "--city NAME" in out
    assert "gross over the scenario's 2 sectors" in out


def test_one_city_in_detail_in_chosen_years(result, capsys):
    assert main(["show", str(result), "--city", "provstad", "--year", "2025,2030"]) == 0
    out = capsys.readouterr().out
    assert "Testby" not in out
    rows = {ln[:29].strip(): ln[29:].split() for ln in out.splitlines() if ln.startswith("  ")}
    # Provstad: 200 t transport halved + 100 t heating = 200 t gross; the sink removes 50 t
    assert rows["scenario, gross"] == ["0.2", "0.2"]
    assert rows["removals"] == ["-0.1", "-0.1"]
    assert rows["net (gross - removals)"] == ["0.1", "0.1"]
    assert "change vs 1990, gross" in out
    (head,) = [ln for ln in out.splitlines() if ln.startswith("Provstad (9902)")]
    assert head.split()[2:] == ["2025", "2030"]


def test_measures_table(result, capsys):
    assert main(["show", str(result), "--city", "9901", "--measures", "--year", "2027,2030"]) == 0
    out = capsys.readouterr().out
    (hp,) = [ln for ln in out.splitlines() if ln.startswith("  Heat pumps")]
    # hp cuts 0.9 x 500 x 0.75 = 337.5 t in 2027 and 450 t from 2028
    assert hp.split()[2:4] == ["0.3", "0.5"]
    assert "0.9 MSEK" in hp


def test_csv_and_json(result, capsys):
    assert main(["show", str(result), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    net = next(
        r
        for r in rows
        if r["city"] == "9902" and r["figure"] == "emissions_net" and r["year"] == "2030"
    )
    assert float(net["value"]) == pytest.approx(150.0)
    allowed = next(r for r in rows if r["city"] == "9901" and r["figure"] == "target_allowed")
    assert float(allowed["value"]) == pytest.approx(1500.0)  # 50 % of 3000 t
    assert main(["show", str(result), "--format", "json", "--city", "9901"]) == 0
    (city,) = json.loads(capsys.readouterr().out)
    assert city["scenario"][-1] == pytest.approx(1050.0)
    assert city["targets"][0]["p_met"] == 1.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "2060"], "--year 2060: not in the projection (2024-2030)"),
        (["--year", "soon"], "expected years separated by commas"),
        (["--city", "Nowhere"], "--city Nowhere: not a city of this result"),
        (["--format", "xml"], "invalid choice"),
    ],
)
def test_show_errors(result, capsys, args, message):
    assert main(["show", str(result), *args]) == 2
    assert message in capsys.readouterr().err


def test_an_unknown_option_shows_the_commands_usage(capsys):
    assert main(["run", "--foo", "x.yaml"]) == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments: --foo" in err
    assert "usage: citypaths run" in err
    assert "COMMAND" not in err  # not the top-level usage
    assert main(["show", "a.nc", "--bar"]) == 2
    assert "usage: citypaths show" in capsys.readouterr().err


LATEST = """
id: toy-latest
targets:
  - {id: half, threshold: 0.5, reference_year: 1990, year: 2030}
  - {id: ninety, threshold: 0.9, reference_year: 1990, year: 2030}
interventions:
  - {id: hp, city: "9901", sector: heating, effect: 1.0, rollout: {start: 2026, build: 0}}
  - {id: cars, city: "9901", sector: transport, effect: 0.5, rollout: {start: 2026, build: 0}}
"""


def test_latest_start_words(tmp_path, capsys):
    path = tmp_path / "latest.yaml"
    path.write_text(HEADER + LATEST, encoding="utf-8")
    assert main(["latest-start", str(path), "--target", "half"]) == 0
    out = capsys.readouterr().out
    # cars alone: 500 + 500 = 1000 t <= 1500 t: hp is not needed on its own
    (hp,) = [ln for ln in out.splitlines() if ln.startswith("hp ")]
    assert "the other measures meet the targets without this one alone" in hp
    assert "does not mean it can be dropped together with others" in hp
    assert main(["latest-start", str(path), "--target", "ninety"]) == 0
    out = capsys.readouterr().out
    # 90 % below 3000 t allows 300 t; with hp from 2024 and cars from 2026: 500 t in 2030,
    # 200 t too much
    (hp,) = [ln for ln in out.splitlines() if ln.startswith("hp ")]
    assert "cannot meet the targets even starting in 2024" in hp
    assert "ninety is then still missed by 0.2 kt CO2e (200 t) in 2030 in Testby" in hp
