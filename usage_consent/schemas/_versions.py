"""Which versions of a usage-stats schema are released: ``<root>/<name>/v<N>.json``.

This module only lists files; it imports no JSON Schema machinery, so the consent
decision can ask for the current version cheaply.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from usage_consent.errors import SchemaError

__all__ = ["PACKAGE_ROOT", "VERSION_FILE", "current_version", "list_versions", "schema_dir"]

PACKAGE_ROOT = Path(__file__).resolve().parent
VERSION_FILE = re.compile(r"^v([1-9][0-9]*)\.json$")


def schema_dir(name: str, root: Path | None = None) -> Path:
    return (root or PACKAGE_ROOT) / name


def list_versions(name: str, root: Path | None = None) -> list[int]:
    """The released version numbers of schema ``name``, ascending."""
    folder = schema_dir(name, root)
    try:
        entries = [entry.name for entry in folder.iterdir()]
    except OSError:
        entries = []
    found = sorted(int(m.group(1)) for e in entries if (m := VERSION_FILE.match(e)))
    if not found:
        raise SchemaError(
            f"{folder}: no released versions of schema {name!r} (expected files v1.json, v2.json, ...)",
            layer="schemas", path=str(folder), key=name,
        )
    return found


@lru_cache(maxsize=16)
def _current_in_package(name: str) -> int:
    return list_versions(name)[-1]


def current_version(name: str, root: Path | None = None) -> int:
    """The newest released version of ``name`` (cached for the installed package)."""
    return _current_in_package(name) if root is None else list_versions(name, root)[-1]
