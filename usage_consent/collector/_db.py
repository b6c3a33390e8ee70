"""The database: one engine per application, SQLite (the embedded default) or PostgreSQL, and
the few things the two dialects do differently (serialising one client's writes, insert-if-absent).

SQLite: WAL; a write transaction is ``BEGIN IMMEDIATE`` (one writer at a time, so a deletion and a
report of the same client never interleave), and the writers of one process take turns on a lock
first (waiting on a lock is free; SQLite's busy handler sleeps). PostgreSQL: a transaction-scoped
advisory lock per client (a hash of its id) serialises that client's writes across instances."""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, Table, create_engine, event, text
from sqlalchemy.engine import Connection, make_url

from usage_consent.errors import ConsentValueError

__all__ = ["Database", "connect", "insert_if_absent", "lock_client", "normalized_url"]


def normalized_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3; ``sqlite:///PATH`` as it is."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    if url.startswith(("sqlite://", "postgresql+psycopg://")):
        return url
    raise ConsentValueError(f"collector: --db must be sqlite:///PATH or postgresql://...; got {url!r}",
                            layer="collector", key="--db", value=url,
                            accepted="sqlite:///PATH, postgresql://USER@HOST/DB")


class Database:
    """The engine, and how to open a read or a write transaction on it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._writers = threading.Lock() if self.dialect == "sqlite" else None

    def read(self) -> Connection:
        """A connection for reading (``with db.read() as conn``)."""
        return self.engine.connect()

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction, committed when the block ends without an exception."""
        with self._writers or contextlib.nullcontext(), self.engine.connect() as conn:
            conn.execution_options(immediate=True)
            with conn.begin():
                yield conn

    def dispose(self) -> None:
        self.engine.dispose()


def connect(url: str) -> Database:
    url = normalized_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_setup)
        event.listen(engine, "begin", _sqlite_begin)
        return Database(engine)
    return Database(create_engine(url, pool_size=8, max_overflow=8, pool_pre_ping=True))


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("immediate") else "BEGIN")


def _sqlite_setup(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN IMMEDIATE
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000"):
        dbapi_connection.execute(f"PRAGMA {pragma}")


def lock_client(conn: Connection, client_hash: str) -> None:
    """Serialise, until the transaction ends, every write about this client (PostgreSQL; SQLite's
    BEGIN IMMEDIATE already serialises all writes)."""
    if conn.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(client_hash.encode()).digest()[:8], "big", signed=True)
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def insert_if_absent(conn: Connection, table: Table, row: dict[str, Any]) -> bool:
    """Insert ``row`` unless its primary key is taken (also against a concurrent insert); True when inserted."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement: Any = pg_insert(table).values(row).on_conflict_do_nothing()
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(table).values(row).on_conflict_do_nothing()
    key = next(iter(table.primary_key.columns))
    return conn.execute(statement.returning(key)).first() is not None
