"""Which scenarios each city has, and the targets they check (`citypaths cities`).

A scenarios folder holds one folder per city (`scenarios/lund/`: `targets.yaml`,
`bau.yaml`, `contract.yaml`, ...) and folders of scenarios for several cities
(`scenarios/all23/`). This module reads them without running anything: every `*.yaml`
that resolves (with `extends:` and `include:`) to a scenario with an `id` and `cities` is
a scenario; one with a single city belongs to that city, one with several is a batch of
each of them. A city's targets are those of its contract scenario (`contract.yaml`, else
`bau.yaml`, else its first scenario); a target written outside the city's folder (the
climate contract's generic target in `common/sweden-bau.yaml`) is marked generic.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.config.baseline import BaselineData
from sim.config.loader import resolve_raw
from sim.config.yamlio import locate

#: folders of a scenarios folder that hold no scenarios
NOT_SCENARIOS = frozenset({"data", "library", "common"})
#: the scenario whose targets are a city's, in order of preference
TARGET_FILES = ("contract.yaml", "bau.yaml")


@dataclass(frozen=True)
class CityTarget:
    """A reduction target as a city's scenario writes it (docs/scenario-format.md, 13)."""

    id: str
    title: str
    threshold: float  # 0.8 = 80 % below the reference year
    reference_year: int
    year: int
    basis: str  # "gross" or "net"
    sectors: tuple[str, ...] | None  # None: every sector of the scenario
    source: str | None
    generic: bool  # written outside the city's folder (shared by every city)
    file: Path  # where the target is written

    def short(self) -> str:
        """`net zero by 2030` or `-85 % gross by 2030 vs 1990`."""
        if self.basis == "net" and self.threshold >= 1.0:
            return f"net zero by {self.year}"
        return f"-{self.threshold * 100:g} % {self.basis} by {self.year} vs {self.reference_year}"


@dataclass(frozen=True)
class CityScenarios:
    code: str
    folder: str | None  # the city's folder under the scenarios folder
    scenarios: tuple[str, ...]  # its own scenario files, relative to the scenarios folder
    batches: tuple[str, ...]  # scenario files of several cities that include it
    targets: tuple[CityTarget, ...]
    targets_from: str | None  # the scenario file the targets were read from

    @property
    def own_targets(self) -> tuple[CityTarget, ...]:
        return tuple(t for t in self.targets if not t.generic)


def default_scenarios_dir() -> Path | None:
    """`$CITYPATHS_SCENARIOS`, else the scenarios installed with the package, else
    `scenarios/` of the source tree."""
    env = os.environ.get("CITYPATHS_SCENARIOS")
    if env:
        return Path(env)
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "_shipped" / "scenarios", package.parent / "scenarios"):
        if candidate.is_dir():
            return candidate
    return None


def _targets(raw: dict, loc: Any, folder: Path) -> tuple[CityTarget, ...]:
    out = []
    for i, t in enumerate(raw.get("targets") or []):
        where = locate(loc, ["targets", i]).file
        sectors = t.get("sectors")
        out.append(
            CityTarget(
                id=str(t["id"]),
                title=str(t.get("title") or t["id"]),
                threshold=float(t["threshold"]),
                reference_year=int(t["reference_year"]),
                year=int(t["year"]),
                basis=str(t.get("basis", "gross")),
                sectors=tuple(sectors) if sectors is not None else None,
                source=t.get("source"),
                generic=folder.resolve() not in where.resolve().parents,
                file=where,
            )
        )
    return tuple(out)


def scan(scenarios_dir: str | Path, data: BaselineData) -> dict[str, CityScenarios]:
    """Every city of `data`, with the scenarios of `scenarios_dir` that project it.

    Raises InputError (file, line, key) for a scenario file that cannot be read."""
    root = Path(scenarios_dir)
    own: dict[str, list[str]] = {c: [] for c in data.cities}
    batches: dict[str, list[str]] = {c: [] for c in data.cities}
    folders: dict[str, str] = {}
    resolved: dict[str, tuple[dict, Any, Path]] = {}
    for path in sorted(root.glob("*/*.yaml")):
        if path.parent.name in NOT_SCENARIOS:
            continue
        raw, loc, _ = resolve_raw(path)
        if "id" not in raw or not isinstance(raw.get("cities"), list):
            continue  # a fragment (a city's targets.yaml)
        codes = [data.resolve_city(str(ref)) for ref in raw["cities"]]
        name = path.relative_to(root).as_posix()
        if len(codes) == 1 and codes[0] is not None:
            own[codes[0]].append(name)
            folders.setdefault(codes[0], path.parent.name)
            resolved[name] = (raw, loc, path.parent)
        else:
            for code in codes:
                if code is not None:
                    batches[code].append(name)
    out = {}
    for code in data.cities:
        folder = folders.get(code)
        chosen = None
        for file in TARGET_FILES:
            if folder is not None and f"{folder}/{file}" in resolved:
                chosen = f"{folder}/{file}"
                break
        if chosen is None and own[code]:
            chosen = own[code][0]
        targets = _targets(*resolved[chosen]) if chosen is not None else ()
        out[code] = CityScenarios(
            code=code,
            folder=folder,
            scenarios=tuple(own[code]),
            batches=tuple(batches[code]),
            targets=targets,
            targets_from=chosen,
        )
    return out
