"""The intervention library: reusable measures a scenario takes with `use: <id>`.

A library folder holds YAML files, each with a price year and a list of `measures`
(schema `LibraryFile`). A scenario entry `{id: ..., use: <measure>, city: ..., ...}` starts
from the measure's values and overrides what it writes, merged as `extends:` merges.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.config.baseline import shipped_folder
from sim.config.merge import merge
from sim.config.schema import LibraryFile
from sim.config.validation import to_input_error
from sim.config.yamlio import Loc, locate, read_yaml
from sim.errors import InputError

#: library keys that describe the entry and are not part of a scenario's intervention
_LIBRARY_ONLY = ("kind",)


@dataclass(frozen=True)
class LibraryEntry:
    data: dict[str, Any]
    loc: Loc
    kind: str
    price_year: int
    currency: str


@dataclass(frozen=True)
class Library:
    root: Path
    entries: dict[str, LibraryEntry]
    raw: dict[str, Any]  # file name -> data as read (for the inputs hash)


def default_library_dir() -> Path | None:
    """The shipped library: `$CITYPATHS_LIBRARY`, else the copy installed with the package,
    else `scenarios/library` of the source tree. (`$CITYPATHS_DATA` does not move it.)"""
    return shipped_folder("library", "CITYPATHS_LIBRARY")


@cache
def _load(root: Path, stamp: tuple[tuple[str, int, int], ...]) -> Library:
    entries: dict[str, LibraryEntry] = {}
    raw: dict[str, Any] = {}
    for path in sorted(root.glob("*.yaml")):
        doc = read_yaml(path)
        if not isinstance(doc.data, dict):
            raise InputError(path, "expected a mapping with 'price_year' and 'measures'", line=1)
        try:
            lib = LibraryFile.model_validate(doc.data)
        except ValidationError as exc:
            raise to_input_error(exc, doc.data, doc.loc, LibraryFile) from None
        raw[path.name] = doc.data
        for i, (measure, data) in enumerate(zip(lib.measures, doc.data["measures"], strict=True)):
            where = locate(doc.loc, ["measures", i])
            if measure.id in entries:
                other = entries[measure.id].loc
                raise InputError(
                    path,
                    f"duplicate measure id '{measure.id}' (also in {other.file.name}:{other.line})",
                    line=where.line,
                    key=f"measures[{measure.id}]",
                )
            entries[measure.id] = LibraryEntry(
                data=data,
                loc=where,
                kind=measure.kind,
                price_year=lib.price_year,
                currency=lib.currency,
            )
    return Library(root, entries, raw)


def load_library(root: str | Path) -> Library:
    try:
        root = Path(root).resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise InputError(root, f"cannot follow the path: {exc}") from None
    if not root.is_dir():
        raise InputError(root, "library folder not found")
    files = sorted(root.glob("*.yaml"))
    stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    return _load(root, stamp)


def apply_library(raw: dict, loc: Loc, library: Library | None) -> tuple[dict, Loc]:
    """Replace every `use:` entry by the library measure merged with what it overrides."""
    out, children = dict(raw), dict(loc.children or {})  # type: ignore[arg-type]
    for group, kind in (("interventions", "reduction"), ("removals", "removal")):
        items = raw.get(group)
        if not isinstance(items, list):
            continue
        gloc = children[group]
        new_items, new_locs = [], []
        for i, item in enumerate(items):
            iloc = locate(gloc, [i])
            if not (isinstance(item, dict) and "use" in item):
                new_items.append(item)
                new_locs.append(iloc)
                continue
            where = locate(gloc, [i, "use"])
            name = item["use"]
            label = f"{group}[{item.get('id', i)}].use"
            if library is None:
                raise InputError(
                    where.file, "no intervention library found", line=where.line, key=label
                )
            entry = library.entries.get(name) if isinstance(name, str) else None
            if entry is None:
                known = ", ".join(sorted(library.entries))
                raise InputError(
                    where.file,
                    f"unknown library measure {name!r}; the library has: {known}",
                    line=where.line,
                    key=label,
                )
            if entry.kind != kind:
                raise InputError(
                    where.file,
                    f"'{name}' is a {entry.kind} measure; list it under "
                    f"{'removals' if entry.kind == 'removal' else 'interventions'}",
                    line=where.line,
                    key=label,
                )
            price_year = (raw.get("costs") or {}).get("price_year")
            if isinstance(price_year, int) and price_year != entry.price_year:
                raise InputError(
                    where.file,
                    f"the library prices '{name}' in {entry.currency} of {entry.price_year}, "
                    f"but costs.price_year is {price_year}; use the same price year",
                    line=where.line,
                    key=label,
                )
            base = {k: v for k, v in entry.data.items() if k not in _LIBRARY_ONLY}
            base_loc = Loc(entry.loc.file, entry.loc.line, dict(entry.loc.children or {}))  # type: ignore[arg-type]
            override = {k: v for k, v in item.items() if k != "use"}
            override_loc = Loc(
                iloc.file,
                iloc.line,
                {k: v for k, v in (iloc.children or {}).items() if k != "use"},  # type: ignore[union-attr]
            )
            merged, mloc = merge(base, base_loc, override, override_loc, f"{group}[{i}]")
            new_items.append(merged)
            new_locs.append(mloc)
        out[group] = new_items
        children[group] = Loc(gloc.file, gloc.line, new_locs)
    return out, Loc(loc.file, loc.line, children)
