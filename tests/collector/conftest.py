"""Collector fixtures: a database per test on every backend (SQLite always; PostgreSQL when
USAGE_CONSENT_TEST_PG_URL names a server: a fresh database is created for the test and dropped
after), a real collector serving on 127.0.0.1, and valid reports to send it."""

from __future__ import annotations

import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

PG_ENV = "USAGE_CONSENT_TEST_PG_URL"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a new PostgreSQL database (skipped without a server)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'collector.sqlite3'}"
        return
    admin = os.environ.get(PG_ENV)
    if not admin:
        pytest.skip(f"PostgreSQL: set {PG_ENV} to a server's URL (.ci/run starts one)")
    import psycopg

    name = f"uc_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    base = admin.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@dataclass
class Running:
    """A collector serving in this process (its own thread and event loop)."""

    url: str
    db_url: str
    server: Any
    thread: threading.Thread

    def database(self) -> Any:
        """A connection pool to the collector's database (dispose() it)."""
        from usage_consent.collector._db import connect

        return connect(self.db_url)

    def count(self, table: str) -> int:
        from sqlalchemy import text

        db = self.database()
        try:
            with db.read() as conn:
                return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
        finally:
            db.dispose()

    def every_value(self) -> str:
        """Every value of every table, as text (to show an id is in none)."""
        from sqlalchemy import MetaData, select

        db = self.database()
        try:
            tables = MetaData()
            tables.reflect(db.engine)
            with db.read() as conn:
                return "\n".join(repr(row) for table in tables.sorted_tables for row in conn.execute(select(table)))
        finally:
            db.dispose()

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def start_collector(db_url: str) -> Iterator[Callable[..., Running]]:
    """Start a collector on this test's database (settings as keywords); stopped after the test."""
    from usage_consent.collector import CollectorSettings
    from usage_consent.collector._serve import server as make_server

    started: list[Running] = []

    def start(**settings: Any) -> Running:
        chosen = replace(CollectorSettings(db_url=db_url, port=0), **settings)
        server = make_server(chosen)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the collector did not start"
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        running = Running(f"http://127.0.0.1:{port}", db_url, server, thread)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def collector(start_collector: Callable[..., Running]) -> Running:
    """A collector with the default settings (k = 5)."""
    return start_collector()


@pytest.fixture
def chromium() -> str:
    """The OS's Chromium (CI installs it); the test is skipped when it is not installed here."""
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium (.ci/run does)")
    return CHROMIUM
