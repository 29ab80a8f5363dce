"""Vectorized kernels (docs/model.md sections 1-3): plain functions over numpy arrays.

No YAML, xarray, simpy or pydantic here. Array layouts are those of `sim.dims`; the draw
axis always leads, even when a run has one draw.
"""

from sim.core.bau import bau_emissions, growth_index, index_from_path, index_from_rates
from sim.core.costs import discount_factors, npv, project_costs
from sim.core.interventions import apply_interventions, whole_sectors
from sim.core.params import gather
from sim.core.targets import reduction_vs_reference
from sim.core.trend import lad_slope_through_anchor, trend_continuation

__all__ = [
    "apply_interventions",
    "bau_emissions",
    "discount_factors",
    "gather",
    "growth_index",
    "index_from_path",
    "index_from_rates",
    "lad_slope_through_anchor",
    "npv",
    "project_costs",
    "reduction_vs_reference",
    "trend_continuation",
    "whole_sectors",
]
