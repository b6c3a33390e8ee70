"""A report checked against its schema version in the process that records it.

A packaged schema's version is asked first of its generated check (``schemas/_packaged_checks.py``,
written ahead of time from the schema file by ``schemas/_plain_source.py``): a valid report is
accepted without reading the schema's JSON, compiling it or importing the plain validator (the
reporter asks ``packaged_check`` itself, and imports this module only for a report it refuses or a
host's schema). Otherwise (a report it does not accept, or a host's schema) the plain validator
(schemas/_plain_check.py) lists the problems where the version's schema is within its subset, so
that the process imports neither jsonschema nor json, re or pathlib; jsonschema
(``registry.problems``, imported then) does for a schema outside the subset or a report that is not
JSON data. Either way the answer is jsonschema's (``usage-consent schema check`` and the tests compare them).

A lane's thread imports none of our modules: the thread that makes a report calls
:func:`prepare` first, which imports the plain validator when the report will need it.
"""

from __future__ import annotations

from usage_consent.schemas._packaged_checks import packaged_check

TYPE_CHECKING = False  # not typing's: a process that records a report must not pay for it
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    from usage_consent.schemas._plain_check import PlainSchema

__all__ = ["plain_validator", "prepare", "read_schema", "report_problems"]


def read_schema(path: str) -> dict[str, Any]:
    """The schema document in the file at ``path``; SchemaError naming the file when it cannot be used."""
    from usage_consent._files.plainjson import loads
    from usage_consent.errors import SchemaError

    try:
        with open(path, encoding="utf-8") as file:
            data = loads(file.read())
    except (OSError, ValueError) as error:
        raise SchemaError(f"{path}: cannot be loaded: {error}", layer="schemas", path=path) from None
    if not isinstance(data, dict):
        raise SchemaError(f"{path}: not a JSON object", layer="schemas", path=path)
    return data


def prepare(payload: Any, name: str, version: object, root: Path | str | None) -> None:
    """On the thread that makes the report (not a lane's): import what checking ``payload`` will
    need beyond its generated check (the plain validator), so that the lane's thread imports nothing."""
    check = packaged_check(name, version, root)
    if check is None or not check(payload):
        import usage_consent.schemas._plain_check
        import usage_consent.schemas._versions  # noqa: F401


def plain_validator(name: str, version: int | None = None, root: Path | str | None = None) -> PlainSchema | None:
    """The compiled plain validator of one version (compiled once per process); None when its schema is
    outside the subset."""
    from usage_consent.schemas._versions import released_file

    return _compiled(released_file(name, version, root))


# Each schema file's compiled validator (None: outside the subset), compiled once per process. A dict,
# not functools.lru_cache: functools (with collections) costs a process that records one report more
# than compiling its schema.
_COMPILED: dict[str, PlainSchema | None] = {}


def _compiled(path: str) -> PlainSchema | None:
    from usage_consent._log import log
    from usage_consent.schemas._plain_check import NotPlain, compile_schema

    if path in _COMPILED:
        return _COMPILED[path]
    try:
        found: PlainSchema | None = compile_schema(read_schema(path))
    except NotPlain as why:
        log.debug("%s: reports are checked with jsonschema: %s", path, why.message)
        found = None
    if len(_COMPILED) >= 16:
        _COMPILED.clear()
    _COMPILED[path] = found
    return found


def report_problems(payload: Any, name: str, version: int | None = None, root: Path | str | None = None) -> list[str]:
    """Every way ``payload`` breaks version ``version`` of schema ``name``, as ``registry.problems()``
    says it: [] when the generated check accepts it, else the plain validator's problems when the
    schema compiles and the payload is JSON data, else jsonschema's."""
    check = packaged_check(name, version, root)
    if check is not None and check(payload):
        return []
    from usage_consent.schemas._plain_check import NotPlain

    plain = plain_validator(name, version, root)
    if plain is not None:
        try:
            return plain.problems(payload)
        except NotPlain:  # a tuple, a str subclass, a Decimal...: jsonschema judges those
            pass
    from pathlib import Path

    from usage_consent.schemas._registry import problems

    return problems(payload, name, version, None if root is None else Path(root))
