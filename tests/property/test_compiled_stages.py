"""The compiled growth indices and yearly costs give the reference's results (sim.core) bit
for bit: the same operations in the same order."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from sim import compiled, core

rate = st.floats(-1.0, 2.0, allow_nan=False)
# adoption with exact 0 and 1 often, and ramps that fall back (a retired project)
level = st.sampled_from([0.0, 1.0]) | st.floats(0.0, 1.0, allow_nan=False)
money = st.floats(-1e9, 1e9, allow_nan=False)


@st.composite
def costs_inputs(draw):
    n_draw, n_proj, n_year = (draw(st.integers(1, 4)) for _ in range(3))
    adoption = draw(arrays(float, (n_draw, n_proj, n_year), elements=level))
    before = draw(arrays(float, (n_draw, n_proj), elements=level))
    capex = draw(arrays(float, (draw(st.sampled_from([1, n_draw])), n_proj), elements=money))
    opex = draw(arrays(float, (n_draw, n_proj), elements=money))
    return adoption, before, capex, opex


@given(costs_inputs())
@settings(max_examples=200, deadline=None)
def test_compiled_project_costs_equal_the_reference(args):
    for got, want in zip(compiled.project_costs(*args), core.project_costs(*args), strict=True):
        np.testing.assert_array_equal(got, want)


def test_capex_follows_the_increase_of_adoption():
    # a hand calculation: adoption 0 -> 0.25 -> 1 -> 0.5 (retired in part), capex 100 in total
    adoption = np.array([[[0.25, 1.0, 0.5]]])
    capex_t, opex_t = compiled.project_costs(adoption, np.zeros((1, 1)), [[100.0]], [[10.0]])
    np.testing.assert_array_equal(capex_t, [[[25.0, 75.0, 0.0]]])
    np.testing.assert_array_equal(opex_t, [[[2.5, 10.0, 5.0]]])


@st.composite
def designs(draw):
    n_draw, n_param = draw(st.integers(1, 4)), draw(st.integers(0, 5))
    theta = draw(arrays(float, (n_draw, n_param), elements=rate))
    shape = draw(array_shapes(min_dims=1, max_dims=3, max_side=5))
    params = st.integers(-1, n_param - 1) if n_param else st.just(-1)
    return theta, draw(arrays(np.int64, shape, elements=params))


@given(designs())
@settings(max_examples=200, deadline=None)
def test_compiled_growth_index_equals_the_reference(args):
    np.testing.assert_array_equal(compiled.growth_index(*args), core.growth_index(*args))


def test_growth_index_by_hand():
    # +10 %/yr from parameter 0, then -50 % from parameter 1, a year without a rate (-1)
    theta = np.array([[0.1, -0.5]])
    index = core.growth_index(theta, np.array([[0, 0, 1, -1]]))  # the first year's rate is unused
    np.testing.assert_allclose(index, [[[1.0, 1.1, 0.55, 0.55]]], rtol=1e-15)
