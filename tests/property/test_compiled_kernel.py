"""The compiled emissions kernel gives the reference's results (sim.core, plain numpy) on
random systems of sources and terms, with draws broadcast or not, and on a real plan."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim import compiled, core

fraction = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def systems(draw):
    n_draw = draw(st.integers(1, 3))
    n_city, n_sector = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    n_year = draw(st.integers(1, 5))
    n_src = draw(st.integers(1, 5))
    n_proj = draw(st.integers(0, 6))
    src_city = draw(arrays(np.int64, n_src, elements=st.integers(0, n_city - 1)))
    src_sector = draw(arrays(np.int64, n_src, elements=st.integers(0, n_sector - 1)))
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, max(n_proj - 1, 0)), st.integers(0, n_src - 1)),
            unique=True,
            max_size=12 if n_proj else 0,
        )
    )
    # fractions and adoption with exact 0 and 1 often, to reach the complete-cut branch
    edgy = st.sampled_from([0.0, 1.0]) | fraction
    e_bau = draw(arrays(float, (n_draw, n_city, n_sector, n_year), elements=st.floats(0, 1e6)))
    share = draw(arrays(float, (draw(st.sampled_from([1, n_draw])), n_src), elements=fraction))
    frac = draw(arrays(float, (draw(st.sampled_from([1, n_draw])), len(pairs)), elements=edgy))
    effect = draw(arrays(float, (n_draw, n_proj), elements=edgy))
    adoption = draw(arrays(float, (n_draw, n_proj, n_year), elements=edgy))
    project = np.asarray([p for p, _ in pairs], np.int64)
    source = np.asarray([k for _, k in pairs], np.int64)
    return (e_bau, src_city, src_sector, share, project, source, frac, effect, adoption)


@given(systems())
@settings(max_examples=300, deadline=None)
def test_compiled_kernel_equals_the_reference(args):
    ref = core.apply_interventions(*args, with_sources=True)
    out = compiled.apply_interventions(*args, with_sources=True)
    for a, b in zip(ref, out, strict=True):
        assert a.shape == b.shape
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-9)


def test_compiled_kernel_on_the_all23_plan():
    """Every source and term of the 23-city contract scenario, 50 draws."""
    from pathlib import Path

    from sim.config.loader import load_scenario
    from sim.model.plan import build_plan
    from sim.rollout import run_rollout
    from sim.runner import _index, intervention_inputs, rollout_inputs

    root = Path(__file__).resolve().parents[2]
    plan = build_plan(load_scenario(root / "scenarios" / "all23" / "contract.yaml"))
    rng = np.random.default_rng(7)
    p = plan.params
    low = np.where(np.isnan(p.low), p.central, p.low)
    high = np.where(np.isnan(p.high), p.central, p.high)
    theta = low + (high - low) * rng.random((50, len(p)))
    e_bau = core.bau_emissions(
        plan.e0, _index(plan, plan.activity, theta), _index(plan, plan.intensity, theta)
    )
    args = intervention_inputs(plan, theta, run_rollout(rollout_inputs(plan, theta)).adoption)
    ref = core.apply_interventions(e_bau, *args)
    out = compiled.apply_interventions(e_bau, *args)
    np.testing.assert_allclose(out[0], ref[0], rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(out[1], ref[1], rtol=1e-12, atol=1e-6)
