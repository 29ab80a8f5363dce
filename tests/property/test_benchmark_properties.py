"""Invariants of the benchmark paths (docs/model.md section 7), on random inputs (Hypothesis)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.core.benchmarks import (
    budget_exhausted,
    budget_path,
    carbon_law_path,
    total_trend,
    trend_fit,
)

YEARS = np.arange(2025, 2051)
flows = arrays(
    float, (3, YEARS.size), elements=st.floats(0.0, 1e6, allow_nan=False, allow_subnormal=False)
)


def _used_by(path: np.ndarray, moment: float) -> float:
    """Emissions of a yearly path from the start of 2025 to `moment`, spread evenly within
    each year (a second way to count what budget_exhausted counts)."""
    whole = int(np.floor(moment)) - 2025
    used = path[:whole].sum()
    if whole < path.size:
        used += (moment - np.floor(moment)) * path[whole]
    return float(used)


@given(flows, st.floats(1.0, 5e7))
@settings(max_examples=200, deadline=None)
def test_the_budget_is_used_exactly_at_the_moment_it_runs_out(paths, budget):
    moments = budget_exhausted(paths, YEARS, np.full(3, budget), 2025)
    for path, moment in zip(paths, moments, strict=True):
        if np.isfinite(moment):
            assert 2025 <= moment <= 2051
            # a moment near year 2000 is resolved to about 2e-13 yr in float64, so the
            # emissions up to it are known to about that many years' worth of the flow
            slack = 1e-9 * path.max()
            assert np.isclose(_used_by(path, moment), budget, rtol=1e-9, atol=slack)
            # and not before: a little earlier, less was used
            assert _used_by(path, max(2025.0, moment - 1e-3)) <= budget * (1 + 1e-12)
        else:
            assert path.sum() < budget


@given(st.floats(1.0, 1e6), st.floats(1.0, 1e8))
@settings(max_examples=200, deadline=None)
def test_budget_path_sums_to_the_budget(level, budget):
    # over enough years that (1 - r)^n is negligible, the yearly values add up to B
    r = 1 - np.exp(-level / budget)
    n = int(min(1e6, np.ceil(40 / max(r, 1e-12))))
    if n > 200_000:  # a very slow path: check the finite-sum formula instead
        years = np.arange(2025, 2025 + 1000)
        path = budget_path(level, budget, 2025, years)
        assert np.isclose(path.sum(), budget * -np.expm1(1000 * np.log1p(-r)), rtol=1e-9)
        return
    years = np.arange(2025, 2025 + n)
    assert np.isclose(budget_path(level, budget, 2025, years).sum(), budget, rtol=1e-9)


# emissions of at least a microtonne: below ~1e-300 the path itself runs into subnormal
# numbers, where a relative tolerance means nothing
@given(st.just(0.0) | st.floats(1e-6, 1e6), st.floats(0.0, 0.99))
@settings(max_examples=200, deadline=None)
def test_carbon_law_falls_by_its_rate(start, rate):
    path = carbon_law_path(start, 2025, YEARS, rate)
    assert path[0] == start
    assert np.allclose(path[1:], path[:-1] * (1 - rate), rtol=1e-12, atol=0)


@given(
    arrays(float, (2, 3, 6), elements=st.floats(0.0, 1e6, allow_nan=False, allow_subnormal=False))
)
@settings(max_examples=200, deadline=None)
def test_total_trend_passes_through_the_last_total_and_stays_non_negative(observed):
    hist = np.array([2015, 2020, 2021, 2022, 2023, 2024])
    years = np.arange(2024, 2051)
    trend = total_trend(observed, hist, years)
    assert (trend >= 0).all()
    assert np.allclose(trend[:, 0], observed.sum(axis=1)[:, -1])
    for c in range(2):
        _, _, slope = trend_fit(hist, observed[c].sum(axis=0))
        # a straight line until it reaches zero
        positive = trend[c] > 0
        steps = np.diff(trend[c][positive])
        assert np.allclose(steps, slope, rtol=1e-9, atol=1e-6 * max(1.0, abs(slope)))
