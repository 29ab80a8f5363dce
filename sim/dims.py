"""Dimension names and their order, declared once.

Every array that crosses a layer boundary is laid out in the order given here; the store
names the axes with these strings, and `check_shape` guards the kernels' inputs. Nothing
else in citypaths spells a dimension name or assumes an axis position.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

SCENARIO = "scenario"
DRAW = "draw"
CITY = "city"
SECTOR = "sector"
INTERVENTION = "intervention"
YEAR = "year"
#: observed inventory years, kept beside the projection (they are not contiguous)
HIST_YEAR = "hist_year"
#: one (city, intervention) pair: a project. Internal to the engine; the store scatters it
#: onto (city, intervention).
PROJECT = "project"
TARGET = "target"
#: a disjoint part of a city's sector (a plant, a fuel, a sub-sector, or the rest): the
#: emissions that measures on the same source share. Internal source slots are flat over
#: (city, sector); the store labels them with their city, sector and name.
SOURCE = "source"
#: one project acting on one source. Internal to the engine.
TERM = "term"

#: canonical order of the result dimensions (docs/model.md section 6)
ORDER: tuple[str, ...] = (SCENARIO, DRAW, CITY, SECTOR, SOURCE, INTERVENTION, YEAR)

# Layouts of the arrays the core works with. The draw axis always leads.
BASE = (CITY, SECTOR)  # base-year emissions, t CO2e/yr
INDEX = (DRAW, CITY, SECTOR, YEAR)  # activity / intensity indices, 1
EMISSIONS = (DRAW, CITY, SECTOR, YEAR)  # t CO2e/yr
PROJECT_PARAM = (DRAW, PROJECT)  # one number per draw and project
PROJECT_YEAR = (DRAW, PROJECT, YEAR)  # adoption, abatement, cost per project and year
SOURCE_PARAM = (DRAW, SOURCE)  # share of its sector per draw and source
SOURCE_YEAR = (DRAW, SOURCE, YEAR)  # emissions of a source, t CO2e/yr
TERM_PARAM = (DRAW, TERM)  # share of its source a term addresses

# Layouts of the stored result variables (before the scenario axis is added).
RESULT = {
    "emissions": (DRAW, CITY, SECTOR, YEAR),
    "emissions_bau": (DRAW, CITY, SECTOR, YEAR),
    "emissions_trend": (CITY, SECTOR, YEAR),
    "emissions_trend_total": (CITY, YEAR),
    "emissions_observed": (CITY, SECTOR, HIST_YEAR),
    "removals": (DRAW, CITY, INTERVENTION, YEAR),
    "adoption": (DRAW, CITY, INTERVENTION, YEAR),
    "abatement": (DRAW, CITY, INTERVENTION, YEAR),
    "capex": (DRAW, CITY, INTERVENTION, YEAR),
    "opex": (DRAW, CITY, INTERVENTION, YEAR),
    "cost": (DRAW, CITY, INTERVENTION, YEAR),
    "npv_cost": (DRAW, CITY, INTERVENTION),
    "pv_tonnes": (DRAW, CITY, INTERVENTION),
    "levelised_cost": (DRAW, CITY, INTERVENTION),
    "levelised_cost_total": (DRAW, CITY),
    "emissions_source": (DRAW, SOURCE, YEAR),
}


def check_shape(name: str, shape: Sequence[int], dims: Sequence[str], sizes: Mapping[str, int]):
    """Raise ValueError unless `shape` matches `dims` under `sizes` (a dim missing from
    `sizes` matches any length)."""
    if len(shape) != len(dims):
        raise ValueError(f"{name}: expected {len(dims)} axes {tuple(dims)}, got shape {shape}")
    for axis, (dim, n) in enumerate(zip(dims, shape, strict=True)):
        want = sizes.get(dim)
        if want is not None and n != want and not (dim == DRAW and n == 1):
            raise ValueError(f"{name}: axis {axis} ({dim}) has length {n}, expected {want}")
