"""Skyplane's side of the consent: which policy, the decision for a transfer, the mounted
`skyplane usage ...` commands, `skyplane config get/set usage_stats`, and what `skyplane init` is
told. Used by skyplane_uc.py."""

from __future__ import annotations

import functools
from typing import Any

__all__ = ["POLICY_NAME", "config_command", "decide_transfer", "host_policy", "init_command", "mount_usage_commands",
           "run_usage", "usage_stats_status"]

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

    return decide(POLICY_NAME)  # by name: a later run answers from the decision memo, without pydantic


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


def init_command(original: Any) -> Any:
    """`skyplane init`: first the notice, shown and recorded as a first transfer would show it (never to
    a user who opted out, nor on a CI runner), then Skyplane's own init, whose usage-stats line then
    says the real state (usage_stats_status asks our decision)."""
    @functools.wraps(original)
    def run(*args: Any, **kwargs: Any) -> Any:
        import logging

        try:
            decide_transfer()
        except Exception as error:  # never into Skyplane's init
            logging.getLogger("usage_consent.skyplane").warning("usage notice not shown: %s", type(error).__name__)
        return original(*args, **kwargs)

    return run


def run_usage(words: list[str]) -> int:
    """`skyplane usage WORDS...` run from another of Skyplane's commands (`config get/set
    usage_stats`): the library's mounted commands, bound to the host's policy."""
    import argparse

    from usage_consent.cli.host import add_argparse

    parser = argparse.ArgumentParser(prog="skyplane")
    add_argparse(parser.add_subparsers(dest="command", required=True), "usage", policy=POLICY_NAME)
    args = parser.parse_args(["usage", *words])
    return int(args.func(args))


def mount_usage_commands(app: Any) -> None:
    """`skyplane usage explain|notice|records|forget|history|set|get|unset`: the library's commands
    as a Typer app (Skyplane's Typer bundles its own click, so `typer_app()`, not `click_group()`)."""
    from usage_consent.cli.host import typer_app

    app.add_typer(typer_app(policy=POLICY_NAME), name="usage")


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
