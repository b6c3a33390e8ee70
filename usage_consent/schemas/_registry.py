"""Released schema versions: load, fingerprint, and the compiled validators of each version.

``problems()`` is jsonschema's answer, the authority (the collector's, and ``schema check``'s): its
validator is built once per version with an explicit ``referencing`` registry (no ``$ref`` can reach
the network) and format checking; ``jsonschema`` is imported here only, when it first validates.
``report_problems()`` is the reporter's: the same answer from the plain validator
(schemas/_plain_check.py) when the version's schema is within its subset, so that a process that
records a report does not import jsonschema; from ``problems()`` otherwise.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from usage_consent._log import log
from usage_consent.errors import SchemaError
from usage_consent.schemas._versions import current_version, list_versions, schema_dir

if TYPE_CHECKING:
    from usage_consent.schemas._plain_check import PlainSchema

__all__ = ["load", "plain_validator", "problems", "reference_problems", "reference_validator", "report_problems",
           "schema_fingerprint", "validator"]


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
    schema = _load(path)
    return reference_validator(schema, schema.get("$id", path.as_uri()))


def reference_validator(schema: dict[str, Any], uri: str) -> Any:
    """jsonschema's validator of ``schema`` (known as ``uri``): draft 2020-12, with an explicit
    registry (no ``$ref`` can reach the network) and format checking."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resource = Resource.from_contents(schema, default_specification=DRAFT202012)
    registry = Registry().with_resource(uri, resource)
    return Draft202012Validator(schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)


def validator(name: str, version: int | None = None, root: Path | None = None) -> Any:
    """The compiled, cached validator of one version."""
    return _validator(_version_path(name, version, root))


def problems(payload: Any, name: str, version: int | None = None, root: Path | None = None) -> list[str]:
    """Every way ``payload`` breaks the schema, each naming the field: [] when it is valid (jsonschema's
    answer)."""
    return reference_problems(validator(name, version, root), payload)


def reference_problems(checker: Any, payload: Any) -> list[str]:
    """Every error jsonschema's ``checker`` finds in ``payload``, as ``"<dotted path>: <message>"``, sorted."""
    from jsonschema.exceptions import best_match

    found = []
    for raised in checker.iter_errors(payload):
        error = raised
        if raised.context:  # anyOf (an optional object): say what is wrong inside, not "not valid under any"
            error = best_match(e for e in raised.context if e.validator != "type") or raised
        where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        found.append(f"{where}: {error.message[:200]}")
    return sorted(found)


@lru_cache(maxsize=16)
def _plain(path: Path) -> PlainSchema | None:
    from usage_consent.schemas._plain_check import NotPlain, compile_schema

    try:
        return compile_schema(_load(path))
    except NotPlain as why:
        log.debug("%s: reports are checked with jsonschema: %s", path, why.message)
        return None


def plain_validator(name: str, version: int | None = None, root: Path | None = None) -> PlainSchema | None:
    """The compiled, cached plain validator of one version; None when its schema is outside the subset."""
    return _plain(_version_path(name, version, root))


def report_problems(payload: Any, name: str, version: int | None = None, root: Path | None = None) -> list[str]:
    """``problems()``, from the plain validator when the version's schema compiles and the payload is
    JSON data (no jsonschema import), else from jsonschema."""
    from usage_consent.schemas._plain_check import NotPlain

    plain = plain_validator(name, version, root)
    if plain is not None:
        try:
            return plain.problems(payload)
        except NotPlain:  # a tuple, a str subclass, a Decimal...: jsonschema judges those
            pass
    return problems(payload, name, version, root)
