"""The fast path: the first-come-first-served rollout schedule without simpy.

simpy serves a Resource's and a Container's requests in the order they arrive, so the
schedule of `sim.rollout.simpy_model` can be computed by replaying its events in the same
order with plain arrays: a small heap of (time, priority, sequence) keys per (draw, group
of cities), with the same priorities and the same floating-point operations, compiled
with numba and run over draws in parallel. Each draw is computed on its own, so the result
does not depend on the number of threads.

Covered: earliest starts, `after:` dependencies, planning, one capacity per project (any
number of slots), one budget per project (with or without carry-over), builds of any
length including zero. A project needing slots of several capacities is left to simpy
(`sim.rollout.schedule.covered_by_fast_path`).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from sim.rollout.types import RolloutInputs, Timing

# event kinds
_READY, _COMPLETE, _REFILL = 1, 2, 3
_NORMAL = 1  # simpy's normal priority; a ready project has NORMAL + 1 + its index


@njit(cache=True, inline="always")
def _before(ht, hp, hs, i, j):
    if ht[i] != ht[j]:
        return ht[i] < ht[j]
    if hp[i] != hp[j]:
        return hp[i] < hp[j]
    return hs[i] < hs[j]


@njit(cache=True, inline="always")
def _swap(ht, hp, hs, hk, ha, i, j):
    ht[i], ht[j] = ht[j], ht[i]
    hp[i], hp[j] = hp[j], hp[i]
    hs[i], hs[j] = hs[j], hs[i]
    hk[i], hk[j] = hk[j], hk[i]
    ha[i], ha[j] = ha[j], ha[i]


@njit(cache=True, inline="always")
def _push(ht, hp, hs, hk, ha, n, t, prio, seq, kind, arg):
    ht[n], hp[n], hs[n], hk[n], ha[n] = t, prio, seq, kind, arg
    i = n
    while i > 0:
        parent = (i - 1) // 2
        if _before(ht, hp, hs, i, parent):
            _swap(ht, hp, hs, hk, ha, i, parent)
            i = parent
        else:
            break
    return n + 1


@njit(cache=True, inline="always")
def _pop(ht, hp, hs, hk, ha, n):
    """Move the smallest key to position n - 1 and restore the heap on 0..n-2."""
    n -= 1
    _swap(ht, hp, hs, hk, ha, 0, n)
    i = 0
    while True:
        left, right, best = 2 * i + 1, 2 * i + 2, i
        if left < n and _before(ht, hp, hs, left, best):
            best = left
        if right < n and _before(ht, hp, hs, right, best):
            best = right
        if best == i:
            return n
        _swap(ht, hp, hs, hk, ha, i, best)
        i = best


@njit(cache=True, inline="always")
def _refill_until(b, now, level, next_refill, per_year_b, carry_b):
    """Apply, one by one and with simpy's arithmetic, every yearly refill of budget b up to
    and including `now`. Refills while nobody waits are applied this way when the budget is
    next used, so no event is spent on them."""
    while next_refill[b] <= now:
        if carry_b:
            if per_year_b > 0:
                level[b] += per_year_b
        elif level[b] < per_year_b:
            level[b] = per_year_b  # exactly the yearly amount, as simpy's top-up
        next_refill[b] += 1.0


@njit(cache=True, inline="always")
def _simulate(
    d,
    members,
    earliest,
    planning,
    build,
    money,
    budget,
    cap,
    slots,
    n_after,
    dependents_ptr,
    dependents,
    capacity_slots,
    per_year,
    carry,
    queue_offset_b,
    queue_offset_c,
    base,
    t_max,
    plan_start,
    ready,
    money_time,
    start,
    completion,
):
    """One (draw, group): fills the timing arrays of the projects in `members`.

    Events: READY (priority 2 + project, after everything ordinary at that instant),
    COMPLETE (only for projects that hold slots or that others wait for) and REFILL (only
    while someone waits for that budget). A project that needs nothing, waits for nothing
    and is waited for by nobody is scheduled in closed form.
    """
    n = members.shape[0]
    n_pool_b = per_year.shape[1]
    n_pool_c = capacity_slots.shape[0]
    t0 = base
    for i in range(n):
        t0 = min(t0, earliest[d, members[i]])
    t0 = math.floor(t0)

    pending = np.zeros(earliest.shape[1], np.int64)  # dependencies not yet complete
    level = np.zeros(n_pool_b)
    next_refill = np.full(n_pool_b, t0 + (base - t0) if base > t0 else t0)
    refill_due = np.zeros(n_pool_b, np.bool_)  # a REFILL event is in the heap
    free = capacity_slots.copy()
    qb = np.empty(queue_offset_b[n_pool_b], np.int64)
    qb_head = queue_offset_b[:n_pool_b].copy()
    qb_tail = queue_offset_b[:n_pool_b].copy()
    qc = np.empty(queue_offset_c[n_pool_c], np.int64)
    qc_head = queue_offset_c[:n_pool_c].copy()
    qc_tail = queue_offset_c[:n_pool_c].copy()

    size = n + n_pool_b + 1
    ht = np.empty(size)
    hp = np.empty(size, np.int64)
    hs = np.empty(size, np.int64)
    hk = np.empty(size, np.int64)
    ha = np.empty(size, np.int64)
    h = 0
    seq = 0
    unstarted = 0
    for i in range(n):
        k = members[i]
        e = earliest[d, k]  # = t0 + (e - t0) exactly: both are years of similar size
        needs = (budget[k] >= 0 and money[d, k] > 0) or cap[k] >= 0
        waited_for = dependents_ptr[k + 1] > dependents_ptr[k]
        pending[k] = n_after[k]
        if not needs and n_after[k] == 0 and not waited_for:
            plan_start[d, k] = e
            ready[d, k] = e + planning[d, k]
            money_time[d, k] = ready[d, k]
            start[d, k] = ready[d, k]
            completion[d, k] = ready[d, k] + build[d, k]
            continue
        unstarted += 1
        if n_after[k] == 0:
            plan_start[d, k] = e
            h = _push(ht, hp, hs, hk, ha, h, e + planning[d, k], _NORMAL + 1 + k, seq, _READY, k)
            seq += 1

    while h > 0 and unstarted > 0:
        h = _pop(ht, hp, hs, hk, ha, h)
        now, kind, arg = ht[h], hk[h], ha[h]
        if now >= t_max:
            break
        if kind == _READY:
            ready[d, arg] = now
            b = budget[arg]
            if b >= 0 and money[d, arg] > 0:
                _refill_until(b, now, level, next_refill, per_year[d, b], carry[b])
                if qb_head[b] == qb_tail[b] and level[b] >= money[d, arg]:
                    level[b] -= money[d, arg]
                    money_time[d, arg] = now
                    h, seq, unstarted = _ask_slots(arg, now, d, cap, slots, free, qc, qc_head,
                        qc_tail, build, start, completion, dependents_ptr, ht, hp, hs, hk, ha,
                        h, seq, unstarted)  # fmt: skip
                else:
                    qb[qb_tail[b]] = arg
                    qb_tail[b] += 1
                    if not refill_due[b] and next_refill[b] < t_max:
                        # refills at one instant go in the order the budgets are declared
                        h = _push(ht, hp, hs, hk, ha, h, next_refill[b], _NORMAL, b - n_pool_b,
                                  _REFILL, b)  # fmt: skip
                        refill_due[b] = True
            else:
                money_time[d, arg] = now
                h, seq, unstarted = _ask_slots(arg, now, d, cap, slots, free, qc, qc_head,
                    qc_tail, build, start, completion, dependents_ptr, ht, hp, hs, hk, ha, h,
                    seq, unstarted)  # fmt: skip
        elif kind == _REFILL:
            b = arg
            refill_due[b] = False
            _refill_until(b, now, level, next_refill, per_year[d, b], carry[b])
            # grant in queue order; each grantee asks for slots before the next is served
            while qb_head[b] < qb_tail[b] and level[b] >= money[d, qb[qb_head[b]]]:
                k = qb[qb_head[b]]
                qb_head[b] += 1
                level[b] -= money[d, k]
                money_time[d, k] = now
                h, seq, unstarted = _ask_slots(k, now, d, cap, slots, free, qc, qc_head,
                    qc_tail, build, start, completion, dependents_ptr, ht, hp, hs, hk, ha, h,
                    seq, unstarted)  # fmt: skip
            if qb_head[b] < qb_tail[b] and next_refill[b] < t_max:
                h = _push(ht, hp, hs, hk, ha, h, next_refill[b], _NORMAL, b - n_pool_b,
                          _REFILL, b)  # fmt: skip
                refill_due[b] = True
        else:  # _COMPLETE: release the slots, serve the queue, wake dependents
            c = cap[arg]
            if c >= 0:
                free[c] += slots[arg]
                while qc_head[c] < qc_tail[c] and free[c] >= slots[qc[qc_head[c]]]:
                    k = qc[qc_head[c]]
                    qc_head[c] += 1
                    free[c] -= slots[k]
                    h, seq, unstarted = _start(k, now, d, cap, build, start, completion,
                        dependents_ptr, ht, hp, hs, hk, ha, h, seq, unstarted)  # fmt: skip
            for p in range(dependents_ptr[arg], dependents_ptr[arg + 1]):
                j = dependents[p]
                pending[j] -= 1
                if pending[j] == 0:
                    # planning begins at the later of its earliest start and this completion
                    begin = max(earliest[d, j], now)
                    plan_start[d, j] = begin
                    h = _push(ht, hp, hs, hk, ha, h, begin + planning[d, j], _NORMAL + 1 + j,
                              seq, _READY, j)  # fmt: skip
                    seq += 1


@njit(cache=True, inline="always")
def _start(k, now, d, cap, build, start, completion, dependents_ptr, ht, hp, hs, hk, ha, h,
           seq, unstarted):  # fmt: skip
    """Project k starts building; its completion is an event only if it frees slots or
    others wait for it."""
    start[d, k] = now
    completion[d, k] = now + build[d, k]
    if cap[k] >= 0 or dependents_ptr[k + 1] > dependents_ptr[k]:
        h = _push(ht, hp, hs, hk, ha, h, completion[d, k], _NORMAL, seq, _COMPLETE, k)
        seq += 1
    return h, seq, unstarted - 1


@njit(cache=True, inline="always")
def _ask_slots(k, now, d, cap, slots, free, qc, qc_head, qc_tail, build, start, completion,
               dependents_ptr, ht, hp, hs, hk, ha, h, seq, unstarted):  # fmt: skip
    """Project k has its money: it takes its slots and starts, or queues for them."""
    c = cap[k]
    if c < 0 or (qc_head[c] == qc_tail[c] and free[c] >= slots[k]):
        if c >= 0:
            free[c] -= slots[k]
        return _start(k, now, d, cap, build, start, completion, dependents_ptr, ht, hp, hs,
                      hk, ha, h, seq, unstarted)  # fmt: skip
    qc[qc_tail[c]] = k
    qc_tail[c] += 1
    return h, seq, unstarted


@njit(cache=True, parallel=True)
def _run_all(
    group_ptr, group_members, earliest, planning, build, money, budget, cap, slots, n_after,
    dependents_ptr, dependents, capacity_slots, per_year, carry, queue_offset_b,
    queue_offset_c, base, t_max, plan_start, ready, money_time, start, completion,
):  # fmt: skip
    n_draw = earliest.shape[0]
    n_group = group_ptr.shape[0] - 1
    for job in prange(n_draw * n_group):
        d = job // n_group
        g = job % n_group
        members = group_members[group_ptr[g] : group_ptr[g + 1]]
        _simulate(
            d, members, earliest, planning, build, money, budget, cap, slots, n_after,
            dependents_ptr, dependents, capacity_slots, per_year, carry,
            queue_offset_b, queue_offset_c, base, t_max, plan_start, ready, money_time,
            start, completion,
        )  # fmt: skip


def _offsets(pool_of: np.ndarray, n_pool: int) -> np.ndarray:
    counts = np.bincount(pool_of[pool_of >= 0], minlength=n_pool)
    return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)


def schedule_fast(inp: RolloutInputs) -> Timing:
    """The same schedule as `schedule_simpy`, computed without an event loop in Python."""
    n_draw, n_proj = inp.earliest.shape
    after_ptr, after = inp.csr("after")
    cap_ptr, cap_idx = inp.csr("capacity")
    cap = np.full(n_proj, -1, np.int64)
    has_cap = np.diff(cap_ptr) == 1
    cap[has_cap] = cap_idx[cap_ptr[:-1][has_cap]]
    budget = inp.budget if inp.budget is not None else np.full(n_proj, -1, np.int64)
    money = inp.money if inp.money is not None else np.zeros((n_draw, n_proj))
    slots = inp.slots if inp.slots is not None else np.ones(n_proj, np.int64)
    # who waits for whom, reversed: the projects each project's completion may release
    owners = np.repeat(np.arange(n_proj), np.diff(after_ptr))
    order = np.argsort(after, kind="stable")
    dependents = owners[order].astype(np.int64)
    dependents_ptr = np.concatenate([[0], np.cumsum(np.bincount(after, minlength=n_proj))])
    groups = inp.groups()
    group_members = np.argsort(groups, kind="stable").astype(np.int64)
    group_ptr = np.concatenate([[0], np.cumsum(np.bincount(groups))]).astype(np.int64)
    n_pool_b = len(inp.budget_carry)
    n_pool_c = len(inp.capacity_slots)
    per_year = np.broadcast_to(inp.budget_per_year, (n_draw, n_pool_b)).astype(float)
    out = [np.full((n_draw, n_proj), np.inf) for _ in range(5)]
    f64 = np.ascontiguousarray
    _run_all(
        group_ptr,
        group_members,
        f64(inp.earliest, float),
        f64(inp.planning, float),
        f64(inp.build, float),
        f64(np.broadcast_to(money, (n_draw, n_proj)), float),
        budget.astype(np.int64),
        cap,
        slots.astype(np.int64),
        np.diff(after_ptr).astype(np.int64),
        dependents_ptr.astype(np.int64),
        dependents,
        inp.capacity_slots.astype(np.int64),
        f64(per_year),
        inp.budget_carry.astype(np.bool_),
        _offsets(budget, n_pool_b),
        _offsets(cap, n_pool_c),
        inp.base_year,
        inp.t_max,
        *out,
    )
    return Timing(*out)
