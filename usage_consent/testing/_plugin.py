"""The pytest plugin (entry point ``pytest11``): loaded in any pytest run where usage-consent is
installed. It holds the library to loopback endpoints for the whole run (and for the commands
the tests start) and provides the fixture ``usage_stats_sandbox``. Importing it loads nothing heavy."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from usage_consent import _runtime as runtime

if TYPE_CHECKING:
    from usage_consent.testing._sandboxes import Sandbox


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("usage_consent_policy", "the host's usage-consent policy TOML file for usage_stats_sandbox "
                  "(default: the embedded one)", default="")


def pytest_configure(config: pytest.Config) -> None:
    runtime.loopback_only = True
    os.environ[runtime.LOOPBACK_ENV] = "1"


@pytest.fixture
def usage_stats_sandbox(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """An isolated HOME and TMPDIR, a loopback collector set as the endpoint, strict reports."""
    from usage_consent.testing._sandboxes import sandbox

    policy = request.config.getini("usage_consent_policy") or None
    if policy and not os.path.isabs(policy):
        policy = str(request.config.rootpath / policy)
    with sandbox(policy, tmp_path / "home") as box:
        yield box


__all__ = ["pytest_addoption", "pytest_configure", "usage_stats_sandbox"]
