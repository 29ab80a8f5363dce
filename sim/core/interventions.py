"""Interventions on sectors, combined multiplicatively, with exact attribution
(docs/model.md section 2).

For a (city, sector) with projects i: E = E_bau * prod_i (1 - x_i), x_i = scope_i *
effect_i * adoption_i. The abatement E_bau - E is shared in proportion to
w_i = -log(1 - x_i); the shares add up to the whole and do not depend on the order of i.
Where some x_i = 1 the sector is abated completely and those projects share it equally
(the limit of the weights as x_i -> 1).
"""

from __future__ import annotations

import numpy as np

from sim import dims


def apply_interventions(
    e_bau: np.ndarray,
    project_city: np.ndarray,
    project_sector: np.ndarray,
    reduction: np.ndarray,
    adoption: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Apply reduction projects to BAU emissions.

    e_bau: [draw, city, sector, year] t CO2e/yr; project_city, project_sector: [project]
    indices; reduction: [draw, project] = scope * effect (1); adoption: [draw, project, year].
    Returns (emissions [draw, city, sector, year], abatement [draw, project, year]), t CO2e/yr.
    """
    dims.check_shape("e_bau", e_bau.shape, dims.EMISSIONS, {})
    n_draw, _, _, n_year = e_bau.shape
    n_proj = len(project_city)
    dims.check_shape("reduction", reduction.shape, dims.PROJECT_PARAM, {dims.PROJECT: n_proj})
    dims.check_shape(
        "adoption", adoption.shape, dims.PROJECT_YEAR, {dims.PROJECT: n_proj, dims.YEAR: n_year}
    )
    emissions = e_bau.copy()
    abatement = np.zeros((max(n_draw, reduction.shape[0], adoption.shape[0]), n_proj, n_year))
    if n_proj == 0:
        return emissions, abatement
    groups: dict[tuple[int, int], list[int]] = {}
    for k, key in enumerate(zip(project_city.tolist(), project_sector.tolist(), strict=True)):
        groups.setdefault(key, []).append(k)
    for (c, s), members in groups.items():
        ks = np.asarray(members)
        base = e_bau[:, c, s, :]
        if len(ks) == 1:  # one measure: it gets the whole cut, no weights needed
            x = reduction[:, ks[0], None] * adoption[:, ks[0], :]  # [draw, year]
            emissions[:, c, s, :] = base * (1.0 - x)
            abatement[:, ks[0], :] = base - emissions[:, c, s, :]
            continue
        x = reduction[:, ks, None] * adoption[:, ks, :]  # [draw, k, year]
        remaining = 1.0 - x
        emissions[:, c, s, :] = base * np.prod(remaining, axis=1)
        total = base - emissions[:, c, s, :]
        complete = remaining <= 0.0
        if complete.any():
            with np.errstate(divide="ignore"):
                weights = -np.log(np.where(complete, 1.0, remaining))
            weights = np.where(complete.any(axis=1, keepdims=True), complete, weights)
        else:
            weights = -np.log(remaining)
        wsum = weights.sum(axis=1, keepdims=True)
        share = np.divide(weights, wsum, out=np.zeros_like(weights), where=wsum > 0)
        abatement[:, ks, :] = share * total[:, None, :]
    return emissions, abatement
