"""Retention: raw reports older than ``retain_days`` are deleted, at start and then every
``retention_interval_s`` (a background task of the application)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy import delete

from usage_consent._run import now_ms
from usage_consent.collector._db import Database
from usage_consent.collector._tables import report_pairs, reports

__all__ = ["purge_expired", "run_periodically"]
log = logging.getLogger("usage_consent.collector")


def purge_expired(db: Database, retain_days: int, now: int | None = None) -> int:
    """Delete every report received more than ``retain_days`` ago; returns how many went."""
    cutoff = (now_ms() if now is None else now) - retain_days * 86_400_000
    with db.write() as conn:
        conn.execute(delete(report_pairs).where(report_pairs.c.received_ms < cutoff))
        return conn.execute(delete(reports).where(reports.c.received_ms < cutoff)).rowcount


async def run_periodically(db: Database, retain_days: int, interval_s: float,
                           counted: Callable[[int], None]) -> None:
    """Purge now, then every ``interval_s``, until cancelled; a failed run is logged and retried."""
    while True:
        try:
            counted(await asyncio.to_thread(purge_expired, db, retain_days))
        except Exception as error:  # the database may be briefly unreachable: try again next time
            log.warning("retention job failed: %s: %s", type(error).__name__, error)
        await asyncio.sleep(interval_s)
