"""Write baseline files from CSV exports in the reference layout (scenarios/data/README.md).

Emissions CSV columns: kommun_code, kommun, lan, sector_id, sector, year, tonnes_co2e
(one row per municipality, sector and year; t CO2e per year). Optional population CSV:
kommun_code, kommun, year, population (residents on 31 December). Optional municipality
list: kommun_code, kommun, lan, climate_contract_cohort, eu_100_mission_city. Optional CO2
sub-sector CSV: kommun_code, sector_id, subsector, year, tonnes_co2 (t CO2 per year; the
Swedish sub-sector names of subsectors.csv, `Alla` for the sector total). Other columns
are ignored.

Every value a city file will hold is checked, and every file rendered and validated,
before the first file is written: a bad CSV names its file, line and column and leaves
the data folder as it was.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from sim.atomic import Interrupted, guard_output, output_error, temporary_name
from sim.config.baseline import (
    EMISSIONS_UNIT,
    CityBaseline,
    read_sectors,
    read_subsectors,
)
from sim.errors import InputError

EMISSIONS_COLUMNS = ("kommun_code", "kommun", "lan", "sector_id", "sector", "year", "tonnes_co2e")
POPULATION_COLUMNS = ("kommun_code", "kommun", "year", "population")
SUBSECTOR_COLUMNS = ("kommun_code", "sector_id", "subsector", "year", "tonnes_co2")
KOMMUN_COLUMNS = ("kommun_code", "kommun", "lan", "climate_contract_cohort", "eu_100_mission_city")

FIRST_YEAR, LAST_YEAR = 1900, 2200  # the range a baseline file accepts (sim.config.schema.Year)
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0", ""})

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


def _rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) for each data row of a CSV that has the `required` columns.

    A row with more or fewer fields than the header, bytes that are not UTF-8 and a
    malformed quote are errors that name the line.
    """
    try:
        fh = path.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except OSError as exc:
        raise InputError(path, f"cannot read the file: {exc.strerror or exc}") from None
    with fh:
        reader = csv.DictReader(fh)
        try:
            header = tuple(reader.fieldnames or ())
            if not header:
                raise InputError(
                    path, f"empty file; expected a header row: {', '.join(required)}", line=1
                )
            missing = [c for c in required if c not in header]
            if missing:
                hint = ""
                if len(header) == 1 and ";" in header[0]:
                    hint = " (the file seems to separate fields with ';'; expected ',')"
                raise InputError(
                    path,
                    f"missing column(s) {', '.join(missing)}; expected the columns "
                    f"{', '.join(required)}{hint}",
                    line=1,
                    key=missing[0],
                )
            end = reader.line_num
            for row in reader:
                start, end = end + 1, reader.line_num
                # a row that runs over several lines has a quote opened and not closed
                spans = (
                    f'; the row runs from line {start} to line {end}: a quote (") opened '
                    "on this line and never closed?"
                    if end > start
                    else ""
                )
                if None in row:
                    extra = len(row[None])  # type: ignore[index]
                    raise InputError(
                        path,
                        f"{len(header) + extra} fields, expected {len(header)} as in the "
                        f"header{spans}",
                        line=start,
                    )
                if any(v is None for v in row.values()):
                    got = sum(v is not None for v in row.values())
                    raise InputError(
                        path,
                        f"{got} field(s), expected {len(header)} as in the header{spans}",
                        line=start,
                    )
                yield reader.line_num, row
        except UnicodeDecodeError:
            raise InputError(
                path, "the file is not UTF-8 text; save it as UTF-8", line=_first_bad_line(path)
            ) from None
        except csv.Error as exc:
            # an unterminated quote runs to the end of the file: the record (and the quote)
            # starts on the line after the last complete row
            raise InputError(
                path, f"malformed CSV: {exc} (a quote opened and never closed?)", line=end + 1
            ) from None


def _first_bad_line(path: Path) -> int | None:
    """The 1-based line of the first bytes that are not UTF-8."""
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return None


def _text(path: Path, line: int, column: str, text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise InputError(path, "missing value", line=line, key=column)
    return text


def _number(path: Path, line: int, column: str, text: str | None, *, integer: bool = False):
    text = _text(path, line, column, text)
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise InputError(path, f"expected {kind}, got {text!r}", line=line, key=column) from None
    if not math.isfinite(value) or value < 0:
        raise InputError(path, f"expected a non-negative number, got {text}", line=line, key=column)
    return value


def _year(path: Path, line: int, text: str | None) -> int:
    year = _number(path, line, "year", text, integer=True)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InputError(
            path,
            f"expected a year between {FIRST_YEAR} and {LAST_YEAR}, got {year}",
            line=line,
            key="year",
        )
    return year


def _code(path: Path, line: int, row: dict[str, str], wanted: dict[str, object]) -> str | None:
    """The row's kommun code if it is one of `wanted`, else None.

    A code that lost its leading zero (`114` for `0114`, as spreadsheets do) is an error
    when the padded code is wanted, rather than a silent miss.
    """
    code = (row["kommun_code"] or "").strip()
    if code in wanted:
        return code
    if code.isdigit() and len(code) < 4 and code.zfill(4) in wanted:
        raise InputError(
            path,
            f"kommun code {code!r} has lost its leading zero(s); expected four digits, "
            f"{code.zfill(4)} (read kommun_code as text)",
            line=line,
            key="kommun_code",
        )
    return None


def _no_rows(path: Path, codes: list[str], what: str) -> InputError:
    return InputError(
        path,
        f"no {what} rows for kommun code(s) {', '.join(codes)}; expected four-digit SCB "
        f"codes that occur in the file",
        key="kommun_code",
    )


def read_emissions(
    path: Path, codes: list[str], sector_ids: tuple[str, ...]
) -> dict[str, CityRecord]:
    """The emissions of `codes` from a CSV in the reference layout."""
    wanted = dict.fromkeys(codes)
    out: dict[str, CityRecord] = {}
    for line, row in _rows(path, EMISSIONS_COLUMNS):
        code = _code(path, line, row, wanted)
        if code is None:
            continue
        sector = _text(path, line, "sector_id", row["sector_id"])
        if sector not in sector_ids:
            raise InputError(
                path,
                f"unknown sector {sector!r}; expected one of {', '.join(sector_ids)}",
                line=line,
                key="sector_id",
            )
        year = _year(path, line, row["year"])
        value = _number(path, line, "tonnes_co2e", row["tonnes_co2e"])
        rec = out.get(code)
        if rec is None:
            name = _text(path, line, "kommun", row["kommun"])
            rec = out[code] = CityRecord(code, name, (row["lan"] or "").strip() or None)
        per_year = rec.emissions.setdefault(sector, {})
        if year in per_year:
            raise InputError(
                path, f"a second row for {code} {sector} {year}", line=line, key="year"
            )
        per_year[year] = value
    unknown = [c for c in codes if c not in out]
    if unknown:
        raise _no_rows(path, unknown, "emissions")
    for rec in out.values():
        years = set().union(*(d.keys() for d in rec.emissions.values()))
        for sector in sector_ids:
            gaps = sorted(years - set(rec.emissions.get(sector, {})))
            if gaps:
                missing = ", ".join(map(str, gaps))
                raise InputError(
                    path,
                    f"{rec.code} {rec.name}: no row for sector {sector} in {missing}; every "
                    f"sector needs a value (0 if none) in every year",
                    key="sector_id",
                )
    return out


def add_population(path: Path, records: dict[str, CityRecord]) -> None:
    """Residents per year, kept from each city's first inventory year on (what per-capita
    figures and business as usual need)."""
    for line, row in _rows(path, POPULATION_COLUMNS):
        code = _code(path, line, row, records)
        if code is None:
            continue
        rec = records[code]
        year = _year(path, line, row["year"])
        value = _number(path, line, "population", row["population"], integer=True)
        if year < min(min(v) for v in rec.emissions.values()):
            continue
        if year in rec.population:
            raise InputError(path, f"a second row for {code} {year}", line=line, key="year")
        rec.population[year] = value
    unknown = [c for c, rec in records.items() if not rec.population]
    if unknown:
        raise _no_rows(path, unknown, "population")


def add_subsectors(
    path: Path,
    records: dict[str, CityRecord],
    names: dict[tuple[str, str], str],
    sector_ids: tuple[str, ...] | None = None,
) -> None:
    """CO2 by sub-sector, latest year of each city; `names` maps (sector, Swedish name) -> id.

    `sector_id = total` (the municipal total) is skipped; `subsector = Alla` is the sector
    total, written as `all`. A missing combination means 0, as in the SMHI export.
    """
    if sector_ids is None:
        sector_ids = tuple(sorted({s for s, _ in names}))
    rows: dict[str, dict[int, dict[str, dict[str, float]]]] = {}
    first_line: dict[tuple[str, int, str], int] = {}
    for line, row in _rows(path, SUBSECTOR_COLUMNS):
        code = _code(path, line, row, records)
        if code is None:
            continue
        sector = _text(path, line, "sector_id", row["sector_id"])
        if sector == "total":
            continue
        if sector not in sector_ids:
            raise InputError(
                path,
                f"unknown sector {sector!r}; expected total or one of {', '.join(sector_ids)}",
                line=line,
                key="sector_id",
            )
        name = _text(path, line, "subsector", row["subsector"])
        sub = "all" if name == "Alla" else names.get((sector, name))
        if sub is None:
            known = sorted(n for s, n in names if s == sector)
            expected = ", ".join(["Alla", *known])
            raise InputError(
                path,
                f"unknown sub-sector {name!r} of {sector}; expected one of {expected} "
                f"(or add it to subsectors.csv)",
                line=line,
                key="subsector",
            )
        year = _year(path, line, row["year"])
        value = _number(path, line, "tonnes_co2", row["tonnes_co2"])
        per_sector = rows.setdefault(code, {}).setdefault(year, {}).setdefault(sector, {})
        if sub in per_sector:
            raise InputError(
                path, f"a second row for {code} {sector} {name} {year}", line=line, key="subsector"
            )
        per_sector[sub] = value
        first_line.setdefault((code, year, sector), line)
    unknown = [c for c in records if c not in rows]
    if unknown:
        raise _no_rows(path, unknown, "sub-sector")
    for code, by_year in rows.items():
        year = max(by_year)
        for sector, values in by_year[year].items():
            if "all" not in values:
                raise InputError(
                    path,
                    f"{code} {sector} {year}: sub-sector rows but no 'Alla' row (the "
                    f"sector total the shares are taken of)",
                    line=first_line[(code, year, sector)],
                    key="subsector",
                )
        records[code].subsector_year = year
        records[code].subsectors = by_year[year]


def add_kommun_metadata(path: Path, records: dict[str, CityRecord]) -> None:
    """County, climate-contract cohort and EU-mission flag from the municipality list."""
    seen = set()
    for line, row in _rows(path, KOMMUN_COLUMNS):
        code = _code(path, line, row, records)
        if code is None:
            continue
        rec = records[code]
        flag = (row["eu_100_mission_city"] or "").strip().lower()
        if flag not in _TRUE | _FALSE:
            raise InputError(
                path,
                f"expected True or False, got {row['eu_100_mission_city']!r}",
                line=line,
                key="eu_100_mission_city",
            )
        rec.county = (row["lan"] or "").strip() or rec.county
        rec.cohort = (row["climate_contract_cohort"] or "").strip() or None
        rec.eu_mission = flag in _TRUE
        seen.add(code)
    unknown = [c for c in records if c not in seen]
    if unknown:
        raise _no_rows(path, unknown, "municipality")


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
            ordered = {"all": values["all"]} | {k: values[k] for k in sorted(values) if k != "all"}
            lines.append(
                f"    {sector}: {{" + ", ".join(f"{k}: {v!r}" for k, v in ordered.items()) + "}"
            )
    return "\n".join(lines) + "\n"


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
    force: bool = False,
) -> list[Path]:
    """Write `cities/<code>.yaml` under `data_dir` for each kommun code; returns the paths.

    Every file is checked before any is written, and the files are written all or none:
    a bad CSV, a full disk or an interrupt leaves the folder as it was. An existing city
    file is replaced only if `import-baseline` wrote it and `force` is true.
    """
    data_dir = Path(data_dir)
    codes = list(dict.fromkeys(c.strip() for c in codes))  # in order, once each
    if not codes:
        raise InputError(None, "no kommun code given")
    for code in codes:
        if not (len(code) == 4 and code.isdigit()):
            raise InputError(None, f"kommun code '{code}': expected four digits, e.g. 0123")
    targets = {code: data_dir / "cities" / f"{code}.yaml" for code in codes}
    for path in targets.values():
        guard_output(path, "baseline", force)
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
        add_subsectors(Path(subsectors_csv), records, subsector_names, sector_ids)
    texts = {
        code: render_city(
            records[code],
            emissions_source,
            population_source if population_csv else None,
            subsector_source if subsectors_csv else None,
        )
        for code in codes
    }
    for text in texts.values():
        # what is written must load: the checks above should make this never fail
        CityBaseline.model_validate(yaml.safe_load(text))
    write_all({targets[code]: text for code, text in texts.items()})
    return list(targets.values())


def write_all(files: dict[Path, str]) -> None:
    """Write several text files all or none.

    Each is first written in full to a temporary name beside its target and synced (a
    full disk fails here, before any target changes); then each old file is kept under
    a backup name and the new ones are renamed into place. If a rename fails or an
    interrupt arrives, the renamed ones are put back and the old files restored.
    """
    staged: dict[Path, Path] = {}
    backups: dict[Path, Path] = {}
    done: list[Path] = []
    current: Path | None = None
    try:
        for path, text in files.items():
            current = path
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = temporary_name(path)
            staged[path] = tmp
            with tmp.open("w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            tmp.chmod(0o666 & ~_umask())
        for path, tmp in staged.items():
            current = path
            if path.exists():
                backup = temporary_name(path)
                os.link(path, backup)
                backups[path] = backup
            os.replace(tmp, path)
            done.append(path)
    except (OSError, Interrupted, KeyboardInterrupt) as exc:
        for path in done:  # undo: the old file back, or none
            if path in backups:
                os.replace(backups.pop(path), path)
            else:
                path.unlink(missing_ok=True)
        if isinstance(exc, OSError) and current is not None:
            raise output_error(current, exc) from None
        raise
    finally:
        for tmp in (*staged.values(), *backups.values()):
            tmp.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
