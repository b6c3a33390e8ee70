"""Whether usage statistics may be collected for the transfer about to start: the documented
aliases of the public face (``usage_consent``) that earlier releases made public.

    from usage_consent.policy import decide
    decision = decide()          # Skyplane's embedded policy
    if decision.enabled: ...     # decision.mode is "on", "local" or "off"

Everything else in this package is private (its modules' names start with an underscore).
``import usage_consent.policy`` loads nothing but the exception classes: every other name loads its
module on first use, so a decision answered from the memo (policy/_cache.py) imports neither
pydantic nor pydantic-settings (and jsonschema and requests are never loaded here).
"""

from __future__ import annotations

from usage_consent.errors import (
    ConfigFileError,
    ConsentValueError,
    PolicyError,
    UsageConsentError,
)

TYPE_CHECKING = False  # not typing's: decide() answered from the memo must not pay for it
if TYPE_CHECKING:
    from usage_consent.policy._config_write import (
        FileChange,
        read_consent,
        remove_consent,
        set_consent,
        unset_consent,
        write_consent,
    )
    from usage_consent.policy._decide import decide, explain
    from usage_consent.policy._decision import Decision, Layer, Trace
    from usage_consent.policy._load import embedded_policy, load_policy
    from usage_consent.policy._model import Policy

# name -> its private module: each loads on first use (then is kept here).
_LAZY = {
    "decide": "_decide", "explain": "_decide",
    "Decision": "_decision", "Layer": "_decision", "Trace": "_decision",
    "embedded_policy": "_load", "load_policy": "_load",
    "Policy": "_model_parts",  # the complete model: its optional parts built too
    "FileChange": "_config_write", "read_consent": "_config_write", "remove_consent": "_config_write",
    "set_consent": "_config_write", "unset_consent": "_config_write", "write_consent": "_config_write",
}


def __getattr__(name: str) -> object:
    """Every public name loads its module on first use (``__import__``: importlib costs a cold start)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'usage_consent.policy' has no attribute {name!r}")
    value = getattr(__import__(f"usage_consent.policy.{module}", fromlist=[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


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
