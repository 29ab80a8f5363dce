"""The batch's other per-cell stages, compiled with numba (references in `sim.core`).

Each is one pass over its output, with the draws in parallel; the results are bit for bit
those of the reference (the same operations in the same order): `growth_index` reads each
year's rate from the design matrix as it builds the running product (no [draw, city,
sector, year] array of rates), `project_costs` makes both yearly costs in one pass."""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True, parallel=True)
def _growth_index(theta, rate_param, out):
    n_draw = theta.shape[0]
    n_cell, n_year = rate_param.shape
    for d in prange(n_draw):
        for i in range(n_cell):
            out[d, i, 0] = 1.0
            v = 1.0
            for t in range(1, n_year):
                j = rate_param[i, t]
                v *= 1.0 + (theta[d, j] if j >= 0 else 0.0)
                out[d, i, t] = v


def growth_index(theta: np.ndarray, rate_param: np.ndarray) -> np.ndarray:
    """As `sim.core.growth_index` (same arguments and result), compiled: the rates are read
    from the design matrix as the index is built, in one pass."""
    theta = np.ascontiguousarray(theta, dtype=np.float64)
    rate_param = np.asarray(rate_param, dtype=np.int64)
    out = np.empty((theta.shape[0], *rate_param.shape))
    if out.size:
        n_year = rate_param.shape[-1]
        _growth_index(
            theta,
            np.ascontiguousarray(rate_param.reshape(-1, n_year)),
            out.reshape(theta.shape[0], -1, n_year),
        )
    return out


@njit(cache=True, parallel=True)
def _project_costs(adoption, before, capex, opex, capex_t, opex_t):
    n_draw, n_proj, n_year = adoption.shape
    for d in prange(n_draw):
        for p in range(n_proj):
            previous = before[d, p]
            for t in range(n_year):
                a = adoption[d, p, t]
                capex_t[d, p, t] = capex[d, p] * max(a - previous, 0.0)
                opex_t[d, p, t] = opex[d, p] * a
                previous = a


def project_costs(
    adoption: np.ndarray, adoption_before: np.ndarray, capex: np.ndarray, opex: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """As `sim.core.project_costs` (same arguments and results), compiled."""
    f64 = lambda a: np.ascontiguousarray(a, dtype=np.float64)  # noqa: E731
    adoption = f64(adoption)
    shape = adoption.shape
    capex_t, opex_t = np.empty(shape), np.empty(shape)
    _project_costs(
        adoption,
        f64(np.broadcast_to(adoption_before, shape[:2])),
        f64(np.broadcast_to(capex, shape[:2])),
        f64(np.broadcast_to(opex, shape[:2])),
        capex_t,
        opex_t,
    )
    return capex_t, opex_t
