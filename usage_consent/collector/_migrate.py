"""Versioned schema migrations (Alembic, scripts in ``migrations/versions``): ``usage-consent
collector migrate`` and every ``serve`` bring a fresh or outdated database to the newest revision.
Instances starting together on one PostgreSQL migrate one at a time (an advisory lock)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from usage_consent.collector._db import Database, connect

__all__ = ["HEAD", "current_revision", "migrate"]

HEAD = "0001"
_SCRIPTS = Path(__file__).resolve().parent / "migrations"
_MIGRATION_LOCK = 0x75736167  # "usag": one migrating instance at a time per PostgreSQL database


def _config():  # -> alembic.config.Config
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    return config


def migrate(db: str | Database) -> tuple[str | None, str | None]:
    """Upgrade the database to the newest revision; returns (revision before, revision after)."""
    from alembic import command

    database = connect(db) if isinstance(db, str) else db
    config = _config()
    with database.write() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        before = _revision(conn)
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        after = _revision(conn)
    if isinstance(db, str):
        database.dispose()
    return before, after


def _revision(conn) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def current_revision(db: Database) -> str | None:
    with db.read() as conn:
        return _revision(conn)
