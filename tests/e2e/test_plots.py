"""`citypaths plot` and `sim.report.plots`: what each chart draws, checked by hand on the toy
scenario, and the files and errors of the command.

Toy scenario (tests/data/toy; BAU constant at the 2024 inventory), as in test_export.py:
Testby (9901) emits 1000 (transport) + 500 (heating) t CO2e/yr; `hp` removes all heating,
built linearly from 2026 to 2028, so in 2030 Testby emits 1000 t = 1.0 kt against 1.5 kt
under BAU. Provstad (9902): `cars` halves its 200 t of transport from 2024, and the removal
`sink` takes 50 t/yr from 2025. Testby's total trend: 1500 t in 2024, -100/3 t a year
(tests/e2e/test_trend_cli.py), so 1466.67 t in 2025, where the Carbon Law path starts.
"""

import numpy as np
import pytest
import xarray as xr
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_hex

from sim.cli import main
from sim.report.plots import COLORS, fan_chart, gantt_chart, pick_city, wedge_chart
from sim.runner import run_scenario
from tests.conftest import DATA

SCENARIO = """
id: toy-plot
cities: ["9901", "9902"]
interventions:
  - id: hp
    title: Heat pumps
    city: "9901"
    sector: heating
    effect: 1.0
    rollout: {start: 2026, build: 2}
    cost: {capex: 1.0e+6}
  - {id: cars, city: "9902", sector: transport, effect: 0.5, rollout: {start: 2024, build: 0}}
removals:
  - {id: sink, city: "9902", tonnes: 50, rollout: {start: 2025, build: 0}}
"""


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plots")
    scenario = folder / "toy.yaml"
    header = f"extends: {DATA / 'toy_base.yaml'}\ndata: {DATA / 'toy'}\n"
    scenario.write_text(header + SCENARIO, encoding="utf-8")
    path = folder / "toy.nc"
    assert main(["run", str(scenario), "-o", str(path)]) == 0
    return run_scenario(scenario), path


def _line(fig, label):
    (ax,) = fig.axes
    found = [line for line in ax.get_lines() if line.get_label().startswith(label)]
    assert found, f"no line {label!r}"
    return found[0]


def _at(line, year):
    x, y = (np.asarray(v, float) for v in line.get_data())
    return float(y[np.flatnonzero(x == year)[0]])


def test_fan_chart_draws_what_the_model_gives(result):
    fig = fan_chart(result[0], "9901")
    assert _at(_line(fig, "scenario"), 2030) == pytest.approx(1.0)  # kt
    assert _at(_line(fig, "business as usual"), 2030) == pytest.approx(1.5)
    assert _at(_line(fig, "observed"), 1990) == pytest.approx(3.0)
    assert _at(_line(fig, "trend since 2015"), 2030) == pytest.approx(1.3)  # 1500 - 200 t
    law = _line(fig, "Carbon Law")
    assert "from 2025" in law.get_label()
    # 1466.67 t in 2025, then x 0.8828 a year: 2026 -> 1294.78 t
    assert _at(law, 2025) == pytest.approx(1.466667, abs=1e-6)
    assert _at(law, 2026) == pytest.approx(1.466667 * 0.8828, abs=1e-6)
    # the target (50 % below 1990's 3000 t by 2030) allows 1.5 kt
    target = next(line for line in fig.axes[0].get_lines() if line.get_marker() == "v")
    assert target.get_xydata()[0] == pytest.approx([2030, 1.5])
    # one draw: no band
    assert not [c for c in fig.axes[0].collections if isinstance(c, PolyCollection)]


def test_fan_chart_net_line_only_with_removals(result):
    labels = [line.get_label() for line in fan_chart(result[0], "9901").axes[0].get_lines()]
    assert "scenario, net of removals" not in labels
    net = _line(fan_chart(result[0], "9902"), "scenario, net of removals")
    assert _at(net, 2030) == pytest.approx(0.15)  # 200 - 50 t


def test_fan_chart_band_over_draws(result):
    # five draws scaled by 0.8 .. 1.2: the band runs from the 5th percentile (0.82, numpy's
    # linear interpolation at position 0.2 of the sorted draws) to the 95th (1.18); the
    # line is the median (1.0). In 2030: 0.82, 1.0, 1.18 kt.
    ds = result[0]
    factors = xr.DataArray([1.0, 1.2, 0.8, 1.1, 0.9], dims="draw")
    five = ds.isel(draw=[0] * 5).assign_coords(draw=range(5))
    five["emissions"] = five["emissions"] * factors
    fig = fan_chart(five, "9901")
    assert _line(fig, "scenario (median)")
    assert _at(_line(fig, "scenario (median)"), 2030) == pytest.approx(1.0)
    (band,) = [c for c in fig.axes[0].collections if isinstance(c, PolyCollection)]
    assert "5-95 % of 5 draws" in band.get_label()
    vertices = band.get_paths()[0].vertices
    at_2030 = vertices[np.isclose(vertices[:, 0], 2030)][:, 1]
    assert sorted(at_2030)[0] == pytest.approx(0.82)
    assert sorted(at_2030)[-1] == pytest.approx(1.18)


def test_wedges_fill_the_gap_between_scenario_and_bau(result):
    fig = wedge_chart(result[0], "9901")
    ax = fig.axes[0]
    labels = [c.get_label() for c in ax.collections]
    assert "Heat pumps" in labels
    wedge = ax.collections[labels.index("Heat pumps")]
    top = wedge.get_paths()[0].vertices
    # in 2030 the heat-pump wedge spans 1.0 kt (scenario) to 1.5 kt (BAU)
    at_2030 = sorted(top[np.isclose(top[:, 0], 2030)][:, 1])
    assert at_2030[0] == pytest.approx(1.0)
    assert at_2030[-1] == pytest.approx(1.5)


def test_wedges_show_removals_below_zero(result):
    fig = wedge_chart(result[0], "9902")
    ax = fig.axes[0]
    labels = [c.get_label() for c in ax.collections]
    sink = ax.collections[labels.index("removal: sink")]
    vertices = sink.get_paths()[0].vertices
    assert vertices[np.isclose(vertices[:, 0], 2030)][:, 1].min() == pytest.approx(-0.05)


def test_gantt_bars_by_hand(result):
    fig = gantt_chart(result[0], "9901")
    ax = fig.axes[0]
    bars = [(p.get_x(), p.get_width()) for p in ax.patches]
    # hp: planned and actual build 2026 -> 2028 (nothing to wait for); no wait segments
    assert bars == [(pytest.approx(2026.0), pytest.approx(2.0))] * 2
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Heat pumps"]


def _timing(**values) -> xr.Dataset:
    """A one-city, one-intervention result holding only the rollout timing."""
    return xr.Dataset(
        {
            name: (("scenario", "draw", "city", "intervention"), [[[[value]]]])
            for name, value in values.items()
        },
        coords={
            "scenario": ["s"],
            "draw": [0],
            "city": ["9901"],
            "city_name": ("city", ["Testby"]),
            "intervention": ["hp"],
            "intervention_title": ("intervention", ["Heat pumps"]),
            "year": np.arange(2024, 2041),
        },
    )


def test_gantt_splits_a_delay_into_its_waits():
    # hp waited 1 yr for a budget and 2 yr for capacity and started 3 years late: the three
    # years before the actual start are drawn budget (2026-2027), then capacity (2027-2029),
    # then the build 2029-2031; the planned build stays 2026-2028.
    ds = _timing(
        planned_start=2026.0,
        planned_completion=2028.0,
        start=2029.0,
        completion=2031.0,
        wait_capacity=2.0,
        wait_budget=1.0,
        wait_after=0.0,
    )
    ax = gantt_chart(ds, "9901").axes[0]
    bars = sorted((p.get_x(), p.get_width(), p.get_facecolor()) for p in ax.patches)
    spans = [(round(x, 9), round(x + w, 9)) for x, w, _ in bars]
    assert spans == [(2026, 2027), (2026, 2028), (2027, 2029), (2029, 2031)]
    colors = [to_hex(c) for _, _, c in bars]
    assert colors == [COLORS[k] for k in ("wait_budget", "planned", "wait_capacity", "build")]
    assert ax.texts[0].get_text() == "+3.0 yr"


def test_gantt_marks_a_project_that_never_starts():
    # money that never comes: start and completion are inf (docs/model.md section 4)
    ds = _timing(
        planned_start=2026.0,
        planned_completion=2028.0,
        start=np.inf,
        completion=np.inf,
        wait_capacity=0.0,
        wait_budget=np.inf,
        wait_after=0.0,
    )
    ax = gantt_chart(ds, "9901").axes[0]
    assert [t.get_text() for t in ax.texts] == [" never starts"]


def test_pick_city(result):
    ds = result[0]
    assert pick_city(ds, "Provstad") == "9902"
    assert pick_city(ds, "9901") == "9901"
    assert pick_city(ds.isel(city=[0]), None) == "9901"


@pytest.mark.parametrize("kind", ["fan", "wedges", "gantt"])
@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_cli_writes_png_and_svg(kind, suffix, result, tmp_path, capsys):
    out = tmp_path / f"chart{suffix}"
    args = ["plot", str(result[1]), "--kind", kind, "--city", "Testby", "-o", str(out)]
    assert main(args) == 0
    assert f"{kind} chart of 9901 -> {out}" in capsys.readouterr().out
    head = out.read_bytes()[:200]
    if suffix == ".png":
        assert head.startswith(b"\x89PNG\r\n\x1a\n")
    else:
        assert b"<svg" in out.read_bytes()[:2000] or head.startswith(b"<?xml")
    assert not list(tmp_path.glob(".*.part"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "fan", "-o", "x.png"], "the result has 2 cities; choose one with --city"),
        (["--kind", "fan", "--city", "Umeå", "-o", "x.png"], "--city Umeå: not a city of this"),
        (["--kind", "fan", "--city", "9901", "-o", "x.pdf"], "x.pdf: expected a file name end"),
        (["--kind", "pie", "--city", "9901", "-o", "x.png"], "invalid choice: 'pie'"),
        (["--kind", "fan", "--city", "9901", "-o", "taken.png"], "never replaces it"),
    ],
)
def test_cli_errors(args, message, result, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken.png").write_bytes(b"mine")
    assert main(["plot", str(result[1]), *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert (tmp_path / "taken.png").read_bytes() == b"mine"
    assert not (tmp_path / "x.png").exists()


def test_cli_not_a_result(tmp_path, capsys):
    bad = tmp_path / "bad.nc"
    bad.write_text("no\n", encoding="utf-8")
    assert main(["plot", str(bad), "--kind", "fan", "-o", str(tmp_path / "x.png")]) == 2
    assert "not a readable NetCDF file" in capsys.readouterr().err


def test_fan_chart_shows_negative_net_emissions(result):
    # Provstad with ten times the removal: 200 - 500 = -300 t net in 2030 -> -0.3 kt; the
    # axis must reach below it, and with only positive lines it starts at zero
    ds = result[0].copy()
    ds["removals"] = ds["removals"] * 10
    fig = fan_chart(ds, "9902")
    assert _at(_line(fig, "scenario, net of removals"), 2030) == pytest.approx(-0.3)
    assert fig.axes[0].get_ylim()[0] <= -0.3
    assert fan_chart(result[0], "9901").axes[0].get_ylim()[0] == 0.0
