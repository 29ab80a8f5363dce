"""Two worker processes against one, and two-thread against one-thread copy bandwidth.

    python benchmarks/bench_workers.py [--draws 10000] [--chunk 500] [--repeat 3]

Runs `sim.batch.run_experiment` on the same experiment (the contended all-23 scenario,
scenarios/all23/contract-constrained.yaml, with the kept variables and float32 storage of
experiments/all23-constrained.yaml) with `workers=1` (chunks in this process) and
`workers=2` (a pool of two processes, one numba thread each), alternately, into fresh
stores. The target is the lower of 1.5x and the machine's own parallel headroom: the
ratio of the bandwidth of numpy copies of 256 MB arrays in two threads (one array each)
against one thread, measured in the same run.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import yaml
from common import ROOT, experiment_file, machine, spread

from sim.batch import run_experiment
from sim.config.experiment import DEFAULT_CHUNK, load_experiment

SCENARIO = "scenarios/all23/contract-constrained.yaml"


def copy_bandwidth(threads: int, nbytes: int = 256 * 2**20, rounds: int = 5) -> float:
    """GB/s of numpy copies (read + write counted once each) in `threads` threads."""
    src = [np.ones(nbytes // 8) for _ in range(threads)]
    dst = [np.zeros(nbytes // 8) for _ in range(threads)]

    def work(k: int) -> None:
        for _ in range(rounds):
            np.copyto(dst[k], src[k])

    ts = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    t = time.perf_counter()
    for th in ts:
        th.start()
    for th in ts:
        th.join()
    return 2 * nbytes * rounds * threads / (time.perf_counter() - t) / 1e9


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--chunk", type=int, default=DEFAULT_CHUNK)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"# bench_workers: {machine()}")
    keep = yaml.safe_load((ROOT / "experiments" / "all23-constrained.yaml").read_text())["keep"]
    folder = Path(tempfile.mkdtemp(prefix="citypaths-bench-"))
    try:
        loaded = load_experiment(
            experiment_file(folder, [SCENARIO], args.draws, args.chunk, keep=keep, float32=True)
        )
        one, two, bw1, bw2 = [], [], [], []
        for rep in range(args.repeat):
            for workers, times in ((1, one), (2, two)):
                out = folder / f"out-{workers}-{rep}.zarr"
                t = time.perf_counter()
                run_experiment(loaded, output=out, workers=workers)
                times.append(time.perf_counter() - t)
                shutil.rmtree(out)
            bw1.append(copy_bandwidth(1))
            bw2.append(copy_bandwidth(2))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    speed = [a / b for a, b in zip(one, two, strict=True)]
    headroom = [b / a for a, b in zip(bw1, bw2, strict=True)]
    print(f"{SCENARIO}: {args.draws} draws in chunks of {args.chunk}")
    print(f"--workers 1: {spread(one)} s; --workers 2: {spread(two)} s")
    print(f"copy bandwidth, 1 thread: {spread(bw1)} GB/s; 2 threads: {spread(bw2)} GB/s")
    print(
        f"2 THREADS / 1 THREAD (copy bandwidth): {statistics.median(headroom):.2f}x "
        f"({min(headroom):.2f}-{max(headroom):.2f}x)"
    )
    target = min(1.5, statistics.median(headroom))
    print(
        f"WORKERS 1 / WORKERS 2 (time): {statistics.median(speed):.2f}x "
        f"({min(speed):.2f}-{max(speed):.2f}x); target {target:.2f}x"
    )


if __name__ == "__main__":
    main()
