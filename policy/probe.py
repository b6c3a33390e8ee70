"""The cheap check before each decision: have any of the policy's inputs changed?

A probe reads the watched environment variables and stats the watched files (paths expanded
again only when HOME changes). Its key is equal to the previous one exactly when a fresh
resolution would read the same inputs, so a cached decision can be reused.
"""

from __future__ import annotations

import os
from typing import Any

from usage_consent.files.jsonfile import stat_key
from usage_consent.locations import locations
from usage_consent.policy.model import Policy
from usage_consent.policy.notice_state import notice_watches
from usage_consent.policy.sources import SOURCE_CLASSES
from usage_consent.policy.sources.config_file import target_spec
from usage_consent.run import current

__all__ = ["Probe", "probe_for"]


class Probe:
    __slots__ = ("encoded", "home", "path_variables", "paths", "policy", "raw_paths", "variables")

    def __init__(self, policy: Policy) -> None:
        watched: list[tuple[str, str]] = []
        for spec in policy.sources:
            watched.extend(SOURCE_CLASSES[spec.kind].watches(policy, spec))
        # the endpoints are read from the written config file, else from the policy's config_file
        watched += [("file", target_spec(policy).path or policy.config_file), ("file", policy.config_file)]
        watched.extend(notice_watches(policy))  # Decision.notice is read from them
        self.policy = policy
        self.variables = tuple(dict.fromkeys(name for kind, name in watched if kind == "env"))
        self.raw_paths = tuple(dict.fromkeys(path for kind, path in watched if kind == "file"))
        self.path_variables = tuple(dict.fromkeys(name for kind, name in watched if kind == "file$"))
        encode = getattr(os.environ, "encodekey", None)
        self.encoded = tuple(map(encode, self.variables)) if encode else None
        self.home: str | None = None
        self.paths: tuple[str, ...] = ()

    def key(self) -> tuple[Any, ...]:
        environ = os.environ
        home = current().home_dir()
        if home != self.home or not self.paths:
            where = locations(self.policy)
            self.paths = tuple(map(where.path, self.raw_paths))
            self.home = home
        named = tuple(stat_key(locations(self.policy).path(path)) if (path := environ.get(name)) else None
                      for name in self.path_variables)
        return (id(self.policy), home, self._values(environ), tuple(stat_key(path) for path in self.paths), named)

    def _values(self, environ: Any) -> tuple[object, ...]:
        """The watched variables' values. os.environ.get costs an exception per unset variable
        (a ci source watches a dozen), so the environment's own mapping is read when there is one."""
        data = getattr(environ, "_data", None)
        if isinstance(data, dict) and self.encoded is not None:
            return tuple(map(data.get, self.encoded))
        return tuple(environ.get(name) for name in self.variables)


_probes: dict[int, Probe] = {}


def probe_for(policy: Policy) -> Probe:
    probe = _probes.get(id(policy))
    if probe is None or probe.policy is not policy:
        if len(_probes) > 32:
            _probes.clear()
        probe = _probes[id(policy)] = Probe(policy)
    return probe

