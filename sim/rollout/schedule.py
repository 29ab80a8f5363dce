"""Project schedules and yearly adoption (docs/model.md section 4).

Every project waits for its earliest start and for the projects it comes `after`, plans,
takes money from its budget, takes slots of its capacity, then builds; adoption ramps
from 0 to 1 over the build. Three engines compute the same schedule:

- `closed`: no capacity or budget anywhere, so nothing can make a project wait for another
  except `after:`; a vectorized pass over the projects in dependency order.
- `fast`: the first-come-first-served schedule of capacities and budgets, replayed per
  (draw, group of cities) in compiled code (`sim.rollout.events`).
- `simpy`: the reference model (`sim.rollout.simpy_model`), one simpy Environment per
  (draw, group of cities); also the fallback for what the fast path does not cover
  (a project that needs slots of more than one capacity).

`run_rollout(..., engine="auto")` picks `closed` when the plan declares no needs, else
`fast` when it covers the plan, else `simpy`. Tests prove the three agree.

Ties at one instant are settled the same way by every engine: first what happens on its
own (builds completing and releasing slots, budgets refilled at the start of a year, in
the order the budgets are declared), then projects that become ready to build, in the
order the scenario lists them. Queues are first come, first served; a project at the
head of a queue that cannot be served holds up those behind it.
"""

from __future__ import annotations

import numpy as np

from sim.errors import EngineError
from sim.rollout.shapes import yearly_mean
from sim.rollout.types import RUN_ON, RolloutInputs, RolloutResult, Timing

__all__ = ["RUN_ON", "RolloutInputs", "RolloutResult", "Timing", "run_rollout"]

ENGINES = ("auto", "closed", "fast", "simpy")


def topological_order(n: int, after_ptr: np.ndarray, after: np.ndarray) -> list[int]:
    """Projects ordered so that each comes after those it waits for (the plan has no cycles)."""
    order: list[int] = []
    state = np.zeros(n, np.int8)
    for root in range(n):
        stack = [(root, False)]
        while stack:
            k, expanded = stack.pop()
            if expanded:
                state[k] = 2
                order.append(k)
            elif state[k] == 0:
                state[k] = 1
                stack.append((k, True))
                stack += [(int(j), False) for j in after[after_ptr[k] : after_ptr[k + 1]]]
    return order


def schedule_closed(inp: RolloutInputs) -> Timing:
    """The schedule when no capacity or budget exists: vectorized over draws."""
    ptr, after = inp.csr("after")
    plan_start = inp.earliest.copy()
    for k in topological_order(inp.n_project, ptr, after):
        deps = after[ptr[k] : ptr[k + 1]]
        if len(deps):
            done = (plan_start[:, deps] + inp.planning[:, deps]) + inp.build[:, deps]
            plan_start[:, k] = np.maximum(plan_start[:, k], done.max(axis=1))
    ready = plan_start + inp.planning
    completion = ready + inp.build
    return Timing(plan_start, ready, ready, ready, completion)


def covered_by_fast_path(inp: RolloutInputs) -> bool:
    """The compiled path handles at most one capacity per project."""
    ptr, _ = inp.csr("capacity")
    return bool((np.diff(ptr) <= 1).all())


def _engine_for(inp: RolloutInputs, engine: str) -> str:
    if engine not in ENGINES:
        raise EngineError(f"engine must be one of {ENGINES}, got {engine!r}")
    if engine == "auto":
        if not inp.has_needs():
            return "closed"
        return "fast" if covered_by_fast_path(inp) else "simpy"
    if engine == "closed" and inp.has_needs():
        raise EngineError("the closed form ignores capacities and budgets; use 'fast' or 'simpy'")
    if engine == "fast" and not covered_by_fast_path(inp):
        raise EngineError(
            "the fast path covers one capacity per project, and a project here needs "
            "several; use --rollout simpy (or auto)"
        )
    return engine


def run_rollout(inp: RolloutInputs, engine: str = "auto") -> RolloutResult:
    """Schedule every project and compute its yearly adoption."""
    chosen = _engine_for(inp, engine)
    planned = schedule_closed(inp)
    if chosen == "closed":
        actual = planned
    elif chosen == "fast":
        from sim.rollout.events import schedule_fast

        actual = schedule_fast(inp)
    else:
        from sim.rollout.simpy_model import schedule_simpy

        actual = schedule_simpy(inp)

    # the years' adoption in an array of its own (C-contiguous, as the emissions kernel takes
    # it), and the year before the first apart
    def mean_over(years) -> np.ndarray:
        years = np.asarray(years, dtype=float)
        return yearly_mean(years, actual.start, inp.build, inp.shape, inp.steepness, inp.end)

    adoption, adoption_before = mean_over(inp.years), mean_over([inp.years[0] - 1.0])
    # Each wait is the time spent in its stage (docs/model.md section 4): 0 for a stage the
    # project never reached or does not need, inf for the stage it never leaves.
    with np.errstate(invalid="ignore"):
        wait_after = np.where(
            np.isfinite(actual.plan_start), actual.plan_start - inp.earliest, np.inf
        )
        wait_budget = np.where(np.isfinite(actual.ready), actual.money - actual.ready, 0.0)
        wait_capacity = np.where(np.isfinite(actual.money), actual.start - actual.money, 0.0)
    return RolloutResult(
        adoption=adoption,
        adoption_before=adoption_before[..., 0],
        planned_start=planned.start,
        planned_completion=planned.completion,
        start=actual.start,
        completion=actual.completion,
        wait_capacity=wait_capacity,
        wait_budget=wait_budget,
        wait_after=wait_after,
        engine=chosen,
    )
