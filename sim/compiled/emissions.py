"""`apply_interventions` compiled with numba (reference: `sim.core.interventions`).

The same arithmetic as the reference, in the same order within a source (the product of
`1 - x` over its terms, log weights, the cut shared as weight / sum x cut), fused into one
pass over (draw, source, year) so that no [draw, term, year] array is materialised.
Results agree with the reference to rounding (the sum of the cuts of several sources of one
sector may be added in another order).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.core.interventions import check_inputs


@njit(cache=True, parallel=True)
def _kernel(
    e_bau,
    source_city,
    source_sector,
    source_share,
    term_project,
    term_fraction,
    effect,
    adoption,
    src_ptr,
    src_terms,
    emissions,
    abatement,
    sources,
    with_sources,
):
    n_draw = emissions.shape[0]
    n_year = emissions.shape[3]
    n_source = source_city.shape[0]
    max_terms = 1
    for k in range(n_source):
        max_terms = max(max_terms, src_ptr[k + 1] - src_ptr[k])
    for draw in prange(n_draw):
        d = np.int64(draw)  # prange's index is unsigned; keep every index one integer type
        zero = np.int64(0)
        de = d if e_bau.shape[0] > 1 else zero
        dsh = d if source_share.shape[0] > 1 else zero
        dfr = d if term_fraction.shape[0] > 1 else zero
        def_ = d if effect.shape[0] > 1 else zero
        dad = d if adoption.shape[0] > 1 else zero
        emissions[d] = e_bau[de]
        x = np.empty((max_terms, n_year))  # share of the source each term cuts, by year
        remaining = np.empty(n_year)
        wsum = np.empty(n_year)
        complete = np.empty(n_year, dtype=np.bool_)
        for k in range(n_source):
            c = source_city[k]
            s = source_sector[k]
            share = source_share[dsh, k]
            lo = src_ptr[k]
            n = src_ptr[k + 1] - lo
            if n == 0:
                if with_sources:
                    for t in range(n_year):
                        sources[d, k, t] = e_bau[de, c, s, t] * share
                continue
            remaining[:] = 1.0
            complete[:] = False
            for i in range(n):
                m = src_terms[lo + i]
                p = term_project[m]
                coef = term_fraction[dfr, m] * effect[def_, p]
                for t in range(n_year):
                    xm = coef * adoption[dad, p, t]
                    x[i, t] = xm
                    remaining[t] *= 1.0 - xm
                    if 1.0 - xm <= 0.0:
                        complete[t] = True
            for t in range(n_year):
                base = e_bau[de, c, s, t] * share
                if with_sources:
                    sources[d, k, t] = base * remaining[t]
                remaining[t] = base * (1.0 - remaining[t])  # from here on: the cut
                emissions[d, c, s, t] -= remaining[t]
            if n == 1:
                p = term_project[src_terms[lo]]
                for t in range(n_year):
                    abatement[d, p, t] += remaining[t]
                continue
            # log weights, as the reference: -log(1 - x); equal shares where complete
            wsum[:] = 0.0
            for i in range(n):
                for t in range(n_year):
                    xm = x[i, t]
                    if complete[t]:
                        w = 1.0 if 1.0 - xm <= 0.0 else 0.0
                    elif xm == 0.0:
                        w = 0.0
                    else:
                        w = -np.log(1.0 - xm)
                    x[i, t] = w
                    wsum[t] += w
            for i in range(n):
                p = term_project[src_terms[lo + i]]
                for t in range(n_year):
                    if wsum[t] > 0.0:
                        abatement[d, p, t] += x[i, t] / wsum[t] * remaining[t]
        for c in range(emissions.shape[1]):
            for s in range(emissions.shape[2]):
                for t in range(n_year):
                    if emissions[d, c, s, t] < 0.0:
                        emissions[d, c, s, t] = 0.0


def apply_interventions(
    e_bau: np.ndarray,
    source_city: np.ndarray,
    source_sector: np.ndarray,
    source_share: np.ndarray,
    term_project: np.ndarray,
    term_source: np.ndarray,
    term_fraction: np.ndarray,
    effect: np.ndarray,
    adoption: np.ndarray,
    *,
    with_sources: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """As `sim.core.apply_interventions` (same arguments, layouts and results), compiled."""
    draws, n_project, n_year = check_inputs(
        e_bau, source_city, source_share, term_project, term_fraction, effect, adoption
    )
    n_source = len(source_city)
    term_source = np.asarray(term_source, dtype=np.int64)
    src_terms = np.argsort(term_source, kind="stable").astype(np.int64)
    src_ptr = np.zeros(n_source + 1, dtype=np.int64)
    np.cumsum(np.bincount(term_source, minlength=n_source), out=src_ptr[1:])
    emissions = np.empty((draws, *e_bau.shape[1:]))
    abatement = np.zeros((draws, n_project, n_year))
    sources = np.empty((draws, n_source, n_year) if with_sources else (0, 0, 0))
    f64 = lambda a: np.ascontiguousarray(a, dtype=np.float64)  # noqa: E731
    i64 = lambda a: np.ascontiguousarray(a, dtype=np.int64)  # noqa: E731
    _kernel(
        f64(e_bau),
        i64(source_city),
        i64(source_sector),
        f64(source_share),
        i64(term_project),
        f64(term_fraction),
        f64(effect),
        f64(adoption),
        src_ptr,
        src_terms,
        emissions,
        abatement,
        sources,
        with_sources,
    )
    return emissions, abatement, (sources if with_sources else None)
