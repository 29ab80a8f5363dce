"""Zarr chunk write against np.save of the same arrays.

    python benchmarks/bench_store.py [--draws 1000] [--repeat 5]

Computes one chunk of `--draws` draws of the contended all-23 scenario
(scenarios/all23/contract-constrained.yaml) and builds the chunk's Dataset as a batch does
(kept variables and float32 storage of experiments/all23-constrained.yaml). Then,
alternately: `sim.store_zarr.write_chunk` of that Dataset into its region of a store laid
out for the draws, and `np.save` of the same arrays (the variables along `draw`, already in
their stored dtype, so that both write the same bytes) into files in the same folder.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
from pathlib import Path

import numpy as np
import yaml
from common import ROOT, machine, sample, spread, timed

from sim import store_zarr as zs
from sim.batch import _chunk_dataset
from sim.config.loader import load_scenario
from sim.model.plan import build_plan
from sim.runner import run_plan

SCENARIO = ROOT / "scenarios" / "all23" / "contract-constrained.yaml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print(f"# bench_store: {machine()}")
    keep = yaml.safe_load((ROOT / "experiments" / "all23-constrained.yaml").read_text())["keep"]
    plan = build_plan(load_scenario(SCENARIO))
    theta = sample(plan, args.draws, seed=1)
    result = run_plan(plan, theta, kernel="compiled")
    attrs = {"created": "2026-01-01T00:00:00+00:00"}
    ds = _chunk_dataset(result, 0, keep, attrs)
    enc = zs.encoding(ds, float32=True)
    arrays = {
        name: np.ascontiguousarray(var.values, dtype=enc.get(name, {}).get("dtype", var.dtype))
        for name, var in ds.data_vars.items()
        if "draw" in var.dims
    }
    nbytes = sum(a.nbytes for a in arrays.values())
    folder = Path(tempfile.mkdtemp(prefix="citypaths-bench-"))
    try:
        store = folder / "out.zarr"
        zs.init_store(store, {"s": zs.template(ds, args.draws, args.draws)}, {}, True)
        npy = folder / "npy"
        npy.mkdir()

        def save() -> None:
            for name, a in arrays.items():
                np.save(npy / f"{name}.npy", a)

        t_zarr, t_save = [], []
        for _ in range(args.repeat):
            t_zarr += timed(lambda: zs.write_chunk(store, "s", ds, 0), 1)
            t_save += timed(save, 1)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    r = [a / b for a, b in zip(t_zarr, t_save, strict=True)]
    print(
        f"one chunk of {args.draws} draws: {len(arrays)} variables along draw, "
        f"{nbytes / 1e6:.0f} MB as stored (float32)"
    )
    print(f"write_chunk (each variable into its Zarr region, in threads): {spread(t_zarr)} s")
    print(f"np.save of the same arrays: {spread(t_save)} s")
    print(f"ZARR / NP.SAVE: {statistics.median(r):.2f}x ({min(r):.2f}-{max(r):.2f}x)")


if __name__ == "__main__":
    main()
