"""Turning the UsageStatsToReport model into a released JSON Schema document, and back to bytes."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from usage_consent.errors import SchemaError

if TYPE_CHECKING:  # pydantic is imported where a model is loaded: reading a released schema never needs it
    from pydantic import BaseModel

__all__ = ["DEFAULT_MODEL", "DRAFT", "build_schema", "canonical", "dump", "fingerprint", "load_model", "schema_id"]

DRAFT = "https://json-schema.org/draft/2020-12/schema"
DEFAULT_MODEL = "usage_consent.schemas._model:UsageStatsToReport"


def schema_id(name: str, version: int) -> str:
    return f"urn:usage-consent:{name}:v{version}"


def build_schema(model: type[BaseModel], name: str, version: int) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that releases ``model`` as version ``version`` of ``name``."""
    generated = model.model_json_schema(ref_template="#/$defs/{model}")
    schema = {"$schema": DRAFT, "$id": schema_id(name, version), **generated}
    schema["properties"]["schema_version"] = {
        **schema["properties"]["schema_version"], "const": version,
    }
    _bound_closed_strings(schema)
    return schema


def _bound_closed_strings(node: Any) -> None:
    """Give a string that is a closed set of codes the maxLength of its longest code, so that
    every string in a released schema is bounded in the schema itself."""
    if isinstance(node, dict):
        codes = node.get("enum") if node.get("type") == "string" else None
        if codes and "maxLength" not in node:
            node["maxLength"] = max(len(code) for code in codes)
        for value in node.values():
            _bound_closed_strings(value)
    elif isinstance(node, list):
        for value in node:
            _bound_closed_strings(value)


def canonical(schema: dict[str, Any]) -> str:
    return json.dumps(schema, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(schema: dict[str, Any]) -> str:
    """A hash of the canonical JSON: equal documents, equal fingerprints."""
    return "sha256:" + hashlib.sha256(canonical(schema).encode("utf-8")).hexdigest()


def dump(schema: dict[str, Any]) -> str:
    """The bytes a released version file holds."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def load_model(reference: str = DEFAULT_MODEL, *, given_as: str = "--model",
               base: type[BaseModel] | None = None) -> type[BaseModel]:
    """``module:Class`` or ``path/to/file.py:Class``: the model to release (a module is looked for in
    the current folder too, as ``python -m`` does). It must hold every field the library fills in
    (``usage_consent.BaseReport``'s); with ``base``, it must subclass it. ``given_as`` names where the
    reference was written, for the error."""
    where, _, attribute = reference.rpartition(":")
    if not where or not attribute:
        raise SchemaError(f"{given_as} {reference!r}: expected MODULE:CLASS or FILE.py:CLASS", value=reference)
    try:
        if where.endswith(".py"):
            spec = importlib.util.spec_from_file_location(f"_usage_consent_model_{Path(where).stem}", where)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load {where}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module  # so that postponed annotations resolve
            spec.loader.exec_module(module)
        else:
            module = _import_here(where)
        model = getattr(module, attribute)
    except (ImportError, OSError, AttributeError, SyntaxError) as error:
        raise SchemaError(f"{given_as} {reference!r}: cannot be imported: {error}", value=reference) from None
    except Exception as error:  # the host's module failed while being imported
        raise SchemaError(f"{given_as} {reference!r}: importing it raised {type(error).__name__}: {error}",
                          value=reference) from None
    from pydantic import BaseModel

    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise SchemaError(f"{given_as} {reference!r}: not a pydantic model", value=reference)
    if base is not None and not issubclass(model, base):
        raise SchemaError(f"{given_as} {reference!r}: not a subclass of usage_consent.{base.__name__}",
                          value=reference)
    from usage_consent.schemas._base_report import missing_library_fields

    missing = missing_library_fields(model)
    if missing:
        names = ", ".join(repr(name) for name in missing)
        raise SchemaError(f"{given_as} {reference!r}: lacks the field(s) usage-consent fills in: {names}; "
                          "subclass usage_consent.BaseReport", value=reference, key=missing[0])
    try:
        model.model_json_schema()
    except Exception as error:  # a model pydantic cannot turn into a schema
        raise SchemaError(f"{given_as} {reference!r}: no JSON Schema can be made: {error}",
                          value=reference) from None
    return model


def _import_here(name: str) -> Any:
    """``import_module(name)``, with the current folder searched first, as ``python -m`` does (a host's
    model is released from its project folder before the host is installed)."""
    here = os.getcwd()
    added = here not in sys.path
    if added:
        sys.path.insert(0, here)
    try:
        return importlib.import_module(name)
    finally:
        if added:
            sys.path.remove(here)
