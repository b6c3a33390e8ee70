"""Resolution: the policy's sources, in the declared order, merged by pydantic-settings.

Each policy gets a settings class whose ``settings_customise_sources`` (pydantic-settings'
documented hook) returns the policy's sources, highest first. pydantic-settings calls every
source (so the trace shows what each one said) and lets the first that offers a value win.
Results are cached on what the sources would read (environment values and the files' stat, see
probe.py), so an unchanged setting is not parsed again and a changed one is always seen.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from typing import Any, Literal

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from usage_consent.errors import ConfigFileError
from usage_consent.locations import locations
from usage_consent.policy.decision import Decision, Layer, Trace
from usage_consent.policy.fileformats import file_format, read_mapping
from usage_consent.policy.model import FileFormat, Mode, Policy
from usage_consent.policy.notice_state import NoticeState, read_notice_state
from usage_consent.policy.probe import probe_for
from usage_consent.policy.sources import SOURCE_CLASSES
from usage_consent.policy.sources.base import on_invalid
from usage_consent.policy.sources.config_file import file_path, target_spec

__all__ = ["ConsentSettings", "resolve", "settings_class"]

log = logging.getLogger("usage_consent")
CACHE_LIMIT = 64


class ConsentSettings(BaseSettings):
    """The merged result: the winning source's mode and name, an administrator's ceiling, and
    what every source said (``layers``, ``errors``) and read (``files``)."""

    mode: Mode | None = None
    decided_by: str | None = None
    ceiling: Literal["local"] | None = None
    ceiling_by: str | None = None
    layers: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    files: dict[str, Any] = {}  # by path: a config's JSON object; the state file's NoticeState


_classes: dict[int, tuple[Policy, type[ConsentSettings]]] = {}
_cache: dict[tuple[object, ...], Decision] = {}
_cache_lock = threading.Lock()


def settings_class(policy: Policy) -> type[ConsentSettings]:
    """The settings class whose sources are this policy's, highest first."""
    known = _classes.get(id(policy))
    if known is not None and known[0] is policy:
        return known[1]

    class PolicySettings(ConsentSettings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return tuple(SOURCE_CLASSES[spec.kind](settings_cls, policy, spec) for spec in policy.sources)

    with _cache_lock:
        if len(_classes) > 32:
            _classes.clear()
        _classes[id(policy)] = (policy, PolicySettings)
    return PolicySettings


def _endpoints(policy: Policy, files: dict[str, Any]) -> tuple[str, ...]:
    """The endpoints, from the file ``config set`` writes (the policy's writable config file), in its
    format and section beside the consent key, else from the top level of the policy's
    ``config_file``; a file's contents are reused when a source has read it (a file that did not
    parse has already been reported by that source)."""
    from usage_consent.policy.endpoints import resolve_endpoints

    spec = target_spec(policy)
    target = file_path(policy, spec)
    places = [(target, file_format(target, spec.format), spec.name, spec.section)]
    if locations(policy).config_file != target:
        places.append((locations(policy).config_file, "json", "config_file", None))
    keys = {policy.reporter.endpoint_key, policy.reporter.additional_endpoints_key}
    found: list[tuple[str, FileFormat, dict[str, Any] | None]] = []
    for path, fmt, layer, section in places:
        config = files.get(path) if path in files else _read_tolerantly(path, fmt, layer)
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


def _compute(policy: Policy) -> Decision:
    merged = settings_class(policy)()
    mode: Mode = merged.mode or "off"
    decided_by = merged.decided_by
    if merged.ceiling == "local" and mode == "on":
        mode, decided_by = "local", merged.ceiling_by
    rules = {spec.name: on_invalid(policy, spec) for spec in policy.sources}
    # A "raise" source is what a peer reads only when nothing above it decided: it counts only then.
    invalid = [merged.layers[spec.name] for spec in policy.sources if merged.layers[spec.name].status == "invalid"
               and (rules[spec.name] != "raise" or spec.name == decided_by)]
    failing_closed = [layer for layer in invalid if rules[layer.name] == "off"]
    if failing_closed and mode != "off":
        # The one rule: an invalid source whose rule is "off", above or below the one that decided,
        # makes the decision off, for "on" and "local" alike; the first such source decides it.
        mode, decided_by = "off", failing_closed[0].name
    elif mode == "on" and invalid:
        # on_invalid = "skip" passes over a bad source, but a bad value never lets collection send.
        mode = "off"
    layers: list[Layer] = []
    for spec in policy.sources:
        layer = merged.layers[spec.name]
        if layer.status == "decided" and layer.name != decided_by:
            layer = dataclasses.replace(layer, status="shadowed")
        layers.append(layer)
    error = merged.errors.get(decided_by) if decided_by and rules.get(decided_by) == "raise" else None
    for layer in invalid:
        if layer.name != decided_by or error is None:
            log.warning("usage stats off: %s", layer.reason)
    endpoints = _endpoints(policy, merged.files) if mode == "on" else ()
    notice = merged.files.get(locations(policy).state_file)
    if not isinstance(notice, NoticeState):  # no notice source read it (none, or the policy shows no notice)
        notice = read_notice_state(policy)
    return Decision(policy.app, policy.key, mode, decided_by, Trace(tuple(layers)), notice=notice,
                    endpoints=endpoints, policy=policy, error=error)


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
