"""The open map: per source -> destination, over the last ``days``, the transfers, the distinct
clients, and the median and 90th percentile of throughput — published only for pairs seen from
at least ``min_clients`` distinct clients (k-anonymity). Computed from the stored rows at each
request, so an accepted report counts at once."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from sqlalchemy import and_, func, select, tuple_

from usage_consent._run import now_ms
from usage_consent.collector._db import Database
from usage_consent.collector._tables import report_pairs as pairs

__all__ = ["open_map", "percentile"]


def percentile(ordered: list[float], fraction: float) -> float:
    """Linear interpolation between the closest ranks (PostgreSQL's percentile_cont)."""
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def open_map(db: Database, min_clients: int, days: int) -> dict[str, Any]:
    cutoff = now_ms() - days * 86_400_000
    window = pairs.c.received_ms >= cutoff
    counted = (select(pairs.c.source, pairs.c.destination, func.count().label("transfers"),
                      func.count(pairs.c.client_id.distinct()).label("clients"))
               .where(window).group_by(pairs.c.source, pairs.c.destination)
               .having(func.count(pairs.c.client_id.distinct()) >= min_clients))
    with db.read() as conn:
        rows = conn.execute(counted).all()
        keys = [(row.source, row.destination) for row in rows]
        speeds: dict[tuple[str, str], list[float]] = defaultdict(list)
        if keys:
            measured = (select(pairs.c.source, pairs.c.destination, pairs.c.throughput_gbits)
                        .where(and_(window, pairs.c.throughput_gbits.is_not(None),
                                    tuple_(pairs.c.source, pairs.c.destination).in_(keys))))
            for source, destination, speed in conn.execute(measured):
                speeds[(source, destination)].append(float(speed))
    found = []
    for row in rows:
        ordered = sorted(speeds.get((row.source, row.destination), []))
        found.append({"source": row.source, "destination": row.destination, "transfers": row.transfers,
                      "clients": row.clients,
                      "throughput_gbits_median": round(percentile(ordered, 0.5), 4) if ordered else None,
                      "throughput_gbits_p90": round(percentile(ordered, 0.9), 4) if ordered else None})
    found.sort(key=lambda pair: (-pair["transfers"], pair["source"], pair["destination"]))
    return {"min_clients": min_clients, "days": days, "pairs": found}
