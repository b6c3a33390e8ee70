"""What changed between two versions of a schema, field by field, with each field's description."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

IGNORED = ("description", "title")


@dataclass(frozen=True)
class Field:
    path: str
    description: str
    detail: str = ""


@dataclass(frozen=True)
class SchemaDiff:
    added: list[Field] = field(default_factory=list)
    removed: list[Field] = field(default_factory=list)
    changed: list[Field] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def lines(self) -> list[str]:
        out = [f"  + {f.path}: {f.description}" for f in self.added]
        out += [f"  - {f.path}: {f.description}" for f in self.removed]
        out += [f"  ~ {f.path}: {f.description}" + (f" ({f.detail})" if f.detail else "") for f in self.changed]
        return out

    def summary(self) -> str:
        parts = []
        for label, fields in (("added", self.added), ("removed", self.removed), ("changed", self.changed)):
            if fields:
                parts.append(f"{label} " + ", ".join(f"`{f.path}`" for f in fields))
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


def fields(schema: dict[str, Any], node: dict[str, Any] | None = None, prefix: str = "") -> dict[str, tuple[str, str]]:
    """Every property, nested ones as dotted paths (``destinations.region`` for a list's items):
    path -> (description, signature)."""
    node = schema if node is None else node
    found: dict[str, tuple[str, str]] = {}
    for name, prop in node.get("properties", {}).items():
        path = f"{prefix}{name}"
        found[path] = (prop.get("description", ""), _signature(prop))
        child = _target(schema, prop)
        if child is not None:
            found.update(fields(schema, child, path + "."))
    return found


def diff(old: dict[str, Any], new: dict[str, Any]) -> SchemaDiff:
    """Fields added, removed and changed (type, bounds, value set or description) from old to new."""
    before, after = fields(old), fields(new)
    result = SchemaDiff()
    for path, (description, signature) in after.items():
        if path not in before:
            result.added.append(Field(path, description))
        elif before[path][1] != signature and path != "schema_version":
            result.changed.append(Field(path, description, "type, bounds or allowed values"))
        elif before[path][0] != description:
            result.changed.append(Field(path, description, f"was: {before[path][0]}"))
    result.removed.extend(Field(path, before[path][0]) for path in before if path not in after)
    return result
