"""Turn pydantic validation errors into messages that name file, line, key and expectation."""

from __future__ import annotations

import difflib
import re
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.config.schema import schema_keys
from sim.config.yamlio import Loc, format_key, locate
from sim.errors import InputError

_MAX_LISTED = 5


def _describe(value: Any) -> str:
    if isinstance(value, dict | list):
        return "a mapping" if isinstance(value, dict) else "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _expected(err: dict[str, Any], model: type[BaseModel], keys: tuple[Any, ...]) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        allowed = schema_keys(model, keys[:-1]) or []
        near = difflib.get_close_matches(str(keys[-1]), allowed, n=1, cutoff=0.6) if keys else []
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        if allowed:
            return f"unknown key{hint}; expected one of: " + ", ".join(allowed)
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg.removeprefix("Value error, ")
    if msg.startswith("Input should be "):
        msg = "expected " + msg.removeprefix("Input should be ")
    elif msg.startswith("Input "):
        msg = "expected input " + msg.removeprefix("Input ")
    # the model's class names mean nothing to a user: say what to write
    msg = re.sub(
        r"a valid dictionary or instance of Range",
        "a range {low: .., central: .., high: ..}",
        msg,
    )
    msg = re.sub(r"a valid dictionary or instance of \w+", "a mapping", msg)
    if "got" not in msg and kind not in ("missing",) and "input" in err:
        msg += f", got {_describe(err['input'])}"
    value = err.get("input")
    if kind in _SCALAR_TYPES and isinstance(value, str) and _NUMBER_LIKE.search(value):
        msg += " (write a number without quotes, units or spaces, e.g. 0.5, 1500 or 5.0e8)"
    return msg


_NUMBER_LIKE = re.compile(r"^\s*[-+]?[0-9]")


def _is_type_error(kind: str) -> bool:
    return kind.endswith("_type") or kind in ("is_instance_of", "model_attributes_type")


_SCALAR_TYPES = frozenset({"float_type", "int_type", "string_type", "bool_type"})
_TAGS = frozenset({"str", "int", "float", "bool", "list", "dict", "none"})


def _is_tag(key: Any) -> bool:
    return isinstance(key, str) and (key in _TAGS or "[" in key or key[:1].isupper())


def _strip_tags(data: Any, keys: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop the union-member tags pydantic adds to a location (e.g. 'str', 'int')."""
    out: list[Any] = []
    here = data
    for key in keys:
        if isinstance(here, dict):
            if key in here:
                out.append(key)
                here = here[key]
            elif not _is_tag(key):  # a key that is missing (required) or unknown
                out.append(key)
                here = None
        elif isinstance(here, list) and isinstance(key, int):
            out.append(key)
            here = here[key] if 0 <= key < len(here) else None
        # below a scalar, what is left are union tags
    return tuple(out)


def to_input_error(exc: ValidationError, data: Any, loc: Loc, model: type[BaseModel]) -> InputError:
    """The first problem as an InputError; further problems follow on their own lines."""
    seen: dict[tuple[Any, ...], list[str]] = {}
    kinds_at: dict[tuple[Any, ...], list[str]] = {}
    errors = exc.errors(include_url=False)
    for err in errors:
        # a mapping given where a number or a mapping may stand: the number's complaint
        # ("expected a valid number") says nothing; keep what the mapping got wrong
        if err["type"] in _SCALAR_TYPES and isinstance(err.get("input"), dict):
            keys = _strip_tags(data, tuple(err["loc"]))
            if any(
                _strip_tags(data, tuple(e["loc"]))[: len(keys)] == keys
                and e["type"] not in _SCALAR_TYPES
                for e in errors
            ):
                continue
        keys = _strip_tags(data, tuple(err["loc"]))
        seen.setdefault(keys, []).append(_expected(err, model, keys))
        kinds_at.setdefault(keys, []).append(err["type"])
    for keys, kinds in kinds_at.items():
        # a union member that took the value but found it out of range says what is wrong;
        # the members whose type did not fit ("or a valid dictionary") only add noise
        if len(kinds) > 1 and not all(_is_type_error(k) for k in kinds):
            seen[keys] = [
                m for m, k in zip(seen[keys], kinds, strict=True) if not _is_type_error(k)
            ]
    items = []
    # an unknown key first: it is often a typo, and explains a "required key is missing"
    ordered = sorted(seen.items(), key=lambda kv: not any("unknown key" in m for m in kv[1]))
    for keys, messages in ordered:
        where = locate(loc, keys)
        # several members of a union failed at the same place: say them together
        if len(messages) > 1:
            kinds = [m.split(", got ")[0].removeprefix("expected ") for m in messages]
            got = messages[0].split(", got ", 1)[1] if ", got " in messages[0] else None
            message = "expected " + " or ".join(dict.fromkeys(kinds))
            if got:
                message += f", got {got}"
        else:
            message = messages[0]
        items.append((where, format_key(data, keys), message))
    (first_loc, first_key, first_msg), rest = items[0], items[1 : _MAX_LISTED + 1]
    for where, key, message in rest:
        first_msg += f"\n  also {where.file}:{where.line}: {key}: {message}"
    if len(items) > _MAX_LISTED + 1:
        first_msg += f"\n  ... and {len(items) - _MAX_LISTED - 1} more"
    return InputError(first_loc.file, first_msg, line=first_loc.line, key=first_key or None)
