"""The hooks ``skyplane_uc.py`` installs into the unmodified Skyplane 0.3.2 (what they change: its
docstring). A module, not the script itself, so that a run loads its compiled ``__pycache__`` copy:
Python compiles the script a command line names from source on every run (about 9 M instructions
for these hooks, 0.3 % of a ``cp``)."""

from __future__ import annotations

import functools
import logging
import sys
from typing import Any

import skyplane_map
import skyplane_policy

__all__ = ["install", "main"]
log = logging.getLogger("usage_consent.skyplane")

_active: dict[str, Any] = {}  # the session of the cp/sync this process runs (the CLI runs one)


def _start(tool_version: str) -> Any:
    """A session bound to a decision taken now, or None when it collects nothing (then no report's
    fields are worked out: the schema they follow is never loaded); never raises (a failure means:
    nothing collected)."""
    try:
        from usage_consent.reporter import start_session

        session = start_session(skyplane_policy.decide_transfer(), tool_version=tool_version)
        return session if session.decision.enabled else None
    except Exception as error:  # usage reporting must never hurt the host
        log.warning("usage stats off for this transfer: %s: %s", type(error).__name__, error)
        return None


def _session() -> Any:
    """The running transfer's session (None: it collects nothing); for a call outside a CLI transfer
    (Skyplane's Python API), a session of its own."""
    if "session" in _active:
        return _active["session"]
    import skyplane

    return _start(skyplane.__version__)


def _report_error(session: Any, error: BaseException, stage: str) -> None:
    session.set_stage(stage)
    session.__exit__(type(error), error, error.__traceback__)  # reports class and stage only


def _log_transfer(cls: Any, transfer_stats: Any, args: Any = None, src_region_tag: Any = None,
                  dest_region_tags: Any = None, session_start_timestamp_ms: Any = None) -> None:
    """Replaces UsageClient.log_transfer: one report, through the library."""
    try:
        session = _session()
        if session is not None:
            session.report(**skyplane_map.transfer_fields(args, src_region_tag, dest_region_tags,
                                                          session_start_timestamp_ms),
                           stats=skyplane_map.stats_fields(transfer_stats))
    except Exception as error:  # never into the transfer
        log.warning("usage report failed: %s", type(error).__name__)


def _log_exception(cls: Any, location: str, exception: Exception, args: Any = None, src_region_tag: Any = None,
                   dest_region_tags: Any = None, session_start_timestamp_ms: Any = None) -> None:
    """Replaces UsageClient.log_exception: the error's class and stage, never its message."""
    try:
        session = _session()
        if session is not None:
            session.update(**skyplane_map.transfer_fields(args, src_region_tag, dest_region_tags,
                                                          session_start_timestamp_ms))
            _report_error(session, exception, skyplane_map.stage_of_location(location))
    except Exception as error:
        log.warning("usage report failed: %s", type(error).__name__)


def _never_send(self: Any, *args: Any, **kwargs: Any) -> None:
    """Replaces UsageClient.report_usage_data (the POST to Skyplane's Loki server)."""
    log.debug("Skyplane's own usage POST suppressed")


def _transfer_command(original: Any, command: str) -> Any:
    @functools.wraps(original)
    def run(*args: Any, **kwargs: Any) -> Any:
        import skyplane

        session = _active["session"] = _start(skyplane.__version__)
        if session is not None:
            session.update(command=command)
        try:
            result = original(*args, **kwargs)
        except Exception as error:
            if session is not None and session.outcome is None:
                _fill_transfer(session, command, kwargs, error.__traceback__)
                _report_error(session, error, skyplane_map.stage_of_traceback(error.__traceback__))
            raise
        finally:
            _active.clear()
        if session is not None and session.outcome is None:
            _fill_transfer(session, command, kwargs)
            session.report(stats={"monitor_status": "empty"})  # Skyplane reported nothing for it
        return result

    return run


def _fill_transfer(session: Any, command: str, kwargs: dict[str, Any], tb: Any = None) -> None:
    """Fields for a transfer Skyplane ended without reporting: its region tags and args from
    run_transfer's frame when the traceback has it, else the providers of the two paths."""
    try:
        found = skyplane_map.run_transfer_locals(tb)
        if found is None:
            from skyplane.utils.path import parse_path

            args = {"cmd": command, **{k: v for k, v in kwargs.items() if k not in ("src", "dst")}}
            found = (args, *(f"{parse_path(kwargs[side])[0]}:unknown" for side in ("src", "dst")))
        args, src, dst = found
        session.update(**skyplane_map.transfer_fields(args, src, [dst]))
    except Exception as error:  # the report then lacks these fields and is dropped with a warning
        log.warning("usage report: transfer fields unknown: %s", type(error).__name__)


def _runs_skyplanes_own(app: Any, args: list[str]) -> bool:
    """Whether ``args`` run one of Skyplane's own commands (``cp``, ``config``, ...): then ``usage``
    cannot be reached, and is not mounted (its commands are not built for every transfer)."""
    if not args or args[0].startswith("-"):
        return False
    names = {(info.name or info.callback.__name__).lower().replace("_", "-") for info in app.registered_commands}
    return args[0] in names | {info.name for info in app.registered_groups}


def install(args: list[str] | None = None) -> Any:
    """Hook usage-consent into Skyplane's loaded modules; returns Skyplane's Typer app. ``args``: the
    command line it will run (None: any), for which ``skyplane usage ...`` is mounted when it may be
    reached (help, ``usage``, an unknown command)."""
    from skyplane.api.usage import UsageClient
    from skyplane.cli import cli, cli_config

    UsageClient.log_transfer = classmethod(_log_transfer)
    UsageClient.log_exception = classmethod(_log_exception)
    UsageClient.usage_stats_status = classmethod(skyplane_policy.usage_stats_status)
    UsageClient.report_usage_data = _never_send
    for info in cli.app.registered_commands:
        if info.name in ("cp", "sync"):
            info.callback = _transfer_command(info.callback, info.name)
        elif (info.name or getattr(info.callback, "__name__", "")) == "init":
            info.callback = skyplane_policy.init_command(info.callback)
    for info in cli_config.app.registered_commands:
        name = info.name or info.callback.__name__
        if name in ("get", "set"):
            info.callback = skyplane_policy.config_command(info.callback, name)
    if args is None or not _runs_skyplanes_own(cli.app, args):
        skyplane_policy.mount_usage_commands(cli.app)
    return cli.app


SUPPORTED = "0.3.2"  # the hooks follow this version's functions and signatures


def main(argv: list[str] | None = None) -> Any:
    try:
        import skyplane
    except ImportError as error:
        sys.exit(f"skyplane_uc: Skyplane {SUPPORTED} cannot be imported here ({error}); "
                 f'pip install skyplane=={SUPPORTED} "numpy<2" "pandas<2.3"')
    if skyplane.__version__ != SUPPORTED:
        sys.exit(f"skyplane_uc: Skyplane {skyplane.__version__} is installed; these hooks are for {SUPPORTED}")
    args = sys.argv[1:] if argv is None else argv
    return install(args)(args=args, prog_name="skyplane")

