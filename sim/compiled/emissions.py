"""`apply_interventions` compiled with numba (reference: `sim.core.interventions`).

The same arithmetic as the reference, in the same order within a source (the product of
`1 - x` over its terms, log weights, the cut shared as weight / sum x cut), fused into one
pass over (draw, source, year) so that no [draw, term, year] array is materialised. Draws
are independent and run in parallel; one draw's arrays stay in a core's cache while all its
sources are worked on. A term's log weight at full adoption (most of its years) is computed
once per draw. The inputs are expected C-contiguous (a strided input is copied first: see
docs/performance.md). Results agree with the reference to rounding (the sum of the cuts of
several sources of one sector may be added in another order).
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
    cells,
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
        # one draw's arrays (~200 kB) stay in the core's cache for all its sources
        eb = e_bau[de]
        em = emissions[d]
        em[:] = eb
        ab = abatement[d]
        ab[:] = 0.0
        ad = adoption[dad]
        x = np.empty((max_terms, n_year))  # share of the source each term cuts, by year
        wfull = np.empty(max_terms)  # a term's log weight at full adoption
        remaining = np.empty(n_year)
        cut = np.empty(n_year)
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
                        sources[d, k, t] = eb[c, s, t] * share
                continue
            if n == 1:  # one measure on the source: it gets the whole cut, no weights needed
                p = term_project[src_terms[lo]]
                coef = term_fraction[dfr, src_terms[lo]] * effect[def_, p]
                for t in range(n_year):
                    base = eb[c, s, t] * share
                    r = 1.0 - coef * ad[p, t]
                    if with_sources:
                        sources[d, k, t] = base * r
                    ct = base * (1.0 - r)
                    em[c, s, t] -= ct
                    ab[p, t] += ct
                continue
            remaining[:] = 1.0
            can_complete = False  # x = coef x adoption reaches 1 only where coef does
            for i in range(n):
                m = src_terms[lo + i]
                p = term_project[m]
                coef = term_fraction[dfr, m] * effect[def_, p]
                if 1.0 - coef <= 0.0:
                    can_complete = True
                    wfull[i] = 0.0
                else:
                    wfull[i] = -np.log(1.0 - coef)
                for t in range(n_year):
                    xm = coef * ad[p, t]
                    x[i, t] = xm
                    remaining[t] *= 1.0 - xm
            for t in range(n_year):
                base = eb[c, s, t] * share
                if with_sources:
                    sources[d, k, t] = base * remaining[t]
                ct = base * (1.0 - remaining[t])
                cut[t] = ct
                em[c, s, t] -= ct
            if can_complete:
                complete[:] = False
                for i in range(n):
                    for t in range(n_year):
                        if 1.0 - x[i, t] <= 0.0:
                            complete[t] = True
            # log weights, as the reference: -log(1 - x); equal shares where complete. At
            # full adoption x is coef exactly, so its weight is the one computed above.
            wsum[:] = 0.0
            for i in range(n):
                p = term_project[src_terms[lo + i]]
                for t in range(n_year):
                    xm = x[i, t]
                    if can_complete and complete[t]:
                        w = 1.0 if 1.0 - xm <= 0.0 else 0.0
                    elif xm == 0.0:
                        w = 0.0
                    elif ad[p, t] == 1.0:
                        w = wfull[i]
                    else:
                        w = -np.log(1.0 - xm)
                    x[i, t] = w
                    wsum[t] += w
            for i in range(n):
                p = term_project[src_terms[lo + i]]
                for t in range(n_year):
                    if wsum[t] > 0.0:
                        ab[p, t] += x[i, t] / wsum[t] * cut[t]
        # clamp at zero, as the reference; only cells some measure cuts can go below (BAU is
        # never negative: base-year emissions, indices and path points are all >= 0)
        for j in range(cells.shape[0]):
            c = cells[j, 0]
            s = cells[j, 1]
            for t in range(n_year):
                if em[c, s, t] < 0.0:
                    em[c, s, t] = 0.0


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
    n_terms = np.bincount(term_source, minlength=n_source)
    np.cumsum(n_terms, out=src_ptr[1:])
    # the (city, sector) cells some term cuts
    cut_cells = np.stack([source_city, source_sector], axis=1)[n_terms > 0]
    cells = np.unique(cut_cells, axis=0).astype(np.int64).reshape(-1, 2)
    emissions = np.empty((draws, *e_bau.shape[1:]))
    abatement = np.empty((draws, n_project, n_year))
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
        cells,
        emissions,
        abatement,
        sources,
        with_sources,
    )
    return emissions, abatement, (sources if with_sources else None)
