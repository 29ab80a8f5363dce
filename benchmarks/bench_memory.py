"""Peak memory of a batch of many draws against one of fewer, with the same chunk size.

    python benchmarks/bench_memory.py [--draws 100000] [--small DRAWS/10] [--chunk 1000]

Runs `citypaths mc`'s batch (`sim.batch.run_experiment`, one worker) on a one-city
experiment (scenarios/umea/contract.yaml) in a fresh subprocess for each size and reads the
process's peak resident memory (VmHWM of /proc/self/status, falling back to
`resource.getrusage(...).ru_maxrss`). Memory should be bounded by the chunk size, not the
number of draws: the figure is peak(`--draws`) / peak(`--small`).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import experiment_file, machine

SCENARIO = "scenarios/umea/contract.yaml"

CHILD = """
import json, resource, sys
from pathlib import Path
from sim.batch import run_experiment
from sim.config.experiment import load_experiment
run_experiment(load_experiment(sys.argv[1]), output=Path(sys.argv[2]))
peak = None
try:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            peak = int(line.split()[1]) * 1024
except OSError:
    pass
if peak is None:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"peak": peak}))
"""


def peak_of(draws: int, chunk: int, folder: Path) -> tuple[int, float]:
    sub = folder / str(draws)
    sub.mkdir()
    path = experiment_file(sub, [SCENARIO], draws, chunk)
    t = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, path, str(sub / "out.zarr")],
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - t
    return json.loads(out.stdout.strip().splitlines()[-1])["peak"], seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=100_000)
    ap.add_argument("--small", type=int, default=None, help="default: --draws / 10")
    ap.add_argument("--repeat", type=int, default=1, help="ignored: one run per size")
    ap.add_argument("--chunk", type=int, default=1000)
    args = ap.parse_args()
    print(f"# bench_memory: {machine()}")
    if args.small is None:
        args.small = max(1, args.draws // 10)
    with tempfile.TemporaryDirectory(prefix="citypaths-bench-") as tmp:
        small, t_small = peak_of(args.small, args.chunk, Path(tmp))
        large, t_large = peak_of(args.draws, args.chunk, Path(tmp))
    print(f"{SCENARIO}, chunks of {args.chunk} draws:")
    print(f"  {args.small:,} draws: peak RSS {small / 2**20:.0f} MiB ({t_small:.1f} s)")
    print(f"  {args.draws:,} draws: peak RSS {large / 2**20:.0f} MiB ({t_large:.1f} s)")
    print(f"PEAK {args.draws:,} / PEAK {args.small:,}: {large / small:.2f}x")


if __name__ == "__main__":
    main()
