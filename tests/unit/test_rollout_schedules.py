"""Hand-calculated rollout schedules (docs/model.md section 4), each checked on every engine.

Times are in years; 2027.5 is 1 July 2027. Unless a test says otherwise the base year is
2024, planning is 0 and every budget is refilled at the start of each year from 2024.
"""

from dataclasses import replace

import numpy as np
import pytest

from sim.rollout.schedule import RolloutInputs, run_rollout

YEARS = np.arange(2024, 2041, dtype=float)


def inputs(
    earliest,
    build,
    *,
    planning=None,
    after=None,
    capacity=None,
    slots=None,
    capacity_slots=(),
    budget=None,
    money=None,
    per_year=(),
    carry=(),
    group=None,
    shape=None,
) -> RolloutInputs:
    """One draw of projects given as plain lists."""
    k = len(earliest)
    row = lambda values: np.asarray([values], dtype=float)  # noqa: E731
    after = after or [[] for _ in range(k)]
    capacity = capacity or [[] for _ in range(k)]
    ptr = lambda lists: np.concatenate([[0], np.cumsum([len(x) for x in lists])]).astype(int)  # noqa: E731
    flat = lambda lists: np.asarray([j for x in lists for j in x], dtype=np.int64)  # noqa: E731
    return RolloutInputs(
        years=YEARS,
        earliest=row(earliest),
        planning=row(planning or [0.0] * k),
        build=row(build),
        end=np.full((1, k), np.inf),
        shape=np.asarray(shape or [0] * k),
        steepness=np.full(k, 10.0),
        group=np.asarray(group or [0] * k, dtype=np.int64),
        after_ptr=ptr(after),
        after=flat(after),
        money=row(money or [0.0] * k),
        budget=np.asarray(budget or [-1] * k, dtype=np.int64),
        capacity_ptr=ptr(capacity),
        capacity=flat(capacity),
        slots=np.asarray(slots or [1] * k, dtype=np.int64),
        capacity_slots=np.asarray(capacity_slots, dtype=np.int64),
        budget_per_year=np.asarray([per_year], dtype=float).reshape(1, len(per_year)),
        budget_carry=np.asarray(carry, dtype=bool),
    )


ENGINES = ["fast", "simpy"]


@pytest.mark.parametrize("engine", ENGINES)
def test_two_slots_three_projects(engine):
    """A capacity of 2 slots; A (build 2), B (build 3), C (build 1) all ready at 2025.
    A and B take the slots at 2025; C waits until A is done at 2027, starts then and
    completes at 2028, having waited 2 years for capacity."""
    res = run_rollout(
        inputs([2025, 2025, 2025], [2, 3, 1], capacity=[[0], [0], [0]], capacity_slots=[2]),
        engine,
    )
    assert res.start[0].tolist() == [2025, 2025, 2027]
    assert res.completion[0].tolist() == [2027, 2028, 2028]
    assert res.wait_capacity[0].tolist() == [0, 0, 2]
    assert res.planned_completion[0].tolist() == [2027, 2028, 2026]


@pytest.mark.parametrize("engine", ENGINES)
def test_budget_tranche_exhausted_waits_for_next_year(engine):
    """A budget of 100 a year without carry-over. A (money 70) and B (money 50) are ready at
    2024.5. The 2024 tranche of 100 pays A (30 left); B needs 50 and waits for the refill at
    2025.0, which sets the budget back to 100 (unspent money does not carry over): B starts
    at 2025.0, having waited 0.5 years for money."""
    res = run_rollout(
        inputs(
            [2024.5, 2024.5], [1, 1], budget=[0, 0], money=[70, 50], per_year=[100], carry=[False]
        ),
        engine,
    )
    assert res.start[0].tolist() == [2024.5, 2025.0]
    assert res.wait_budget[0].tolist() == [0.0, 0.5]


@pytest.mark.parametrize("engine", ENGINES)
def test_unspent_money_carries_over_when_allowed(engine):
    """Budget 100 a year with carry-over; A needs 150, ready at 2024. 100 arrives at 2024
    and another 100 at 2025: A starts at 2025 with 50 left; B (money 120, ready 2025) gets
    its money when 50 + 100 = 150 >= 120 at the 2026 refill."""
    res = run_rollout(
        inputs([2024, 2025], [1, 1], budget=[0, 0], money=[150, 120], per_year=[100], carry=[True]),
        engine,
    )
    assert res.start[0].tolist() == [2025.0, 2026.0]


@pytest.mark.parametrize("engine", ENGINES)
def test_head_of_queue_holds_up_those_behind(engine):
    """First come, first served. Budget 100 a year, no carry-over. C (money 90, ready
    2024.1) takes 90 of the 2024 tranche, leaving 10. A (money 90, ready 2024.2) waits.
    B (money 10, ready 2024.4) would fit in the 10 left but queues behind A. At 2025.0 the
    budget is 100 again: A gets 90 and B the last 10, both at 2025.0."""
    res = run_rollout(
        inputs(
            [2024.2, 2024.4, 2024.1],
            [1, 1, 1],
            budget=[0, 0, 0],
            money=[90, 10, 90],
            per_year=[100],
            carry=[False],
        ),
        engine,
    )
    assert res.start[0].tolist() == [2025.0, 2025.0, 2024.1]


@pytest.mark.parametrize("engine", ENGINES)
def test_pool_shared_by_two_cities(engine):
    """One installer pool of 1 slot serves two cities (one group). The first city's project
    (listed first) and the second city's are both ready at 2025.0: the tie goes to the one
    the scenario lists first; the other starts when it completes at 2027.0."""
    res = run_rollout(
        inputs([2025, 2025], [2, 2], capacity=[[0], [0]], capacity_slots=[1], group=[0, 0]),
        engine,
    )
    assert res.start[0].tolist() == [2025.0, 2027.0]
    # the same two projects with a pool each (no sharing) both start at once
    res = run_rollout(
        inputs([2025, 2025], [2, 2], capacity=[[0], [1]], capacity_slots=[1, 1], group=[0, 1]),
        engine,
    )
    assert res.start[0].tolist() == [2025.0, 2025.0]


@pytest.mark.parametrize("engine", [*ENGINES, "closed"])
def test_dependency_chain(engine):
    """A builds 2025-2027. B comes after A and plans 1 year: ready 2028, builds 1, done 2029.
    C comes after B but cannot begin before 2030: it plans from 2030 and builds 2030-2032."""
    res = run_rollout(
        inputs(
            [2025, 2024, 2030],
            [2, 1, 2],
            planning=[0, 1, 0],
            after=[[], [0], [1]],
        ),
        engine,
    )
    assert res.start[0].tolist() == [2025, 2028, 2030]
    assert res.completion[0].tolist() == [2027, 2029, 2032]
    assert res.wait_after[0].tolist() == [0, 3, 0]


@pytest.mark.parametrize("engine", ENGINES)
def test_completion_in_the_middle_of_a_year_gives_half_adoption(engine):
    """A holds the only slot 2025.0-2026.5; B waits and completes the moment it starts
    (a step with no build) at 2026.5: its adoption is 0 in 2025, 0.5 in 2026, 1 after."""
    res = run_rollout(
        inputs([2025, 2025], [1.5, 0.0], capacity=[[0], [0]], capacity_slots=[1], shape=[0, 2]),
        engine,
    )
    assert res.completion[0].tolist() == [2026.5, 2026.5]
    b = res.adoption[0, 1]
    assert b[YEARS == 2025][0] == 0.0
    assert b[YEARS == 2026][0] == pytest.approx(0.5)
    assert b[YEARS == 2027][0] == 1.0
    # A ramps linearly over 1.5 years from 2025: mean over 2025 is (0 + 2/3) / 2 = 1/3
    assert res.adoption[0, 0, YEARS == 2025][0] == pytest.approx(1 / 3)


@pytest.mark.parametrize("engine", ENGINES)
def test_project_needing_more_slots_waits_for_enough_of_them(engine):
    """3 slots; A takes 2 (2025-2027), B takes 2 and must wait for A although 1 is free;
    C (1 slot, ready later at 2025.5) waits behind B: first come, first served."""
    res = run_rollout(
        inputs(
            [2025, 2025, 2025.5],
            [2, 1, 1],
            capacity=[[0], [0], [0]],
            slots=[2, 2, 1],
            capacity_slots=[3],
        ),
        engine,
    )
    assert res.start[0].tolist() == [2025, 2027, 2027]


@pytest.mark.parametrize("engine", ENGINES)
def test_money_that_never_comes_in_time_means_no_adoption(engine):
    """1 a year with carry-over, a need of 1000: not within the run (horizon + 100 years)."""
    res = run_rollout(
        inputs([2025], [1], budget=[0], money=[1000], per_year=[1], carry=[True]), engine
    )
    assert np.isinf(res.start[0, 0])
    assert not res.adoption.any()


def test_several_capacities_fall_back_to_simpy():
    """A project that needs slots of two capacities is outside the fast path: auto picks
    simpy. A holds X (1 slot) 2025-2027; B needs Y then X: it takes Y at 2025, waits for X
    until 2027 (holding Y), builds 2027-2028; C needs Y only and waits for B to release it."""
    inp = inputs(
        [2025, 2025, 2025],
        [2, 1, 1],
        capacity=[[0], [1, 0], [1]],
        capacity_slots=[1, 1],
    )
    res = run_rollout(inp, "auto")
    assert res.engine == "simpy"
    assert res.start[0].tolist() == [2025, 2027, 2028]
    with pytest.raises(ValueError, match="one capacity per project"):
        run_rollout(inp, "fast")


def test_auto_uses_the_closed_form_without_needs():
    assert run_rollout(inputs([2025], [1]), "auto").engine == "closed"
    assert run_rollout(inputs([2025], [1], capacity=[[0]], capacity_slots=[1])).engine == "fast"


def test_groups_do_not_interact_and_draws_are_independent():
    """Two draws of the same three projects; in draw 1 the first build is longer. Draw 0 is
    unchanged by what happens in draw 1."""
    one = inputs([2025, 2025, 2025], [2, 3, 1], capacity=[[0], [0], [0]], capacity_slots=[2])
    two = replace(
        one,
        earliest=np.repeat(one.earliest, 2, axis=0),
        planning=np.repeat(one.planning, 2, axis=0),
        build=np.array([[2.0, 3, 1], [5.0, 3, 1]]),
        end=np.repeat(one.end, 2, axis=0),
        money=np.repeat(one.money, 2, axis=0),
    )
    a, b = run_rollout(one, "fast"), run_rollout(two, "fast")
    assert np.array_equal(b.start[0], a.start[0])
    assert b.start[1].tolist() == [2025, 2025, 2028]


def test_fast_path_does_not_depend_on_the_number_of_threads():
    """Each (draw, group) is computed on its own: one thread or two give the same bits."""
    import numba

    rng = np.random.default_rng(7)
    n_draw, k = 64, 6
    base = inputs(
        [2025] * k, [1.0] * k, capacity=[[0]] * k, capacity_slots=[2], budget=[0] * k,
        money=[30.0] * k, per_year=[50.0], carry=[True],
    )  # fmt: skip
    many = replace(
        base,
        earliest=2024 + rng.integers(0, 4, (n_draw, k)).astype(float),
        planning=rng.uniform(0, 2, (n_draw, k)),
        build=rng.uniform(0, 3, (n_draw, k)),
        end=np.full((n_draw, k), np.inf),
        money=rng.uniform(0, 60, (n_draw, k)),
    )
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = run_rollout(many, "fast")
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        all_threads = run_rollout(many, "fast")
    finally:
        numba.set_num_threads(before)
    assert np.array_equal(one.start, all_threads.start)
    assert np.array_equal(one.adoption, all_threads.adoption)
    # and the draws really differ, so the comparison means something
    assert len(np.unique(one.start[:, -1])) > 5


@pytest.mark.parametrize("engine", ENGINES)
def test_a_budget_without_carry_over_is_topped_up_to_exactly_its_yearly_amount(engine):
    """Budget 179.4 a year, no carry-over. A (1.4) and B (126.8) are paid from the 2024
    tranche, leaving 179.4 - 1.4 - 126.8, which in floating point is 51.2 + 1.4e-14;
    C needs exactly 179.4 and waits for the 2025 refill. Topping up by adding
    179.4 - level to that level gives 179.39999999999998, a rounding error short of C's
    money, and C would wait a whole extra year; the refill sets the level to 179.4 and C
    starts at 2025.0."""
    level = 179.4 - 1.4 - 126.8
    assert level + (179.4 - level) < 179.4  # the case: adding the gap falls short
    res = run_rollout(
        inputs(
            [2024.0, 2024.0, 2024.5],
            [1, 1, 1],
            budget=[0, 0, 0],
            money=[1.4, 126.8, 179.4],
            per_year=[179.4],
            carry=[False],
        ),
        engine,
    )
    assert res.start[0].tolist() == [2024.0, 2024.0, 2025.0]
    assert res.wait_budget[0].tolist() == [0.0, 0.0, 0.5]


@pytest.mark.parametrize("engine", ENGINES)
def test_waits_of_projects_that_never_start_name_the_stage_they_are_stuck_in(engine):
    """A needs 1000 from a budget of 1 a year (never within the run); B needs no budget and
    comes after A. A is stuck waiting for money: wait_budget inf, no wait for capacity. B
    is stuck waiting for A: wait_after inf; it never reaches the budget or capacity stage,
    so it waited 0 there (docs/model.md section 4), not inf."""
    res = run_rollout(
        inputs(
            [2025, 2025],
            [1, 1],
            after=[[], [0]],
            budget=[0, -1],
            money=[1000, 0],
            per_year=[1],
            carry=[True],
        ),
        engine,
    )
    assert np.isinf(res.start[0]).all()
    assert res.wait_budget[0].tolist() == [np.inf, 0.0]
    assert res.wait_capacity[0].tolist() == [0.0, 0.0]
    assert res.wait_after[0].tolist() == [0.0, np.inf]
