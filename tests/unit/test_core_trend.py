"""Trend continuation (docs/model.md section 1) against hand calculations and a linear program."""

import numpy as np
import pytest
from scipy.optimize import linprog

from sim.core import lad_slope_through_anchor, trend_continuation


def test_points_on_a_line_give_that_line():
    t = np.array([2015.0, 2020.0, 2022.0, 2024.0])
    y = 500.0 - 10.0 * (t - 2024.0)
    assert lad_slope_through_anchor(t, y, 2024.0, 500.0) == pytest.approx(-10.0)


def test_an_outlier_does_not_move_the_robust_slope():
    # Slopes to the anchor (2024, 100): 2015: -10 (weight 9), 2020: -10 (weight 4),
    # 2022: +200 (weight 2, an outlier). The weighted median is -10; least squares is not.
    t = np.array([2015.0, 2020.0, 2022.0, 2024.0])
    y = np.array([190.0, 140.0, -300.0, 100.0])
    assert lad_slope_through_anchor(t, y, 2024.0, 100.0) == pytest.approx(-10.0)


def _lad_objective(t, y, ta, ya, b):
    return np.abs(y - ya - b * (t - ta)).sum()


@pytest.mark.parametrize("seed", range(5))
def test_slope_minimises_absolute_deviations_like_a_linear_program(seed):
    # Second method: the LAD fit through the anchor as a linear program
    # min sum(u) subject to -u <= y - ya - b (t - ta) <= u.
    rng = np.random.default_rng(seed)
    t = np.array([2015, 2020, 2021, 2022, 2023, 2024], float)
    y = rng.uniform(0, 1000, t.size)
    ta, ya = t[-1], y[-1]
    n = t.size - 1
    dt, dy = t[:-1] - ta, y[:-1] - ya
    c = np.r_[0.0, np.ones(n)]
    a_ub = np.block([[-dt[:, None], -np.eye(n)], [dt[:, None], -np.eye(n)]])
    b_ub = np.r_[-dy, dy]
    lp = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=[(None, None)] + [(0, None)] * n)
    b = lad_slope_through_anchor(t, y, ta, ya)
    assert _lad_objective(t, y, ta, ya, b) == pytest.approx(lp.fun, rel=1e-9)


def test_trend_starts_in_2015_passes_the_last_value_and_floors_at_zero():
    # Observed 1990 (ignored: before 2015), 2015 = 600, 2024 = 150: slope -50/yr through
    # (2024, 150): 2025 -> 100, 2026 -> 50, 2027 -> 0, then floored at 0.
    observed = np.array([[[5000.0, 600.0, 150.0]]])
    hist = np.array([1990, 2015, 2024])
    out = trend_continuation(observed, hist, np.arange(2024, 2030))
    assert out[0, 0] == pytest.approx([150.0, 100.0, 50.0, 0.0, 0.0, 0.0])


def test_series_with_a_missing_year_uses_the_years_it_has():
    observed = np.array([[[np.nan, 200.0, 100.0, np.nan]]])
    hist = np.array([2015, 2020, 2022, 2024])
    out = trend_continuation(observed, hist, np.arange(2024, 2026))
    # anchored at the last observed value (2022, 100), slope -50/yr
    assert out[0, 0] == pytest.approx([0.0, 0.0])
    assert trend_continuation(observed, hist, np.array([2023]))[0, 0, 0] == pytest.approx(50.0)
