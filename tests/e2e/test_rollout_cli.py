"""The rollout as a strategist sees it on the command line: delays, latest starts."""

import pytest

from sim.cli import main

# Testby and Provstad share one installer crew (1 slot). Testby's heat pumps (a) are listed
# first and take the crew 2025-2028; Provstad's (b), planned for 2025-2027, wait for it and
# build 2028-2030. Testby's transport measure (c) comes after a and takes 80 SEK from a fund
# of 100 a year.
SCENARIO = """
id: shared-crew
cities: ["9901", "9902"]
capacities:
  - {id: installers, slots: 1, cities: all}
budgets:
  - {id: fund, per_year: 100.0, cities: ["9901"]}
interventions:
  - {id: a, city: "9901", sector: heating, effect: 0.5,
     rollout: {start: 2025, build: 3, needs: {capacity: installers}}}
  - {id: b, city: "9902", sector: heating, effect: 0.5,
     rollout: {start: 2025, build: 2, needs: {capacity: installers}}}
  - {id: c, city: "9901", sector: transport, effect: 0.3, cost: {capex: 80.0},
     rollout: {start: 2025, build: 1, after: [a], needs: {budget: fund}}}
"""


@pytest.mark.parametrize("engine", ["auto", "simpy"])
def test_run_lists_what_was_delayed_and_why(write_scenario, tmp_path, capsys, engine):
    result = str(tmp_path / "r.nc")
    assert main(["run", "-o", result, "--rollout", engine, str(write_scenario(SCENARIO))]) == 0
    table = capsys.readouterr().out  # two cities: one line each; the detail with show --city
    (line,) = [ln for ln in table.splitlines() if ln.startswith("Provstad (9902)")]
    assert line.split()[-1] == "1"  # one measure delayed more than a year: b
    assert main(["show", result, "--city", "all"]) == 0
    out = capsys.readouterr().out
    provstad = out.split("Provstad (9902)")[1]
    assert "b: 2027.0 -> 2030.0; waited 3.0 yr for capacity installers" in provstad
    # c was planned after a's planned completion (2028): no delay, so not listed
    assert "    c:" not in out


def test_latest_start(write_scenario, capsys):
    """The target: 50 % below 1990 by 2030. Provstad (1990: 500 t) must be at most 250 t in
    2030; its BAU is 300 t (200 transport + 100 heating), so b must cut 50 t = half its
    sector (effect 0.5) in full in 2030, i.e. complete by 2030.0. The crew is free from 2028
    and b builds for 2 years: starting in 2028 it completes on time; in 2029 it does not.
    Testby (1990: 3000 t) meets its target (1500 t) without any measure."""
    assert main(["latest-start", str(write_scenario(SCENARIO))]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Targets: half\n")
    rows = {line.split()[0]: line for line in out.splitlines()[2:-1]}
    assert "2028" in rows["b"].split("2025.0", 1)[1]
    assert "the other measures meet the targets without this one alone" in rows["a"]
    assert "the other measures meet the targets without this one alone" in rows["c"]


def test_latest_start_when_the_target_cannot_be_met(write_scenario, capsys):
    # a second target, 95 % below 1990, that no start year of any measure reaches
    text = SCENARIO + (
        "targets:\n  - {id: deep, threshold: 0.95, reference_year: 1990, year: 2030}\n"
    )
    assert main(["latest-start", str(write_scenario(text))]) == 0
    assert "cannot meet the targets even starting in 2024" in capsys.readouterr().out


def test_latest_start_for_one_target(write_scenario, capsys):
    text = SCENARIO + (
        "targets:\n  - {id: deep, threshold: 0.95, reference_year: 1990, year: 2030}\n"
    )
    path = str(write_scenario(text))
    assert main(["latest-start", path, "--target", "half"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Targets: half\n")
    assert "cannot meet" not in out
    assert main(["latest-start", path, "--target", "nope"]) == 2
    assert "no such target; it has: half, deep" in capsys.readouterr().err


def test_cycle_is_a_user_error(write_scenario, capsys):
    text = SCENARIO.replace("after: [a]", "after: [c]")
    assert main(["run", str(write_scenario(text))]) == 2
    err = capsys.readouterr().err
    assert "'after' makes a cycle: c (Testby) -> c (Testby)" in err
    assert "Traceback" not in err


def test_asking_the_fast_path_for_what_it_does_not_cover_is_a_user_error(write_scenario, capsys):
    text = SCENARIO.replace(
        "capacities:\n", "capacities:\n  - {id: cranes, slots: 1, cities: all}\n"
    ).replace(
        "needs: {capacity: installers}}}\n  - {id: b",
        "needs: {capacity: [installers, cranes]}}}\n  - {id: b",
    )
    path = str(write_scenario(text))
    assert main(["run", "--no-save", "--rollout", "fast", path]) == 2
    assert "use --rollout simpy" in capsys.readouterr().err
    assert main(["run", "--no-save", path]) == 0  # auto falls back to simpy
