"""Shared pieces: a private HOME and TMPDIR, timing helpers, and the result rows."""

from __future__ import annotations

import contextlib
import json
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

CONSENT_VARIABLES = ("SKYPLANE_USAGE_STATS_ENABLED", "DO_NOT_TRACK")


@dataclass
class Row:
    name: str
    ours: float
    baseline: float | None
    unit: str
    target: float | None = None
    note: str = ""
    paired_ratio: float | None = None  # the median of run-by-run ratios, where runs come in pairs

    @property
    def ratio(self) -> float | None:
        if self.paired_ratio is not None:
            return self.paired_ratio
        return self.ours / self.baseline if self.baseline else None

    @property
    def meets_target(self) -> bool | None:
        if self.target is None:
            return None
        value = self.ours if self.baseline is None and self.paired_ratio is None else self.ratio
        return value is not None and value <= self.target

    def to_dict(self) -> dict:
        return {**asdict(self), "ratio": self.ratio, "meets_target": self.meets_target}


@contextlib.contextmanager
def temp_home() -> Iterator[Path]:
    """A fresh HOME and TMPDIR for this process, restored afterwards (the testing helper's)."""
    from usage_consent.testing import isolated_home

    with isolated_home() as root:
        yield root


def write_config(home: Path, data: dict) -> Path:
    path = home / ".skyplane" / "config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2))
    return path


def mark_notice_shown(home: Path) -> None:
    from usage_consent.policy._state import StateFile
    from usage_consent.schemas._versions import current_version

    StateFile(str(home / ".skyplane" / "usage_stats_state.json")).record_notice(
        "usage_stats", current_version("usage_stats"), "sha256:bench", "benchmark")


def per_call(function: Callable[[], object], calls: int) -> float:
    """Seconds per call over one batch."""
    started = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - started) / calls


def interleaved(ours: Callable[[], object], baseline: Callable[[], object], rounds: int,
                calls: int) -> tuple[float, float]:
    """Median seconds per call of each, batches alternating so that both see the same machine."""
    for _ in range(2):  # warm both
        per_call(ours, calls)
        per_call(baseline, calls)
    a, b = [], []
    for _ in range(rounds):
        a.append(per_call(ours, calls))
        b.append(per_call(baseline, calls))
    return statistics.median(a), statistics.median(b)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]
