"""Skyplane's side of the consent: which policy, the decision for a transfer, `skyplane config
get/set usage_stats`, and what `skyplane init` is told. Used by skyplane_uc.py."""

from __future__ import annotations

import functools
import sys
from typing import Any

__all__ = ["POLICY_NAME", "config_command", "decide_transfer", "host_policy", "usage_stats_status"]

# THE place where the host's policy is named. Issue 11 ships the `skyplane-0.3` policy (which also
# reads Skyplane 0.3.2's INI file `[flags] usage_stats`); until then None = the embedded policy.
POLICY_NAME: str | None = None


def host_policy() -> Any:
    from usage_consent.policy import embedded_policy, load_policy

    return load_policy(POLICY_NAME) if POLICY_NAME else embedded_policy()


def _ini_opt_out() -> bool:
    """INTERIM, until POLICY_NAME is "skyplane-0.3": the user's Skyplane 0.3.2 opt-out,
    ``[flags] usage_stats = False`` in ~/.skyplane/config (or $SKYPLANE_CONFIG)."""
    if POLICY_NAME:
        return False
    from skyplane.config_paths import cloud_config

    return getattr(cloud_config, "flag_usage_stats", None) is False


# Sources that are a choice the user made (a variable, our config file): they win over the INI flag.
CHOICES = ("env", "do_not_track", "config_file")


def decide_transfer() -> Any:
    """The decision for a transfer starting now. An INI opt-out that no explicit choice overrides
    makes it off at once: no notice, nothing written (INTERIM, see _ini_opt_out)."""
    from usage_consent.policy import decide, explain

    policy = host_policy()
    if _ini_opt_out():
        preview = explain(policy)
        if preview.decided_by not in CHOICES:
            return preview.replace(mode="off", endpoints=(), decided_by="skyplane_ini")
    return decide(policy)


def usage_stats_status(cls: Any) -> Any:
    """Replaces UsageClient.usage_stats_status (read by `skyplane init`): our decision, not taken."""
    from skyplane.api.usage import UsageStatsStatus
    from usage_consent.policy import explain

    decision = explain(host_policy())
    if decision.mode == "off" or (_ini_opt_out() and decision.decided_by not in CHOICES):
        return UsageStatsStatus.DISABLED_EXPLICITLY
    return UsageStatsStatus.ENABLED_EXPLICITLY if decision.decided_by in CHOICES \
        else UsageStatsStatus.ENABLED_BY_DEFAULT


def config_command(original: Any, name: str) -> Any:
    @functools.wraps(original)
    def run(key: str, *args: Any, **kwargs: Any) -> Any:
        if key != "usage_stats":
            return original(key, *args, **kwargs)
        from usage_consent.policy import UsageConsentError, read_consent, write_consent

        policy = host_policy()
        try:
            old = read_consent(policy)
            if name == "set":
                new = write_consent(kwargs.get("value", args[0] if args else None), policy)
                _sync_ini(new)
                print(f"usage_stats = {new} (was {old or 'unset'})")
            else:
                print(f"usage_stats = {old or 'unset'}")
        except UsageConsentError as error:
            print(f"skyplane config {name}: {error}", file=sys.stderr)
            raise SystemExit(1) from None
        return None

    return run


def _sync_ini(mode: str) -> None:
    """INTERIM, until POLICY_NAME is "skyplane-0.3" (whose INI source write_consent writes): keep
    Skyplane 0.3.2's own INI flag, when the user has one, equal for on/off."""
    if POLICY_NAME or mode == "local":
        return
    from skyplane.config_paths import cloud_config, config_path

    if getattr(cloud_config, "flag_usage_stats", None) is not None:
        cloud_config.set_flag("usage_stats", str(mode == "on"))
        cloud_config.to_config_file(config_path)
