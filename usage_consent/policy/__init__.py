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
from usage_consent.policy._decide import decide, explain
from usage_consent.policy._decision import Decision, Layer, Trace
from usage_consent.policy._fileformats import file_format, written
from usage_consent.policy._load import (
    SHIPPED,
    embedded_policy,
    load_policy,
    parse_policy,
    policy_from,
    policy_to_toml,
)
from usage_consent.policy._model import Policy
from usage_consent.policy._notice_state import NoticeState, schemas_root
from usage_consent.policy._sources.config_file import config_target, target_spec
from usage_consent.policy._state import UNCHANGED, StateFile

if TYPE_CHECKING:
    from usage_consent.policy._config_write import (
        MODE_TO_JSON,
        FileChange,
        read_consent,
        remove_consent,
        set_consent,
        unset_consent,
        write_config_keys,
        write_consent,
    )
    from usage_consent.policy._endpoints import endpoint_problem
    from usage_consent.policy._notice import commands as notice_commands
    from usage_consent.policy._notice import render as render_notice
    from usage_consent.policy._notice import show as show_notice
    from usage_consent.policy._notice import status as notice_status

# name -> (module, attribute): loaded on first use, so a host's decide() never pays for them.
_LAZY = {
    "MODE_TO_JSON": ("config_write", "MODE_TO_JSON"),
    "FileChange": ("config_write", "FileChange"),
    "read_consent": ("config_write", "read_consent"),
    "remove_consent": ("config_write", "remove_consent"),
    "set_consent": ("config_write", "set_consent"),
    "unset_consent": ("config_write", "unset_consent"),
    "write_consent": ("config_write", "write_consent"),
    "write_config_keys": ("config_write", "write_config_keys"),
    "endpoint_problem": ("endpoints", "endpoint_problem"),
    "notice_commands": ("notice", "commands"),
    "notice_status": ("notice", "status"),
    "render_notice": ("notice", "render"),
    "show_notice": ("notice", "show"),
}


def __getattr__(name: str) -> object:
    """The config writes, the notice's text and the endpoint check load on first use."""
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(f"usage_consent.policy._{module}"), attribute)
    raise AttributeError(f"module 'usage_consent.policy' has no attribute {name!r}")


__all__ = [
    "MODE_TO_JSON",
    "SHIPPED",
    "UNCHANGED",
    "ConfigFileError",
    "ConsentValueError",
    "Decision",
    "FileChange",
    "Layer",
    "NoticeState",
    "Policy",
    "PolicyError",
    "StateFile",
    "Trace",
    "UsageConsentError",
    "config_target",
    "decide",
    "embedded_policy",
    "endpoint_problem",
    "explain",
    "file_format",
    "load_policy",
    "notice_commands",
    "notice_status",
    "parse_policy",
    "policy_from",
    "policy_to_toml",
    "read_consent",
    "remove_consent",
    "render_notice",
    "schemas_root",
    "set_consent",
    "show_notice",
    "target_spec",
    "unset_consent",
    "write_config_keys",
    "write_consent",
    "written",
]
