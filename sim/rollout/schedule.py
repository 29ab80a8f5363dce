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

from dataclasses import dataclass, field

import numpy as np

from sim.errors import EngineError
from sim.rollout.shapes import yearly_mean

ENGINES = ("auto", "closed", "fast", "simpy")
#: how far past the horizon the simulation runs before it gives up on a project (years)
RUN_ON = 100.0


@dataclass(frozen=True)
class RolloutInputs:
    """Per draw and project (arrays [draw, project], years as floats) unless noted."""

    years: np.ndarray  # [year] calendar years of the result
    earliest: np.ndarray  # earliest start of planning
    planning: np.ndarray  # years of planning
    build: np.ndarray  # years of building (adoption ramps 0 -> 1)
    end: np.ndarray  # retirement time; inf if never
    shape: np.ndarray  # [project] ramp shape code
    steepness: np.ndarray  # [project] logistic steepness
    group: np.ndarray | None = None  # [project] group of cities; groups share nothing
    after_ptr: np.ndarray | None = None  # [project + 1] CSR pointers into `after`
    after: np.ndarray | None = None  # projects each project waits for
    money: np.ndarray | None = None  # currency taken from the budget (0: none)
    budget: np.ndarray | None = None  # [project] budget pool, -1 for none
    capacity_ptr: np.ndarray | None = None  # [project + 1] CSR pointers into `capacity`
    capacity: np.ndarray | None = None  # capacity pools each project needs, in order
    slots: np.ndarray | None = None  # [project] slots taken of each capacity
    capacity_slots: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    budget_per_year: np.ndarray = field(default_factory=lambda: np.zeros((1, 0)))  # [draw, pool]
    budget_carry: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # [pool]

    @property
    def n_draw(self) -> int:
        return self.earliest.shape[0]

    @property
    def n_project(self) -> int:
        return self.earliest.shape[1]

    def csr(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        ptr, idx = getattr(self, f"{name}_ptr"), getattr(self, name)
        if ptr is None:
            return np.zeros(self.n_project + 1, np.int64), np.zeros(0, np.int64)
        return ptr, idx

    def groups(self) -> np.ndarray:
        return self.group if self.group is not None else np.zeros(self.n_project, np.int64)

    def has_needs(self) -> bool:
        _, caps = self.csr("capacity")
        return len(caps) > 0 or (self.budget is not None and bool((self.budget >= 0).any()))

    @property
    def t_max(self) -> float:
        return float(self.years[-1]) + RUN_ON

    @property
    def base_year(self) -> float:
        return float(self.years[0])


@dataclass(frozen=True)
class Timing:
    """When each project did what, [draw, project], in years (inf: never within the run)."""

    plan_start: np.ndarray  # planning began (earliest start, or later if it waited for `after`)
    ready: np.ndarray  # planning done: ready to take money and slots
    money: np.ndarray  # got its money (= ready without a budget)
    start: np.ndarray  # build started (got every slot it needs)
    completion: np.ndarray  # build completed


@dataclass(frozen=True)
class RolloutResult:
    """Timing and adoption of every project in every draw."""

    adoption: np.ndarray  # [draw, project, year] mean adoption over [t, t+1), 1
    adoption_before: np.ndarray  # [draw, project] mean adoption in the year before the first
    planned_start: np.ndarray  # [draw, project] build start if nothing had to wait, year
    planned_completion: np.ndarray  # [draw, project] year
    start: np.ndarray  # [draw, project] actual build start, year
    completion: np.ndarray  # [draw, project] actual completion, year
    wait_capacity: np.ndarray  # [draw, project] years waited for a capacity slot
    wait_budget: np.ndarray  # [draw, project] years waited for money
    wait_after: np.ndarray  # [draw, project] years waited past the earliest start for `after`
    engine: str = "closed"


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
    years = np.concatenate([[inp.years[0] - 1], inp.years])
    adoption = yearly_mean(years, actual.start, inp.build, inp.shape, inp.steepness, inp.end)
    # Each wait is the time spent in its stage (docs/model.md section 4): 0 for a stage the
    # project never reached or does not need, inf for the stage it never leaves.
    with np.errstate(invalid="ignore"):
        wait_after = np.where(
            np.isfinite(actual.plan_start), actual.plan_start - inp.earliest, np.inf
        )
        wait_budget = np.where(np.isfinite(actual.ready), actual.money - actual.ready, 0.0)
        wait_capacity = np.where(np.isfinite(actual.money), actual.start - actual.money, 0.0)
    return RolloutResult(
        adoption=adoption[..., 1:],
        adoption_before=adoption[..., 0],
        planned_start=planned.start,
        planned_completion=planned.completion,
        start=actual.start,
        completion=actual.completion,
        wait_capacity=wait_capacity,
        wait_budget=wait_budget,
        wait_after=wait_after,
        engine=chosen,
    )
