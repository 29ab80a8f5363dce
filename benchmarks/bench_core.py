"""Emissions kernel benchmark: the compiled kernel against a numpy copy of its output.

    python benchmarks/bench_core.py [--draws 10000] [--repeat 5] [--threads N] [--numpy]

Runs `sim.compiled.apply_interventions` (the kernel of every Monte Carlo batch) on the
all-23 contract scenario (23 cities, 9 sectors, 27 years, the projects of the 23 city files
it includes) for `--draws` draws, and reports its time as a multiple of copying one array
of the size of its output `emissions[draw, city, sector, year]` with numpy (the
memory-bandwidth floor, measured alternately with the kernel in the same run). BAU
(`sim.core.bau_emissions`, numpy) is timed apart and is not in the kernel's figure;
`--numpy` also times the numpy reference `sim.core.apply_interventions` once; `--threads`
sets numba's threads (default: all; a batch's worker processes use one each).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from common import ROOT, machine, ratios, sample, spread, timed

from sim import core
from sim.compiled import apply_interventions
from sim.config.loader import load_scenario
from sim.model.plan import build_plan
from sim.rollout.schedule import run_rollout
from sim.runner import _index, intervention_inputs, rollout_inputs

SCENARIO = ROOT / "scenarios" / "all23" / "contract.yaml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--numpy", action="store_true", help="also time the numpy reference once")
    ap.add_argument("--threads", type=int, default=None, help="numba threads (default: all)")
    args = ap.parse_args()
    if args.threads:
        import numba

        numba.set_num_threads(args.threads)
    print(f"# bench_core: {machine()}")
    plan = build_plan(load_scenario(SCENARIO))
    theta = sample(plan, args.draws, seed=1)
    activity, intensity = _index(plan, plan.activity, theta), _index(plan, plan.intensity, theta)
    adoption = run_rollout(rollout_inputs(plan, theta)).adoption
    kernel_args = intervention_inputs(plan, theta, adoption)
    e_bau = core.bau_emissions(plan.e0, activity, intensity)
    apply_interventions(e_bau[:2], *(a[:2] if a.ndim > 1 else a for a in kernel_args))  # compile

    apply_interventions(e_bau, *kernel_args)  # numba's threads start on the first call
    out = np.empty_like(e_bau)
    np.copyto(out, e_bau)  # first touch
    t_kernel, t_copy, t_alloc = [], [], []
    for _ in range(args.repeat):
        t_kernel += timed(lambda: apply_interventions(e_bau, *kernel_args), 1)
        t_copy += timed(lambda: np.copyto(out, e_bau), 1)
        t_alloc += timed(lambda: e_bau.copy(), 1)
    t_bau = timed(lambda: core.bau_emissions(plan.e0, activity, intensity), args.repeat)
    print(
        f"draws {args.draws}: {e_bau.size:,} (draw, city, sector, year) cells, "
        f"{e_bau.nbytes / 1e9:.2f} GB per array; {len(plan.projects)} projects"
    )
    print(f"compiled apply_interventions: {spread(t_kernel)} s")
    print(f"numpy copy of one output array, np.copyto: {spread(t_copy)} s")
    print(f"numpy copy of one output array, .copy() (allocating): {spread(t_alloc)} s")
    print(f"BAU (core.bau_emissions, numpy, not in the ratio): {spread(t_bau)} s")
    r = ratios(t_kernel, t_copy)
    print(f"KERNEL / COPY (np.copyto): {statistics.median(r):.2f}x ({min(r):.2f}-{max(r):.2f}x)")
    r = ratios(t_kernel, t_alloc)
    print(f"KERNEL / COPY (.copy()): {statistics.median(r):.2f}x ({min(r):.2f}-{max(r):.2f}x)")
    emissions, abatement, _ = apply_interventions(e_bau, *kernel_args)
    moved = e_bau.nbytes + kernel_args[-1].nbytes + emissions.nbytes + abatement.nbytes
    share = [(moved / k) / (2 * e_bau.nbytes / c) for k, c in zip(t_kernel, t_copy, strict=True)]
    print(
        f"kernel bandwidth: {moved / 1e9:.2f} GB read and written; "
        f"{statistics.median(share):.0%} ({min(share):.0%}-{max(share):.0%}) of the copy's"
    )
    if args.numpy:
        t = time.perf_counter()
        core.apply_interventions(e_bau, *kernel_args)
        t_np = time.perf_counter() - t
        print(
            f"numpy reference apply_interventions: {t_np:.3f} s, "
            f"{t_np / statistics.median(t_copy):.1f}x the copy"
        )


if __name__ == "__main__":
    main()
