"""Write baseline files from CSV exports in the reference layout (docs/data.md).

Emissions CSV columns: kommun_code, kommun, lan, sector_id, sector, year, tonnes_co2e
(one row per municipality, sector and year; t CO2e per year). Optional population CSV:
kommun_code, kommun, year, population. Optional municipality list: kommun_code, kommun,
lan_code, lan, viable_cities_climate_contract, climate_contract_cohort, eu_100_mission_city.
"""

from __future__ import annotations

import csv
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sim.config.baseline import EMISSIONS_UNIT, read_sectors, read_subsectors
from sim.errors import InputError

EMISSIONS_COLUMNS = ("kommun_code", "kommun", "lan", "sector_id", "sector", "year", "tonnes_co2e")
POPULATION_COLUMNS = ("kommun_code", "kommun", "year", "population")
SUBSECTOR_COLUMNS = ("kommun_code", "sector_id", "subsector", "year", "tonnes_co2")
KOMMUN_COLUMNS = ("kommun_code", "kommun", "lan", "climate_contract_cohort", "eu_100_mission_city")

DEFAULT_EMISSIONS_SOURCE = (
    "SMHI, Nationella emissionsdatabasen (RUS), territorial greenhouse-gas emissions (GGT, "
    "excl. LULUCF), release with data to 2024; municipal rows as published by Klimatbyrån "
    "(territorial-data-pipeline @758ceb0e, 2026-06-25), values unchanged"
)
DEFAULT_SUBSECTOR_SOURCE = (
    "SMHI, Nationella emissionsdatabasen (RUS), Länsrapport 2024-04-18, CO2 only by "
    "sub-sector (Undersektor); municipal rows via Klimatbyrån (klimatkollen @2fc6856b), "
    "values rounded to 0.001 t"
)
DEFAULT_POPULATION_SOURCE = (
    "SCB, folkmängd 31 December (1950-2022: Folkmängden i Sveriges kommuner 1950-2022; "
    "2023-2024: BE0101; 2025: table 000007SF, December)"
)


@dataclass
class CityRecord:
    code: str
    name: str
    county: str | None = None
    cohort: str | None = None
    eu_mission: bool = False
    emissions: dict[str, dict[int, float]] = field(default_factory=dict)
    population: dict[int, int] = field(default_factory=dict)
    subsector_year: int | None = None
    subsectors: dict[str, dict[str, float]] = field(default_factory=dict)


def _rows(path: Path, required: tuple[str, ...]):
    try:
        fh = path.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    with fh:
        reader = csv.DictReader(fh)
        header = tuple(reader.fieldnames or ())
        missing = [c for c in required if c not in header]
        if missing:
            raise InputError(
                path,
                f"missing column(s) {', '.join(missing)}; expected the columns "
                f"{', '.join(required)}",
                line=1,
            )
        for row in reader:
            yield reader.line_num, row


def _number(path: Path, line: int, column: str, text: str | None, *, integer: bool = False):
    text = (text or "").strip()
    if not text:
        raise InputError(path, "missing value", line=line, key=column)
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise InputError(path, f"expected {kind}, got {text!r}", line=line, key=column) from None
    if not math.isfinite(value) or value < 0:
        raise InputError(path, f"expected a non-negative number, got {text}", line=line, key=column)
    return value


def read_emissions(
    path: Path, codes: list[str], sector_ids: tuple[str, ...]
) -> dict[str, CityRecord]:
    """The emissions of `codes` from a CSV in the reference layout."""
    out: dict[str, CityRecord] = {}
    for line, row in _rows(path, EMISSIONS_COLUMNS):
        code = (row["kommun_code"] or "").strip()
        if code not in codes:
            continue
        sector = (row["sector_id"] or "").strip()
        if sector not in sector_ids:
            raise InputError(
                path,
                f"unknown sector '{sector}'; expected one of {', '.join(sector_ids)}",
                line=line,
                key="sector_id",
            )
        year = _number(path, line, "year", row["year"], integer=True)
        value = _number(path, line, "tonnes_co2e", row["tonnes_co2e"])
        rec = out.setdefault(
            code, CityRecord(code, row["kommun"].strip(), row["lan"].strip() or None)
        )
        per_year = rec.emissions.setdefault(sector, {})
        if year in per_year:
            raise InputError(path, f"second row for {code} {sector} {year}", line=line)
        per_year[year] = value
    unknown = [c for c in codes if c not in out]
    if unknown:
        raise InputError(path, f"no rows for kommun code(s) {', '.join(unknown)}")
    for rec in out.values():
        years = set().union(*(d.keys() for d in rec.emissions.values()))
        for sector in sector_ids:
            gaps = sorted(years - set(rec.emissions.get(sector, {})))
            if gaps:
                missing = ", ".join(map(str, gaps))
                raise InputError(path, f"{rec.code} {rec.name}: no {sector} value for {missing}")
    return out


def add_population(path: Path, records: dict[str, CityRecord]) -> None:
    for line, row in _rows(path, POPULATION_COLUMNS):
        rec = records.get((row["kommun_code"] or "").strip())
        if rec is not None:
            year = _number(path, line, "year", row["year"], integer=True)
            # kept from the first inventory year on: what per-capita figures and BAU need
            if year >= min(min(v) for v in rec.emissions.values()):
                rec.population[year] = _number(
                    path, line, "population", row["population"], integer=True
                )


def add_subsectors(
    path: Path, records: dict[str, CityRecord], names: dict[tuple[str, str], str]
) -> None:
    """CO2 by sub-sector, latest year of each city; `names` maps (sector, Swedish name) -> id."""
    rows: dict[str, dict[int, dict[str, dict[str, float]]]] = {}
    for line, row in _rows(path, SUBSECTOR_COLUMNS):
        code = (row["kommun_code"] or "").strip()
        sector = (row["sector_id"] or "").strip()
        if code not in records or sector == "total":
            continue
        name = (row["subsector"] or "").strip()
        sub = "all" if name == "Alla" else names.get((sector, name))
        if sub is None:
            raise InputError(
                path,
                f"unknown sub-sector {name!r} of {sector}; add it to subsectors.csv",
                line=line,
                key="subsector",
            )
        year = _number(path, line, "year", row["year"], integer=True)
        value = _number(path, line, "tonnes_co2", row["tonnes_co2"])
        rows.setdefault(code, {}).setdefault(year, {}).setdefault(sector, {})[sub] = value
    for code, by_year in rows.items():
        year = max(by_year)
        records[code].subsector_year = year
        records[code].subsectors = by_year[year]


def add_kommun_metadata(path: Path, records: dict[str, CityRecord]) -> None:
    for _line, row in _rows(path, KOMMUN_COLUMNS):
        rec = records.get((row["kommun_code"] or "").strip())
        if rec is not None:
            rec.county = (row["lan"] or "").strip() or rec.county
            rec.cohort = (row["climate_contract_cohort"] or "").strip() or None
            rec.eu_mission = (row["eu_100_mission_city"] or "").strip().lower() == "true"


def _q(text: str) -> str:
    """A YAML double-quoted scalar."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _flow(mapping: dict[int, float] | dict[int, int]) -> str:
    return "{" + ", ".join(f"{y}: {v!r}" for y, v in sorted(mapping.items())) + "}"


def render_city(
    rec: CityRecord,
    emissions_source: str,
    population_source: str | None,
    subsector_source: str | None = None,
) -> str:
    """The baseline file of one city, as YAML text."""
    lines = [
        f"# Baseline inventory of {rec.name} (kommun {rec.code}): observed territorial",
        "# greenhouse-gas emissions by sector, t CO2e per year, and population (residents).",
        "# Written by `citypaths import-baseline`; see scenarios/data/README.md for the format.",
        "format: 1",
        f"code: {_q(rec.code)}",
        f"name: {_q(rec.name)}",
    ]
    if rec.county:
        lines.append(f"county: {_q(rec.county)}")
    if rec.cohort:
        lines.append(f"climate_contract_cohort: {_q(rec.cohort)}")
    lines += [
        f"eu_mission_city: {'true' if rec.eu_mission else 'false'}",
        f"unit: {_q(EMISSIONS_UNIT)}",
        "source:",
        f"  emissions: {_q(emissions_source)}",
    ]
    if rec.population and population_source:
        lines.append(f"  population: {_q(population_source)}")
    lines.append("emissions:  # t CO2e per year, by sector and year")
    lines += [f"  {sector}: {_flow(rec.emissions[sector])}" for sector in sorted(rec.emissions)]
    if rec.population:
        lines.append(f"population: {_flow(rec.population)}  # residents, 31 December")
    if rec.subsectors and subsector_source:
        lines += [
            "co2_subsectors:  # CO2 only, t CO2 per year: shares for `scope: {subsector: ...}`",
            f"  year: {rec.subsector_year}",
            f"  unit: {_q('t CO2/yr')}",
            f"  source: {_q(subsector_source)}",
            "  sectors:",
        ]
        for sector in sorted(rec.subsectors):
            values = rec.subsectors[sector]
            ordered = {"all": values.get("all", 0.0)} | {
                k: values[k] for k in sorted(values) if k != "all"
            }
            lines.append(
                f"    {sector}: {{" + ", ".join(f"{k}: {v!r}" for k, v in ordered.items()) + "}"
            )
    return "\n".join(lines) + "\n"


def write_atomic(path: Path, text: str) -> None:
    """Write a text file so that the path holds either the old or the whole new content."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def import_baseline(
    emissions_csv: str | Path,
    codes: list[str],
    data_dir: str | Path,
    *,
    population_csv: str | Path | None = None,
    kommuner_csv: str | Path | None = None,
    subsectors_csv: str | Path | None = None,
    emissions_source: str = DEFAULT_EMISSIONS_SOURCE,
    population_source: str = DEFAULT_POPULATION_SOURCE,
    subsector_source: str = DEFAULT_SUBSECTOR_SOURCE,
) -> list[Path]:
    """Write `cities/<code>.yaml` under `data_dir` for each kommun code; returns the paths.

    Every file is checked before any is written, so a bad CSV leaves the folder as it was.
    """
    data_dir = Path(data_dir)
    for code in codes:
        if not (len(code) == 4 and code.isdigit()):
            raise InputError(None, f"kommun code '{code}': expected four digits, e.g. 0123")
    sector_ids = tuple(s.id for s in read_sectors(data_dir / "sectors.csv"))
    subsector_names = {
        (s.sector_id, s.name_sv): s.id for s in read_subsectors(data_dir / "subsectors.csv")
    }
    records = read_emissions(Path(emissions_csv), codes, sector_ids)
    if population_csv is not None:
        add_population(Path(population_csv), records)
    if kommuner_csv is not None:
        add_kommun_metadata(Path(kommuner_csv), records)
    if subsectors_csv is not None:
        add_subsectors(Path(subsectors_csv), records, subsector_names)
    texts = {
        code: render_city(
            records[code],
            emissions_source,
            population_source if population_csv else None,
            subsector_source if subsectors_csv else None,
        )
        for code in codes
    }
    written = []
    for code, text in texts.items():
        path = data_dir / "cities" / f"{code}.yaml"
        write_atomic(path, text)
        written.append(path)
    return written
