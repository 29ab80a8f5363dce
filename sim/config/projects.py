"""Expand a scenario's entries into projects and check how they roll out.

A project is one intervention (or removal) in one city. This module resolves, with
located errors, what each project waits for: the interventions it comes `after`, the
capacity pools it needs slots of and the budget it takes money from. It also splits the
cities into groups that share nothing, each of which the rollout simulates on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sim.config.baseline import BaselineData
from sim.config.schema import Budget, Capacity, Scenario, values_of
from sim.errors import InputError

Fail = Callable[[list[Any], str], InputError]


@dataclass(frozen=True)
class ProjectSpec:
    group: str  # "interventions" or "removals"
    index: int  # position in that list
    entry: int  # position in interventions + removals
    city: str  # kommun code
    after: tuple[int, ...]  # projects it waits for
    capacities: tuple[int, ...]  # capacity pools it needs slots of, in the order written
    slots: int
    budget: int  # budget pool, -1 for none


@dataclass(frozen=True)
class Pool:
    """A capacity or budget as the rollout sees it: one per city for `per_city` ones."""

    name: str  # id, or id@city for a per-city pool
    index: int  # position of the declaration in its list
    cities: tuple[str, ...]


@dataclass(frozen=True)
class Layout:
    projects: tuple[ProjectSpec, ...]
    capacity_pools: tuple[Pool, ...]
    budget_pools: tuple[Pool, ...]
    city_group: tuple[int, ...]  # group of each scenario city; groups share nothing


def _pools(
    declared: list[Capacity] | list[Budget], kind: str, cities: tuple[str, ...], resolve, fail: Fail
) -> tuple[tuple[Pool, ...], dict[tuple[str, str], int]]:
    """Pools, and (declared id, city) -> pool index for every city a pool serves."""
    pools: list[Pool] = []
    serves: dict[tuple[str, str], int] = {}
    seen: set[str] = set()
    for i, decl in enumerate(declared):
        if decl.id in seen:
            raise fail([kind, i, "id"], f"duplicate id '{decl.id}'")
        seen.add(decl.id)
        if decl.cities == "all":
            members = cities
        else:
            members = tuple(
                resolve(ref, [kind, i, "cities", j]) for j, ref in enumerate(decl.cities)
            )
            if len(set(members)) < len(members):
                raise fail([kind, i, "cities"], "a city is listed twice")
        groups = [(c,) for c in members] if decl.per_city else [members]
        for group in groups:
            name = f"{decl.id}@{group[0]}" if decl.per_city else decl.id
            for city in group:
                serves[(decl.id, city)] = len(pools)
            pools.append(Pool(name, i, group))
    return tuple(pools), serves


def _find_cycle(after: list[tuple[int, ...]]) -> list[int] | None:
    state = [0] * len(after)  # 0 new, 1 on the stack, 2 done
    stack: list[int] = []

    def visit(k: int) -> list[int] | None:
        state[k] = 1
        stack.append(k)
        for j in after[k]:
            if state[j] == 1:
                return [*stack[stack.index(j) :], j]
            if state[j] == 0 and (cycle := visit(j)):
                return cycle
        stack.pop()
        state[k] = 2
        return None

    for k in range(len(after)):
        if state[k] == 0 and (cycle := visit(k)):
            return cycle
    return None


def _groups(cities: tuple[str, ...], links: list[tuple[str, ...]]) -> tuple[int, ...]:
    parent = {c: c for c in cities}

    def root(c: str) -> str:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for linked in links:
        for other in linked[1:]:
            parent[root(other)] = root(linked[0])
    labels: dict[str, int] = {}
    return tuple(labels.setdefault(root(c), len(labels)) for c in cities)


def build_layout(sc: Scenario, data: BaselineData, cities: tuple[str, ...], fail: Fail) -> Layout:
    def resolve(ref: str, keys: list[Any]) -> str:
        code = data.resolve_city(ref)
        if code is None or code not in cities:
            raise fail(keys, f"city '{ref}' is not among the scenario's cities")
        return code

    cap_pools, cap_serves = _pools(sc.capacities, "capacities", cities, resolve, fail)
    bud_pools, bud_serves = _pools(sc.budgets, "budgets", cities, resolve, fail)
    cap_by_id = {c.id: c for c in sc.capacities}
    bud_by_id = {b.id: b for b in sc.budgets}

    entries = [("interventions", i, e) for i, e in enumerate(sc.interventions)]
    entries += [("removals", i, e) for i, e in enumerate(sc.removals)]
    keyed: list[tuple[str, int, int, str]] = []  # group, index, entry, city
    for n, (group, i, item) in enumerate(entries):
        refs = item.city if isinstance(item.city, list) else [item.city]
        codes = cities if refs == ["all"] else tuple(data.resolve_city(r) for r in refs)
        keyed += [(group, i, n, code) for code in codes]  # type: ignore[misc]
    by_key = {(entries[n][2].id, city): k for k, (_, _, n, city) in enumerate(keyed)}
    by_id: dict[str, list[int]] = {}
    for k, (_, _, n, _) in enumerate(keyed):
        by_id.setdefault(entries[n][2].id, []).append(k)

    after: list[tuple[int, ...]] = []
    specs: list[ProjectSpec] = []
    links: list[tuple[str, ...]] = [p.cities for p in (*cap_pools, *bud_pools)]
    for group, i, n, city in keyed:
        ro = entries[n][2].rollout
        deps = []
        for j, ref in enumerate(ro.after):
            keys = [group, i, "rollout", "after", j]
            dep_id, _, dep_city = ref.partition("@")
            if dep_id not in by_id:
                raise fail(keys, f"unknown intervention '{dep_id}' in 'after'")
            if dep_city:
                code = data.resolve_city(dep_city)
                if code is None or (dep_id, code) not in by_key:
                    raise fail(keys, f"'{dep_id}' does not run in city '{dep_city}'")
                deps.append(by_key[(dep_id, code)])
            elif (dep_id, city) in by_key:
                deps.append(by_key[(dep_id, city)])
            elif len(by_id[dep_id]) == 1:
                deps.append(by_id[dep_id][0])
            else:
                raise fail(
                    keys,
                    f"'{dep_id}' runs in several cities but not in {data.cities[city].name}; "
                    f"write '{dep_id}@<city>'",
                )
        after.append(tuple(deps))
        links += [(city, keyed[d][3]) for d in deps]

        need = ro.needs
        capacities: list[int] = []
        budget = -1
        slots = 1
        if need is not None:
            slots = need.slots
            for j, name in enumerate(need.capacities):
                keys = [group, i, "rollout", "needs", "capacity"]
                if isinstance(need.capacity, list):
                    keys.append(j)
                if name not in cap_by_id:
                    raise fail(keys, f"unknown capacity '{name}'; declare it under 'capacities'")
                if (name, city) not in cap_serves:
                    raise fail(keys, f"capacity '{name}' does not serve {data.cities[city].name}")
                if need.slots > cap_by_id[name].slots:
                    raise fail(
                        [group, i, "rollout", "needs", "slots"],
                        f"needs {need.slots} slots but capacity '{name}' has only "
                        f"{cap_by_id[name].slots}: it could never start",
                    )
                capacities.append(cap_serves[(name, city)])
            if need.budget is not None:
                keys = [group, i, "rollout", "needs", "budget"]
                if need.budget not in bud_by_id:
                    raise fail(keys, f"unknown budget '{need.budget}'; declare it under 'budgets'")
                if (need.budget, city) not in bud_serves:
                    raise fail(
                        keys, f"budget '{need.budget}' does not serve {data.cities[city].name}"
                    )
                budget = bud_serves[(need.budget, city)]
        specs.append(ProjectSpec(group, i, n, city, (), tuple(capacities), slots, budget))

    cycle = _find_cycle(after)
    if cycle is not None:
        first = keyed[cycle[0]]
        names = " -> ".join(
            f"{entries[keyed[k][2]][2].id} ({data.cities[keyed[k][3]].name})" for k in cycle
        )
        raise fail([first[0], first[1], "rollout", "after"], f"'after' makes a cycle: {names}")
    specs = [
        ProjectSpec(s.group, s.index, s.entry, s.city, after[k], s.capacities, s.slots, s.budget)
        for k, s in enumerate(specs)
    ]
    return Layout(tuple(specs), cap_pools, bud_pools, _groups(cities, links))


def check_money(layout: Layout, sc: Scenario, money_high: list[float], fail: Fail) -> None:
    """A project that needs more money than a budget without carry-over ever holds could
    never start. `money_high[k]` is the most project k may need (its high value)."""
    for k, spec in enumerate(layout.projects):
        if spec.budget < 0:
            continue
        decl = sc.budgets[layout.budget_pools[spec.budget].index]
        lowest = min(values_of(decl.per_year))
        if money_high[k] > 0 and (lowest <= 0 or (not decl.carry_over and money_high[k] > lowest)):
            item = (sc.interventions if spec.group == "interventions" else sc.removals)[spec.index]
            raise fail(
                [spec.group, spec.index, "rollout", "needs", "budget"],
                f"'{item.id}' needs up to {money_high[k]:,.0f} {sc.costs.currency} at once but "
                f"budget '{decl.id}' holds at most {lowest:,.0f} a year"
                + (" and does not carry money over" if not decl.carry_over else "")
                + ": it could never start",
            )
