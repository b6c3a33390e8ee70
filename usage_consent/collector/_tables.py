"""The collector's tables. A client id is stored in ``reports`` and ``report_pairs`` only; a
deleted client leaves a salted hash in ``tombstones``; ``collector_meta`` holds the salt.
Changes to these tables are versioned migrations (``migrations/versions``), never ``create_all``."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Index, Integer, MetaData, String, Table, Text

__all__ = ["META", "SALT_KEY", "metadata", "report_pairs", "reports", "tombstones"]

SALT_KEY = "tombstone_salt"
metadata = MetaData()

reports = Table(
    "reports", metadata,
    Column("session_id", String(36), primary_key=True),
    Column("client_id", String(36), nullable=False, index=True),
    Column("schema_version", Integer, nullable=False),
    Column("received_ms", BigInteger, nullable=False, index=True),
    Column("body", Text, nullable=False),  # the report exactly as validated (compact JSON)
)

# One row per source -> destination of a report (a v2 report with three destinations: three rows),
# what the open map aggregates. client_id is here so that the map counts distinct clients.
report_pairs = Table(
    "report_pairs", metadata,
    Column("session_id", String(36), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("client_id", String(36), nullable=False, index=True),
    Column("received_ms", BigInteger, nullable=False),
    Column("source", String(48), nullable=False),
    Column("destination", String(48), nullable=False),
    Column("throughput_gbits", Float, nullable=True),
    Index("ix_report_pairs_window", "received_ms", "source", "destination"),
)

tombstones = Table(
    "tombstones", metadata,
    Column("client_hash", String(64), primary_key=True),  # sha256(salt + client_id), never the id
    Column("deleted_ms", BigInteger, nullable=False),
)

META = Table(
    "collector_meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
