"""Sobol indices (`sim.analysis.sensitivity`, `citypaths sensitivity`) against functions
whose indices are known in closed form, computed through citypaths from designs drawn
with SALib's Saltelli sampler; and the message for a design that is not one."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import xarray as xr
from SALib.sample import sobol as salib_sobol
from SALib.test_functions import Ishigami

from sim.analysis.sensitivity import saltelli_columns, sobol_indices, swings
from sim.cli import main
from sim.errors import CitypathsError
from sim.store import write_netcdf
from tests.conftest import DATA
from tests.mc import mc_result, saltelli_result

SCENARIO = f"""extends: {DATA / "toy_base.yaml"}
data: {DATA / "toy"}
id: toy-u
interventions:
  - id: hp
    city: "9901"
    sector: heating
    effect: {{low: 0.6, central: 0.9, high: 1.0}}
    rollout: {{start: 2026, build: 2}}
    cost: {{capex: {{low: 0.5e+6, central: 1.0e+6, high: 2.0e+6}}}}
"""


def test_ishigami_indices_within_their_intervals():
    # Ishigami (a = 7, b = 0.1) on [-pi, pi]^3 (Sobol' & Levitan 1999; Saltelli et al. 2008):
    # V1 = (1 + b pi^4 / 5)^2 / 2, V2 = a^2 / 8, V3 = 0, V13 = 8 b^2 pi^8 / 225,
    # V = V1 + V2 + V13; ST1 = (V1 + V13) / V, ST2 = V2 / V, ST3 = V13 / V
    a, b, pi = 7.0, 0.1, math.pi
    v1, v2, v13 = 0.5 * (1 + b * pi**4 / 5) ** 2, a**2 / 8, 8 * b**2 * pi**8 / 225
    v = v1 + v2 + v13
    s1 = {"x1": v1 / v, "x2": v2 / v, "x3": 0.0}
    st = {"x1": (v1 + v13) / v, "x2": v2 / v, "x3": v13 / v}
    assert s1["x1"] == pytest.approx(0.3139, abs=1e-4)  # the published values
    assert st["x3"] == pytest.approx(0.2437, abs=1e-4)
    names = ["x1", "x2", "x3"]
    problem = {"num_vars": 3, "names": names, "bounds": [[-pi, pi]] * 3}
    n = 2**12
    theta = salib_sobol.sample(problem, n, calc_second_order=True, seed=7)
    indices = sobol_indices(theta, Ishigami.evaluate(theta), n, True, names, seed=3)
    assert [i.parameter for i in indices] == ["x1", "x2", "x3"]  # ranked by ST
    for i in indices:
        assert abs(i.s1 - s1[i.parameter]) <= i.s1_conf, i
        assert abs(i.st - st[i.parameter]) <= i.st_conf, i


def test_saltelli_columns_found_among_constant_ones():
    # a design of 2 uncertain parameters in columns 1 and 3 of 4 (0 and 2 constant)
    problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0, 1]] * 2}
    u = salib_sobol.sample(problem, 8, calc_second_order=False, seed=1)
    theta = np.column_stack([np.full(len(u), 5.0), u[:, 0], np.zeros(len(u)), u[:, 1]])
    assert list(saltelli_columns(theta, 8, False)) == [1, 3]
    shuffled = theta[np.random.default_rng(0).permutation(len(theta))]
    with pytest.raises(CitypathsError, match="not in the order"):
        saltelli_columns(shuffled, 8, False)
    with pytest.raises(CitypathsError, match="not a Saltelli design"):
        saltelli_columns(theta[:-3], 8, False)


def test_linear_model_through_a_result(tmp_path):
    """A result whose 2030 emissions are a linear function of its parameters: with
    independent inputs S1 = ST = a_j^2 var_j / sum_k a_k^2 var_k."""
    path = tmp_path / "toy.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    n = 1024
    ds = saltelli_result(path, n, second_order=False)
    theta = ds["theta"].values
    names = list(ds["parameter"].values)
    effect = theta[:, names.index("interventions.hp.effect")]
    capex = theta[:, names.index("interventions.hp.cost.capex")]
    # replace the transport emissions of 2030 by 1000 + 2000 effect + 1e-4 capex
    y = 1000.0 + 2000.0 * effect + 1e-4 * capex
    transport = xr.DataArray(y, dims="draw", coords={"draw": ds.draw})
    emissions = ds["emissions"].copy()
    emissions.loc[{"sector": "transport", "year": 2030, "city": "9901"}] = transport
    ds = ds.assign(emissions=emissions)
    # heating in 2030 is 500 (1 - effect): 2030 gross = 1500 + 1500 effect + 1e-4 capex
    var_e, var_c = np.var(1500.0 * effect), np.var(1e-4 * capex)
    expected = {"interventions.hp.effect": var_e / (var_e + var_c)}
    expected["interventions.hp.cost.capex"] = var_c / (var_e + var_c)
    out = tmp_path / "s.nc"
    write_netcdf(ds, out)
    from sim.analysis.sensitivity import sensitivity

    (what, indices), *_ = sensitivity(ds, "9901", ["emissions"], year=2030)
    assert what == "gross emissions in 2030, t CO2e/yr"
    for i in indices:
        assert abs(i.s1 - expected[i.parameter]) <= max(i.s1_conf, 0.01), i
        assert abs(i.st - expected[i.parameter]) <= max(i.st_conf, 0.01), i


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sens")
    path = folder / "toy.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    write_netcdf(saltelli_result(path, 64), folder / "saltelli.nc")
    write_netcdf(mc_result(path, 50, "lhs"), folder / "lhs.nc")
    return folder


def test_cli_table_and_json(files, capsys):
    assert main(["sensitivity", str(files / "saltelli.nc")]) == 0
    text = capsys.readouterr().out
    assert "cumulative gross emissions 2025-2030" in text
    assert "NPV of the measures' costs" in text
    assert "gap to target half" in text
    args = ["sensitivity", str(files / "saltelli.nc"), "--outcome", "npv", "--format", "json"]
    assert main(args) == 0
    rows = json.loads(capsys.readouterr().out)
    # the NPV depends on the capital cost alone
    assert rows[0]["parameter"] == "interventions.hp.cost.capex"
    assert rows[0]["ST"] == pytest.approx(1.0, abs=0.1)


def test_cli_other_sampler_names_the_one_to_use(files, capsys):
    assert main(["sensitivity", str(files / "lhs.nc")]) == 2
    err = capsys.readouterr().err
    assert "drawn with sampler 'lhs'" in err
    assert "sampler: saltelli" in err


def test_swings_of_a_linear_model():
    rng = np.random.default_rng(0)
    theta = np.column_stack([rng.uniform(0, 1, 1000), rng.uniform(0, 1, 1000), np.ones(1000)])
    y = 10.0 * theta[:, 0] + 1.0 * theta[:, 1]
    out = swings(theta, y, ["a", "b", "fixed"])
    assert [s.parameter for s in out] == ["a", "b"]  # the constant column has no swing
    # lowest fifth of a uniform has mean 0.1, highest 0.9: swing 10 x 0.8 = 8
    assert out[0].high - out[0].low == pytest.approx(8.0, abs=0.3)
    assert out[1].high - out[1].low == pytest.approx(0.8, abs=0.3)
