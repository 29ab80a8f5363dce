"""Trend continuation (docs/model.md section 1): a robust straight line through the observed
years from 2015 on, anchored at the last observed value, floored at zero.

Anchoring at (t_a, y_a) leaves one free number, the slope b. Least absolute deviations
minimise sum_i |y_i - y_a - b (t_i - t_a)| = sum_i w_i |s_i - b| with s_i = (y_i - y_a) /
(t_i - t_a) and w_i = |t_i - t_a|: the minimiser is a weighted median of the slopes s_i.
Where the minimum is reached on an interval (the weights split exactly in half), its
midpoint is taken, so the result is unique.
"""

from __future__ import annotations

import numpy as np

TREND_FROM = 2015


def lad_slope_through_anchor(
    t: np.ndarray, y: np.ndarray, t_anchor: float, y_anchor: float
) -> float:
    """The least-absolute-deviations slope of a line through (t_anchor, y_anchor)."""
    t, y = np.asarray(t, float), np.asarray(y, float)
    keep = t != t_anchor
    if not keep.any():
        return 0.0
    dt = t[keep] - t_anchor
    slopes = (y[keep] - y_anchor) / dt
    weights = np.abs(dt)
    order = np.argsort(slopes, kind="stable")
    slopes, weights = slopes[order], weights[order]
    cum = np.cumsum(weights)
    half = 0.5 * cum[-1]
    j = int(np.searchsorted(cum, half))
    if np.isclose(cum[j], half, rtol=1e-12, atol=0.0) and j + 1 < len(slopes):
        return 0.5 * (slopes[j] + slopes[j + 1])
    return float(slopes[j])


def trend_continuation(
    observed: np.ndarray, hist_years: np.ndarray, years: np.ndarray, from_year: int = TREND_FROM
) -> np.ndarray:
    """Trend path [city, sector, year] from observed [city, sector, hist_year] (NaN: not
    observed), t CO2e/yr. A series with no observation from `from_year` on is NaN."""
    n_c, n_s, _ = observed.shape
    out = np.full((n_c, n_s, len(years)), np.nan)
    hist_years = np.asarray(hist_years, float)
    for c in range(n_c):
        for s in range(n_s):
            y = observed[c, s]
            ok = ~np.isnan(y) & (hist_years >= from_year)
            if not ok.any():
                continue
            t_obs, y_obs = hist_years[ok], y[ok]
            t_a, y_a = t_obs[-1], y_obs[-1]
            b = lad_slope_through_anchor(t_obs, y_obs, t_a, y_a)
            out[c, s] = np.maximum(0.0, y_a + b * (np.asarray(years, float) - t_a))
    return out
