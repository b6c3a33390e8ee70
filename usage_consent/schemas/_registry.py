"""Released schema versions: load, fingerprint, and the compiled validators of each version.

``problems()`` is jsonschema's answer, the authority (the collector's, and ``schema check``'s): its
validator is built once per version with an explicit ``referencing`` registry (no ``$ref`` can reach
the network) and format checking; ``jsonschema`` is imported here only, when it first validates.
The reporter asks ``schemas/_report_check.py`` instead: the same answer from the plain validator
when the version's schema is within its subset, so that a process recording a report does not
import jsonschema.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from usage_consent.schemas._report_check import read_schema
from usage_consent.schemas._versions import released_file

__all__ = ["load", "problems", "reference_problems", "reference_validator", "schema_fingerprint", "validator"]


@lru_cache(maxsize=64)
def _load(path: Path) -> dict[str, Any]:
    return read_schema(str(path))


def load(name: str, version: int | None = None, root: Path | None = None) -> dict[str, Any]:
    """Version ``version`` of schema ``name`` (the current one when None)."""
    return _load(_version_path(name, version, root))


def _version_path(name: str, version: int | None, root: Path | None) -> Path:
    return Path(released_file(name, version, root))


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

