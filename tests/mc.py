"""Monte Carlo results for tests, in the layout the Monte Carlo runner writes: the result of
`run_plan` over a design, with `theta` [draw, parameter] (coordinate `parameter`) and the
attributes `sampler`, `seed`, `n_draws` (and `saltelli_n`, `calc_second_order`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr
from SALib.sample import sobol as salib_sobol

from sim import sampling
from sim.config.loader import load_scenario
from sim.model.plan import build_plan
from sim.runner import run_plan
from sim.store import to_dataset


def _label(plan, theta: np.ndarray, sampler: str, seed: int) -> xr.Dataset:
    ds = to_dataset(run_plan(plan, theta))
    ds["theta"] = xr.DataArray(
        theta,
        dims=("draw", "parameter"),
        coords={"draw": ds.draw, "parameter": list(plan.params.names)},
    )
    ds.attrs.update(sampler=sampler, seed=str(seed), n_draws=theta.shape[0])
    return ds


def mc_result(path: str | Path, n: int, sampler: str = "lhs", seed: int = 1) -> xr.Dataset:
    plan = build_plan(load_scenario(path))
    return _label(plan, sampling.design(plan.params.marginals, n, sampler, seed), sampler, seed)


def saltelli_result(
    path: str | Path, n: int, second_order: bool = False, seed: int = 1
) -> xr.Dataset:
    """SALib's Saltelli design over the uncertain columns, mapped through the marginals."""
    plan = build_plan(load_scenario(path))
    marginals = plan.params.marginals
    d = len(sampling.uncertain_columns(marginals))
    problem = {"num_vars": d, "names": [f"u{j}" for j in range(d)], "bounds": [[0, 1]] * d}
    u = salib_sobol.sample(problem, n, calc_second_order=second_order, seed=seed)
    ds = _label(plan, sampling.design_from_unit(marginals, u), "saltelli", seed)
    ds.attrs.update(saltelli_n=n, calc_second_order=int(second_order))
    return ds
