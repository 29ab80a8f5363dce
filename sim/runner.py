"""The one place that wires the stages: config -> plan -> draws -> rollout -> core -> store.

The CLI and notebooks call these functions the same way:

    >>> from sim.runner import run_scenario
    >>> ds = run_scenario("scenarios/malmo/contract.yaml")      # an xarray Dataset
"""

from __future__ import annotations

import weakref
from pathlib import Path

import numpy as np

from sim import core
from sim.config.loader import load_scenario
from sim.model.plan import NO_PARAM, GrowthPlan, Plan, build_plan
from sim.model.sources import coverage, coverage_of, source_shares
from sim.result import RunResult
from sim.rollout import RolloutInputs, run_rollout

#: each plan's trend continuation, which depends on its observed data alone: computed once,
#: not for every chunk of a batch (read-only, shared by the results of its runs)
_TRENDS: weakref.WeakKeyDictionary[Plan, np.ndarray] = weakref.WeakKeyDictionary()


def _trend(plan: Plan) -> np.ndarray:
    trend = _TRENDS.get(plan)
    if trend is None:
        trend = core.trend_continuation(plan.observed, plan.hist_years, plan.years)
        trend.flags.writeable = False
        _TRENDS[plan] = trend
    return trend


def _index(plan: Plan, growth: GrowthPlan, theta: np.ndarray, kernels=core) -> np.ndarray:
    index = kernels.growth_index(theta, growth.rate_param)
    for c, s, point_years, point_params in growth.paths:
        index[:, c, s, :] = core.index_from_path(theta[:, point_params], point_years, plan.years)
    return index


def project_reduction(plan: Plan, theta: np.ndarray) -> np.ndarray:
    """The share of its sector each project cuts at full adoption, [draw, project]: the share
    it addresses (sum over its sources of source share x fraction) times its effect."""
    p = plan.projects
    covered = coverage(plan.sources, plan.terms, theta, len(p))
    return covered * core.gather(theta, p.effect)


def project_money(
    plan: Plan, theta: np.ndarray, reduction: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(capex in total, opex per year at full adoption) of each project, [draw, project].

    Per-tonne amounts are multiplied by the project's full effect: the t CO2e/yr it cuts
    (share addressed x effect x base-year sector emissions) or removes at full adoption.
    `reduction` (share addressed x effect) is computed if not given."""
    p = plan.projects
    if reduction is None:
        reduction = project_reduction(plan, theta)
    size = np.where(
        p.is_removal,
        core.gather(theta, p.tonnes),
        reduction * np.where(p.is_removal, 0.0, plan.e0[p.city, np.maximum(p.sector, 0)]),
    )
    capex = core.gather(theta, p.capex) * np.where(p.capex_per_t, size, 1.0)
    opex = core.gather(theta, p.opex) * np.where(p.opex_per_t, size, 1.0)
    return capex, opex


def rollout_inputs(plan: Plan, theta: np.ndarray, capex: np.ndarray | None = None) -> RolloutInputs:
    """The rollout's inputs for each draw; a budget need without `money` takes the capex."""
    p, pools = plan.projects, plan.pools
    if capex is None:
        capex = project_money(plan, theta)[0]
    money = np.where(p.money == NO_PARAM, capex, core.gather(theta, p.money))
    return RolloutInputs(
        years=plan.years.astype(float),
        earliest=core.gather(theta, p.start),
        planning=core.gather(theta, p.planning),
        build=core.gather(theta, p.build),
        end=core.gather(theta, p.end, missing=np.inf),
        shape=p.shape,
        steepness=p.steepness,
        group=pools.city_group[p.city],
        after_ptr=p.after_ptr,
        after=p.after,
        money=np.where(p.budget >= 0, money, 0.0),
        budget=p.budget,
        capacity_ptr=p.capacity_ptr,
        capacity=p.capacity,
        slots=p.slots,
        capacity_slots=pools.capacity_slots,
        budget_per_year=core.gather(theta, pools.budget_per_year),
        budget_carry=pools.budget_carry,
    )


def intervention_inputs(plan: Plan, theta: np.ndarray, adoption: np.ndarray) -> tuple:
    """The arguments of `core.apply_interventions` after `e_bau`: sources and their shares
    [draw, source], terms and the share of its source each addresses [draw, term], each
    project's effect [draw, project] and adoption [draw, project, year]."""
    return _kernel_inputs(plan, *_kernel_numbers(plan, theta), adoption)


def _kernel_numbers(plan: Plan, theta: np.ndarray) -> tuple[np.ndarray, ...]:
    """(source shares [draw, source], term fractions [draw, term], effects [draw, project])."""
    return (
        source_shares(plan.sources, theta),
        core.gather(theta, plan.terms.fraction, missing=1.0),
        core.gather(theta, plan.projects.effect),
    )


def _kernel_inputs(plan: Plan, shares, fraction, effect, adoption) -> tuple:
    src, terms = plan.sources, plan.terms
    return (src.city, src.sector, shares, terms.project, terms.source, fraction, effect, adoption)


def run_plan(
    plan: Plan,
    theta: np.ndarray | None = None,
    rollout_engine: str = "auto",
    kernel: str = "numpy",
) -> RunResult:
    """Evaluate a plan for each row of a design matrix `theta[draw, parameter]`
    (default: one draw at the central values).

    `kernel`: "numpy" (the reference, `sim.core`) or "compiled" (`sim.compiled`, for batches
    of many draws: the emissions kernel, the growth indices and the yearly costs; results
    agree to rounding). A batch uses one kernel for all its draws, so
    a draw's result does not depend on how the draws are split."""
    if theta is None:
        theta = plan.params.central_design()
    if theta.ndim != 2 or theta.shape[1] != len(plan.params):
        raise ValueError(f"theta must be [draw, {len(plan.params)}], got {theta.shape}")
    if kernel == "compiled":
        from sim import compiled as kernels
    elif kernel == "numpy":
        kernels = core
    else:
        raise ValueError(f"kernel must be 'numpy' or 'compiled', got {kernel!r}")
    p = plan.projects
    years = plan.years.astype(float)

    activity = _index(plan, plan.activity, theta, kernels)
    intensity = _index(plan, plan.intensity, theta, kernels)
    e_bau = core.bau_emissions(plan.e0, activity, intensity)

    # the numbers the kernel takes, gathered once: they also size each project's costs
    shares, fraction, effect = _kernel_numbers(plan, theta)
    reduction = coverage_of(plan.terms, shares, fraction, len(p)) * effect
    capex_in, opex_in = project_money(plan, theta, reduction)
    rollout = run_rollout(rollout_inputs(plan, theta, capex_in), engine=rollout_engine)
    emissions, abatement, source_emissions = kernels.apply_interventions(
        e_bau,
        *_kernel_inputs(plan, shares, fraction, effect, rollout.adoption),
        with_sources=True,
    )
    # t CO2e/yr removed [draw, project, year]: only removal projects remove
    removals = np.zeros(rollout.adoption.shape)
    rm = np.flatnonzero(p.is_removal)
    removals[:, rm] = core.gather(theta, p.tonnes[rm])[..., None] * rollout.adoption[:, rm]
    credits = plan.credits
    credited = np.zeros((removals.shape[0], len(plan.cities), len(plan.interventions), len(years)))
    share = core.gather(theta, credits.share, missing=1.0)  # [draw, credit]
    for j in range(len(credits.project)):
        k, c = credits.project[j], credits.city[j]
        credited[:, c, p.intervention[k], :] += share[:, j, None] * removals[:, k, :]

    capex, opex = kernels.project_costs(
        rollout.adoption, rollout.adoption_before, capex_in, opex_in
    )
    # present values are linear: the sum of the parts' (no [draw, project, year] temporary)
    npv = sum(core.npv(a, years, plan.base_year, plan.discount_rate) for a in (capex, opex))
    pv_tonnes = sum(
        core.npv(a, years, plan.base_year, plan.discount_rate) for a in (abatement, removals)
    )
    trend = _trend(plan)
    return RunResult(
        plan=plan,
        emissions=emissions,
        emissions_bau=e_bau,
        emissions_trend=trend,
        project_adoption=rollout.adoption,
        project_abatement=abatement,
        project_removals=removals,
        project_capex=capex,
        project_opex=opex,
        project_npv=npv,
        project_pv_tonnes=pv_tonnes,
        city_removals=credited,
        source_emissions=source_emissions,
        rollout=rollout,
        theta=theta,
    )


def run_scenario(
    path: str | Path, data_dir: str | Path | None = None, rollout_engine: str = "auto"
):
    """Load, plan and run one scenario at its central values; returns an xarray Dataset."""
    from sim.store import to_dataset

    plan = build_plan(load_scenario(path, data_dir))
    return to_dataset(run_plan(plan, rollout_engine=rollout_engine))
