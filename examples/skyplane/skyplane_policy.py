"""Skyplane's side of the consent: which policy, the decision for a transfer, the mounted
`skyplane usage ...` commands, `skyplane config get/set usage_stats`, and what `skyplane init` is
told. Used by skyplane_uc.py."""

from __future__ import annotations

import functools
from typing import Any

__all__ = ["POLICY_NAME", "config_command", "decide_transfer", "host_policy", "mount_usage_commands", "run_usage",
           "usage_stats_status"]

# The host's policy, named once: the published policy's JSON file first, then Skyplane 0.3.2's own
# INI file (`[flags] usage_stats` in ~/.skyplane/config or $SKYPLANE_CONFIG), which `set` writes.
POLICY_NAME = "skyplane-0.3"
# Source kinds that are a choice someone made (for `skyplane init`'s "enabled explicitly").
CHOICE_KINDS = ("env", "do_not_track", "config_file", "managed")


def host_policy() -> Any:
    from usage_consent.policy import load_policy

    return load_policy(POLICY_NAME)


def decide_transfer() -> Any:
    """The decision for a transfer starting now (the notice, when due, printed first)."""
    from usage_consent.policy import decide

    return decide(host_policy())


def usage_stats_status(cls: Any) -> Any:
    """Replaces UsageClient.usage_stats_status (read by `skyplane init`): our decision, not taken."""
    from skyplane.api.usage import UsageStatsStatus
    from usage_consent.policy import explain

    policy = host_policy()
    decision = explain(policy)
    if decision.mode == "off":
        return UsageStatsStatus.DISABLED_EXPLICITLY
    kinds = {source.name: source.kind for source in policy.sources}
    return UsageStatsStatus.ENABLED_EXPLICITLY if kinds.get(decision.decided_by) in CHOICE_KINDS \
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
        if code:
            raise SystemExit(code)
        return None

    return run
