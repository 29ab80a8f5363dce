"""The batch's other per-cell stages, compiled with numba (references in `sim.core`).

Each is one pass over its output, with the draws in parallel; the results are bit for bit
those of the reference (the same operations in the same order: a running product along the
years, a sequential sum for the present value)."""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True, parallel=True)
def _index_from_rates(rates, out):
    n_draw, n_year = rates.shape[0], rates.shape[1]
    for d in prange(n_draw):
        out[d, 0] = 1.0
        v = 1.0
        for t in range(1, n_year):
            v *= 1.0 + rates[d, t]
            out[d, t] = v


def index_from_rates(rates: np.ndarray) -> np.ndarray:
    """As `sim.core.index_from_rates` (same argument and result), compiled."""
    rates = np.ascontiguousarray(rates, dtype=np.float64)
    out = np.empty(rates.shape)
    if rates.size:
        n_year = rates.shape[-1]
        _index_from_rates(rates.reshape(-1, n_year), out.reshape(-1, n_year))
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
