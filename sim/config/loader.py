"""Load a scenario file: resolve `extends:`, validate the schema, check it against the data.

Merging rules (docs/scenario-format.md): mappings merge key by key, deeply; a list whose
items are all mappings with an `id` merges item by item on that id (an item
`{id: x, remove: true}` drops the inherited `x`); anything else is replaced. Paths in a
file (`extends:`, `data:`) are relative to the file that writes them.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.config.baseline import BaselineData, load_data
from sim.config.compose import apply_rules, compose
from sim.config.library import Library, apply_library, default_library_dir, load_library
from sim.config.merge import check_no_removals, merge
from sim.config.projects import Layout, build_layout
from sim.config.schema import Scenario, SubsectorShare, central
from sim.config.validation import to_input_error
from sim.config.yamlio import Loc, format_key, locate, read_yaml
from sim.errors import InputError


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with everything needed to plan it."""

    path: Path
    scenario: Scenario
    data: BaselineData
    cities: tuple[str, ...]  # kommun codes, in the scenario's order
    sectors: tuple[str, ...]
    base_year: int
    files: tuple[Path, ...]  # every scenario file read, the given one first
    raw: dict[str, Any]  # the resolved scenario as plain data
    loc: Loc
    inputs_sha256: str
    layout: Layout

    def fail(self, keys: list[Any], message: str) -> InputError:
        """An error located at `keys` of the resolved scenario (file, line and key)."""
        return _Checker(self.raw, self.loc).fail(keys, message)

    def city_of(self, ref: str) -> str:
        code = self.data.resolve_city(ref)
        assert code is not None  # checked when loading
        return code


#: How many files an `extends:` chain may have: a scenario, a city scenario, a regional one
#: and a national BAU need four; 20 leaves room and keeps the recursion shallow.
MAX_EXTENDS = 20


def _real(path: Path) -> Path:
    """The path with symbolic links resolved; a symlink loop is a located error."""
    try:
        return path.resolve(strict=False)
    except (OSError, RuntimeError) as exc:
        raise InputError(path, f"cannot follow the path: {exc}") from None


def _resolve(path: Path, chain: tuple[Path, ...]) -> tuple[dict, Loc, tuple[Path, ...]]:
    doc = read_yaml(path)
    if doc.data is None:
        raise InputError(path, "the file is empty; expected a scenario mapping", line=1)
    if not isinstance(doc.data, dict):
        raise InputError(path, "expected a mapping of scenario keys", line=doc.loc.line)
    data = dict(doc.data)
    if "include" in data:  # a scenario composed of others (sim/config/compose.py)
        return compose(data, doc.loc, path, chain, _resolve)
    parent_ref = data.pop("extends", None)
    if parent_ref is None:
        for k, v in data.items():
            check_no_removals(v, doc.loc.children[k], str(k))  # type: ignore[index]
        return data, doc.loc, (path,)
    where = doc.loc.children["extends"]  # type: ignore[index]
    if not isinstance(parent_ref, str):
        raise InputError(
            path,
            f"expected a file path, got {parent_ref!r}",
            line=where.line,
            key="extends",
        )
    parent = Path(os.path.normpath(path.parent / parent_ref))
    if parent.is_symlink() and not parent.exists():
        raise InputError(
            path,
            f"{parent_ref} is a broken symbolic link or a symlink loop (looked for {parent})",
            line=where.line,
            key="extends",
        )
    if _real(parent) in {_real(p) for p in (*chain, path)}:
        cycle = " -> ".join(p.name for p in (*chain, path, parent))
        raise InputError(path, f"'extends' makes a cycle: {cycle}", line=where.line, key="extends")
    if len(chain) + 2 > MAX_EXTENDS:
        raise InputError(
            path,
            f"'extends' chains more than {MAX_EXTENDS} files; citypaths follows at most "
            f"{MAX_EXTENDS} (started at {(chain or (path,))[0]})",
            line=where.line,
            key="extends",
        )
    if not parent.is_file():
        raise InputError(
            path,
            f"file not found: {parent_ref} (looked for {parent})",
            line=where.line,
            key="extends",
        )
    pdata, ploc, files = _resolve(parent, (*chain, path))
    children = {k: v for k, v in (doc.loc.children or {}).items() if k != "extends"}  # type: ignore[union-attr]
    merged, mloc = merge(pdata, ploc, data, Loc(path, doc.loc.line, children), "")
    return merged, mloc, (path, *files)


def resolve_raw(path: str | Path) -> tuple[dict, Loc, tuple[Path, ...]]:
    """A scenario file with `extends:` and `include:` resolved, not yet validated: the
    plain data, its locations and every file read. Raises InputError like load_scenario."""
    return _resolve(Path(path), ())


# ---------------------------------------------------------------------------- checking


class _Checker:
    def __init__(self, raw: dict, loc: Loc) -> None:
        self.raw, self.loc = raw, loc

    def fail(self, keys: list[Any], message: str) -> InputError:
        where = locate(self.loc, keys)
        return InputError(where.file, message, line=where.line, key=format_key(self.raw, keys))


def _check(
    raw: dict, loc: Loc, sc: Scenario, data: BaselineData
) -> tuple[tuple[str, ...], tuple[str, ...], int]:
    check = _Checker(raw, loc)
    sector_ids = data.sector_ids

    def city(ref: str, keys: list[Any], allowed: tuple[str, ...] | None = None) -> str:
        code = data.resolve_city(ref)
        if code is None:
            hint = " (write kommun codes in quotes, e.g. '0123')" if ref.isdigit() else ""
            known = ", ".join(f"{c} {data.cities[c].name}" for c in sorted(data.cities)[:30])
            raise check.fail(keys, f"unknown city '{ref}'{hint}; the data has: {known}")
        if allowed is not None and code not in allowed:
            raise check.fail(keys, f"city '{ref}' is not among the scenario's cities")
        return code

    def sector(sid: str, keys: list[Any], allowed: tuple[str, ...]) -> None:
        if sid not in allowed:
            raise check.fail(keys, f"unknown sector '{sid}'; expected one of: {', '.join(allowed)}")

    cities: list[str] = []
    for i, ref in enumerate(sc.cities):
        code = city(ref, ["cities", i])
        if code in cities:
            raise check.fail(["cities", i], f"city '{ref}' is listed twice")
        cities.append(code)
    ctuple = tuple(cities)

    if sc.sectors is None:
        sectors = sector_ids
    else:
        for i, sid in enumerate(sc.sectors):
            sector(sid, ["sectors", i], sector_ids)
        sectors = tuple(s for s in sector_ids if s in sc.sectors)

    # years
    base = sc.years.base
    observed = [set().union(*(d.keys() for d in data.cities[c].emissions.values())) for c in cities]
    common = set.intersection(*observed)
    if base is None:
        if not common:
            raise check.fail(["cities"], "the cities share no observed year; set years.base")
        base = max(common)
    elif base not in common:
        lacking = [
            data.cities[c].name for c, obs in zip(cities, observed, strict=True) if base not in obs
        ]
        raise check.fail(
            ["years", "base"], f"no observed emissions in {base} for {', '.join(lacking)}"
        )
    if sc.years.horizon <= base:
        raise check.fail(["years", "horizon"], f"expected a year after the base year {base}")

    # BAU keys
    for sid in sc.bau.sectors:
        sector(sid, ["bau", "sectors", sid], sectors)
    bau_cities: dict[str, Any] = {}
    for ref, per_sector in sc.bau.cities.items():
        key = next(k for k in raw["bau"]["cities"] if str(k) == ref)
        code = city(ref, ["bau", "cities", key], ctuple)
        if code in bau_cities:
            raise check.fail(
                ["bau", "cities", key],
                f"{data.cities[code].name} is already given as '{bau_cities[code]}'",
            )
        bau_cities[code] = key
        for sid in per_sector:
            if sid != "all":
                sector(sid, ["bau", "cities", key, sid], sectors)

    # interventions and removals
    ids: dict[str, list[Any]] = {}
    for group in ("interventions", "removals"):
        for i, item in enumerate(getattr(sc, group)):
            if item.id in ids:
                raise check.fail(
                    [group, i, "id"],
                    f"id '{item.id}' is also used at {format_key(raw, ids[item.id])}",
                )
            ids[item.id] = [group, i]
            refs = item.city if isinstance(item.city, list) else [item.city]
            if refs != ["all"]:
                listed: list[str] = []
                for j, ref in enumerate(refs):
                    keys = (
                        [group, i, "city", j] if isinstance(item.city, list) else [group, i, "city"]
                    )
                    code = city(ref, keys, ctuple)
                    if code in listed:
                        raise check.fail(keys, f"city '{ref}' is listed twice")
                    listed.append(code)
            codes = list(ctuple) if refs == ["all"] else [data.resolve_city(r) for r in refs]
            if group == "interventions":
                sector(item.sector, [group, i, "sector"], sectors)
                if isinstance(item.scope, SubsectorShare):
                    _check_subsectors(check, data, item, codes, [group, i, "scope", "subsector"])
            ro = item.rollout
            if ro.end is not None and central(ro.end) <= central(ro.start):
                raise check.fail(
                    [group, i, "rollout", "end"],
                    f"expected a year after the start {central(ro.start)}",
                )

    _check_paths(check, raw, sc, base)

    # targets
    for i, target in enumerate(sc.targets):
        for j, sid in enumerate(target.sectors or ()):
            sector(sid, ["targets", i, "sectors", j], sectors)
        if not base <= target.year <= sc.years.horizon:
            raise check.fail(
                ["targets", i, "year"], f"expected a year from {base} to {sc.years.horizon}"
            )
        if target.reference_year > base:
            if target.reference_year > sc.years.horizon:
                raise check.fail(
                    ["targets", i, "reference_year"], f"expected a year up to {sc.years.horizon}"
                )
        else:
            lacking = [
                data.cities[c].name
                for c, obs in zip(cities, observed, strict=True)
                if target.reference_year not in obs
            ]
            if lacking:
                raise check.fail(
                    ["targets", i, "reference_year"],
                    f"no observed emissions in {target.reference_year} for {', '.join(lacking)}",
                )
    return ctuple, sectors, base


def _check_subsectors(check: _Checker, data: BaselineData, item, codes, keys: list[Any]) -> None:
    rows = {s.id: s for s in data.subsectors if s.sector_id == item.sector}
    known = list(rows)
    for name in item.scope.names:
        if name in rows and not rows[name].co2_proxy:
            raise check.fail(
                keys,
                f"the sub-sector data are CO2 only, which is no proxy for the CO2e of "
                f"{item.sector} (methane, nitrous oxide, F-gases): give scope as a number",
            )
        if name not in known:
            expected = ", ".join(known) if known else f"none: {item.sector} has no sub-sectors"
            raise check.fail(
                keys, f"unknown sub-sector '{name}' of {item.sector}; expected: {expected}"
            )
    for code in codes:
        city = data.cities[code]
        subs = city.co2_subsectors
        if subs is None or item.sector not in subs.sectors:
            raise check.fail(
                keys,
                f"{city.name} has no sub-sector data for {item.sector}; give scope as a number",
            )


#: The most a BAU index (activity or intensity) may reach: 100 times its base-year value.
#: No business-as-usual assumption multiplies a sector's activity or intensity a
#: hundredfold; a larger index is a typo (a rate of 2 meant as 2 %), and an unbounded one
#: overflows to infinity.
MAX_INDEX = 100.0


def _high(value: Any) -> float:
    """The greatest value a number takes; for an unbounded distribution its 99.9th
    percentile, a value it really takes (as for money, docs/scenario-format.md section 14)."""
    from sim.config.distributions import practical_high, to_marginal

    return practical_high(to_marginal(value))


def _largest_index(growth: Any, base: int, horizon: int) -> tuple[float, int]:
    """The largest value a growth index reaches from the base year to the horizon (taking
    the highest of each range), and the first year it does so."""
    if growth.path is not None:
        peak = max(growth.path.items(), key=lambda kv: _high(kv[1]))
        return _high(peak[1]), peak[0]
    rates = growth.rate if isinstance(growth.rate, dict) else {base + 1: growth.rate}
    index, best, when = 1.0, 1.0, base
    for year in range(base + 1, horizon + 1):
        active = [r for y, r in rates.items() if y <= year]
        step = _high(rates[max(y for y in rates if y <= year)]) if active else 0.0
        index *= 1.0 + step
        if index > best:
            best, when = index, year
        if best > MAX_INDEX:
            break
    return best, when


def _check_paths(check: _Checker, raw: dict, sc: Scenario, base: int) -> None:
    """Index paths start after the base year, or at it with the value 1; no index exceeds
    MAX_INDEX before the horizon."""
    places: list[tuple[list[Any], Any]] = [(["bau", "default"], sc.bau.default)]
    places += [(["bau", "sectors", k], v) for k, v in sc.bau.sectors.items()]
    for ref, per_sector in sc.bau.cities.items():
        key = next(k for k in raw["bau"]["cities"] if str(k) == ref)
        places += [(["bau", "cities", key, k], v) for k, v in per_sector.items()]
    for keys, assumptions in places:
        for channel in ("activity", "intensity"):
            growth = getattr(assumptions, channel)
            if growth is None:
                continue
            peak, year = _largest_index(growth, base, sc.years.horizon)
            if peak > MAX_INDEX:
                kind = "path" if growth.path is not None else "rate"
                raise check.fail(
                    [*keys, channel, kind],
                    f"the {channel} index would reach {peak:.3g} times its base-year value "
                    f"by {year}; at most {MAX_INDEX:g} is accepted (rates are fractions: "
                    "0.02 is 2 % a year)",
                )
            if growth.path is None:
                continue
            for year, value in growth.path.items():
                if year < base or (year == base and central(value) != 1.0):
                    raise check.fail(
                        [*keys, channel, "path", year],
                        f"a path is an index with 1 in the base year {base}: "
                        f"give years after {base}",
                    )


def _hash_inputs(raw: dict, data: BaselineData, cities: tuple[str, ...]) -> str:
    payload = {
        "scenario": raw,
        "sectors": [s.__dict__ for s in data.sectors],
        "cities": {c: data.raw[c] for c in cities},
    }
    text = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _uses_library(raw: dict) -> bool:
    return any(
        isinstance(item, dict) and "use" in item
        for group in ("interventions", "removals")
        for item in (raw.get(group) if isinstance(raw.get(group), list) else [])
    )


def _library_for(raw: dict, loc: Loc) -> Library | None:
    if not _uses_library(raw):
        return None
    ref = raw.get("library")
    if isinstance(ref, str):
        where = locate(loc, ["library"])
        try:
            root = _real(where.file.parent / ref)
        except InputError as exc:
            raise InputError(where.file, exc.detail, line=where.line, key="library") from None
        if not root.is_dir():
            raise InputError(
                where.file, f"library folder not found: {root}", line=where.line, key="library"
            )
        return load_library(root)
    root = default_library_dir()
    return load_library(root) if root is not None else None


def load_scenario(path: str | Path, data_dir: str | Path | None = None) -> LoadedScenario:
    """Read, merge, validate and check a scenario file.

    Raises InputError (naming file, line and key) for anything wrong in it.
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(path, "is a folder, expected a scenario file")
    if path.is_symlink() and not path.exists():
        raise InputError(path, "a broken symbolic link or a symlink loop")
    if not path.is_file():
        raise InputError(path, "file not found" if not path.exists() else "not a regular file")
    raw, loc, files = _resolve(path, ())
    return load_resolved(path, raw, loc, files, data_dir)


def load_resolved(
    path: Path,
    raw: dict,
    loc: Loc,
    files: tuple[Path, ...],
    data_dir: str | Path | None = None,
) -> LoadedScenario:
    """The rest of `load_scenario` for a scenario whose `extends:` is already resolved
    (`resolve_raw`, then merged with a mapping held in memory, as `citypaths explore` does
    with its levers): rules, library, schema, checks against the data."""
    raw, loc = apply_rules(raw, loc)
    raw, loc = apply_library(raw, loc, _library_for(raw, loc))
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        raise to_input_error(exc, raw, loc, Scenario) from None
    if data_dir is None and scenario.data is not None:
        try:
            data_dir = _real(locate(loc, ["data"]).file.parent / scenario.data)
        except InputError as exc:
            raise _Checker(raw, loc).fail(["data"], exc.detail) from None
        if not data_dir.is_dir():
            raise _Checker(raw, loc).fail(["data"], f"data folder not found: {data_dir}")
    data = load_data(data_dir)
    cities, sectors, base = _check(raw, loc, scenario, data)
    layout = build_layout(scenario, data, cities, _Checker(raw, loc).fail)
    return LoadedScenario(
        path=path,
        scenario=scenario,
        data=data,
        cities=cities,
        sectors=sectors,
        base_year=base,
        files=files,
        raw=raw,
        loc=loc,
        inputs_sha256=_hash_inputs(raw, data, cities),
        layout=layout,
    )
