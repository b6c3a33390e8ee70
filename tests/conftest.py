"""Shared fixtures: a private HOME and TMPDIR per test, and the real command in a subprocess."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import BIN

from usage_consent import _run as run
from usage_consent.policy._model import CI_VARIABLES
from usage_consent.policy._state import StateFile
from usage_consent.schemas._versions import current_version

# The variables a policy reads, unset in every test (the suite itself may run on a CI runner).
CONSENT_VARIABLES = ("SKYPLANE_USAGE_STATS_ENABLED", "DO_NOT_TRACK", "SKYPLANE_CONFIG", *CI_VARIABLES)


class Home:
    """A temporary HOME (and TMPDIR) with helpers to set up Skyplane's files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.tmp.mkdir()
        self.skyplane = root / ".skyplane"
        self.config = self.skyplane / "config.json"
        self.state = self.skyplane / "usage_stats_state.json"

    def write_config(self, content: object) -> Path:
        """Write the config file: a str as it is, anything else as JSON."""
        self.skyplane.mkdir(exist_ok=True)
        text = content if isinstance(content, str) else json.dumps(content)
        self.config.write_text(text)
        return self.config

    def config_data(self) -> object:
        return json.loads(self.config.read_text())

    def mark_notice_shown(self, version: int | None = None) -> None:
        """Record that the user saw the notice (the current version unless one is given)."""
        version = current_version("usage_stats") if version is None else version
        StateFile(str(self.state)).record_notice("usage_stats", version, "sha256:test", "test")

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in CONSENT_VARIABLES}
        env.update({"HOME": str(self.root), "TMPDIR": str(self.tmp), **extra})
        return env

    def run(self, *args: str, env: dict[str, str] | None = None, timeout: float = 60,
            input: str | None = None, cwd: str | None = None, **popen: object,
            ) -> subprocess.CompletedProcess[str]:
        """Run the real ``usage-consent`` command with this HOME."""
        return subprocess.run(
            [str(BIN), *args], env=self.env(**(env or {})), capture_output=True, text=True,
            timeout=timeout, input=input, cwd=cwd or str(self.root), **popen,
        )

    def explain(self, *args: str, env: dict[str, str] | None = None) -> dict:
        result = self.run(*args, "explain", "--json", env=env)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Home]:
    """A fresh HOME and TMPDIR, with the consent variables unset, for this process too."""
    root = tmp_path / "home"
    root.mkdir()
    h = Home(root)
    monkeypatch.setenv("HOME", str(root))
    monkeypatch.setenv("TMPDIR", str(h.tmp))
    for name in CONSENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(tempfile, "tempdir", None)  # other threads' gettempdir() reads TMPDIR again
    with run.bound(run.RunConfig(temp_dir=str(h.tmp))):  # the library's temporary folder, for this thread
        yield h


@pytest.fixture
def server():
    """A report server answering 200; set ``server.behaviour`` to change how it answers."""
    from usage_consent.testing._server import ReportServer

    running = ReportServer()
    yield running
    running.stop()


class Connections(list):
    """Every socket.connect this process makes inside ``watch()`` (seen by a real audit hook)."""

    watching = False

    def hook(self, event: str, args: tuple) -> None:
        if self.watching and event == "socket.connect":
            self.append(args[1])

    @contextlib.contextmanager
    def watch(self) -> Iterator[Connections]:
        """Forget what was seen before, then record every connection made inside the block."""
        self.clear()
        self.watching = True
        try:
            yield self
        finally:
            self.watching = False


@pytest.fixture(scope="session")
def connections() -> Connections:
    """The process's connections, watched on demand (an audit hook cannot be removed, so one per process)."""
    seen = Connections()
    sys.addaudithook(seen.hook)
    return seen

