"""The one cache in front of ``decide()`` and ``explain()``: the last decision resolved for each
policy and run configuration, reused while nothing it was resolved from has changed.

Its key is exactly what a resolution reads (the inputs each source kind declares in the table of
kinds, policy/_sources/__init__.py, and those of the notice):

- the policy's identity (the object: a policy loaded again is another key) and the run
  configuration (``RunConfig``, by value: its home, temporary folder, clock and HTTP session);
- HOME, as the run configuration gives it (every ``~`` path is expanded again when it changes);
- the value, set or unset, of every watched environment variable (a source's variable, the CI
  markers, a variable naming a file). They are read again only after the process's environment
  changed: ``os.environ`` reports each change as the audit events ``os.putenv`` and
  ``os.unsetenv`` (PEP 578), which bump a counter here; where that hook cannot be added, they are
  read on every call;
- the stat of every watched file (device, inode, size, mode, ``mtime_ns`` and ``ctime_ns``: a
  rewrite with the same size and a restored mtime still changes ctime): the config files, the
  managed file, the state file, a host's own schemas folder, and each file a variable names.

A policy with a ``volatile`` source (its inputs cannot all be declared: the working folder,
today's date, ...) is not cached at all.

A cache hit therefore costs one stat per watched file and a few comparisons. The disk memo of a
later version (a decision kept beside the state file for the next process) is meant to extend
``DecisionCache`` with the same key plus the package version; only ``Slot.key`` needs to be
written to disk for it.
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

from usage_consent._context import Context
from usage_consent._files.jsonfile import stat_key
from usage_consent._locations import Locations
from usage_consent._run import RunConfig
from usage_consent.policy._decision import Decision
from usage_consent.policy._model import Policy
from usage_consent.policy._sources import KINDS, Inputs
from usage_consent.policy._sources.config_file import target_spec
from usage_consent.policy._sources.notice import notice_inputs

__all__ = ["CACHE", "DecisionCache", "Slot", "inputs_of"]
SLOTS = 32  # policies x run configurations kept; more is a test suite, not a host: start afresh
_ENVIRONMENT_EVENTS = frozenset(("os.putenv", "os.unsetenv"))
_PROBE_EVENT = "usage_consent.cache.hooked"


def inputs_of(policy: Policy) -> Inputs:
    """Everything a resolution of ``policy`` reads: each source's declared inputs, the written config
    file and the policy's config file (the endpoints are read from them) and the notice's."""
    endpoints = Inputs(files=(target_spec(policy).path or policy.config_file, policy.config_file))
    declared = endpoints + notice_inputs(policy)
    for spec in policy.sources:
        declared = KINDS[spec.kind].inputs(policy, spec) + declared
    return declared


class Slot:
    """The last decision for one policy and run configuration, with the key it was resolved at."""

    __slots__ = ("decision", "generation", "home", "inputs", "key", "paths", "policy", "run", "values", "where")

    def __init__(self, policy: Policy, run: RunConfig) -> None:
        self.policy = policy
        self.run = run
        self.inputs = inputs_of(policy)
        self.home: str | None = None
        self.where = Locations(policy, run)  # expands the watched paths (again when HOME changes)
        self.paths: tuple[str, ...] = ()
        self.generation = -1  # the environment's generation ``values`` were read at
        self.values: tuple[str | None, ...] = ()
        self.key: tuple[Any, ...] | None = None
        self.decision: Decision | None = None

    def key_now(self, values: tuple[str | None, ...]) -> tuple[Any, ...]:
        """The key as the inputs are now (``values``: the watched variables', in ``inputs`` order)."""
        home = self.run.home_dir()
        if home != self.home or not self.paths:
            self.where = Locations(self.policy, self.run)
            self.paths = tuple(map(self.where.path, self.inputs.files))
            self.home = home
        named: tuple[object, ...] = ()
        if self.inputs.named_files:
            value_of = dict(zip(self.inputs.variables, values, strict=True))
            named = tuple(stat_key(self.where.path(path)) if (path := value_of[name]) else None
                          for name in self.inputs.named_files)
        return home, values, tuple(map(stat_key, self.paths)), named


class DecisionCache:
    """The slots, by policy and run configuration; see the module's docstring for the key."""

    def __init__(self) -> None:
        self._slots: dict[tuple[int, RunConfig], Slot] = {}
        self._lock = threading.Lock()
        self._ticks = itertools.count(1)
        self._generation = 0  # bumped by every change of the environment (when hooked)
        self._hooked: bool | None = None  # None: not tried yet
        # A fork while another thread holds the lock must not leave the child's decide() waiting.
        os.register_at_fork(after_in_child=self._fresh_lock)

    def _fresh_lock(self) -> None:
        self._lock = threading.Lock()

    def decision(self, policy: Policy, run: RunConfig, resolve: Callable[[Context], Decision]) -> Decision:
        """The cached decision for ``policy`` under ``run`` when its inputs are unchanged, else
        ``resolve``'s for a new context (then kept)."""
        slot = self._slots.get((id(policy), run))
        if slot is None or slot.policy is not policy:
            slot = Slot(policy, run)
        if slot.inputs.volatile:  # its key cannot be written down: resolved afresh, never kept
            return resolve(Context(policy, run, Locations(policy, run)))
        key = slot.key_now(self._variables(slot))
        decision = slot.decision
        if decision is None or key != slot.key:
            decision = resolve(Context(policy, run, Locations(policy, run)))
            with self._lock:
                if len(self._slots) >= SLOTS:
                    self._slots.clear()
                slot.key, slot.decision = key, decision
                self._slots[(id(policy), run)] = slot
        return decision

    def _variables(self, slot: Slot) -> tuple[str | None, ...]:
        """The slot's watched variables' values: read again only when the environment has changed
        since they were last read (on every call where the audit hook could not be added)."""
        if self._hooked is None:
            with self._lock:
                if self._hooked is None:
                    self._hook()
        generation = self._generation  # before the read: a change during it bumps it again
        if self._hooked and slot.generation == generation:
            return slot.values
        values = tuple(map(os.environ.get, slot.inputs.variables))
        slot.generation, slot.values = generation, values
        return values

    def _hook(self) -> None:
        """Count the environment's changes (PEP 578 audit events). An audit hook of the host may
        refuse ours (the events then never arrive: the variables are read on every call)."""
        self._hooked = False
        sys.addaudithook(self._audit)
        sys.audit(_PROBE_EVENT)

    def _audit(self, event: str, args: tuple[Any, ...]) -> None:
        if event in _ENVIRONMENT_EVENTS:
            self._generation = next(self._ticks)
        elif event == _PROBE_EVENT:
            self._hooked = True


# The one module-level store of policy/: decisions must outlive a call to be reused, and the
# environment's audit hook, once added, cannot be removed (so its counter lives as long).
CACHE = DecisionCache()
