"""Skyplane's side of the consent: which policy, the decision for a transfer, the mounted
`skyplane usage ...` commands, `skyplane config get/set usage_stats`, and what `skyplane init` is
told. Used by skyplane_uc.py."""

from __future__ import annotations

import functools
from typing import Any

__all__ = ["POLICY_NAME", "config_command", "decide_transfer", "host_policy", "mount_usage_commands", "run_usage",
           "usage_stats_status"]

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


def run_usage(words: list[str]) -> int:
    """`skyplane usage WORDS...`: the library's mounted commands (usage_consent.cli.host), bound to
    the host's policy. Through argparse: Typer 0.2x vendors its own click, so a click group from
    `click_group()` cannot be added to Skyplane's Typer app."""
    import argparse

    from usage_consent.cli.host import add_argparse

    parser = argparse.ArgumentParser(prog="skyplane")
    add_argparse(parser.add_subparsers(dest="command", required=True), "usage", policy=POLICY_NAME)
    args = parser.parse_args(["usage", *words])
    return int(args.func(args))


def mount_usage_commands(app: Any) -> None:
    """`skyplane usage explain|notice|records|forget|history|set|get|unset`: the library's commands,
    their arguments and `--help` parsed by the library (skyplane_policy.run_usage)."""
    import typer
    from usage_consent.cli.host import GROUP_HELP

    def usage(ctx: Any) -> None:
        raise SystemExit(run_usage(list(ctx.args)))

    usage.__annotations__ = {"ctx": typer.Context, "return": None}
    app.command(name="usage", help=GROUP_HELP, add_help_option=False,
                context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(usage)


def config_command(original: Any, name: str) -> Any:
    """`skyplane config get|set usage_stats [VALUE]` = `skyplane usage get|set [VALUE]`; other keys
    stay Skyplane's own."""
    @functools.wraps(original)
    def run(key: str, *args: Any, **kwargs: Any) -> Any:
        if key != "usage_stats":
            return original(key, *args, **kwargs)
        value = [str(kwargs.get("value", args[0] if args else ""))] if name == "set" else []
        code = run_usage([name, *value])
        if code == 0 and name == "set":
            _sync_ini(value[0])
        if code:
            raise SystemExit(code)
        return None

    return run


def _sync_ini(value: str) -> None:
    """INTERIM, until POLICY_NAME is "skyplane-0.3" (whose INI source the mounted `set` writes):
    keep Skyplane 0.3.2's own INI flag, when the user has one, equal for on/off."""
    from skyplane.config_paths import cloud_config, config_path
    from usage_consent.policy import read_consent

    mode = read_consent(host_policy())
    if POLICY_NAME or mode not in ("on", "off"):
        return
    if getattr(cloud_config, "flag_usage_stats", None) is not None:
        cloud_config.set_flag("usage_stats", str(mode == "on"))
        cloud_config.to_config_file(config_path)
