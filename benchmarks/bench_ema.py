"""Batch throughput against EMA workbench: draws per second, the same scenario and draws.

    python benchmarks/bench_ema.py [--draws 10000] [--ema-draws 100] [--repeat 3] [--chunk 500]

citypaths: `sim.runner.run_plan(plan, theta, kernel="compiled")` over `--draws` draws in
chunks of `--chunk` draws (what `citypaths mc` computes per chunk; design and store apart)
on the contended all-23 scenario (scenarios/all23/contract-constrained.yaml), with the C
library keeping freed memory as a batch has it (`sim.batch.keep_freed_memory`).

EMA workbench (the `bench` extra: `pip install -e .[bench]`): its SequentialEvaluator runs
a Model whose uncertainties are the scenario's uncertain numbers (one RealParameter each,
between the low and high values) and whose function evaluates one experiment through
citypaths' own API, `run_plan(plan, theta[one draw], kernel="compiled")`, returning the
emissions of the draw [city, sector x year] as an ArrayOutcome. It runs the first
`--ema-draws` draws of the same design (passed as EMA Scenarios), timed alternately with
citypaths; the figure is the ratio of draws per second. Where EMA workbench does not
import, a plain Python loop of `run_plan(plan, theta[i:i+1])` stands in for it (what the
SequentialEvaluator does per experiment, without its bookkeeping).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import time

import numpy as np
from common import ROOT, machine, sample, spread

from sim.batch import keep_freed_memory
from sim.config.experiment import DEFAULT_CHUNK
from sim.config.loader import load_scenario
from sim.model.plan import build_plan
from sim.runner import run_plan

SCENARIO = ROOT / "scenarios" / "all23" / "contract-constrained.yaml"


def ema_runner(plan, theta: np.ndarray):
    """A function running draws through EMA workbench's SequentialEvaluator, or None."""
    os.environ.setdefault("TQDM_DISABLE", "1")  # EMA's progress bar
    try:
        import ema_workbench as ema
    except ImportError:
        return None
    logging.getLogger("EMA").setLevel(logging.WARNING)
    p = plan.params
    uncertain = np.flatnonzero(~np.isnan(p.low) & (p.low < p.high))
    names = [f"p{j}" for j in uncertain]
    central = p.central_design()[0]

    def model_function(**values):
        row = central.copy()
        row[uncertain] = [values[n] for n in names]
        emissions = run_plan(plan, row[None, :], kernel="compiled").emissions[0]
        return {"emissions": emissions.reshape(emissions.shape[0], -1)}  # EMA keeps 2-d

    model = ema.Model("citypaths", function=model_function)
    model.uncertainties = [
        ema.RealParameter(n, float(p.low[j]), float(p.high[j]))
        for n, j in zip(names, uncertain, strict=True)
    ]
    model.outcomes = [ema.ArrayOutcome("emissions")]

    def run(n: int) -> None:
        scenarios = [
            ema.Scenario(f"d{i}", **dict(zip(names, theta[i, uncertain].tolist(), strict=True)))
            for i in range(n)
        ]
        with ema.SequentialEvaluator(model) as evaluator:
            evaluator.perform_experiments(scenarios=scenarios, log_progress=False)

    run.version = ema.__version__
    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--ema-draws", type=int, default=100)
    ap.add_argument("--chunk", type=int, default=DEFAULT_CHUNK)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"# bench_ema: {machine()}")
    plan = build_plan(load_scenario(SCENARIO))
    theta = sample(plan, args.draws, seed=1)
    n_ema = min(args.ema_draws, args.draws)
    peer = ema_runner(plan, theta)
    if peer is None:
        label = "plain loop of run_plan(plan, theta[i:i+1]) (ema_workbench does not import)"

        def peer(n: int) -> None:
            for i in range(n):
                run_plan(plan, theta[i : i + 1], kernel="compiled")
    else:
        label = f"EMA workbench {peer.version} SequentialEvaluator"

    def batch() -> None:
        for start in range(0, args.draws, args.chunk):
            run_plan(plan, theta[start : start + args.chunk], kernel="compiled")

    keep_freed_memory()  # as every batch does (sim.batch.run_experiment)
    run_plan(plan, theta[:2], kernel="compiled")  # compile
    peer(2)
    ours, theirs = [], []
    for _ in range(args.repeat):
        t = time.perf_counter()
        batch()
        ours.append(args.draws / (time.perf_counter() - t))
        t = time.perf_counter()
        peer(n_ema)
        theirs.append(n_ema / (time.perf_counter() - t))
    print(
        f"scenario {SCENARIO.relative_to(ROOT)}: {len(plan.projects)} projects, "
        f"{int((~np.isnan(plan.params.low)).sum())} uncertain numbers"
    )
    print(
        f"citypaths run_plan, {args.draws} draws in chunks of {args.chunk}: {spread(ours)} draws/s"
    )
    print(f"{label}, {n_ema} draws: {spread(theirs)} draws/s")
    r = [a / b for a, b in zip(ours, theirs, strict=True)]
    print(
        f"CITYPATHS / EMA (draws per second): {statistics.median(r):.0f}x "
        f"({min(r):.0f}-{max(r):.0f}x)"
    )


if __name__ == "__main__":
    main()
