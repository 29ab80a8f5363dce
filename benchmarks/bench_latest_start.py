"""latest-start benchmark: how its time grows with the number of interventions.

    python benchmarks/bench_latest_start.py [--sizes 250 500 1000 2000] [--repeat 1]
                                            [--method incremental|reference]

Scenarios on the toy data of the tests (two cities, two sectors, base year 2024, horizon
2030, one reduction target) with n interventions spread evenly over cities and sectors,
each a small cut (so that no single one decides the target) with a start year and build
time that vary with its index. Prints the time per size and the exponent of a power law
fitted to the last two sizes (time ~ n ** exponent): about 1 for the incremental method
the command uses (sim.analysis.latest_start.latest_starts), which re-schedules and
re-combines only what an intervention touches; towards 2 for the reference method, one
whole run per intervention (`--method reference`).
"""

from __future__ import annotations

import argparse
import math
import tempfile
from pathlib import Path

from common import timed

from sim.analysis.latest_start import latest_starts, latest_starts_reference
from sim.config.loader import load_scenario
from sim.model.plan import build_plan

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"


def scenario_text(n: int) -> str:
    lines = [
        f"extends: {DATA / 'toy_base.yaml'}",
        f"data: {DATA / 'toy'}",
        f"id: bench-{n}",
        'cities: ["9901", "9902"]',
        "interventions:",
    ]
    cities, sectors = ("9901", "9902"), ("transport", "heating")
    for i in range(n):
        city, sector = cities[i % 2], sectors[(i // 2) % 2]
        start = 2024 + (i % 5)
        lines.append(
            f"  - {{id: m{i}, city: '{city}', sector: {sector}, effect: {4.0 / n:.6f}, "
            f"rollout: {{start: {start}, build: {1 + i % 3}}}}}"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[250, 500, 1000, 2000])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--method", choices=("incremental", "reference"), default="incremental")
    args = parser.parse_args()
    method = latest_starts if args.method == "incremental" else latest_starts_reference
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = Path(tmp) / f"bench-{n}.yaml"
            path.write_text(scenario_text(n), encoding="utf-8")
            plan = build_plan(load_scenario(path))
            best = min(timed(lambda plan=plan: method(plan), args.repeat))
            times.append(best)
            print(f"latest-start ({args.method}), {n:5d} interventions: {best:8.2f} s")
    if len(times) >= 2:
        (n0, n1), (t0, t1) = args.sizes[-2:], times[-2:]
        exponent = math.log(t1 / t0) / math.log(n1 / n0)
        print(f"time ~ n ** {exponent:.2f} between {n0} and {n1} interventions")


if __name__ == "__main__":
    main()
