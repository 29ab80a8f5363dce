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

from sim.rollout.schedule import RolloutInputs, Timing

# event kinds
_EARLIEST, _READY, _COMPLETE, _REFILL = 0, 1, 2, 3
_NORMAL = 1  # simpy's normal priority; a ready project has NORMAL + 1 + its index


@njit(cache=True, inline="always")
def _before(ht, hp, hs, i, j):
    if ht[i] != ht[j]:
        return ht[i] < ht[j]
    if hp[i] != hp[j]:
        return hp[i] < hp[j]
    return hs[i] < hs[j]


@njit(cache=True)
def _swap(ht, hp, hs, hk, ha, i, j):
    ht[i], ht[j] = ht[j], ht[i]
    hp[i], hp[j] = hp[j], hp[i]
    hs[i], hs[j] = hs[j], hs[i]
    hk[i], hk[j] = hk[j], hk[i]
    ha[i], ha[j] = ha[j], ha[i]


@njit(cache=True)
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


@njit(cache=True)
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


@njit(cache=True)
def _ask_slots(k, now, d, cap, slots, free, qc, qc_head, qc_tail, build, start, completion,
               ht, hp, hs, hk, ha, h, seq, unstarted):  # fmt: skip
    """Project k has its money: it takes its slots and starts, or queues for them."""
    c = cap[k]
    if c < 0 or (qc_head[c] == qc_tail[c] and free[c] >= slots[k]):
        if c >= 0:
            free[c] -= slots[k]
        start[d, k] = now
        completion[d, k] = now + build[d, k]
        h = _push(ht, hp, hs, hk, ha, h, completion[d, k], _NORMAL, seq, _COMPLETE, k)
        return h, seq + 1, unstarted - 1
    qc[qc_tail[c]] = k
    qc_tail[c] += 1
    return h, seq, unstarted


@njit(cache=True)
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
    after_ptr,
    dependents_ptr,
    dependents,
    n_after,
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
    """One (draw, group): fills the timing arrays of the projects in `members`."""
    n = members.shape[0]
    n_pool_b = per_year.shape[1]
    n_pool_c = capacity_slots.shape[0]
    t0 = base
    for i in range(n):
        t0 = min(t0, earliest[d, members[i]])
    t0 = math.floor(t0)

    # state: per project (global index), per pool; queues are FIFO slices per pool
    pending = np.empty(n, np.int64)
    passed = np.zeros(n, np.bool_)
    local = np.full(earliest.shape[1], -1, np.int64)
    for i in range(n):
        local[members[i]] = i
        pending[i] = n_after[members[i]]
    level = np.zeros(n_pool_b)
    free = capacity_slots.copy()
    qb = np.empty(queue_offset_b[n_pool_b], np.int64)
    qb_head = queue_offset_b[:n_pool_b].copy()
    qb_tail = queue_offset_b[:n_pool_b].copy()
    qc = np.empty(queue_offset_c[n_pool_c], np.int64)
    qc_head = queue_offset_c[:n_pool_c].copy()
    qc_tail = queue_offset_c[:n_pool_c].copy()

    # the heap: each project has at most one event at a time, plus one refill per budget
    size = n + n_pool_b + 1
    ht = np.empty(size)
    hp = np.empty(size, np.int64)
    hs = np.empty(size, np.int64)
    hk = np.empty(size, np.int64)
    ha = np.empty(size, np.int64)
    h = 0
    seq = 0
    used_b = np.zeros(n_pool_b, np.bool_)
    for i in range(n):
        k = members[i]
        if budget[k] >= 0:
            used_b[budget[k]] = True
    for b in range(n_pool_b):  # budgets first, in the order they are declared
        if used_b[b]:
            t = t0 + (base - t0) if base > t0 else t0
            h = _push(ht, hp, hs, hk, ha, h, t, _NORMAL, seq, _REFILL, b)
            seq += 1
    for i in range(n):
        k = members[i]
        e = earliest[d, k]
        t = t0 + (e - t0) if e > t0 else t0
        h = _push(ht, hp, hs, hk, ha, h, t, _NORMAL, seq, _EARLIEST, k)
        seq += 1

    unstarted = n
    while h > 0 and unstarted > 0:
        h = _pop(ht, hp, hs, hk, ha, h)
        now, kind, arg = ht[h], hk[h], ha[h]
        if now >= t_max:
            break
        if kind == _EARLIEST:
            i = local[arg]
            passed[i] = True
            if pending[i] == 0:
                plan_start[d, arg] = now
                h = _push(
                    ht,
                    hp,
                    hs,
                    hk,
                    ha,
                    h,
                    now + planning[d, arg],
                    _NORMAL + 1 + arg,
                    seq,
                    _READY,
                    arg,
                )
                seq += 1
        elif kind == _READY:
            ready[d, arg] = now
            b = budget[arg]
            if b >= 0 and money[d, arg] > 0:
                if qb_head[b] == qb_tail[b] and level[b] >= money[d, arg]:
                    level[b] -= money[d, arg]
                    money_time[d, arg] = now
                    h, seq, unstarted = _ask_slots(arg, now, d, cap, slots, free, qc, qc_head,
                        qc_tail, build, start, completion, ht, hp, hs, hk, ha, h, seq,
                        unstarted)  # fmt: skip
                else:
                    qb[qb_tail[b]] = arg
                    qb_tail[b] += 1
            else:
                money_time[d, arg] = now
                h, seq, unstarted = _ask_slots(arg, now, d, cap, slots, free, qc, qc_head,
                    qc_tail, build, start, completion, ht, hp, hs, hk, ha, h, seq,
                    unstarted)  # fmt: skip
        elif kind == _REFILL:
            b = arg
            if carry[b]:
                if per_year[d, b] > 0:
                    level[b] += per_year[d, b]
            elif level[b] < per_year[d, b]:
                level[b] += per_year[d, b] - level[b]
            # grant in queue order; each grantee asks for slots before the next is served
            while qb_head[b] < qb_tail[b] and level[b] >= money[d, qb[qb_head[b]]]:
                k = qb[qb_head[b]]
                qb_head[b] += 1
                level[b] -= money[d, k]
                money_time[d, k] = now
                h, seq, unstarted = _ask_slots(k, now, d, cap, slots, free, qc, qc_head,
                    qc_tail, build, start, completion, ht, hp, hs, hk, ha, h, seq,
                    unstarted)  # fmt: skip
            if now + 1.0 < t_max:
                h = _push(ht, hp, hs, hk, ha, h, now + 1.0, _NORMAL, seq, _REFILL, b)
                seq += 1
        else:  # _COMPLETE: release the slots, serve the queue, wake dependents
            c = cap[arg]
            if c >= 0:
                free[c] += slots[arg]
                while qc_head[c] < qc_tail[c] and free[c] >= slots[qc[qc_head[c]]]:
                    k = qc[qc_head[c]]
                    free[c] -= slots[k]
                    qc_head[c] += 1
                    start[d, k] = now
                    completion[d, k] = now + build[d, k]
                    unstarted -= 1
                    h = _push(ht, hp, hs, hk, ha, h, completion[d, k], _NORMAL, seq, _COMPLETE, k)
                    seq += 1
            for p in range(dependents_ptr[arg], dependents_ptr[arg + 1]):
                j = dependents[p]
                i = local[j]
                if i >= 0:
                    pending[i] -= 1
                    if pending[i] == 0 and passed[i]:
                        plan_start[d, j] = now
                        h = _push(
                            ht,
                            hp,
                            hs,
                            hk,
                            ha,
                            h,
                            now + planning[d, j],
                            _NORMAL + 1 + j,
                            seq,
                            _READY,
                            j,
                        )
                        seq += 1


@njit(cache=True, parallel=True)
def _run_all(
    group_ptr, group_members, earliest, planning, build, money, budget, cap, slots, after_ptr,
    dependents_ptr, dependents, n_after, capacity_slots, per_year, carry, queue_offset_b,
    queue_offset_c, base, t_max, plan_start, ready, money_time, start, completion,
):  # fmt: skip
    n_draw = earliest.shape[0]
    n_group = group_ptr.shape[0] - 1
    for job in prange(n_draw * n_group):
        d = job // n_group
        g = job % n_group
        members = group_members[group_ptr[g] : group_ptr[g + 1]]
        _simulate(
            d, members, earliest, planning, build, money, budget, cap, slots, after_ptr,
            dependents_ptr, dependents, n_after, capacity_slots, per_year, carry,
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
        after_ptr.astype(np.int64),
        dependents_ptr.astype(np.int64),
        dependents,
        np.diff(after_ptr).astype(np.int64),
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
