"""`citypaths explore` in headless Chromium: open the page, move a slider, wait for the chart
to change, check the shown figures against a run of the saved scenario file, screenshot."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("websocket", reason="websocket-client (test extra) drives Chromium")

from sim.explore.browser import Browser, find_chromium, serving
from sim.explore.server import create_app
from sim.explore.session import Explorer, figures
from sim.runner import run_scenario

ROOT = Path(__file__).resolve().parents[2]
UMEA = ROOT / "scenarios" / "umea" / "contract.yaml"
CHROMIUM = find_chromium()

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium on PATH (Debian: apt-get install -y chromium; or set $CHROMIUM)",
)


def test_slider_move_shows_the_numbers_of_the_saved_scenario(tmp_path):
    app = create_app(Explorer(UMEA))
    with serving(app) as url, Browser(CHROMIUM) as page:
        page.goto(url + "/")
        page.wait_for("document.getElementById('status').dataset.seq >= 1")
        before = page.eval("document.getElementById('edited-line').getAttribute('d')")
        base_rows = page.eval(
            "[...document.querySelectorAll('#figures tr[data-target]')]"
            ".map(r => Number(r.dataset.value))"
        )
        # move the electric cars' ambition slider to 30 %, as a user's drag ends
        page.eval(
            "(() => { const r = document.querySelector("
            "'.lever[data-id=\"electric-cars\"] .ambition');"
            " r.value = 0.3; r.dispatchEvent(new Event('input')); })()"
        )
        page.wait_for(
            "document.getElementById('status').dataset.seq >= 2 && "
            f"document.getElementById('edited-line').getAttribute('d') !== {json.dumps(before)}"
        )
        rows = page.eval(
            "[...document.querySelectorAll('#figures tr[data-target]')]"
            ".map(r => ({id: r.dataset.target, value: Number(r.dataset.value),"
            " shortfall: Number(r.dataset.shortfall)}))"
        )
        npv = page.eval("Number(document.querySelector('#figures tr[data-npv]').dataset.npv)")
        address = page.eval("decodeURIComponent(location.hash)")
        saved = page.eval(
            "fetch('/api/scenario', {method: 'POST', body: JSON.stringify(state)})"
            ".then(r => r.text())"
        )
        (tmp_path / "explore.png").write_bytes(page.screenshot())
        # the address reopens the same pathway: a fresh load of the link shows the same figures
        link = page.eval("location.href")
        page.goto("about:blank")
        page.goto(link)
        page.wait_for(
            "document.getElementById('status') &&"
            " document.getElementById('status').dataset.seq >= 1"
        )
        reopened = page.eval(
            "[...document.querySelectorAll('#figures tr[data-target]')]"
            ".map(r => ({id: r.dataset.target, value: Number(r.dataset.value),"
            " shortfall: Number(r.dataset.shortfall)}))"
        )
        slider = page.eval(
            "Number(document.querySelector('.lever[data-id=\"electric-cars\"] .ambition').value)"
        )
    assert reopened == rows
    assert slider == 0.3
    # the address holds the lever state, so a link reopens it
    assert json.loads(address[1:]) == {
        "measures": {"electric-cars": {"ambition": 0.3}},
        "capacities": {},
        "budgets": {},
    }
    # the saved file, run as `citypaths run` runs it, gives the figures the page shows
    path = tmp_path / "saved.yaml"
    path.write_text(saved)
    ran = figures(run_scenario(path), "2480")
    assert [r["id"] for r in rows] == [t["id"] for t in ran["targets"]]
    for r, t in zip(rows, ran["targets"], strict=True):
        assert math.isclose(r["value"], t["value"], rel_tol=1e-12)
        assert math.isclose(r["shortfall"], t["shortfall"], rel_tol=1e-12, abs_tol=1e-9)
    assert math.isclose(npv, ran["npv"], rel_tol=1e-12)
    # less ambition on electric cars leaves more emissions in the target year
    assert all(r["value"] > v for r, v in zip(rows, base_rows, strict=True))
    png = (tmp_path / "explore.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(png) > 20_000
