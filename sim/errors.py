"""Exception types that users see.

A `CitypathsError` is a user error: the CLI prints its message on one line (no traceback)
and exits with status 2. Anything else is a bug in citypaths and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path


class CitypathsError(Exception):
    """An error in what the user gave citypaths (a file, an option, a value)."""

    exit_code = 2


class InputError(CitypathsError):
    """An error located in an input file: names the file, the line and the key.

    `key` is a dotted path such as ``interventions[2].effect``; `line` is 1-based.
    """

    def __init__(
        self,
        path: str | Path | None,
        message: str,
        *,
        line: int | None = None,
        key: str | None = None,
    ) -> None:
        self.path = None if path is None else Path(path)
        self.line = line
        self.key = key
        self.detail = message
        super().__init__(self._format())

    def _format(self) -> str:
        where = "" if self.path is None else str(self.path)
        if self.line is not None:
            where += f":{self.line}"
        parts = [p for p in (where, self.key) if p]
        prefix = ": ".join(parts)
        return f"{prefix}: {self.detail}" if prefix else self.detail


class PlanError(CitypathsError):
    """A scenario that is valid on its own but cannot be run (e.g. a need never met)."""


class EngineError(CitypathsError, ValueError):
    """An engine was asked for what it does not cover (e.g. the rollout fast path for a
    project that needs several capacities)."""
