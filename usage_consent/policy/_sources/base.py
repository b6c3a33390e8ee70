"""What every source kind shares: the ``Reading`` one read of its input returns, the ``Inputs``
it looks at (declared as data, so the decision cache can watch them), and the ``Kind`` row that
ties a reader to its inputs and its rule. A source kind is a plain function; it decides nothing:
the resolve loop (policy/_resolve.py) applies the precedence, the ceiling and ``on_invalid``."""

from __future__ import annotations

from usage_consent._frozen import Frozen
from usage_consent.errors import ConsentValueError
from usage_consent.policy._decision import Layer, Status

TYPE_CHECKING = False  # not typing's: these value objects are built on every full resolution
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, Literal, TypeAlias

    from usage_consent._context import Context
    from usage_consent.policy._model import Mode, OnInvalid, Policy

    # What an invalid value does in the resolve loop: a source's on_invalid, or "always" (a file that
    # does not meet a requirement with always = true: an error whatever the other sources decide).
    InvalidRule: TypeAlias = OnInvalid | Literal["always"]
else:
    InvalidRule = str  # at run time only a name for the modules that import it (the type checker sees the Literal)

RAW_KEPT = 200

__all__ = ["NO_INPUTS", "RAW_KEPT", "Inputs", "InvalidRule", "Kind", "Reading", "clip", "invalid", "reading"]


def clip(text: str) -> str:
    """Raw values are user input of any length; the trace keeps a bounded prefix, with a lone surrogate
    (a non-UTF-8 byte in a variable, an escape in a file) written as its escape, so it can be printed
    and logged anywhere."""
    text = text if len(text) <= RAW_KEPT else text[: RAW_KEPT - 1] + "…"
    return text if text.isascii() else text.encode("utf-8", "backslashreplace").decode("utf-8")


class _ReadingFields:
    """``Reading``'s fields, settable: ``Reading.__new__`` fills them (usage_consent/_frozen.py)."""

    __slots__ = ("accepted", "bad", "invalid", "key", "kind", "location", "name", "notes", "parsed", "path", "raw",
                 "reason", "rule", "status", "value")


class Reading(_ReadingFields, Frozen):
    """What one source saw, once: where it looked (``location``), the raw value, the mode it stands
    for (``value``; None: unset) or why it is ``invalid`` (``reason``), and what it parsed on the
    way (``parsed``: a JSON config file's object, the notice's state), reused by the resolver.
    For an invalid value, ``path``, ``key``, ``bad`` and ``accepted`` name it (the error that
    ``decide()`` raises under ``on_invalid = "raise"`` is made from them), and ``rule`` is the
    rule it carries itself (None: its source's ``on_invalid``). ``status`` "ignored": a value the
    source does not map, passed over as the policy's explicit fail-open choice (``on_unrecognised =
    "ignore"``): unset for the decision, never a cap."""

    __slots__ = ()
    name: str
    kind: str
    location: str
    raw: str | None
    value: Mode | None
    invalid: bool
    reason: str | None
    parsed: object
    path: str | None
    key: str | None
    bad: object
    accepted: str | None
    notes: tuple[str, ...]  # what the source's rules found on the way (Layer.notes)
    status: Status | None  # its own status when not the value's ("skipped", "ignored")
    rule: InvalidRule | None

    def __new__(cls, name: str, kind: str, location: str, raw: str | None, value: Mode | None = None,
                invalid: bool = False, reason: str | None = None, parsed: object = None, path: str | None = None,
                key: str | None = None, bad: object = None, accepted: str | None = None,
                notes: tuple[str, ...] = (), status: Status | None = None, rule: InvalidRule | None = None) -> Reading:
        self: Any = object.__new__(_ReadingFields)  # built on every miss: see usage_consent/_frozen.py
        self.name, self.kind, self.location, self.raw, self.value = name, kind, location, raw, value
        self.invalid, self.reason, self.parsed, self.path, self.key = invalid, reason, parsed, path, key
        self.bad, self.accepted, self.notes, self.status, self.rule = bad, accepted, notes, status, rule
        self.__class__ = cls
        return self

    def layer(self, decided_by: str | None) -> Layer:
        """This reading as a row of the trace of a decision made by the source ``decided_by``: its
        status is its own, or "shadowed" (a valid value that did not decide), else what its value
        says (one call on every miss: the rule and the row together)."""
        value = self.value
        if value is not None and not self.invalid and self.name != decided_by:
            status: Status = "shadowed"
        else:
            status = self.status or ("invalid" if self.invalid else ("unset" if value is None else "decided"))
        return Layer(self.name, self.kind, self.location, self.raw, value, status, self.reason, self.notes)

    def error(self) -> ConsentValueError:
        """The error an invalid value raises where its source's rule is "raise"."""
        return ConsentValueError(self.reason or "invalid", layer=self.name, path=self.path, key=self.key,
                                 value=self.bad, accepted=self.accepted)


def reading(spec: Any, location: str, raw: str | None, value: Mode | None, reason: str | None = None,
            parsed: object = None, *, notes: tuple[str, ...] = (), ignored: bool = False) -> Reading:
    """A valid reading (``value`` None: the source is unset, or ``ignored``)."""
    return Reading(spec.name, spec.kind, location, raw, value, False, reason, parsed, None, None, None, None, notes,
                   "ignored" if ignored else None)


def invalid(spec: Any, location: str, raw: str | None, reason: str, *, path: str | None = None,
            key: str | None = None, bad: object = None, accepted: str | None = None,
            parsed: object = None, notes: tuple[str, ...] = (), rule: InvalidRule | None = None) -> Reading:
    """An invalid value: the reading says why and names it."""
    return Reading(spec.name, spec.kind, location, raw, None, True, reason, parsed, path, key, bad, accepted,
                   notes, rule=rule)


class Inputs(Frozen):
    """What a reading looks at: environment ``variables``, ``files`` (as the policy writes them,
    ``~`` unexpanded) and ``named_files`` (variables whose value names a file). A cached decision
    is reused while all of them are unchanged (the values, the files' stat). ``volatile``: the read
    also depends on what cannot be declared here (the working folder, a walk up from it, today's
    date, a container's markers, a path expanded from the environment): a decision of a policy with
    such a source is resolved afresh every time, never cached."""

    __slots__ = ("files", "named_files", "variables", "volatile")
    variables: tuple[str, ...]
    files: tuple[str, ...]
    named_files: tuple[str, ...]
    volatile: bool

    def __init__(self, variables: tuple[str, ...] = (), files: tuple[str, ...] = (), named_files: tuple[str, ...] = (),
                 volatile: bool = False) -> None:
        self._set(variables=variables, files=files, named_files=named_files, volatile=volatile)

    def __add__(self, other: Inputs) -> Inputs:
        def union(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(dict.fromkeys((*a, *b)))

        return Inputs(union(self.variables, other.variables), union(self.files, other.files),
                      union(self.named_files, other.named_files), self.volatile or other.volatile)


NO_INPUTS = Inputs()


def _no_inputs(policy: Policy, spec: Any) -> Inputs:
    return NO_INPUTS


class Kind(Frozen):
    """One source kind, as data: ``read`` (a plain read of its input), ``inputs`` (what that read
    looks at), ``ceiling`` (its "local" caps what the sources below may turn on, its "on" changes
    nothing: an administrator's file) and ``on_invalid`` (a rule of the kind that no policy can
    loosen; None: the source's own ``on_invalid``, else the policy's)."""

    __slots__ = ("ceiling", "inputs", "on_invalid", "read")
    read: Callable[[Context, Any], Reading]
    inputs: Callable[[Policy, Any], Inputs]
    ceiling: bool
    on_invalid: OnInvalid | None

    def __init__(self, read: Callable[[Context, Any], Reading], inputs: Callable[[Policy, Any], Inputs] = _no_inputs,
                 ceiling: bool = False, on_invalid: OnInvalid | None = None) -> None:
        self._set(read=read, inputs=inputs, ceiling=ceiling, on_invalid=on_invalid)
