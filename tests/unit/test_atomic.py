"""guard_output and replacing: nothing clobbered, nothing half-written (docs/reliability.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from sim import atomic
from sim.atomic import OutputError, guard_output, replacing


def _result_file(path):
    """A small NetCDF file carrying the citypaths result format attribute."""
    ds = xr.Dataset({"x": ("a", np.arange(3.0))}, attrs={"format": "citypaths-result-1"})
    ds.to_netcdf(path, engine="h5netcdf")
    return path


def test_a_new_path_is_allowed_and_missing_folders_are_fine(tmp_path):
    assert guard_output(tmp_path / "new" / "deeper" / "r.nc", "result") == (
        tmp_path / "new" / "deeper" / "r.nc"
    )


def test_an_earlier_result_is_replaced_only_with_force(tmp_path):
    out = _result_file(tmp_path / "r.nc")
    with pytest.raises(OutputError, match="give --force"):
        guard_output(out, "result")
    assert guard_output(out, "result", force=True) == out


@pytest.mark.parametrize(
    "content",
    [b"format: 1\nid: my-scenario\n", b"\x89HDF\r\n\x1a\n not really", b""],
    ids=["scenario", "other-hdf5", "empty"],
)
def test_a_file_citypaths_did_not_write_is_never_replaced(tmp_path, content):
    victim = tmp_path / "victim.yaml"
    victim.write_bytes(content)
    for force in (False, True):
        with pytest.raises(OutputError, match="not a citypaths result file"):
            guard_output(victim, "result", force=force)
    assert victim.read_bytes() == content


def test_a_result_of_another_kind_is_not_replaced(tmp_path):
    out = _result_file(tmp_path / "r.csv")
    with pytest.raises(OutputError, match="not a citypaths csv file"):
        guard_output(out, "csv", force=True)


def test_devices_folders_links_and_paths_under_files_are_refused(tmp_path):
    with pytest.raises(OutputError, match="not a regular file"):
        guard_output("/dev/null", "result", force=True)
    with pytest.raises(OutputError, match="is a folder"):
        guard_output(tmp_path, "result", force=True)
    target = _result_file(tmp_path / "r.nc")
    link = tmp_path / "link.nc"
    link.symlink_to(target)
    with pytest.raises(OutputError, match="symbolic link"):
        guard_output(link, "result", force=True)
    afile = tmp_path / "a.txt"
    afile.write_text("x")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        guard_output(afile / "sub" / "r.nc", "result")


def test_a_name_too_long_for_the_file_system_is_refused(tmp_path):
    name_max = os.pathconf(tmp_path, "PC_NAME_MAX")
    with pytest.raises(OutputError, match="the file name has 300 bytes"):
        guard_output(tmp_path / ("a" * 297 + ".nc"), "result")
    # the longest name allowed still leaves room for the temporary name
    longest = "b" * (name_max - atomic._TMP_EXTRA)
    with replacing(guard_output(tmp_path / longest, "result")) as tmp:
        tmp.write_bytes(b"ok")
    assert (tmp_path / longest).read_bytes() == b"ok"


def test_replacing_moves_into_place_and_cleans_up_on_failure(tmp_path):
    out = tmp_path / "f.txt"
    out.write_text("old")

    def fail_half_way() -> None:
        with replacing(out) as tmp:
            tmp.write_text("half")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail_half_way()
    assert out.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]
    with replacing(out) as tmp:
        tmp.write_text("new")
    assert out.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]


def test_an_os_error_while_writing_is_an_output_error(tmp_path):
    out = tmp_path / "f.txt"

    def full_disk() -> None:
        with replacing(out):
            raise OSError(28, "No space left on device")

    with pytest.raises(OutputError, match="cannot write the file: No space left") as info:
        full_disk()
    assert info.value.exit_code == 2
    assert list(tmp_path.iterdir()) == []


def test_stale_parts_of_dead_processes_are_removed_live_ones_kept(tmp_path):
    out = tmp_path / "r.nc"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], **_OUT)
    dead_pid = int(dead.stdout)  # that process has exited
    stale = tmp_path / f".r.nc.{dead_pid}.{'0' * 16}.part"
    live = tmp_path / f".r.nc.{os.getppid()}.{'1' * 16}.part"  # our parent still runs
    other = tmp_path / f".other.nc.{dead_pid}.{'2' * 16}.part"  # another output's
    for p in (stale, live, other):
        p.write_bytes(b"partial")
    with replacing(out) as tmp:
        tmp.write_bytes(b"new")
    assert not stale.exists()
    assert live.exists()
    assert other.exists()


_OUT = {"capture_output": True, "text": True, "check": True}


def test_a_kind_can_be_registered(tmp_path):
    atomic.register_kind("test-kind", lambda p: p.read_bytes().startswith(b"#mine"))
    try:
        mine = tmp_path / "m.txt"
        mine.write_bytes(b"#mine\n")
        assert guard_output(mine, "test-kind", force=True) == mine
    finally:
        del atomic.KINDS["test-kind"]
    with pytest.raises(ValueError, match="unknown output kind"):
        guard_output(mine, "test-kind")


def test_write_all_puts_old_files_back_when_a_rename_fails(tmp_path, monkeypatch):
    from sim.config import importer

    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("old a")
    real = os.replace
    calls = []

    def replace(src, dst):
        calls.append(Path(dst).name)
        if Path(dst) == b:  # the second file's move into place fails
            raise OSError(5, "Input/output error")
        return real(src, dst)

    monkeypatch.setattr(importer.os, "replace", replace)
    with pytest.raises(OutputError, match=r"b\.yaml: cannot write the file"):
        importer.write_all({a: "new a", b: "new b"})
    monkeypatch.undo()
    assert a.read_text() == "old a"  # put back
    assert not b.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml"]  # no temporary files
    assert calls[:2] == ["a.yaml", "b.yaml"]
