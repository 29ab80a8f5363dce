"""Composing scenarios: `include:` several scenario files into one, and `apply:` rules.

A file with `include: [a.yaml, b.yaml, ...]` starts from a parent that citypaths builds
from the included scenarios (docs/scenario-format.md, section 20):

- `cities` are the included files' cities, in order;
- each included city keeps its sectors' split into sources (`sources:`) and its own BAU:
  the included file's `bau.default`, `bau.sectors` and `bau.cities` are rewritten under
  `bau.cities.<city>` with the same precedence, so that the city's growth is exactly what
  its own file gives;
- interventions, removals, capacities and budgets keep their entries, with ids prefixed by
  the file's *prefix* (`umea.electric-cars`; default: the name of the folder the file is
  in); `city: all` becomes the file's cities; `after` and `needs` that name the file's own
  entries follow the new ids;
- `years`, `sectors` and `costs` must agree among the included files and are taken over;
- targets that every included file has, identically, are kept; a city's own targets are
  left out, since a target is checked in every city of a scenario;
- `data` and `library` are taken over when the included files name the same folders (the
  including file may set its own).

The including file then merges into that parent exactly as a child merges into the file it
extends (section 15). `apply:` rules, read after the whole file is resolved, merge a mapping
into every intervention or removal that matches (its own id, prefix aside, or its `use`).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.config.merge import merge
from sim.config.yamlio import Loc, format_key, locate
from sim.errors import InputError

Resolve = Callable[[Path, tuple[Path, ...]], tuple[dict, Loc, tuple[Path, ...]]]

_CHANNELS = ("activity", "intensity")
_SHARED = ("format", "years", "sectors", "costs")
_POOLS = ("capacities", "budgets")
_ENTRIES = ("interventions", "removals")


def _fail(loc: Loc, keys: list[Any], raw: Any, message: str, prefix: str = "") -> InputError:
    where = locate(loc, keys)
    key = format_key(raw, keys)
    return InputError(where.file, message, line=where.line, key=f"{prefix}{key}" if key else None)


def _item(data: dict, loc: Loc, key: str) -> tuple[Any, Loc]:
    return data.get(key), locate(loc, [key])


def _include_list(data: dict, loc: Loc, path: Path) -> list[tuple[Path, str, Loc]]:
    """(file, prefix, where written) for every entry of `include`."""
    items, iloc = _item(data, loc, "include")
    if not isinstance(items, list) or not items:
        raise InputError(
            path,
            f"expected a list of scenario files, got {items!r}",
            line=iloc.line,
            key="include",
        )
    out: list[tuple[Path, str, Loc]] = []
    prefixes: dict[str, int] = {}
    for i, item in enumerate(items):
        where = locate(iloc, [i])
        if isinstance(item, str):
            ref, prefix = item, None
        elif isinstance(item, dict) and isinstance(item.get("file"), str):
            unknown = set(item) - {"file", "prefix"}
            if unknown:
                raise InputError(
                    path,
                    f"unknown key {sorted(unknown)[0]!r}; expected one of: file, prefix",
                    line=where.line,
                    key=f"include[{i}]",
                )
            ref, prefix = item["file"], item.get("prefix")
        else:
            raise InputError(
                path,
                f"expected a file path or {{file: path, prefix: name}}, got {item!r}",
                line=where.line,
                key=f"include[{i}]",
            )
        file = Path(os.path.normpath(path.parent / ref))
        if not file.is_file():
            raise InputError(
                path,
                f"file not found: {ref} (looked for {file})",
                line=where.line,
                key=f"include[{i}]",
            )
        prefix = file.parent.name if prefix is None else prefix
        if not isinstance(prefix, str) or not prefix.replace("-", "").replace("_", "").isalnum():
            raise InputError(
                path,
                f"expected a prefix of letters, digits, '-' and '_', got {prefix!r}",
                line=where.line,
                key=f"include[{i}].prefix",
            )
        if prefix in prefixes:
            raise InputError(
                path,
                f"prefix '{prefix}' is also used by include[{prefixes[prefix]}]; "
                "give each file its own with {file: ..., prefix: ...}",
                line=where.line,
                key=f"include[{i}]",
            )
        prefixes[prefix] = i
        out.append((file, prefix, where))
    return out


def _flat_bau(bau: dict, bloc: Loc, cities: list[str], raw: dict, rloc: Loc) -> tuple[dict, dict]:
    """Per city: {`all` | sector: {channel: growth}} with the included file's precedence
    (city sector > sector > city all > default) resolved, and the matching locations."""
    default = bau.get("default") or {}
    sectors = bau.get("sectors") or {}
    per_city = bau.get("cities") or {}
    by_city: dict[str, Any] = {}
    for key in per_city:
        ref = str(key)
        if ref not in cities:
            if len(cities) != 1:
                raise _fail(
                    rloc,
                    ["bau", "cities", key],
                    raw,
                    "in a file that is included, write bau.cities keys as in its 'cities'",
                )
            ref = cities[0]
        by_city[ref] = key

    def pick(*places: tuple[dict, list[Any]]) -> tuple[Any, Loc] | None:
        for mapping, keys in places:
            if isinstance(mapping, dict) and mapping.get(keys[-1]) is not None:
                return mapping[keys[-1]], locate(bloc, keys)
        return None

    out: dict[str, dict] = {}
    locs: dict[str, Loc] = {}
    for city in cities:
        ckey = by_city.get(city)
        own = per_city.get(ckey, {}) if ckey is not None else {}
        own = own or {}
        names = [s for s in sectors if s != "all"] + [
            s for s in own if s != "all" and s not in sectors
        ]
        entry: dict[str, dict] = {}
        eloc: dict[str, Loc] = {}
        for sector in ["all", *names]:
            growth: dict[str, Any] = {}
            gloc: dict[str, Loc] = {}
            for ch in _CHANNELS:
                if sector == "all":
                    found = pick(
                        (own.get("all"), ["cities", ckey, "all", ch]), (default, ["default", ch])
                    )
                else:
                    found = pick(
                        (own.get(sector), ["cities", ckey, sector, ch]),
                        (sectors.get(sector), ["sectors", sector, ch]),
                    )
                if found is not None:
                    growth[ch], gloc[ch] = copy.deepcopy(found[0]), found[1]
            if growth:
                entry[sector] = growth
                eloc[sector] = Loc(bloc.file, bloc.line, gloc)
        out[city] = entry
        locs[city] = Loc(bloc.file, bloc.line, eloc)
    return out, locs


def _rename_refs(item: dict, iloc: Loc, prefix: str, own: dict[str, set[str]]) -> None:
    """Point `after` and `needs` at the prefixed ids of the same file's entries and pools."""
    rollout = item.get("rollout")
    if not isinstance(rollout, dict):
        return
    after = rollout.get("after")
    if isinstance(after, list):
        renamed = []
        for ref in after:
            if isinstance(ref, str):
                name, at, city = ref.partition("@")
                if name in own["entries"]:
                    ref = f"{prefix}.{name}{at}{city}"
            renamed.append(ref)
        rollout["after"] = renamed
    needs = rollout.get("needs")
    if isinstance(needs, dict):
        cap = needs.get("capacity")
        if isinstance(cap, str) and cap in own["capacities"]:
            needs["capacity"] = f"{prefix}.{cap}"
        elif isinstance(cap, list):
            needs["capacity"] = [
                f"{prefix}.{c}" if isinstance(c, str) and c in own["capacities"] else c for c in cap
            ]
        bud = needs.get("budget")
        if isinstance(bud, str) and bud in own["budgets"]:
            needs["budget"] = f"{prefix}.{bud}"


def _shared_targets(parts: list[tuple[dict, Loc]]) -> tuple[list, list[Loc]]:
    """The targets that every included file has, identically (in the first file's order)."""
    first, floc = parts[0]
    kept, locs = [], []
    for i, target in enumerate(first.get("targets") or []):
        if all(target in (raw.get("targets") or []) for raw, _ in parts[1:]):
            kept.append(copy.deepcopy(target))
            locs.append(locate(floc, ["targets", i]))
    return kept, locs


def compose(
    data: dict, loc: Loc, path: Path, chain: tuple[Path, ...], resolve: Resolve
) -> tuple[dict, Loc, tuple[Path, ...]]:
    """Resolve a file that writes `include:`: build the parent from the included files and
    merge the file's own keys into it. Returns the merged data, its locations and every
    file read (this one first)."""
    if "extends" in data:
        where = locate(loc, ["extends"])
        raise InputError(
            path, "give 'extends' or 'include', not both", line=where.line, key="extends"
        )
    includes = _include_list(data, loc, path)
    parts: list[tuple[dict, Loc]] = []
    files: list[Path] = [path]
    for file, _, where in includes:
        if file.resolve() in {p.resolve() for p in (*chain, path)}:
            cycle = " -> ".join(p.name for p in (*chain, path, file))
            raise InputError(
                path, f"'include' makes a cycle: {cycle}", line=where.line, key="include"
            )
        raw, rloc, read = resolve(file, (*chain, path))
        raw, rloc = apply_rules(raw, rloc)  # an included file's own rules apply to it alone
        parts.append((raw, rloc))
        files += [f for f in read if f not in files]

    parent: dict[str, Any] = {}
    pchildren: dict[str, Any] = {}
    first, floc = parts[0]
    for key in _SHARED:
        if key not in first:
            continue
        parent[key], pchildren[key] = copy.deepcopy(first[key]), locate(floc, [key])
        for raw, rloc in parts[1:]:
            if raw.get(key) != first[key]:
                where = locate(rloc, [key])
                raise InputError(
                    where.file,
                    f"'{key}' differs from that of {includes[0][0]}; the files a scenario "
                    "includes must agree on format, years, sectors and costs",
                    line=where.line,
                    key=key,
                )

    for key in ("data", "library"):  # folders: relative to the file that writes them
        written = [
            (raw[key], locate(rloc, [key])) for raw, rloc in parts if isinstance(raw.get(key), str)
        ]
        folders = {(where.file.parent / value).resolve() for value, where in written}
        if len(folders) > 1:
            _, where = written[-1]
            raise InputError(
                where.file,
                f"'{key}' names another folder than the other included files; the files a "
                f"scenario includes must use the same {key} folder",
                line=where.line,
                key=key,
            )
        if written:
            parent[key], pchildren[key] = written[0]

    cities: list[Any] = []
    cloc: list[Loc] = []
    bau_cities: dict[str, Any] = {}
    bau_locs: dict[str, Loc] = {}
    sources: dict[Any, Any] = {}
    source_locs: dict[Any, Loc] = {}
    groups: dict[str, list] = {g: [] for g in (*_ENTRIES, *_POOLS)}
    glocs: dict[str, list[Loc]] = {g: [] for g in groups}
    for (raw, rloc), (file, prefix, where) in zip(parts, includes, strict=True):
        own_cities = raw.get("cities")
        if not isinstance(own_cities, list) or not own_cities:
            raise InputError(
                file,
                "an included file must name its cities",
                line=where.line if "cities" not in rloc.children else locate(rloc, ["cities"]).line,  # type: ignore[operator]
                key="cities",
            )
        refs = [str(c) for c in own_cities]
        cities += refs
        cloc += [locate(rloc, ["cities", i]) for i in range(len(refs))]
        split = raw.get("sources") or {}
        if isinstance(split, dict):  # each city's sectors split into sources, as written
            for ref, per_sector in split.items():
                sources[ref] = per_sector
                source_locs[ref] = locate(rloc, ["sources", ref])
        bau = raw.get("bau") or {}
        if isinstance(bau, dict):
            flat, flocs = _flat_bau(bau, locate(rloc, ["bau"]), refs, raw, rloc)
            bau_cities.update({c: v for c, v in flat.items() if v})
            bau_locs.update({c: flocs[c] for c, v in flat.items() if v})
        own = {
            "entries": {
                str(e.get("id", e.get("use")))
                for g in _ENTRIES
                for e in (raw.get(g) or [])
                if isinstance(e, dict)
            },
            **{
                g: {str(e.get("id")) for e in (raw.get(g) or []) if isinstance(e, dict)}
                for g in _POOLS
            },
        }
        for group in (*_ENTRIES, *_POOLS):
            items = raw.get(group) or []
            for i, item in enumerate(items):
                iloc = locate(rloc, [group, i])
                if not isinstance(item, dict):
                    raise _fail(rloc, [group, i], raw, "expected a mapping")
                item = copy.deepcopy(item)
                name = item.get("id", item.get("use") if group in _ENTRIES else None)
                if not isinstance(name, str):
                    raise _fail(rloc, [group, i], raw, "an included entry needs an 'id'")
                item["id"] = f"{prefix}.{name}"
                if group in _ENTRIES and "label" not in item:
                    item["label"] = name  # results name it as the city's own file does
                children = dict(iloc.children or {})  # type: ignore[arg-type]
                children.setdefault("id", iloc)
                children.setdefault("label", children["id"])
                key = "city" if group in _ENTRIES else "cities"
                if item.get(key) == "all":
                    item[key] = list(refs)
                    children[key] = Loc(
                        children[key].file, children[key].line, [children[key]] * len(refs)
                    )
                _rename_refs(item, iloc, prefix, own)
                groups[group].append(item)
                glocs[group].append(Loc(iloc.file, iloc.line, children))

    parent["cities"], pchildren["cities"] = cities, Loc(path, includes[0][2].line, cloc)
    if bau_cities:
        where = includes[0][2]
        parent["bau"] = {"cities": bau_cities}
        pchildren["bau"] = Loc(path, where.line, {"cities": Loc(path, where.line, bau_locs)})
    if sources:
        parent["sources"] = sources
        pchildren["sources"] = Loc(path, includes[0][2].line, source_locs)
    for group in groups:
        if groups[group]:
            parent[group] = groups[group]
            pchildren[group] = Loc(path, includes[0][2].line, glocs[group])
    targets, tlocs = _shared_targets(parts)
    if targets:
        parent["targets"], pchildren["targets"] = targets, Loc(path, includes[0][2].line, tlocs)

    own_data = {k: v for k, v in data.items() if k != "include"}
    for key in ("cities",):
        if key in own_data:
            where = locate(loc, [key])
            raise InputError(
                path,
                "a scenario with 'include' takes its cities from the included files",
                line=where.line,
                key=key,
            )
    own_bau = own_data.get("bau")
    if isinstance(own_bau, dict):
        for key in ("default", "sectors"):
            if key in own_bau:
                where = locate(loc, ["bau", key])
                raise InputError(
                    path,
                    "a scenario with 'include' takes its BAU from the included files; "
                    "change a city's under bau.cities.<city>",
                    line=where.line,
                    key=f"bau.{key}",
                )
    children = {k: v for k, v in (loc.children or {}).items() if k != "include"}  # type: ignore[union-attr]
    merged, mloc = merge(
        parent, Loc(path, loc.line, pchildren), own_data, Loc(path, loc.line, children), ""
    )
    return merged, mloc, tuple(files)


def _matches(item: dict, match: dict) -> bool:
    if "id" in match:
        ident = item.get("id")
        if not isinstance(ident, str) or not (
            ident == match["id"] or ident.endswith("." + match["id"])
        ):
            return False
    return not ("use" in match and item.get("use") != match["use"])


def apply_rules(raw: dict, loc: Loc) -> tuple[dict, Loc]:
    """Merge each `apply:` rule's `set` into every intervention and removal it matches.

    A rule is `{match: {id: x} or {use: y} or both, set: mapping}`; `id` matches an entry's
    own id, with or without the prefix an `include` gave it. A rule that matches nothing is
    an error.
    """
    if "apply" not in raw:
        return raw, loc
    out = dict(raw)
    rules = out.pop("apply")
    children = dict(loc.children or {})  # type: ignore[arg-type]
    rloc = children.pop("apply")
    if not isinstance(rules, list):
        raise InputError(rloc.file, "expected a list of rules", line=rloc.line, key="apply")
    for i, rule in enumerate(rules):
        where = locate(rloc, [i])
        label = f"apply[{i}]"
        if not isinstance(rule, dict) or set(rule) != {"match", "set"}:
            raise InputError(
                where.file,
                "expected a rule {match: {id: ..., use: ...}, set: {...}}",
                line=where.line,
                key=label,
            )
        match, update = rule["match"], rule["set"]
        mloc = locate(where, ["match"])
        if not isinstance(match, dict) or not match or set(match) - {"id", "use"}:
            raise InputError(
                mloc.file,
                f"expected a mapping with 'id' and/or 'use', got {match!r}",
                line=mloc.line,
                key=f"{label}.match",
            )
        sloc = locate(where, ["set"])
        if not isinstance(update, dict) or "id" in update:
            raise InputError(
                sloc.file,
                "expected a mapping of entry keys other than 'id'",
                line=sloc.line,
                key=f"{label}.set",
            )
        hits = 0
        for group in _ENTRIES:
            items = out.get(group)
            if not isinstance(items, list):
                continue
            gloc = children[group]
            new_items, new_locs = list(items), list(gloc.children or [])  # type: ignore[arg-type]
            for j, item in enumerate(items):
                if isinstance(item, dict) and _matches(item, match):
                    hits += 1
                    new_items[j], new_locs[j] = merge(
                        item, new_locs[j], copy.deepcopy(update), sloc, f"{group}[{item['id']}]"
                    )
            out[group] = new_items
            children[group] = Loc(gloc.file, gloc.line, new_locs)
        if not hits:
            raise InputError(
                mloc.file,
                f"matches no intervention or removal: {match!r}",
                line=mloc.line,
                key=f"{label}.match",
            )
    return out, Loc(loc.file, loc.line, children)
