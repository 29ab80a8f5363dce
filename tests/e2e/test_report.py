"""`citypaths report`: one self-contained HTML file, opened in headless Chromium.

The browser test copies the report and adds a probe script (the report itself has none)
that records, once the page has loaded, every image's rendered size and any error, into the
DOM that `chromium --dump-dom` prints. Network access is cut off (`--host-resolver-rules`),
so anything the page would fetch fails and shows as an image without size.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from sim.cli import main
from sim.runner import run_scenario
from sim.store import write_netcdf
from tests.e2e.test_compare import HEADER, SCENARIO_A, SCENARIO_B
from tests.mc import mc_result, saltelli_result

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

PROBE = """
<script>
window.__errors = [];
window.addEventListener("error", e => window.__errors.push(String(e.message || e)));
const _err = console.error;
console.error = (...a) => { window.__errors.push(a.join(" ")); _err(...a); };
window.addEventListener("load", () => {
  const imgs = [...document.querySelectorAll("img.chart")].map(i => ({
    alt: i.alt, w: i.naturalWidth, h: i.naturalHeight,
    rw: i.getBoundingClientRect().width, rh: i.getBoundingClientRect().height,
    complete: i.complete}));
  const pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify({imgs, errors: window.__errors});
  document.body.appendChild(pre);
});
</script>
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    files = []
    for name, text in (("a", SCENARIO_A), ("b", SCENARIO_B)):
        path = folder / f"{name}.yaml"
        path.write_text(HEADER + text, encoding="utf-8")
        nc = folder / f"{name}.nc"
        write_netcdf(run_scenario(path), nc)
        files.append(nc)
    mc = folder / "mc.nc"
    write_netcdf(mc_result(folder / "a.yaml", 30, "lhs", seed=5), mc)
    files.append(mc)
    saltelli = folder / "saltelli.nc"
    write_netcdf(saltelli_result(folder / "a.yaml", 16), saltelli)
    files.append(saltelli)
    out = folder / "report.html"
    assert main(["report", *map(str, files), "-o", str(out), "--budget", "5000"]) == 0
    return out, files


def test_report_is_self_contained(report):
    text = report[0].read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert '<meta name="generator" content="citypaths' in text
    # nothing to fetch: every src is inline data, no stylesheet or script links
    for ref in re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)""", text):
        assert ref.startswith(("data:", "#")), ref
    assert "<script" not in text
    assert "<link" not in text
    assert "@import" not in text
    assert "url(" not in text


def test_report_holds_tables_charts_benchmarks_and_provenance(report):
    text = report[0].read_text(encoding="utf-8")
    for city in ("Testby (9901)", "Provstad (9902)"):
        assert city in text
    # the comparison table: toy-a's 2030 gross emissions (1050 t) and the carbon budget
    assert "gross emissions 2030, kt/yr" in text
    assert "chance within the budget" in text
    # the measures of both files on one axis; toy-a has no buses
    assert "Electric buses" in text
    # the Monte Carlo result (scenario id repeated) has its own column and a tornado
    assert "toy-a (30 draws)" in text
    assert "tornado chart" in text
    assert text.count('<img class="chart"') >= 10
    assert "Benchmarks: the trend and the Carbon Law" in text
    assert "-0.03 kt CO2e per year" in text  # Testby's trend: -100/3 t a year
    for key in ("inputs (SHA-256)", "sampler", "seed", "citypaths version", "result file"):
        assert key in text
    assert str(report[1][2]) in text  # the file of the Monte Carlo result
    # the Saltelli result: its one uncertain number (hp's effect) explains all of the
    # variance of Testby's cumulative emissions
    assert "What to pin down next: cumulative gross emissions 2025-2030" in text
    testby = text.split('id="city-9902"')[0]  # Provstad's emissions do not vary
    (row,) = re.findall(r"<tr><td>1</td><td>interventions\.hp\.effect</td>.*?</tr>", testby)
    assert float(re.search(r"<td>([0-9.]+) ±", row).group(1)) == pytest.approx(1.0, abs=0.1)
    assert "the same in every draw; nothing to pin down" in text.split('id="city-9902"')[1]


def test_report_does_not_clobber(report, tmp_path, capsys):
    out, files = report
    assert main(["report", str(files[0]), "-o", str(out)]) == 2
    assert "give --force to replace it" in capsys.readouterr().err
    other = tmp_path / "x.pdf"
    assert main(["report", str(files[0]), "-o", str(other)]) == 2
    assert "ending in .html" in capsys.readouterr().err
    assert not other.exists()


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_report_renders_in_chromium(report, tmp_path):
    text = report[0].read_text(encoding="utf-8")
    probed = tmp_path / "probed.html"
    probed.write_text(text.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    run = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--virtual-time-budget=10000",
            "--window-size=1200,900",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            probed.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    match = re.search(r'<pre id="probe">(.*?)</pre>', run.stdout, re.DOTALL)
    assert match, run.stdout[-2000:]
    probe = json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert probe["errors"] == []
    assert len(probe["imgs"]) >= 10
    for img in probe["imgs"]:
        assert img["complete"], img
        assert min(img["w"], img["h"]) > 0, img  # decoded
        assert img["rw"] > 100, img  # laid out with a visible size
        assert img["rh"] > 50, img
    console = [line for line in run.stderr.splitlines() if "CONSOLE" in line]
    assert console == []


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_report_screenshot_is_not_blank(report, tmp_path):
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1200,1600",
            f"--screenshot={shot}",
            report[0].as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    from matplotlib.image import imread

    pixels = imread(shot)
    assert pixels.shape[0] == 1600
    assert pixels[..., :3].std() > 0.05  # text, tables and charts, not an empty page
