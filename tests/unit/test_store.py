"""The result store (docs/model.md section 6): labels, units, provenance, atomic NetCDF."""

import json

import pytest
import xarray as xr

import sim
from sim import dims
from sim.errors import CitypathsError
from sim.runner import run_scenario
from sim.store import read_result, write_netcdf

SCENARIO = """
interventions:
  - {id: hp, city: "9901", sector: heating, effect: 0.5, rollout: {start: 2025, build: 3},
     cost: {capex: 100.0}}
"""


@pytest.fixture
def result(write_scenario):
    return run_scenario(write_scenario(SCENARIO))


def test_dimensions_are_named_and_ordered_as_declared(result):
    assert result["emissions"].dims == (dims.SCENARIO, dims.DRAW, dims.CITY, dims.SECTOR, dims.YEAR)
    assert result["adoption"].dims == (
        dims.SCENARIO,
        dims.DRAW,
        dims.CITY,
        dims.INTERVENTION,
        dims.YEAR,
    )
    for name, layout in dims.RESULT.items():
        kept = tuple(d for d in result[name].dims if d != dims.SCENARIO)
        assert kept == layout, name
    assert list(result[dims.YEAR].values) == list(range(2024, 2031))


def test_every_variable_has_a_unit_and_a_long_name(result):
    for name, var in result.data_vars.items():
        assert "units" in var.attrs, name
        assert var.attrs.get("long_name"), name
    assert result["emissions"].attrs["units"] == "t CO2e/yr"
    assert result["cost"].attrs["units"] == "SEK/yr"


def test_provenance_attributes(result, write_scenario):
    attrs = result.attrs
    assert attrs["citypaths_version"] == sim.__version__
    assert len(attrs["inputs_sha256"]) == 64
    assert attrs["seed"] == "none"
    assert attrs["created"].endswith("+00:00")
    files = json.loads(attrs["scenario_files"])
    assert files[0].endswith("scenario.yaml")
    assert files[1].endswith("toy_base.yaml")


def test_netcdf_round_trip_is_identical(result, tmp_path):
    path = write_netcdf(result, tmp_path / "out.nc")
    back = read_result(path)
    xr.testing.assert_identical(back, result)


def test_failed_write_leaves_no_file_and_keeps_an_old_one(result, tmp_path, monkeypatch):
    folder = tmp_path / "results"
    folder.mkdir()
    out = folder / "out.nc"

    def broken(self, *args, **kwargs):
        # half a file written, then the disk fills up
        part = next(folder.glob(".out.nc.*.part"))
        part.write_bytes(b"\x89HDF\r\n half a file")
        raise OSError("disk full")

    monkeypatch.setattr(xr.Dataset, "to_netcdf", broken)
    with pytest.raises(OSError, match="disk full"):
        write_netcdf(result, out)
    assert list(folder.iterdir()) == []

    out.write_bytes(b"previous result")
    with pytest.raises(OSError, match="disk full"):
        write_netcdf(result, out)
    assert out.read_bytes() == b"previous result"
    assert list(folder.iterdir()) == [out]


def test_interrupted_write_leaves_no_file(result, tmp_path, monkeypatch):
    out = tmp_path / "results" / "out.nc"

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(xr.Dataset, "to_netcdf", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_netcdf(result, out)
    assert list(out.parent.iterdir()) == []


def test_reading_something_else_is_a_clear_error(tmp_path, result):
    junk = tmp_path / "junk.nc"
    junk.write_text("not netcdf")
    with pytest.raises(CitypathsError, match="not a readable NetCDF file"):
        read_result(junk)
    other = tmp_path / "other.nc"
    xr.Dataset({"x": ("a", [1, 2])}).to_netcdf(other, engine="h5netcdf")
    with pytest.raises(CitypathsError, match="not a citypaths result"):
        read_result(other)


def test_every_variable_follows_the_canonical_dimension_order(result):
    order = {name: i for i, name in enumerate(dims.ORDER)}
    for name, var in result.data_vars.items():
        ranks = [order[d] for d in var.dims if d in order]
        assert ranks == sorted(ranks), (name, var.dims)
