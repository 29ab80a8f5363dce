"""Emissions kernel benchmark: BAU and interventions against a numpy copy of the same bytes.

    python benchmarks/bench_core.py [--draws 10000] [--repeat 5]

Runs the core on the all-23 contract scenario (23 cities, 9 sectors, 27 years, the
projects of the 23 city files it includes) for `--draws` draws and reports its time as a
multiple of copying an array of the size of its output (the memory-bandwidth floor
measured in the same run).
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import numpy as np
from common import sample, timed

from sim import core
from sim.config.loader import load_scenario
from sim.model.plan import build_plan
from sim.rollout.schedule import run_rollout
from sim.runner import _index, intervention_inputs, rollout_inputs

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "all23" / "contract.yaml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    plan = build_plan(load_scenario(SCENARIO))
    theta = sample(plan, args.draws, seed=1)
    activity, intensity = _index(plan, plan.activity, theta), _index(plan, plan.intensity, theta)
    adoption = run_rollout(rollout_inputs(plan, theta)).adoption
    kernel_args = intervention_inputs(plan, theta, adoption)

    def kernel():
        e_bau = core.bau_emissions(plan.e0, activity, intensity)
        core.apply_interventions(e_bau, *kernel_args)

    out = np.empty_like(activity)
    t_kernel = timed(kernel, args.repeat)
    t_copy = timed(lambda: np.copyto(out, activity), args.repeat)
    cells = activity.size
    print(
        f"draws {args.draws}: {cells:,} (draw, city, sector, year) cells, {out.nbytes / 1e9:.2f} GB"
    )
    print(f"kernel: {statistics.median(t_kernel):.3f} s (min {min(t_kernel):.3f})")
    print(f"copy of one output array: {statistics.median(t_copy):.3f} s")
    print(f"kernel / copy: {statistics.median(t_kernel) / statistics.median(t_copy):.1f}x")


if __name__ == "__main__":
    main()
