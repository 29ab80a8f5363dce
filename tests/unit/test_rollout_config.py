"""Rollout declarations in scenarios: errors before the run, and how projects are grouped."""

import pytest

from sim.config.loader import load_scenario
from sim.errors import InputError
from sim.model.plan import build_plan

TWO_CITIES = 'cities: ["9901", "9902"]\n'


def _load(write_scenario, text):
    return build_plan(load_scenario(write_scenario(TWO_CITIES + text)))


def _error(write_scenario, text) -> InputError:
    with pytest.raises(InputError) as info:
        _load(write_scenario, text)
    return info.value


def test_cycle_in_after_names_the_interventions(write_scenario):
    err = _error(
        write_scenario,
        "interventions:\n"
        + "".join(
            f"  - {{id: {me}, city: '9901', sector: heating, effect: 0.1,"
            f" rollout: {{start: 2025, after: [{dep}]}}}}\n"
            for me, dep in (("a", "c"), ("b", "a"), ("c", "b"))
        ),
    )
    cycle = "a (Testby) -> c (Testby) -> b (Testby) -> a (Testby)"
    assert f"'after' makes a cycle: {cycle}" in str(err)
    assert err.key == "interventions[a].rollout.after"
    # line 5: after `extends:`, `data:`, `cities:` and `interventions:`
    assert err.line == 5


def test_unknown_capacity_and_budget(write_scenario):
    err = _error(
        write_scenario,
        "interventions:\n"
        "  - {id: a, city: '9901', sector: heating, effect: 0.1,\n"
        "     rollout: {start: 2025, needs: {capacity: crew}}}\n",
    )
    assert "unknown capacity 'crew'" in str(err)
    assert err.key == "interventions[a].rollout.needs.capacity"
    err = _error(
        write_scenario,
        "interventions:\n"
        "  - {id: a, city: '9901', sector: heating, effect: 0.1,\n"
        "     rollout: {start: 2025, needs: {budget: fund}}}\n",
    )
    assert "unknown budget 'fund'" in str(err)


def test_money_that_a_budget_can_never_hold(write_scenario):
    err = _error(
        write_scenario,
        "budgets:\n  - {id: fund, per_year: 100.0, cities: all}\n"
        "interventions:\n"
        "  - {id: big, city: '9901', sector: heating, effect: 0.1, cost: {capex: 150.0},\n"
        "     rollout: {start: 2025, needs: {budget: fund}}}\n",
    )
    message = str(err)
    assert "'big' needs up to 150 SEK at once but budget 'fund' holds at most 100" in message
    assert "does not carry money over" in message
    # with carry-over the money arrives in the second year: valid
    plan = _load(
        write_scenario,
        "budgets:\n  - {id: fund, per_year: 100.0, carry_over: true, cities: all}\n"
        "interventions:\n"
        "  - {id: big, city: '9901', sector: heating, effect: 0.1, cost: {capex: 150.0},\n"
        "     rollout: {start: 2025, needs: {budget: fund}}}\n",
    )
    assert plan.pools.budget_names == ("fund",)


def test_money_check_uses_the_high_end_of_a_range(write_scenario):
    err = _error(
        write_scenario,
        "budgets:\n  - {id: fund, per_year: {low: 90, central: 120, high: 130}, cities: all}\n"
        "interventions:\n"
        "  - {id: a, city: '9901', sector: heating, effect: 0.1,\n"
        "     cost: {capex: {low: 50, central: 80, high: 100}},\n"
        "     rollout: {start: 2025, needs: {budget: fund}}}\n",
    )
    assert "needs up to 100 SEK at once but budget 'fund' holds at most 90" in str(err)


def test_more_slots_than_exist(write_scenario):
    err = _error(
        write_scenario,
        "capacities:\n  - {id: crew, slots: 2, cities: all}\n"
        "interventions:\n"
        "  - {id: a, city: '9901', sector: heating, effect: 0.1,\n"
        "     rollout: {start: 2025, needs: {capacity: crew, slots: 3}}}\n",
    )
    assert "needs 3 slots but capacity 'crew' has only 2" in str(err)
    assert err.key == "interventions[a].rollout.needs.slots"


def test_a_capacity_serves_only_its_cities(write_scenario):
    err = _error(
        write_scenario,
        "capacities:\n  - {id: crew, slots: 2, cities: ['9902']}\n"
        "interventions:\n"
        "  - {id: a, city: '9901', sector: heating, effect: 0.1,\n"
        "     rollout: {start: 2025, needs: {capacity: crew}}}\n",
    )
    assert "capacity 'crew' does not serve Testby" in str(err)


def test_ambiguous_and_unknown_dependencies(write_scenario):
    both = "  - {id: hp, city: all, sector: heating, effect: 0.1, rollout: {start: 2025}}\n"
    err = _error(
        write_scenario,
        "interventions:\n" + both + "  - {id: x, city: '9901', sector: transport, effect: 0.1,"
        " rollout: {start: 2025, after: [nothing]}}\n",
    )
    assert "unknown intervention 'nothing'" in str(err)
    # `hp` runs in both cities: a project in Testby waits for Testby's
    plan = _load(
        write_scenario,
        "interventions:\n" + both + "  - {id: x, city: '9901', sector: transport, effect: 0.1,"
        " rollout: {start: 2025, after: [hp]}}\n",
    )
    p = plan.projects
    x = int(p.intervention.tolist().index(1))
    waits_for = p.after[p.after_ptr[x] : p.after_ptr[x + 1]].tolist()
    assert [plan.cities[p.city[k]] for k in waits_for] == ["9901"]
    # `hp@Provstad` names the other city's project, which links the two cities
    plan = _load(
        write_scenario,
        "interventions:\n" + both + "  - {id: x, city: '9901', sector: transport, effect: 0.1,"
        " rollout: {start: 2025, after: [hp@Provstad]}}\n",
    )
    assert plan.pools.city_group.tolist() == [0, 0]


def test_cities_that_share_nothing_are_simulated_apart(write_scenario):
    per_city = _load(
        write_scenario,
        "capacities:\n  - {id: office, slots: 1, cities: all, per_city: true}\n",
    )
    assert per_city.pools.capacity_names == ("office@9901", "office@9902")
    assert per_city.pools.city_group.tolist() == [0, 1]
    shared = _load(write_scenario, "capacities:\n  - {id: pool, slots: 1, cities: all}\n")
    assert shared.pools.city_group.tolist() == [0, 0]
