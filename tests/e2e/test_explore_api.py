"""`citypaths explore`'s API without a browser: a lever change gives the numbers `citypaths
run` gives for the saved scenario file (two roads: theta/plan edits against the full loader
reading the file), and bad requests get clear errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx2")

from starlette.testclient import TestClient

from sim.explore.server import MAX_BODY, create_app
from sim.explore.session import Explorer, figures
from sim.runner import run_scenario

ROOT = Path(__file__).resolve().parents[2]
UMEA = ROOT / "scenarios" / "umea" / "contract.yaml"

# Umeå's contract with one project office (1 slot) that two measures need, and a city budget
# that the buses need: so capacity and budget levers have something to move.
LIMITED = f"""\
extends: {UMEA}
id: umea-limited
capacities:
  - {{id: office, slots: 1, cities: ["2480"]}}
budgets:
  - {{id: city-money, per_year: 1.0e+8, carry_over: true, cities: ["2480"]}}
interventions:
  - id: electric-cars
    rollout: {{needs: {{capacity: office}}}}
  - id: electric-vans
    rollout: {{needs: {{capacity: office}}}}
  - id: electric-city-buses
    rollout: {{needs: {{budget: city-money}}}}
"""


@pytest.fixture(scope="module")
def limited(tmp_path_factory) -> Explorer:
    path = tmp_path_factory.mktemp("explore") / "limited.yaml"
    path.write_text(LIMITED)
    return Explorer(path)


@pytest.fixture(scope="module")
def client(limited) -> TestClient:
    return TestClient(create_app(limited))


def _close(a, b, path="answer"):
    """Equal to rounding (1e-9 relative), walking dicts and lists."""
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            _close(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6), f"{path}: {a} != {b}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


STATES = [
    {"measures": {"electric-cars": {"ambition": 0.5}}},
    {"measures": {"electric-city-buses": {"start": 2031.0}, "modal-shift": {"on": False}}},
    {"capacities": {"office": 3}, "budgets": {"city-money": 1.0e6}},
    {
        "measures": {"electric-vans": {"ambition": 0.25, "start": 2029.5}},
        "capacities": {"office": 2},
        "budgets": {"city-money": 2.0e8},
    },
]


@pytest.mark.parametrize("payload", STATES)
def test_lever_state_gives_the_numbers_of_a_run_of_the_saved_file(
    limited, client, payload, tmp_path
):
    response = client.post("/api/run", json=payload)
    assert response.status_code == 200, response.text
    shown = response.json()["answer"]
    saved = client.post("/api/scenario", json=payload)
    assert saved.status_code == 200
    assert "attachment" in saved.headers["content-disposition"]
    path = tmp_path / "saved.yaml"
    path.write_text(saved.text)
    ran = json.loads(json.dumps(figures(run_scenario(path), "2480")))
    _close(shown, ran)
    # and the move changed something: the edited pathway differs from the scenario's own
    base = response.json()["base"]
    assert shown["scenario"] != base["scenario"] or shown["npv"] != base["npv"]


def test_saved_file_holds_only_the_changed_values(limited):
    state = limited.parse_state(
        {"measures": {"electric-cars": {"ambition": 0.5}, "modal-shift": {"on": False}}}
    )
    overlay = limited.overlay(state)
    assert overlay["extends"] == str(limited.path)
    (cars, modal) = overlay["interventions"]
    assert modal == {"id": "modal-shift", "remove": True}
    # the library's effect range of accelerated electric cars, halved, each bound
    size = limited.measures["electric-cars"].size
    assert cars == {
        "id": "electric-cars",
        "effect": {"low": size.low / 2, "central": size.central / 2, "high": size.high / 2},
    }
    assert set(overlay) == {"extends", "id", "title", "interventions"}


def test_a_measure_at_zero_ambition_cuts_nothing(client):
    answer = client.post("/api/run", json={"measures": {"electric-cars": {"ambition": 0.0}}})
    ids = [w["id"] for w in answer.json()["answer"]["wedges"]]
    base_ids = [w["id"] for w in answer.json()["base"]["wedges"]]
    assert "electric-cars" in base_ids
    assert "electric-cars" not in ids


def test_shortfall_is_the_value_above_what_the_target_allows(client):
    # Umeå's 2040 climate-neutrality target with every measure switched off cannot be met
    levers = client.get("/api/levers").json()
    off = {m["id"]: {"on": False} for m in levers["measures"]}
    answer = client.post("/api/run", json={"measures": off}).json()["answer"]
    assert answer["targets"]
    for t in answer["targets"]:
        assert t["shortfall"] == pytest.approx(max(0.0, t["value"] - t["allowed"]))
        assert t["met"] == (t["shortfall"] == 0.0)
    assert not all(t["met"] for t in answer["targets"])


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (
            {"measures": {"electric-cars": {"ambition": 1.5}}},
            ["measures.electric-cars.ambition", "1"],
        ),
        ({"measures": {"no-such": {"on": False}}}, ["no-such", "electric-cars"]),
        ({"measures": {"electric-cars": {"colour": "red"}}}, ["colour"]),
        ({"capacities": {"office": 0}}, ["capacities.office"]),
        ({"budgets": {"city-money": "lots"}}, ["budgets.city-money"]),
        ({"draws": 10**9}, ["draws"]),
        ([1, 2], ["request"]),
    ],
)
def test_bad_requests_get_located_errors(client, payload, words):
    response = client.post("/api/run", json=payload)
    assert response.status_code == 400
    message = response.json()["error"]
    for w in words:
        assert w in message


def test_a_start_the_schema_refuses_is_named_in_the_saved_file(client):
    # a start year after the horizon: the request model lets it through (1900-2200), the
    # scenario schema checks it when the file is made, naming levers.yaml and the key
    response = client.post("/api/scenario", json={"measures": {"electric-cars": {"start": 2150.0}}})
    if response.status_code == 200:  # the schema allows starts after the horizon
        assert "start: 2150.0" in response.text
    else:
        assert "levers.yaml" in response.json()["error"]


def test_not_json_and_too_large_requests(client):
    assert client.post("/api/run", content=b"{not json").status_code == 400
    big = b'{"measures": {}, "x": "' + b"a" * (MAX_BODY + 1) + b'"}'
    response = client.post("/api/run", content=big)
    assert response.status_code == 400
    assert "larger than" in response.json()["error"]
    deep = b"[" * 30_000 + b"]" * 30_000  # within the size limit, beyond Python's recursion
    response = client.post("/api/run", content=deep)
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["error"]


def test_page_and_assets_come_from_citypaths(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "http://" not in page.text
    assert "https://" not in page.text
    for asset in ("/static/app.js", "/static/style.css"):
        body = client.get(asset).text
        assert "https://" not in body.replace("http://www.w3.org/2000/svg", "")


def test_unknown_city_is_a_clear_error(tmp_path):
    from sim.errors import InputError

    with pytest.raises(InputError, match="not a city of this scenario"):
        Explorer(UMEA, city="Malmö")


def test_check_runs_the_scenario_loader_on_the_state(client):
    assert client.post(
        "/api/check", json={"measures": {"electric-cars": {"ambition": 0.5}}}
    ).json() == {"ok": True}
    # the buses need up to 432 MSEK at once (their high capex) from city-money: a budget of
    # 0 a year can never fund them, which `citypaths validate`'s checks refuse, located
    response = client.post("/api/check", json={"budgets": {"city-money": 0.0}})
    assert response.status_code == 400
    message = response.json()["error"]
    assert "levers.yaml" in message or "limited.yaml" in message
    assert "city-money" in message
    assert "could never start" in message


def test_loopback_server_refuses_other_host_names(limited):
    from sim.explore.server import LOOPBACK

    app = create_app(limited, allowed_hosts=LOOPBACK)
    assert TestClient(app, base_url="http://127.0.0.1").get("/api/levers").status_code == 200
    # a page on another site whose name was re-pointed at 127.0.0.1 (DNS rebinding)
    assert TestClient(app, base_url="http://evil.example").get("/api/levers").status_code == 400


ALL23 = ROOT / "scenarios" / "all23" / "contract-constrained.yaml"


def test_per_city_and_shared_pools_of_a_many_city_scenario(tmp_path):
    # Malmö in the 23-city scenario: `project-office` is a per-city capacity (a pool per
    # city, each of `slots`), `national-investment-support` a budget all cities share
    explorer = Explorer(ALL23, city="Malmö")
    state = explorer.parse_state(
        {
            "capacities": {"project-office": 1, "heat-pump-installers": 2},
            "budgets": {"national-investment-support": 2.5e9},
            "measures": {next(iter(explorer.measures)): {"start": 2032.0}},
        }
    )
    shown = explorer.answer(state)
    path = tmp_path / "saved.yaml"
    path.write_text(explorer.overlay_yaml(state))
    _close(shown, json.loads(json.dumps(figures(run_scenario(path), explorer.city))))
    assert shown != explorer.answer(explorer.parse_state({}))
