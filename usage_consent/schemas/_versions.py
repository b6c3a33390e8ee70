"""Which versions of a usage-stats schema are released: ``<root>/<name>/v<N>.json``.

This module only lists files; it imports no JSON Schema machinery, nor re or pathlib, so that the
consent decision and a session can ask for the current version cheaply. A folder may
be given as a ``Path`` or a ``str``; ``schema_dir`` and ``PACKAGE_ROOT`` are Paths (pathlib is
imported when they are asked for).
"""

from __future__ import annotations

import os

from usage_consent._locations import PACKAGED_SCHEMAS
from usage_consent.errors import SchemaError

TYPE_CHECKING = False  # not typing's: a process that records a report must not pay for it
if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["PACKAGE_DIR", "current_version", "list_versions", "released_file", "schema_dir",
           "schema_folder", "version_file", "version_of"]

PACKAGE_DIR = PACKAGED_SCHEMAS  # the packaged schemas' folder (_locations.py)


def __getattr__(name: str) -> Path:
    if name == "PACKAGE_ROOT":  # the packaged schemas' folder as a Path (also public, beside __all__)
        from pathlib import Path

        return Path(PACKAGE_DIR)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def version_of(file_name: str) -> int | None:
    """N for a file named ``v<N>.json`` (N a positive integer written without leading zeros), else None."""
    digits = file_name[1:-5] if file_name.startswith("v") and file_name.endswith(".json") else ""
    if not (digits.isascii() and digits.isdigit()) or digits.startswith("0"):
        return None
    return int(digits)


def schema_folder(name: str, root: Path | str | None = None) -> str:
    return os.path.join(PACKAGE_DIR if root is None else os.fspath(root), name)


def schema_dir(name: str, root: Path | str | None = None) -> Path:
    from pathlib import Path

    return Path(schema_folder(name, root))


def version_file(name: str, version: int, root: Path | str | None = None) -> str:
    """Where version ``version`` of ``name`` is (or would be) released."""
    return os.path.join(schema_folder(name, root), f"v{version}.json")


def list_versions(name: str, root: Path | str | None = None) -> list[int]:
    """The released version numbers of schema ``name``, ascending."""
    folder = schema_folder(name, root)
    try:
        entries = os.listdir(folder)
    except OSError:
        entries = []
    found = sorted(version for entry in entries if (version := version_of(entry)) is not None)
    if not found:
        raise SchemaError(
            f"{folder}: no released versions of schema {name!r} (expected files v1.json, v2.json, ...)",
            layer="schemas", path=folder, key=name,
        )
    return found


def current_version(name: str, root: Path | str | None = None) -> int:
    """The newest released version of ``name`` (remembered for the installed package)."""
    return _current_in_package(name) if root is None else list_versions(name, root)[-1]


_CURRENT: dict[str, int] = {}  # the packaged schemas' current versions (not functools': see _report_check)


def _current_in_package(name: str) -> int:
    if name not in _CURRENT:
        _CURRENT[name] = list_versions(name)[-1]
    return _CURRENT[name]


def released_file(name: str, version: int | None = None, root: Path | str | None = None) -> str:
    """The file of version ``version`` of ``name`` (the current one when None); SchemaError when that
    version is not released."""
    version = current_version(name, root) if version is None else version
    path = version_file(name, version, root)
    if not os.path.isfile(path):
        raise SchemaError(
            f"schema {name!r} has no version {version}; released: {list_versions(name, root)}",
            layer="schemas", key=name, value=version,
        )
    return path
