"""Fuzzing scenario documents: loading either succeeds or raises citypaths' own error.

Documents are built from valid scenarios (the toy scenario of the tests and the shipped
Umeå and Malmö contracts, their `extends:` made absolute) by a chain of mutations: keys
dropped or renamed, values swapped for other types (numbers, NaN and infinities, huge
integers, random text and unicode, lists, mappings, null), nesting changed (a value
wrapped in a list or a mapping), a subtree shared at a second place (so that the YAML
has an anchor and an alias), and random text inserted into the YAML itself. Each
document is written to a file and loaded with `load_scenario` and planned with
`build_plan`, as `citypaths validate` does; anything but success or a CitypathsError
fails the test.

Examples per run: CITYPATHS_FUZZ_EXAMPLES (default 150, a few seconds). A long run of
20,000 examples is recorded in docs/reliability.md.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.config.loader import load_scenario
from sim.errors import CitypathsError
from sim.model.plan import build_plan

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
EXAMPLES = int(os.environ.get("CITYPATHS_FUZZ_EXAMPLES", "150"))

TOY = f"""
extends: {DATA / "toy_base.yaml"}
data: {DATA / "toy"}
id: fuzz
bau:
  default: {{activity: {{rate: 0.01}}, intensity: {{rate: -0.02}}}}
  sectors: {{heating: {{intensity: {{path: {{2027: 0.9, 2030: 0.7}}}}}}}}
capacities:
  - {{id: office, slots: 1, cities: all}}
budgets:
  - {{id: fund, per_year: 3.0e6, cities: all}}
interventions:
  - id: buses
    city: "9901"
    sector: transport
    scope: 0.5
    effect: {{low: 0.4, central: 0.6, high: 0.8}}
    rollout: {{start: 2025, build: 2, needs: {{capacity: office, budget: fund}}}}
    cost: {{capex: 2.0e6, opex: -1.0e4}}
  - id: heat
    city: [Testby]
    sector: heating
    effect: 0.5
    rollout: {{start: 2026.5, after: [buses], shape: logistic}}
removals:
  - {{id: ccs, city: "9901", tonnes: 50, rollout: {{start: 2028}}}}
"""


def _seed(path: Path) -> dict:
    """A shipped scenario with its relative paths made absolute."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key in ("extends", "data", "library"):
        if isinstance(data.get(key), str):
            data[key] = str((path.parent / data[key]).resolve())
    return data


SEEDS = [
    yaml.safe_load(TOY),
    _seed(REPO / "scenarios" / "umea" / "contract.yaml"),
    _seed(REPO / "scenarios" / "malmo" / "contract.yaml"),
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, -1, 2024, 2050, 0.5, 1.5, -2.0, 1e308, "5e8", "all", "9901"]),
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=10),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path (keys and list indices) to a value inside `node`."""
    out = []
    if isinstance(node, dict):
        for k, v in node.items():
            out.append((*prefix, k))
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.append((*prefix, i))
            out += _paths(v, (*prefix, i))
    return out


def _copy(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _copy(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_copy(v) for v in node]
    return node


def _parent(doc: Any, path: tuple) -> Any:
    for key in path[:-1]:
        doc = doc[key]
    return doc


@st.composite
def documents(draw) -> str:
    doc = _copy(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = _paths(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, key = _parent(doc, path), path[-1]
        op = draw(st.sampled_from(["drop", "swap", "wrap", "rename", "share"]))
        if op == "drop":
            del parent[key]
        elif op == "swap":
            parent[key] = draw(values)
        elif op == "wrap":
            parent[key] = draw(st.sampled_from([[parent[key]], {"central": parent[key]}]))
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=10))] = parent.pop(key)
        elif op == "share":
            # the same object at a second place: the YAML gets an anchor and an alias
            other = draw(st.sampled_from(paths))
            target = _parent(doc, other)
            if target is not parent[key] and not _contains(parent[key], target):
                target[other[-1]] = parent[key]
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    if draw(st.booleans()):
        at = draw(st.integers(min_value=0, max_value=len(text)))
        text = text[:at] + draw(st.text(max_size=6)) + text[at:]
    return text


def _contains(node: Any, target: Any) -> bool:
    if node is target:
        return True
    if isinstance(node, dict):
        return any(_contains(v, target) for v in node.values())
    if isinstance(node, list):
        return any(_contains(v, target) for v in node)
    return False


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(text=documents())
def test_loading_a_mutated_scenario_succeeds_or_says_what_is_wrong(tmp_path, text):
    path = tmp_path / "fuzz.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        build_plan(load_scenario(path))
    except CitypathsError as exc:
        message = str(exc)
        assert message
        assert "Traceback" not in message


def test_the_seeds_are_valid(tmp_path):
    for i, seed in enumerate(SEEDS):
        path = tmp_path / f"seed{i}.yaml"
        path.write_text(yaml.safe_dump(seed, allow_unicode=True), encoding="utf-8")
        plan = build_plan(load_scenario(path))
        assert plan.interventions
        assert not math.isnan(plan.base_year)
