"""A run as plain arrays, before it becomes a Dataset: what `sim.runner` computes and
`sim.store` labels. Kept apart so that the store does not import the runner that imports
it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.plan import Plan
from sim.rollout import RolloutResult


@dataclass(frozen=True)
class RunResult:
    """A run as plain arrays (layouts in sim.dims.RESULT), before it becomes a Dataset."""

    plan: Plan
    emissions: np.ndarray  # [draw, city, sector, year] t CO2e/yr, gross
    emissions_bau: np.ndarray  # [draw, city, sector, year]
    emissions_trend: np.ndarray  # [city, sector, year]
    project_adoption: np.ndarray  # [draw, project, year]
    project_abatement: np.ndarray  # [draw, project, year] t CO2e/yr
    project_removals: np.ndarray  # [draw, project, year] t CO2e/yr
    project_capex: np.ndarray  # [draw, project, year] currency/yr
    project_opex: np.ndarray  # [draw, project, year] currency/yr
    project_npv: np.ndarray  # [draw, project] currency, discounted to the base year
    project_pv_tonnes: np.ndarray  # [draw, project] t CO2e cut or removed, discounted
    city_removals: np.ndarray  # [draw, city, intervention, year] t CO2e/yr credited to cities
    source_emissions: np.ndarray  # [draw, source, year] t CO2e/yr
    rollout: RolloutResult
    theta: np.ndarray | None = None  # [draw, parameter] the design rows the run evaluated
    seed: int | None = None
    sampler: str = "none (central values)"
