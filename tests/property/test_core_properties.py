"""Invariants of the core kernels, on random inputs (Hypothesis)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.core import apply_interventions as _kernel
from sim.core import bau_emissions, index_from_rates, whole_sectors


def apply_interventions(e_bau, city, sector, reduction, adoption):
    """The kernel on whole sectors: one source per (city, sector), one term per project."""
    source_city, source_sector, term_source = whole_sectors(city, sector)
    emissions, abatement, _ = _kernel(
        e_bau,
        source_city,
        source_sector,
        np.ones((1, len(source_city))),
        np.arange(len(city)),
        term_source,
        np.ones_like(reduction),
        reduction,
        adoption,
    )
    return emissions, abatement


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


@st.composite
def split_systems(draw):
    """One city and sector split into 1-4 sources; terms of up to 5 projects on them."""
    n_year = draw(st.integers(1, 4))
    n_src = draw(st.integers(1, 4))
    raw = draw(arrays(float, n_src, elements=st.floats(0.0, 1.0)))
    shares = raw / raw.sum() if raw.sum() > 1.0 else raw
    n_proj = draw(st.integers(0, 5))
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, max(n_proj - 1, 0)), st.integers(0, n_src - 1)),
            unique=True,
            max_size=10 if n_proj else 0,
        )
    )
    frac = draw(arrays(float, (1, len(pairs)), elements=fraction))
    effect = draw(arrays(float, (1, n_proj), elements=fraction))
    adoption = draw(arrays(float, (1, n_proj, n_year), elements=fraction))
    e_bau = draw(arrays(float, (1, 1, 1, n_year), elements=finite))
    return e_bau, shares, pairs, (frac, effect, adoption), n_proj


@given(split_systems())
@settings(max_examples=300, deadline=None)
def test_split_sectors_stay_within_bau_and_attribution_adds_up(system):
    e_bau, shares, pairs, x, _ = system
    n_src = len(shares)
    emissions, abatement, sources = _kernel(
        e_bau,
        np.zeros(n_src, np.int64),
        np.zeros(n_src, np.int64),
        shares[None, :],
        np.asarray([p for p, _ in pairs], np.int64),
        np.asarray([k for _, k in pairs], np.int64),
        *x,
        with_sources=True,
    )
    assert (emissions >= 0).all()
    assert (emissions <= e_bau).all()
    total = (e_bau - emissions)[:, 0, 0, :]
    scale = np.maximum(np.abs(e_bau[:, 0, 0, :]), 1.0)
    assert (np.abs(abatement.sum(axis=1) - total) <= 1e-9 * scale).all()
    # every source keeps between nothing and its share of BAU
    assert (sources >= 0).all()
    assert (sources <= shares[None, :, None] * e_bau[:, 0, 0, None, :] * (1 + 1e-12)).all()
