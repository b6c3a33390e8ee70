"""The outcome of resolution: an immutable Decision and the Trace of every source."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Literal, NamedTuple

Status = Literal["unset", "decided", "shadowed", "invalid"]
RAW_SHOWN = 60


def _shown(raw: str | None) -> str:
    if raw is None:
        return "-"
    if len(raw) > RAW_SHOWN:
        raw = raw[: RAW_SHOWN - 1] + "…"
    return json.dumps(raw, ensure_ascii=False) if raw != raw.strip() or not raw else raw


class Layer(NamedTuple):
    """What one source said: where it looked, the raw value seen, the parsed value, its status."""

    name: str
    kind: str
    location: str
    raw: str | None
    value: str | None
    status: Status
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return self._asdict()


class Trace:
    """Every source of the policy, highest first, with what it said."""

    __slots__ = ("layers",)

    def __init__(self, layers: tuple[Layer, ...]) -> None:
        self.layers = layers

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Trace) and other.layers == self.layers

    def __hash__(self) -> int:
        return hash(self.layers)

    def __repr__(self) -> str:
        return f"Trace({self.layers!r})"

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
        lines += [f"   {x.name}: {x.reason}" for x in self.layers if x.reason]
        return "\n".join(lines)


class Decision:
    """Whether usage stats may be collected for one transfer; fixed once taken (immutable).

    ``mode`` is "on" (record and send), "local" (record only) or "off". Code that sends
    must test ``send_allowed``; ``enabled`` is true whenever anything is collected.
    """

    __slots__ = ("app", "key", "mode", "decided_by", "trace", "notice", "endpoints", "policy", "error")
    app: str
    key: str
    mode: Literal["on", "off", "local"]
    decided_by: str | None
    trace: Trace
    notice: dict[str, Any]
    endpoints: tuple[str, ...]
    policy: Any
    error: Exception | None  # what decide() raises: the deciding source is invalid with on_invalid "raise"

    def __init__(self, app: str, key: str, mode: Literal["on", "off", "local"], decided_by: str | None,
                 trace: Trace, notice: dict[str, Any] | None = None, endpoints: tuple[str, ...] = (),
                 policy: Any = None, error: Exception | None = None) -> None:
        for name, value in (("app", app), ("key", key), ("mode", mode), ("decided_by", decided_by),
                            ("trace", trace), ("notice", dict(notice or {})), ("endpoints", tuple(endpoints)),
                            ("policy", policy), ("error", error)):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a Decision is fixed once taken; {name!r} cannot change")

    def replace(self, **changes: Any) -> Decision:
        """A new decision with some fields changed (this one stays as it is)."""
        fields = {name: getattr(self, name) for name in self.__slots__}
        return Decision(**{**fields, **changes})

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
            "notice": dict(self.notice),
            "endpoints": list(self.endpoints) if self.mode == "on" else [],
        }

    def __str__(self) -> str:
        by = f"decided by {self.decided_by}" if self.decided_by else "no source had a value"
        return f"{self.app} {self.key}: {self.mode} ({by})\n{self.trace}"
