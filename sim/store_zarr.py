"""Monte Carlo results as a Zarr store, written chunk by chunk (docs/experiments.md).

One store holds an experiment: a group per scenario, each the same Dataset layout as a
deterministic result (sim.store) with `draw` of the experiment's length, chunked by draw,
plus `theta[draw, parameter]`, the design matrix the draws came from. Chunks are written into
place as they are computed, so memory is bounded by the chunk size, not the number of draws.

A store is **complete** only when its root carries `citypaths_complete = true`, written
after the last chunk. Every reader refuses a store without it: an interrupted run never
passes for a finished one. `citypaths-progress.json` in the store records which chunks are
written and what they were computed from; it is replaced atomically after each chunk, and
`--resume` continues from it.
"""

from __future__ import annotations

import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from sim import dims
from sim.errors import CitypathsError

FORMAT = "citypaths-batch-1"
PROGRESS = "citypaths-progress.json"
COMPLETE = "citypaths_complete"


class IncompleteStoreError(CitypathsError):
    """A Zarr store whose run has not finished."""


def is_zarr_store(path: Path) -> bool:
    return path.is_dir() and ((path / "zarr.json").is_file() or (path / ".zgroup").is_file())


#: Zarr format 2: strings (city names, target titles) have a stable encoding there, and
#: every Zarr reader reads it
ZARR_FORMAT = 2


def _root(path: Path, mode: str = "r"):
    import zarr

    if mode == "w":
        return zarr.open_group(str(path), mode=mode, zarr_format=ZARR_FORMAT)
    return zarr.open_group(str(path), mode=mode)


def template(ds: xr.Dataset, n_draws: int, chunk: int) -> xr.Dataset:
    """The whole store's layout from the Dataset of one chunk: every variable along `draw`
    becomes a lazy (dask) array of `n_draws` draws, chunked by `chunk`; the others are kept."""
    import dask.array as da

    out = {}
    for name, var in ds.data_vars.items():
        if dims.DRAW in var.dims:
            shape = tuple(n_draws if d == dims.DRAW else var.sizes[d] for d in var.dims)
            chunks = tuple(
                min(chunk, n_draws) if d == dims.DRAW else var.sizes[d] for d in var.dims
            )
            fill = np.nan if var.dtype.kind == "f" else 0
            data = da.full(shape, fill, dtype=var.dtype, chunks=chunks)
            out[name] = xr.Variable(var.dims, data, attrs=var.attrs)
        else:
            out[name] = var.variable
    coords = {k: v for k, v in ds.coords.items() if k != dims.DRAW}
    coords[dims.DRAW] = (dims.DRAW, np.arange(n_draws), ds[dims.DRAW].attrs)
    return xr.Dataset(out, coords=coords, attrs=ds.attrs)


def _compressor():
    """Blosc with LZ4 and no byte shuffle. On a batch's arrays it encodes twice as fast as
    with the byte shuffle (Zarr's default) for 8 % more bytes (docs/performance.md)."""
    from numcodecs import Blosc

    return Blosc(cname="lz4", clevel=5, shuffle=Blosc.NOSHUFFLE)


def encoding(ds: xr.Dataset, float32: bool) -> dict[str, dict[str, Any]]:
    """Each variable along `draw`: its compressor and, with `float32`, its stored dtype
    (the design matrix `theta` stays exact)."""
    out: dict[str, dict[str, Any]] = {}
    for name, var in ds.data_vars.items():
        if dims.DRAW not in var.dims:
            continue
        out[name] = {"compressors": (_compressor(),)}
        if float32 and var.dtype.kind == "f" and name != "theta":
            out[name]["dtype"] = "float32"
    return out


def init_store(path: Path, groups: dict[str, xr.Dataset], attrs: dict[str, Any], float32: bool):
    """Create the store: the root (marked incomplete) and each group's layout."""
    root = _root(path, mode="w")
    root.attrs.update({"format": FORMAT, COMPLETE: False, **attrs})
    for name, tmpl in groups.items():
        tmpl.to_zarr(
            str(path),
            group=name,
            mode="w",
            compute=False,
            encoding=encoding(tmpl, float32),
            consolidated=False,
            zarr_format=ZARR_FORMAT,
        )


def write_chunk(path: Path, group: str, ds: xr.Dataset, start: int) -> None:
    """Write the draws of `ds` into their place, draws [start, start + len).

    Each variable along `draw` goes straight into its Zarr array (laid out by `init_store`,
    whose encoding is only the stored dtype: the values are cast as xarray would cast them),
    several variables at once: the cast and the compression release the GIL, so a chunk's
    variables are encoded on all cores."""
    import zarr

    stop = start + ds.sizes[dims.DRAW]
    grp = zarr.open_group(str(path), mode="r+", path=group)
    names = [name for name, var in ds.data_vars.items() if dims.DRAW in var.dims]

    def put(name: str) -> None:
        var, arr = ds[name], grp[name]
        stored_dims = list(arr.attrs.get("_ARRAY_DIMENSIONS", []))
        if stored_dims != list(var.dims) or var.dtype.kind != "f":
            raise CitypathsError(
                f"{path}: variable {name!r} {var.dims} {var.dtype} does not fit the store's "
                f"{tuple(stored_dims)} {arr.dtype}"
            )
        region = tuple(slice(start, stop) if d == dims.DRAW else slice(None) for d in var.dims)
        arr[region] = np.asarray(var.values, dtype=arr.dtype)

    with ThreadPoolExecutor(max_workers=max(1, min(len(names), os.cpu_count() or 1))) as pool:
        list(pool.map(put, names))


def read_progress(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads((path / PROGRESS).read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, ValueError) as exc:
        raise CitypathsError(f"{path}: unreadable progress record ({exc})") from None


def write_progress(path: Path, progress: dict[str, Any]) -> None:
    """Replace the progress record atomically (a temporary file renamed into place)."""
    tmp = path / f".{PROGRESS}.part"
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(progress, fh, indent=1, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path / PROGRESS)


def mark_complete(path: Path) -> None:
    """Consolidate each group's metadata (plain `xr.open_zarr` then opens it fast), then
    mark the store complete: the last thing a run writes."""
    import zarr

    root = _root(path, mode="r+")
    for group in root.attrs.get("scenarios", []):
        zarr.consolidate_metadata(str(path), path=group, zarr_format=ZARR_FORMAT)
    root.attrs[COMPLETE] = True


def remove_store(path: Path) -> None:
    shutil.rmtree(path)


def store_info(path: Path) -> dict[str, Any]:
    """The root attributes of a store (raises CitypathsError if it is none of citypaths')."""
    try:
        attrs = dict(_root(path).attrs)
    except Exception as exc:  # zarr raises several kinds for a folder that is no store
        raise CitypathsError(f"{path}: not a readable Zarr store ({exc})") from None
    if attrs.get("format") != FORMAT:
        raise CitypathsError(f"{path}: not a citypaths Monte Carlo store")
    return attrs


def groups_of(path: Path) -> list[str]:
    attrs = store_info(path)
    return list(attrs.get("scenarios", []))


def open_store(path: str | Path, *, load: bool = False) -> list[xr.Dataset]:
    """Every scenario of a complete store, as Datasets (lazy unless `load`)."""
    path = Path(path)
    attrs = store_info(path)
    if attrs.get(COMPLETE) is not True:
        raise IncompleteStoreError(
            f"{path}: this Monte Carlo store is incomplete (its run was interrupted or is "
            "still running); finish it with `citypaths mc EXPERIMENT --resume` before reading it"
        )
    out = []
    for group in attrs.get("scenarios", []):
        ds = xr.open_zarr(str(path), group=group, consolidated=False, zarr_format=ZARR_FORMAT)
        out.append(ds.load() if load else ds)
    return out
