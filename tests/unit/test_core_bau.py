"""BAU kernels against hand calculations (docs/model.md section 1)."""

import numpy as np
import pytest

from sim.core import bau_emissions, index_from_path, index_from_rates


def test_constant_rate_compounds_like_a_power():
    # A constant rate r gives (1 + r)^n after n years: 1.02^3 = 1.061208.
    rates = np.full((1, 1, 1, 4), 0.02)
    index = index_from_rates(rates)
    assert index[0, 0, 0] == pytest.approx([1.0, 1.02, 1.0404, 1.061208], rel=1e-12)


def test_rate_changing_by_year_applies_from_that_year():
    # -10 % in year 1, then +10 %: 0.9 and 0.9 * 1.1 = 0.99. Year 0 is the base (index 1)
    # whatever its rate says.
    rates = np.array([[[[0.5, -0.1, 0.1]]]])
    assert index_from_rates(rates)[0, 0, 0] == pytest.approx([1.0, 0.9, 0.99], rel=1e-12)


def test_path_interpolates_and_holds_after_the_last_point():
    # Base year 2024 is 1; the path says 0.8 in 2026 and 0.5 in 2030: 2025 is halfway to
    # 0.8 (0.9); 2028 halfway from 0.8 to 0.5 (0.65); after 2030 it stays 0.5.
    years = np.arange(2024, 2033)
    index = index_from_path(np.array([[0.8, 0.5]]), np.array([2026, 2030]), years)
    expected = [1.0, 0.9, 0.8, 0.725, 0.65, 0.575, 0.5, 0.5, 0.5]
    assert index[0] == pytest.approx(expected, rel=1e-12)


def test_path_varies_by_draw():
    years = np.arange(2024, 2027)
    index = index_from_path(np.array([[0.8], [1.2]]), np.array([2026]), years)
    assert index == pytest.approx(np.array([[1.0, 0.9, 0.8], [1.0, 1.1, 1.2]]), rel=1e-12)


def test_bau_is_base_times_activity_times_intensity():
    # 1000 t x activity 1.1 x intensity 0.5 = 550 t.
    e0 = np.array([[1000.0, 10.0]])
    activity = np.full((1, 1, 2, 2), 1.1)
    intensity = np.full((1, 1, 2, 2), 0.5)
    out = bau_emissions(e0, activity, intensity)
    assert out.shape == (1, 1, 2, 2)
    assert out[0, 0, 0] == pytest.approx([550.0, 550.0])
    assert out[0, 0, 1] == pytest.approx([5.5, 5.5])


def test_bau_rejects_arrays_without_a_draw_axis():
    with pytest.raises(ValueError, match="activity"):
        bau_emissions(np.ones((1, 1)), np.ones((1, 1, 3)), np.ones((1, 1, 1, 3)))
