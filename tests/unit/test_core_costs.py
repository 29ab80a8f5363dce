"""Costs and NPV against hand calculations (docs/model.md section 2)."""

import numpy as np
import pytest

from sim.core import npv, project_costs


def test_capex_follows_the_increase_in_adoption_and_sums_to_the_total():
    # Adoption 0 -> 0.25 -> 0.75 -> 1 -> 1: capex 100 is spent 25, 50, 25, 0.
    adoption = np.array([[[0.25, 0.75, 1.0, 1.0]]])
    capex, opex = project_costs(adoption, np.zeros((1, 1)), np.array([[100.0]]), np.array([[-8.0]]))
    assert capex[0, 0] == pytest.approx([25.0, 50.0, 25.0, 0.0])
    assert capex.sum() == pytest.approx(100.0)
    # operating cost (a saving here) in proportion to adoption: -8 * a
    assert opex[0, 0] == pytest.approx([-2.0, -6.0, -8.0, -8.0])


def test_retirement_gives_no_capex_refund():
    adoption = np.array([[[1.0, 0.5, 0.0]]])
    capex, _ = project_costs(adoption, np.array([[0.5]]), np.array([[10.0]]), np.zeros((1, 1)))
    assert capex[0, 0] == pytest.approx([5.0, 0.0, 0.0])


def test_npv_of_a_constant_cost_is_an_annuity():
    # 100 a year for years t0..t0+9 at 5 %: 100 * (1 - 1.05^-10) / 0.05 * 1.05 = 810.78
    # (payments at the start of each year, since the base year is not discounted).
    years = np.arange(2024, 2034)
    cost = np.full((1, 1, 10), 100.0)
    expected = 100 * (1 - 1.05**-10) / 0.05 * 1.05
    assert npv(cost, years, 2024, 0.05)[0, 0] == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(810.78, abs=0.01)


def test_npv_with_zero_rate_is_the_sum():
    cost = np.array([[[1.0, 2.0, 3.0]]])
    assert npv(cost, np.arange(2024, 2027), 2024, 0.0)[0, 0] == pytest.approx(6.0)
