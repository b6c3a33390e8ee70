"""Resolution: the policy's sources read in the declared order, then one loop that applies the
precedence, an administrator's ceiling, ``on_invalid`` (off, skip, raise), the fail-closed cap
and the notice.

pydantic-settings calls the sources: the settings class is given one settings source per source
of the policy, highest first (its documented ``_build_sources``), and each
gives pydantic-settings nothing but its ``Reading`` (policy/_sources/base.py), a value. Which source
decides is this module's rule alone (``resolve_readings``), not the merge's.
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING, Any

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from usage_consent._frozen import Frozen
from usage_consent._log import log
from usage_consent.errors import ConfigFileError
from usage_consent.policy._decision import Decision, Trace, notice_is_due
from usage_consent.policy._fileformats import file_format, read_mapping
from usage_consent.policy._notice_state import NoticeState, read_notice_state
from usage_consent.policy._sources import KINDS, Reading, on_invalid
from usage_consent.policy._sources.config_file import file_path, placed, target_spec

if TYPE_CHECKING:
    from collections.abc import Iterable

    from usage_consent._context import Context
    from usage_consent.policy._model import FileFormat, Mode

__all__ = ["RULES", "ConsentSettings", "notice_is_due", "read_sources", "resolve", "resolve_again", "resolve_readings"]


class _ReadingSource(PydanticBaseSettingsSource):
    """Sources of the policy, as pydantic-settings calls them: each one's kind's plain read, offered
    as ``{"readings": {name: Reading}}``; on a miss (``given``: the readings an earlier resolution
    made, by source name), those readings with the ones of ``specs`` read now in their place.
    Named after the policy's source it reads (``__name__``: pydantic-settings names what each
    settings source gave by it, and looks it up on every merge)."""

    def __init__(self, settings_cls: type[BaseSettings], context: Context, specs: tuple[Any, ...],
                 given: dict[str, Reading] | None = None) -> None:
        PydanticBaseSettingsSource.__init__(self, settings_cls)  # not super(): a miss builds one, no proxy needed
        self.context = context
        self.specs = specs  # the sources read now
        self.given = given  # made for this settings source alone (it is filled in)
        self.__name__ = specs[0].name if given is None else "again"

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # __call__ gives pydantic-settings the whole mapping at once

    def __call__(self) -> dict[str, Any]:
        readings = {} if self.given is None else self.given
        for spec in self.specs:
            readings[spec.name] = KINDS[spec.kind].read(self.context, spec)
        return {"readings": readings}


class ConsentSettings(BaseSettings):
    """What the policy's sources read, by source name (pydantic-settings merges the mappings). The
    field is ``Any``: its value is the merged mapping of our own settings sources, a dict of frozen
    ``Reading`` objects by name, which a ``dict[str, Any]`` field would only copy, key by key, on
    every merge."""

    model_config = SettingsConfigDict(case_sensitive=True)

    readings: Any = {}


_NAME, _INVALID, _PARSED, _KIND, _VALUE = (attrgetter("name"), attrgetter("invalid"), attrgetter("parsed"),
                                           attrgetter("kind"), attrgetter("value"))
_CEILINGS = frozenset(name for name, kind in KINDS.items() if kind.ceiling)  # the kinds whose "local" caps


def read_sources(context: Context, kept: tuple[Reading, ...] = (), stale: frozenset[int] = frozenset(),
                 policy: Any = None) -> tuple[Reading, ...]:
    """Every source of the context's policy, read once, in the declared order: one settings source
    per policy source, highest first, handed to pydantic-settings as its documented
    ``_build_sources`` ("pre-initialized sources and init kwargs"), which it calls and merges.
    Only these: its default sources (the environment copied whole, the dotenv and secrets
    folders) would read nothing a policy declares, and building them costs a miss ten times the
    read of its inputs. ``kept``: the readings of an earlier resolution (the decision cache's),
    given again for every source but those at the positions ``stale`` (whose declared inputs
    changed since), which are read now: then one settings source offers them all, the kept ones
    and those read now in their place. ``policy``: the context's view, when the caller has it."""
    specs = (context.view if policy is None else policy).sources
    names = tuple(map(_NAME, specs))
    if not kept:
        sources = tuple([_ReadingSource(ConsentSettings, context, (spec,)) for spec in specs])
    else:
        sources = (_ReadingSource(ConsentSettings, context, tuple(map(specs.__getitem__, sorted(stale))),
                                  dict(zip(names, kept, strict=True))),)
    readings = ConsentSettings(_build_sources=(sources, {})).readings
    return tuple(map(readings.__getitem__, names))


class _Rule(Frozen):
    """What an invalid value does, by its rule: whether it counts wherever its source stands
    (``anywhere``) or only when nothing above decided, the mode it decides when nothing above
    did, whether it fails closed (the decision is off whatever decided it), and when ``decide()``
    raises its error: "never", when its source is the one that "decides", or "always"."""

    __slots__ = ("anywhere", "closes", "offers", "raises")
    anywhere: bool
    offers: Mode | None
    closes: bool
    raises: str

    def __init__(self, anywhere: bool, offers: Mode | None, closes: bool, raises: str) -> None:
        self._set(anywhere=anywhere, offers=offers, closes=closes, raises=raises)


# The rules of invalid values, as data (an "ignored" value is not invalid: it counts nowhere).
RULES: dict[str, _Rule] = {
    "off": _Rule(anywhere=True, offers="off", closes=True, raises="never"),
    "skip": _Rule(anywhere=True, offers=None, closes=False, raises="never"),
    "raise": _Rule(anywhere=False, offers="off", closes=False, raises="decides"),
    "always": _Rule(anywhere=True, offers="off", closes=True, raises="always"),
}


def resolve_readings(context: Context, readings: tuple[Reading, ...], endpoints: tuple[str, ...] | None = None,
                     earlier: Decision | None = None, stale: frozenset[int] = frozenset(), policy: Any = None
                     ) -> Decision:
    """The one resolve loop. Highest source first, the first valid value decides; a ceiling source's
    "local" caps an "on" decided below it; an invalid value counts by its rule (``RULES``): "off"
    makes the decision off wherever the source stands (the first such source decides it), "skip"
    passes over it but never lets collection send, "raise" decides off and makes ``decide()``
    raise, but only when nothing above it decided (what a peer reads only then), "always" (a
    requirement a file does not meet) decides off and makes ``decide()`` raise wherever it stands.
    An ignored value (the explicit fail-open) is unset here. ``endpoints``: those read from the
    same files before (the decision cache's), else read now when the decision is on; ``earlier``:
    the decision of the same readings but those at the positions ``stale`` (its trace rows are
    reused, ``_trace``; when the readings read again hold the values the earlier ones held, all
    valid, the precedence gives what it gave then: it is not run again). ``policy``: the context's
    view, when the caller has it."""
    if policy is None:
        policy = context.view
    rules = _rules(policy, readings) if any(map(_INVALID, readings)) else {}  # none: the usual case, told in C
    mode: Mode | None
    if rules:
        mode, decided_by, error = _outcome(policy, readings, rules)
    elif earlier is not None and _as_before(readings, earlier, stale):
        mode, decided_by, error = earlier.mode, earlier.decided_by, None
    else:
        mode, decided_by = _valid_outcome(policy, readings)
        error = None
    if mode == "on" and endpoints is None:
        endpoints = _endpoints(context, readings)
    return Decision(policy.app, policy.key, mode or "off", decided_by, _trace(readings, decided_by, earlier, stale),
                    _notice(context, readings, earlier, stale), endpoints if mode == "on" and endpoints else (), None,
                    error, context)


def _outcome(policy: Any, readings: tuple[Reading, ...], rules: dict[str, _Rule]
             ) -> tuple[Mode | None, str | None, Exception | None]:
    """The mode, the source that decided it and the error ``decide()`` raises: the precedence, the
    ceiling, then the invalid values that count."""
    mode, decided_by, ceiling_by, counted = _precedence(policy, readings, rules)
    if ceiling_by and mode == "on":
        mode, decided_by = "local", ceiling_by
    if counted:
        closing = next((found.name for found in counted if rules[found.name].closes), None)
        if closing and mode in ("on", "local"):
            mode, decided_by = "off", closing  # fails closed: the first closing invalid source decides
        elif mode == "on":
            mode = "off"  # skipped, but a bad value never lets collection send
    return mode, decided_by, _raised(counted, decided_by, rules) if counted else None


def _valid_outcome(policy: Any, readings: tuple[Reading, ...]) -> tuple[Mode | None, str | None]:
    """``_outcome`` when no reading is invalid (the usual case, on a miss whose value changed). Without
    a ceiling source (told in C) the first reading with a value decides (a mode is a non-empty string:
    ``filter`` finds it in C); with one, ``_outcome`` applies the ceiling (its rule written once)."""
    if _CEILINGS.isdisjoint(map(_KIND, policy.sources)):
        found = next(filter(_VALUE, readings), None)
        return (None, None) if found is None else (found.value, found.name)
    mode, decided_by, _ = _outcome(policy, readings, {})
    return mode, decided_by


def _as_before(readings: tuple[Reading, ...], earlier: Decision, stale: frozenset[int]) -> bool:
    """Whether the readings at the positions ``stale`` hold the values ``earlier``'s trace rows of
    them held, and none was invalid then (the other readings are those same ones)."""
    rows = earlier.trace.layers
    if len(rows) != len(readings):
        return False
    for index in stale:  # noqa: SIM110 - a loop, not all() of a generator: on every miss (usually one)
        if rows[index].value != readings[index].value or rows[index].status == "invalid":
            return False
    return True


def _rules(policy: Any, readings: tuple[Reading, ...]) -> dict[str, _Rule]:
    """The rule of each invalid reading, by source name: its own, else its source's ``on_invalid``."""
    return {found.name: RULES[found.rule or on_invalid(policy, spec)]
            for spec, found in zip(policy.sources, readings, strict=True) if found.invalid}


def _precedence(policy: Any, readings: tuple[Reading, ...], rules: dict[str, _Rule]
                ) -> tuple[Mode | None, str | None, str | None, list[Reading]]:
    """The loop itself: the mode the first reading that offers one decides and its source, the
    first ceiling source whose value is "local", and the invalid readings that count. An invalid
    reading counts when its rule counts it wherever it stands (``anywhere``), else only when
    nothing above decided, and then decides the mode its rule offers; a ceiling's "local" caps,
    its "on" changes nothing; any other value decides when nothing above did."""
    mode: Mode | None = None
    decided_by: str | None = None
    ceiling_by: str | None = None
    counted: list[Reading] = []
    for spec, found in zip(policy.sources, readings, strict=True):
        if found.invalid:
            rule = rules[found.name]
            if rule.anywhere or decided_by is None:
                counted.append(found)
                if decided_by is None and rule.offers is not None:
                    mode, decided_by = rule.offers, found.name
        elif found.value is not None:
            ceiling = KINDS[spec.kind].ceiling
            if ceiling and found.value == "local":
                ceiling_by = ceiling_by or found.name
            elif decided_by is None and (found.value == "off" or not ceiling):
                mode, decided_by = found.value, found.name
    return mode, decided_by, ceiling_by, counted


def _raised(counted: list[Reading], decided_by: str | None, rules: dict[str, _Rule]) -> Exception | None:
    """The error ``decide()`` raises: the first counted invalid value whose rule raises always, or
    raises when its source decides and it did; every other counted invalid value is logged."""
    raising = next((found for found in counted if rules[found.name].raises == "always" or (
        rules[found.name].raises == "decides" and found.name == decided_by)), None)
    for found in counted:
        if found is not raising:
            log.warning("usage stats off: %s", found.reason)
    return raising.error() if raising is not None else None


def _trace(readings: tuple[Reading, ...], decided_by: str | None, earlier: Decision | None = None,
           stale: frozenset[int] = frozenset()) -> Trace:
    """Every reading as a row; a value that did not decide is "shadowed". ``earlier``: the decision
    of the same readings but those at the positions ``stale``; decided by the same source, its
    rows but those are this trace's (a row's status depends on its reading and on which source
    decided, nothing else: ``Reading.layer``)."""
    layers: list[Any]
    made: Iterable[int]
    if earlier is not None and earlier.decided_by == decided_by and len(earlier.trace.layers) == len(readings):
        layers, made = list(earlier.trace.layers), stale  # usually one: the changed variable's source
    else:
        layers, made = [None] * len(readings), range(len(readings))
    for index in made:  # a loop, not a function per row: on every miss
        layers[index] = readings[index].layer(decided_by)
    return Trace(tuple(layers))


def _notice(context: Context, readings: tuple[Reading, ...], earlier: Decision | None = None,
            stale: frozenset[int] = frozenset()) -> NoticeState:
    """The notice's state, as the notice source read it, else (no notice source) read here;
    ``earlier``'s when no notice source was read again and not every source was (``stale``): the
    notice is read from the state file and the schemas folder, which a notice source declares, and
    which count for every source when none does (policy/_cache.py, ``_parts``)."""
    if earlier is not None and earlier.notice is not None and len(stale) < len(readings):
        for index in stale:  # usually one: the changed variable's source
            if readings[index].kind == "notice":
                break
        else:
            return earlier.notice
    # The first parsed value that is a NoticeState (``NoticeState.__instancecheck__``: isinstance, in C).
    read = next(filter(NoticeState.__instancecheck__, map(_PARSED, readings)), None)
    return read if read is not None else read_notice_state(context.view, context.locations)


def _endpoints(context: Context, readings: tuple[Reading, ...]) -> tuple[str, ...]:
    """The endpoints, from the file ``config set`` writes (the policy's writable config file), in its
    format and section beside the consent key, else from the top level of the policy's
    ``config_file``; a file's contents are reused when a source has read it (a file that did not
    parse has already been reported by that source)."""
    from usage_consent.policy._endpoints import resolve_endpoints

    policy, where = context.view, context.locations
    read = {found.path: found.parsed for found in readings if isinstance(found.parsed, dict)}
    spec = target_spec(policy)
    try:
        target = file_path(policy, spec, where)
    except ConfigFileError:  # its file does not resolve now: the policy's config file alone
        target = where.config_file
    places = [(target, file_format(target, spec.format), spec.name, (placed(policy, spec) or (None, ""))[0])]
    if where.config_file != target:
        places.append((where.config_file, "json", "config_file", None))
    keys = {policy.reporter.endpoint_key, policy.reporter.additional_endpoints_key}
    found: list[tuple[str, FileFormat, dict[str, Any] | None]] = []
    for path, fmt, layer, section in places:
        config = read[path] if path in read else _read_tolerantly(path, fmt, layer)
        table = config.get(section) if config is not None and section is not None else config
        found.append((path, fmt, table if isinstance(table, dict) else None))
    ini_keys = {key.lower() for key in keys}
    path, fmt, table = next((place for place in found if place[2] and set(place[2]) & (
        ini_keys if place[1] == "ini" else keys)), found[0])
    return resolve_endpoints(policy, table, path, fmt)


def _read_tolerantly(path: str, fmt: FileFormat, layer: str) -> dict[str, Any] | None:
    try:
        return read_mapping(path, fmt, layer=layer)
    except ConfigFileError:
        return None


def resolve(context: Context) -> Decision:
    """The decision for a transfer started now under ``context``, without side effects."""
    return resolve_readings(context, read_sources(context))


def resolve_again(context: Context, kept: tuple[Reading, ...], stale: frozenset[int], endpoints: tuple[str, ...] | None,
                  earlier: Decision | None) -> tuple[Decision, tuple[Reading, ...]]:
    """``resolve``, giving again the ``kept`` readings but those at the positions ``stale`` (read
    now), ``endpoints`` (None: read them) and the trace rows of the ``earlier`` decision made of
    the kept readings, with the readings it used (the decision cache keeps them for the next miss)."""
    policy = context.view  # read once: a property
    readings = read_sources(context, kept, stale, policy)
    return resolve_readings(context, readings, endpoints, earlier, stale, policy), readings
