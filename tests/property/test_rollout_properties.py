"""The fast path and the simpy reference give the same schedule, on random schedules whose
capacities, budgets and dependencies bind (Hypothesis)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.rollout.schedule import RolloutInputs, run_rollout

YEARS = np.arange(2024, 2046, dtype=float)
# coarse grids make ties (several things at one instant) common
times = st.sampled_from([0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0])
starts = st.sampled_from([2022.0, 2024.0, 2024.5, 2025.0, 2025.25, 2026.0, 2028.0])


@st.composite
def schedules(draw):
    n_draw = draw(st.integers(1, 3))
    n_group = draw(st.integers(1, 2))
    k = draw(st.integers(1, 10))
    group = np.array(draw(st.lists(st.integers(0, n_group - 1), min_size=k, max_size=k)))
    # pools: one capacity and one budget per group (few slots, little money: they bind)
    cap_slots = np.array(draw(st.lists(st.integers(1, 3), min_size=n_group, max_size=n_group)))
    per_year = np.array(
        [draw(st.lists(st.sampled_from([20.0, 50.0, 100.0]), min_size=n_group, max_size=n_group))
         for _ in range(n_draw)]
    )  # fmt: skip
    carry = np.array(draw(st.lists(st.booleans(), min_size=n_group, max_size=n_group)))
    capacity, budget, slots, after = [], [], [], []
    for i in range(k):
        g = int(group[i])
        capacity.append([g] if draw(st.booleans()) or draw(st.booleans()) else [])
        budget.append(g if draw(st.booleans()) else -1)
        slots.append(draw(st.integers(1, int(cap_slots[g]))))
        earlier = [j for j in range(i) if group[j] == g]
        after.append(
            sorted(set(draw(st.lists(st.sampled_from(earlier), max_size=2)))) if earlier else []
        )
    # 120 is more than any budget without carry-over ever holds: such a project never
    # starts (the loader rejects it; the engines must still agree on it)
    money = np.array(
        [[draw(st.sampled_from([0.0, 10.0, 20.0, 120.0])) for _ in range(k)] for _ in range(n_draw)]
    )
    grid = lambda strategy: np.array(  # noqa: E731
        [[draw(strategy) for _ in range(k)] for _ in range(n_draw)]
    )
    ends = grid(st.sampled_from([np.inf, np.inf, 2030.0, 2031.5]))
    earliest = grid(starts)
    ptr = lambda lists: np.concatenate([[0], np.cumsum([len(x) for x in lists])]).astype(np.int64)  # noqa: E731
    return RolloutInputs(
        years=YEARS,
        earliest=earliest,
        planning=grid(times),
        build=grid(times),
        end=np.maximum(ends, earliest + 0.1),
        shape=np.array(draw(st.lists(st.integers(0, 2), min_size=k, max_size=k))),
        steepness=np.full(k, 6.0),
        group=group.astype(np.int64),
        after_ptr=ptr(after),
        after=np.array([j for a in after for j in a], dtype=np.int64),
        money=money,
        budget=np.array(budget, dtype=np.int64),
        capacity_ptr=ptr(capacity),
        capacity=np.array([c for x in capacity for c in x], dtype=np.int64),
        slots=np.array(slots, dtype=np.int64),
        capacity_slots=cap_slots.astype(np.int64),
        budget_per_year=per_year,
        budget_carry=carry,
    )


def _same_times(a, b):
    assert np.array_equal(np.isinf(a), np.isinf(b))
    finite = np.isfinite(a)
    assert np.allclose(a[finite], b[finite], rtol=0, atol=1e-9)


@given(schedules())
@settings(max_examples=400, deadline=None)
def test_fast_path_equals_simpy(inp):
    fast, ref = run_rollout(inp, "fast"), run_rollout(inp, "simpy")
    for name in ("start", "completion", "wait_capacity", "wait_budget", "wait_after"):
        _same_times(getattr(fast, name), getattr(ref, name))
    assert np.abs(fast.adoption - ref.adoption).max(initial=0.0) <= 1e-12


@given(schedules())
@settings(max_examples=200, deadline=None)
def test_adoption_is_a_fraction_that_never_falls_before_the_end_year(inp):
    res = run_rollout(inp, "fast")
    assert (res.adoption >= 0).all()
    assert (res.adoption <= 1).all()
    # up to the last whole year before retirement, adoption never falls
    last_full = np.floor(inp.end) - 1  # [draw, project]
    rises = np.diff(res.adoption, axis=-1) >= -1e-12
    before_end = YEARS[1:][None, None, :] <= last_full[..., None]
    assert rises[before_end].all()
    # and after the end year it is zero
    after_end = YEARS[None, None, :] >= np.ceil(inp.end)[..., None]
    assert (res.adoption[after_end] == 0).all()


@given(schedules())
@settings(max_examples=200, deadline=None)
def test_waiting_never_makes_a_project_earlier_than_planned(inp):
    res = run_rollout(inp, "fast")
    assert (res.start >= res.planned_start - 1e-9).all()
    assert (res.wait_capacity >= 0).all()
    assert (res.wait_budget >= 0).all()
