"""Writing the consent key into the user's config file, strictly and safely.

The file is the one ``config set`` targets (see ``config_file.target_spec``), in its format
(JSON, INI or TOML); every other key, section and value is kept; the write is atomic and
under the file's lock. A host with its own ``config set`` command (``skyplane config set
usage_stats false``) calls :func:`write_consent` instead of writing the file itself.
"""

from __future__ import annotations

import os
from typing import Any

from usage_consent.errors import ConfigFileError, ConsentValueError
from usage_consent.files.atomic import exclusive_lock, real_target, write_atomic
from usage_consent.files.jsonfile import read_text
from usage_consent.locations import display
from usage_consent.policy.fileformats import TYPED_WRITTEN, UNSET, file_format, update_text, written
from usage_consent.policy.load import embedded_policy
from usage_consent.policy.model import EnvSource, Mode, Policy
from usage_consent.policy.sources.config_file import config_target, read_file_value, target_spec

__all__ = ["MODE_TO_JSON", "normalize_consent", "read_consent", "unset_consent", "write_consent"]

MODE_TO_JSON = TYPED_WRITTEN  # the one mode -> JSON value table (policy/fileformats.py)


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


def _update(policy: Policy, value: Any) -> tuple[str, bool]:
    """Set (or, with UNSET, remove) the key in the target file; the path and whether it changed."""
    spec = target_spec(policy)
    path, key = config_target(policy)
    fmt = file_format(path, spec.format)
    target = real_target(path)
    try:
        with exclusive_lock(target):
            text = read_text(target, layer=spec.name, what=fmt.upper())
            if value is UNSET and text is None:
                return path, False
            new, changed = update_text(text, target, fmt, spec.section, key, value)
            if changed:
                write_atomic(target, new)
    except OSError as error:  # only UsageConsentError leaves this module
        raise ConfigFileError(f"{display(path)}: cannot be written: {error.strerror or error}; left as it is",
                              layer=spec.name, path=path) from None
    return path, changed


def _local_advice(policy: Policy) -> str:
    """How to keep reports local for one run: the first env source that accepts a ``local`` spelling."""
    for source in policy.sources:
        if isinstance(source, EnvSource) and (source.spellings or policy.spellings).local:
            return (f"To keep reports on this machine for one run, set "
                    f"{source.variable}={(source.spellings or policy.spellings).local[0]}")
    return "No source of this policy accepts local"


def write_consent(value: str | bool, policy: Policy | None = None) -> Mode:
    """Write the mode under the policy's key in the target file's format, keeping everything else.

    Raises ConsentValueError for an unknown value, and ConfigFileError when the existing file
    cannot be parsed or cannot hold the value (``local`` where ``accept_local = false``); the
    file is then left untouched.
    """
    policy = policy or embedded_policy()
    mode = normalize_consent(value, policy)
    spec = target_spec(policy)
    path, key = config_target(policy)
    if mode == "local" and not spec.accept_local:
        raise ConfigFileError(
            f"{display(path)}: cannot hold \"local\" (the programs that read it accept only true or false); "
            f"nothing was changed. {_local_advice(policy)}",
            layer=spec.name, path=path, key=key, value="local", accepted="true, false",
        )
    _update(policy, written(mode, file_format(path, spec.format)))
    return mode


def unset_consent(policy: Policy | None = None) -> bool:
    """Remove the policy's key from the target file; True when it was there."""
    policy = policy or embedded_policy()
    if not os.path.lexists(config_target(policy)[0]):
        return False
    return _update(policy, UNSET)[1]


def read_consent(policy: Policy | None = None) -> Mode | None:
    """The target file's value (None when unset); raises ConfigFileError for a bad file or value."""
    policy = policy or embedded_policy()
    found = read_file_value(policy, target_spec(policy))
    if found.problem is not None:
        raise found.problem
    return found.mode  # type: ignore[return-value]
