"""Business as usual: E_bau[d,c,s,t] = E0[c,s] * activity[d,c,s,t] * intensity[d,c,s,t]."""

from __future__ import annotations

import numpy as np

from sim import dims
from sim.core.params import gather


def index_from_rates(rates: np.ndarray) -> np.ndarray:
    """Index from annual rates along the last (year) axis.

    `rates[..., t]` is the fractional change from year t-1 to year t; `rates[..., 0]` is
    ignored, since every index is 1 in the base year. A cumulative product, not a power:
    it is cheaper and lets the rate change from year to year.
    """
    growth = 1.0 + rates
    growth[..., 0] = 1.0
    return np.cumprod(growth, axis=-1)


def growth_index(theta: np.ndarray, rate_param: np.ndarray) -> np.ndarray:
    """Index [draw, *rate_param.shape] from the rates of a design matrix: year t's rate is
    theta[:, rate_param[..., t]], or 0 where rate_param is -1 (no rate written)."""
    return index_from_rates(gather(theta, rate_param))


def index_from_path(values: np.ndarray, point_years: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Index from values at given years: straight lines between points, flat after the last.

    `values` is [draw, point], `point_years` [point] (increasing, all after the base year
    `years[0]` unless it is the base year itself with value 1); the base year is anchored
    at 1. Returns [draw, year].
    """
    xp = np.asarray(point_years, float)
    if xp[0] > years[0]:
        xp = np.concatenate([[years[0]], xp])
        values = np.concatenate([np.ones((values.shape[0], 1)), values], axis=1)
    # weights of each point for each year: linear interpolation as a matrix
    eye = np.eye(len(xp))
    weights = np.stack([np.interp(years, xp, eye[j]) for j in range(len(xp))], axis=1)
    return values @ weights.T


def bau_emissions(e0: np.ndarray, activity: np.ndarray, intensity: np.ndarray) -> np.ndarray:
    """E_bau [draw, city, sector, year] in t CO2e/yr from E0 [city, sector] and the indices."""
    dims.check_shape("e0", e0.shape, dims.BASE, {})
    dims.check_shape("activity", activity.shape, dims.INDEX, {})
    dims.check_shape("intensity", intensity.shape, dims.INDEX, {})
    return e0[None, :, :, None] * activity * intensity
