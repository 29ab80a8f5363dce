"""`include:` and `apply:` (docs/scenario-format.md, section 20), on the toy data.

Testby (9901): transport 1000 t and heating 500 t in 2024; Provstad (9902): transport 200 t
and heating 100 t.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.config.loader import load_scenario
from sim.errors import InputError
from sim.runner import run_scenario

TOY = Path(__file__).resolve().parents[1] / "data" / "toy"

HEAD = (
    "format: 1\n"
    f"data: {TOY}\n"
    "years: {base: 2024, horizon: 2030}\n"
    "costs: {currency: SEK, price_year: 2024, discount_rate: 0.05}\n"
    "targets:\n"
    "  - {id: half, threshold: 0.5, reference_year: 1990, year: 2030}\n"
)

# Testby: activity +10 %/yr everywhere, transport intensity -50 %/yr; two measures, the
# second after the first, and a project office of its own
TESTBY = HEAD + (
    "  - {id: testby-own, threshold: 0.9, reference_year: 1990, year: 2030}\n"
    "id: testby\n"
    "cities: ['9901']\n"
    "bau:\n"
    "  default: {activity: {rate: 0.10}}\n"
    "  sectors: {transport: {intensity: {rate: -0.5}}}\n"
    "capacities: [{id: office, slots: 1, cities: all}]\n"
    "interventions:\n"
    "  - {id: buses, city: all, sector: transport, effect: 0.2, rollout: {start: 2025}}\n"
    "  - id: heat\n"
    "    city: '9901'\n"
    "    sector: heating\n"
    "    effect: 0.5\n"
    "    rollout: {start: 2025, after: [buses], needs: {capacity: office}}\n"
)

# Provstad: its own city-wide activity -10 %/yr, and the same measure id as Testby
PROVSTAD = HEAD + (
    "id: provstad\n"
    "cities: [Provstad]\n"
    "bau:\n"
    "  cities: {Provstad: {all: {activity: {rate: -0.10}}}}\n"
    "interventions:\n"
    "  - {id: buses, city: Provstad, sector: transport, effect: 0.4, rollout: {start: 2026}}\n"
)


@pytest.fixture
def cities(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "testby", tmp_path / "provstad"
    a.mkdir()
    b.mkdir()
    (a / "plan.yaml").write_text(TESTBY, encoding="utf-8")
    (b / "plan.yaml").write_text(PROVSTAD, encoding="utf-8")
    return a / "plan.yaml", b / "plan.yaml"


def _composite(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "both"
    folder.mkdir(exist_ok=True)
    path = folder / "both.yaml"
    path.write_text(text, encoding="utf-8")
    return path


BOTH = "id: both\ninclude:\n  - ../testby/plan.yaml\n  - ../provstad/plan.yaml\n"


def test_include_keeps_each_citys_bau_and_prefixes_ids(tmp_path, cities):
    loaded = load_scenario(_composite(tmp_path, BOTH))
    sc = loaded.scenario
    assert loaded.cities == ("9901", "9902")
    assert [i.id for i in sc.interventions] == ["testby.buses", "testby.heat", "provstad.buses"]
    assert sc.interventions[0].city == ["9901"]  # `city: all` of Testby's file
    heat = sc.interventions[1]
    assert heat.rollout.after == ["testby.buses"]
    assert heat.rollout.needs.capacity == "testby.office"
    assert [c.id for c in sc.capacities] == ["testby.office"]
    # only the target both files share is kept
    assert [t.id for t in sc.targets] == ["half"]

    ds = run_scenario(_composite(tmp_path, BOTH)).isel(scenario=0, draw=0)
    bau = ds["emissions_bau"]
    # hand calculation, 2025 (one year of growth):
    # Testby transport 1000 x 1.10 x 0.5 = 550; heating 500 x 1.10 = 550 (no intensity)
    # Provstad transport 200 x 0.90 = 180; heating 100 x 0.90 = 90 (Testby's rates not applied)
    got = {
        (c, s): float(bau.sel(city=c, sector=s, year=2025))
        for c in ("9901", "9902")
        for s in ("transport", "heating")
    }
    assert got == pytest.approx(
        {
            ("9901", "transport"): 550.0,
            ("9901", "heating"): 550.0,
            ("9902", "transport"): 180.0,
            ("9902", "heating"): 90.0,
        }
    )


def test_composite_gives_the_same_numbers_as_the_separate_runs(tmp_path, cities):
    both = run_scenario(_composite(tmp_path, BOTH)).isel(scenario=0)
    for path, code in ((cities[0], "9901"), (cities[1], "9902")):
        alone = run_scenario(path).isel(scenario=0)
        for var in ("emissions", "emissions_bau"):
            np.testing.assert_array_equal(
                both[var].sel(city=code).values, alone[var].sel(city=code).values
            )
        # the composite's results name each measure as the city's own file does (its label),
        # so the two cities' `buses` share one place on the intervention axis
        for ident in alone["intervention"].values:
            np.testing.assert_array_equal(
                both["abatement"].sel(city=code, intervention=ident).values,
                alone["abatement"].sel(city=code, intervention=ident).values,
            )


def test_the_including_file_changes_an_included_entry_by_its_prefixed_id(tmp_path, cities):
    path = _composite(tmp_path, BOTH + "interventions:\n  - {id: provstad.buses, effect: 0.1}\n")
    sc = load_scenario(path).scenario
    assert sc.interventions[2].effect == 0.1
    assert sc.interventions[2].rollout.start == 2026  # kept from Provstad's file


def test_apply_merges_into_every_matching_entry(tmp_path, cities):
    path = _composite(
        tmp_path,
        BOTH
        + "capacities: [{id: depot, slots: 1, cities: all}]\n"
        + "apply:\n"
        + "  - {match: {id: buses}, set: {rollout: {needs: {capacity: depot}}}}\n",
    )
    loaded = load_scenario(path)
    needs = {i.id: i.rollout.needs for i in loaded.scenario.interventions}
    assert needs["testby.buses"].capacity == "depot"
    assert needs["provstad.buses"].capacity == "depot"
    assert needs["testby.heat"].capacity == "testby.office"  # not matched, unchanged
    # the shared depot ties the two cities into one group
    assert len(set(loaded.layout.city_group)) == 1


def _error(path: Path) -> str:
    with pytest.raises(InputError) as info:
        load_scenario(path)
    return str(info.value)


def test_an_error_in_an_included_file_names_that_file_line_and_key(tmp_path, cities):
    bad = cities[1].read_text(encoding="utf-8").replace("effect: 0.4", "effect: 1.4")
    cities[1].write_text(bad, encoding="utf-8")
    message = _error(_composite(tmp_path, BOTH))
    line = next(i for i, t in enumerate(bad.splitlines(), 1) if "effect: 1.4" in t)
    assert f"provstad/plan.yaml:{line}:" in message
    assert "interventions[provstad.buses].effect" in message
    assert "between 0 and 1" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("extends: ../testby/plan.yaml\n", "give 'extends' or 'include', not both"),
        ("cities: ['9901']\n", "takes its cities from the included files"),
        ("bau: {default: {activity: {rate: 0.01}}}\n", "takes its BAU from the included files"),
    ],
)
def test_what_an_including_file_may_not_write(tmp_path, cities, text, expected):
    message = _error(_composite(tmp_path, BOTH + text))
    assert "both/both.yaml:" in message
    assert expected in message


def test_include_errors_are_located(tmp_path, cities):
    missing = _error(_composite(tmp_path, "id: x\ninclude:\n  - ../nowhere/plan.yaml\n"))
    assert "both/both.yaml:3: include[0]: file not found: ../nowhere/plan.yaml" in missing
    twice = _error(
        _composite(tmp_path, "id: x\ninclude:\n  - ../testby/plan.yaml\n  - ../testby/plan.yaml\n")
    )
    assert "both/both.yaml:4: include[1]: prefix 'testby' is also used" in twice
    renamed = _composite(
        tmp_path,
        "id: x\ninclude:\n  - ../testby/plan.yaml\n"
        "  - {file: ../testby/plan.yaml, prefix: again}\n",
    )
    with pytest.raises(InputError, match=r"listed twice"):
        load_scenario(renamed)  # the same city twice is still refused


def test_apply_that_matches_nothing_is_an_error(tmp_path, cities):
    message = _error(
        _composite(tmp_path, BOTH + "apply:\n  - {match: {id: trams}, set: {effect: 0.1}}\n")
    )
    assert "both/both.yaml:6: apply[0].match: matches no intervention or removal" in message


def test_an_include_cycle_is_an_error(tmp_path, cities):
    path = _composite(tmp_path, "id: x\ninclude:\n  - both.yaml\n")
    message = _error(path)
    assert "both/both.yaml:3: include: 'include' makes a cycle: both.yaml -> both.yaml" in message


def test_an_included_files_own_rules_apply_to_its_own_entries(tmp_path, cities):
    text = cities[0].read_text(encoding="utf-8")
    cities[0].write_text(
        text + "apply:\n  - {match: {id: buses}, set: {effect: 0.3}}\n", encoding="utf-8"
    )
    sc = load_scenario(_composite(tmp_path, BOTH)).scenario
    effects = {i.id: i.effect for i in sc.interventions}
    assert effects["testby.buses"] == 0.3  # Testby's rule
    assert effects["provstad.buses"] == 0.4  # not Testby's to change


def test_a_composed_scenario_can_itself_be_included(tmp_path, cities):
    _composite(tmp_path, BOTH)
    outer = tmp_path / "outer"
    outer.mkdir()
    path = outer / "outer.yaml"
    path.write_text("id: outer\ninclude:\n  - ../both/both.yaml\n", encoding="utf-8")
    loaded = load_scenario(path)
    assert loaded.cities == ("9901", "9902")
    assert [i.id for i in loaded.scenario.interventions][:2] == [
        "both.testby.buses",
        "both.testby.heat",
    ]
    heat = loaded.scenario.interventions[1]
    assert heat.rollout.after == ["both.testby.buses"]
    assert heat.rollout.needs.capacity == "both.testby.office"


def test_the_composite_result_lines_up_measures_by_city_and_name(tmp_path, cities):
    """Both cities run `buses`: one intervention `buses` with a value in each city, not a
    sparse axis of one id per city."""
    both = run_scenario(_composite(tmp_path, BOTH)).isel(scenario=0)
    assert list(both["intervention"].values) == ["buses", "heat"]
    assert (both["abatement"].sel(intervention="buses").sum("year") > 0).all()
