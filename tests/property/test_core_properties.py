"""Invariants of the core kernels, on random inputs (Hypothesis)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.core import apply_interventions, bau_emissions, index_from_rates

finite = st.floats(0.0, 1e7, allow_nan=False)
fraction = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def systems(draw):
    n_draw = draw(st.integers(1, 3))
    n_city = draw(st.integers(1, 3))
    n_sector = draw(st.integers(1, 3))
    n_year = draw(st.integers(1, 6))
    n_proj = draw(st.integers(0, 8))
    e_bau = draw(arrays(float, (n_draw, n_city, n_sector, n_year), elements=finite))
    city = draw(arrays(np.int64, n_proj, elements=st.integers(0, n_city - 1)))
    sector = draw(arrays(np.int64, n_proj, elements=st.integers(0, n_sector - 1)))
    reduction = draw(arrays(float, (n_draw, n_proj), elements=fraction))
    adoption = draw(arrays(float, (n_draw, n_proj, n_year), elements=fraction))
    return e_bau, city, sector, reduction, adoption


@given(systems())
@settings(max_examples=300, deadline=None)
def test_without_adoption_emissions_are_bau_exactly(system):
    e_bau, city, sector, reduction, adoption = system
    emissions, abatement = apply_interventions(e_bau, city, sector, reduction, 0.0 * adoption)
    assert np.array_equal(emissions, e_bau)
    assert not abatement.any()


@given(systems())
@settings(max_examples=300, deadline=None)
def test_emissions_stay_between_zero_and_bau(system):
    e_bau, city, sector, reduction, adoption = system
    emissions, abatement = apply_interventions(e_bau, city, sector, reduction, adoption)
    assert (emissions >= 0).all()
    assert (emissions <= e_bau).all()
    assert (abatement >= 0).all()


@given(systems())
@settings(max_examples=300, deadline=None)
def test_attribution_adds_up_to_the_total_abatement(system):
    e_bau, city, sector, reduction, adoption = system
    emissions, abatement = apply_interventions(e_bau, city, sector, reduction, adoption)
    total = e_bau - emissions  # [draw, city, sector, year]
    attributed = np.zeros_like(total)
    for k in range(len(city)):
        attributed[:, city[k], sector[k], :] += abatement[:, k, :]
    scale = np.maximum(np.abs(total), 1.0)
    assert (np.abs(attributed - total) <= 1e-9 * scale).all()


@given(systems(), st.randoms(use_true_random=False))
@settings(max_examples=200, deadline=None)
def test_results_do_not_depend_on_the_order_of_interventions(system, rnd):
    e_bau, city, sector, reduction, adoption = system
    order = list(range(len(city)))
    rnd.shuffle(order)
    order = np.asarray(order, dtype=np.int64)
    e1, a1 = apply_interventions(e_bau, city, sector, reduction, adoption)
    e2, a2 = apply_interventions(
        e_bau, city[order], sector[order], reduction[:, order], adoption[:, order]
    )
    np.testing.assert_allclose(e2, e1, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(a2, a1[:, order], rtol=1e-9, atol=1e-6)


@given(arrays(float, (2, 1, 1, 5), elements=st.floats(-0.5, 0.5)), finite)
@settings(max_examples=100, deadline=None)
def test_bau_is_never_negative_for_rates_above_minus_one(rates, e0):
    index = index_from_rates(rates.copy())
    out = bau_emissions(np.array([[e0]]), index, np.ones_like(index))
    assert (out >= 0).all()
    assert np.array_equal(out[..., 0], np.full((2, 1, 1), e0))
