"""The result store (docs/model.md section 6): an xarray Dataset with named dimensions, a unit
and a long name on every variable, and provenance in its attributes; written to NetCDF
atomically, so an interrupted write never leaves a file that looks complete."""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import xarray as xr

import sim
from sim import dims
from sim.atomic import replacing
from sim.core.benchmarks import total_trend
from sim.errors import CitypathsError
from sim.result import RunResult

FORMAT = "citypaths-result-1"

#: name -> (unit, long name); the unit "{currency}" is filled in from the plan
VARIABLES = {
    "emissions": ("t CO2e/yr", "gross territorial emissions under the scenario"),
    "emissions_bau": ("t CO2e/yr", "gross territorial emissions under business as usual"),
    "emissions_trend": ("t CO2e/yr", "continuation of the observed trend since 2015"),
    "emissions_trend_total": (
        "t CO2e/yr",
        "continuation of the observed trend of the total since 2015 (sectors summed first)",
    ),
    "emissions_observed": ("t CO2e/yr", "observed territorial emissions (inventory)"),
    "removals": ("t CO2e/yr", "emissions removed (CCS, BECCS, sinks), credited to the city"),
    "adoption": ("1", "mean adoption over the calendar year"),
    "abatement": ("t CO2e/yr", "emissions cut, attributed to the intervention"),
    "capex": ("{currency}/yr", "capital cost spent in the year"),
    "opex": ("{currency}/yr", "operating cost in the year (negative: saving)"),
    "cost": ("{currency}/yr", "capital plus operating cost in the year"),
    "npv_cost": ("{currency}", "net present value of the cost, discounted to the base year"),
    "pv_tonnes": (
        "t CO2e",
        "present value of the tonnes cut or removed, discounted to the base year at the "
        "discount rate of the costs",
    ),
    "levelised_cost": (
        "{currency}/t CO2e",
        "levelised cost of abatement: present value of the cost over present value of the "
        "tonnes cut or removed",
    ),
    "levelised_cost_total": (
        "{currency}/t CO2e",
        "levelised cost of abatement of all the scenario's measures in the city",
    ),
    "emissions_source": (
        "t CO2e/yr",
        "gross emissions of each source of a sector split into sources",
    ),
    "planned_start": ("year", "build start if nothing had to wait"),
    "planned_completion": ("year", "completion if nothing had to wait"),
    "start": ("year", "actual build start"),
    "completion": ("year", "actual completion"),
    "wait_capacity": ("yr", "time waited for a capacity slot"),
    "wait_budget": ("yr", "time waited for money from a budget"),
    "needs_capacity": ("", "capacity pools the project takes slots of, comma-separated"),
    "needs_budget": ("", "budget the project takes money from"),
    "wait_after": (
        "yr",
        "time waited past the earliest start for the interventions it comes after",
    ),
}


def _scatter(plan, values: np.ndarray, fill: float) -> np.ndarray:
    """[draw, project, ...] -> [draw, city, intervention, ...]."""
    p = plan.projects
    shape = (values.shape[0], len(plan.cities), len(plan.interventions), *values.shape[2:])
    out = np.full(shape, fill)
    out[:, p.city, p.intervention] = values
    return out


def _needs(plan) -> tuple[np.ndarray, np.ndarray]:
    """Names of the capacity pools and budget each (city, intervention) needs ("" if none)."""
    p, pools = plan.projects, plan.pools
    shape = (len(plan.cities), len(plan.interventions))
    capacity, budget = np.full(shape, "", dtype=object), np.full(shape, "", dtype=object)
    for k in range(len(p)):
        caps = p.capacity[p.capacity_ptr[k] : p.capacity_ptr[k + 1]]
        capacity[p.city[k], p.intervention[k]] = ",".join(pools.capacity_names[c] for c in caps)
        if p.budget[k] >= 0:
            budget[p.city[k], p.intervention[k]] = pools.budget_names[p.budget[k]]
    return capacity.astype(str), budget.astype(str)


def _source_coords(plan, split: np.ndarray) -> dict:
    """Labels of the sources of split sectors: `city/sector/source`, with each part apart."""
    src = plan.sources
    ks = np.flatnonzero(split)
    city = [plan.cities[src.city[k]] for k in ks]
    sector = [plan.sectors[src.sector[k]] for k in ks]
    name = [src.name[k] for k in ks]
    return {
        dims.SOURCE: [f"{c}/{s}/{n}" for c, s, n in zip(city, sector, name, strict=True)],
        "source_city": (dims.SOURCE, city),
        "source_sector": (dims.SOURCE, sector),
        "source_name": (dims.SOURCE, name),
    }


def to_dataset(result: RunResult, *, created: str | None = None) -> xr.Dataset:
    """Label a run's arrays; every variable gets the scenario axis first."""
    plan = result.plan
    n_draw = result.emissions.shape[0]
    ro = result.rollout
    cost = result.project_capex + result.project_opex
    npv_cost = _scatter(plan, result.project_npv, 0.0)
    pv_tonnes = _scatter(plan, result.project_pv_tonnes, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        levelised = np.where(pv_tonnes > 0, npv_cost / pv_tonnes, np.nan)
        total_t = pv_tonnes.sum(axis=2)
        levelised_total = np.where(total_t > 0, npv_cost.sum(axis=2) / total_t, np.nan)
    split = plan.sources.split
    arrays = {
        "emissions": result.emissions,
        "emissions_bau": result.emissions_bau,
        "emissions_trend": result.emissions_trend,
        "emissions_trend_total": total_trend(plan.observed, plan.hist_years, plan.years),
        "emissions_observed": plan.observed,
        "removals": result.city_removals,
        "adoption": _scatter(plan, result.project_adoption, 0.0),
        "abatement": _scatter(plan, result.project_abatement, 0.0),
        "capex": _scatter(plan, result.project_capex, 0.0),
        "opex": _scatter(plan, result.project_opex, 0.0),
        "cost": _scatter(plan, cost, 0.0),
        "npv_cost": npv_cost,
        "pv_tonnes": pv_tonnes,
        "levelised_cost": levelised,
        "levelised_cost_total": levelised_total,
        "emissions_source": result.source_emissions[:, split, :],
    }
    timing = {
        "planned_start": ro.planned_start,
        "planned_completion": ro.planned_completion,
        "start": ro.start,
        "completion": ro.completion,
        "wait_capacity": ro.wait_capacity,
        "wait_budget": ro.wait_budget,
        "wait_after": ro.wait_after,
    }
    timing_dims = (dims.DRAW, dims.CITY, dims.INTERVENTION)
    data_vars = {}
    for name, values in arrays.items():
        data_vars[name] = (dims.RESULT[name], values)
    for name, values in timing.items():
        data_vars[name] = (timing_dims, _scatter(plan, values, np.nan))
    ds = xr.Dataset(
        data_vars,
        coords={
            dims.DRAW: np.arange(n_draw),
            dims.CITY: list(plan.cities),
            "city_name": (dims.CITY, list(plan.city_names)),
            dims.SECTOR: list(plan.sectors),
            "sector_name": (dims.SECTOR, list(plan.sector_names)),
            dims.INTERVENTION: list(plan.interventions),
            "intervention_title": (dims.INTERVENTION, list(plan.intervention_titles)),
            "intervention_kind": (dims.INTERVENTION, list(plan.intervention_kinds)),
            "intervention_sector": (dims.INTERVENTION, list(plan.intervention_sectors)),
            dims.YEAR: plan.years,
            dims.HIST_YEAR: plan.hist_years,
            **_source_coords(plan, split),
        },
    )
    ds = ds.expand_dims({dims.SCENARIO: [plan.scenario_id]})
    # the observed history and the trend do not depend on the scenario
    for name in ("emissions_observed", "emissions_trend", "emissions_trend_total"):
        ds[name] = ds[name].isel({dims.SCENARIO: 0}, drop=True)
    needs_capacity, needs_budget = _needs(plan)
    ds["needs_capacity"] = ((dims.CITY, dims.INTERVENTION), needs_capacity)
    ds["needs_budget"] = ((dims.CITY, dims.INTERVENTION), needs_budget)
    targets = plan.targets
    ds = ds.assign(
        target_threshold=(dims.TARGET, [t.threshold for t in targets]),
        target_reference_year=(dims.TARGET, [t.reference_year for t in targets]),
        target_year=(dims.TARGET, [t.year for t in targets]),
        target_basis=(dims.TARGET, [t.basis for t in targets]),
        target_sectors=(dims.TARGET, [",".join(t.sectors) for t in targets]),
        target_title=(dims.TARGET, [t.title or "" for t in targets]),
        target_max_removals=(
            dims.TARGET,
            np.array(
                [np.nan if t.max_removals is None else t.max_removals for t in targets], float
            ),
        ),
        target_source=(dims.TARGET, [t.source or "" for t in targets]),
        target_file=(dims.TARGET, [t.file for t in targets]),
    ).assign_coords({dims.TARGET: [t.id for t in targets]})
    target_meta = {
        "target_threshold": ("1", "required reduction below the reference year"),
        "target_reference_year": ("year", "reference year of the target"),
        "target_year": ("year", "year by which the target applies"),
        "target_basis": ("", "gross, or net of removals"),
        "target_sectors": ("", "sectors the target counts, comma-separated"),
        "target_title": ("", "title of the target"),
        "target_max_removals": (
            "1",
            "removals counted on the net basis at most, as a share of the reference emissions "
            "(NaN: no cap)",
        ),
        "target_source": ("", "the decision the target comes from"),
        "target_file": ("", "the scenario file that writes the target"),
    }
    # every variable in the canonical order of its dimensions (sim.dims.ORDER)
    ds = ds.transpose(*dims.ORDER, ...)
    for name, (unit, long_name) in {**VARIABLES, **target_meta}.items():
        if name in ds:
            ds[name].attrs.update(units=unit.format(currency=plan.currency), long_name=long_name)
    for name, unit in (
        (dims.YEAR, "year"),
        (dims.HIST_YEAR, "year"),
        (dims.DRAW, "1"),
    ):
        ds[name].attrs["units"] = unit
    ds.attrs.update(
        {
            "format": FORMAT,
            "title": plan.title or plan.scenario_id,
            "citypaths_version": sim.__version__,
            "inputs_sha256": plan.inputs_sha256,
            "seed": "none" if result.seed is None else str(result.seed),
            "sampler": result.sampler,
            "rollout_engine": ro.engine,
            "created": created or datetime.now(UTC).isoformat(timespec="seconds"),
            "scenario_files": json.dumps(list(plan.files), ensure_ascii=False),
            "currency": plan.currency,
            "price_year": plan.price_year,
            "discount_rate": plan.discount_rate,
            "base_year": plan.base_year,
            "python": platform.python_version(),
            "numpy": np.__version__,
            "xarray": xr.__version__,
            "base_level_years": plan.base_level_years,
            "warnings": json.dumps(list(plan.warnings), ensure_ascii=False),
        }
    )
    return ds


def write_netcdf(ds: xr.Dataset, path: str | Path) -> Path:
    """Write to a temporary file in the same folder, then rename it into place.

    The rename is atomic on one file system, so `path` holds either its old content or the
    complete new file; a failed or interrupted write removes the temporary file.
    """
    path = Path(path)
    with replacing(path) as tmp:
        # built in memory, then written with plain file I/O: a full disk is then an ordinary
        # OSError, not an HDF5 library failure that can crash the interpreter at exit
        data = ds.to_netcdf(engine="h5netcdf", invalid_netcdf=False)
        tmp.write_bytes(bytes(data))
    return path


def read_results(path: str | Path) -> list[xr.Dataset]:
    """Every scenario of a stored result: one for a NetCDF file, one per scenario of a
    Monte Carlo store (a complete one: an interrupted store is refused)."""
    path = Path(path)
    if path.is_dir():
        from sim.store_zarr import is_zarr_store, open_store

        if not is_zarr_store(path):
            raise CitypathsError(f"{path}: a folder that is no Zarr store")
        return open_store(path, load=True)
    return [read_result(path)]


def read_result(path: str | Path) -> xr.Dataset:
    """Open a stored result (fully loaded) and check it is one; a Monte Carlo store must hold
    one scenario (see `read_results` for several)."""
    path = Path(path)
    if path.is_dir():
        results = read_results(path)
        if len(results) != 1:
            names = ", ".join(str(ds[dims.SCENARIO].values[0]) for ds in results)
            raise CitypathsError(f"{path}: holds {len(results)} scenarios ({names}); read them all")
        return results[0]
    if not path.is_file():
        raise CitypathsError(f"{path}: file not found")
    try:
        with xr.open_dataset(path, engine="h5netcdf") as ds:
            ds = ds.load()
    except Exception as exc:
        reason = str(exc).strip("'\"") or type(exc).__name__
        raise CitypathsError(
            f"{path}: not a readable NetCDF file, or a damaged one ({reason})"
        ) from None
    if ds.attrs.get("format") != FORMAT:
        raise CitypathsError(f"{path}: not a citypaths result (no format attribute {FORMAT!r})")
    missing = [name for name in ("emissions", "emissions_bau", "removals") if name not in ds]
    if missing:
        raise CitypathsError(
            f"{path}: not a complete citypaths result: no variable {', '.join(missing)}; run "
            "the scenario again to rewrite it"
        )
    return ds
