"""Monte Carlo batches: an experiment's design, its chunks, the workers and the store
(docs/experiments.md). With `sim/runner.py` this is the only place that wires the stages.

One design matrix for the whole experiment: every uncertain number, identified by where it
is written (file, line and key), is one column of a unit design `u[draw, number]` drawn
once from the seed (sampler and rank correlations included); each scenario maps the columns
of the numbers it uses through their distributions. A number written once is one random
variable wherever it is used: a BAU rate in `bau.yaml` takes the same draws in the bau and
contract scenarios that extend it (their difference is a paired comparison), a national
trend in `common/sweden-bau.yaml` the same draws in every city, while each city's own
growth, written in its own file, is drawn on its own. The design is the only randomness: a
draw's result depends on the inputs, the seed and its index alone, whatever the chunk size,
the number of workers or where they run.

Chunks of draws are computed in this process, in a pool of local processes, or on a Dask
cluster, always by `compute_chunk` from the chunk's rows of the design (so the inverse CDFs
run where the chunk is computed). A local worker process writes its chunk into its own
chunk-aligned region of the Zarr store; otherwise this process writes each chunk as it
arrives. This process keeps the progress record that lets `--resume` continue an
interrupted run.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

import sim
from sim import dims, sampling
from sim.config.experiment import LoadedExperiment
from sim.errors import CitypathsError
from sim.model.plan import Plan, build_plan
from sim.result import RunResult
from sim.runner import run_plan

#: result variables a store always keeps, whatever `keep:` says (what readers need)
ALWAYS_KEPT = ("emissions", "removals", "theta")


@dataclass(frozen=True)
class Design:
    """The experiment's design: uniforms per named parameter and each scenario's theta."""

    names: tuple[str, ...]  # uncertain numbers of any scenario, by origin, sorted
    unit: np.ndarray  # [draw, name] uniforms in (0, 1)
    n_draws: int


def unit_design(
    names: list[str],
    n: int,
    sampler: str,
    seed: int,
    pairs: list[tuple[str, str, float]],
    calc_second_order: bool = False,
) -> np.ndarray:
    """Uniforms [draw, name] from the sampler (scipy.stats.qmc, numpy, or SALib's Saltelli
    design), with rank correlations imposed by Iman-Conover."""
    sampler_seq, correlation_seq = np.random.SeedSequence(seed).spawn(2)
    d = len(names)
    if d == 0:
        return np.full((n, 0), 0.5)
    if sampler == "saltelli":
        from SALib.sample import sobol as saltelli

        problem = {"num_vars": d, "names": list(names), "bounds": [[0.0, 1.0]] * d}
        u = saltelli.sample(problem, n, calc_second_order=calc_second_order, seed=seed)
    else:
        u = sampling.unit_design(n, d, sampler, np.random.Generator(np.random.PCG64(sampler_seq)))
    if pairs:
        c = sampling.correlation_matrix(names, pairs)
        cols = np.flatnonzero((np.abs(c - np.eye(d)) > 0).any(axis=0))
        rng = np.random.Generator(np.random.PCG64(correlation_seq))
        u[:, cols] = sampling.iman_conover(u[:, cols], c[np.ix_(cols, cols)], rng)
    return u


def draws_of(exp, n_names: int) -> int:
    """How many draws a design has: `draws`, or N (2D + 2) / N (D + 2) for Saltelli."""
    if exp.sampler != "saltelli":
        return exp.draws
    per = 2 * n_names + 2 if exp.saltelli.calc_second_order else n_names + 2
    return exp.draws * per


def build_design(loaded: LoadedExperiment, plans: list[Plan]) -> Design:
    exp = loaded.experiment
    names = sorted(
        {
            origin
            for plan in plans
            for origin, m in zip(plan.params.origins, plan.params.marginals, strict=True)
            if not m.is_certain
        }
    )
    # a correlation names parameters as the scenarios do: in each scenario that has both,
    # the numbers written for them are correlated
    pairs: list[tuple[str, str, float]] = []
    for i, corr in enumerate(exp.correlations):
        a, b, rank = corr.pair()
        found = False
        for plan in plans:
            params = plan.params
            where = {
                name: origin
                for name, origin, m in zip(
                    params.names, params.origins, params.marginals, strict=True
                )
                if not m.is_certain
            }
            if a in where and b in where:
                found = True
                pair = (where[a], where[b], rank)
                if pair not in pairs:
                    pairs.append(pair)
        if not found:
            raise loaded.fail(
                ["correlations", i, "between"],
                f"no scenario of the experiment has both '{a}' and '{b}' as uncertain "
                "numbers (`citypaths mc EXPERIMENT --list-parameters` lists them)",
            )
    n = draws_of(exp, len(names))
    try:
        unit = unit_design(
            names, exp.draws, exp.sampler, exp.seed, pairs, exp.saltelli.calc_second_order
        )
    except sampling.DesignError as err:
        entry = getattr(err, "entry", None)
        keys = ["correlations", entry] if entry is not None else ["sampler"]
        raise loaded.fail(keys, str(err)) from None
    assert unit.shape == (n, len(names))
    return Design(tuple(names), unit, n)


def scenario_theta(plan: Plan, design: Design, draws: slice) -> np.ndarray:
    """theta[draw, parameter] of one scenario for the draws `draws`."""
    # A number written once (a national trend, a library measure) is a column of theta in
    # every city that uses it, with the same uniforms and the same distribution: its inverse
    # CDF (scipy's, the costly part of a design) is computed once and copied to each column.
    col = {name: j for j, name in enumerate(design.names)}
    unique: dict[tuple, int] = {}
    where = np.empty(len(plan.params), dtype=np.int64)
    for j, (origin, m) in enumerate(zip(plan.params.origins, plan.params.marginals, strict=True)):
        where[j] = unique.setdefault((None if m.is_certain else origin, m), len(unique))
    u = np.full((draws.stop - draws.start, len(unique)), 0.5)
    marginals = [m for _, m in unique]
    for (origin, _m), k in unique.items():
        if origin is not None:
            u[:, k] = design.unit[draws, col[origin]]
    return sampling.from_unit(marginals, u)[:, where]


def compute_chunk(plan: Plan, rows: Design, rollout_engine: str) -> RunResult:
    """One chunk of draws of one scenario, from its rows of the design: the unit of work of
    every executor. The chunk's theta (in the result) is made here, by whoever computes the
    chunk: the inverse CDFs run in the workers, in parallel."""
    theta = scenario_theta(plan, rows, slice(0, rows.n_draws))
    return run_plan(plan, theta, rollout_engine, kernel="compiled")


def keep_freed_memory() -> bool:
    """Let the C library keep the memory one chunk frees for the next (glibc's mallopt:
    arrays up to 32 MiB from the heap, M_MMAP_THRESHOLD, and freed heap kept up to 1 GiB,
    M_TRIM_THRESHOLD) instead of handing it back to the operating system, whose fresh pages
    every chunk must fault in and zero again: that cost half of a chunk's time
    (docs/performance.md, "Memory faults"). Process-wide and lasting; results do not change.
    Returns False, doing nothing, where the C library is not glibc."""
    import ctypes

    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    ok = mallopt(m_mmap_threshold, 32 * 2**20) == 1
    return mallopt(m_trim_threshold, 2**30) == 1 and ok


def _limit_threads() -> None:
    """A worker process computes its draws on one thread: the pool is the parallelism."""
    import numba

    numba.set_num_threads(1)


def _init_worker() -> None:
    """A worker process started for the run (a local pool, `--dask-local`): one thread, and
    it keeps the memory its chunks free for the next ones. The workers of an existing Dask
    cluster (`--scheduler`) keep their own memory settings."""
    _limit_threads()
    keep_freed_memory()


# -- executors ------------------------------------------------------------------------------
Task = tuple[int, int, Design]  # (scenario index, first draw, the chunk's rows of the design)


def _run_inline(plans, tasks: Iterator[Task], engine: str):
    for s, start, rows in tasks:
        yield s, start, compute_chunk(plans[s], rows, engine)


@dataclass(frozen=True)
class Written:
    """A chunk a worker process has computed and written into the store itself."""

    n_draws: int


def compute_and_write(
    plan: Plan, rows: Design, engine: str, out: Path, start: int, keep, attrs
) -> Written:
    """A worker's task: compute one chunk and write it into its own region of the store.
    Regions are whole store chunks, so workers never write the same file; only this
    chunk's index comes back, not its arrays."""
    from sim import store_zarr as zs

    result = compute_chunk(plan, rows, engine)
    ds = _chunk_dataset(result, start, keep, attrs)
    zs.write_chunk(out, plan.scenario_id, ds, start)
    return Written(rows.n_draws)


def _run_pool(plans, tasks: Iterator[Task], engine: str, workers: int, store: tuple):
    import multiprocessing

    out, keep, attrs = store
    ctx = multiprocessing.get_context("spawn")  # no fork of a process with threads
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker) as pool:
        pending: dict[Any, tuple[int, int]] = {}
        for s, start, rows in tasks:
            fut = pool.submit(compute_and_write, plans[s], rows, engine, out, start, keep, attrs)
            pending[fut] = (s, start)
            while len(pending) >= 2 * workers:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    s_, st = pending.pop(fut)
                    yield s_, st, fut.result()
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                s_, st = pending.pop(fut)
                yield s_, st, fut.result()


def _run_dask(plans, tasks: Iterator[Task], engine: str, client):
    from dask.distributed import as_completed

    scattered = [client.scatter(p, broadcast=True) for p in plans]
    window = max(2, 2 * sum(client.nthreads().values()))
    meta: dict[Any, tuple[int, int]] = {}
    queue = as_completed()
    for s, start, rows in tasks:
        fut = client.submit(compute_chunk, scattered[s], rows, engine, pure=False)
        meta[fut] = (s, start)
        queue.add(fut)
        while queue.count() >= window:
            done = next(queue)
            s_, st = meta.pop(done)
            yield s_, st, done.result()
    for done in queue:
        s_, st = meta.pop(done)
        yield s_, st, done.result()


# -- the run --------------------------------------------------------------------------------
@dataclass(frozen=True)
class BatchSummary:
    output: Path
    scenarios: tuple[str, ...]
    n_draws: int
    seconds: float
    resumed_chunks: int


def _fingerprint(loaded: LoadedExperiment, plans: list[Plan], n: int) -> dict[str, Any]:
    exp = loaded.experiment
    spec = {
        "version": sim.__version__,
        "experiment": exp.model_dump(mode="json", exclude={"title", "description", "output"}),
        "inputs_sha256": {p.scenario_id: p.inputs_sha256 for p in plans},
        "n_draws": n,
    }
    text = json.dumps(spec, sort_keys=True)
    return {"fingerprint": hashlib.sha256(text.encode()).hexdigest(), **spec}


def _chunk_dataset(result: RunResult, start: int, keep, attrs: dict[str, Any]) -> xr.Dataset:
    """A chunk's labelled Dataset: its draws from `start`, with the design it came from."""
    from sim.store import to_dataset

    plan, theta = result.plan, result.theta

    wanted = None if keep is None else set(keep) | set(ALWAYS_KEPT)
    ds = to_dataset(result, created=attrs["created"], variables=wanted)
    ds = ds.assign_coords({dims.DRAW: np.arange(start, start + theta.shape[0])})
    ds["theta"] = (
        (dims.DRAW, "parameter"),
        theta,
        {"long_name": "design matrix: the value of each parameter in each draw"},
    )
    ds = ds.assign_coords(
        parameter=list(plan.params.names),
        parameter_unit=("parameter", list(plan.params.units)),
    )
    if wanted is not None:
        ds = ds.drop_vars([v for v in ds.data_vars if v not in wanted and "draw" in ds[v].dims])
    ds.attrs.update({k: v for k, v in attrs.items() if k != "created"})
    return ds


def run_experiment(
    loaded: LoadedExperiment,
    *,
    output: Path | None = None,
    draws: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    dask_local: int | None = None,
    resume: bool = False,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> BatchSummary:
    """Run an experiment into a Zarr store (docs/experiments.md)."""
    from sim import store_zarr as zs

    exp = loaded.experiment
    updates = {k: v for k, v in (("draws", draws), ("seed", seed)) if v is not None}
    if updates:
        exp = exp.model_validate({**exp.model_dump(), **updates})
        loaded = replace(loaded, experiment=exp)
    out = Path(output) if output is not None else loaded.output
    plans = [build_plan(s) for s in loaded.scenarios]
    design = build_design(loaded, plans)
    keep_freed_memory()
    n = design.n_draws
    chunk = min(exp.chunk, n)
    n_chunks = math.ceil(n / chunk)
    info = _fingerprint(loaded, plans, n)
    keep = exp.keep
    if keep is not None:
        from sim.store import VARIABLES

        unknown = [v for v in keep if v not in VARIABLES and v != "theta"]
        if unknown:
            i = keep.index(unknown[0])
            raise loaded.fail(
                ["keep", i],
                f"unknown result variable '{unknown[0]}'; expected one of: "
                + ", ".join(sorted(VARIABLES)),
            )

    done: dict[str, list[int]] = {p.scenario_id: [] for p in plans}
    created = None
    if out.is_symlink() or not out.is_dir():
        # a path that is no folder: the checks every output gets (a link, a device, a file
        # in the way, a path under a file, a name too long, a read-only file system)
        from sim.atomic import guard_output

        guard_output(out, "zarr", force=False)
    if out.exists():
        record = zs.read_progress(out) if out.is_dir() else None
        complete = out.is_dir() and zs.is_zarr_store(out) and _complete(out)
        if resume and record is not None and not complete:
            if record.get("fingerprint") != info["fingerprint"]:
                raise CitypathsError(
                    f"{out}: the store was started from other inputs or settings (scenario "
                    "files, data, draws, seed, sampler, chunk or kept variables differ); "
                    "resume it with the same ones, or start again with --force"
                )
            done = {k: list(v) for k, v in record["done"].items()}
            created = record.get("created")
        elif force and (complete or record is not None):
            zs.remove_store(out)
        elif complete:
            raise CitypathsError(
                f"{out}: a finished Monte Carlo store is already there; give --force to "
                "replace it, or another -o"
            )
        elif record is not None:
            raise CitypathsError(
                f"{out}: an interrupted run's store is there; continue it with --resume, or "
                "start again with --force"
            )
        else:
            raise CitypathsError(
                f"{out}: exists and is not a citypaths Monte Carlo store; refusing to "
                "overwrite it (choose another -o)"
            )
    elif resume:
        raise CitypathsError(f"{out}: nothing to resume (no store there)")
    created = created or time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())

    attrs = {
        "created": created,
        "seed": str(exp.seed),
        "sampler": exp.sampler,
        "n_draws": n,
        "chunk": chunk,
        "experiment": exp.id,
        "experiment_file": str(loaded.path),
    }
    if exp.sampler == "saltelli":
        attrs["saltelli_n"] = exp.draws
        attrs["calc_second_order"] = int(exp.saltelli.calc_second_order)

    def rows(first: int, stop: int) -> Design:
        """The design's rows of draws [first, stop): what a chunk's task carries."""
        return Design(design.names, design.unit[first:stop], stop - first)

    started = time.perf_counter()
    if not any(done.values()):
        # the layout of each scenario from a small first computation (one draw)
        templates = {}
        for plan in plans:
            first = compute_chunk(plan, rows(0, 1), exp.rollout)
            one = _chunk_dataset(first, 0, keep, attrs)
            templates[plan.scenario_id] = zs.template(one, n, chunk)
        out.parent.mkdir(parents=True, exist_ok=True)
        zs.init_store(
            out,
            templates,
            {
                "scenarios": [p.scenario_id for p in plans],
                **attrs,
                "citypaths_version": sim.__version__,
            },
            exp.float32,
        )
        zs.write_progress(out, {**info, "done": done, "created": created})

    todo = [
        (s, c)
        for s, plan in enumerate(plans)
        for c in range(n_chunks)
        if c not in done[plan.scenario_id]
    ]
    resumed = sum(len(v) for v in done.values())
    total = len(plans) * n

    def tasks() -> Iterator[Task]:
        for s, c in todo:
            yield s, c * chunk, rows(c * chunk, min((c + 1) * chunk, n))

    if scheduler is not None or dask_local is not None:
        from dask.distributed import Client, LocalCluster

        cluster = None
        if scheduler is not None:
            client = Client(scheduler)
        else:
            cluster = LocalCluster(
                n_workers=dask_local, threads_per_worker=1, processes=True, dashboard_address=None
            )
            client = Client(cluster)
        try:
            client.run(_limit_threads if cluster is None else _init_worker)
            results = _run_dask(plans, tasks(), exp.rollout, client)
            _drain(results, plans, keep, attrs, out, done, info, created, progress, total, chunk)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    else:
        results = (
            _run_inline(plans, tasks(), exp.rollout)
            if workers <= 1
            else _run_pool(plans, tasks(), exp.rollout, workers, (out, keep, attrs))
        )
        _drain(results, plans, keep, attrs, out, done, info, created, progress, total, chunk)
    zs.mark_complete(out)
    return BatchSummary(
        out,
        tuple(p.scenario_id for p in plans),
        n,
        time.perf_counter() - started,
        resumed,
    )


def _complete(path: Path) -> bool:
    from sim import store_zarr as zs

    try:
        return zs.store_info(path).get(zs.COMPLETE) is True
    except CitypathsError:
        return False


def _drain(results, plans, keep, attrs, out, done, info, created, progress, total, chunk):
    from sim import store_zarr as zs

    count = sum(len(v) for v in done.values()) * chunk
    if progress is not None:
        progress(min(count, total), total)
    for s, start, result in results:
        plan = plans[s]
        if isinstance(result, Written):  # a worker process wrote it
            n = result.n_draws
        else:
            ds = _chunk_dataset(result, start, keep, attrs)
            zs.write_chunk(out, plan.scenario_id, ds, start)
            n = result.theta.shape[0]
        done[plan.scenario_id].append(start // chunk)
        zs.write_progress(out, {**info, "done": done, "created": created})
        count += n
        if progress is not None:
            progress(min(count, total), total)


def list_parameters(loaded: LoadedExperiment) -> str:
    """The uncertain parameters of an experiment's scenarios, one per line."""
    lines = []
    for scenario in loaded.scenarios:
        plan = build_plan(scenario)
        lines.append(f"{plan.scenario_id}:")
        for name, unit, m in zip(
            plan.params.names, plan.params.units, plan.params.marginals, strict=True
        ):
            if not m.is_certain:
                lo, hi = m.support
                lines.append(f"  {name} [{unit}] {m.kind}, central {m.central:g}, {lo:g}..{hi:g}")
    return "\n".join(lines) + "\n"


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()
