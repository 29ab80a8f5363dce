"""Experiment files: Monte Carlo batches over one or more scenarios (docs/experiments.md).

An experiment names the scenarios to run, the number of draws, the sampler, the seed, the
chunk size, where the result goes and which variables it keeps. Paths are relative to the
experiment file. Loading checks the file (located errors, as for scenarios) and loads every
scenario it names; it runs nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError

from sim.config.distributions import RankCorrelation
from sim.config.loader import LoadedScenario, load_scenario
from sim.config.schema import Id, Strict
from sim.config.validation import to_input_error
from sim.config.yamlio import Loc, format_key, locate, read_yaml
from sim.errors import InputError

#: the samplers of scipy.stats.qmc and numpy, and SALib's Saltelli design for sensitivity
SAMPLERS = ("mc", "lhs", "sobol", "saltelli")
MAX_DRAWS = 10_000_000
#: draws computed and written at once unless an experiment says: a chunk's arrays of the
#: all-23 scenarios stay near 30 MB each, which new memory faults in fastest
#: (docs/performance.md: 10,000 draws in chunks of 500 took 12.4-12.9 s, of 1,000 19.2 s)
DEFAULT_CHUNK = 500


class Saltelli(Strict):
    """Options of SALib's Saltelli design (sampler `saltelli`): `draws` is then the base
    sample N, and the run has N (2 D + 2) draws (N (D + 2) without second-order terms) for
    D uncertain parameters."""

    calc_second_order: bool = False


class Experiment(Strict):
    """A Monte Carlo experiment (docs/experiments.md)."""

    format: Literal[1] = 1
    id: Id
    title: str | None = None
    description: str | None = None
    scenarios: Annotated[list[str], Field(min_length=1)]  # scenario files
    draws: Annotated[int, Field(ge=1, le=MAX_DRAWS)]
    sampler: Literal["mc", "lhs", "sobol", "saltelli"] = "lhs"
    seed: Annotated[int, Field(ge=0, lt=2**63)]
    chunk: Annotated[int, Field(ge=1, le=MAX_DRAWS)] = DEFAULT_CHUNK  # draws at once
    output: str | None = None  # default: out/<id>.zarr beside the working folder
    keep: list[str] | None = None  # result variables to store; default: all
    float32: bool = False  # store floating-point variables as float32 (half the size)
    correlations: list[RankCorrelation] = []
    saltelli: Saltelli = Saltelli()
    data: str | None = None  # baseline data folder for every scenario (default: theirs)
    rollout: Literal["auto", "fast", "simpy"] = "auto"


@dataclass(frozen=True)
class LoadedExperiment:
    path: Path
    experiment: Experiment
    scenarios: tuple[LoadedScenario, ...]
    output: Path
    loc: Loc
    raw: dict

    def fail(self, keys: list, message: str) -> InputError:
        where = locate(self.loc, keys)
        return InputError(where.file, message, line=where.line, key=format_key(self.raw, keys))


def load_experiment(path: str | Path) -> LoadedExperiment:
    """Read and check an experiment file and load every scenario it names."""
    path = Path(path)
    doc = read_yaml(path)
    if not isinstance(doc.data, dict):
        raise InputError(path, "expected a mapping of experiment keys", line=doc.loc.line)
    try:
        exp = Experiment.model_validate(doc.data)
    except ValidationError as exc:
        raise to_input_error(exc, doc.data, doc.loc, Experiment) from None

    def fail(keys: list, message: str) -> InputError:
        where = locate(doc.loc, keys)
        return InputError(path, message, line=where.line, key=format_key(doc.data, keys))

    if exp.sampler == "sobol" and exp.draws & (exp.draws - 1):
        lower = 1 << (exp.draws.bit_length() - 1)
        raise fail(
            ["draws"],
            f"the sobol sampler needs a power of two draws (e.g. {lower} or {2 * lower}), "
            f"got {exp.draws}",
        )
    if exp.sampler == "saltelli" and exp.correlations:
        raise fail(
            ["correlations"],
            "Sobol' indices assume independent inputs: a Saltelli design takes no correlations",
        )
    if exp.sampler == "saltelli" and len(exp.scenarios) != 1:
        raise fail(
            ["scenarios"],
            "a Saltelli design is for the sensitivity of one scenario: give one scenario",
        )
    here = path.parent
    data_dir = None if exp.data is None else Path(os.path.normpath(here / exp.data))
    loaded = []
    ids: dict[str, int] = {}
    for i, rel in enumerate(exp.scenarios):
        where = locate(doc.loc, ["scenarios", i])
        scenario_path = Path(os.path.normpath(here / rel))
        if not scenario_path.is_file():
            raise InputError(
                path,
                f"scenario file not found: {scenario_path}",
                line=where.line,
                key=format_key(doc.data, ["scenarios", i]),
            )
        one = load_scenario(scenario_path, data_dir)
        sid = one.scenario.id
        if sid in ids:
            raise InputError(
                path,
                f"scenario id '{sid}' is also the id of scenarios[{ids[sid]}]: each scenario "
                "of an experiment needs its own id",
                line=where.line,
                key=format_key(doc.data, ["scenarios", i]),
            )
        ids[sid] = i
        loaded.append(one)
    output = (
        Path(os.path.normpath(here / exp.output))
        if exp.output is not None
        else Path("out") / f"{exp.id}.zarr"
    )
    return LoadedExperiment(path, exp, tuple(loaded), output, doc.loc, doc.data)
