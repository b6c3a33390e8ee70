"""Resolution: the policy's sources, assembled in the declared order, merged by pydantic-settings.

Every source is read (so the trace shows what each one said); pydantic-settings lets the
first source that offers a value win. Results are cached on what the sources would read
(environment values and the files' stat, see probe.py), so an unchanged setting is not parsed
again and a changed one is always seen on the next call.
"""

from __future__ import annotations

import logging
import threading
from typing import Literal

from pydantic_settings import BaseSettings
from usage_consent.policy.decision import Decision, Layer, Trace
from usage_consent.policy.jsonfile import read_json_object
from usage_consent.policy.model import Policy
from usage_consent.policy.probe import probe_for
from usage_consent.policy.sources import SOURCE_CLASSES, ConsentSource
from usage_consent.policy.sources.config_file import ConfigFileConsentSource, config_target
from usage_consent.schemas.errors import ConfigFileError

log = logging.getLogger("usage_consent")
CACHE_LIMIT = 64


class ConsentSettings(BaseSettings):
    """The merged result: the winning source's mode and name."""

    mode: Literal["on", "off", "local"] | None = None
    decided_by: str | None = None


_cache: dict[tuple[object, ...], Decision] = {}
_cache_lock = threading.Lock()


def _endpoints(policy: Policy, sources: tuple[ConsentSource, ...]) -> tuple[str, ...]:
    """The endpoints, from the config file the config_file source has already read when it is
    the same file (a file that did not parse has already been reported by that source)."""
    from usage_consent.policy.endpoints import resolve_endpoints

    path = config_target(policy)[0]
    read = next((s for s in sources if isinstance(s, ConfigFileConsentSource) and s.path == path), None)
    if read is not None:
        return resolve_endpoints(policy, read.data, path)
    try:
        config = read_json_object(path)
    except ConfigFileError:
        config = None
    return resolve_endpoints(policy, config, path)


def _compute(policy: Policy) -> Decision:
    sources: tuple[ConsentSource, ...] = tuple(
        SOURCE_CLASSES[spec.kind](ConsentSettings, policy, spec) for spec in policy.sources
    )
    merged = ConsentSettings(_build_sources=(sources, {}))
    mode, decided_by = merged.mode or "off", merged.decided_by
    layers: list[Layer] = []
    for source in sources:
        layer = source.layer
        if layer.status == "decided" and layer.name != decided_by:
            layer = layer._replace(status="shadowed")
        layers.append(layer)
    invalid = [layer for layer in layers if layer.status == "invalid"]
    if mode == "on" and invalid:
        # on_invalid = "skip" passes over a bad source, but a bad value never lets collection send.
        mode = "off"
    for layer in invalid:
        log.warning("usage stats off: %s", layer.reason)
    endpoints = _endpoints(policy, sources) if mode == "on" else ()
    return Decision(policy.app, policy.key, mode, decided_by, Trace(tuple(layers)), endpoints=endpoints,
                    policy=policy)


def resolve(policy: Policy) -> Decision:
    """The decision for a transfer started now, without side effects."""
    key = probe_for(policy).key()
    decision = _cache.get(key)
    if decision is None:
        decision = _compute(policy)
        with _cache_lock:
            if len(_cache) >= CACHE_LIMIT:
                _cache.clear()
            _cache[key] = decision
    return decision
