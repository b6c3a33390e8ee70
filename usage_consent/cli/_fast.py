"""``usage-consent decide``, ``explain`` and ``config get`` answered from the decision memo
(policy/_cache.py) before anything else is imported: no argparse parser, no command table, no
pydantic. Anything else, or a memo that does not answer, goes to the full command
(usage_consent/cli/_main.py) unchanged; so does every error. The console script enters here."""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing's: this is the command's cold path
if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["answer", "main"]
_SHAPES = {("decide",), ("decide", "--json"), ("explain",), ("explain", "--json")}


def main(argv: Sequence[str] | None = None) -> int:
    """The ``usage-consent`` command: from the memo when it can answer, else in full."""
    code = answer(list(sys.argv[1:] if argv is None else argv))
    if code is not None:
        return code
    from usage_consent.cli._main import main as full

    return full(argv)


def _split(args: list[str]) -> tuple[str | None, list[str]] | None:
    """``--policy``'s value (None: the embedded policy) and the command's words; None when the
    command line has any other shape."""
    if args[:1] == ["--policy"] and len(args) > 1:
        policy, rest = args[1], args[2:]
    elif args and args[0].startswith("--policy="):
        policy, rest = args[0].removeprefix("--policy="), args[1:]
    else:
        return None, args
    return (policy, rest) if policy.strip() and not policy.startswith("-") else None


def answer(args: list[str]) -> int | None:
    """The exit code of ``usage-consent ARGS`` answered from the memo, having printed what the full
    command prints; None (nothing printed) when the memo cannot answer."""
    split = _split(args)
    if split is None:
        return None
    policy, words = split
    if tuple(words) not in _SHAPES and not (len(words) == 3 and words[:2] == ["config", "get"]):
        return None
    from usage_consent._files._platform import platform_problem
    from usage_consent._locations import home_problem
    from usage_consent._run import current
    from usage_consent.policy._cache import CACHE

    run = current()
    try:
        slot = None if platform_problem() or home_problem(run) else CACHE.known_slot(policy, run)
    except Exception:  # the full command reports it
        slot = None
    if slot is None or slot.decision is None or not slot.plain:
        return None
    try:
        return _print(words, slot.decision, slot.plain)
    except BrokenPipeError:  # as the full command: `usage-consent explain | head -1`
        return 1


def _print(words: list[str], decision: object, plain: dict[str, object]) -> int | None:
    for stream in (sys.stdout, sys.stderr):  # as the full command: a lone surrogate is shown escaped
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    if words[0] == "config":
        config_get = plain.get("config_get")
        if not isinstance(config_get, list) or config_get[0] != words[2]:
            return None  # another key: the full command's error
        print(config_get[1])
        return 0
    from usage_consent.cli._explain_cmd import show_decision, show_explanation

    if words[0] == "decide":
        show_decision(decision, "--json" in words)  # type: ignore[arg-type]
    else:
        show_explanation(decision, bool(plain.get("notice_enabled")), "--json" in words)  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())
