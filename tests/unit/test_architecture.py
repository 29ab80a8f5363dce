"""The layers keep to their edges (docs/architecture.md): checked on the source, by parsing
every import statement."""

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[2] / "sim"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _files(package: str) -> list[Path]:
    return sorted((SIM / package).rglob("*.py"))


RULES = {
    # the core is numerics over plain arrays
    "core": (
        "yaml",
        "xarray",
        "simpy",
        "pydantic",
        "numba",
        "sim.config",
        "sim.rollout",
        "sim.model",
        "sim.store",
        "sim.runner",
    ),
    # compiled kernels: the core's kernels again, with numba; no files, no plans
    "compiled": (
        "yaml",
        "xarray",
        "simpy",
        "pydantic",
        "sim.config",
        "sim.rollout",
        "sim.model",
        "sim.store",
        "sim.runner",
    ),
    # the rollout computes timing from arrays; it knows nothing of emissions or files
    "rollout": ("sim.core", "yaml", "xarray", "pydantic", "sim.config", "sim.model", "sim.store"),
    # the plan is arrays and parameters: no simulation, no xarray
    "model": ("xarray", "simpy", "sim.core", "sim.store", "sim.runner"),
    # reading what users write does not run anything
    "config": ("xarray", "simpy", "numba", "sim.core", "sim.rollout", "sim.runner", "sim.store"),
}


@pytest.mark.parametrize("package", sorted(RULES))
def test_layer_imports(package):
    files = _files(package)
    assert files
    for path in files:
        for name in _imports(path):
            for banned in RULES[package]:
                inside = name == banned or name.startswith(banned + ".")
                assert not inside, f"{path.relative_to(SIM.parent)} imports {name}"


def test_dimension_names_are_spelled_in_one_place():
    """Array layouts come from sim.dims: no module but dims.py writes a dimension as a
    string literal in a layout tuple."""
    from sim import dims

    names = {dims.DRAW, dims.CITY, dims.SECTOR, dims.INTERVENTION, dims.YEAR, dims.SCENARIO}
    for path in SIM.rglob("*.py"):
        if path.name == "dims.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Tuple) and len(node.elts) >= 2:
                literals = [e.value for e in node.elts if isinstance(e, ast.Constant)]
                spelled = len(literals) >= 2 and set(literals) <= names
                assert not spelled, f"{path.name}:{node.lineno} spells a layout {literals}"
