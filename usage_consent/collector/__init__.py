"""The other end: a collector that accepts exactly what a notice named, honours deletion by
itself, and publishes the open map. ``pip install 'usage-consent[collector]'``.

    usage-consent collector serve --db sqlite:///usage.sqlite3     # or postgresql://user@host/db
    usage-consent collector migrate --db postgresql://...

Importing this package loads nothing heavy: FastAPI, SQLAlchemy and uvicorn load when an
application is built or a command runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from usage_consent.collector._app import create_app
    from usage_consent.collector._migrate import migrate
    from usage_consent.collector._serve import serve
    from usage_consent.collector._settings import CollectorSettings

__all__ = ["CollectorSettings", "create_app", "migrate", "serve"]
_WHERE = {"CollectorSettings": "_settings", "create_app": "_app", "migrate": "_migrate", "serve": "_serve"}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'usage_consent.collector' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"usage_consent.collector.{_WHERE[name]}"), name)
