"""Project costs and their net present value (docs/model.md section 2).

Capital cost is spent as adoption grows: capex_t = capex * max(0, a_t - a_{t-1}), so a
project built within the horizon spends its whole capex. Operating cost (negative: a
saving) is paid each year in proportion to adoption: opex_t = opex * a_t. Money is in the
scenario's currency at its price year (real terms); the NPV discounts year t by
(1 + r)^-(t - t0) to the base year t0.
"""

from __future__ import annotations

import numpy as np


def project_costs(
    adoption: np.ndarray, adoption_before: np.ndarray, capex: np.ndarray, opex: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(capex_t, opex_t), each [draw, project, year] in currency per year.

    adoption: [draw, project, year]; adoption_before: [draw, project], the year before the
    first; capex (total) and opex (per year at full adoption): [draw, project].
    """
    previous = np.concatenate([adoption_before[..., None], adoption[..., :-1]], axis=-1)
    increase = np.maximum(adoption - previous, 0.0)
    return capex[..., None] * increase, opex[..., None] * adoption


def discount_factors(years: np.ndarray, base_year: int, rate: float) -> np.ndarray:
    """(1 + rate)^-(t - base_year) for each year t."""
    return (1.0 + rate) ** -(np.asarray(years, float) - base_year)


def npv(cost: np.ndarray, years: np.ndarray, base_year: int, rate: float) -> np.ndarray:
    """Net present value over the last (year) axis, discounted to the base year."""
    return cost @ discount_factors(years, base_year, rate)
