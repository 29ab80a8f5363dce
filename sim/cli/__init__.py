"""`citypaths`: the command line, a thin face over the library (docs/cli.md).

Each module here adds its commands with `register(subparsers)`. A user error (a bad
file, a bad option) prints one message and exits with status 2; anything else is a bug
and keeps its traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import sim
from sim.cli import analysis, data, mc, rollout, scenario
from sim.cli._common import EXIT_USER_ERROR, Parser
from sim.errors import CitypathsError

COMMAND_MODULES = (scenario, rollout, data, mc, analysis)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="citypaths",
        description="Decarbonisation pathways for cities: project emissions per city, sector "
        "and year under intervention scenarios written in YAML.",
    )
    parser.add_argument("--version", action="version", version=f"citypaths {sim.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args))
    except CitypathsError as exc:
        print(f"citypaths: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("citypaths: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
