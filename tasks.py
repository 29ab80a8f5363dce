"""Developer tasks for citypaths, needing nothing but Python 3.11+.

    python3 tasks.py demo    the Umeå and Malmö Monte Carlo comparison and its report
    python3 tasks.py test    lint and run the test suite
    python3 tasks.py bench   run the benchmarks (not part of the tests)
    python3 tasks.py cities-doc  regenerate docs/cities.md from the shipped scenarios

Each task creates `.venv/` beside this file on first use and installs the project into it
(editable, with its test extras); it reinstalls only when `pyproject.toml` changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".citypaths-installed"

DEMO = [
    # Umeå and Malmö, bau / contract / accelerated, 2,000 Monte Carlo draws each; --force:
    # the demo may be run again, and it replaces only its own earlier outputs
    ["citypaths", "mc", "experiments/umea-malmo.yaml", "--force"],
    ["citypaths", "compare", "out/umea-malmo.zarr"],
    ["citypaths", "report", "out/umea-malmo.zarr", "-o", "out/umea-malmo.html", "--force"],
]


def _run(cmd: list[str | Path], stop: bool = True) -> int:
    """Run a command from the project folder; exit with its code if it fails and `stop`."""
    print("+", " ".join(str(c) for c in cmd), flush=True)
    code = subprocess.run([str(c) for c in cmd], cwd=ROOT, check=False).returncode
    if code != 0 and stop:
        sys.exit(code)
    return code


def ensure_env() -> None:
    """Create the virtual environment and install the project when needed."""
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == want and PY.exists():
        return
    if not PY.exists():
        print(f"+ creating {VENV.relative_to(ROOT)}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    _run([PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    _run([PY, "-m", "pip", "install", "--quiet", "-e", ".[test]"])
    STAMP.write_text(want)


def demo() -> None:
    for cmd in DEMO:
        _run([BIN / cmd[0], *cmd[1:]])


def test() -> None:
    _run([BIN / "ruff", "check", "."])
    _run([BIN / "ruff", "format", "--check", "."])
    _run([PY, "-m", "pytest", *sys.argv[2:]])


def bench() -> None:
    # the benchmarks' own extra (EMA workbench, the peer of bench_ema.py), once
    found = subprocess.run([PY, "-c", "import ema_workbench"], capture_output=True, check=False)
    if found.returncode != 0:
        _run([PY, "-m", "pip", "install", "--quiet", "-e", ".[test,bench]"])
    # every benchmark runs even if one cannot (bench_explore needs chromium); the task
    # fails at the end, naming them
    failed = []
    for script in sorted((ROOT / "benchmarks").glob("bench_*.py")):
        if _run([PY, script, *sys.argv[2:]], stop=False) != 0:
            failed.append(script.name)
    if failed:
        sys.exit(f"benchmarks that did not finish: {', '.join(failed)}")


def cities_doc() -> None:
    _run([PY, "-m", "sim.analysis.overview", ROOT / "docs" / "cities.md"])


TASKS = {"demo": demo, "test": test, "bench": bench, "cities-doc": cities_doc}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in TASKS:
        print(__doc__)
        sys.exit(2)
    ensure_env()
    TASKS[sys.argv[1]]()
