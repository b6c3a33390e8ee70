"""Writing the consent key into the user's config files, strictly and safely.

The writable source (see ``config_file.target_spec``) names the file ``config get`` reads and new
values go to first; a policy may read the key from several config files, and a change takes
effect in all of them. ``config set V`` writes V to the writable file and to every other config
file that would otherwise still decide against V: one above the writable file holding another
value, and one anywhere whose invalid value would still count (turn ``on`` or ``local`` off, or
make ``decide()`` raise). ``config unset`` removes the key from every config file that holds it.
Each file is written in its format (JSON, INI or TOML); every other key, section and value is
kept; every file is locked and its new text made before any is written, and each write is atomic.
Where such a file cannot take the change (it cannot be read or written back, or its format
refuses the value), nothing is written and ConfigFileError names that file and what to do.
A host with its own ``config set`` command (``skyplane config set usage_stats false``) calls
:func:`write_consent` (or :func:`set_consent`) instead of writing the file itself.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from typing import Any

from usage_consent._files.atomic import exclusive_lock, real_target, write_atomic
from usage_consent._files.jsonfile import read_text
from usage_consent._locations import display
from usage_consent.errors import ConfigFileError, ConsentValueError
from usage_consent.policy._fileformats import TYPED_WRITTEN, UNSET, file_format, update_text, written
from usage_consent.policy._load import embedded_policy
from usage_consent.policy._model import ConfigFileSource, EnvSource, FileFormat, Mode, Policy
from usage_consent.policy._sources import on_invalid
from usage_consent.policy._sources.config_file import (
    FileReading,
    config_target,
    file_path,
    holds,
    placed,
    read_file_value,
    target_spec,
)

__all__ = ["MODE_TO_JSON", "FileChange", "normalize_consent", "read_consent", "remove_consent", "set_consent",
           "unset_consent", "write_config_keys", "write_consent"]

MODE_TO_JSON = TYPED_WRITTEN  # the one mode -> JSON value table (policy/_fileformats.py)
_INVALID_COUNTS: dict[str, tuple[str, ...]] = {  # on_invalid -> the written modes an invalid value still defeats
    "off": ("on", "local"),  # fails closed: the decision is off
    "skip": ("on",),  # skipped, but a bad value never lets collection send
}


@dataclass(frozen=True, slots=True)
class FileChange:
    """One config file a change wrote: its source's name, its path, where the key is, and the value
    written in the file's format (``removed``: the key was taken out)."""

    source: str
    path: str
    section: str | None
    key: str
    value: Any = None
    removed: bool = False

    def __str__(self) -> str:
        import json

        where = f"{display(self.path)}: {self.key}"
        if self.removed:
            return f"{where} removed"
        shown = self.value if isinstance(self.value, str) and self.value != "local" else json.dumps(self.value)
        return f"{where} = {shown}"


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


def _spelling(policy: Policy, source: EnvSource, mode: Mode) -> str | None:
    """A value of the variable that stands for ``mode``: its first spelling, or the first string
    its value map compares with that maps to it."""
    if source.values is None:
        return next(iter(getattr(source.spellings or policy.spellings, mode)), None)
    return next((entry.equals for entry in source.values if isinstance(entry.equals, str) and entry.mode == mode),
                None)


def _env_advice(policy: Policy, mode: Mode) -> str:
    """How to get ``mode`` for one run: the first env source that accepts a spelling of it."""
    for source in policy.sources:
        spelling = _spelling(policy, source, mode) if isinstance(source, EnvSource) else None
        if isinstance(source, EnvSource) and spelling is not None:
            verb = "keep reports on this machine" if mode == "local" else f"turn usage stats {mode}"
            return f"To {verb} for one run, set {source.names[0]}={spelling}"
    return f"No source of this policy accepts {mode}"


def _still_decides(policy: Policy, spec: ConfigFileSource, found: FileReading, mode: Mode | None,
                   above: bool) -> bool:
    """Whether this file, left as it is, would still decide after the writable file holds ``mode``
    (None: after the key is removed from the writable file)."""
    if found.problem is None:
        return found.mode is not None and (mode is None or (above and found.mode != mode))
    if found.unreadable and spec.on_unreadable == "unset":
        return False
    rule = on_invalid(policy, spec)
    if mode is None:
        return True
    return above if rule == "raise" else mode in _INVALID_COUNTS.get(rule, ())


def _refused(found: FileReading, mode: Mode | None, why: str, advice: str) -> ConfigFileError:
    change = "remove the key" if mode is None else f"set it to {mode}"
    return ConfigFileError(f"{why}; it would still decide, so nothing was changed. Fix or remove {display(found.path)} "
                           f"and run the command again to {change}. {advice}".rstrip(),
                           layer="config_file", path=found.path, key=found.key,
                           value=found.value if found.value is not UNSET else None)


def _plan(policy: Policy, mode: Mode | None) -> list[ConfigFileSource]:
    """The config files that get the change: the writable one first, then every other that would
    otherwise still decide; ConfigFileError (nothing written) when one of those cannot take it."""
    target = target_spec(policy)
    specs = [s for s in policy.sources if isinstance(s, ConfigFileSource)]
    order = {spec.name: index for index, spec in enumerate(policy.sources)}
    chosen = [target]
    for spec in specs:
        if spec is target:
            continue
        found = read_file_value(policy, spec)
        if not _still_decides(policy, spec, found, mode, order[spec.name] < order.get(target.name, len(order))):
            continue
        advice = _env_advice(policy, mode or "off") if mode else ""
        if found.unreadable:
            raise _refused(found, mode, found.problem.message if found.problem else display(found.path), advice)
        if mode is not None and not holds(spec, mode, found.fmt):
            raise _refused(found, mode, f"{display(found.path)}: {_cannot_hold(spec, mode, found.fmt)} and holds "
                           f"{found.raw}", _env_advice(policy, mode))
        chosen.append(spec)
    return chosen


def _cannot_hold(spec: ConfigFileSource, mode: Mode, fmt: FileFormat) -> str:
    """Why this file cannot hold ``mode`` (``holds`` is false)."""
    if not spec.values:
        return "cannot hold \"local\" (the programs that read it accept only true or false)"
    return (f"cannot hold {mode}: its values do not read {json.dumps(written(mode, fmt))} (what is written for "
            f"{mode}) as {mode}")


def _where(policy: Policy, spec: ConfigFileSource, path: str) -> tuple[str | None, str]:
    """Where the key is written in this file; ConfigFileError for a key path deeper than two steps."""
    place = placed(policy, spec)
    if place is None:
        raise ConfigFileError(f"{display(path)}: its key {'.'.join(spec.key_path or ())} is read, never written "
                              "(config set writes a key at most two steps deep); nothing was changed",
                              layer=spec.name, path=path)
    return place


def _no_folder_through_a_link(path: str, layer: str) -> None:
    """A config file that is a symbolic link is written at its target, but no folder is ever
    created through a link: a link whose target's folder is missing is refused, naming the link."""
    if os.path.islink(path):
        target = real_target(path)
        if not os.path.isdir(os.path.dirname(target)):
            raise ConfigFileError(f"{display(path)}: is a symbolic link to {target}, whose folder does not exist; "
                                  "nothing was created (create the folder, or remove the link)",
                                  layer=layer, path=path)


def _apply(policy: Policy, specs: list[ConfigFileSource], mode: Mode | None) -> tuple[FileChange, ...]:
    """Write the change to every file of ``specs`` (each in its format): all are locked, read and
    their new text made before any is written, so a file that cannot take it (ConfigFileError)
    leaves every file as it was."""
    by_file: dict[str, list[tuple[ConfigFileSource, str]]] = {}
    for spec in specs:
        path = file_path(policy, spec)
        if mode is None and not os.path.lexists(path):
            continue
        _no_folder_through_a_link(path, spec.name)
        by_file.setdefault(real_target(path), []).append((spec, path))
    texts: dict[str, str] = {}
    changes: list[FileChange] = []
    current = ""
    try:
        with contextlib.ExitStack() as locks:
            for target in sorted(by_file):  # one order for every writer: no two wait on each other
                current = by_file[target][0][1]
                locks.enter_context(exclusive_lock(target))
            for target, entries in by_file.items():
                first, current = entries[0]
                text = read_text(target, layer=first.name, what=file_format(current, first.format).upper())
                if mode is None and text is None:
                    continue
                changed_file = False
                for spec, path in entries:
                    fmt = file_format(path, spec.format)
                    section, key = _where(policy, spec, path)
                    value = UNSET if mode is None else written(mode, fmt)
                    new, changed = update_text(text, target, fmt, section, key, value)
                    text, changed_file = new, changed_file or changed
                    if changed:
                        changes.append(FileChange(spec.name, path, section, key, None if mode is None else value,
                                                  removed=mode is None))
                if changed_file and text is not None:
                    texts[target] = text
            for target, text in texts.items():
                current = by_file[target][0][1]
                write_atomic(target, text)
    except OSError as error:  # only UsageConsentError leaves this module
        raise ConfigFileError(f"{display(current)}: cannot be written: {error.strerror or error}; left as it is",
                              layer="config_file", path=current) from None
    return tuple(changes)


def set_consent(value: str | bool, policy: Policy | None = None) -> tuple[Mode, tuple[FileChange, ...]]:
    """``write_consent``, also returning every file written (the writable one first)."""
    policy = policy or embedded_policy()
    mode = normalize_consent(value, policy)
    spec = target_spec(policy)
    path, key = config_target(policy)
    fmt = file_format(path, spec.format)
    if not holds(spec, mode, fmt):
        raise ConfigFileError(
            f"{display(path)}: {_cannot_hold(spec, mode, fmt)}; nothing was changed. {_env_advice(policy, mode)}",
            layer=spec.name, path=path, key=key, value=mode, accepted="true, false" if not spec.values else None,
        )
    return mode, _apply(policy, _plan(policy, mode), mode)


def write_consent(value: str | bool, policy: Policy | None = None) -> Mode:
    """Write the mode under the policy's key, in each file's format, keeping everything else: to
    the writable config file, and to every other config file of the policy that would otherwise
    still decide against it (so that after ``write_consent(False)`` no config file keeps
    collection on).

    Raises ConsentValueError for an unknown value, and ConfigFileError when a file that would
    still decide cannot be parsed, written back, or cannot hold the value (``local`` where
    ``accept_local = false``); every file is then left untouched.
    """
    return set_consent(value, policy)[0]


def remove_consent(policy: Policy | None = None) -> tuple[FileChange, ...]:
    """``unset_consent``, returning every file the key was removed from."""
    policy = policy or embedded_policy()
    return _apply(policy, _plan(policy, None), None)


def unset_consent(policy: Policy | None = None) -> bool:
    """Remove the policy's key from every config file of the policy that holds it; True when one did."""
    return bool(remove_consent(policy))


def read_consent(policy: Policy | None = None) -> Mode | None:
    """The writable file's value (None when unset); raises ConfigFileError for a bad file or value."""
    policy = policy or embedded_policy()
    found = read_file_value(policy, target_spec(policy))
    if found.problem is not None:
        raise found.problem
    return found.mode  # type: ignore[return-value]


def write_config_keys(values: dict[str, Any], policy: Policy | None = None) -> str:
    """Set ``values`` (key -> value) beside the consent key: in the file ``config set`` writes, in its
    format and section, keeping everything else (the testing sandbox writes its endpoint so). In
    an INI file a value is written as text: a bool as configparser reads it back, a list as its
    items separated by ``, ``. Returns the file's path."""
    policy = policy or embedded_policy()
    spec = target_spec(policy)
    path = config_target(policy)[0]
    fmt = file_format(path, spec.format)
    target = real_target(path)
    section = _where(policy, spec, path)[0]
    try:
        with exclusive_lock(target):
            text = read_text(target, layer=spec.name, what=fmt.upper())
            for key, value in values.items():
                text = update_text(text, target, fmt, section, key, _as_written(value, fmt))[0]
            write_atomic(target, text or "")
    except OSError as error:  # only UsageConsentError leaves this module
        raise ConfigFileError(f"{display(path)}: cannot be written: {error.strerror or error}; left as it is",
                              layer=spec.name, path=path) from None
    return path


def _as_written(value: Any, fmt: str) -> Any:
    if fmt != "ini":
        return value
    if isinstance(value, bool):
        return written("on" if value else "off", "ini")
    return ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
