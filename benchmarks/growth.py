"""decide() and `records list` with 10, 1,000 and 10,000 earlier sessions on disk: the decision
must not grow with the records (nothing scans them on the transfer's path); listing costs a
fixed amount per record, shown beside the floor (scandir + reading each status file)."""

from __future__ import annotations

import json
import os
import statistics
import time
import uuid

from benchmarks.common import Row, interleaved, mark_notice_shown, temp_home, write_config


def _plant(usage, count: int) -> None:
    client = os.path.join(usage, str(uuid.uuid4()))
    os.makedirs(client, mode=0o700)
    for index in range(count):
        folder = os.path.join(client, str(uuid.uuid4()))
        os.mkdir(folder, 0o700)
        for name, data in (("usage_stats.json", b"{}"),
                           ("status.json", json.dumps({"created_ms": index, "mode": "on"}).encode())):
            fd = os.open(os.path.join(folder, name), os.O_WRONLY | os.O_CREAT, 0o600)
            os.write(fd, data)
            os.close(fd)


def _floor(usage) -> int:
    """The least any listing must do: scandir every folder and read and parse each status file."""
    found = 0
    for client in os.scandir(usage):
        if client.name.startswith("."):
            continue
        for session in os.scandir(client.path):
            with open(os.path.join(session.path, "status.json"), "rb") as handle:
                json.loads(handle.read())
            found += 1
    return found


def run(quick: bool) -> list[Row]:
    from usage_consent.policy import decide
    from usage_consent.policy._load import embedded_policy
    from usage_consent.reporter._store import list_records

    counts = (10, 100) if quick else (10, 1_000, 10_000)
    decide_base = None
    rows = []
    for count in counts:
        with temp_home() as home:
            write_config(home, {"usage_stats": True})
            mark_notice_shown(home)
            _plant(home / "tmp" / "skyplane" / "usage", count)
            per_decide, _ = interleaved(decide, lambda: None, rounds=5 if quick else 15, calls=500)
            usage = home / "tmp" / "skyplane" / "usage"
            timings, floors = [], []
            for _ in range(3):
                started = time.perf_counter()
                assert len(list_records(embedded_policy())) == count
                timings.append(time.perf_counter() - started)
                started = time.perf_counter()
                assert _floor(usage) == count
                floors.append(time.perf_counter() - started)
            per_list, floor = statistics.median(timings), statistics.median(floors)
        decide_base = decide_base or per_decide
        rows.append(Row(f"decide() with {count} records on disk", per_decide * 1e6, decide_base * 1e6, "us/call",
                        note=f"baseline: decide() with {counts[0]} records"))
        rows.append(Row(f"records list with {count} records, per record", per_list / count * 1e6,
                        floor / count * 1e6, "us/record",
                        note=f"baseline: the floor (scandir + read each status file); {per_list * 1e3:.1f} ms in all"))
    return rows
