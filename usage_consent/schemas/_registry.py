"""Released schema versions: load, fingerprint, and one compiled validator per version.

The validator is built once per version with an explicit ``referencing`` registry (no
``$ref`` can reach the network) and format checking. ``jsonschema`` is imported here only,
when the first payload is validated.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from usage_consent.errors import SchemaError
from usage_consent.schemas._versions import current_version, list_versions, schema_dir

__all__ = ["load", "problems", "schema_fingerprint", "validator"]


@lru_cache(maxsize=64)
def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SchemaError(f"{path}: cannot be loaded: {error}", layer="schemas", path=str(path)) from None
    if not isinstance(data, dict):
        raise SchemaError(f"{path}: not a JSON object", layer="schemas", path=str(path))
    return data


def load(name: str, version: int | None = None, root: Path | None = None) -> dict[str, Any]:
    """Version ``version`` of schema ``name`` (the current one when None)."""
    return _load(_version_path(name, version, root))


def _version_path(name: str, version: int | None, root: Path | None) -> Path:
    version = current_version(name, root) if version is None else version
    path = schema_dir(name, root) / f"v{version}.json"
    if not path.is_file():
        raise SchemaError(
            f"schema {name!r} has no version {version}; released: {list_versions(name, root)}",
            layer="schemas", key=name, value=version,
        )
    return path


def schema_fingerprint(name: str, version: int | None = None, root: Path | None = None) -> str:
    from usage_consent.schemas._build import fingerprint  # pydantic: not loaded to validate a report

    return fingerprint(load(name, version, root))


@lru_cache(maxsize=16)
def _validator(path: Path) -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    schema = _load(path)
    resource = Resource.from_contents(schema, default_specification=DRAFT202012)
    registry = Registry().with_resource(schema.get("$id", path.as_uri()), resource)
    return Draft202012Validator(schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)


def validator(name: str, version: int | None = None, root: Path | None = None) -> Any:
    """The compiled, cached validator of one version."""
    return _validator(_version_path(name, version, root))


def problems(payload: Any, name: str, version: int | None = None, root: Path | None = None) -> list[str]:
    """Every way ``payload`` breaks the schema, each naming the field: [] when it is valid."""
    from jsonschema.exceptions import best_match

    found = []
    for raised in validator(name, version, root).iter_errors(payload):
        error = raised
        if raised.context:  # anyOf (an optional object): say what is wrong inside, not "not valid under any"
            error = best_match(e for e in raised.context if e.validator != "type") or raised
        where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        found.append(f"{where}: {error.message[:200]}")
    return sorted(found)
