"""The documentation cannot fall behind the code.

(a) Every ```yaml block of docs/scenario-format.md whose first line is
`# example: <path>` is a scenario that must validate and run. `<path>` is where the file
is meant to live, relative to the repository root (e.g. `scenarios/example/first.yaml`).
The test rebuilds that layout in a temporary folder: it copies the shipped `scenarios/data`,
`scenarios/library` and `scenarios/common` there and writes every example at its path, so
the relative paths an example writes (`data: ../data`, `library: ../library`,
`extends: two-cities.yaml`) resolve exactly as they would in the repository, and one
example may extend another. An example without `data:` uses the shipped data.

(b) Every command registered in `sim.cli.build_parser()`, each of its long options, its
positional arguments and the choices of its options appear in docs/cli.md, in the section of
that command; the list is read from the parser, not written by hand.

Besides, every key of the scenario schema is named in docs/scenario-format.md.
"""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.cli import build_parser
from sim.config import schema
from sim.config.loader import load_scenario
from sim.model.plan import build_plan
from sim.runner import run_scenario

ROOT = Path(__file__).resolve().parents[2]
FORMAT_DOC = ROOT / "docs" / "scenario-format.md"
CLI_DOC = ROOT / "docs" / "cli.md"
SHIPPED = ("data", "library", "common")  # folders of scenarios/ that examples may refer to

_BLOCK = re.compile(r"^```yaml[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
_EXAMPLE = re.compile(r"#\s*example:\s*(\S+)\s*$")


def _examples() -> list[tuple[str, str]]:
    """(path, text) of each tagged yaml block, in the order of the document."""
    out = []
    for match in _BLOCK.finditer(FORMAT_DOC.read_text(encoding="utf-8")):
        text = match.group(1)
        first = text.splitlines()[0] if text.strip() else ""
        if first.startswith("# example:"):
            tag = _EXAMPLE.fullmatch(first.strip())
            assert tag, f"an example must name its path: {first!r}"
            out.append((tag.group(1), text))
    return out


EXAMPLES = _examples()


def test_the_format_doc_has_examples():
    paths = [p for p, _ in EXAMPLES]
    assert len(paths) >= 2
    assert len(set(paths)) == len(paths), "two examples would be written to the same file"
    # at least one example uses every top-level key of the format, `extends` included
    used = set().union(*(yaml.safe_load(text).keys() for _, text in EXAMPLES))
    assert set(schema.Scenario.model_fields) | {"extends"} <= used


@pytest.fixture(scope="module")
def example_root(tmp_path_factory) -> Path:
    """A copy of the repository layout that the examples refer to, with every example."""
    root = tmp_path_factory.mktemp("docs-examples")
    for name in SHIPPED:
        shutil.copytree(ROOT / "scenarios" / name, root / "scenarios" / name)
    for rel, text in EXAMPLES:
        path = root / rel
        assert not path.exists(), f"{rel} would overwrite a shipped file"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(("rel", "text"), EXAMPLES, ids=[p for p, _ in EXAMPLES])
def test_example_validates_and_runs(rel, text, example_root, monkeypatch):
    monkeypatch.delenv("CITYPATHS_DATA", raising=False)
    path = example_root / rel
    plan = build_plan(load_scenario(path))  # what `citypaths validate` checks
    ds = run_scenario(path).isel(scenario=0)
    written = yaml.safe_load(text)
    if "id" in written:
        assert plan.scenario_id == written["id"]
    assert str(ds["scenario"].values) == plan.scenario_id
    emissions = ds["emissions"].values
    assert np.isfinite(emissions).all()
    assert (emissions >= 0).all()
    assert list(ds["target"].values) == [t.id for t in plan.targets]


def _schema_models() -> list[type]:
    return [
        v
        for v in vars(schema).values()
        if isinstance(v, type) and issubclass(v, schema.Strict) and v is not schema.Strict
    ]


@pytest.mark.parametrize("model", _schema_models(), ids=lambda m: m.__name__)
def test_every_schema_key_is_documented(model):
    text = FORMAT_DOC.read_text(encoding="utf-8")
    missing = [
        name
        for name in model.model_fields
        if f"`{name}`" not in text and not re.search(rf"`[^`\n]*\b{name}\b[^`\n]*`", text)
    ]
    assert not missing, f"{model.__name__}: not in docs/scenario-format.md: {missing}"


# ----------------------------------------------------------------------------- (b) cli.md


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    commands: dict[str, argparse.ArgumentParser] = {}
    for action in parser._subparsers._group_actions:  # type: ignore[union-attr]
        if isinstance(action, argparse._SubParsersAction):
            commands.update(action.choices)
    return commands


def _long_options(parser: argparse.ArgumentParser) -> list[str]:
    return [
        opt
        for action in parser._actions
        for opt in action.option_strings
        if opt.startswith("--") and opt != "--help"
    ]


def _sections(text: str) -> dict[str, str]:
    """Text of each `## ` section of a markdown file, by heading."""
    parts = re.split(r"^## +(.+?)\s*$", text, flags=re.MULTILINE)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


COMMANDS = _commands()


def test_commands_are_found():
    assert {"validate", "run", "show", "latest-start", "cities", "import-baseline"} <= set(COMMANDS)


def test_top_level_options_are_documented():
    text = CLI_DOC.read_text(encoding="utf-8")
    for option in _long_options(build_parser()):
        assert f"`{option}`" in text, f"{option} is not in docs/cli.md"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_and_its_options_are_documented(name):
    sections = _sections(CLI_DOC.read_text(encoding="utf-8"))
    heading = f"citypaths {name}"
    assert heading in sections, f"docs/cli.md has no section '## {heading}'"
    section = sections[heading]
    parser = COMMANDS[name]
    for option in _long_options(parser):
        assert f"`{option}" in section, f"{name} {option} is not in its section of docs/cli.md"
    for action in parser._actions:
        if not action.option_strings:  # a positional argument, shown by its metavar
            metavar = action.metavar or action.dest
            assert f"`{metavar}" in section, f"{name} {metavar} is not in docs/cli.md"
        for choice in action.choices or ():
            assert str(choice) in section, f"{name}: choice {choice!r} is not in docs/cli.md"
