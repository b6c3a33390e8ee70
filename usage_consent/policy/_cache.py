"""The one cache in front of ``decide()`` and ``explain()``, in two tiers of one mechanism: the last
decision of each policy and run configuration kept in the process (a *slot*), and the same slot
written to disk after a full resolution (the *memo*, beside the state file), which a later process
reads with the standard library alone: no pydantic, no policy model, no resolution.

The key is exactly what a resolution reads (the inputs each source kind declares in the table of
kinds, policy/_sources/__init__.py, and those of the notice and the endpoints):

- the policy: the file it is read from (the embedded policy's JSON twin, a shipped policy's TOML
  file, a policy file: its stat) — a loaded ``Policy`` object is kept in the process only, by
  identity;
- the run configuration: its home and temporary folder (a non-volatile resolution never reads its
  clock or HTTP session), and HOME as it gives it (every ``~`` path is expanded again when it
  changes);
- the value, set or unset, of every watched environment variable (a source's variable, the CI
  markers, a variable naming a file), read on every call (no audit hook: see ``_variables``);
- the stat of every watched file (device, inode, size, mode, ``mtime_ns`` and ``ctime_ns``: a
  rewrite with the same size and a restored mtime still changes ctime): the config files, the
  managed file, the state file, the schemas folder of the policy's schema (the host's or the
  packaged one: a new version changes the notice), and each file a variable names;
- on disk, the package's version (``usage_consent/_version.py``): another version may resolve
  differently.

A policy with a ``volatile`` source (its inputs cannot all be declared: the working folder, a walk
up from it, today's date, a container's markers) is neither cached nor memoized.

The memo is written only for a clean result: no invalid source (an invalid value is warned about on
every call, and may raise), no error, no notice due (showing it changes the state file), nothing set
aside, not decided for this run only (a CI run writes nothing), and only into a folder that exists
(it never creates the user's). It is written 0600 and atomically (a temporary file renamed over it),
holding the last few policies and run configurations. It is read only when it is a regular file,
not a link, owned by this user, readable by nobody else, of this package's version and well formed,
and then only used when every input of its key is unchanged; anything else is a miss, and the
decision is resolved afresh. See docs/design.md, "The decision memo".
"""

from __future__ import annotations

import _thread
import operator
import os
import stat
import sys
from itertools import compress

from usage_consent._context import Context
from usage_consent._files.jsonfile import stat_key
from usage_consent._files.plainjson import loads
from usage_consent._locations import PACKAGED_SCHEMAS, Locations, expand, memo_file
from usage_consent._version import VERSION
from usage_consent.policy._decision import MODES, STATUSES, Decision, Layer, Trace, notice_is_due
from usage_consent.policy._notice_state import NoticeState
from usage_consent.policy._paths import EMBEDDED_FILE, compiled_twin, is_relative, policy_file

TYPE_CHECKING = False  # not typing's: a cold decide() answered from the memo must not pay for it
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType
    from typing import Any

    from usage_consent._run import RunConfig
    from usage_consent.policy._model import Policy
    from usage_consent.policy._sources.base import Inputs, Reading

    # What a resolution may give again (``Slot.unchanged``): the earlier readings, the positions of
    # the sources to read again, the endpoints (None: read them), the earlier decision.
    Kept = tuple[tuple[Reading, ...], frozenset[int], tuple[str, ...] | None, Decision | None]
    Resolve = Callable[[Context, tuple[Reading, ...], frozenset[int], tuple[str, ...] | None, Decision | None],
                       tuple[Decision, tuple[Reading, ...]]]

__all__ = ["CACHE", "MEMO_ENTRIES", "MEMO_FORMAT", "DecisionCache", "Slot", "inputs_of", "loaded", "read_memo"]
SLOTS = 32  # policies x run configurations kept; more is a test suite, not a host: start afresh
MEMO_FORMAT = 1
MEMO_ENTRIES = 8  # (policy, run configuration) pairs one memo file holds, the latest first
MEMO_LIMIT = 1 << 20  # a memo file larger than this is not read
_SCHEMAS_PREFIX = PACKAGED_SCHEMAS + os.sep
_ENDPOINTS = -1  # what depends on a file, beside the sources (``_owners``): the endpoints


def inputs_of(policy: Policy) -> Inputs:
    """Everything a resolution of ``policy`` reads: each source's declared inputs, the written config
    file and the policy's config file (the endpoints are read from them) and the notice's."""
    from usage_consent.policy._sources import KINDS, Inputs
    from usage_consent.policy._sources.config_file import target_spec
    from usage_consent.policy._sources.notice import notice_inputs

    endpoints = Inputs(files=(target_spec(policy).path or policy.config_file, policy.config_file))
    declared = endpoints + notice_inputs(policy)
    for spec in policy.sources:
        declared = KINDS[spec.kind].inputs(policy, spec) + declared
    return declared


class Slot:
    """One policy under one run configuration: what its key is made of (the watched variables, the
    files by absolute path, the variables naming a file), the key it was resolved at and the
    decision. Made from the policy after a full resolution, or from a memo entry."""

    __slots__ = ("decision", "encoded", "endpoints", "files", "home", "kept", "key", "memo_path", "memo_seen", "named",
                 "owners", "paths", "plain", "policy", "readings", "run", "source", "state_file", "variables",
                 "volatile", "written")

    def __init__(self, run: RunConfig, source: str | None, variables: tuple[str, ...], files: tuple[str, ...],
                 named: tuple[str, ...], *, home: str | None, policy: Policy | None = None, volatile: bool = False
                 ) -> None:
        self.run = run
        self.source = source  # the policy's file (None: a Policy object, kept in the process only)
        self.policy = policy
        self.home = home  # HOME as ``run`` gave it when the slot was made
        self.variables, self.files, self.named = variables, files, named
        self.encoded = _encoded(variables)  # the variables' names as the environment's dict holds them
        self.volatile = volatile
        self.state_file: str | None = None
        self.memo_path: str | None = None  # the memo beside the state file (``memo_stat``), worked out once
        self.paths: dict[bytes | str, str] = {}  # a variable's value -> the file it names, expanded
        self.key: tuple[Any, ...] | None = None
        self.decision: Decision | None = None
        self.memo_seen: object = None  # the memo file's stat when this process last read or wrote it
        self.written: tuple[Any, ...] | None = None  # the key's part that other processes share, as last memoized
        self.plain: dict[str, Any] = {}  # what the commands print beside the decision (``plain_values``)
        self.kept: dict[str, object] = {}  # the stat of each file the process reads once, False: others (``_stat``)
        # By position in the key's values, files and named files, what depends on it (``_owners``), and
        # what each source read at ``key``.
        self.owners: tuple[tuple[frozenset[int], ...], ...] = ((), (), ())
        self.readings: tuple[Reading, ...] = ()
        # The endpoints read from the files at ``key`` (None: not read: no decision at or since the
        # files' last change was "on"); kept whatever the decision, as the readings are.
        self.endpoints: tuple[str, ...] | None = None

    @classmethod
    def of(cls, policy: Policy, run: RunConfig, source: str | None, home: str | None) -> Slot:
        """The slot of a loaded policy: its inputs, expanded under ``run`` (whose HOME is ``home``)."""
        inputs = inputs_of(policy)
        if inputs.volatile:  # its inputs cannot be written down (a path may be a template): nothing expanded
            return cls(run, source, (), (), (), home=home, policy=policy, volatile=True)
        from usage_consent.policy._plain import locations_read

        where = locations_read(policy, run)
        files = tuple(map(where.path, inputs.files))
        if not policy.schemas_dir:  # the packaged schemas: a new version there changes the notice
            files += (os.path.join(PACKAGED_SCHEMAS, policy.schema_name),)
        slot = cls(run, source, inputs.variables, files, inputs.named_files, home=home, policy=policy,
                   volatile=inputs.volatile)
        slot.state_file = where.state_file
        slot.owners = _owners(slot, _parts(policy, where, slot))
        return slot

    def again(self) -> Slot:
        """A new slot over the same inputs (to be resolved again), remembering what the memo holds:
        a copy of this one's fields (not ``__init__``: on every miss), with no key, decision or
        readings yet."""
        slot = Slot.__new__(Slot)
        slot.run, slot.source, slot.policy, slot.home, slot.volatile = (
            self.run, self.source, self.policy, self.home, self.volatile)
        slot.variables, slot.files, slot.named, slot.encoded = self.variables, self.files, self.named, self.encoded
        slot.state_file, slot.memo_path, slot.paths, slot.memo_seen, slot.written, slot.kept = (
            self.state_file, self.memo_path, self.paths, self.memo_seen, self.written, self.kept)
        slot.owners = self.owners
        slot.key, slot.decision, slot.plain, slot.readings, slot.endpoints = None, None, {}, (), None
        return slot

    def key_now(self, values: tuple[bytes | str | None, ...]) -> tuple[Any, ...]:
        """The key as the inputs are now (``values``: the watched variables', in ``variables`` order,
        as ``_variables`` reads them); a memo entry's key (JSON lists) is compared as tuples
        (``_tuples``) to the key as written (``_written``)."""
        named: tuple[Any, ...] = ()
        if self.named:
            value_of = dict(zip(self.variables, values, strict=True))
            named = tuple(stat_key(self._named_path(value)) if (value := value_of[name]) else None
                          for name in self.named)
        kept = self.kept  # a file read once: its stat; any other (False): stat_key; without ``_stat`` (on every call)
        source = (kept.get(self.source) or self._stat(self.source)) if self.source is not None else None
        files = tuple([found if (found := kept.get(path)) else stat_key(path) if found is False else self._stat(path)
                       for path in self.files])
        return self.home, source, values, files, named

    def unchanged(self, earlier: Slot) -> Kept:
        """What ``earlier`` (this slot's previous resolution over the same inputs) found that is still
        true: its readings and its decision, with the positions of the sources to read again (those with
        an input not as it was then: a variable, a file, a file a variable names, or what no source
        declares); and its endpoints where no file and no variable naming one changed (they are read
        from the files alone, whatever the enabling variable says: an "off" between two "on" keeps
        them), else None."""
        if not earlier.readings or earlier.key is None or self.key is None or earlier.decision is None:
            return (), frozenset(), None, None
        now, then, (values, files, named) = self.key, earlier.key, self.owners
        # What depends on each input that changed (usually one source: the variable's), compared in C.
        stale = frozenset().union(*compress(values, map(operator.ne, now[2], then[2])))
        if now[3] != then[3] or now[4] != then[4]:
            stale = stale.union(*compress(files, map(operator.ne, now[3], then[3])),
                                *compress(named, map(operator.ne, now[4], then[4])))
        decision = earlier.decision
        if _ENDPOINTS in stale:  # a file changed: the endpoints are read again
            return earlier.readings, stale.difference((_ENDPOINTS,)), None, decision
        return earlier.readings, stale, earlier.endpoints, decision

    def memo_stat(self) -> object:
        """The stat of the memo beside the slot's state file (its path worked out once per slot)."""
        if self.memo_path is None:
            assert self.state_file is not None
            self.memo_path = memo_file(self.state_file)
        return stat_key(self.memo_path)

    def _stat(self, path: str) -> object:
        """``stat_key(path)``; once per slot for a file the process reads once (``_read_once``), whose
        stat is kept (``kept``: the stat of such a file, False for any other, told once)."""
        found = self.kept.get(path)
        if found:
            return found
        if found is None:
            found = stat_key(path)
            self.kept[path] = found if _read_once(path) else False
            return found
        return stat_key(path)

    def _named_path(self, value: bytes | str) -> str:
        path = self.paths.get(value)
        if path is None:
            path = self.paths[value] = expand(os.fsdecode(value), self.run)
        return path

    def shared(self) -> tuple[Any, ...]:
        """The part of the key another process can share (all but the variables: this process's)."""
        key = self.key
        assert key is not None
        return key[0], key[1], key[3], key[4]  # on every miss: four items, not two slices unpacked

    def entry(self) -> dict[str, Any]:
        """This slot as a memo entry."""
        assert self.decision is not None and self.policy is not None and self.key is not None
        self.plain = plain_values(self.policy, self.decision)
        return {"policy": self.source, "run": _run_key(self.run), "variables": list(self.variables),
                "files": list(self.files), "named": list(self.named), "key": _written(self.key), "plain": self.plain,
                "decision": _decision_to_dict(self.decision)}


def _slot_for(policy: Policy, run: RunConfig, home: str | None, source: str | None, earlier: Slot | None) -> Slot:
    """A new slot for a resolution of ``policy`` not over ``earlier``'s inputs (another policy object
    or HOME; over the same inputs, ``Slot.again``), remembering the memo as ``earlier`` last saw it."""
    slot = Slot.of(policy, run, source, home)
    if earlier is not None and earlier.source == source:
        slot.memo_seen, slot.written = earlier.memo_seen, earlier.written
    return slot


# Where a part of a slot's key starts in the positions ``_parts`` gives: its values,
# its files' stat, its named files' stat (``Slot.key_now``: home, policy, values, files, named).
_PLACES = {2: 0, 3: 1 << 20, 4: 2 << 20}


def _parts(policy: Policy, where: Locations, slot: Slot) -> tuple[frozenset[int], ...]:
    """By source of ``policy``, where the inputs it declares sit in ``slot``'s key (``_PLACES``): its
    variables, its files and its variables naming a file (their value and the named file's stat),
    with what no source declares (the notice's schemas folder, a file only the endpoints read)
    added to every source."""
    from usage_consent.policy._sources import KINDS

    def places(inputs: Inputs) -> frozenset[int]:
        return frozenset((*(_PLACES[2] + slot.variables.index(name) for name in inputs.variables),
                          *(_PLACES[3] + slot.files.index(where.path(path)) for path in inputs.files),
                          *(_PLACES[4] + slot.named.index(name) for name in inputs.named_files),
                          *(_PLACES[2] + slot.variables.index(name) for name in inputs.named_files)))

    own = [places(KINDS[spec.kind].inputs(policy, spec)) for spec in policy.sources]
    undeclared = _files_and_named(slot).union(range(len(slot.variables))).difference(*own)
    return tuple(part | undeclared for part in own)


def _owners(slot: Slot, parts: tuple[frozenset[int], ...]) -> tuple[tuple[frozenset[int], ...], ...]:
    """By position in ``slot``'s key's values, files and named files (``Slot.key_now``), the sources
    (by index) whose part (``_parts``) holds it, and ``_ENDPOINTS`` for a file and a variable naming
    one (the endpoints are read from the files)."""
    files = _files_and_named(slot)

    def owners(place: int) -> frozenset[int]:
        return frozenset((*(index for index, part in enumerate(parts) if place in part),
                          *((_ENDPOINTS,) if place in files else ())))

    return tuple(tuple(owners(_PLACES[part] + index) for index in range(size))
                 for part, size in ((2, len(slot.variables)), (3, len(slot.files)), (4, len(slot.named))))


def _files_and_named(slot: Slot) -> frozenset[int]:
    """The positions of the files and of the variables naming a file in ``slot``'s key."""
    return frozenset((*(_PLACES[3] + index for index in range(len(slot.files))),
                      *(_PLACES[4] + index for index in range(len(slot.named))),
                      *(_PLACES[2] + slot.variables.index(name) for name in slot.named)))


def loaded(name: str) -> ModuleType:
    """The module ``name``, imported now unless it is already: a miss asks for the modules of a
    full resolution, loaded by the first one (an import statement would also look for a
    ``__path__`` the module has not, which formats an error every time). A module another thread
    is still executing is in ``sys.modules`` half made (its spec ``_initializing``): then the
    import waits for it, as an import statement does (many threads' first decisions at once)."""
    module = sys.modules.get(name)
    if module is None or getattr(module.__spec__, "_initializing", False):
        import importlib

        module = importlib.import_module(name)
    return module


def _read_once(path: str) -> bool:
    """Whether this process reads the file at ``path`` once and keeps what it read, so that a later
    change cannot reach its decisions anyway: the embedded policy's JSON twin (``embedded_view``,
    policy/_plain.py; ``embedded_policy``, policy/_load.py) and the packaged schemas
    (schemas/_versions.py). The in-process key stats them once (a warm ``decide()`` pays two stats,
    not four); the memo's key still holds their stat, so another process sees a change (an upgrade,
    an edited checkout)."""
    return path == EMBEDDED_FILE or path.startswith(_SCHEMAS_PREFIX)


def plain_values(policy: Policy, decision: Decision) -> dict[str, Any]:
    """What the ``usage-consent`` commands print beside a decision, and what a session reads of the
    policy, as plain values, so that a memo hit answers them without the policy model: whether the
    policy shows a notice (``explain``), when the trace tells it, ``config get``'s key and answer
    (the writable file's own value), and the report settings (``ReportSettings``)."""
    from usage_consent.policy._fileformats import shown_consent
    from usage_consent.policy._sources.config_file import config_target, target_spec

    config_get = None
    where = decision.context.locations if decision.context else None
    name, key = target_spec(policy).name, config_target(policy, where)[1]
    layer = next((layer for layer in decision.trace if layer.name == name and layer.kind == "config_file"), None)
    if layer is not None and layer.status in ("decided", "shadowed"):
        config_get = [key, shown_consent(layer.value)]  # type: ignore[arg-type]
    elif layer is not None and layer.status == "unset" and not layer.reason:  # not a file read as unset
        config_get = [key, shown_consent(None)]
    from usage_consent._report_settings import ReportSettings

    return {"notice_enabled": policy.notice.enabled, "config_get": config_get,
            "report": ReportSettings.of(policy).to_dict()}


def _tuples(value: object) -> object:
    """A key as JSON gave it back (lists), as the process makes it (tuples)."""
    return tuple(map(_tuples, value)) if isinstance(value, list) else value


def _run_key(run: RunConfig) -> list[str | None]:
    return [run.home, run.temp_dir]


def _clean(decision: Decision) -> bool:
    """Whether a decision may be memoized: nothing in it is for this call only."""
    return (decision.error is None and not decision.for_this_run_only and not notice_is_due(decision)
            and all(layer.status != "invalid" for layer in decision.trace))


class DecisionCache:
    """The slots, by policy and run configuration, and the memo; see the module's docstring."""

    def __init__(self) -> None:
        self._slots: dict[tuple[object, RunConfig], Slot] = {}
        self._lock = _thread.allocate_lock()  # not threading's: a cold start does not need threading
        self._deferred: dict[tuple[object, RunConfig], Slot] = {}  # memo rewrites left for the exit
        self._flushes_at_exit = False
        # A fork while another thread holds the lock must not leave the child's decide() waiting;
        # the child leaves the parent's deferred rewrites to the parent.
        os.register_at_fork(after_in_child=self._fresh_lock)

    def _fresh_lock(self) -> None:
        self._lock = _thread.allocate_lock()  # not threading's: a cold start does not need threading
        self._deferred = {}

    def clear(self) -> None:
        """Forget every slot (the memo on disk stays): the next call reads the memo or resolves."""
        with self._lock:
            self._slots.clear()

    def decision(self, given: object, run: RunConfig, home: str | None, resolve: Resolve,
                 seen: tuple[Slot, tuple[Any, ...]] | None = None) -> Decision:
        """The decision for the policy ``given`` (as ``decide()`` takes it) under ``run``, resolved
        now by ``resolve`` for a new context (then kept, and memoized when clean): ``lookup`` first,
        whose key of the inputs as they were then (``seen``) is this resolution's when its slot is
        still the pair's (then its slot is the earlier one: not looked up again). A source whose own
        inputs are unchanged since the process last resolved this pair gives its reading again, and
        the endpoints are kept while their files are (``Slot.unchanged``). ``home``: HOME as ``run``
        gives it now (read once by the caller)."""
        plain = loaded("usage_consent.policy._plain")
        locations_read = plain.locations_read
        source = seen[0].source if seen is not None else policy_file(given)  # the slot's: the pair's
        policy = plain.policy_read(given, source)
        earlier = seen[0] if seen is not None else self._slots.get((source or id(policy), run))
        # The earlier slot when this resolution is over its inputs (the same policy object and HOME).
        same = earlier if earlier is not None and earlier.policy is policy and earlier.home == home else None
        slot = same.again() if same is not None else _slot_for(policy, run, home, source, earlier)
        if slot.volatile:  # its key cannot be written down: resolved afresh, never kept
            self._keep((source or id(policy), run), slot)  # remembered so, while the policy's file is unchanged
            slot.key = (slot.home, stat_key(source) if source is not None else None)
            return resolve(Context(run, locations_read(policy, run)), (), frozenset(), None, None)[0]
        # Taken before the read (a change during it is a miss next time): the lookup's, when it saw this slot.
        if same is not None and same.decision is not None:
            slot.key = seen[1] if seen is not None else slot.key_now(_variables(slot))
            kept = slot.unchanged(same)
            slot.decision, slot.readings = resolve(same.decision.context or Context(
                run, locations_read(policy, run)), *kept)
            endpoints = kept[2]
            self._slots[source or id(policy), run] = slot  # in the earlier slot's place: the dict does not grow
        else:
            slot.key = slot.key_now(_variables(slot))
            slot.decision, slot.readings = resolve(Context(run, locations_read(policy, run)), (), frozenset(), None,
                                                   None)
            endpoints = None
            self._keep((source or id(policy), run), slot)
        # An "on" decision read the endpoints (or was given them); any other keeps those given, for the next.
        slot.endpoints = slot.decision.endpoints if slot.decision.mode == "on" else endpoints
        key = slot.key  # ``slot.shared()``, written out (on every miss), the cheaper test first
        if source is not None and slot.written != (key[0], key[1], key[3], key[4]):
            self._memoize((source, run), slot, first=earlier is None)
        return slot.decision

    def _memoize(self, key: tuple[str, RunConfig], slot: Slot, first: bool) -> None:
        """Memoize a clean decision for the next process; again in this one only when what another
        process shares changed (a process whose variables change on every call does not rewrite it
        every call). The first decision of this policy and run configuration in the process
        (``first``) writes it now (a cold process: the next one may start at once); a later one
        leaves the rewrite to the process's exit, off the transfer's thread (``flush``)."""
        assert slot.decision is not None
        if slot.written != slot.shared() and _clean(slot.decision):
            if first:
                slot.written = slot.shared()
                slot.memo_seen = _write_memo(slot)
            else:
                self._defer(key, slot)

    def _defer(self, key: tuple[object, RunConfig], slot: Slot) -> None:
        with self._lock:
            self._deferred[key] = slot
            if not self._flushes_at_exit:
                import atexit

                atexit.register(self.flush)
                self._flushes_at_exit = True

    def flush(self) -> None:
        """Write the memo rewrites left for the exit: each pair's decision if it is still the one the
        process holds (clean, resolved in full). Never raises (it runs at the interpreter's exit)."""
        with self._lock:
            deferred, self._deferred = self._deferred, {}
        for key, slot in deferred.items():
            try:
                if self._slots.get(key) is slot and slot.written != slot.shared():
                    slot.written = slot.shared()
                    slot.memo_seen = _write_memo(slot)
            except Exception:  # the memo is a cache: a rewrite that fails is a miss later
                continue

    def known(self, given: object, run: RunConfig) -> Decision | None:
        """The decision for ``given`` under ``run`` when the slot or the memo has it at the key of
        the inputs as they are now; None otherwise (nothing is resolved, nothing written)."""
        slot = self.known_slot(given, run)
        return None if slot is None else slot.decision

    def known_slot(self, given: object, run: RunConfig) -> Slot | None:
        """``known``'s slot (its ``plain`` values are the memo's when it came from there)."""
        return self.lookup(given, run, run.home_dir())[0]

    def lookup(self, given: object, run: RunConfig,
               home: str | None) -> tuple[Slot | None, tuple[Slot, tuple[Any, ...]] | None]:
        """``known_slot``, and when the process's slot of the pair was looked at and its key is not
        the inputs' now, that slot with the key they have now (for ``decision``). ``home``: HOME as
        ``run`` gives it now (read once by the caller). A slot this process resolved in full (it
        holds its readings) whose key changed goes to ``decision`` without a look at the memo: an
        entry there could only give the decision a resolution gives, and finding it (a stat, then
        the policy's file and the memo read and parsed) saves a warm process little next to a
        resolution that reads again only what changed."""
        source = policy_file(given)
        slot = self._slots.get((source or id(given), run))
        seen = None
        if slot is not None and (source is not None or slot.policy is given) and slot.home == home:
            if slot.volatile:
                if source is not None and slot.key == (slot.home, stat_key(source)):
                    return None, None  # resolved afresh every time; its memo is not looked for
            elif slot.decision is not None:
                now = slot.key_now(_variables(slot))
                if slot.key == now:
                    return slot, None
                seen = slot, now
        if source is None or (seen is not None and seen[0].readings):  # no memo, or resolved here in full
            return None, seen
        if slot is not None and slot.state_file is not None and slot.memo_seen == slot.memo_stat():
            return None, seen  # the memo is as this process last saw it: nothing new there
        found = _from_memo(source, given, run)
        if found is not None:
            self._keep((source, run), found)
            return found, None
        if slot is not None and slot.state_file is not None:
            slot.memo_seen = slot.memo_stat()
        return None, seen

    def _keep(self, key: tuple[object, RunConfig], slot: Slot) -> None:
        with self._lock:
            if len(self._slots) >= SLOTS:
                self._slots.clear()
            self._slots[key] = slot


def _encoded(variables: tuple[str, ...]) -> tuple[bytes | str, ...] | None:
    environ = os.environ
    return tuple(map(environ.encodekey, variables)) if type(environ) is os._Environ else None


def _variables(slot: Slot) -> tuple[bytes | str | None, ...]:
    """The slot's watched variables' values, read on every call.

    Read from the dictionary ``os.environ`` keeps them in (its ``_data``, by the names encoded once
    per slot), as it keeps them (bytes): ``os.environ.get`` raises and catches two exceptions for
    each unset variable (the CI markers are a dozen), 2 us each; this reads all fourteen of the
    embedded policy's in C, and a value is decoded only where text is needed (a named file's path,
    the memo: ``_written``). Where ``os.environ`` is not CPython's ``_Environ`` (a host replaced
    it), through its ``get`` (text). No audit hook spares the read (PEP 578): a hook, once
    added, runs for every audited event of the host's process for ever (``id()`` 60 ns -> 1.7 us,
    ``copy.deepcopy`` five times slower) and cannot be removed."""
    environ = os.environ
    if slot.encoded is not None and type(environ) is os._Environ:
        return tuple(map(environ._data.get, slot.encoded))  # type: ignore[attr-defined]
    return tuple(map(environ.get, slot.variables))


def _written(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """A slot's key as the memo writes it: the variables' values as text (decoded as ``os.environ``
    decodes them on this platform: ``os.fsdecode``)."""
    values = key[2]
    if bytes in map(type, values):
        values = tuple([os.fsdecode(value) if type(value) is bytes else value for value in values])
    return (*key[:2], values, *key[3:])


# ---------------------------------------------------------------------------------------------
# The memo on disk


def _state_file_of(source: str, run: RunConfig) -> str | None:
    """The state file the policy document at ``source`` names, expanded under ``run``, read without
    the policy model (JSON for the embedded policy's twin and a shipped policy's, else TOML); None when
    it cannot be told (the full resolution then says why). A twin only says where the memo is: an
    entry there still needs the key of the inputs now, which holds the TOML file's stat."""
    from usage_consent._files.jsonfile import MAX_FILE_BYTES, read_regular

    try:
        source = compiled_twin(source) or source  # tomllib's import costs more than a whole memo hit
        text = read_regular(source, limit=MAX_FILE_BYTES).decode("utf-8")
        if source.endswith(".json"):
            data = loads(text)
        else:
            import tomllib

            data = tomllib.loads(text)
        state = data["state_file"]
        if not isinstance(state, str) or not state:
            return None
        if is_relative(state):
            state = os.path.normpath(os.path.join(os.path.dirname(source), state))
        return expand(state, run)
    except Exception:
        return None


def read_memo(path: str) -> list[Any]:
    """The entries of the memo file at ``path``; none unless it is a regular file (not a link),
    owned by this user, readable and writable by nobody else, of this package's version and well
    formed."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:  # missing, or a link (ELOOP)
        return []
    try:
        found = os.fstat(fd)
        if (not stat.S_ISREG(found.st_mode) or found.st_uid != os.geteuid() or found.st_mode & 0o077
                or found.st_size > MEMO_LIMIT):
            return []
        data = os.read(fd, MEMO_LIMIT + 1)
    except OSError:
        return []
    finally:
        os.close(fd)
    try:
        memo = loads(data.decode("utf-8"))
    except ValueError:  # not UTF-8, not one JSON value
        return []
    if (not isinstance(memo, dict) or memo.get("format") != MEMO_FORMAT or memo.get("version") != VERSION
            or not isinstance(memo.get("entries"), list)):
        return []
    return memo["entries"]


def _from_memo(source: str, given: object, run: RunConfig) -> Slot | None:
    """The slot of the memo entry for the policy at ``source`` under ``run``, when its key is the key
    of the inputs as they are now; else None."""
    state_file = _state_file_of(source, run)
    if state_file is None:
        return None
    for entry in read_memo(memo_file(state_file)):
        try:
            if not isinstance(entry, dict) or entry.get("policy") != source or entry.get("run") != _run_key(run):
                continue
            slot = Slot(run, source, _strings(entry["variables"]), _strings(entry["files"]), _strings(entry["named"]),
                        home=run.home_dir())
            now = slot.key_now(_variables(slot))
            if _written(now) != _tuples(entry["key"]):
                return None
            slot.key, slot.state_file, slot.written = now, state_file, None
            slot.plain = entry["plain"] if isinstance(entry["plain"], dict) else {}
            slot.memo_seen = stat_key(memo_file(state_file))
            slot.decision = _decision_from_dict(entry["decision"], run, given, slot.plain)
            return slot
        except (KeyError, TypeError, ValueError):
            return None
    return None


def _write_memo(slot: Slot) -> object:
    """Write the slot into the memo beside its state file (with the other entries still there), 0600
    and atomically; never creates a folder, never fails the decision. Returns the memo's stat."""
    assert slot.state_file is not None
    path = memo_file(slot.state_file)
    folder, name = os.path.split(path)
    try:
        if not os.path.isdir(folder):
            return None
        entries = [entry for entry in read_memo(path)
                   if isinstance(entry, dict) and (entry.get("policy"), entry.get("run")) != (
                       slot.source, _run_key(slot.run))]
        memo = {"format": MEMO_FORMAT, "version": VERSION, "entries": [slot.entry(), *entries][:MEMO_ENTRIES]}
        import json  # writing follows a full resolution, which has loaded it anyway

        from usage_consent._files._replace import PRIVATE_FILE, replace_at

        data = json.dumps(memo, separators=(",", ":")).encode("ascii")

        dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            replace_at(dir_fd, name, data, mode=PRIVATE_FILE, durable=False)
        finally:
            os.close(dir_fd)
    except (OSError, ValueError):
        return None  # a cache: the next process resolves in full
    return stat_key(path)


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("not a list of strings")
    return tuple(value)


def _text(value: object, optional: bool = True) -> str | None:
    if isinstance(value, str) or (optional and value is None):
        return value
    raise ValueError(f"not a string: {value!r}")


def _decision_to_dict(decision: Decision) -> dict[str, Any]:
    notice = decision.notice
    return {"app": decision.app, "key": decision.key, "mode": decision.mode, "decided_by": decision.decided_by,
            "layers": decision.trace.to_dict(), "endpoints": list(decision.endpoints),
            "notice": None if notice is None else notice.__getstate__()}


def _layer_from_dict(data: dict[str, Any]) -> Layer:
    status = data["status"]
    if status not in STATUSES:
        raise ValueError(f"status {status!r}")
    name, kind, location = (_text(data[field], False) or "" for field in ("name", "kind", "location"))
    return Layer(name, kind, location, _text(data["raw"]), _text(data["value"]), status, _text(data["reason"]),
                 _strings(data["notes"]))


def _notice_from_dict(data: dict[str, Any] | None) -> NoticeState | None:
    if data is None:
        return None
    current, shown = data["current_version"], data["shown_version"]
    if not isinstance(current, int) or not (shown is None or isinstance(shown, int)) or not isinstance(
            data["due"], bool) or not isinstance(data["shown"], bool):
        raise ValueError("not a notice state")
    return NoticeState(current, shown, _text(data["shown_at"]), data["due"], _text(data["why"], False) or "",
                       data["shown"])


def _decision_from_dict(data: dict[str, Any], run: RunConfig, given: object, plain: dict[str, Any]) -> Decision:
    """A memo entry's decision; its context's policy is loaded on first use (pydantic only then), and
    its report settings are the entry's plain values (a memo written before they were kept there
    has none: they are then taken from the policy, loaded when a session first asks)."""
    mode = data["mode"]
    if mode not in MODES:
        raise ValueError(f"mode {mode!r}")

    def load() -> Policy:
        from usage_consent.policy._load import policy_from

        return policy_from(given)  # type: ignore[arg-type]

    from usage_consent._report_settings import ReportSettings

    app = _text(data["app"], False) or ""
    settings = ReportSettings.from_dict(plain["report"]) if "report" in plain else None
    if settings is not None and settings.app != app:
        raise ValueError("report settings of another app")
    where = Locations(None, run, load=load, app=app, settings=settings)
    return Decision(app, _text(data["key"], False) or "", mode, _text(data["decided_by"]),
                    Trace(tuple(map(_layer_from_dict, data["layers"]))), _notice_from_dict(data["notice"]),
                    _strings(data["endpoints"]), context=Context(run, where))


# The one module-level store of policy/: decisions must outlive a call to be reused.
CACHE = DecisionCache()
