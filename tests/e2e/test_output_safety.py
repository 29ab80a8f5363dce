"""Outputs through the real command line: no clobbering, full disks, read-only folders,
interrupts (docs/reliability.md).

The full-disk and read-only cases use real small file systems (tmpfs mounts). Tests run as
root, which ignores a folder's permission bits, so a read-only *mount* is the honest way to
make a folder read-only; where mounting is not permitted the tests skip, and the code path
is still covered by tests/unit/test_atomic.py (an OSError raised inside `replacing`).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
SHIPPED = REPO / "scenarios" / "data"

SCENARIO = """
extends: {base}
data: {data}
id: toy-run
interventions:
  - {{id: hp, city: "9901", sector: heating, effect: 1.0, rollout: {{start: 2024, build: 0}}}}
"""


def _cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def scenario(tmp_path) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(SCENARIO.format(base=DATA / "toy_base.yaml", data=DATA / "toy"))
    return path


def _no_traceback(done: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in done.stderr
    assert "Exception ignored" not in done.stderr


def _mount(folder: Path, options: str) -> Path:
    folder.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode().strip()})")
    return folder


@pytest.fixture
def mounts():
    made: list[Path] = []

    def mount(folder: Path, options: str) -> Path:
        made.append(_mount(folder, options))
        return folder

    yield mount
    for folder in made:
        subprocess.run(["umount", str(folder)], check=False)


def test_run_never_overwrites_its_own_scenario(scenario, tmp_path):
    before = scenario.read_bytes()
    for extra in ([], ["--force"]):
        done = _cli("run", str(scenario), "-o", str(scenario), *extra, cwd=tmp_path)
        assert done.returncode == 2
        assert "is not a citypaths result file; citypaths never replaces it" in done.stderr
        _no_traceback(done)
    assert scenario.read_bytes() == before


def test_the_default_output_is_replaced_only_with_force(scenario, tmp_path):
    assert _cli("run", str(scenario), cwd=tmp_path).returncode == 0
    out = tmp_path / "out" / "toy-run.nc"
    first = out.stat().st_mtime_ns
    done = _cli("run", str(scenario), cwd=tmp_path)
    assert done.returncode == 2
    assert "give --force to replace it" in done.stderr
    assert out.stat().st_mtime_ns == first
    done = _cli("run", str(scenario), "--force", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.parent.iterdir()) == ["toy-run.nc"]


def test_no_save_with_an_output_is_an_error(scenario, tmp_path):
    done = _cli("run", str(scenario), "--no-save", "-o", "x.nc", cwd=tmp_path)
    assert done.returncode == 2
    assert "contradict" in done.stderr
    assert not (tmp_path / "x.nc").exists()


def test_a_full_disk_is_a_clear_error_and_leaves_nothing(scenario, tmp_path, mounts):
    small = mounts(tmp_path / "small", "size=16k")
    done = _cli("run", str(scenario), "-o", str(small / "r.nc"), cwd=tmp_path)
    assert done.returncode == 2
    assert "cannot write the file: No space left on device" in done.stderr
    _no_traceback(done)
    assert list(small.iterdir()) == []


def test_a_read_only_folder_is_a_clear_error(scenario, tmp_path, mounts):
    ro = mounts(tmp_path / "ro", "ro,size=16k")
    done = _cli("run", str(scenario), "-o", str(ro / "r.nc"), cwd=tmp_path)
    assert done.returncode == 2
    assert "read-only file system" in done.stderr
    _no_traceback(done)


def _import_setup(folder: Path) -> tuple[Path, list[str]]:
    """A data folder with the shipped sector tables and a CSV of two made-up cities."""
    for name in ("sectors.csv", "subsectors.csv"):
        shutil.copy(SHIPPED / name, folder / name)
    (folder / "cities").mkdir()
    csv = folder.parent / "emissions.csv"
    lines = ["kommun_code,kommun,lan,sector_id,sector,year,tonnes_co2e"]
    sectors = [row.split(",")[0] for row in (SHIPPED / "sectors.csv").read_text().splitlines()]
    for code, name in (("0114", "Upplands Väsby"), ("2480", "Umeå")):
        for sector in sectors[1:]:  # every sector, as an import needs
            lines += [f"{code},{name},x län,{sector},x,{y},{100 + y}" for y in (2015, 2022)]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return csv, ["import-baseline", str(csv), "--kommun", "0114", "2480", "--data", str(folder)]


def test_import_on_a_full_disk_writes_no_city(tmp_path, mounts):
    small = mounts(tmp_path / "small", "size=64k")
    _, args = _import_setup(small)
    # leave room for one city file (one 4 kB page on tmpfs), not for two
    free = os.statvfs(small).f_bavail * os.statvfs(small).f_frsize
    (small / "filler").write_bytes(b"\0" * (free - 4096))
    done = _cli(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stdout
    # the first file was staged in full; the second did not fit, so none was moved in
    assert "2480.yaml: cannot write the file: No space left on device" in done.stderr
    _no_traceback(done)
    assert list((small / "cities").iterdir()) == []
    # with room, both are written
    (small / "filler").unlink()
    done = _cli(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (small / "cities").iterdir()) == ["0114.yaml", "2480.yaml"]


# --- interrupts -----------------------------------------------------------------------------

# The real CLI in a child process; writing the result is patched so that a signal arrives
# half-way through a write, at a known point.
_CHILD = """
import os, signal, sys
import xarray as xr
from sim.cli import main

out = sys.argv[1]
real = xr.Dataset.to_netcdf
mode = sys.argv[2]


class SignalInAFinalizer:
    # an interrupt that lands where Python cannot raise it: "Exception ignored in ..."
    def __del__(self):
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(1000):
            pass


def to_netcdf(self, *args, **kwargs):
    data = real(self, *args, **kwargs)
    folder = os.path.dirname(out) or "."
    part = [p for p in os.listdir(folder) if p.endswith(".part")][0]
    with open(os.path.join(folder, part), "wb") as fh:
        fh.write(bytes(data)[:100])  # half written
    if mode == "term":
        os.kill(os.getpid(), signal.SIGTERM)
    else:
        SignalInAFinalizer()
    return data


xr.Dataset.to_netcdf = to_netcdf
sys.exit(main(["run", sys.argv[3], "-o", out, "--force"]))
"""


@pytest.mark.parametrize(
    ("mode", "status", "name"), [("term", 143, "SIGTERM"), ("swallowed", 130, "SIGINT")]
)
def test_an_interrupt_while_writing_keeps_the_old_file(scenario, tmp_path, mode, status, name):
    out = tmp_path / "r.nc"
    assert _cli("run", str(scenario), "-o", str(out), cwd=tmp_path).returncode == 0
    before = out.read_bytes()
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(out), mode, str(scenario)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == status, done.stderr
    assert f"interrupted ({name})" in done.stderr
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.nc", "scenario.yaml"]


def test_sigint_during_a_real_run_exits_130_and_writes_nothing(tmp_path):
    scenario = REPO / "scenarios" / "all23" / "contract-constrained.yaml"
    out = tmp_path / "r.nc"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "run", str(scenario), "-o", str(out)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)  # the run takes about 3 s on one core
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the run finished before the signal arrived")
    assert proc.returncode == 130, err
    assert "interrupted (SIGINT)" in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_escape_codes_in_a_title_do_not_reach_the_terminal(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        SCENARIO.format(base=DATA / "toy_base.yaml", data=DATA / "toy")
        + 'title: "\\e[2J\\e[31mred \\x07bell"\n'
    )
    done = _cli("run", str(path), "--no-save", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout
    assert "\x07" not in done.stdout
    assert "\\x1b[2J\\x1b[31mred \\x07bell" in done.stdout
