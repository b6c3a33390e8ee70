"""What an operator watches: counters of this instance (reports accepted, refused by reason,
deletions and reports deleted) and two gauges read from the database (reports stored,
tombstones), as Prometheus text."""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import func, select

from usage_consent.collector._db import Database
from usage_consent.collector._tables import reports, tombstones

__all__ = ["Metrics"]


class Metrics:
    """Counters of one collector instance (kept on its application, not in a module)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.accepted = 0
        self.duplicates = 0
        self.refused: Counter[str] = Counter()
        self.deletions = 0
        self.deleted_reports = 0
        self.expired_reports = 0

    def add(self, name: str, amount: int = 1) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + amount)

    def refuse(self, reason: str) -> None:
        with self._lock:
            self.refused[reason] += 1

    def text(self, db: Database) -> str:
        with db.read() as conn:
            stored = conn.execute(select(func.count()).select_from(reports)).scalar_one()
            buried = conn.execute(select(func.count()).select_from(tombstones)).scalar_one()
        lines: list[str] = []

        def metric(name: str, kind: str, help_text: str, samples: list[tuple[str, int]]) -> None:
            lines.extend([f"# HELP usage_collector_{name} {help_text}", f"# TYPE usage_collector_{name} {kind}"])
            lines.extend(f"usage_collector_{name}{labels} {value}" for labels, value in samples)

        with self._lock:
            metric("reports_accepted_total", "counter", "Reports stored.", [("", self.accepted)])
            metric("reports_duplicate_total", "counter", "Retries of a stored session, answered like the first.",
                   [("", self.duplicates)])
            metric("reports_refused_total", "counter", "Requests refused, by reason.",
                   [(f'{{reason="{reason}"}}', count) for reason, count in sorted(self.refused.items())])
            metric("deletion_requests_total", "counter", "DELETE /v1/clients/{id} answered.", [("", self.deletions)])
            metric("reports_deleted_total", "counter", "Reports deleted on request.", [("", self.deleted_reports)])
            metric("reports_expired_total", "counter", "Reports deleted by the retention job.",
                   [("", self.expired_reports)])
        metric("reports_stored", "gauge", "Reports in the database.", [("", stored)])
        metric("tombstones", "gauge", "Deleted clients remembered by salted hash.", [("", buried)])
        return "\n".join(lines) + "\n"
