"""Baseline data: sector metadata and one inventory file per city (docs/data.md).

A data folder holds `sectors.csv` and `cities/<kommun code>.yaml`. The files are read with
the same located YAML reader as scenarios, so a bad value names its file and line.
"""

from __future__ import annotations

import csv
import os
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, ValidationError

from sim.config.schema import NonNegative, Strict, Year
from sim.config.validation import to_input_error
from sim.config.yamlio import read_yaml
from sim.errors import InputError

EMISSIONS_UNIT = "t CO2e/yr"
SECTOR_COLUMNS = ("sector_id", "name_sv", "name_en", "gpc_sector")

KommunCode = Annotated[str, StringConstraints(pattern=r"^\d{4}$")]


class Sources(Strict):
    emissions: str
    population: str | None = None


class CityBaseline(Strict):
    """One city's observed inventory: t CO2e per year by sector and year."""

    format: Literal[1] = 1
    code: KommunCode
    name: str
    county: str | None = None
    climate_contract_cohort: str | None = None
    eu_mission_city: bool = False
    unit: Literal["t CO2e/yr"]
    source: Sources
    emissions: dict[str, Annotated[dict[Year, NonNegative], Field(min_length=1)]]
    population: dict[Year, Annotated[int, Field(ge=0)]] = {}


@dataclass(frozen=True)
class Sector:
    id: str
    name_sv: str
    name_en: str
    gpc_sector: str


@dataclass(frozen=True)
class BaselineData:
    """Everything in one data folder."""

    root: Path
    sectors: tuple[Sector, ...]
    cities: dict[str, CityBaseline]  # by kommun code
    files: dict[str, Path]  # city code -> file it was read from
    raw: dict[str, object]  # city code -> data as read (for the inputs hash)

    @property
    def sector_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.sectors)

    def resolve_city(self, ref: str) -> str | None:
        """The kommun code for a code or a name (case and accents ignored), or None."""
        if ref in self.cities:
            return ref
        wanted = fold(ref)
        for code, city in self.cities.items():
            if fold(city.name) == wanted:
                return code
        return None


def fold(text: str) -> str:
    """Lower case without accents: 'Umeå' and 'umea' compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def default_data_dir() -> Path:
    """The shipped data: `$CITYPATHS_DATA`, else the copy installed with the package,
    else `scenarios/data` of the source tree."""
    env = os.environ.get("CITYPATHS_DATA")
    if env:
        return Path(env)
    package = Path(__file__).resolve().parents[1]
    for candidate in (
        package / "_shipped" / "scenarios" / "data",
        package.parent / "scenarios" / "data",
    ):
        if candidate.is_dir():
            return candidate
    raise InputError(None, "no baseline data found: set CITYPATHS_DATA to a data folder")


def read_sectors(path: Path) -> tuple[Sector, ...]:
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            if tuple(reader.fieldnames or ()) != SECTOR_COLUMNS:
                raise InputError(path, f"expected the columns {', '.join(SECTOR_COLUMNS)}", line=1)
            sectors = []
            for row in reader:
                if any(not (row[c] or "").strip() for c in SECTOR_COLUMNS):
                    raise InputError(path, "every column needs a value", line=reader.line_num)
                sectors.append(Sector(*(row[c].strip() for c in SECTOR_COLUMNS)))
    except FileNotFoundError:
        raise InputError(path, "file not found (a data folder needs sectors.csv)") from None
    return tuple(sectors)


def read_city(path: Path, sector_ids: tuple[str, ...]) -> tuple[CityBaseline, object]:
    doc = read_yaml(path)
    if not isinstance(doc.data, dict):
        raise InputError(path, "expected a mapping of baseline fields", line=doc.loc.line)
    try:
        city = CityBaseline.model_validate(doc.data)
    except ValidationError as exc:
        raise to_input_error(exc, doc.data, doc.loc, CityBaseline) from None
    for sector in city.emissions:
        if sector not in sector_ids:
            loc = doc.loc.children["emissions"].children[sector]  # type: ignore[index]
            raise InputError(
                path,
                f"unknown sector '{sector}'; expected one of {', '.join(sector_ids)}",
                line=loc.line,
                key=f"emissions.{sector}",
            )
    if path.stem != city.code:
        raise InputError(path, f"file name must be the kommun code: {city.code}.yaml", key="code")
    return city, doc.data


@cache
def _load(root: Path, stamp: tuple[tuple[str, int, int], ...]) -> BaselineData:
    sectors = read_sectors(root / "sectors.csv")
    ids = tuple(s.id for s in sectors)
    cities, files, raw = {}, {}, {}
    for path in sorted((root / "cities").glob("*.yaml")):
        city, data = read_city(path, ids)
        cities[city.code], files[city.code], raw[city.code] = city, path, data
    return BaselineData(root, sectors, cities, files, raw)


def load_data(root: str | Path | None = None) -> BaselineData:
    """Read a data folder (default: the shipped data). Cached while the files are unchanged."""
    root = Path(root) if root is not None else default_data_dir()
    root = root.resolve()
    if not root.is_dir():
        raise InputError(root, "data folder not found")
    files = [root / "sectors.csv", *sorted((root / "cities").glob("*.yaml"))]
    stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files if p.exists())
    return _load(root, stamp)
