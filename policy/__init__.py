"""Whether usage statistics may be collected for the transfer about to start.

    from usage_consent.policy import decide
    decision = decide()          # Skyplane's embedded policy
    if decision.enabled: ...     # decision.mode is "on", "local" or "off"

``import usage_consent.policy`` loads neither jsonschema nor requests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from usage_consent.errors import (
    ConfigFileError,
    ConsentValueError,
    PolicyError,
    UsageConsentError,
)
from usage_consent.policy.decide import decide, explain
from usage_consent.policy.decision import Decision, Layer, Trace
from usage_consent.policy.load import embedded_policy, load_policy, parse_policy, policy_to_toml
from usage_consent.policy.model import Policy

if TYPE_CHECKING:
    from usage_consent.policy.config_write import read_consent, unset_consent, write_consent

_LAZY = {"read_consent", "unset_consent", "write_consent"}


def __getattr__(name: str) -> object:
    """The config writes load on first use: a host's decide() never pays for them."""
    if name in _LAZY:
        from usage_consent.policy import config_write

        return getattr(config_write, name)
    raise AttributeError(f"module 'usage_consent.policy' has no attribute {name!r}")


__all__ = [
    "ConfigFileError",
    "ConsentValueError",
    "Decision",
    "Layer",
    "Policy",
    "PolicyError",
    "Trace",
    "UsageConsentError",
    "decide",
    "embedded_policy",
    "explain",
    "load_policy",
    "parse_policy",
    "policy_to_toml",
    "read_consent",
    "unset_consent",
    "write_consent",
]
