"""The sandbox: a private HOME and TMPDIR, a loopback collector set as the endpoint, strict reports."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from usage_consent import _run as run
from usage_consent import _runtime as runtime
from usage_consent._log import log
from usage_consent.testing._server import ReportServer

if TYPE_CHECKING:
    from usage_consent.policy import Policy
    from usage_consent.policy._paths import PolicySource

SETTLE_S = 10.0  # at its end a sandbox waits this long for its background jobs, then drops the rest


def _policy(policy: Policy | PolicySource | None) -> Policy:
    from usage_consent.policy._load import policy_from

    return policy_from(policy)


def consent_variables(policy: Policy) -> list[str]:
    """The environment variables the policy reads (a sandbox unsets them): the consent and
    DO_NOT_TRACK variables, the CI markers (a host's tests running on a CI runner would otherwise
    be off) and the variables that name a config or managed file (which may lie outside the sandbox)."""
    names: list[str | None] = []
    for source in policy.sources:
        names += [getattr(source, "variable", None), getattr(source, "path_variable", None),
                  *(getattr(source, "variables", None) or ())]
    return list(dict.fromkeys(name for name in names if name))


def _settle(config: run.RunConfig) -> None:
    """Wait (at most SETTLE_S) for the background jobs, then drop those still made under ``config``:
    none runs once the sandbox is gone (each would run against the sandbox's folders anyway)."""
    from usage_consent.reporter import _worker as worker

    worker.wait(SETTLE_S)
    left = worker.discard(config)
    if left:
        log.warning("usage-consent sandbox: %d background job(s) not done within %g s dropped at its end", left,
                    SETTLE_S)


@contextlib.contextmanager
def isolated_home(policy: Policy | None = None, root: Path | None = None) -> Iterator[Path]:
    """HOME=<root>, TMPDIR=<root>/tmp and the policy's consent variables unset, for this process and
    the ones it starts; everything restored afterwards (a root made here is deleted). The library
    is told through a run configuration, bound for the block in this thread (``run.bound``: nothing
    is switched for the whole process), that every decision made here and every background job
    made inside carries: at the end the block waits for them and drops what is left, so none
    touches the caller's HOME or TMPDIR."""
    made = root is None
    root = Path(tempfile.mkdtemp(prefix="usage-sandbox-")) if root is None else root
    (root / "tmp").mkdir(parents=True, exist_ok=True)
    names = ["HOME", "TMPDIR", *consent_variables(_policy(policy))]
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update(HOME=str(root), TMPDIR=str(root / "tmp"))
    for name in names[2:]:
        os.environ.pop(name, None)
    tempfile.tempdir = None  # the host's own gettempdir() reads TMPDIR again (the library is told below)
    config = run.RunConfig(home=str(root), temp_dir=str(root / "tmp"))
    try:
        with run.bound(config):
            yield root
    finally:
        _settle(config)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        tempfile.tempdir = None
        if made:
            shutil.rmtree(root, ignore_errors=True)


@dataclass(frozen=True)
class Sandbox:
    """What ``usage_stats_sandbox`` gives a test."""

    home: Path
    policy: Policy
    collector: ReportServer

    @property
    def url(self) -> str:
        return self.collector.url

    @property
    def reports(self) -> list[dict[str, Any]]:
        """The JSON bodies the collector received, parsed, oldest first."""
        return self.collector.reports

    @property
    def tmp(self) -> Path:
        return self.home / "tmp"

    @property
    def config_file(self) -> Path:
        """The policy's writable config file (the one ``config set`` writes)."""
        from usage_consent.policy._sources.config_file import config_target

        return Path(config_target(self.policy)[0])

    def write_config(self, **keys: Any) -> Path:
        """Set keys in the policy's writable config file, in its format (JSON, INI or TOML) and in
        the section that holds the consent key; the others are kept."""
        from usage_consent.policy._config_write import write_config_keys

        return Path(write_config_keys(keys, self.policy))

    def set_consent(self, value: str | bool) -> Path:
        """Write the consent key as ``config set`` does (``True``, ``"off"``, ``"local"``, ...)."""
        from usage_consent.policy import write_consent

        write_consent(value, self.policy)
        return self.config_file

    def mark_notice_shown(self) -> str:
        """Show the notice (into a string, returned) and record it, as a first run does: from now on
        the notice source no longer holds collection off."""
        import io

        from usage_consent.policy import _notice as notice

        shown = io.StringIO()
        notice.show(self.policy, how="sandbox", stream=shown)
        return shown.getvalue()

    def wait_for(self, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        """The reports, once at least ``count`` have arrived (or ``timeout`` has passed)."""
        from usage_consent.reporter import wait

        deadline = time.monotonic() + timeout
        wait(timeout)
        while len(self.collector.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.reports

    def env(self, **extra: str) -> dict[str, str]:
        """The environment for a command the test runs (already this process's)."""
        return {**os.environ, **extra}


@contextlib.contextmanager
def sandbox(policy: Policy | PolicySource | None = None, root: Path | None = None,
            strict: bool = True, notice_shown: bool = True) -> Iterator[Sandbox]:
    """A Sandbox for the duration of the block (the notice already shown, unless ``notice_shown`` is
    false, so reports flow); the collector is stopped and everything restored after."""
    model = _policy(policy)
    saved = runtime.strict_reports
    with isolated_home(model, root) as home:
        collector = ReportServer()
        box = Sandbox(home, model, collector)
        try:
            box.set_consent(True)
            box.write_config(**{model.reporter.endpoint_key: collector.url})
            if notice_shown:
                box.mark_notice_shown()
                _check_satisfied(box)
        except BaseException:
            collector.stop()
            raise
        runtime.strict_reports = strict
        try:
            yield box
        finally:
            runtime.strict_reports = saved
            collector.stop()


def _check_satisfied(box: Sandbox) -> None:
    """Fail at once, with the reason, when the sandbox's policy would not send to its collector."""
    from usage_consent.errors import UsageConsentError
    from usage_consent.policy import explain

    decision = explain(box.policy)
    if decision.mode == "on" and box.url in decision.endpoints:
        return
    if decision.mode != "on":
        layer = next((layer for layer in decision.trace if layer.name == decision.decided_by), None)
        said = f"{layer.location}: {layer.reason or layer.raw}" if layer else "no source decided"
        why = f"the decision is {decision.mode} (decided by {decision.decided_by or 'nothing'}: {said})"
    else:
        why = f"the endpoint written to {box.config_file} is not read (endpoints in use: {list(decision.endpoints)})"
    raise UsageConsentError(f"usage_stats_sandbox: policy {box.policy.app!r} cannot be satisfied: {why}",
                            layer="sandbox", path=str(box.config_file))


__all__ = ["Sandbox", "consent_variables", "isolated_home", "sandbox"]
