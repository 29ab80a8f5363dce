"""Monte Carlo batches (docs/experiments.md): reproducible whatever the chunks, workers or
executor; interrupted runs resume to the same store; incomplete stores are refused; the
sampled distribution of a simple output matches its closed form."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from scipy import stats

from sim.batch import run_experiment
from sim.cli import main
from sim.config.experiment import load_experiment
from sim.errors import CitypathsError, InputError
from sim.store import read_results
from sim.store_zarr import PROGRESS, IncompleteStoreError, open_store

DATA = Path(__file__).resolve().parents[1] / "data"

SCENARIO = f"""
extends: {DATA / "toy_base.yaml"}
data: {DATA / "toy"}
id: toy-mc
cities: ["9901", "9902"]
bau:
  sectors:
    transport: {{activity: {{rate: {{low: -0.02, central: 0.0, high: 0.01}}}}}}
interventions:
  - id: heat-pumps
    city: all
    sector: heating
    scope: {{low: 0.2, central: 0.4, high: 0.6}}
    effect: {{dist: triangular, low: 0.3, mode: 0.5, high: 0.9}}
    rollout:
      start: {{dist: choice, values: [2025, 2026, 2027], weights: [0.5, 0.3, 0.2]}}
      build: {{low: 1, central: 2, high: 4}}
      needs: {{capacity: installers}}
    cost: {{capex_per_t: {{low: 1000, central: 2000, high: 4000}}}}
  - id: buses
    city: "9901"
    sector: transport
    scope: {{subsector: buses}}
    effect: {{dist: normal, mean: 0.8, sd: 0.1, min: 0, max: 1}}
    rollout: {{start: 2025, build: {{low: 1, central: 2, high: 3}}}}
capacities:
  - {{id: installers, slots: 1, cities: all}}
"""


def _experiment(tmp_path: Path, **over) -> Path:
    scenario = tmp_path / "toy-mc.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    spec = {
        "id": "toy",
        "scenarios": ["toy-mc.yaml"],
        "draws": 60,
        "sampler": "lhs",
        "seed": 11,
        "chunk": 25,
        "output": "out.zarr",
        **over,
    }
    path = tmp_path / "experiment.yaml"
    path.write_text(json.dumps(spec), encoding="utf-8")  # JSON is YAML
    return path


def _arrays(store: Path) -> dict[str, np.ndarray]:
    (ds,) = open_store(store, load=True)
    return {name: ds[name].values for name in ds.data_vars}


def _same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        nan_ok = a[name].dtype.kind == "f"
        assert np.array_equal(a[name], b[name], equal_nan=nan_ok), name


def test_results_do_not_depend_on_chunk_size_or_workers(tmp_path):
    """Chunks of 7 and of 1000 draws, in process and on two worker processes: the same
    bits."""
    path = _experiment(tmp_path)
    loaded = load_experiment(path)
    runs = {}
    for label, chunk, workers in (("c7", 7, 1), ("c1000", 1000, 1), ("w2", 7, 2)):
        exp = loaded.experiment.model_copy(update={"chunk": chunk})
        one = loaded.__class__(**{**loaded.__dict__, "experiment": exp})
        run_experiment(one, output=tmp_path / f"{label}.zarr", workers=workers)
        runs[label] = _arrays(tmp_path / f"{label}.zarr")
    _same(runs["c7"], runs["c1000"])
    _same(runs["c7"], runs["w2"])
    # and the draws really vary
    assert np.ptp(runs["c7"]["emissions"]) > 0


# distributed warns on its own timing under load (slow scratch folders, slow start-up):
# about the machine, not about what this test checks
@pytest.mark.filterwarnings("ignore::UserWarning:distributed")
@pytest.mark.filterwarnings("ignore::RuntimeWarning:distributed")
def test_a_dask_cluster_gives_the_same_store(tmp_path):
    """A LocalCluster of two worker processes computes the same bits as this process."""
    pytest.importorskip("distributed")
    path = _experiment(tmp_path)
    loaded = load_experiment(path)
    run_experiment(loaded, output=tmp_path / "inline.zarr")
    run_experiment(loaded, output=tmp_path / "dask.zarr", dask_local=2)
    _same(_arrays(tmp_path / "inline.zarr"), _arrays(tmp_path / "dask.zarr"))


def test_the_same_seed_in_two_processes_gives_identical_stores(tmp_path):
    path = _experiment(tmp_path)
    for out in ("a.zarr", "b.zarr"):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "sim.cli",
                "mc",
                str(path),
                "-o",
                str(tmp_path / out),
                "--quiet",
            ],
            check=True,
        )
    _same(_arrays(tmp_path / "a.zarr"), _arrays(tmp_path / "b.zarr"))
    # another seed gives other draws
    main(["mc", str(path), "-o", str(tmp_path / "c.zarr"), "--seed", "12", "--quiet"])
    assert not np.array_equal(
        _arrays(tmp_path / "a.zarr")["emissions"], _arrays(tmp_path / "c.zarr")["emissions"]
    )


def test_a_killed_run_resumes_to_the_store_of_a_clean_run(tmp_path):
    """SIGKILL in the middle of a run leaves an incomplete store that readers refuse;
    --resume finishes it, and it equals an uninterrupted run bit for bit."""
    path = _experiment(tmp_path, draws=600, chunk=15)
    killed = tmp_path / "killed.zarr"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "mc", str(path), "-o", str(killed), "--quiet"]
    )
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            record = killed / PROGRESS
            if record.is_file() and len(json.loads(record.read_text())["done"]["toy-mc"]) >= 3:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the run wrote no chunk in time")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    done = json.loads((killed / PROGRESS).read_text())["done"]["toy-mc"]
    assert 3 <= len(done) < 40, "killed in the middle"
    with pytest.raises(IncompleteStoreError, match="incomplete"):
        read_results(killed)
    assert main(["show", str(killed)]) == 2
    # without --resume the store is not touched
    with pytest.raises(CitypathsError, match="--resume"):
        run_experiment(load_experiment(path), output=killed)
    assert main(["mc", str(path), "-o", str(killed), "--resume", "--quiet"]) == 0
    assert main(["mc", str(path), "-o", str(tmp_path / "clean.zarr"), "--quiet"]) == 0
    _same(_arrays(killed), _arrays(tmp_path / "clean.zarr"))
    a, b = (
        xr.open_zarr(p, group="toy-mc", consolidated=False).attrs
        for p in (killed, tmp_path / "clean.zarr")
    )
    assert {k: v for k, v in a.items() if k != "created"} == {
        k: v for k, v in b.items() if k != "created"
    }


def test_a_resume_with_other_settings_is_refused(tmp_path):
    path = _experiment(tmp_path)
    out = tmp_path / "out.zarr"
    run_experiment(load_experiment(path), output=out)
    (out / "zarr.json").unlink(missing_ok=True)
    record = json.loads((out / PROGRESS).read_text())
    record["done"]["toy-mc"] = record["done"]["toy-mc"][:1]
    (out / PROGRESS).write_text(json.dumps(record))
    from sim.store_zarr import _root

    _root(out, "r+").attrs["citypaths_complete"] = False
    with pytest.raises(CitypathsError, match="other inputs or settings"):
        run_experiment(load_experiment(path), output=out, seed=99, resume=True)


def test_a_finished_store_is_not_replaced_without_force(tmp_path):
    path = _experiment(tmp_path)
    out = tmp_path / "out.zarr"
    assert main(["mc", str(path), "-o", str(out), "--quiet"]) == 0
    assert main(["mc", str(path), "-o", str(out), "--quiet"]) == 2
    assert main(["mc", str(path), "-o", str(out), "--quiet", "--force"]) == 0
    other = tmp_path / "not-a-store.txt"
    other.write_text("keep me")
    assert main(["mc", str(path), "-o", str(other), "--quiet", "--force"]) == 2
    assert other.read_text() == "keep me"


def test_sampled_emissions_match_the_closed_form_of_a_lognormal_activity(tmp_path):
    """Transport of 9901 is 1000 t in 2024; its activity index reaches a lognormal X in
    2026 (median 1.1, geometric sd 1.2) and stays flat. Emissions in 2030 are 1000 X t,
    whose quantiles are 1000 x 1.1 x 1.2^z_q. With 4000 LHS draws the empirical quantiles
    of a continuous variable are within a few standard errors: the standard error of the
    q-quantile is sqrt(q (1 - q) / n) / f(x_q); we allow 4 of them."""
    scenario = tmp_path / "lognormal.yaml"
    scenario.write_text(
        f"extends: {DATA / 'toy_base.yaml'}\ndata: {DATA / 'toy'}\nid: lognormal\n"
        "bau:\n  sectors:\n    transport:\n"
        "      activity: {path: {2026: {dist: lognormal, median: 1.1, gsd: 1.2}}}\n",
        encoding="utf-8",
    )
    spec = {"id": "ln", "scenarios": ["lognormal.yaml"], "draws": 4000, "seed": 3,
            "chunk": 1000, "output": "ln.zarr"}  # fmt: skip
    (tmp_path / "ln.yaml").write_text(json.dumps(spec), encoding="utf-8")
    assert main(["mc", str(tmp_path / "ln.yaml"), "--quiet"]) == 0
    (ds,) = read_results(tmp_path / "ln.zarr")
    x = ds.emissions.sel(city="9901", sector="transport", year=2030).values.ravel()
    dist = stats.lognorm(s=np.log(1.2), scale=1000 * 1.1)
    n = len(x)
    for q in (0.05, 0.25, 0.5, 0.75, 0.95):
        expected = dist.ppf(q)
        se = np.sqrt(q * (1 - q) / n) / dist.pdf(expected)
        assert abs(np.quantile(x, q) - expected) < 4 * se, q


def test_experiment_errors_are_located(tmp_path):
    path = _experiment(tmp_path, sampler="sobol", draws=1000)
    with pytest.raises(InputError, match="power of two") as err:
        load_experiment(path)
    assert err.value.path == path
    path = _experiment(
        tmp_path, correlations=[{"between": ["nothing.here", "interventions.buses.effect"],
                                 "rank": 0.5}]
    )  # fmt: skip
    with pytest.raises(InputError, match="no scenario of the experiment has both"):
        run_experiment(load_experiment(path), output=tmp_path / "x.zarr")
    assert not (tmp_path / "x.zarr").exists()


def test_rank_correlations_reach_the_store(tmp_path):
    path = _experiment(
        tmp_path,
        draws=500,
        correlations=[
            {"between": ["interventions.heat-pumps.effect", "interventions.buses.effect"],
             "rank": 0.7}
        ],
    )  # fmt: skip
    run_experiment(load_experiment(path), output=tmp_path / "c.zarr")
    (ds,) = read_results(tmp_path / "c.zarr")
    a = ds.theta.sel(parameter="interventions.heat-pumps.effect").values
    b = ds.theta.sel(parameter="interventions.buses.effect").values
    rho = stats.spearmanr(a, b).statistic
    # Iman-Conover hits the target closely at n = 500; Fisher's z gives se ~ 0.045
    assert abs(rho - 0.7) < 0.1
    assert os.path.isdir(tmp_path / "c.zarr")


def test_show_on_a_store_gives_percentiles_and_probabilities(tmp_path, capsys):
    """`show` on a store: the 5-95 % row and the share of draws meeting a target, against
    the stored draws themselves."""
    from sim.analysis.summary import summarize

    path = _experiment(tmp_path)
    assert main(["mc", str(path), "--quiet"]) == 0
    (ds,) = read_results(tmp_path / "out.zarr")
    (city,) = [s for s in summarize(ds) if s.code == "9901"]
    gross = ds.emissions.isel(scenario=0).sel(city="9901").sum("sector")
    y = city.years.index(2030)
    values = gross.sel(year=2030).values
    # 60 draws: the 5th percentile sits at rank 0.05 x 59 = 2.95, between the third and the
    # fourth smallest (linear interpolation)
    low = np.sort(values)
    assert city.scenario_p5[y] == pytest.approx(low[2] + 0.95 * (low[3] - low[2]))
    assert city.scenario_p95[y] == pytest.approx(np.percentile(values, 95))
    # the toy target: at most half of 1990's 3,000 t in 2030, on every sector
    (target,) = city.targets
    assert target.p_met == pytest.approx(np.mean(values <= 1500.0))
    assert main(["show", str(tmp_path / "out.zarr"), "--city", "9901"]) == 0
    out = capsys.readouterr().out
    assert "5-95 % of draws" in out
    assert f"met in {100 * np.mean(values <= 1500.0):.0f} % of draws" in out
