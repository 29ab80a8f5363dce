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
from sim.atomic import (
    Interrupted,
    install_signal_handlers,
    interrupted,
    restore_signal_handlers,
)
from sim.cli import analysis, data, explore, mc, rollout, scenario
from sim.cli._common import EXIT_USER_ERROR, Parser, printable
from sim.errors import CitypathsError

COMMAND_MODULES = (scenario, rollout, data, mc, analysis, explore)


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


def _interrupted_message(signum: int) -> int:
    import signal

    name = signal.Signals(signum).name
    print(
        f"citypaths: interrupted ({name}); no output was left half-written",
        file=sys.stderr,
    )
    return 128 + signum


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status (0 ok, 2 user error, 128+n on signal n)."""
    previous = install_signal_handlers()
    try:
        args = build_parser().parse_args(argv)
        status = int(args.func(args))
        # an interrupt swallowed where Python could not raise it (a finalizer) still counts
        signum = interrupted()
        return _interrupted_message(signum) if signum is not None else status
    except CitypathsError as exc:
        print(f"citypaths: error: {printable(str(exc))}", file=sys.stderr)
        return EXIT_USER_ERROR
    except Interrupted as exc:
        return _interrupted_message(exc.signum)
    except KeyboardInterrupt:
        return _interrupted_message(2)
    finally:
        restore_signal_handlers(previous)


if __name__ == "__main__":
    sys.exit(main())
