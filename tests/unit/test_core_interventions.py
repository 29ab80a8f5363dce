"""Intervention kernel and attribution against hand calculations (docs/model.md section 2)."""

import numpy as np
import pytest

from sim.core import apply_interventions as _kernel
from sim.core import whole_sectors


def apply_interventions(e_bau, city, sector, reduction, adoption):
    """The kernel on whole sectors (no sector split): one term per project with
    x = reduction x adoption."""
    source_city, source_sector, term_source = whole_sectors(city, sector)
    n = len(city)
    emissions, abatement, _ = _kernel(
        e_bau,
        source_city,
        source_sector,
        np.ones((1, len(source_city))),
        np.arange(n),
        term_source,
        np.ones_like(reduction),
        reduction,
        adoption,
    )
    return emissions, abatement


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


def _split(shares, terms, x, n_project, e_bau=1000.0, n_year=1):
    """One sector split into sources with `shares`; terms (project, source) with x each."""
    project = np.array([t[0] for t in terms])
    source = np.array([t[1] for t in terms])
    n_src = len(shares)
    return _kernel(
        _one_sector(e_bau, n_year),
        np.zeros(n_src, np.int64),
        np.zeros(n_src, np.int64),
        np.array([shares], float),
        project,
        source,
        np.array(x, float).reshape(1, len(terms)),  # each term's fraction: x
        np.ones((1, n_project)),  # effect 1
        np.ones((1, n_project, n_year)),  # adoption 1
        with_sources=True,
    )


def test_measures_on_two_sources_of_one_sector_add():
    # Sector 1000 t: plant A 0.80 (800 t), peak fuels B 0.05 (50 t), other 0.15.
    # CCS cuts 90 % of A = 720 t; a fuel switch cuts all of B = 50 t. Different tonnes, so
    # they add: 770 t cut, 230 t left. (Multiplying them as if they overlapped would give
    # 1000 * (1 - 0.72) * (1 - 0.05) = 266 t left.)
    emissions, abatement, sources = _split([0.80, 0.05, 0.15], [(0, 0), (1, 1)], [0.9, 1.0], 2)
    assert emissions[0, 0, 0, 0] == pytest.approx(230.0)
    assert abatement[0, :, 0] == pytest.approx([720.0, 50.0])
    assert sources[0, :, 0] == pytest.approx([80.0, 0.0, 150.0])


def test_measures_on_one_source_multiply():
    # Both on plant A (800 t): x = 0.5 and 0.25 leave 800 * 0.5 * 0.75 = 300 t of A,
    # a cut of 500 t (not 600); other 200 t untouched: 500 t left in the sector.
    # Shares by log weights: ln 2 = 0.693147, -ln 0.75 = 0.287682; 500 * 0.693147 / 0.980829
    # = 353.35 t and 146.65 t.
    emissions, abatement, _ = _split([0.8, 0.2], [(0, 0), (1, 0)], [0.5, 0.25], 2)
    assert emissions[0, 0, 0, 0] == pytest.approx(500.0)
    assert abatement[0, :, 0] == pytest.approx([353.35, 146.65], abs=0.01)


def test_a_whole_sector_measure_acts_on_every_source_and_overlaps_each():
    # A plain scope 0.5 measure (x 0.5 on each source, effect 1) beside CCS on A (x 0.9):
    # A 800 t -> 800 * 0.5 * 0.1 = 40 t; other 200 t -> 100 t: 140 t left, 860 t cut.
    # On A the cut of 760 t splits by ln 2 : ln 10 (0.693147 : 2.302585, sum 2.995732):
    # 760 * 0.231378 = 175.85 and 584.15; on other the plain measure gets all 100 t:
    # 275.85 t for it in total.
    emissions, abatement, _ = _split([0.8, 0.2], [(0, 0), (0, 1), (1, 0)], [0.5, 0.5, 0.9], 2)
    assert emissions[0, 0, 0, 0] == pytest.approx(140.0)
    assert abatement[0, :, 0] == pytest.approx([275.85, 584.15], abs=0.01)
    assert abatement.sum() == pytest.approx(860.0)
