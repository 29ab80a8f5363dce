"""Benchmark paths (docs/model.md section 7) against hand calculations and closed forms."""

import math

import numpy as np
import pytest
from scipy.integrate import quad

from sim.core.benchmarks import (
    CARBON_LAW_RATE,
    budget_exhausted,
    budget_path,
    budget_rate,
    carbon_law_path,
    cumulative,
    observed_total,
    total_trend,
    trend_fit,
)
from sim.core.trend import trend_continuation

HIST = np.array([2015, 2020, 2021, 2022, 2023, 2024])


def test_observed_total_skips_a_sector_never_observed_and_leaves_gaps_open():
    nan = np.nan
    observed = np.array(
        [
            [
                [100.0, 90.0, nan],  # sector a: 2024 missing
                [10.0, 20.0, 30.0],  # sector b
                [nan, nan, nan],  # sector c: never observed -> counts as zero
            ]
        ]
    )
    total = observed_total(observed)
    # 2015: 100 + 10 = 110; 2020: 90 + 20 = 110; 2024: a is missing -> no total
    assert total[0, :2] == pytest.approx([110.0, 110.0])
    assert np.isnan(total[0, 2])


def _two_sectors():
    # Totals 100, 90, 85, 80, 82, 70 (2015, 2020-2024), split into a flat sector a (50) and
    # sector b = total - 50 = 50, 40, 35, 30, 32, 20.
    total = np.array([100.0, 90.0, 85.0, 80.0, 82.0, 70.0])
    a = np.full(6, 50.0)
    return np.stack([a, total - a])[None], total


def test_total_trend_by_hand():
    # Anchor (2024, 70). Slopes to it, weight |t - 2024|:
    #   2015: (100-70)/(-9) = -3.33 (w 9); 2020: 20/-4 = -5 (w 4); 2021: 15/-3 = -5 (w 3);
    #   2022: 10/-2 = -5 (w 2); 2023: 12/-1 = -12 (w 1).
    # Sorted: -12 (1), -5 (4), -5 (3), -5 (2), -3.33 (9); total weight 19, half 9.5;
    # cumulative 1, 5, 8, 10 -> the weighted median is -5 t CO2e/yr per year.
    observed, total = _two_sectors()
    t_a, y_a, slope = trend_fit(HIST, total)
    assert (t_a, y_a, slope) == (2024.0, 70.0, pytest.approx(-5.0))
    years = np.array([2024, 2030, 2037, 2038, 2040])
    # 70 - 5 (t - 2024): 2030 -> 40, 2037 -> 5, 2038 -> 0, 2040 -> -10 floored to 0
    assert total_trend(observed, HIST, years)[0] == pytest.approx([70.0, 40.0, 5.0, 0.0, 0.0])


def test_per_sector_trends_do_not_add_up_to_the_total_trend():
    # Sector a is flat at 50 (slope 0); sector b has the same slopes to its anchor (2024, 20)
    # as the total, so slope -5, reaching 0 in 2028. In 2040 the per-sector trends add up to
    # 50 + 0 = 50, while the total's trend is floored at 0 (computed above).
    observed, _ = _two_sectors()
    per_sector = trend_continuation(observed, HIST, np.array([2040]))
    assert per_sector[0, :, 0] == pytest.approx([50.0, 0.0])
    assert total_trend(observed, HIST, np.array([2040]))[0, 0] == 0.0


def test_trend_fit_ignores_years_before_2015_and_missing_values():
    hist = np.array([1990, 2015, 2020, 2024])
    # 1990 is ignored; 2024 missing -> anchor (2020, 80); one slope (80-100)/(2020-2015) = -4
    assert trend_fit(hist, np.array([900.0, 100.0, 80.0, np.nan])) == (2020.0, 80.0, -4.0)
    assert all(np.isnan(trend_fit(hist, np.array([900.0, np.nan, np.nan, np.nan]))))


def test_carbon_law_path_by_hand():
    years = np.arange(2024, 2028)
    path = carbon_law_path(1000.0, 2025, years)
    # NaN before the start; 1000, 1000 * 0.8828 = 882.8, 882.8 * 0.8828 = 779.33584
    assert np.isnan(path[0])
    assert path[1:] == pytest.approx([1000.0, 882.8, 779.33584])
    assert CARBON_LAW_RATE == 0.1172


def test_carbon_law_sum_is_the_geometric_series():
    # 2025..2050 is 26 years: sum = E0 (1 - q^26) / (1 - q), q = 1 - rate
    years = np.arange(2024, 2051)
    rate = 0.2
    path = carbon_law_path(np.array([500.0, 1000.0]), 2025, years, rate)  # two draws
    total = cumulative(path, years, 2025, 2050)
    expected = [e0 * (1 - 0.8**26) / 0.2 for e0 in (500.0, 1000.0)]
    assert total == pytest.approx(expected)


def test_carbon_law_rejects_a_rate_outside_0_1():
    with pytest.raises(ValueError, match="fraction"):
        carbon_law_path(1.0, 2025, np.arange(2025, 2030), rate=11.72)


def test_budget_rate_and_first_years_by_hand():
    # E0 = 100 t/yr, B = 1000 t: k = E0 / B = 0.1, r = 1 - exp(-0.1) = 0.0951625820
    assert budget_rate(100.0, 1000.0) == pytest.approx(0.0951625820)
    years = np.arange(2030, 2033)
    path = budget_path(100.0, 1000.0, 2030, years)
    # year n gets B r (1 - r)^n: 95.1625820, 95.1625820 * 0.9048374180 = 86.1066
    # (about E0 - E0^2 / 2B = 95 in the first year)
    assert path[0] == pytest.approx(95.1625820)
    assert path[1] == pytest.approx(95.1625820 * 0.9048374180)
    assert path[1] / path[0] == pytest.approx(1 - 0.0951625820)


def test_budget_path_uses_the_budget_exactly():
    # Defined as the continuous curve E(t) = E0 exp(-(E0 / B) t) from t0 (docs/model.md
    # section 7): its integral from t0 to infinity is B, each year's value is its integral
    # over that year, so the yearly values also add up to B.
    e0, b = 250.0, 2000.0
    k = e0 / b
    integral, _ = quad(lambda t: e0 * math.exp(-k * t), 0, np.inf)
    assert integral == pytest.approx(b)
    years = np.arange(2025, 2025 + 400)
    path = budget_path(e0, b, 2025, years)
    assert path.sum() == pytest.approx(b, rel=1e-12)
    for n in (0, 1, 7):
        one_year, _ = quad(lambda t: e0 * math.exp(-k * t), n, n + 1)
        assert path[n] == pytest.approx(one_year)
    # over the first 26 years: B (1 - (1 - r)^26) = B (1 - exp(-26 k))
    assert cumulative(path, years, 2025, 2050) == pytest.approx(b * (1 - math.exp(-26 * k)))


def test_budget_path_has_the_draw_axis():
    path = budget_path(np.array([100.0, 200.0]), np.array([1000.0, 1000.0]), 2030, [2030, 2031])
    assert path.shape == (2, 2)
    # second draw: r = 1 - exp(-0.2) = 0.18126925, first year 181.26925
    assert path[1, 0] == pytest.approx(181.26925)


def test_budget_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        budget_rate(100.0, 0.0)


@pytest.mark.parametrize(
    ("budget", "start", "expected"),
    [
        # path 10, 20, 30, 40 in 2025..2028; cumulative 10, 30, 60, 100
        (45.0, 2025, 2027.5),  # 2027: 30 used before, 15 more of 30 -> half the year
        (100.0, 2025, 2029.0),  # reached exactly at the end of 2028
        (10.0, 2025, 2026.0),  # the whole first year
        (1000.0, 2025, np.inf),  # never within the years given
        (0.0, 2025, 2025.0),  # nothing to spend
        # from 2026: cumulative 20, 50 -> 2027 + (45 - 20) / 30 = 2027.8333
        (45.0, 2026, 2027 + 25 / 30),
    ],
)
def test_budget_exhausted_by_hand(budget, start, expected):
    years = np.arange(2025, 2029)
    path = np.array([10.0, 20.0, 30.0, 40.0])
    assert budget_exhausted(path, years, budget, start) == pytest.approx(expected)


def test_budget_exhausted_over_draws():
    years = np.arange(2025, 2029)
    paths = np.array([[10.0, 20.0, 30.0, 40.0], [50.0, 50.0, 0.0, 0.0]])
    # draw 0: 2027.5 as above; draw 1: 50 of 50 in 2025 -> 2025 + 45/50 = 2025.9
    out = budget_exhausted(paths, years, np.array([45.0, 45.0]), 2025)
    assert out == pytest.approx([2027.5, 2025.9])


def test_a_budget_path_does_not_exhaust_its_own_budget_in_finite_time():
    years = np.arange(2025, 2100)
    path = budget_path(300.0, 3000.0, 2025, years)
    assert budget_exhausted(path, years, 3000.0, 2025) == np.inf
    assert budget_exhausted(path, years, 0.99 * path.sum(), 2025) < 2100


def test_cumulative_refuses_missing_years():
    with pytest.raises(ValueError, match="not on the path"):
        cumulative(np.ones(3), np.array([2025, 2026, 2028]), 2025, 2028)


def test_budget_exhausted_with_tiny_flows_warns_nothing():
    # (B - used) / E for a path that never reaches B is computed and discarded; with a flow
    # of 1e-310 t it overflows, which must not surface as a warning (pytest makes it an error)
    years = np.arange(2025, 2028)
    assert budget_exhausted(np.full(3, 1e-310), years, 1.0, 2025) == np.inf
