"""Commands on baseline data: import-baseline, cities."""

from __future__ import annotations

import argparse
import unicodedata
from pathlib import Path

from sim.cli._common import FORCE_HELP, echo

DATA_DIR_HELP = "baseline data folder (default: $CITYPATHS_DATA if set, else the shipped data)"

# Swedish alphabetical order: å, ä, ö come after z
_SWEDISH_LAST = str.maketrans({"å": "z\x01", "ä": "z\x02", "ö": "z\x03"})


def swedish_sort_key(name: str) -> str:
    """Sort key for Swedish names: case ignored, å ä ö after z, other accents ignored."""
    text = name.strip().lower().translate(_SWEDISH_LAST)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _data_dir(arg: str | None) -> Path:
    from sim.config.baseline import default_data_dir

    return Path(arg) if arg else default_data_dir()


def _span(years) -> str:
    years = sorted(years)
    return f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])


def _import(args: argparse.Namespace) -> int:
    from sim.config.baseline import read_city, read_sectors
    from sim.config.importer import import_baseline
    from sim.config.schema import central

    data_dir = _data_dir(args.data)
    written = import_baseline(
        args.file,
        args.kommun,
        data_dir,
        population_csv=args.population,
        kommuner_csv=args.kommuner,
        subsectors_csv=args.subsectors,
        force=args.force,
    )
    sector_ids = tuple(s.id for s in read_sectors(data_dir / "sectors.csv"))
    for path in written:
        city, _ = read_city(path, sector_ids)
        years = set().union(*(v.keys() for v in city.emissions.values()))
        last = max(years)
        total = sum(central(v[last]) for v in city.emissions.values() if last in v)
        parts = [
            f"{len(city.emissions)} sectors {_span(years)}",
            f"{total / 1000:,.1f} kt CO2e in {last}",
        ]
        if city.population:
            parts.append(f"population {_span(city.population)}")
        if city.co2_subsectors is not None:
            parts.append(f"CO2 sub-sectors {city.co2_subsectors.year}")
        echo(f"wrote {path}: {city.name} ({city.code}), {', '.join(parts)}")
    print(f"{len(written)} city file(s) written to {data_dir / 'cities'}")
    return 0


def city_rows(data) -> list[tuple[str, ...]]:
    """One row of text cells per city, sorted by name (Swedish order)."""
    from sim.config.schema import central

    rows = []
    for code, city in sorted(data.cities.items(), key=lambda kv: swedish_sort_key(kv[1].name)):
        if city.population:
            year = max(city.population)
            population = f"{city.population[year]:,} ({year})"
        else:
            population = "-"
        # the latest year every sector has observed, so the total is complete
        common = (
            set.intersection(*(set(v) for v in city.emissions.values()))
            if city.emissions
            else set()
        )
        if common:
            year = max(common)
            total = sum(central(v[year]) for v in city.emissions.values())
            emissions = f"{total / 1000:,.1f} ({year})"
        else:
            emissions = "-"
        rows.append(
            (
                code,
                city.name,
                city.county or "-",
                city.climate_contract_cohort or "-",
                "yes" if city.eu_mission_city else "no",
                population,
                emissions,
            )
        )
    return rows


CITY_HEADER = (
    "code",
    "name",
    "county",
    "climate contract",
    "EU mission",
    "population (year)",
    "kt CO2e (year)",
)
_RIGHT = frozenset({5, 6})  # numeric columns


def format_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        out = [
            c.rjust(w) if i in _RIGHT else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(out).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)]) + "\n"


def _scenarios_dir(arg: str | None) -> Path | None:
    from sim.config.cities import default_scenarios_dir
    from sim.errors import InputError

    if arg is None:
        return default_scenarios_dir()
    path = Path(arg)
    if not path.is_dir():
        raise InputError(None, f"--scenarios: folder not found: {path}")
    return path


def _targets_cell(info) -> str:
    """The city's own targets, or the generic ones marked as such."""
    if info is None:
        return "-"
    own = info.own_targets
    if own:
        return "; ".join(t.short() for t in own)
    return "; ".join(f"generic: {t.short()}" for t in info.targets) or "-"


def _scenarios_cell(info) -> str:
    if info is None or not (info.scenarios or info.batches):
        return "-"
    names = [Path(s).stem for s in info.scenarios]
    text = ", ".join(names)
    if info.batches:
        text += f" (+{len(info.batches)} with other cities)"
    return text


def _numbers(city) -> dict:
    """Latest population and total emissions (t CO2e) as numbers, with their years."""
    from sim.config.schema import central

    out: dict = {"population": None, "population_year": None}
    if city.population:
        year = max(city.population)
        out.update(population=city.population[year], population_year=year)
    common = (
        set.intersection(*(set(v) for v in city.emissions.values())) if city.emissions else set()
    )
    year = max(common) if common else None
    out["emissions_t_co2e"] = (
        sum(central(v[year]) for v in city.emissions.values()) if year is not None else None
    )
    out["emissions_year"] = year
    return out


def _target_record(t) -> dict:
    return {
        "id": t.id,
        "title": t.title,
        "threshold": t.threshold,
        "reference_year": t.reference_year,
        "year": t.year,
        "basis": t.basis,
        "sectors": list(t.sectors) if t.sectors is not None else None,
        "generic": t.generic,
        "source": t.source,
    }


def _cities(args: argparse.Namespace) -> int:
    import csv
    import io
    import json

    from sim.config.baseline import load_data
    from sim.config.cities import scan

    data = load_data(args.data)
    root = _scenarios_dir(args.scenarios)
    found = scan(root, data) if root is not None else {}
    rows = city_rows(data)
    if args.format == "json":
        records = []
        for row in rows:
            info = found.get(row[0])
            city = data.cities[row[0]]
            records.append(
                {
                    "code": row[0],
                    "name": row[1],
                    "county": city.county,
                    "climate_contract": city.climate_contract_cohort,
                    "eu_mission": bool(city.eu_mission_city),
                    **_numbers(city),
                    "scenarios": list(info.scenarios) if info else [],
                    "batches": list(info.batches) if info else [],
                    "targets_from": info.targets_from if info else None,
                    "targets": [_target_record(t) for t in info.targets] if info else [],
                }
            )
        print(
            json.dumps(
                {"scenarios_dir": str(root) if root else None, "cities": records},
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    if args.format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(
            [h.replace(" ", "_").replace("(", "").replace(")", "") for h in CITY_HEADER]
            + ["targets", "target_sources", "scenarios", "batches"]
        )
        for row in rows:
            info = found.get(row[0])
            targets = info.targets if info else ()
            writer.writerow(
                [
                    *row,
                    "; ".join(("generic: " if t.generic else "") + t.short() for t in targets),
                    " | ".join(t.source or "" for t in targets),
                    "; ".join(info.scenarios) if info else "",
                    "; ".join(info.batches) if info else "",
                ]
            )
        print(buffer.getvalue(), end="")
        return 0
    if not data.cities:
        print(f"no cities in {data.root / 'cities'}")
        return 0
    table = [
        (*row, _targets_cell(found.get(row[0])), _scenarios_cell(found.get(row[0]))) for row in rows
    ]
    echo(format_table((*CITY_HEADER, "targets", "scenarios"), table), end="")
    print(
        f"\n{len(data.cities)} cities in {data.root}"
        + (f"; scenarios in {root}" if root is not None else "; no scenarios folder found")
        + ".\n"
        "population: residents on 31 December of the latest year in the file.\n"
        "kt CO2e: territorial greenhouse-gas emissions, all sectors, in the latest year that "
        "every sector has observed.\n"
        "targets: the city's own targets, from its contract scenario (else its BAU); "
        "'generic' where the city has none of its own and only the climate contract's "
        "shared target applies (`--format json` gives every target with its source)."
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import-baseline",
        help="write city baseline files from CSV exports",
        description="Write cities/<code>.yaml in a data folder for each kommun code, from an "
        "emissions CSV in the reference layout (kommun_code, kommun, lan, sector_id, sector, "
        "year, tonnes_co2e; t CO2e per year), optionally with population, municipality "
        "metadata and CO2 sub-sector CSVs. Every value is checked before any file is "
        "written; an error names the file, line and column. The files are written all or "
        "none. An existing file of the same code is replaced only with --force, and only "
        "if import-baseline wrote it. See scenarios/data/README.md.",
    )
    p.add_argument("file", metavar="FILE.csv", help="emissions by kommun, sector and year")
    p.add_argument(
        "--kommun",
        nargs="+",
        required=True,
        metavar="CODE",
        help="four-digit SCB kommun codes to import, e.g. 2480 1280",
    )
    p.add_argument(
        "--population",
        metavar="CSV",
        help="residents on 31 December: kommun_code, kommun, year, population",
    )
    p.add_argument(
        "--kommuner",
        metavar="CSV",
        help="municipality list: kommun_code, kommun, lan, climate_contract_cohort, "
        "eu_100_mission_city",
    )
    p.add_argument(
        "--subsectors",
        metavar="CSV",
        help="CO2 (t CO2/yr) by sub-sector: kommun_code, sector_id, subsector, year, "
        "tonnes_co2; the latest year is kept",
    )
    p.add_argument("--data", metavar="DIR", help=DATA_DIR_HELP)
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.set_defaults(func=_import)

    p = sub.add_parser(
        "cities",
        help="list the cities, their targets and scenarios",
        description="Print the cities with baseline data: kommun code, name, county, "
        "climate-contract cohort, EU-mission flag, latest population and the latest "
        "observed total emissions (kt CO2e), sorted by name; with each city's targets and "
        "the scenarios of a scenarios folder that project it.",
    )
    p.add_argument("--data", metavar="DIR", help=DATA_DIR_HELP)
    p.add_argument(
        "--scenarios",
        metavar="DIR",
        help="scenarios folder, one folder per city (default: $CITYPATHS_SCENARIOS if set, "
        "else the shipped scenarios)",
    )
    p.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        default="table",
        help="output format (default: table)",
    )
    p.set_defaults(func=_cities)
