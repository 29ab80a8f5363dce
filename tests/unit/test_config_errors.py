"""Every kind of bad scenario file gets one message naming the file, the line and the key."""

from pathlib import Path

import pytest

from sim.config.loader import load_scenario
from sim.errors import InputError

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"


def _line_of(path: Path, text: str) -> int:
    """1-based number of the first line of `path` that contains `text` (found independently
    of the loader, by reading the file)."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


# file loaded, file named (the one to fix), the text on the line the message must name,
# the key it must name, words it must say
CASES = [
    ("syntax_error.yaml", None, "effect: [0.5", "effect", "YAML syntax error"),
    (
        "unknown_key.yaml",
        None,
        "efect:",
        "interventions[buses].efect",
        "unknown key (did you mean 'effect'?); expected",
    ),
    ("wrong_type.yaml", None, "horizon:", "years.horizon", "expected a valid integer"),
    ("effect_range.yaml", None, "effect: 1.5", "interventions[buses].effect", "between 0 and 1"),
    (
        "unknown_sector.yaml",
        None,
        "sector: trains",
        "interventions[buses].sector",
        "unknown sector",
    ),
    ("unknown_city.yaml", None, "Atlantis", "cities[1]", "unknown city 'Atlantis'"),
    # the file whose `extends:` closes the cycle is named
    ("cycle_a.yaml", "cycle_b.yaml", "extends: cycle_a.yaml", "extends", "makes a cycle"),
    ("missing_file.yaml", None, "extends: no_such_parent.yaml", "extends", "file not found"),
]


@pytest.mark.parametrize(
    ("name", "named", "line_text", "key", "words"), CASES, ids=[c[0] for c in CASES]
)
def test_bad_file_message_names_file_line_and_key(name, named, line_text, key, words):
    named = named or name
    with pytest.raises(InputError) as info:
        load_scenario(BAD / name)
    err = info.value
    message = str(err)
    assert err.path is not None
    assert err.path.name == named
    assert err.line == _line_of(BAD / named, line_text)
    assert err.key == key
    assert f"{named}:{err.line}: {key}: " in message
    assert words in message


def test_an_error_in_an_inherited_file_names_that_file(tmp_path, toy_dir):
    parent = tmp_path / "parent.yaml"
    parent.write_text(
        f"data: {toy_dir}\nid: p\ncities: ['9901']\nyears: {{horizon: 2030}}\n"
        "costs: {price_year: 2024}\n"
        "interventions:\n  - {id: a, city: '9901', sector: transport, effect: 0.5,\n"
        "     rollout: {start: 2025, shape: cubic}}\n",
        encoding="utf-8",
    )
    child = tmp_path / "child.yaml"
    child.write_text("extends: parent.yaml\nid: c\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_scenario(child)
    assert info.value.path.name == "parent.yaml"
    assert info.value.line == 8  # the line with `shape: cubic`
    assert info.value.key == "interventions[a].rollout.shape"
    assert "'linear', 'logistic' or 'step'" in str(info.value)


def test_duplicate_keys_are_an_error_not_silently_the_last(write_scenario):
    path = write_scenario("id: x\nid: y\n")
    with pytest.raises(InputError, match="duplicate key"):
        load_scenario(path)


def test_unquoted_code_with_leading_zero_gets_a_hint(write_scenario):
    # YAML reads 0123 as the octal number 83: the message must say to quote codes.
    path = write_scenario("cities: [0123]\n")
    with pytest.raises(InputError, match="quotes"):
        load_scenario(path)


def test_removing_an_entry_that_is_not_inherited_is_an_error(write_scenario):
    path = write_scenario("interventions:\n  - {id: ghost, remove: true}\n")
    with pytest.raises(InputError, match="cannot remove 'ghost'") as info:
        load_scenario(path)
    assert info.value.line == 4


def test_end_before_start_is_an_error(write_scenario):
    path = write_scenario(
        "interventions:\n  - {id: a, city: '9901', sector: heating, effect: 0.5,\n"
        "     rollout: {start: 2030, end: 2025}}\n"
    )
    with pytest.raises(InputError, match="after the start") as info:
        load_scenario(path)
    assert info.value.key == "interventions[a].rollout.end"


def test_reference_year_without_observation_is_an_error(write_scenario):
    path = write_scenario(
        "targets:\n  - {id: t, threshold: 0.5, reference_year: 2005, year: 2030}\n"
    )
    with pytest.raises(InputError, match="no observed emissions in 2005 for Testby"):
        load_scenario(path)


def test_unknown_library_measure_lists_the_library(write_scenario, tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "m.yaml").write_text(
        "price_year: 2024\nmeasures:\n"
        "  - {id: known, title: Known, sector: heating, effect: 0.5}\n",
        encoding="utf-8",
    )
    path = write_scenario(
        f"library: {lib}\ninterventions:\n  - {{id: a, use: unknown, city: '9901',"
        " rollout: {start: 2025}}\n"
    )
    with pytest.raises(InputError, match=r"unknown library measure 'unknown'.*known"):
        load_scenario(path)


def test_unknown_subsector_is_an_error(write_scenario):
    path = write_scenario(
        "interventions:\n  - {id: a, city: '9901', sector: transport, effect: 0.5,\n"
        "     scope: {subsector: trams}, rollout: {start: 2025}}\n"
    )
    with pytest.raises(InputError, match=r"unknown sub-sector 'trams'.*cars, buses"):
        load_scenario(path)


def test_range_out_of_order_is_an_error(write_scenario):
    path = write_scenario(
        "interventions:\n  - {id: a, city: '9901', sector: heating,\n"
        "     effect: {low: 0.6, central: 0.5, high: 0.7}, rollout: {start: 2025}}\n"
    )
    with pytest.raises(InputError, match=r"low <= central <= high, got 0\.6, 0\.5, 0\.7") as info:
        load_scenario(path)
    assert info.value.key == "interventions[a].effect"


def test_a_target_threshold_is_not_uncertain(write_scenario):
    path = write_scenario(
        "targets:\n  - {id: t, threshold: {low: 0.7, central: 0.8, high: 0.9},"
        " reference_year: 1990, year: 2030}\n"
    )
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert info.value.key == "targets[t].threshold"


def test_a_city_listed_twice_in_an_entry_is_an_error(write_scenario):
    # by code and by name: the same city, which would otherwise be cut twice
    path = write_scenario(
        "interventions:\n  - {id: a, city: ['9901', Testby], sector: heating, effect: 0.5,"
        " rollout: {start: 2025}}\n"
    )
    with pytest.raises(InputError, match="city 'Testby' is listed twice") as info:
        load_scenario(path)
    assert info.value.key == "interventions[a].city[1]"


def test_a_city_given_twice_in_bau_is_an_error(write_scenario):
    path = write_scenario(
        "bau:\n  cities:\n    '9901': {all: {activity: {rate: 0.01}}}\n"
        "    Testby: {all: {activity: {rate: 0.02}}}\n"
    )
    with pytest.raises(InputError, match="Testby is already given as '9901'"):
        load_scenario(path)


def test_a_city_listed_twice_in_a_capacity_is_an_error(write_scenario):
    path = write_scenario("capacities:\n  - {id: crew, slots: 1, cities: ['9901', Testby]}\n")
    with pytest.raises(InputError, match="listed twice") as info:
        load_scenario(path)
    assert info.value.key == "capacities[crew].cities"


def test_the_shipped_library_is_found_whatever_the_data_folder(
    write_scenario, toy_dir, monkeypatch
):
    """A scenario on other data (CITYPATHS_DATA) still finds the shipped library."""
    monkeypatch.setenv("CITYPATHS_DATA", str(toy_dir))
    path = write_scenario(
        "interventions:\n  - {id: lg, use: landfill-gas-capture, city: '9901',"
        " sector: heating, rollout: {start: 2025}}\n"
    )
    item = load_scenario(path).scenario.interventions[0]
    assert item.title  # taken from the shipped library measure
    assert item.sector == "heating"
