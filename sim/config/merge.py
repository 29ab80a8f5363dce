"""Merging scenario documents (`extends:` and library entries) while keeping locations.

Mappings merge key by key, deeply; a list whose items are all mappings with an `id`
merges item by item on that id (an item `{id: x, remove: true}` drops the inherited `x`);
anything else is replaced by the child's value.
"""

from __future__ import annotations

from typing import Any

from sim.config.yamlio import Loc, locate
from sim.errors import InputError


def is_id_list(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) > 0
        and all(isinstance(v, dict) and isinstance(v.get("id"), str) for v in value)
    )


def _check_unique_ids(items: list[dict], loc: Loc, key: str) -> None:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        where = locate(loc, [i])
        if item["id"] in seen:
            first = locate(loc, [seen[item["id"]]]).line
            raise InputError(
                where.file,
                f"duplicate id '{item['id']}' (first used on line {first})",
                line=where.line,
                key=f"{key}[{item['id']}]",
            )
        seen[item["id"]] = i


#: keys that mark a mapping as one value (an uncertain number, a scope), replaced whole
#: rather than merged key by key: {low: ..} over {subsector: ..} must not mix the two
_VALUE_KEYS = frozenset({"low", "central", "high", "subsector", "source", "fraction"})
#: pairs of keys of which a mapping holds one: writing one drops the inherited other
_EXCLUSIVE = (("capex", "capex_per_t"), ("opex", "opex_per_t"))


def _is_value(value: Any) -> bool:
    """A mapping that is one number or scope: a range, a named distribution, a scope."""
    return (
        isinstance(value, dict) and bool(value) and ("dist" in value or set(value) <= _VALUE_KEYS)
    )


def merge(parent: Any, ploc: Loc, child: Any, cloc: Loc, key: str) -> tuple[Any, Loc]:
    if _is_value(parent) or _is_value(child):
        return check_no_removals(child, cloc, key), cloc
    if isinstance(parent, dict) and isinstance(child, dict):
        out = dict(parent)
        children = dict(ploc.children or {})  # type: ignore[arg-type]
        for a, b in _EXCLUSIVE:
            for mine, theirs in ((a, b), (b, a)):
                if mine in child and theirs in out and mine not in out:
                    del out[theirs]
                    children.pop(theirs, None)
        for k, v in child.items():
            sub = f"{key}.{k}" if key else str(k)
            vloc = cloc.children[k]  # type: ignore[index]
            if k in out:
                out[k], children[k] = merge(out[k], children[k], v, vloc, sub)
            else:
                out[k], children[k] = check_no_removals(v, vloc, sub), vloc
        return out, Loc(cloc.file, cloc.line, children)
    if is_id_list(parent) and is_id_list(child):
        _check_unique_ids(child, cloc, key)
        items = {p["id"]: (p, ploc.children[i]) for i, p in enumerate(parent)}  # type: ignore[index]
        for i, item in enumerate(child):
            iloc = cloc.children[i]  # type: ignore[index]
            if item.get("remove") is True:
                if set(item) - {"id", "remove"}:
                    raise InputError(
                        iloc.file,
                        "an entry with 'remove: true' takes only 'id'",
                        line=iloc.line,
                        key=f"{key}[{item['id']}]",
                    )
                if item["id"] not in items:
                    raise InputError(
                        iloc.file,
                        f"cannot remove '{item['id']}': no inherited entry has that id",
                        line=iloc.line,
                        key=f"{key}[{item['id']}].remove",
                    )
                del items[item["id"]]
            elif item["id"] in items:
                items[item["id"]] = merge(*items[item["id"]], item, iloc, f"{key}[{item['id']}]")
            else:
                items[item["id"]] = (item, iloc)
        merged = list(items.values())
        return [m[0] for m in merged], Loc(cloc.file, cloc.line, [m[1] for m in merged])
    return check_no_removals(child, cloc, key), cloc


def check_no_removals(value: Any, loc: Loc, key: str) -> Any:
    """A file without a parent for this list cannot remove entries from it."""
    if is_id_list(value):
        _check_unique_ids(value, loc, key)
        for i, item in enumerate(value):
            if "remove" in item:
                where = locate(loc, [i, "remove"])
                raise InputError(
                    where.file,
                    f"cannot remove '{item['id']}': nothing is inherited here",
                    line=where.line,
                    key=f"{key}[{item['id']}].remove",
                )
    return value
