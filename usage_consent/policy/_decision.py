"""The outcome of resolution: an immutable Decision and the Trace of every source."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from usage_consent.policy._model import Mode
from usage_consent.policy._notice_state import NoticeState

if TYPE_CHECKING:
    from usage_consent._context import Context

__all__ = ["RAW_SHOWN", "Decision", "Layer", "Status", "Trace"]
Status = Literal["unset", "decided", "shadowed", "invalid", "skipped", "ignored"]
RAW_SHOWN = 60


def _shown(raw: str | None) -> str:
    if raw is None:
        return "-"
    if len(raw) > RAW_SHOWN:
        raw = raw[: RAW_SHOWN - 1] + "…"
    return json.dumps(raw, ensure_ascii=False) if raw != raw.strip() or not raw else raw


@dataclass(frozen=True, slots=True)
class Layer:
    """What one source said: where it looked, the raw value seen, the parsed value, its status."""

    name: str
    kind: str
    location: str
    raw: str | None
    value: str | None
    status: Status
    reason: str | None = None
    # What the source's rules found on the way, one line each, for ``explain`` (e.g. the path a
    # template expanded to, the value-map entry that matched): what, not whether.
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {f.name: list(value) if isinstance(value := getattr(self, f.name), tuple) else value
                for f in dataclasses.fields(self)}


@dataclass(frozen=True, slots=True)
class Trace:
    """Every source of the policy, highest first, with what it said."""

    layers: tuple[Layer, ...]

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)

    def to_dict(self) -> list[dict[str, Any]]:
        return [layer.to_dict() for layer in self.layers]

    def names(self) -> tuple[str, ...]:
        return tuple(layer.name for layer in self.layers)

    def __str__(self) -> str:
        header = ("#", "source", "kind", "location", "raw", "value", "status")
        rows = [header] + [
            (str(i), x.name, x.kind, x.location, _shown(x.raw),
             "-" if x.value is None else x.value, x.status)
            for i, x in enumerate(self.layers, 1)
        ]
        widths = [max(len(row[c]) for row in rows) for c in range(len(header))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
                 for row in rows]
        lines += [f"   {x.name}: {text}" for x in self.layers for text in ((x.reason,) if x.reason else ()) + x.notes]
        return "\n".join(lines)


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class Decision:
    """Whether usage stats may be collected for one transfer; fixed once taken (immutable).

    ``mode`` is "on" (record and send), "local" (record only) or "off". Code that sends
    must test ``send_allowed``; ``enabled`` is true whenever anything is collected.
    """

    app: str
    key: str
    mode: Mode
    decided_by: str | None
    trace: Trace
    notice: NoticeState | None = None  # None only when the decision failed closed
    endpoints: tuple[str, ...] = ()
    policy: Any = None
    error: Exception | None = None  # what decide() raises: the deciding source is invalid with on_invalid "raise"
    context: Context | None = None  # the policy, run configuration and locations (None: failed closed early)

    def replace(self, **changes: Any) -> Decision:
        """A new decision with some fields changed (this one stays as it is)."""
        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:
        return f"Decision(app={self.app!r}, mode={self.mode!r}, decided_by={self.decided_by!r})"

    @property
    def send_allowed(self) -> bool:
        """Whether a report may leave this machine: mode "on" and at least one endpoint. The one
        function that opens a connection checks it (the consent predicate a scanner is told of)."""
        return self.mode == "on" and bool(self.endpoints)

    @property
    def for_this_run_only(self) -> bool:
        """Decided by a ci source: for this run only, so no notice is shown and nothing is kept
        beyond the run (no client id is stored)."""
        return self.decided_by is not None and self.decided_by in self.trace.names() and (
            self.trace[self.decided_by].kind == "ci")

    @property
    def enabled(self) -> bool:
        return self.mode in ("on", "local")

    def to_dict(self) -> dict[str, Any]:
        return {
            "app": self.app,
            "key": self.key,
            "enabled": self.enabled,
            "mode": self.mode,
            "decided_by": self.decided_by,
            "layers": self.trace.to_dict(),
            "notice": {} if self.notice is None else self.notice.to_dict(),
            "endpoints": list(self.endpoints) if self.mode == "on" else [],
        }

    def __str__(self) -> str:
        by = f"decided by {self.decided_by}" if self.decided_by else "no source had a value"
        return f"{self.app} {self.key}: {self.mode} ({by})\n{self.trace}"
