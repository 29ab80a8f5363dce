"""Reading what users write: scenario YAML and baseline data, validated and located."""

from sim.config.baseline import BaselineData, CityBaseline, load_data
from sim.config.loader import LoadedScenario, load_scenario
from sim.config.schema import Scenario

__all__ = [
    "BaselineData",
    "CityBaseline",
    "LoadedScenario",
    "Scenario",
    "load_data",
    "load_scenario",
]
