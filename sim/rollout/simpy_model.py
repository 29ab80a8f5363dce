"""The reference rollout model in simpy (docs/model.md section 4).

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

import gc
import math
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import simpy
from simpy.core import Environment, StopSimulation
from simpy.events import NORMAL, Event

from sim.rollout.types import RolloutInputs, Timing


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


class _TopUp(simpy.resources.container.ContainerPut):
    """A refill of a budget without carry-over: sets the level to exactly `amount`."""


class _Budget(simpy.Container):
    """A simpy Container whose yearly refill without carry-over tops the level up to exactly
    the yearly amount (a put of `per_year - level` can land a rounding error below it)."""

    def top_up(self, amount: float) -> _TopUp:
        return _TopUp(self, amount)

    def _do_put(self, event):  # simpy's extension point for how a put changes the level
        if isinstance(event, _TopUp):
            self._level = max(self._level, event.amount)
            event.succeed()
            return True
        return super()._do_put(event)


def _budget(env: Environment, per_year: float, carry: bool, base: float):
    capacity = per_year if (not carry and per_year > 0) else math.inf
    container = _Budget(env, capacity=capacity, init=0)

    def refill():
        if base > env.now:
            yield env.timeout(base - env.now)
        while True:
            if carry:
                if per_year > 0:
                    yield container.put(per_year)
            elif container.level < per_year:
                yield container.top_up(per_year)
            yield env.timeout(1.0)

    env.process(refill())
    return container


@dataclass(frozen=True)
class _Group:
    """What does not change from draw to draw: each project's needs and dependencies."""

    members: list[int]
    #: project -> (projects it waits for, budget pool or -1, slots, [(pool, is a Resource)])
    static: dict[int, tuple[list[int], int, int, list[tuple[int, bool]]]]
    unit: dict[int, bool]  # capacity pool -> every user takes one slot (a Resource will do)
    budgets: list[int]  # budget pools used, in declaration order


def _prepare(inp: RolloutInputs, members: np.ndarray) -> _Group:
    cap_ptr, cap_idx = inp.csr("capacity")
    after_ptr, after_idx = inp.csr("after")
    slots = inp.slots if inp.slots is not None else np.ones(inp.n_project, np.int64)
    budget = inp.budget if inp.budget is not None else np.full(inp.n_project, -1)
    ks = sorted(int(k) for k in members)
    caps = {k: cap_idx[cap_ptr[k] : cap_ptr[k + 1]].tolist() for k in ks}
    unit: dict[int, bool] = {}
    for k in ks:
        for c in caps[k]:
            unit[c] = unit.get(c, True) and int(slots[k]) == 1
    static = {
        k: (
            after_idx[after_ptr[k] : after_ptr[k + 1]].tolist(),
            int(budget[k]),
            int(slots[k]),
            [(c, unit[c]) for c in caps[k]],
        )
        for k in ks
    }
    return _Group(ks, static, unit, sorted({int(budget[k]) for k in ks if budget[k] >= 0}))


def _project(env, k, earliest, planning, build, money, static, done, budgets, capacities, rows):
    deps, b, slots, caps = static
    rec = [k, math.inf, math.inf, math.inf, math.inf, math.inf]  # as far as it gets
    rows.append(rec)
    if earliest > env.now:
        yield env.timeout(earliest - env.now)
    if deps:
        yield env.all_of([done[j] for j in deps])
    rec[1] = env.now  # planning begins
    yield _Ready(env, planning, k)
    rec[2] = env.now  # ready to build
    if b >= 0 and money > 0:
        yield budgets[b].get(money)
    rec[3] = env.now  # has its money
    held = []
    for c, resource in caps:
        if resource:
            request = capacities[c].request()
            yield request
            held.append((c, request))
        else:
            yield capacities[c].get(slots)
            held.append((c, None))
    rec[4] = env.now  # build starts
    rec[5] = env.now + build  # recorded at the start, as the fast path does
    yield env.timeout(build)
    for c, request in held:
        if request is not None:
            capacities[c].release(request)
        else:
            capacities[c].put(slots)
    done[k].succeed()


def simulate_group(
    inp: RolloutInputs, d: int, members: np.ndarray, out: Timing, env=None, group=None
) -> float:
    """Run one (draw, group) in its own Environment; fills `out` for `members`.

    Returns the simpy time reached. `env` may be given (e.g. one that counts events) and
    `group` prepared once for many draws.
    """
    group = group or _prepare(inp, members)
    env = env or Environment(initial_time=_group_start(inp, d, np.asarray(members)))
    capacities = {
        c: simpy.Resource(env, capacity=int(inp.capacity_slots[c]))
        if unit
        else simpy.Container(
            env, capacity=int(inp.capacity_slots[c]), init=int(inp.capacity_slots[c])
        )
        for c, unit in group.unit.items()
    }
    per_year = inp.budget_per_year[d if inp.budget_per_year.shape[0] > 1 else 0]
    budgets = {
        b: _budget(env, float(per_year[b]), bool(inp.budget_carry[b]), inp.base_year)
        for b in group.budgets
    }
    earliest, planning, build = (x[d].tolist() for x in (inp.earliest, inp.planning, inp.build))
    money = inp.money[d].tolist() if inp.money is not None else [0.0] * inp.n_project
    rows: list[list] = []
    done = {k: env.event() for k in group.members}
    for k in group.members:
        env.process(
            _project(
                env, k, earliest[k], planning[k], build[k], money[k], group.static[k], done,
                budgets, capacities, rows,
            )
        )  # fmt: skip
    # stop once every project is complete (budgets would refill for ever), at the latest
    # at t_max, before anything else that happens at t_max (as the fast path does)
    env.all_of(list(done.values())).callbacks.append(StopSimulation.callback)
    env.run(until=inp.t_max)
    if rows:
        table = np.array(rows)
        ks = table[:, 0].astype(np.int64)
        for j, target in enumerate(
            (out.plan_start, out.ready, out.money, out.start, out.completion), start=1
        ):
            target[d, ks] = table[:, j]
    return env.now


@contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector while simulating.

    A run creates and drops many small objects (events, generators) that reference counting
    frees; the cyclic collector would otherwise walk every live event again and again. It
    is paused for one Environment at a time, so what that run leaves behind is collected
    soon after.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def schedule_simpy(inp: RolloutInputs) -> Timing:
    """The schedule of every (draw, group), each in its own Environment."""
    shape = inp.earliest.shape
    out = Timing(*(np.full(shape, np.inf) for _ in range(5)))
    groups = inp.groups()
    prepared = [
        (members, _prepare(inp, members))
        for members in (np.flatnonzero(groups == g) for g in np.unique(groups))
    ]
    for d in range(inp.n_draw):
        for members, group in prepared:
            with gc_paused():
                simulate_group(inp, d, members, out, group=group)
    return out
