"""The catalogue of bad inputs (tests/bad_inputs/README.md), through the real command line.

Each case folder holds its input files and `expect.yaml`: the command, a fragment the
message must contain, and the file, line and key it must name (where the input has them).
Every case must exit with status 2 and one `citypaths: error:` message, never a
traceback.

The cases run through the real entry point `sim.cli.main` in two child Python processes,
each taking half the cases one after another (a fresh interpreter per case would spend
about 1 s per case importing); each case runs in its own folder of a copy of the
catalogue, so nothing in the source tree is touched. Set CITYPATHS_CATALOGUE_ISOLATED=1
to run every case in a fresh `python -m sim.cli` process instead (about a minute).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

TESTS = Path(__file__).resolve().parents[1]
CATALOGUE = TESTS / "bad_inputs"
CASES = sorted(p.name for p in CATALOGUE.iterdir() if (p / "expect.yaml").is_file())


def _expect(name: str) -> dict:
    return yaml.safe_load((CATALOGUE / name / "expect.yaml").read_text(encoding="utf-8"))


_DRIVER = r"""
import contextlib, io, json, os, sys, traceback
from sim.cli import main

results = {}
for folder, args in json.loads(sys.stdin.read()):
    os.chdir(folder)
    sys.unraisablehook = sys.__unraisablehook__  # as in a fresh process
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            traceback.print_exc()
            code = 1
    results[folder] = [code, out.getvalue(), err.getvalue()]
sys.__stdout__.write(json.dumps(results))
"""


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, subprocess.CompletedProcess]:
    root = tmp_path_factory.mktemp("catalogue")
    shutil.copytree(CATALOGUE, root / "bad_inputs", symlinks=True)
    shutil.copytree(TESTS / "data", root / "data", symlinks=True)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    jobs = [(str(root / "bad_inputs" / n), shlex.split(_expect(n)["command"])) for n in CASES]

    def isolated(job: tuple[str, list[str]]) -> subprocess.CompletedProcess:
        folder, args = job
        return subprocess.run(
            [sys.executable, "-m", "sim.cli", *args],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env=env,
        )

    def batch(part: list[tuple[str, list[str]]]) -> dict[str, list]:
        done = subprocess.run(
            [sys.executable, "-c", _DRIVER],
            input=json.dumps(part),
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
            env=env,
        )
        return json.loads(done.stdout)

    if os.environ.get("CITYPATHS_CATALOGUE_ISOLATED") == "1":
        with ThreadPoolExecutor(max_workers=2) as pool:
            return dict(zip(CASES, pool.map(isolated, jobs), strict=True))
    with ThreadPoolExecutor(max_workers=2) as pool:
        merged: dict[str, list] = {}
        for part in pool.map(batch, [jobs[0::2], jobs[1::2]]):
            merged.update(part)
    return {
        name: subprocess.CompletedProcess([], *merged[folder])
        for name, (folder, _) in zip(CASES, jobs, strict=True)
    }


def test_the_catalogue_has_at_least_40_cases():
    assert len(CASES) >= 40


def test_the_readme_lists_every_case():
    readme = (CATALOGUE / "README.md").read_text(encoding="utf-8")
    missing = [name for name in CASES if f"`{name}`" not in readme]
    assert not missing, f"tests/bad_inputs/README.md does not list: {missing}"


@pytest.mark.parametrize("name", CASES)
def test_bad_input(name, outcomes):
    expect = _expect(name)
    done = outcomes[name]
    err = done.stderr
    assert done.returncode == 2, f"exit {done.returncode}\n{err}\n{done.stdout}"
    assert "Traceback" not in err
    assert "Exception ignored" not in err
    assert err.startswith("citypaths: error: ")
    assert err.count("citypaths: error:") == 1
    assert expect["expect"] in err, err
    first = err.splitlines()[0]
    if "file" in expect:
        named = str(expect["file"])
        where = f"{named}:{expect['line']}:" if "line" in expect else named
        assert where in first, f"expected {where!r} in: {first}"
    if "key" in expect:
        assert f": {expect['key']}: " in first, f"expected key {expect['key']!r} in: {first}"
