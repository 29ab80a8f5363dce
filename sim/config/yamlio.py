"""YAML reading that remembers where every value came from.

Each document is read twice from the same text: `yaml.safe_load` gives the plain data the
schema validates, and `yaml.compose` gives the node tree whose marks tell the line of each
key. The two are walked together into a `Loc` tree, which survives merging (`extends:`)
so that an error in the merged scenario still names the file and line it came from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sim.errors import InputError

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_constructor = yaml.constructor.SafeConstructor()


@dataclass
class Loc:
    """Where a value was written: the file and the 1-based line that names it (the key's
    line for a mapping value, the item's line for a list item), and the same for its parts."""

    file: Path
    line: int
    children: dict[Any, Loc] | list[Loc] | None = field(default=None, repr=False)


@dataclass
class Document:
    path: Path
    data: Any
    loc: Loc


def _syntax_error(path: Path, text: str, exc: yaml.YAMLError) -> InputError:
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    # where a construct was opened and never closed, the opening line is the one to fix
    mark = context_mark or problem_mark
    if mark is None:
        return InputError(path, f"YAML syntax error: {problem}")
    lines = text.splitlines()
    source_line = lines[mark.line].strip() if mark.line < len(lines) else ""
    detail = "YAML syntax error: "
    if context_mark is not None and context:
        detail += f"{context} (`{source_line}`, column {context_mark.column + 1})"
        if problem_mark is not None:
            detail += f" {problem} on line {problem_mark.line + 1}"
    else:
        detail += f"{problem} (column {mark.column + 1}"
        detail += f", in `{source_line}`)" if source_line else ")"
    return InputError(path, detail, line=mark.line + 1, key=_key_on_line(lines, mark.line))


def _key_on_line(lines: list[str], index: int) -> str | None:
    """The mapping key written on line `index` or, failing that, on the nearest line above."""
    for i in range(min(index, len(lines) - 1), -1, -1):
        text = lines[i].strip().removeprefix("- ").strip()
        if ":" in text and not text.startswith("#"):
            key = text.split(":", 1)[0].strip().strip("'\"")
            if key:
                return key
    return None


def _build_loc(node: yaml.Node, path: Path, line: int) -> Loc:
    if isinstance(node, yaml.MappingNode):
        children: dict[Any, Loc] = {}
        for key_node, value_node in node.value:
            key = _constructor.construct_object(key_node, deep=True)
            key_line = key_node.start_mark.line + 1
            if key in children:
                raise InputError(
                    path,
                    f"duplicate key (first written on line {children[key].line})",
                    line=key_line,
                    key=str(key),
                )
            children[key] = _build_loc(value_node, path, key_line)
        return Loc(path, line, children)
    if isinstance(node, yaml.SequenceNode):
        items = [_build_loc(item, path, item.start_mark.line + 1) for item in node.value]
        return Loc(path, line, items)
    return Loc(path, line)


def read_yaml(path: str | Path) -> Document:
    """Read one YAML file into plain data and its location tree.

    Raises InputError for a missing file, a syntax error or a duplicate key.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except IsADirectoryError:
        raise InputError(path, "is a folder, expected a YAML file") from None
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 text ({exc.reason})") from None
    try:
        data = yaml.load(text, Loader=_Loader)  # the C or Python *safe* loader
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise _syntax_error(path, text, exc) from None
    if node is None:
        return Document(path, None, Loc(path, 1))
    return Document(path, data, _build_loc(node, path, node.start_mark.line + 1))


def locate(loc: Loc, keys: Iterable[Any]) -> Loc:
    """The deepest location along `keys` (dict keys and list indices).

    Keys the tree does not have, such as the tags pydantic adds for union members, are
    skipped, so a path into the validated model still finds the text it came from.
    """
    here = loc
    for key in keys:
        children = here.children
        if isinstance(children, dict) and key in children:
            here = children[key]
        elif isinstance(children, list) and isinstance(key, int) and 0 <= key < len(children):
            here = children[key]
    return here


def format_key(data: Any, keys: Iterable[Any]) -> str:
    """Render a key path for a message: ``interventions[electric-buses].effect``.

    List items that are mappings with an `id` are named by it, others by their index.
    """
    out = ""
    here = data
    for key in keys:
        if isinstance(key, int) and isinstance(here, list):
            item = here[key] if 0 <= key < len(here) else None
            label = item.get("id") if isinstance(item, dict) else None
            out += f"[{label}]" if isinstance(label, str) else f"[{key}]"
            here = item
        elif isinstance(here, dict) and key in here:
            out += f".{key}" if out else str(key)
            here = here[key]
        elif isinstance(here, dict) or here is None:
            # a key that is missing from the data (e.g. a required field)
            out += f".{key}" if out else str(key)
            here = None
        # else: a tag added by the validator, not a key of the data
    return out
