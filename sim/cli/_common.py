"""What every command shares."""

from __future__ import annotations

import argparse
import re

from sim.errors import CitypathsError

EXIT_USER_ERROR = 2
ENGINE_HELP = (
    "how rollout timing is computed: auto (default) picks the closed form or the fast path "
    "(falling back to simpy where needed); simpy forces the reference model"
)
DATA_HELP = "baseline data folder (default: the data the scenario names, else the shipped data)"


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is a CitypathsError (exit 2, one message) followed by
    the usage line of the command it concerns."""

    def error(self, message: str):  # type: ignore[override]
        raise CitypathsError(f"{message}\n{self.format_usage().strip()}")

    def add_subparsers(self, **kwargs):
        if kwargs.get("parser_class", Parser) is Parser:
            kwargs["parser_class"] = CommandParser
        return super().add_subparsers(**kwargs)


class CommandParser(Parser):
    """The parser of one command: an option it does not know is its own error (with its
    usage line: `citypaths run --foo` shows run's usage), not the top-level parser's."""

    def parse_known_args(self, args=None, namespace=None):
        namespace, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return namespace, extras


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` with control characters (terminal escape codes from a title in a file)
    shown as escapes such as \\x1b instead of reaching the terminal; newlines and tabs stay."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def echo(text: str, *, end: str = "\n") -> None:
    """Print command output with control characters made visible (see `printable`)."""
    print(printable(text), end=end)


FORCE_HELP = (
    "replace an existing output of the same kind written by citypaths (any other existing "
    "file is never replaced)"
)
