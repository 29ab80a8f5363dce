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
SUBSECTOR_COLUMNS = ("sector_id", "subsector_id", "name_sv", "name_en", "co2_proxy")

KommunCode = Annotated[str, StringConstraints(pattern=r"^\d{4}$")]


class Sources(Strict):
    emissions: str
    population: str | None = None


class Subsectors(Strict):
    """CO2 (not CO2e) by sub-sector for one year: the shares that `scope: {subsector: ..}`
    reads. `all` is the sector total; a sub-sector missing from a sector emits nothing."""

    year: Year
    unit: Literal["t CO2/yr"]
    source: str
    sectors: dict[str, dict[str, Annotated[float, Field(ge=0)]]]


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
    co2_subsectors: Subsectors | None = None

    def subsector_share(self, sector: str, names: list[str]) -> float:
        """Share of `sector` emitted by the sub-sectors `names` (CO2, 0..1)."""
        if self.co2_subsectors is None:
            raise KeyError("no sub-sector data")
        values = self.co2_subsectors.sectors.get(sector)
        if values is None or "all" not in values:
            raise KeyError(f"no sub-sector data for {sector}")
        total = values["all"]
        if total <= 0:
            return 0.0
        return min(1.0, sum(values.get(n, 0.0) for n in names) / total)


@dataclass(frozen=True)
class Sector:
    id: str
    name_sv: str
    name_en: str
    gpc_sector: str


@dataclass(frozen=True)
class Subsector:
    sector_id: str
    id: str
    name_sv: str
    name_en: str
    #: is its share of the sector's CO2 a fair proxy for its share of CO2e? (true where
    #: nearly all the sector's CO2e is CO2: transport, machinery, own heating)
    co2_proxy: bool


@dataclass(frozen=True)
class BaselineData:
    """Everything in one data folder."""

    root: Path
    sectors: tuple[Sector, ...]
    subsectors: tuple[Subsector, ...]
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


def shipped_folder(name: str, env_var: str) -> Path | None:
    """A folder citypaths ships under `scenarios/` (`data`, `library`): `$env_var` if set,
    else the copy installed with the package, else the one of the source tree."""
    env = os.environ.get(env_var)
    if env:
        return Path(env)
    package = Path(__file__).resolve().parents[1]
    for candidate in (
        package / "_shipped" / "scenarios" / name,
        package.parent / "scenarios" / name,
    ):
        if candidate.is_dir():
            return candidate
    return None


def default_data_dir() -> Path:
    """The shipped data: `$CITYPATHS_DATA`, else the copy installed with the package,
    else `scenarios/data` of the source tree."""
    found = shipped_folder("data", "CITYPATHS_DATA")
    if found is None:
        raise InputError(None, "no baseline data found: set CITYPATHS_DATA to a data folder")
    return found


def _read_table(path: Path, columns: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The rows of a data table (sectors.csv, subsectors.csv); the first column is an id
    that must be unique (with the second column, for sub-sectors)."""
    unique = 2 if columns[1] == "subsector_id" else 1
    rows: list[tuple[str, ...]] = []
    first_line: dict[tuple[str, ...], int] = {}
    end = 1  # the last line of the last row read
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            if tuple(reader.fieldnames or ()) != columns:
                raise InputError(path, f"expected the columns {', '.join(columns)}", line=1)
            end = reader.line_num
            for row in reader:
                start, end = end + 1, reader.line_num
                if None in row or any(row[c] is None for c in columns):
                    raise InputError(
                        path, f"expected {len(columns)} fields as in the header", line=start
                    )
                if any(not (row[c] or "").strip() for c in columns):
                    raise InputError(path, "every column needs a value", line=start)
                values = tuple(row[c].strip() for c in columns)
                if values[:unique] in first_line:
                    raise InputError(
                        path,
                        f"'{values[unique - 1]}' is listed twice (first on line "
                        f"{first_line[values[:unique]]}); each id may appear once",
                        line=start,
                        key=columns[unique - 1],
                    )
                first_line[values[:unique]] = start
                rows.append(values)
    except FileNotFoundError:
        raise InputError(path, f"file not found (a data folder needs {path.name})") from None
    except IsADirectoryError:
        raise InputError(path, "is a folder, expected a CSV file") from None
    except UnicodeDecodeError:
        raise InputError(
            path, "the file is not UTF-8 text; save it as UTF-8", line=_first_bad_line(path)
        ) from None
    except csv.Error as exc:
        # an unterminated quote runs to the end of the file: name the line where it opens
        raise InputError(path, f"malformed CSV: {exc}", line=end + 1) from None
    except OSError as exc:
        raise InputError(path, f"cannot read the file: {exc.strerror or exc}") from None
    return rows


def _first_bad_line(path: Path) -> int | None:
    """The 1-based line of the first bytes that are not UTF-8."""
    try:
        with path.open("rb") as fh:
            for number, raw in enumerate(fh, start=1):
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError:
                    return number
    except OSError:
        return None
    return None


def read_sectors(path: Path) -> tuple[Sector, ...]:
    return tuple(Sector(*row) for row in _read_table(path, SECTOR_COLUMNS))


def read_subsectors(path: Path) -> tuple[Subsector, ...]:
    subsectors = []
    for i, row in enumerate(_read_table(path, SUBSECTOR_COLUMNS), start=2):
        if row[4] not in ("true", "false"):
            raise InputError(
                path, f"expected true or false, got {row[4]!r}", line=i, key="co2_proxy"
            )
        subsectors.append(Subsector(*row[:4], co2_proxy=row[4] == "true"))
    return tuple(subsectors)


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
    subsectors = read_subsectors(root / "subsectors.csv")
    ids = tuple(s.id for s in sectors)
    cities, files, raw = {}, {}, {}
    for path in sorted((root / "cities").glob("*.yaml")):
        city, data = read_city(path, ids)
        cities[city.code], files[city.code], raw[city.code] = city, path, data
    return BaselineData(root, sectors, subsectors, cities, files, raw)


def load_data(root: str | Path | None = None) -> BaselineData:
    """Read a data folder (default: the shipped data). Cached while the files are unchanged."""
    root = Path(root) if root is not None else default_data_dir()
    try:
        root = root.resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise InputError(root, f"cannot follow the path: {exc}") from None
    if not root.is_dir():
        raise InputError(root, "data folder not found")
    files = [
        root / "sectors.csv",
        root / "subsectors.csv",
        *sorted((root / "cities").glob("*.yaml")),
    ]
    stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files if p.exists())
    return _load(root, stamp)
