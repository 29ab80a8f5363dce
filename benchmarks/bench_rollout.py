"""Rollout benchmark: simpy overhead, fast-path speed-up, fast path vs emissions kernel.

    python benchmarks/bench_rollout.py [--draws 10000] [--simpy-draws 100] [--repeat 5]

Every figure is a ratio to a baseline measured in the same run (docs/performance.md):

1. simpy overhead: the reference rollout of the contended all-23 scenario
   (scenarios/all23/contract-constrained.yaml: per-city project offices, a national
   installer pool and a national budget shared by all 23 cities) against a bare simpy loop
   that processes the same number of events with the same number of processes (both with
   Python's cyclic garbage collector paused, as the rollout runs).
2. fast path vs simpy on that scenario, and on scenarios/all23/contract.yaml where nothing
   binds (no capacities or budgets: the closed form); schedules only, since the yearly
   adoption that follows is the same code for every engine (its time is shown apart).
   simpy runs on the first `--simpy-draws` draws; its time per draw is scaled to `--draws`
   (it is linear in draws, one Environment per draw).
3. the rollout against the emissions kernel on the same draws: the fast schedule, and the
   yearly adoption that follows it (`sim.rollout.shapes.yearly_mean`, target: at most half
   the kernel), each against the compiled kernel a batch runs (`sim.compiled`, BAU apart).

The draws sample every uncertain number uniformly between its low and high values with a
seeded generator: enough to vary the schedules (the Monte Carlo sampler is not needed to
time them).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
from pathlib import Path

import numba
import numpy as np
import simpy
from common import sample, timed

from sim import compiled, core
from sim.config.loader import load_scenario
from sim.model.plan import build_plan
from sim.rollout.events import schedule_fast
from sim.rollout.schedule import run_rollout, schedule_closed
from sim.rollout.shapes import yearly_mean
from sim.rollout.simpy_model import _group_start, gc_paused, schedule_simpy, simulate_group
from sim.runner import _index, intervention_inputs, rollout_inputs

ROOT = Path(__file__).resolve().parents[1]
CONTENDED = ROOT / "scenarios" / "all23" / "contract-constrained.yaml"
FREE = ROOT / "scenarios" / "all23" / "contract.yaml"


class CountingEnvironment(simpy.Environment):
    """An Environment that counts the events it processes (used apart from the timing)."""

    def __init__(self, initial_time: float = 0) -> None:
        super().__init__(initial_time)
        self.processed = 0

    def step(self) -> None:
        self.processed += 1
        super().step()


def bare_simpy(n_proc: int, events_per_proc: int, seed: int) -> int:
    """A bare simpy loop: `n_proc` processes each waiting `events_per_proc` timeouts."""
    rng = np.random.default_rng(seed)
    env = CountingEnvironment()
    delays = rng.uniform(0.0, 2.0, (n_proc, events_per_proc)).tolist()

    def proc(mine):
        for dt in mine:
            yield env.timeout(dt)

    for mine in delays:
        env.process(proc(mine))
    with gc_paused():  # as the rollout runs
        env.run()
    return env.processed


def fmt(times: list[float]) -> str:
    med = statistics.median(times)
    return f"{med:.4g} s (min {min(times):.4g}, max {max(times):.4g})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--simpy-draws", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=20261129)
    args = ap.parse_args()

    cpu = platform.processor()
    if Path("/proc/cpuinfo").exists():
        with open("/proc/cpuinfo") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if "model name" in ln), cpu)
    print(f"machine: {os.cpu_count()} cores, {cpu}; numba threads {numba.get_num_threads()}")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, simpy {simpy.__version__}, "
        f"numba {numba.__version__}"
    )
    print(f"draws {args.draws}, simpy on {args.simpy_draws} of them, {args.repeat} repetitions\n")

    plan = build_plan(load_scenario(CONTENDED))
    theta = sample(plan, args.draws, args.seed)
    inp = rollout_inputs(plan, theta)
    few = rollout_inputs(plan, theta[: args.simpy_draws])
    groups = inp.groups()
    n_proj = len(plan.projects)
    print(
        f"contended scenario: {len(plan.cities)} cities, {n_proj} projects in "
        f"{len(np.unique(groups))} group(s), {len(plan.pools.capacity_names)} capacity pools, "
        f"{len(plan.pools.budget_names)} budgets"
    )

    # 1. simpy overhead against a bare loop with the same events
    counts = []
    for d in range(args.simpy_draws):
        for g in np.unique(groups):
            members = np.flatnonzero(groups == g)
            env = CountingEnvironment(_group_start(few, d, members))
            out = schedule_closed(few)  # any Timing of the right shape to fill
            simulate_group(few, d, members, out, env=env)
            counts.append((len(members), env.processed))
    events = sum(c for _, c in counts)
    t_simpy = timed(lambda: schedule_simpy(few), args.repeat)
    per_proc = max(1, round(np.mean([(c - 2 * n) / n for n, c in counts])))
    bare_events = []
    t_bare = timed(
        lambda: bare_events.append(
            sum(bare_simpy(n, per_proc, args.seed + i) for i, (n, _) in enumerate(counts))
        ),
        args.repeat,
    )
    bare_n = bare_events[0]
    rate = events / statistics.median(t_simpy)
    bare_rate = bare_n / statistics.median(t_bare)
    print("1. simpy on the contended scenario")
    print(f"   citypaths rollout: {events} events in {fmt(t_simpy)}: {rate:,.0f} events/s")
    print(f"   bare simpy loop:   {bare_n} events in {fmt(t_bare)}: {bare_rate:,.0f} events/s")
    print(f"   overhead (time per event, citypaths / bare): {bare_rate / rate:.2f}x\n")

    # 2. fast path vs simpy, contended
    schedule_fast(few)  # compile (or load the compiled cache) before timing
    a, b = schedule_simpy(few), schedule_fast(few)
    same = all(np.array_equal(getattr(a, f), getattr(b, f)) for f in ("start", "completion"))
    t_fast = timed(lambda: schedule_fast(inp), args.repeat)
    simpy_per_draw = statistics.median(t_simpy) / args.simpy_draws
    speedup = simpy_per_draw * args.draws / statistics.median(t_fast)
    print(f"2. fast path, contended, {args.draws} draws: {fmt(t_fast)}")
    print(
        f"   simpy: {simpy_per_draw * 1e3:.2f} ms per draw -> {simpy_per_draw * args.draws:.1f} s"
    )
    print(f"   speed-up over simpy: {speedup:,.0f}x (same schedule on the simpy draws: {same})")

    free = build_plan(load_scenario(FREE))
    theta_free = sample(free, args.draws, args.seed)
    inp_free = rollout_inputs(free, theta_free)
    few_free = rollout_inputs(free, theta_free[: args.simpy_draws])
    t_free_simpy = timed(lambda: schedule_simpy(few_free), args.repeat)
    t_free = timed(lambda: schedule_closed(inp_free), args.repeat)
    free_speedup = (
        statistics.median(t_free_simpy) / args.simpy_draws * args.draws / statistics.median(t_free)
    )
    print(f"   where nothing binds ({FREE.name}, closed form): {fmt(t_free)}")
    print(f"   speed-up over simpy: {free_speedup:,.0f}x")
    t_adopt = timed(lambda: run_rollout(inp, "fast"), args.repeat)
    print(f"   whole rollout (fast schedule + yearly adoption), contended: {fmt(t_adopt)}\n")

    # 3. the rollout's stages vs the emissions kernel on the same draws
    activity, intensity = _index(plan, plan.activity, theta), _index(plan, plan.intensity, theta)
    kernel_args = intervention_inputs(plan, theta, run_rollout(inp, "fast").adoption)
    e_bau = core.bau_emissions(plan.e0, activity, intensity)
    compiled.apply_interventions(e_bau, *kernel_args)  # threads start on the first call
    t_kernel = timed(lambda: compiled.apply_interventions(e_bau, *kernel_args), args.repeat)
    start = schedule_fast(inp).start
    years = np.asarray(inp.years, dtype=float)

    def adoption():
        yearly_mean(years, start, inp.build, inp.shape, inp.steepness, inp.end)

    t_mean = timed(adoption, args.repeat)
    kernel_s = statistics.median(t_kernel)
    print(f"3. compiled emissions kernel, {args.draws} draws: {fmt(t_kernel)}")
    print(f"   yearly adoption (yearly_mean), contended: {fmt(t_mean)}")
    print(f"   fast path / kernel: {statistics.median(t_fast) / kernel_s:.2f}")
    print(f"   yearly adoption / kernel: {statistics.median(t_mean) / kernel_s:.2f} (target 0.5)")


if __name__ == "__main__":
    main()
