"""Writing the consent key into the user's config file, strictly and safely.

A host with its own ``config set`` command (``skyplane config set usage_stats false``)
calls :func:`write_consent` instead of writing JSON itself.
"""

from __future__ import annotations

import json
import os
from typing import Any

from usage_consent.policy.atomic import exclusive_lock, real_target, write_atomic
from usage_consent.policy.jsonfile import read_json_object
from usage_consent.policy.load import embedded_policy
from usage_consent.policy.model import Mode, Policy
from usage_consent.policy.paths import display
from usage_consent.policy.sources.config_file import config_target, parse_file_value
from usage_consent.schemas.errors import ConfigFileError, ConsentValueError

MODE_TO_JSON: dict[str, Any] = {"on": True, "off": False, "local": "local"}


def normalize_consent(value: str | bool, policy: Policy) -> Mode:
    """The mode a command argument or a host's value spells; anything else is an error."""
    if isinstance(value, bool):
        return "on" if value else "off"
    mode = policy.spellings.parse(value) if isinstance(value, str) else None
    if mode is None:
        raise ConsentValueError(
            f"{policy.key}: {value!r} is not a value; accepted (any case): {policy.spellings.accepted()}",
            layer="command", key=policy.key, value=value, accepted=policy.spellings.accepted(),
        )
    return mode


def _update(policy: Policy, change: Any) -> tuple[str, str, dict[str, Any]]:
    path, key = config_target(policy)
    target = real_target(path)
    with exclusive_lock(target):
        data = read_json_object(target) or {}
        if change(data, key):
            write_atomic(target, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return path, key, data


def write_consent(value: str | bool, policy: Policy | None = None) -> Mode:
    """Write ``true``, ``false`` or ``"local"`` under the policy's key, keeping every other key.

    Raises ConsentValueError for an unknown value and ConfigFileError when the existing file
    is not a JSON object (it is then left untouched).
    """
    policy = policy or embedded_policy()
    mode = normalize_consent(value, policy)

    def put(data: dict[str, Any], key: str) -> bool:
        data[key] = MODE_TO_JSON[mode]
        return True

    _update(policy, put)
    return mode


def unset_consent(policy: Policy | None = None) -> bool:
    """Remove the policy's key from the config file; True when it was there."""
    policy = policy or embedded_policy()
    if not os.path.lexists(config_target(policy)[0]):
        return False
    removed: list[bool] = []

    def drop(data: dict[str, Any], key: str) -> bool:
        removed.append(data.pop(key, _MISSING) is not _MISSING)
        return removed[0]

    _update(policy, drop)
    return removed[0]


def read_consent(policy: Policy | None = None) -> Mode | None:
    """The config file's value (None when unset); raises ConfigFileError for a bad file or value."""
    policy = policy or embedded_policy()
    path, key = config_target(policy)
    data = read_json_object(path)
    if data is None or key not in data:
        return None
    mode = parse_file_value(data[key])
    if mode is None:
        raise ConfigFileError(
            f"{display(path)}: key {key!r} must be true, false or \"local\"; got {json.dumps(data[key])}",
            layer="config_file", path=path, key=key, value=data[key], accepted='true, false, "local"',
        )
    return mode  # type: ignore[return-value]


_MISSING = object()
