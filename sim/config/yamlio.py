"""YAML reading that remembers where every value came from, within stated limits.

A document is composed once into libyaml's node tree (an alias is the same node as its
anchor, not a copy); the tree is checked against the input limits below, then walked into
plain data and a `Loc` tree of file lines. Each node is built once and reused wherever an
alias names it, so an "alias bomb" costs what its text costs until the limit on expanded
values refuses it. The `Loc` tree survives merging (`extends:`) so that an error in the
merged scenario still names the file and line it came from. Only plain values are read:
text, numbers, true/false, null, dates, mappings (with `<<` merge keys) and lists; any
other tag is refused (docs/reliability.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sim.errors import InputError


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The C (or Python) *safe* loader; `5e8`, `3.0e8` and `1E-3` read as numbers (as in
    YAML 1.2), not as the text YAML 1.1 makes of an exponent without a point and a sign."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+.0123456789"),
)

#: Input limits (docs/reliability.md). The largest shipped file is 14 kB; the most values
#: in one is 1,048 (scenarios/all23/bau.yaml), the deepest nesting 8 levels. The limits
#: leave a wide margin and keep any file within a few seconds and a bounded amount of
#: memory to read, validate and merge.
MAX_FILE_BYTES = 2_000_000  # bytes of one YAML file
MAX_VALUES = 100_000  # values (scalars, mappings, lists) once every alias is expanded
MAX_DEPTH = 40  # levels of nested mappings and lists
MAX_INT_DIGITS = 30  # digits of a whole number (no quantity citypaths reads needs more)

_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
_INT = "tag:yaml.org,2002:int"
_SCALAR_TAGS = frozenset(
    "tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null", "timestamp")
)
_PLAIN = "; citypaths reads plain values (text, numbers, true/false, dates), mappings and lists"


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


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, max(0, position)) + 1


def _syntax_error(path: Path, text: str, exc: yaml.YAMLError) -> InputError:
    if isinstance(exc, yaml.reader.ReaderError):
        # a character YAML does not allow (a NUL byte, a control character)
        line = _line_of(text, exc.position)
        what = f"#x{exc.character:04x}" if isinstance(exc.character, int) else "character"
        nul = " (a NUL byte)" if exc.character == 0 else ""
        return InputError(
            path,
            f"YAML syntax error: the character {what}{nul} is not allowed in a YAML file "
            f"({exc.reason}); remove it",
            line=line,
            key=_key_on_line(text.splitlines(), line - 1),
        )
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    # where a construct was opened and never closed (a quote, a bracket), the opening line
    # is the one to fix; otherwise (e.g. a badly indented line) the line at fault is
    unclosed = "end of stream" in problem or (
        context is not None and ("quoted" in context or "flow" in context)
    )
    mark = (context_mark if unclosed else problem_mark) or context_mark or problem_mark
    if mark is None:
        return InputError(path, f"YAML syntax error: {problem}")
    lines = text.splitlines()
    source_line = lines[mark.line].strip() if mark.line < len(lines) else ""
    detail = "YAML syntax error: "
    if unclosed and context_mark is not None and context:
        detail += f"{context} (`{source_line}`, column {context_mark.column + 1})"
        if problem_mark is not None:
            detail += f" {problem} on line {problem_mark.line + 1}"
    else:
        detail += f"{problem} (column {mark.column + 1}"
        detail += f", in `{source_line}`)" if source_line else ")"
        if any(
            p in problem
            for p in ("expected <block end>", "mapping values are not allowed", "expected key")
        ):
            detail += "; check the indentation of this line against the lines above"
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


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _tag(tag: str) -> str:
    """A tag as written: `!!python/object` rather than `tag:yaml.org,2002:python/object`."""
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org") else tag


def _check_graph(root: yaml.Node, path: Path, lines: list[str]) -> None:
    """Refuse a recursive alias, a document that expands to more than MAX_VALUES values
    and nesting deeper than MAX_DEPTH, in time linear in the size of the text (each node
    is visited once, however many aliases name it)."""
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    done: set[int] = set()
    open_: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        nid = id(node)
        if finished:
            kids = _children(node)
            size[nid] = 1 + sum(size[id(k)] for k in kids)
            height[nid] = 1 + max((height[id(k)] for k in kids), default=0)
            open_.discard(nid)
            done.add(nid)
            line = node.start_mark.line + 1
            key = _key_on_line(lines, node.start_mark.line)
            if size[nid] > MAX_VALUES:
                raise InputError(
                    path,
                    f"the document expands to more than {MAX_VALUES:,} values (aliases "
                    f"repeat a mapping or list too many times); citypaths reads at most "
                    f"{MAX_VALUES:,}",
                    line=line,
                    key=key,
                )
            if height[nid] > MAX_DEPTH:
                raise InputError(
                    path,
                    f"mappings and lists nested more than {MAX_DEPTH} levels deep; a "
                    f"scenario needs fewer than 10",
                    line=line,
                    key=key,
                )
            continue
        if nid in done:
            continue
        if nid in open_:
            raise InputError(
                path,
                "an alias names a mapping or list that contains it (a recursive alias); "
                "an alias must refer to a value written before and outside it",
                line=node.start_mark.line + 1,
                key=_key_on_line(lines, node.start_mark.line),
            )
        open_.add(nid)
        stack.append((node, True))
        stack.extend((k, False) for k in _children(node))


class _Builder:
    """Plain data and locations from a checked node tree; each node is built once."""

    def __init__(self, path: Path, lines: list[str]) -> None:
        self.path = path
        self.lines = lines
        self.constructor = yaml.constructor.SafeConstructor()
        self.memo: dict[int, tuple[Any, Any]] = {}

    def fail(self, node: yaml.Node, message: str) -> InputError:
        index = node.start_mark.line
        return InputError(self.path, message, line=index + 1, key=_key_on_line(self.lines, index))

    def scalar(self, node: yaml.Node) -> Any:
        if node.tag not in _SCALAR_TAGS:
            raise self.fail(
                node,
                f"the tag {_tag(node.tag)} is not allowed{_PLAIN}",
            )
        if node.tag == _INT and sum(c.isdigit() for c in node.value) > MAX_INT_DIGITS:
            raise self.fail(
                node,
                f"a whole number of {sum(c.isdigit() for c in node.value):,} digits; "
                f"expected at most {MAX_INT_DIGITS}",
            )
        try:
            return self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            raise self.fail(node, f"cannot read the value {node.value[:40]!r}: {exc}") from None

    def build(self, node: yaml.Node) -> tuple[Any, Any]:
        """(data, child locations) of a node."""
        nid = id(node)
        if nid in self.memo:
            return self.memo[nid]
        if isinstance(node, yaml.ScalarNode):
            out: tuple[Any, Any] = (self.scalar(node), None)
        elif isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                raise self.fail(node, f"the tag {_tag(node.tag)} is not allowed on a list{_PLAIN}")
            items, locs = [], []
            for item in node.value:
                data, children = self.build(item)
                items.append(data)
                locs.append(Loc(self.path, item.start_mark.line + 1, children))
            out = (items, locs)
        else:
            out = self._mapping(node)
        self.memo[nid] = out
        return out

    def _mapping(self, node: yaml.MappingNode) -> tuple[dict, dict]:
        if node.tag != _MAP:
            raise self.fail(node, f"the tag {_tag(node.tag)} is not allowed on a mapping{_PLAIN}")
        data: dict[Any, Any] = {}
        locs: dict[Any, Loc] = {}
        merged: list[tuple[dict, dict]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                sources = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for source in sources:
                    if not isinstance(source, yaml.MappingNode):
                        raise self.fail(
                            key_node,
                            "a merge key '<<' takes a mapping (`<<: *name`) or a list of "
                            "mappings (`<<: [*a, *b]`)",
                        )
                    merged.append(self.build(source))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, "a key must be a plain value, not a mapping or a list")
            key = self.scalar(key_node)
            key_line = key_node.start_mark.line + 1
            if key in data:
                raise InputError(
                    self.path,
                    f"duplicate key (first written on line {locs[key].line})",
                    line=key_line,
                    key=str(key),
                )
            value, children = self.build(value_node)
            data[key], locs[key] = value, Loc(self.path, key_line, children)
        # keys written in the mapping win over merged ones; of merged mappings, the first
        for source_data, source_locs in merged:
            for key, value in source_data.items():
                if key not in data:
                    data[key], locs[key] = value, source_locs[key]
        return data, locs


def _read_text(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except IsADirectoryError:
        raise InputError(path, "is a folder, expected a YAML file") from None
    except OSError as exc:
        raise InputError(path, f"cannot read the file: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise InputError(
            path,
            f"the file is larger than {MAX_FILE_BYTES:,} bytes, the most citypaths reads "
            "from one YAML file; split it with `extends:` or a library",
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(
            path, f"not UTF-8 text ({exc.reason}); save the file as UTF-8", line=line
        ) from None


def read_yaml(path: str | Path) -> Document:
    """Read one YAML file into plain data and its location tree.

    Raises InputError for a file that cannot be read, is too large, is not UTF-8, has a
    syntax error, a duplicate key, a tag other than the plain ones, a recursive alias, or
    exceeds the limits on expanded values and nesting.
    """
    path = Path(path)
    return read_yaml_text(_read_text(path), path)


def read_yaml_text(text: str, path: str | Path) -> Document:
    """Read YAML text held in memory as a file at `path` is read (the same checks and
    limits on its graph; `path` names it in messages). For text that is no file, such as
    the explorer's requests."""
    path = Path(path)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise _syntax_error(path, text, exc) from None
    if node is None:
        return Document(path, None, Loc(path, 1))
    lines = text.splitlines()
    _check_graph(node, path, lines)
    data, children = _Builder(path, lines).build(node)
    return Document(path, data, Loc(path, node.start_mark.line + 1, children))


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
