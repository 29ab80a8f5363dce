"""Intervention kernel and attribution against hand calculations (docs/model.md section 2)."""

import numpy as np
import pytest

from sim.core import apply_interventions


def _one_sector(e_bau_value: float, n_year: int = 1) -> np.ndarray:
    return np.full((1, 1, 1, n_year), e_bau_value)


def test_single_intervention_removes_scope_times_effect_times_adoption():
    # 1000 t; scope 0.5, effect 0.8, adoption 0.25: cut = 1000 * 0.5 * 0.8 * 0.25 = 100 t.
    emissions, abatement = apply_interventions(
        _one_sector(1000.0),
        np.array([0]),
        np.array([0]),
        np.array([[0.5 * 0.8]]),
        np.array([[[0.25]]]),
    )
    assert emissions[0, 0, 0, 0] == pytest.approx(900.0)
    assert abatement[0, 0, 0] == pytest.approx(100.0)


def test_two_interventions_combine_multiplicatively_and_share_by_log_weights():
    # x1 = 0.5, x2 = 0.2 on 1000 t: E = 1000 * 0.5 * 0.8 = 400 t, abatement 600 t (not 700).
    # Shares in proportion to -ln(0.5) = 0.693147 and -ln(0.8) = 0.223144:
    # 600 * 0.693147 / 0.916291 = 453.88 t and 600 * 0.223144 / 0.916291 = 146.12 t.
    emissions, abatement = apply_interventions(
        _one_sector(1000.0),
        np.array([0, 0]),
        np.array([0, 0]),
        np.array([[0.5, 0.2]]),
        np.ones((1, 2, 1)),
    )
    assert emissions[0, 0, 0, 0] == pytest.approx(400.0)
    w1, w2 = -np.log(0.5), -np.log(0.8)
    assert abatement[0, :, 0] == pytest.approx([600 * w1 / (w1 + w2), 600 * w2 / (w1 + w2)])
    assert abatement[0, 0, 0] == pytest.approx(453.88, abs=0.01)


def test_interventions_on_other_sectors_and_cities_do_not_interact():
    e_bau = np.array([[[[100.0], [200.0]], [[300.0], [400.0]]]])  # 2 cities x 2 sectors
    emissions, abatement = apply_interventions(
        e_bau,
        np.array([0, 1]),
        np.array([1, 0]),
        np.array([[0.5, 0.1]]),
        np.ones((1, 2, 1)),
    )
    assert emissions[0, :, :, 0] == pytest.approx(np.array([[100.0, 100.0], [270.0, 400.0]]))
    assert abatement[0, :, 0] == pytest.approx([100.0, 30.0])


def test_complete_abatement_is_shared_equally_among_complete_measures():
    # Two measures that each remove everything: the sector is at 0 and each gets half.
    emissions, abatement = apply_interventions(
        _one_sector(80.0),
        np.array([0, 0, 0]),
        np.array([0, 0, 0]),
        np.array([[1.0, 1.0, 0.3]]),
        np.ones((1, 3, 1)),
    )
    assert emissions[0, 0, 0, 0] == 0.0
    assert abatement[0, :, 0] == pytest.approx([40.0, 40.0, 0.0])


def test_zero_adoption_attributes_nothing():
    emissions, abatement = apply_interventions(
        _one_sector(50.0, 3),
        np.array([0]),
        np.array([0]),
        np.array([[0.9]]),
        np.zeros((1, 1, 3)),
    )
    assert np.array_equal(emissions, _one_sector(50.0, 3))
    assert not abatement.any()
