"""What changed between two versions of a schema, field by field, each change said concretely
(values added or removed, type, optional or required, bounds, description), wrapped for a terminal."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["IGNORED", "WIDTH", "Field", "SchemaDiff", "diff", "fields", "wrap"]

WIDTH = 100
IGNORED = ("description", "title")
BOUNDS = ("minLength", "maxLength", "pattern", "format", "minimum", "maximum", "exclusiveMinimum",
          "exclusiveMaximum", "multipleOf", "minItems", "maxItems", "uniqueItems")
# Said on their own, by the nested fields' entries, or (a default) not a constraint on a report.
SAID = (*IGNORED, *BOUNDS, "type", "enum", "const", "anyOf", "$ref", "items", "properties", "required",
        "default")
VERSION_FIELD = "schema_version"  # its value changes with every version, by definition


@dataclass(frozen=True)
class Field:
    path: str
    description: str
    detail: str = ""


def wrap(text: str, width: int = WIDTH, indent: int = 4) -> list[str]:
    """``text`` as lines of at most ``width`` columns, continuation lines indented by ``indent``."""
    return textwrap.wrap(text, width, subsequent_indent=" " * indent, break_on_hyphens=False) or [""]


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s+(?=[A-Z])", text, maxsplit=1)[0]


@dataclass(frozen=True)
class SchemaDiff:
    added: list[Field] = field(default_factory=list)
    removed: list[Field] = field(default_factory=list)
    changed: list[Field] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def lines(self, width: int = WIDTH) -> list[str]:
        """One entry per field (``+`` added, ``-`` removed, ``~`` changed: what changed), each wrapped
        to ``width`` columns; an added or removed field's description is cut to its first sentence
        when the whole would not fit on one line."""
        out: list[str] = []
        for mark, entries in (("+", self.added), ("-", self.removed)):
            for entry in entries:
                text = f"  {mark} {entry.path}: {entry.description}"
                if len(text) > width:
                    text = f"  {mark} {entry.path}: {_first_sentence(entry.description)}"
                out += wrap(text, width)
        for entry in self.changed:
            out += wrap(f"  ~ {entry.path}: {entry.detail}", width)
        return out

    def summary(self) -> str:
        parts = []
        for label, entries in (("added", self.added), ("removed", self.removed), ("changed", self.changed)):
            if entries:
                parts.append(f"{label} " + ", ".join(f"`{f.path}`" for f in entries))
        return "; ".join(parts) or "no field changed"


def _target(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any] | None:
    """The object schema a property (or each item of a list property) points to, through $ref and
    an optional null, if any."""
    if node.get("type") == "array" and isinstance(node.get("items"), dict):
        node = node["items"]
    options = node.get("anyOf", [node])
    for option in options:
        ref = option.get("$ref", "")
        if ref.startswith("#/$defs/"):
            return schema.get("$defs", {}).get(ref.removeprefix("#/$defs/"))
        if option.get("type") == "object" and "properties" in option:
            return option
    return None


def _signature(node: dict[str, Any]) -> str:
    kept = {k: v for k, v in node.items() if k not in IGNORED}
    return json.dumps(kept, sort_keys=True)


def _walk(schema: dict[str, Any], node: dict[str, Any], prefix: str) -> Iterator[tuple[str, dict[str, Any], bool]]:
    """Every property as (dotted path, its schema, whether its parent requires it)."""
    required = node.get("required", [])
    for name, prop in node.get("properties", {}).items():
        yield f"{prefix}{name}", prop, name in required
        child = _target(schema, prop)
        if child is not None:
            yield from _walk(schema, child, f"{prefix}{name}.")


def fields(schema: dict[str, Any], node: dict[str, Any] | None = None, prefix: str = "") -> dict[str, tuple[str, str]]:
    """Every property, nested ones as dotted paths (``destinations.region`` for a list's items):
    path -> (description, signature)."""
    walked = _walk(schema, schema if node is None else node, prefix)
    return {path: (prop.get("description", ""), _signature(prop)) for path, prop, _ in walked}


@dataclass(frozen=True)
class _Shape:
    """What a value may be: its type, allowed values (None: any), whether null, bounds, items."""

    type: str | None
    values: tuple[Any, ...] | None
    nullable: bool
    bounds: dict[str, Any]
    items: _Shape | None
    other: str


def _type(node: dict[str, Any]) -> str | None:
    if "$ref" in node:
        return "object"
    named = node.get("type")
    named = [t for t in named if t != "null"] if isinstance(named, list) else [named] if named else []
    return " | ".join(named) or None


def _values(node: dict[str, Any]) -> tuple[Any, ...] | None:
    if "const" in node:
        return (node["const"],)
    if "enum" in node:
        return tuple(v for v in node["enum"] if v is not None)
    options = [_values(option) for option in node.get("anyOf", [])]
    if options and all(values is not None for values in options):
        return tuple(v for values in options for v in values or ())
    return None


def _nullable(node: dict[str, Any], options: list[dict[str, Any]], kept: list[dict[str, Any]]) -> bool:
    """Whether ``node`` allows null: a null alternative, null among its values, or "null" in its types."""
    named = node.get("type")
    return len(kept) < len(options) or None in node.get("enum", ()) or (isinstance(named, list) and "null" in named)


def _merged(node: dict[str, Any], kept: list[dict[str, Any]]) -> dict[str, Any]:
    """``node`` with its one non-null alternative folded in (or its non-null alternatives kept)."""
    merged = {k: v for k, v in node.items() if k != "anyOf"}
    if len(kept) == 1:
        merged.update(kept[0])
    elif kept:
        merged["anyOf"] = kept
    return merged


def _shape(node: dict[str, Any]) -> _Shape:
    options = [option for option in node.get("anyOf", []) if isinstance(option, dict)]
    kept = [option for option in options if option.get("type") != "null"]
    merged = _merged(node, kept)
    alternatives = merged.get("anyOf", [])
    kind = " | ".join(dict.fromkeys(t for t in map(_type, alternatives) if t)) or _type(merged)
    values = _values(merged)
    other = {k: v for k, v in merged.items() if k not in SAID}
    if alternatives and values is None:
        other["anyOf"] = alternatives
    items = merged.get("items")
    return _Shape(kind, values, _nullable(node, options, kept), {k: merged[k] for k in BOUNDS if k in merged},
                  _shape(items) if isinstance(items, dict) else None, json.dumps(other, sort_keys=True))


def _show(values: Any) -> str:
    if values is None:
        return "none"
    if isinstance(values, tuple | list):
        return ", ".join(map(_show, values))
    return values if isinstance(values, str) else json.dumps(values)


def _optional(absent: tuple[bool, bool], null: tuple[bool, bool], label: str) -> list[str]:
    """Became optional or required: absent allowed (the parent's ``required``), null allowed."""
    before, after = absent[0] or null[0], absent[1] or null[1]
    if not label and before != after:
        how = " or ".join(word for word, now in (("absent", absent[1]), ("null", null[1])) if now)
        return [f"now optional (may be {how})" if after else "now required"]
    return [f"{label}may {'now' if new else 'no longer'} be {word}"
            for word, (old, new) in (("absent", absent), ("null", null)) if old != new]


def _changes(old: _Shape, new: _Shape, absent: tuple[bool, bool], label: str = "") -> list[str]:
    said = [f"{label}type {old.type or 'any'} -> {new.type or 'any'}"] if old.type != new.type else []
    if new.values is None and old.values is not None:
        said.append(f"{label}any value allowed (was one of: {_show(old.values)})")
    elif old.values is None and new.values is not None:
        said.append(f"{label}values limited to: {_show(new.values)}")
    elif old.values is not None and new.values is not None:
        for verb, one, other in (("added", new.values, old.values), ("removed", old.values, new.values)):
            if extra := [v for v in one if v not in other]:
                said.append(f"{label}values {verb}: {_show(extra)}")
    said += _optional(absent, (old.nullable, new.nullable), label)
    said += [f"{label}{key} {_show(old.bounds.get(key))} -> {_show(new.bounds.get(key))}"
             for key in BOUNDS if old.bounds.get(key) != new.bounds.get(key)]
    if old.items is not None and new.items is not None:
        said += _changes(old.items, new.items, (False, False), label + "item ")
    if old.other != new.other:
        said.append(f"{label}other constraints changed")
    return said


def diff(old: dict[str, Any], new: dict[str, Any]) -> SchemaDiff:
    """Fields added, removed and changed from old to new; a changed field's detail says what
    changed (values, type, optional or required, bounds, description), joined by "; "."""
    before = {path: (prop, required) for path, prop, required in _walk(old, old, "")}
    after = {path: (prop, required) for path, prop, required in _walk(new, new, "")}
    result = SchemaDiff()
    for path, (prop, required) in after.items():
        description = prop.get("description", "")
        if path not in before:
            result.added.append(Field(path, description))
            continue
        was, was_required = before[path]
        said = [] if path == VERSION_FIELD else _changes(_shape(was), _shape(prop), (not was_required, not required))
        if was.get("description", "") != description:
            said.append("description reworded")
        if said:
            result.changed.append(Field(path, description, "; ".join(said)))
    result.removed.extend(Field(path, prop.get("description", "")) for path, (prop, _) in before.items()
                          if path not in after)
    return result
