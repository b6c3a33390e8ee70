"""A key of the user's JSON config file: true, false or "local"; anything else is invalid."""

from __future__ import annotations

import json

from usage_consent.policy.decision import Layer
from usage_consent.policy.jsonfile import read_json_object
from usage_consent.policy.model import ConfigFileSource, Policy
from usage_consent.policy.paths import display, expand
from usage_consent.policy.sources.base import ConsentSource, clip
from usage_consent.schemas.errors import ConfigFileError

FILE_VALUES = {True: "on", False: "off", "local": "local"}


def config_location(policy: Policy, spec: ConfigFileSource) -> tuple[str, str]:
    """The expanded path and the key that this source reads."""
    return expand(spec.path or policy.config_file), spec.key or policy.key


def _first_spec(policy: Policy) -> ConfigFileSource | None:
    return next((s for s in policy.sources if isinstance(s, ConfigFileSource)), None)


def config_target_as_written(policy: Policy) -> str:
    """The path of the policy's (first) config_file source as the policy writes it (``~`` kept)."""
    spec = _first_spec(policy)
    return (spec.path if spec else None) or policy.config_file


def config_target(policy: Policy) -> tuple[str, str]:
    """The file and key of the policy's (first) config_file source: where choices are written."""
    spec = _first_spec(policy)
    return expand(config_target_as_written(policy)), (spec.key if spec else None) or policy.key


def parse_file_value(value: object) -> str | None:
    """The mode a JSON value stands for, or None when it is not true, false or "local"."""
    if isinstance(value, bool) or value == "local":
        return FILE_VALUES[value]  # type: ignore[index]
    return None


class ConfigFileConsentSource(ConsentSource):
    kind = "config_file"
    spec: ConfigFileSource

    @classmethod
    def watches(cls, policy: Policy, spec: ConfigFileSource) -> tuple[tuple[str, str], ...]:
        return (("file", spec.path or policy.config_file),)

    def read(self) -> Layer:
        path, key = config_location(self.policy, self.spec)
        location = f"{display(path)}: {key}"
        self.path, self.data = path, None  # kept for the endpoints, which live in the same file
        try:
            data = self.data = read_json_object(path, layer=self.spec.name)
        except ConfigFileError as error:
            return self._layer(location, None, None, error.message, invalid=True)
        if data is None or key not in data:
            return self._layer(location, None, None)
        raw = clip(json.dumps(data[key], ensure_ascii=False))
        mode = parse_file_value(data[key])
        if mode is None:
            reason = f"{display(path)}: key {key!r} must be true, false or \"local\"; got {raw}"
            return self._layer(location, raw, None, reason, invalid=True)
        return self._layer(location, raw, mode)
