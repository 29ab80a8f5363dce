"""Physical bounds: refused with a located error before anything runs (docs/reliability.md)."""

from __future__ import annotations

import pytest

from sim.config.loader import load_scenario
from sim.errors import InputError

# the toy base: base year 2024, horizon 2030, so a constant rate r compounds 6 times


@pytest.mark.parametrize(
    ("rate", "ok"),
    [
        (1.1, True),  # 2.1 ** 6 = 85.8 <= 100
        (1.2, False),  # 2.2 ** 6 = 113.4 > 100
        (-1.0, True),  # the index falls to 0 and stays there
    ],
)
def test_a_bau_index_stays_within_100_times_the_base_year(write_scenario, rate, ok):
    path = write_scenario(f"id: t\nbau: {{default: {{activity: {{rate: {rate}}}}}}}\n")
    if ok:
        load_scenario(path)
        return
    with pytest.raises(InputError, match=r"would reach 113 times its base-year value by 2030"):
        load_scenario(path)


def test_a_rate_changing_by_year_is_compounded_from_its_year(write_scenario):
    # 0 until 2027, then 3.0 a year: 4 ** 3 = 64 by 2030 (accepted); 4.0: 5 ** 3 = 125
    load_scenario(write_scenario("id: t\nbau: {default: {activity: {rate: {2028: 3.0}}}}\n"))
    path = write_scenario("id: t\nbau: {default: {activity: {rate: {2028: 4.0}}}}\n", "b.yaml")
    with pytest.raises(InputError, match="reach 125 times") as info:
        load_scenario(path)
    assert info.value.key == "bau.default.activity.rate"


def test_a_rate_below_minus_one_is_refused(write_scenario):
    path = write_scenario("id: t\nbau: {default: {activity: {rate: -2.0}}}\n")
    with pytest.raises(InputError, match=r"at least -1 \(-100 % a year\), got -2.0") as info:
        load_scenario(path)
    assert "dictionary" not in str(info.value)  # the union member that did not fit is not said


def test_a_path_above_the_index_limit_is_refused(write_scenario):
    path = write_scenario("id: t\nbau: {default: {intensity: {path: {2030: 150}}}}\n")
    with pytest.raises(InputError, match="reach 150 times its base-year value by 2030"):
        load_scenario(path)


_BUS = (
    "id: t\ninterventions:\n  - {{id: a, city: '9901', sector: transport, effect: 0.5,"
    " rollout: {{start: 2025}}, cost: {{{cost}}}}}\n"
)


@pytest.mark.parametrize(
    ("cost", "words"),
    [
        ("capex: 1.7e308", "at most 1e15 in size, got 1.7e+308"),
        ("opex: -2.0e15", "at most 1e15 in size, got -2e+15"),
        ("capex: -5", "capital cost >= 0, got -5.0 (a saving is a negative opex)"),
        ("capex_per_t: {low: -1, central: 2, high: 3}", "capital cost >= 0, got -1"),
    ],
)
def test_costs_that_overflow_or_are_negative_capital_are_refused(write_scenario, cost, words):
    path = write_scenario(_BUS.format(cost=cost))
    with pytest.raises(InputError, match="cost") as info:
        load_scenario(path)
    assert words in str(info.value)


def test_a_negative_opex_is_a_saving_and_accepted(write_scenario):
    load_scenario(write_scenario(_BUS.format(cost="capex: 1.0e6, opex: -2.0e4")))
