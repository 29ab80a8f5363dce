"""Sources of a sector and the terms that act on them (docs/model.md section 2).

A (city, sector) is **split** when the scenario declares sources for it (`sources:`) or when
a measure names sub-sectors of the data; it is then the named sources plus `other`, the
rest. Any other (city, sector) is one source: the whole sector. A measure with a plain scope
acts on that share of every source of its sector; a measure that names sources acts on
`fraction` of each one it names. Each (project, source) pair is a term.

Sub-sector shares come from the data's CO2 table: the share of a sub-sector is its CO2
divided by the sector's CO2e in the same year (CO2 is part of CO2e), so the other gases stay
in `other`. Where the CO2 table exceeds the sector's CO2e (the tables come from different
releases), the shares are taken of the CO2 total instead, with a warning if the excess is
more than PROXY_TOLERANCE.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.config.schema import OTHER_SOURCE, SourceScope, SubsectorShare

NO_PARAM = -1
#: how far the CO2 sub-sector table may exceed the sector's CO2e before a warning
PROXY_TOLERANCE = 0.05

#: kinds of source share
WHOLE, DECLARED, REST = 0, 1, 2


@dataclass(frozen=True)
class Sources:
    """Source slots, flat over (city, sector)."""

    city: np.ndarray  # [source] index into plan.cities
    sector: np.ndarray  # [source] index into plan.sectors
    kind: np.ndarray  # [source] WHOLE (share 1), DECLARED (share parameter) or REST
    share: np.ndarray  # [source] parameter index of the share (DECLARED), else NO_PARAM
    name: tuple[str, ...]  # "" for a whole sector, else the source's name

    def __len__(self) -> int:
        return len(self.city)

    @property
    def split(self) -> np.ndarray:
        """[source] bool: the source is part of a split sector."""
        return self.kind != WHOLE


@dataclass(frozen=True)
class Terms:
    """One row per (reduction project, source it acts on)."""

    project: np.ndarray  # [term] project index
    source: np.ndarray  # [term] source index
    fraction: np.ndarray  # [term] parameter index of the share of the source (NO_PARAM: 1)

    def __len__(self) -> int:
        return len(self.project)


def source_shares(sources: Sources, theta: np.ndarray) -> np.ndarray:
    """The share of its sector of every source, [draw, source]; `other` is 1 minus the
    declared shares of its sector (never below 0)."""
    n_draw = theta.shape[0]
    out = np.ones((n_draw, len(sources)))
    declared = sources.kind == DECLARED
    if declared.any():
        out[:, declared] = theta[:, sources.share[declared]]
    for k in np.flatnonzero(sources.kind == REST):
        same = (sources.city == sources.city[k]) & (sources.sector == sources.sector[k]) & declared
        out[:, k] = np.maximum(0.0, 1.0 - out[:, same].sum(axis=1))
    return out


def coverage(sources: Sources, terms: Terms, theta: np.ndarray, n_project: int) -> np.ndarray:
    """The share of its sector each project addresses, [draw, project]: the sum over its terms
    of source share x fraction (0 for removals)."""
    frac = np.ones((theta.shape[0], len(terms)))
    has = terms.fraction != NO_PARAM
    frac[:, has] = theta[:, terms.fraction[has]]
    return coverage_of(terms, source_shares(sources, theta), frac, n_project)


def coverage_of(
    terms: Terms, shares: np.ndarray, fraction: np.ndarray, n_project: int
) -> np.ndarray:
    """`coverage` from the sources' shares [draw, source] and the terms' fractions
    [draw, term] already gathered."""
    out = np.zeros((max(shares.shape[0], fraction.shape[0]), n_project))
    np.add.at(out, (slice(None), terms.project), shares[:, terms.source] * fraction)
    return out


@dataclass
class _Reduction:
    project: int
    city: int
    sector: int
    keys: list[Any]  # where the entry is written: [group, index]
    scope: Any
    scope_param: int  # plain scope: its parameter; named sources: the fraction's (or NO_PARAM)


def build_sources(
    loaded: Any,
    reductions: list[_Reduction],
    add_param: Callable[..., int],
    warnings: list[str],
) -> tuple[Sources, Terms]:
    """Source slots and terms of a scenario; located errors for unknown or unusable names."""
    sc, data = loaded.scenario, loaded.data
    cities, sectors = loaded.cities, loaded.sectors
    declared: dict[tuple[int, int], tuple[list[Any], Any]] = {}
    raw_sources = loaded.raw.get("sources", {})
    for ref, per_sector in sc.sources.items():
        key = next(k for k in raw_sources if str(k) == ref)
        code = data.resolve_city(ref)
        if code is None or code not in cities:
            raise loaded.fail(["sources", key], f"city '{ref}' is not among the scenario's cities")
        for sid, split in per_sector.items():
            if sid not in sectors:
                raise loaded.fail(
                    ["sources", key, sid],
                    f"unknown sector '{sid}'; expected one of: {', '.join(sectors)}",
                )
            declared[(cities.index(code), sectors.index(sid))] = (["sources", key, sid], split)

    # which (city, sector) are split by the data's sub-sectors
    by_subsector: dict[tuple[int, int], list[Any]] = {}
    for r in reductions:
        if isinstance(r.scope, SubsectorShare | SourceScope) and (r.city, r.sector) not in declared:
            by_subsector.setdefault((r.city, r.sector), r.keys)
            city = data.cities[cities[r.city]]
            sid = sectors[r.sector]
            proxy = {x.id: x.co2_proxy for x in data.subsectors if x.sector_id == sid}
            if isinstance(r.scope, SourceScope) and (
                city.co2_subsectors is None
                or sid not in city.co2_subsectors.sectors
                or not any(proxy.values())
            ):
                raise loaded.fail(
                    [*r.keys, "scope", "source"],
                    f"{sid} of {city.name} has no sources: declare them under "
                    f"'sources: {{{cities[r.city]}: {{{sid}: {{shares: ...}}}}}}'",
                )
            if isinstance(r.scope, SourceScope) and any(
                proxy.get(n) is False for n in r.scope.names
            ):
                raise loaded.fail(
                    [*r.keys, "scope", "source"],
                    f"the sub-sector data are CO2 only, which is no proxy for the CO2e of {sid} "
                    "(methane, nitrous oxide, F-gases): give scope as a number",
                )
    if any(
        isinstance(r.scope, SubsectorShare) and (r.city, r.sector) in declared for r in reductions
    ):
        r = next(
            r
            for r in reductions
            if isinstance(r.scope, SubsectorShare) and (r.city, r.sector) in declared
        )
        names = ", ".join(declared[(r.city, r.sector)][1].shares)
        raise loaded.fail(
            [*r.keys, "scope", "subsector"],
            f"{sectors[r.sector]} of {data.cities[cities[r.city]].name} is split into the "
            f"sources declared under 'sources' ({names}, other): name them with "
            "'scope: {source: ...}'",
        )

    city_col: list[int] = []
    sector_col: list[int] = []
    kind_col: list[int] = []
    share_col: list[int] = []
    names: list[str] = []
    slot: dict[tuple[int, int, str], int] = {}

    def add(c: int, s: int, kind: int, share: int, name: str) -> None:
        slot[(c, s, name)] = len(city_col)
        city_col.append(c)
        sector_col.append(s)
        kind_col.append(kind)
        share_col.append(share)
        names.append(name)

    used = {(r.city, r.sector) for r in reductions} | set(declared)
    proxy_notes: dict[str, list[str]] = {}
    for c, s in sorted(used):
        code, sid = cities[c], sectors[s]
        if (c, s) in declared:
            keys, split = declared[(c, s)]
            for name, share in split.shares.items():
                p = add_param(f"sources.{code}.{sid}.{name}", share, "1", [*keys, "shares", name])
                add(c, s, DECLARED, p, name)
            add(c, s, REST, NO_PARAM, OTHER_SOURCE)
        elif (c, s) in by_subsector:
            city = data.cities[code]
            table = city.co2_subsectors.sectors[sid]  # checked by the loader
            co2_all = table["all"]
            co2e = city.emissions.get(sid, {}).get(city.co2_subsectors.year)
            denominator = max(co2_all, co2e or 0.0)
            if co2e and co2_all > (1.0 + PROXY_TOLERANCE) * co2e:
                proxy_notes.setdefault(sid, []).append(f"{city.name} {co2_all / co2e:.2f}")
            for name, value in table.items():
                if name == "all":
                    continue
                share = value / denominator if denominator > 0 else 0.0
                p = add_param(f"data.{code}.{sid}.{name}", share, "1")
                add(c, s, DECLARED, p, name)
            add(c, s, REST, NO_PARAM, OTHER_SOURCE)
        else:
            add(c, s, WHOLE, NO_PARAM, "")
    for sid, cities_ratio in proxy_notes.items():
        warnings.append(
            f"{sid}: the CO2 of the sub-sector table exceeds the sector's CO2e by more than "
            f"{100 * PROXY_TOLERANCE:.0f} % (CO2/CO2e: {', '.join(cities_ratio)}); the tables "
            "come from different releases, so sub-sector shares are taken of the CO2 total"
        )

    term_project: list[int] = []
    term_source: list[int] = []
    term_fraction: list[int] = []
    for r in reductions:
        sector_slots = [k for (c, s, _), k in slot.items() if (c, s) == (r.city, r.sector)]
        if isinstance(r.scope, SubsectorShare | SourceScope):
            field = "subsector" if isinstance(r.scope, SubsectorShare) else "source"
            for name in r.scope.names:
                k = slot.get((r.city, r.sector, name))
                if k is None:
                    known = ", ".join(n for (c, s, n) in slot if (c, s) == (r.city, r.sector))
                    raise loaded.fail(
                        [*r.keys, "scope", field],
                        f"unknown source '{name}' of {sectors[r.sector]} in "
                        f"{data.cities[cities[r.city]].name}; expected one of: {known}",
                    )
                term_project.append(r.project)
                term_source.append(k)
                term_fraction.append(r.scope_param)
        else:
            for k in sorted(sector_slots):
                term_project.append(r.project)
                term_source.append(k)
                term_fraction.append(r.scope_param)
    as_int = lambda v: np.asarray(v, dtype=np.int64)  # noqa: E731
    return (
        Sources(
            as_int(city_col), as_int(sector_col), as_int(kind_col), as_int(share_col), tuple(names)
        ),
        Terms(as_int(term_project), as_int(term_source), as_int(term_fraction)),
    )
