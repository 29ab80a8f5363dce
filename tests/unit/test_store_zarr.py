"""The Zarr store's chunk writer: values land in their draws exactly as stored (float32 cast
by numpy, the design kept in float64), and a chunk that does not fit the layout is refused."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from sim import store_zarr as zs
from sim.errors import CitypathsError


def chunk(start: int, n: int, seed: int) -> xr.Dataset:
    rng = np.random.default_rng(seed)
    draws = np.arange(start, start + n)
    values = rng.lognormal(10.0, 2.0, (1, n, 3, 4))
    values[0, 0, 1, 2] = np.nan  # a missing value stays missing
    return xr.Dataset(
        {
            "emissions": (("scenario", "draw", "city", "year"), values, {"units": "t CO2e/yr"}),
            "theta": (("draw", "parameter"), rng.normal(size=(n, 2))),
            "e0": (("city",), np.arange(3.0)),  # not along draw: written once with the layout
        },
        coords={"draw": draws, "scenario": ["s"]},
    )


def test_chunks_land_in_their_draws_as_stored(tmp_path):
    store = tmp_path / "out.zarr"
    first, second = chunk(0, 4, seed=1), chunk(4, 3, seed=2)
    zs.init_store(store, {"s": zs.template(first, 7, 4)}, {"scenarios": ["s"]}, float32=True)
    zs.write_chunk(store, "s", second, 4)  # out of order: each chunk has its own region
    zs.write_chunk(store, "s", first, 0)
    zs.mark_complete(store)
    (ds,) = zs.open_store(store, load=True)
    assert ds["emissions"].dtype == np.float32
    expected = np.concatenate([first["emissions"].values, second["emissions"].values], axis=1)
    np.testing.assert_array_equal(ds["emissions"].values, expected.astype(np.float32))
    assert np.isnan(ds["emissions"].values[0, 0, 1, 2])
    # the design stays exact
    theta = np.concatenate([first["theta"].values, second["theta"].values])
    assert ds["theta"].dtype == np.float64
    np.testing.assert_array_equal(ds["theta"].values, theta)
    assert ds["emissions"].attrs["units"] == "t CO2e/yr"


def test_the_stored_arrays_use_the_documented_compressor(tmp_path):
    import zarr
    from numcodecs import Blosc

    store = tmp_path / "out.zarr"
    zs.init_store(store, {"s": zs.template(chunk(0, 2, 1), 2, 2)}, {}, float32=False)
    compressor = zarr.open_group(str(store), path="s")["emissions"].metadata.compressor
    assert (compressor.cname, compressor.shuffle) == ("lz4", Blosc.NOSHUFFLE)


def test_a_chunk_that_does_not_fit_the_layout_is_refused(tmp_path):
    store = tmp_path / "out.zarr"
    zs.init_store(store, {"s": zs.template(chunk(0, 2, 1), 4, 2)}, {}, float32=True)
    wrong = chunk(2, 2, 3).transpose("scenario", "draw", "year", "city", ...)
    with pytest.raises(CitypathsError, match="does not fit"):
        zs.write_chunk(store, "s", wrong, 2)
