"""Project schedules and yearly adoption.

Without constraints every project is independent: it builds from `start + planning` for
`build` years. This is the closed form; constrained schedules (shared capacity, budgets,
dependencies) come from the same inputs and produce the same `RolloutResult`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.rollout.shapes import yearly_mean


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


def run_rollout(inp: RolloutInputs) -> RolloutResult:
    """Schedule every project and compute its yearly adoption."""
    planned_start = inp.earliest + inp.planning
    planned_completion = planned_start + inp.build
    start, completion = planned_start, planned_completion
    zeros = np.zeros_like(start)
    years = np.concatenate([[inp.years[0] - 1], inp.years])
    adoption = yearly_mean(years, start, inp.build, inp.shape, inp.steepness, inp.end)
    return RolloutResult(
        adoption=adoption[..., 1:],
        adoption_before=adoption[..., 0],
        planned_start=planned_start,
        planned_completion=planned_completion,
        start=start,
        completion=completion,
        wait_capacity=zeros,
        wait_budget=zeros.copy(),
    )
