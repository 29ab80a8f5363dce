"""The rollout's inputs and results, shared by its engines (sim/rollout/schedule.py picks
one; events.py and simpy_model.py are two of them). Kept apart so that no engine imports
the module that imports it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

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
