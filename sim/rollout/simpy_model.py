"""The reference rollout model in simpy (MODEL.md section 4).

One Environment per (draw, group of cities that share a capacity, a budget or a
dependency); each project is a process; a capacity is a `simpy.Resource` (a
`simpy.Container` of slots where a project takes more than one); a budget is a
`simpy.Container` refilled at the start of every year from the base year on. No state
outside the Environment: environments can run side by side.

Ties at one instant: simpy processes events in (time, priority, creation) order. Ordinary
events (completions, refills, granted requests) have simpy's normal priority; the moment a
project is ready to build is scheduled with priority 2 + its position in the scenario, so
at any instant everything else happens first and ready projects then ask for money and
slots in scenario order (see sim.rollout.schedule).
"""

from __future__ import annotations

import math

import numpy as np
import simpy
from simpy.core import Environment
from simpy.events import NORMAL, Event

from sim.rollout.schedule import RolloutInputs, Timing


class _Ready(Event):
    """A timeout processed after the ordinary events of its instant, in project order."""

    def __init__(self, env: Environment, delay: float, rank: int) -> None:
        super().__init__(env)
        self._ok = True
        self._value = None
        env.schedule(self, NORMAL + 1 + rank, delay)


def _group_start(inp: RolloutInputs, d: int, members: np.ndarray) -> float:
    """Every environment starts at a whole year no later than the base year or any start."""
    return float(math.floor(min(inp.base_year, float(inp.earliest[d, members].min()))))


def _budget(env: Environment, per_year: float, carry: bool, base: float):
    capacity = per_year if (not carry and per_year > 0) else math.inf
    container = simpy.Container(env, capacity=capacity, init=0)

    def refill():
        if base > env.now:
            yield env.timeout(base - env.now)
        while True:
            if carry:
                if per_year > 0:
                    yield container.put(per_year)
            elif container.level < per_year:
                yield container.put(per_year - container.level)
            yield env.timeout(1.0)

    env.process(refill())
    return container


def _project(env, k, d, inp, done, budgets, capacities, unit, out, caps, deps):
    earliest = float(inp.earliest[d, k])
    if earliest > env.now:
        yield env.timeout(earliest - env.now)
    if deps:
        yield env.all_of([done[j] for j in deps])
    out.plan_start[d, k] = env.now
    yield _Ready(env, float(inp.planning[d, k]), k)
    out.ready[d, k] = env.now
    b = int(inp.budget[k]) if inp.budget is not None else -1
    money = float(inp.money[d, k]) if inp.money is not None else 0.0
    if b >= 0 and money > 0:
        yield budgets[b].get(money)
    out.money[d, k] = env.now
    slots = int(inp.slots[k]) if inp.slots is not None else 1
    held = []
    for c in caps:
        if unit[c]:
            request = capacities[c].request()
            yield request
            held.append((c, request))
        else:
            yield capacities[c].get(slots)
            held.append((c, None))
    out.start[d, k] = env.now
    yield env.timeout(float(inp.build[d, k]))
    out.completion[d, k] = env.now
    for c, request in held:
        if request is not None:
            capacities[c].release(request)
        else:
            capacities[c].put(slots)
    done[k].succeed()


def simulate_group(inp: RolloutInputs, d: int, members: np.ndarray, out: Timing, env=None) -> int:
    """Run one (draw, group) in its own Environment; fills `out` for `members`.

    Returns the simpy time reached (for benchmarks). `env` may be given to count events.
    """
    members = np.asarray(members)
    env = env or Environment(initial_time=_group_start(inp, d, members))
    cap_ptr, cap_idx = inp.csr("capacity")
    after_ptr, after_idx = inp.csr("after")
    slots = inp.slots if inp.slots is not None else np.ones(inp.n_project, np.int64)
    pools_used = sorted({int(c) for k in members for c in cap_idx[cap_ptr[k] : cap_ptr[k + 1]]})
    unit = {}
    capacities = {}
    for c in pools_used:
        users = [k for k in members if c in cap_idx[cap_ptr[k] : cap_ptr[k + 1]]]
        unit[c] = all(slots[k] == 1 for k in users)
        n = int(inp.capacity_slots[c])
        capacities[c] = (
            simpy.Resource(env, capacity=n) if unit[c] else simpy.Container(env, capacity=n, init=n)
        )
    budgets = {}
    if inp.budget is not None:
        for b in sorted({int(inp.budget[k]) for k in members if inp.budget[k] >= 0}):
            per_year = inp.budget_per_year[d if inp.budget_per_year.shape[0] > 1 else 0, b]
            budgets[b] = _budget(env, float(per_year), bool(inp.budget_carry[b]), inp.base_year)
    done = {int(k): env.event() for k in members}
    for k in sorted(int(k) for k in members):
        caps = [int(c) for c in cap_idx[cap_ptr[k] : cap_ptr[k + 1]]]
        deps = [int(j) for j in after_idx[after_ptr[k] : after_ptr[k + 1]]]
        env.process(_project(env, k, d, inp, done, budgets, capacities, unit, out, caps, deps))
    env.run(until=inp.t_max)
    return env.now


def schedule_simpy(inp: RolloutInputs) -> Timing:
    """The schedule of every (draw, group), each in its own Environment."""
    shape = inp.earliest.shape
    out = Timing(*(np.full(shape, np.inf) for _ in range(5)))
    groups = inp.groups()
    members_of = [np.flatnonzero(groups == g) for g in np.unique(groups)]
    for d in range(inp.n_draw):
        for members in members_of:
            simulate_group(inp, d, members, out)
    return out
