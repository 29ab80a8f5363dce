"""Interventions on the sources of a sector, with exact attribution (docs/model.md section 2).

A sector of a city is split into disjoint **sources** k with shares sigma_k of the sector's
emissions (a sector that is not split is one source with share 1). A **term** is one project
acting on one source: it cuts the share x_m = fraction_m * effect_m * adoption_m of that
source. Terms on the same source combine multiplicatively; sources add, because they are
different tonnes:

    R_k = prod_{m on k} (1 - x_m)
    E   = E_bau * (1 - sum_k sigma_k * (1 - R_k))

The cut of a source, E_bau * sigma_k * (1 - R_k), is shared among its terms in proportion to
w_m = -log(1 - x_m); these shares add up to the whole and do not depend on the order of the
terms. Where some x_m = 1 the source is cut completely and those terms share it equally (the
limit of the weights as x_m -> 1). A project's abatement is the sum over its terms.
"""

from __future__ import annotations

import numpy as np

from sim import dims


def _attribute(x: np.ndarray, cut: np.ndarray) -> np.ndarray:
    """Share `cut` [draw, year] among the terms x [draw, term, year] by log weights."""
    remaining = 1.0 - x
    complete = remaining <= 0.0
    if complete.any():
        with np.errstate(divide="ignore"):
            weights = -np.log(np.where(complete, 1.0, remaining))
        weights = np.where(complete.any(axis=1, keepdims=True), complete, weights)
    else:
        weights = -np.log(remaining)
    wsum = weights.sum(axis=1, keepdims=True)
    share = np.divide(weights, wsum, out=np.zeros_like(weights), where=wsum > 0)
    return share * cut[:, None, :]


def check_inputs(
    e_bau: np.ndarray,
    source_city: np.ndarray,
    source_share: np.ndarray,
    term_project: np.ndarray,
    term_fraction: np.ndarray,
    effect: np.ndarray,
    adoption: np.ndarray,
) -> tuple[int, int, int]:
    """Check the layouts of `apply_interventions`' inputs (both versions take the same);
    returns (draws, projects, years) of the result."""
    dims.check_shape("e_bau", e_bau.shape, dims.EMISSIONS, {})
    n_year = e_bau.shape[3]
    n_source, n_term, n_project = len(source_city), len(term_project), adoption.shape[1]
    dims.check_shape("source_share", source_share.shape, dims.SOURCE_PARAM, {dims.SOURCE: n_source})
    dims.check_shape("term_fraction", term_fraction.shape, dims.TERM_PARAM, {dims.TERM: n_term})
    dims.check_shape("effect", effect.shape, dims.PROJECT_PARAM, {dims.PROJECT: n_project})
    dims.check_shape(
        "adoption", adoption.shape, dims.PROJECT_YEAR, {dims.PROJECT: n_project, dims.YEAR: n_year}
    )
    draws = max(e_bau.shape[0], source_share.shape[0], term_fraction.shape[0], adoption.shape[0])
    return draws, n_project, n_year


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
    """Apply reduction projects to the sources of BAU emissions (the reference version;
    `sim.compiled.apply_interventions` computes the same with numba).

    e_bau: [draw, city, sector, year] t CO2e/yr. source_city, source_sector: [source] indices;
    source_share: [draw, source] share of its sector (1); the shares of one sector add up to at
    most 1. term_project, term_source: [term] indices; term_fraction: [draw, term] share of the
    source the term addresses (1). effect: [draw, project] share of the addressed emissions cut
    at full adoption (1); adoption: [draw, project, year] (1). A term cuts
    x = fraction x effect x adoption of its source.

    Returns emissions [draw, city, sector, year] and abatement [draw, project, year], t CO2e/yr,
    and, if `with_sources`, the emissions of each source [draw, source, year] (else None).
    """
    draws, n_project, n_year = check_inputs(
        e_bau, source_city, source_share, term_project, term_fraction, effect, adoption
    )
    abatement = np.zeros((draws, n_project, n_year))
    cut = np.zeros((draws, *e_bau.shape[1:]))  # [draw, city, sector, year]
    by_source: dict[int, list[int]] = {}
    for m, k in enumerate(term_source.tolist()):
        by_source.setdefault(k, []).append(m)
    term_x: dict[int, np.ndarray] = {}
    for k, members in by_source.items():
        c, s = int(source_city[k]), int(source_sector[k])
        ms = np.asarray(members)
        projects = term_project[ms]
        # [draw, term, year]: the share of the source each term cuts in each year
        x = (term_fraction[:, ms] * effect[:, projects])[:, :, None] * adoption[:, projects, :]
        term_x[k] = x
        base = e_bau[:, c, s, :] * source_share[:, k, None]  # the source's BAU emissions
        source_cut = base * (1.0 - np.prod(1.0 - x, axis=1))
        cut[:, c, s, :] += source_cut
        if len(ms) == 1:  # one measure on the source: it gets the whole cut, no weights needed
            abatement[:, projects[0], :] += source_cut
        else:
            np.add.at(abatement, (slice(None), projects), _attribute(x, source_cut))
    emissions = np.maximum(e_bau - cut, 0.0) if by_source else e_bau.copy()
    sources = None
    if with_sources:
        sources = e_bau[:, source_city, source_sector, :] * source_share[:, :, None]
        for k, x in term_x.items():
            sources[:, k, :] *= np.prod(1.0 - x, axis=1)
    return emissions, abatement, sources


def whole_sectors(
    project_city: np.ndarray, project_sector: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sources and terms when no sector is split: one source (share 1) per (city, sector)
    that a project acts on, one term per project. Returns (source_city, source_sector,
    term_source)."""
    pairs = sorted(set(zip(project_city.tolist(), project_sector.tolist(), strict=True)))
    slot = {pair: k for k, pair in enumerate(pairs)}
    term_source = np.asarray(
        [slot[(c, s)] for c, s in zip(project_city.tolist(), project_sector.tolist(), strict=True)],
        dtype=np.int64,
    )
    source_city = np.asarray([c for c, _ in pairs], dtype=np.int64)
    source_sector = np.asarray([s for _, s in pairs], dtype=np.int64)
    return source_city, source_sector, term_source
