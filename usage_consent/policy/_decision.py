"""The outcome of resolution: an immutable Decision and the Trace of every source.

Frozen value objects (usage_consent/_frozen.py), not dataclasses, and no ``typing`` at run time: a
decision answered from the memo (policy/_cache.py) is built in a fresh process that has imported
nothing else."""

from __future__ import annotations

from usage_consent._frozen import Frozen

TYPE_CHECKING = False  # not typing's: a cold decide() answered from the memo must not pay for it
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any, Literal

    from usage_consent._context import Context
    from usage_consent.policy._model import Mode, Policy
    from usage_consent.policy._notice_state import NoticeState

    Status = Literal["unset", "decided", "shadowed", "invalid", "skipped", "ignored"]
else:
    Status = str  # at run time only a name for the modules that import it (the type checker sees the Literal)

__all__ = ["MODES", "RAW_SHOWN", "STATUSES", "Decision", "Layer", "Status", "Trace", "notice_is_due"]
MODES = ("on", "off", "local")  # policy/_model.py's Mode, as values
STATUSES = ("unset", "decided", "shadowed", "invalid", "skipped", "ignored")  # Status, as values
RAW_SHOWN = 60


def _shown(raw: str | None) -> str:
    if raw is None:
        return "-"
    if len(raw) > RAW_SHOWN:
        raw = raw[: RAW_SHOWN - 1] + "…"
    if raw != raw.strip() or not raw:
        import json  # only for a value with blanks around it: a memo hit does not import json

        return json.dumps(raw, ensure_ascii=False)
    return raw


class _LayerFields:
    """``Layer``'s fields, settable: ``Layer.__new__`` fills them (usage_consent/_frozen.py)."""

    __slots__ = ("kind", "location", "name", "notes", "raw", "reason", "status", "value")


class Layer(_LayerFields, Frozen):
    """What one source said: where it looked, the raw value seen, the parsed value, its status;
    ``notes``: what the source's rules found on the way, one line each, for ``explain`` (e.g. the
    path a template expanded to, the value-map entry that matched): what, not whether."""

    __slots__ = ()
    name: str
    kind: str
    location: str
    raw: str | None
    value: str | None
    status: Status
    reason: str | None
    notes: tuple[str, ...]

    def __new__(cls, name: str, kind: str, location: str, raw: str | None, value: str | None, status: Status,
                reason: str | None = None, notes: tuple[str, ...] = ()) -> Layer:
        self: Any = object.__new__(_LayerFields)  # built on every miss: see usage_consent/_frozen.py
        self.name, self.kind, self.location, self.raw = name, kind, location, raw
        self.value, self.status, self.reason, self.notes = value, status, reason, notes
        self.__class__ = cls
        return self

    def to_dict(self) -> dict[str, Any]:
        return {name: list(value) if isinstance(value, tuple) else value
                for name, value in self.__getstate__().items()}


class _TraceFields:
    """``Trace``'s field, settable: ``Trace.__new__`` fills it (usage_consent/_frozen.py)."""

    __slots__ = ("layers",)


class Trace(_TraceFields, Frozen):
    """Every source of the policy, highest first, with what it said."""

    __slots__ = ()
    layers: tuple[Layer, ...]

    def __new__(cls, layers: tuple[Layer, ...]) -> Trace:
        self: Any = object.__new__(_TraceFields)  # built on every miss: see usage_consent/_frozen.py
        self.layers = layers
        self.__class__ = cls
        return self

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


class _DecisionFields:
    """``Decision``'s fields, settable: ``Decision.__new__`` fills them (usage_consent/_frozen.py)."""

    __slots__ = ("app", "context", "decided_by", "endpoints", "error", "key", "mode", "notice", "policy_given", "trace")


class Decision(_DecisionFields, Frozen):
    """Whether usage stats may be collected for one transfer; fixed once taken (immutable).

    ``mode`` is "on" (record and send), "local" (record only) or "off". Code that sends
    must test ``send_allowed``; ``enabled`` is true whenever anything is collected.
    ``notice`` is None only when the decision failed closed; ``error`` is what decide() raises (the
    deciding source is invalid with on_invalid "raise"); ``context`` holds the policy, run
    configuration and locations (None: failed closed early, then ``policy`` is given, if known).
    Two decisions are equal only when they are the same object.
    """

    __slots__ = ()
    app: str
    key: str
    mode: Mode
    decided_by: str | None
    trace: Trace
    notice: NoticeState | None
    endpoints: tuple[str, ...]
    policy_given: Policy | None
    error: Exception | None
    context: Context | None

    def __new__(cls, app: str, key: str, mode: Mode, decided_by: str | None, trace: Trace,
                notice: NoticeState | None = None, endpoints: tuple[str, ...] = (), policy_given: Policy | None = None,
                error: Exception | None = None, context: Context | None = None) -> Decision:
        self: Any = object.__new__(_DecisionFields)  # built on every miss: see usage_consent/_frozen.py
        self.app, self.key, self.mode, self.decided_by, self.trace = app, key, mode, decided_by, trace
        self.notice, self.endpoints, self.policy_given, self.error, self.context = (
            notice, endpoints, policy_given, error, context)
        self.__class__ = cls
        return self

    __eq__ = object.__eq__
    __hash__ = object.__hash__

    @property
    def policy(self) -> Any:
        """The policy decided under: the context's (loaded now if the decision came from the memo),
        else the one given when it failed closed (None if it could not be loaded)."""
        if self.context is not None:
            return self.context.policy
        return self.policy_given

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
        return any(layer.name == self.decided_by and layer.kind == "ci" for layer in self.trace.layers)

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


def notice_is_due(decision: Decision) -> bool:
    """Whether ``decide()`` shows the notice now: when collection would happen, or is held back only
    by the notice itself; never to users who opted out, never for a decision for this run only,
    never when the trace already says it was shown or the state is unusable."""
    if decision.notice is None or not decision.notice.due or decision.for_this_run_only:
        return False  # the cheapest first: on every call
    notice_layers = [layer for layer in decision.trace if layer.kind == "notice"]
    if notice_layers and notice_layers[0].status in ("unset", "invalid"):
        return False  # shown already; or the state file cannot record it (this run is off anyway)
    held_by_notice = bool(notice_layers) and decision.decided_by == notice_layers[0].name
    return decision.enabled or held_by_notice
