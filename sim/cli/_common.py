"""What every command shares."""

from __future__ import annotations

import argparse

from sim.errors import CitypathsError

EXIT_USER_ERROR = 2
ENGINE_HELP = (
    "how rollout timing is computed: auto (default) picks the closed form or the fast path "
    "(falling back to simpy where needed); simpy forces the reference model"
)
DATA_HELP = "baseline data folder (default: the data the scenario names, else the shipped data)"


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is a CitypathsError (exit 2, one message)."""

    def error(self, message: str):  # type: ignore[override]
        raise CitypathsError(f"{message}\n{self.format_usage().strip()}")
