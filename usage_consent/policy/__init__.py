"""Whether usage statistics may be collected for the transfer about to start: the documented
aliases of the public face (``usage_consent``) that earlier releases made public.

    from usage_consent.policy import decide
    decision = decide()          # Skyplane's embedded policy
    if decision.enabled: ...     # decision.mode is "on", "local" or "off"

Everything else in this package is private (its modules' names start with an underscore).
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
from usage_consent.policy._decide import decide, explain
from usage_consent.policy._decision import Decision, Layer, Trace
from usage_consent.policy._load import embedded_policy, load_policy
from usage_consent.policy._model import Policy

if TYPE_CHECKING:
    from usage_consent.policy._config_write import (
        FileChange,
        read_consent,
        remove_consent,
        set_consent,
        unset_consent,
        write_consent,
    )

# The config writes load on first use, so a host's decide() never pays for them.
_LAZY = frozenset(("FileChange", "read_consent", "remove_consent", "set_consent", "unset_consent", "write_consent"))


def __getattr__(name: str) -> object:
    """The config writes load on first use."""
    if name in _LAZY:
        from usage_consent.policy import _config_write

        return getattr(_config_write, name)
    raise AttributeError(f"module 'usage_consent.policy' has no attribute {name!r}")


__all__ = [
    "ConfigFileError",
    "ConsentValueError",
    "Decision",
    "FileChange",
    "Layer",
    "Policy",
    "PolicyError",
    "Trace",
    "UsageConsentError",
    "decide",
    "embedded_policy",
    "explain",
    "load_policy",
    "read_consent",
    "remove_consent",
    "set_consent",
    "unset_consent",
    "write_consent",
]
