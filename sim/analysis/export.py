"""Export a result to tables others read (docs/cli.md, `citypaths export`): the IAMC long
format (model, scenario, region, variable, unit, year, value), a tidy CSV of every
variable, and an Excel workbook in the IAMC layout.

Over several draws the IAMC tables hold the 5th, 50th and 95th percentiles over the draws,
each as a scenario with a suffix (`umea-contract|p05`); a percentile is taken of each
variable's own per-draw values, so percentiles of the parts do not add up to the percentile
of a total. A result with one draw exports that draw under the scenario's own name.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from sim import dims
from sim.atomic import replacing
from sim.errors import CitypathsError

FORMATS = ("iamc", "csv", "xlsx")
IAMC_COLUMNS = ("model", "scenario", "region", "variable", "unit", "year", "value")
EMISSIONS_UNIT = "t CO2-equiv/yr"  # the IAMC spelling of t CO2e/yr
#: percentiles over the draws, and the scenario suffix each is exported under
PERCENTILES = {5: "p05", 50: "p50", 95: "p95"}

#: sector ids of scenarios/data/sectors.csv -> IAMC-style names (docs/cli.md). Every name is
#: one level below `Emissions|Kyoto Gases`, so the sectors add up to it.
SECTOR_NAMES = {
    "transport": "Transportation",
    "electricity_district_heating": "Electricity and Heat",
    "industry": "Industry",
    "agriculture": "Agriculture",
    "machinery": "Off-road Machinery",
    "product_use": "Product Use",
    "waste": "Waste",
    "individual_heating": "Residential and Commercial",
    "international_transport": "International Bunkers",
}


#: the output kind (sim.atomic.KINDS) of each export format
OUTPUT_KINDS = {"iamc": "iamc", "csv": "tidy-csv", "xlsx": "xlsx"}


def guard_output(path: str | Path, kind: str, force: bool) -> Path:
    """The check every output gets (sim.atomic.guard_output) for an export `kind` (a
    format: iamc, csv, xlsx): refuse folders, devices, links and anyone else's files
    always, and an earlier export of this format unless `force`."""
    from sim.atomic import guard_output as guard

    return guard(path, OUTPUT_KINDS.get(kind, kind), force)


def sector_name(sector_id: str, fallback: str = "") -> str:
    """The IAMC-style name of a sector (`SECTOR_NAMES`; else its English name without '|')."""
    if sector_id in SECTOR_NAMES:
        return SECTOR_NAMES[sector_id]
    return (fallback or sector_id).replace("|", "/")


def _emissions(gross: xr.DataArray) -> dict[str, tuple[str, xr.DataArray, str | None]]:
    """`Emissions|Kyoto Gases` and one variable per sector from emissions [draw, city,
    sector, year]."""
    out: dict[str, tuple[str, xr.DataArray, str | None]] = {
        "Emissions|Kyoto Gases": (EMISSIONS_UNIT, gross.sum(dims.SECTOR), None)
    }
    sectors = gross[dims.SECTOR].values
    names = gross["sector_name"].values if "sector_name" in gross.coords else sectors
    for sector, fallback in zip(sectors, names, strict=True):
        name = f"Emissions|Kyoto Gases|{sector_name(str(sector), str(fallback))}"
        out[name] = (EMISSIONS_UNIT, gross.sel({dims.SECTOR: sector}), None)
    return out


def _one_scenario(ds: xr.Dataset) -> dict[str, tuple[str, xr.DataArray, str | None]]:
    """variable -> (unit, values [draw, city, year], the intervention it belongs to or None)
    of one scenario's IAMC variables."""
    cur = f"{ds.attrs.get('currency', 'SEK')}_{ds.attrs.get('price_year', '')}/yr".replace(
        "_/yr", "/yr"
    )
    gross, removals = ds["emissions"], ds["removals"]
    out = _emissions(gross)
    out["Carbon Removal"] = (EMISSIONS_UNIT, removals.sum(dims.INTERVENTION), None)
    out["Net Emissions|Kyoto Gases"] = (
        EMISSIONS_UNIT,
        gross.sum(dims.SECTOR) - removals.sum(dims.INTERVENTION),
        None,
    )
    out["Abatement|Kyoto Gases"] = (EMISSIONS_UNIT, ds["abatement"].sum(dims.INTERVENTION), None)
    for var, name, unit in (
        ("cost", "Cost", cur),
        ("capex", "Capital Cost", cur),
        ("opex", "Operating Cost", cur),
    ):
        out[name] = (unit, ds[var].sum(dims.INTERVENTION), None)
    kinds = ds["intervention_kind"].values
    for i, intervention in enumerate(ds[dims.INTERVENTION].values):
        sel = {dims.INTERVENTION: intervention}
        name = str(intervention)
        if kinds[i] == "removal":
            out[f"Carbon Removal|{name}"] = (EMISSIONS_UNIT, removals.sel(sel), name)
        else:
            out[f"Abatement|Kyoto Gases|{name}"] = (EMISSIONS_UNIT, ds["abatement"].sel(sel), name)
        out[f"Cost|{name}"] = (cur, ds["cost"].sel(sel), name)
        out[f"Capital Cost|{name}"] = (cur, ds["capex"].sel(sel), name)
        out[f"Operating Cost|{name}"] = (cur, ds["opex"].sel(sel), name)
    return out


def _runs(ds: xr.Dataset) -> xr.DataArray:
    """bool [city, intervention]: does the intervention run in the city (in some draw)?"""
    return ds["planned_start"].notnull().any(dims.DRAW)


def iamc_frame(ds: xr.Dataset) -> pd.DataFrame:
    """The result in IAMC long format: one row per (scenario, region, variable, year).

    Regions are city names. Each scenario `<id>` of the result gives its own variables and a
    scenario `<id>|bau` with the emissions under business as usual. Per-intervention
    variables appear only for the cities the intervention runs in. Over several draws the
    5th, 50th and 95th percentiles (linear interpolation between draws) replace the draws,
    as scenarios `<id>|p05`, `<id>|p50`, `<id>|p95` (and `<id>|bau|p05`, ...).
    """
    model = f"citypaths {ds.attrs.get('citypaths_version', '')}".strip()
    frames = []
    for scenario in ds[dims.SCENARIO].values:
        one = ds.sel({dims.SCENARIO: scenario})
        runs = _runs(one)  # [city, intervention]
        cities = one[dims.CITY].values
        regions = np.array([str(n) for n in one["city_name"].values], dtype=object)
        years = one[dims.YEAR].values.astype(int)
        n_year = len(years)
        for label, variables in (
            (str(scenario), _one_scenario(one)),
            (f"{scenario}|bau", _emissions(one["emissions_bau"])),
        ):
            for variable, (unit, values, intervention) in variables.items():
                keep = np.ones(len(cities), dtype=bool)
                if intervention is not None:
                    keep = runs.sel({dims.INTERVENTION: intervention}).values
                if not keep.any():
                    continue
                for scen, arr in _over_draws(label, values):
                    block = arr.transpose(dims.CITY, dims.YEAR).values[keep]  # [city, year]
                    frames.append(
                        pd.DataFrame(
                            {
                                "model": model,
                                "scenario": scen,
                                "region": np.repeat(regions[keep], n_year),
                                "variable": variable,
                                "unit": unit,
                                "year": np.tile(years, block.shape[0]),
                                "value": block.ravel().astype(float),
                            }
                        )
                    )
    if not frames:
        return pd.DataFrame(columns=list(IAMC_COLUMNS))
    out = pd.concat(frames, ignore_index=True)[list(IAMC_COLUMNS)]
    # one block per scenario and city (in the result's order), variables in the order above
    keys = {c: pd.Categorical(out[c], categories=out[c].unique()) for c in ("scenario", "region")}
    order = pd.DataFrame(keys).sort_values(["scenario", "region"], kind="stable").index
    return out.loc[order].reset_index(drop=True)


def _over_draws(label: str, values: xr.DataArray) -> list[tuple[str, xr.DataArray]]:
    """[(scenario label, values [city, year])]: the one draw, or the percentiles."""
    if values.sizes[dims.DRAW] == 1:
        return [(label, values.isel({dims.DRAW: 0}, drop=True))]
    q = values.quantile([p / 100 for p in PERCENTILES], dim=dims.DRAW)
    return [
        (f"{label}|{suffix}", q.isel(quantile=k, drop=True))
        for k, suffix in enumerate(PERCENTILES.values())
    ]


def tidy_frame(ds: xr.Dataset) -> pd.DataFrame:
    """Every data variable in one long table: variable, unit, one column per dimension
    (empty where a variable does not have it), value. Text variables keep their text."""
    all_dims = [d for d in (*dims.ORDER, dims.HIST_YEAR, dims.TARGET) if d in ds.dims]
    frames = []
    for name, da in ds.data_vars.items():
        df = da.reset_coords(drop=True).to_dataframe(name="value").reset_index()
        df.insert(0, "unit", da.attrs.get("units", ""))
        df.insert(0, "variable", str(name))
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    columns = ["variable", "unit", *all_dims, "value"]
    for d in all_dims:
        if d not in out:
            out[d] = pd.NA
        if d in (dims.DRAW, dims.YEAR, dims.HIST_YEAR):
            out[d] = out[d].astype("Int64")  # whole numbers, empty where not a dimension
    return out[columns]


def _wide(frame: pd.DataFrame) -> pd.DataFrame:
    """IAMC long -> the wide layout of IAMC workbooks (one column per year)."""
    index = [c for c in IAMC_COLUMNS if c not in ("year", "value")]
    wide = frame.pivot_table(index=index, columns="year", values="value", sort=False)
    wide.columns = [int(c) for c in wide.columns]
    return wide.reset_index()


def _meta(ds: xr.Dataset) -> pd.DataFrame:
    return pd.DataFrame({"attribute": list(ds.attrs), "value": [str(v) for v in ds.attrs.values()]})


def write_export(ds: xr.Dataset, path: str | Path, fmt: str, force: bool = False) -> Path:
    """Write `ds` as `fmt` (iamc, csv, xlsx) to `path`, atomically; an existing file is
    replaced only with `force`."""
    if fmt not in FORMATS:
        raise CitypathsError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    path = guard_output(path, fmt, force)
    if fmt == "iamc":
        table = iamc_frame(ds)
        with replacing(path) as tmp:
            table.to_csv(tmp, index=False)
    elif fmt == "csv":
        table = tidy_frame(ds)
        with replacing(path) as tmp:
            table.to_csv(tmp, index=False)
    else:
        wide = _wide(iamc_frame(ds))
        with replacing(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as xl:
            xl.book.properties.creator = "citypaths"  # how a later export recognises it
            wide.to_excel(xl, sheet_name="data", index=False)
            _meta(ds).to_excel(xl, sheet_name="meta", index=False)
    return path


def describe(path: Path, ds: xr.Dataset, fmt: str) -> str:
    """One line on what was written."""
    n_draw = ds.sizes.get(dims.DRAW, 1)
    what = f"percentiles 5, 50, 95 of {n_draw} draws" if n_draw > 1 else "one draw"
    return f"{fmt} export of {', '.join(map(str, ds[dims.SCENARIO].values))} ({what}) -> {path}"
