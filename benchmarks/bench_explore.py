"""`citypaths explore` benchmark: time from a lever moving to the page showing the answer, in
headless Chromium, and the server's start time.

    python benchmarks/bench_explore.py [--scenario scenarios/umea/contract.yaml] [--moves 60]
                                       [--screenshot docs/explore.png]

Start time: `citypaths explore` as a subprocess, from launch to the page being served
(imports, loading and planning the scenario, one run that loads the compiled rollout code
from numba's cache), three times. Latency: the page's own clock (performance.now()) from the
slider's input event to the next animation frame after the chart and tables are redrawn,
for `--moves` moves of ambition and start-year sliders one after another; median and 90th
percentile. Needs chromium on PATH (or $CHROMIUM) and websocket-client.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np

from sim.explore.browser import Browser, find_chromium, free_port, serving
from sim.explore.server import create_app
from sim.explore.session import Explorer

ROOT = Path(__file__).resolve().parents[1]


def start_time(scenario: Path) -> float:
    """Seconds from launching `citypaths explore` to its address line."""
    port = free_port()
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "explore", str(scenario), "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        for line in proc.stdout:  # type: ignore[union-attr]
            if line.startswith("open http://"):
                break
        else:
            raise RuntimeError("citypaths explore stopped before printing its address")
        while True:  # until the page is served
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                    if r.status == 200:
                        return time.perf_counter() - t0
            except OSError:
                time.sleep(0.02)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios/umea/contract.yaml")
    ap.add_argument("--moves", type=int, default=60)
    ap.add_argument("--screenshot", type=Path, help="save a PNG of the page after the moves")
    args = ap.parse_args()
    chromium = find_chromium()
    if chromium is None:
        sys.exit("no chromium on PATH (Debian: apt-get install -y chromium; or set $CHROMIUM)")

    starts = [start_time(args.scenario) for _ in range(3)]
    print(f"server start: {', '.join(f'{s:.1f}' for s in starts)} s (3 launches)")

    explorer = Explorer(args.scenario)
    ids = [m["id"] for m in explorer.levers()["measures"]]
    rng = np.random.default_rng(1)
    with serving(create_app(explorer)) as url, Browser(chromium, height=1250) as page:
        page.goto(url + "/")
        page.wait_for("document.getElementById('status').dataset.seq >= 1")
        times = []
        for k in range(args.moves):
            mid = ids[k % len(ids)]
            seq = int(page.eval("document.getElementById('status').dataset.seq"))
            if k % 2:
                lever, value = "start", float(2025 + rng.integers(0, 20))
            else:
                lever, value = "ambition", float(rng.integers(0, 21) / 20)
            page.eval(
                f'(() => {{ const r = document.querySelector(\'.lever[data-id="{mid}"] '
                f".{lever}'); r.value = {value}; r.dispatchEvent(new Event('input')); }})()"
            )
            page.wait_for(f"document.getElementById('status').dataset.seq > {seq}")
            times.append(float(page.eval("document.getElementById('status').dataset.ms")))
        # switching a measure off the first time rebuilds the plan; then it is cached
        toggles = []
        for mid in ids:
            for _ in range(2):  # off, then on again
                seq = int(page.eval("document.getElementById('status').dataset.seq"))
                page.eval(f"document.querySelector('.lever[data-id=\"{mid}\"] .on').click()")
                page.wait_for(f"document.getElementById('status').dataset.seq > {seq}")
                toggles.append(float(page.eval("document.getElementById('status').dataset.ms")))
        if args.screenshot:
            _showcase(page, ids)
            args.screenshot.write_bytes(page.screenshot())
    for name, values in (
        (f"slider move -> answer shown ({args.moves} moves, {len(ids)} measures)", times),
        (
            f"on/off click -> answer shown ({len(toggles)} clicks: each measure off, "
            "a plan rebuilt, and on again)",
            toggles,
        ),
    ):
        values.sort()
        print(
            f"{name}: median {statistics.median(values):.0f} ms, 90th percentile "
            f"{float(np.percentile(values, 90)):.0f} ms, max {values[-1]:.0f} ms"
        )


def _move(page: Browser, mid: str, lever: str, value: float) -> None:
    seq = int(page.eval("document.getElementById('status').dataset.seq"))
    page.eval(
        f'(() => {{ const r = document.querySelector(\'.lever[data-id="{mid}"] '
        f".{lever}'); r.value = {value}; r.dispatchEvent(new Event('input')); }})()"
    )
    page.wait_for(f"document.getElementById('status').dataset.seq > {seq}")


def _showcase(page: Browser, ids: list[str]) -> None:
    """A state worth a screenshot: from the scenario, the first measure five years later
    (pinned), then the second at half its ambition."""
    seq = int(page.eval("document.getElementById('status').dataset.seq"))
    page.eval("document.getElementById('reset').click()")
    page.wait_for(f"document.getElementById('status').dataset.seq > {seq}")
    start = float(page.eval(f"document.querySelector('.lever[data-id=\"{ids[0]}\"] .start').value"))
    _move(page, ids[0], "start", start + 5)
    page.eval("document.getElementById('pin').click()")
    _move(page, ids[1], "ambition", 0.5)


if __name__ == "__main__":
    main()
