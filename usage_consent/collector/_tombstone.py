"""Deletion honoured by the collector itself: every row of a client goes, and a tombstone stays —
``sha256(salt + client_id)``, the salt generated once (by the first migration) and kept in the
database, so a late retry from that id is refused while the id itself is stored nowhere."""

from __future__ import annotations

import hashlib

from sqlalchemy import delete, select

from usage_consent._run import now_ms
from usage_consent.collector._db import Database, insert_if_absent, lock_client
from usage_consent.collector._tables import META, SALT_KEY, report_pairs, reports, tombstones

__all__ = ["client_hash", "delete_client", "read_salt"]


def client_hash(salt: str, client_id: str) -> str:
    return hashlib.sha256(f"{salt}:{client_id}".encode()).hexdigest()


def read_salt(db: Database) -> str:
    with db.read() as conn:
        salt = conn.execute(select(META.c.value).where(META.c.key == SALT_KEY)).scalar()
    if not salt:
        raise RuntimeError("collector_meta has no tombstone salt: run `usage-consent collector migrate`")
    return str(salt)


def delete_client(db: Database, salt: str, client_id: str) -> int:
    """Delete every stored report of ``client_id`` and keep its tombstone; returns how many
    reports went (0 for an id never seen or deleted before)."""
    hashed = client_hash(salt, client_id)
    with db.write() as conn:
        lock_client(conn, hashed)
        insert_if_absent(conn, tombstones, {"client_hash": hashed, "deleted_ms": now_ms()})
        conn.execute(delete(report_pairs).where(report_pairs.c.client_id == client_id))
        return conn.execute(delete(reports).where(reports.c.client_id == client_id)).rowcount
