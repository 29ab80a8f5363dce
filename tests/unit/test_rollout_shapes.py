"""Yearly mean adoption (docs/model.md section 4) against hand calculations and quadrature."""

import numpy as np
import pytest
from scipy.integrate import quad

from sim.rollout.shapes import LINEAR, LOGISTIC, STEP, level, ramp_level, yearly_mean


def _mean(years, start, build, shape, k=10.0, end=np.inf):
    return yearly_mean(
        np.asarray(years, float),
        np.array([[start]]),
        np.array([[build]]),
        np.array([shape]),
        np.array([k]),
        np.array([[end]]),
    )[0, 0]


def test_linear_ramp_over_two_years():
    # Level rises from 0 at 2025.0 to 1 at 2027.0: mean over 2025 is 0.25 (from 0 to 0.5),
    # over 2026 0.75, then 1.
    assert _mean([2024, 2025, 2026, 2027], 2025.0, 2.0, LINEAR) == pytest.approx(
        [0.0, 0.25, 0.75, 1.0], abs=1e-12
    )


def test_completion_in_the_middle_of_a_year_counts_half():
    # A step that completes on 1 July 2027 (2027.5): half of 2027 at full adoption.
    assert _mean([2026, 2027, 2028], 2027.5, 0.0, STEP) == pytest.approx([0.0, 0.5, 1.0])
    # the same with a step shape and a build: completes at 2026.0 + 1.5
    assert _mean([2027], 2026.0, 1.5, STEP)[0] == pytest.approx(0.5)


def test_retirement_ends_adoption():
    # Fully adopted from 2025; retired at 2030.25: a quarter of 2030, nothing after.
    assert _mean([2029, 2030, 2031], 2025.0, 0.0, LINEAR, end=2030.25) == pytest.approx(
        [1.0, 0.25, 0.0]
    )


def test_logistic_ramp_is_normalised_and_symmetric():
    k = np.array([8.0])
    assert ramp_level(np.array([0.0, 0.5, 1.0]), np.array([LOGISTIC]), k) == pytest.approx(
        [0.0, 0.5, 1.0], abs=1e-12
    )
    # symmetric about the middle, so over a 2-year build the two years sum to 1
    two = _mean([2025, 2026], 2025.0, 2.0, LOGISTIC, k=8.0)
    assert two.sum() == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("shape", [LINEAR, LOGISTIC, STEP])
@pytest.mark.parametrize(("start", "build", "end"), [(2025.3, 3.7, np.inf), (2024.9, 0.6, 2028.4)])
def test_closed_form_equals_numerical_integration(shape, start, build, end):
    # A second method: integrate the level numerically over each year.
    years = np.arange(2023, 2032)
    closed = _mean(years, start, build, shape, k=6.0, end=end)
    sh, k = np.array(shape), np.array(6.0)
    numeric = [
        quad(
            lambda x: float(level(x, start, build, sh, k, end)),
            t,
            t + 1,
            points=[start, start + build, end],
            limit=200,
        )[0]
        for t in years
    ]
    assert closed == pytest.approx(numeric, abs=1e-9)
