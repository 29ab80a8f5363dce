"""A whole Monte Carlo batch against a raw np.save of its output, stage by stage.

    python benchmarks/bench_batch.py [--draws 10000] [--chunk 500] [--repeat 1]

Runs `sim.batch.run_experiment` in this process (`--workers 1`) on an experiment of the
contended all-23 scenario (scenarios/all23/contract-constrained.yaml: shared project
offices, installer pool and budget) with the variables and float32 storage of
experiments/all23-constrained.yaml, `--draws` draws (LHS, beta-PERT marginals) in chunks of
`--chunk`. Every stage counts: design (the unit design and each chunk's inverse CDFs),
rollout, emissions kernel, the rest of the run (costs, present values, removals), labelling
(`to_dataset` and the chunk's Dataset), the Zarr writes and the progress record.

The baseline is `np.save` of the arrays the store holds (every variable along `draw`, in
its stored dtype) into one folder, measured in the same run after the batch.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml
from common import ROOT, StageTimer, experiment_file, machine, spread

import sim.batch
import sim.compiled
import sim.core
import sim.runner
import sim.store
import sim.store_zarr
from sim.config.experiment import DEFAULT_CHUNK, load_experiment

SCENARIO = "scenarios/all23/contract-constrained.yaml"


def stages() -> dict[str, tuple[object, str]]:
    return {
        "design: unit design": (sim.batch, "build_design"),
        "design: inverse CDFs (each chunk's task)": (sim.batch, "scenario_theta"),
        "run_plan (all of the run)": (sim.batch, "run_plan"),
        "  rollout": (sim.runner, "run_rollout"),
        "  growth indices (compiled)": (sim.compiled, "growth_index"),
        "  BAU": (sim.core, "bau_emissions"),
        "  emissions kernel (compiled)": (sim.compiled, "apply_interventions"),
        "  yearly costs (compiled)": (sim.compiled, "project_costs"),
        "labels: to_dataset + chunk Dataset": (sim.batch, "_chunk_dataset"),
        "  to_dataset": (sim.store, "to_dataset"),
        "store: layout (init_store)": (sim.store_zarr, "init_store"),
        "store: write_chunk (Zarr regions)": (sim.store_zarr, "write_chunk"),
        "store: progress record": (sim.store_zarr, "write_progress"),
        "store: mark_complete": (sim.store_zarr, "mark_complete"),
    }


def np_save_of(store: Path, folder: Path) -> float:
    """Seconds to np.save every draw variable of the store (loaded first, not timed)."""
    import xarray as xr

    groups = sim.store_zarr.groups_of(store)
    arrays = []
    for g in groups:
        ds = xr.open_zarr(str(store), group=g, consolidated=False, mask_and_scale=False)
        for name, var in ds.data_vars.items():
            if "draw" in var.dims:
                arrays.append((f"{g}-{name}", np.ascontiguousarray(var.values)))
    folder.mkdir()
    t = time.perf_counter()
    for name, a in arrays:
        np.save(folder / f"{name}.npy", a)
    return time.perf_counter() - t, sum(a.nbytes for _, a in arrays)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--chunk", type=int, default=DEFAULT_CHUNK)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    print(f"# bench_batch: {machine()}")
    shipped = yaml.safe_load((ROOT / "experiments" / "all23-constrained.yaml").read_text())
    totals, saves, ratios = [], [], []
    breakdown = None
    for _ in range(args.repeat):
        folder = Path(tempfile.mkdtemp(prefix="citypaths-bench-"))
        try:
            path = experiment_file(
                folder, [SCENARIO], args.draws, args.chunk, keep=shipped["keep"], float32=True
            )
            loaded = load_experiment(path)
            with StageTimer(stages()) as timer:
                t = time.perf_counter()
                sim.batch.run_experiment(loaded, output=folder / "out.zarr")
                total = time.perf_counter() - t
            t_save, nbytes = np_save_of(folder / "out.zarr", folder / "npy")
            totals.append(total)
            saves.append(t_save)
            ratios.append(total / t_save)
            breakdown = timer
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    print(
        f"{SCENARIO}: {args.draws} draws in chunks of {args.chunk}, float32, kept variables "
        f"of experiments/all23-constrained.yaml: {nbytes / 1e9:.2f} GB stored"
    )
    print(
        f"whole batch (run_experiment, 1 worker): {spread(totals)} s, "
        f"{args.draws / statistics.median(totals):.0f} draws/s"
    )
    print(f"np.save of the same arrays: {spread(saves)} s")
    print(
        f"BATCH / NP.SAVE: {statistics.median(ratios):.1f}x ({min(ratios):.1f}-{max(ratios):.1f}x)"
    )
    print("stages of the last run (seconds, calls, share of the batch):")
    for name, secs in breakdown.seconds.items():
        print(
            f"  {name:40s} {secs:8.2f} s {breakdown.calls[name]:5d}  "
            f"{100 * secs / totals[-1]:5.1f} %"
        )


if __name__ == "__main__":
    main()
